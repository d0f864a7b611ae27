//! One provider client and its mock server, set up for fast tests.

use std::time::Duration;

use serde_json::{json, Value};
use sinmungo_ai::resilience::{BreakerPolicy, RetryPolicy};
use sinmungo_ai::{ApiKey, ChatAnalyzer, ChatConfig, RoboflowConfig, RoboflowDetector};
use sinmungo_core::domain::CategoryCode;
use sinmungo_core::ports::{
    AiError, CategoryChoice, Detection, ImageDetector, ImageInput, TextAnalyzer, TextRequest,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const ROBOFLOW_KEY: &str = "rf_SECRET_key_0123";
pub const CHAT_KEY: &str = "sk-or-v1-SECRET-chat-key";
pub const ROBOFLOW_MODEL: &str = "pothole-detection-xyz";
pub const ROBOFLOW_PATH: &str = "/pothole-detection-xyz/3";
pub const CHAT_MODEL: &str = "google/gemini-2.0-flash-001";
pub const CHAT_PATH: &str = "/api/v1/chat/completions";
/// The timeout per attempt in these tests.
pub const TIMEOUT: Duration = Duration::from_millis(300);
/// The `Retry-After` cap in these tests: far above the backoff, far below 1 s.
pub const RETRY_AFTER_CAP: Duration = Duration::from_millis(300);

/// Three attempts with millisecond backoff; `Retry-After` capped at [`RETRY_AFTER_CAP`].
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(3)
        .with_backoff(Duration::from_millis(2), Duration::from_millis(10))
        .with_max_retry_after(RETRY_AFTER_CAP)
}

/// A breaker that never opens, so that resilience tests see every attempt.
pub fn no_breaker() -> BreakerPolicy {
    BreakerPolicy::default().with_failure_threshold(0)
}

/// Which client a test drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Roboflow,
    Chat,
}

pub const BOTH: [Kind; 2] = [Kind::Roboflow, Kind::Chat];

#[derive(Debug)]
enum Client {
    Roboflow(RoboflowDetector),
    Chat(ChatAnalyzer),
}

/// A client pointed at its own mock server.
#[derive(Debug)]
pub struct Subject {
    pub kind: Kind,
    pub server: MockServer,
    client: Client,
}

impl Subject {
    /// A `kind` client with the test timeout, `retry` and `breaker`.
    pub async fn start(kind: Kind, retry: RetryPolicy, breaker: BreakerPolicy) -> Self {
        let server = MockServer::start().await;
        let client = match kind {
            Kind::Roboflow => Client::Roboflow(
                RoboflowDetector::new(
                    roboflow_config(&server.uri())
                        .with_retry(retry)
                        .with_breaker(breaker),
                )
                .unwrap(),
            ),
            Kind::Chat => Client::Chat(
                ChatAnalyzer::new(
                    chat_config(&server.uri())
                        .with_retry(retry)
                        .with_breaker(breaker),
                )
                .unwrap(),
            ),
        };
        Self {
            kind,
            server,
            client,
        }
    }

    /// One call through the port, its success reduced to `()`.
    pub async fn call(&self) -> Result<(), AiError> {
        match &self.client {
            Client::Roboflow(detector) => detector.detect(&image()).await.map(drop),
            Client::Chat(analyzer) => analyzer.analyze(&text_request()).await.map(drop),
        }
    }

    /// A mock of the provider's endpoint answering `response`.
    pub fn endpoint(&self, response: ResponseTemplate) -> Mock {
        let endpoint = match self.kind {
            Kind::Roboflow => ROBOFLOW_PATH,
            Kind::Chat => CHAT_PATH,
        };
        Mock::given(method("POST"))
            .and(path(endpoint))
            .respond_with(response)
    }

    /// A documented successful answer.
    pub fn success(&self) -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_json(match self.kind {
            Kind::Roboflow => roboflow_answer(),
            Kind::Chat => chat_answer(
                &json!({
                    "category": "road_damage", "priority": "high",
                    "confidence": 0.9, "summary": "도로에 포트홀"
                })
                .to_string(),
            ),
        })
    }

    /// How many requests the server has seen.
    pub async fn requests(&self) -> usize {
        self.server.received_requests().await.unwrap().len()
    }
}

/// One call by a `kind` client (test config) to the provider at `base`.
pub async fn call_at(kind: Kind, base: &str) -> Result<(), AiError> {
    match kind {
        Kind::Roboflow => RoboflowDetector::new(roboflow_config(base))
            .unwrap()
            .detect(&image())
            .await
            .map(drop),
        Kind::Chat => ChatAnalyzer::new(chat_config(base))
            .unwrap()
            .analyze(&text_request())
            .await
            .map(drop),
    }
}

/// A base URL where nothing listens: a port that was free a moment ago.
pub fn unreachable_base() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", listener.local_addr().unwrap())
}

pub fn roboflow_config(base: &str) -> RoboflowConfig {
    RoboflowConfig::new(ROBOFLOW_MODEL, 3, ApiKey::new(ROBOFLOW_KEY))
        .with_base_url(base)
        .with_timeout(TIMEOUT)
        .with_retry(fast_retry())
        .with_breaker(no_breaker())
}

pub fn chat_config(base: &str) -> ChatConfig {
    ChatConfig::new(CHAT_MODEL, ApiKey::new(CHAT_KEY))
        .with_base_url(format!("{base}/api/v1"))
        .with_timeout(TIMEOUT)
        .with_referer("https://sinmungo.jeonbuk.go.kr")
        .with_title("Sinmungo")
        .with_retry(fast_retry())
        .with_breaker(no_breaker())
}

/// Not a real JPEG, but bytes whose base64 form has `+`, `/` and padding.
pub fn image() -> ImageInput {
    ImageInput {
        bytes: vec![0xff, 0xd8, 0xff, 0xe0, 0xfb, 0xef, 0xbe, 0x00, 0x10],
        content_type: "image/jpeg".to_owned(),
    }
}

pub fn choice(code: &str, name: &str, name_en: &str) -> CategoryChoice {
    CategoryChoice {
        code: CategoryCode::new(code).unwrap(),
        name: name.to_owned(),
        name_en: name_en.to_owned(),
    }
}

pub fn text_request() -> TextRequest {
    TextRequest {
        title: "도로 파손".to_owned(),
        description: "집 앞 도로에 큰 포트홀이 생겼어요".to_owned(),
        detections: vec![Detection {
            label: "pothole".to_owned(),
            confidence: 0.91,
            x: 320.0,
            y: 240.0,
            width: 80.0,
            height: 40.0,
        }],
        categories: vec![
            choice("road_damage", "도로 파손", "Road damage"),
            choice("streetlight", "가로등·보안등", "Street and security lights"),
            choice("other", "기타", "Other"),
        ],
    }
}

/// Roboflow's documented detection answer.
pub fn roboflow_answer() -> Value {
    json!({
        "time": 0.05,
        "image": { "width": 640, "height": 480 },
        "predictions": [
            {
                "x": 320.5, "y": 240.0, "width": 80.0, "height": 40.0,
                "confidence": 0.91, "class": "pothole", "class_id": 0,
                "detection_id": "9b6a3c0e-5f7d-4e2a-8c11-2f0c3a7d9e01"
            },
            {
                "x": 100.0, "y": 50.0, "width": 20.0, "height": 10.5,
                "confidence": 0.42, "class": "crack", "class_id": 1,
                "detection_id": "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"
            }
        ]
    })
}

/// An OpenRouter chat completion whose message content is `content`.
pub fn chat_answer(content: &str) -> Value {
    json!({
        "id": "gen-1735000000-abc",
        "provider": "Google",
        "model": CHAT_MODEL,
        "object": "chat.completion",
        "created": 1_735_000_000,
        "choices": [{
            "logprobs": null,
            "finish_reason": "stop",
            "native_finish_reason": "STOP",
            "index": 0,
            "message": { "role": "assistant", "content": content, "refusal": null }
        }],
        "usage": { "prompt_tokens": 512, "completion_tokens": 48, "total_tokens": 560 }
    })
}
