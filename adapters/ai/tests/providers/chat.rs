//! The OpenAI-compatible chat model: the request, and answers well and badly formed.

use serde_json::{json, Value};
use sinmungo_ai::{ApiKey, ChatAnalyzer, ChatConfig, ConfigError};
use sinmungo_core::domain::{CategoryCode, Priority};
use sinmungo_core::ports::{AiError, TextAnalyzer, TextSuggestion};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{chat_answer, chat_config, text_request, CHAT_KEY, CHAT_MODEL, CHAT_PATH};

async fn answering(body: Value) -> (MockServer, ChatAnalyzer) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(CHAT_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let analyzer = ChatAnalyzer::new(chat_config(&server.uri())).unwrap();
    (server, analyzer)
}

/// What the analyzer makes of a model whose message content is `content`.
async fn suggestion_for(content: &str) -> Result<TextSuggestion, AiError> {
    let (_server, analyzer) = answering(chat_answer(content)).await;
    analyzer.analyze(&text_request()).await
}

fn road_damage() -> Option<CategoryCode> {
    Some(CategoryCode::new("road_damage").unwrap())
}

#[tokio::test]
async fn a_structured_answer_becomes_a_suggestion() {
    let content = json!({
        "category": "road_damage",
        "priority": "high",
        "confidence": 0.87,
        "summary": "효자동 도로에 큰 포트홀이 생겨 보수가 필요함",
        "personal_data": true,
        "personal_data_spans": ["김철수"]
    });
    let mut answer = chat_answer(&content.to_string());
    answer["model"] = json!("google/gemini-2.0-flash-001-20250205");
    let (_server, analyzer) = answering(answer).await;

    let suggestion = analyzer.analyze(&text_request()).await.unwrap();

    assert_eq!(
        suggestion,
        TextSuggestion {
            model: "google/gemini-2.0-flash-001-20250205".to_owned(),
            category: road_damage(),
            priority: Some(Priority::High),
            confidence: 0.87,
            summary: Some("효자동 도로에 큰 포트홀이 생겨 보수가 필요함".to_owned()),
            personal_data: Some(true),
            personal_data_spans: vec!["김철수".to_owned()],
        }
    );
}

#[tokio::test]
async fn the_request_carries_the_key_the_schema_and_the_report() {
    let (server, analyzer) = answering(chat_answer(
        r#"{"category":"other","priority":"low","confidence":0.1,"summary":"x"}"#,
    ))
    .await;

    analyzer.analyze(&text_request()).await.unwrap();

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.url.path(), CHAT_PATH);
    assert_eq!(request.url.query(), None);
    let header = |name: &str| request.headers.get(name).unwrap().to_str().unwrap();
    assert_eq!(header("authorization"), format!("Bearer {CHAT_KEY}"));
    assert_eq!(header("content-type"), "application/json");
    assert_eq!(header("http-referer"), "https://sinmungo.jeonbuk.go.kr");
    assert_eq!(header("x-title"), "Sinmungo");

    let body: Value = request.body_json().unwrap();
    assert_eq!(body["model"], CHAT_MODEL);
    assert_eq!(body["temperature"], 0);
    let format = &body["response_format"];
    assert_eq!(format["type"], "json_schema");
    assert_eq!(format["json_schema"]["name"], "triage");
    assert_eq!(format["json_schema"]["strict"], true);
    let schema = &format["json_schema"]["schema"];
    assert_eq!(
        schema["properties"]["category"]["enum"],
        json!(["road_damage", "streetlight", "other"])
    );
    assert_eq!(
        schema["properties"]["priority"]["enum"],
        json!(["urgent", "high", "normal", "low"])
    );
    assert_eq!(
        schema["required"],
        json!([
            "category",
            "priority",
            "confidence",
            "summary",
            "personal_data",
            "personal_data_spans"
        ])
    );
    assert_eq!(schema["properties"]["personal_data"]["type"], "boolean");
    assert_eq!(schema["additionalProperties"], false);

    let messages = body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0]["role"], "system");
    let system = messages[0]["content"].as_str().unwrap();
    assert!(
        system.contains("urgent") && system.contains("신고"),
        "{system}"
    );
    assert_eq!(messages[1]["role"], "user");
    let report: Value = serde_json::from_str(messages[1]["content"].as_str().unwrap()).unwrap();
    assert_eq!(report["title"], "도로 파손");
    assert_eq!(report["description"], "집 앞 도로에 큰 포트홀이 생겼어요");
    assert_eq!(
        report["detected_objects"],
        json!([{"label": "pothole", "confidence": 0.91}])
    );
    assert_eq!(report["categories"][0]["code"], "road_damage");
    assert_eq!(report["categories"][0]["name"], "도로 파손");
}

#[tokio::test]
async fn without_a_model_in_the_answer_the_configured_model_is_named() {
    let mut answer = chat_answer(
        r#"{"category":"road_damage","priority":"high","confidence":0.5,"summary":"s"}"#,
    );
    answer.as_object_mut().unwrap().remove("model");
    let (_server, analyzer) = answering(answer).await;

    let suggestion = analyzer.analyze(&text_request()).await.unwrap();

    assert_eq!(suggestion.model, CHAT_MODEL);
}

#[tokio::test]
async fn json_in_a_markdown_fence_is_read() {
    let content = "```json\n{\n  \"category\": \"road_damage\",\n  \"priority\": \"urgent\",\n  \"confidence\": 0.8,\n  \"summary\": \"싱크홀 위험\"\n}\n```";

    let suggestion = suggestion_for(content).await.unwrap();

    assert_eq!(suggestion.category, road_damage());
    assert_eq!(suggestion.priority, Some(Priority::Urgent));
    assert_eq!(suggestion.confidence, 0.8);
    assert_eq!(suggestion.summary.as_deref(), Some("싱크홀 위험"));
    assert_eq!(
        suggestion.personal_data, None,
        "an answer that does not say is unknown, not \"no\""
    );
    assert!(suggestion.personal_data_spans.is_empty());
}

#[tokio::test]
async fn json_after_prose_is_read() {
    let content = "Sure! Here is the triage {as requested}:\n\n{\"category\": \"road_damage\", \"priority\": \"normal\", \"confidence\": 0.6, \"summary\": \"도로 파손 {포트홀}\"}\nLet me know if you need more.";

    let suggestion = suggestion_for(content).await.unwrap();

    assert_eq!(suggestion.category, road_damage());
    assert_eq!(suggestion.priority, Some(Priority::Normal));
    assert_eq!(suggestion.summary.as_deref(), Some("도로 파손 {포트홀}"));
}

#[tokio::test]
async fn an_unknown_category_or_priority_is_no_suggestion_not_an_error() {
    let content = r#"{"category":"potholes","priority":"critical","confidence":0.9,"summary":" "}"#;

    let suggestion = suggestion_for(content).await.unwrap();

    assert_eq!(suggestion.category, None);
    assert_eq!(suggestion.priority, None);
    assert_eq!(suggestion.confidence, 0.9);
    assert_eq!(suggestion.summary, None);
}

#[tokio::test]
async fn confidence_is_clamped_and_defaults_to_zero() {
    for (confidence, want) in [
        (json!(1.7), 1.0),
        (json!(-0.2), 0.0),
        (json!("0.75"), 0.75),
        (json!(null), 0.0),
    ] {
        let content =
            json!({"category": "road_damage", "priority": "low", "confidence": confidence});
        let suggestion = suggestion_for(&content.to_string()).await.unwrap();
        assert_eq!(suggestion.confidence, want, "{confidence}");
    }
    let suggestion = suggestion_for(r#"{"category":"road_damage"}"#)
        .await
        .unwrap();
    assert_eq!(suggestion.confidence, 0.0);
    assert_eq!(suggestion.category, road_damage());
}

#[tokio::test]
async fn content_without_a_json_object_is_malformed() {
    for content in ["도로 파손으로 보입니다.", "[\"road_damage\"]", ""] {
        let result = suggestion_for(content).await;
        assert!(
            matches!(result, Err(AiError::Malformed(_))),
            "{content:?}: {result:?}"
        );
    }
}

#[tokio::test]
async fn an_answer_without_choices_or_content_is_malformed() {
    let mut no_choices = chat_answer("{}");
    no_choices["choices"] = json!([]);
    let mut refused = chat_answer("{}");
    refused["choices"][0]["message"] =
        json!({"role": "assistant", "content": null, "refusal": "I can't help"});
    let provider_error = json!({"error": {"code": 502, "message": "upstream failed"}});
    for answer in [no_choices, refused, provider_error] {
        let (_server, analyzer) = answering(answer.clone()).await;
        let result = analyzer.analyze(&text_request()).await;
        assert!(
            matches!(result, Err(AiError::Malformed(_))),
            "{answer}: {result:?}"
        );
    }
}

#[tokio::test]
async fn a_body_that_is_not_json_is_malformed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(CHAT_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>gateway</html>"))
        .mount(&server)
        .await;
    let analyzer = ChatAnalyzer::new(chat_config(&server.uri())).unwrap();

    let result = analyzer.analyze(&text_request()).await;

    assert!(matches!(result, Err(AiError::Malformed(_))), "{result:?}");
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "no retry"
    );
}

#[test]
fn a_config_that_cannot_work_is_refused() {
    let key = || ApiKey::new("k");
    let refused = |config: ChatConfig| ChatAnalyzer::new(config).unwrap_err();
    assert_eq!(
        refused(ChatConfig::new(CHAT_MODEL, ApiKey::new(""))),
        ConfigError::MissingApiKey("chat")
    );
    assert_eq!(
        refused(ChatConfig::new(CHAT_MODEL, ApiKey::new("bad\nkey"))),
        ConfigError::InvalidApiKey("chat")
    );
    assert!(matches!(
        refused(ChatConfig::new("", key())),
        ConfigError::InvalidModel { .. }
    ));
    assert!(matches!(
        refused(ChatConfig::new(CHAT_MODEL, key()).with_title("전북 신문고")),
        ConfigError::InvalidHeader {
            header: "X-Title",
            ..
        }
    ));
    assert!(matches!(
        refused(ChatConfig::new(CHAT_MODEL, key()).with_base_url("openrouter.ai/api/v1")),
        ConfigError::InvalidBaseUrl { .. }
    ));
}

#[test]
fn the_defaults_are_openrouter() {
    let config = ChatConfig::new(CHAT_MODEL, ApiKey::new("k"));
    assert_eq!(config.base_url, "https://openrouter.ai/api/v1");
    assert_eq!(config.timeout, ChatConfig::DEFAULT_TIMEOUT);
    assert_eq!(
        (config.referer.as_deref(), config.title.as_deref()),
        (None, None)
    );
    assert!(ChatAnalyzer::new(config).is_ok());
}
