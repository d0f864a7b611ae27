//! Roboflow's hosted object detection as an `ImageDetector`.
//!
//! `POST {base}/{model}/{version}?api_key=KEY` with the image base64-encoded
//! as the body (`application/x-www-form-urlencoded`), as Roboflow documents;
//! the answer is `{"time", "image": {"width", "height"}, "predictions":
//! [{"x", "y", "width", "height", "confidence", "class", "class_id",
//! "detection_id"}]}`, boxes centred on (`x`, `y`) in pixels.

use std::time::Duration;

use async_trait::async_trait;
use base64::Engine as _;
use bytes::Bytes;
use reqwest::header::CONTENT_TYPE;
use reqwest::Url;
use serde::Deserialize;
use sinmungo_core::ports::{AiError, Detection, Detections, ImageDetector, ImageInput};

use crate::endpoint::{endpoint, is_slug};
use crate::resilience::{BreakerPolicy, ResilientClient, RetryPolicy};
use crate::{ApiKey, ConfigError};

const PROVIDER: &str = "roboflow";

/// How to reach a Roboflow model. `Debug` shows no key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoboflowConfig {
    /// The API's base URL. Default [`RoboflowConfig::DEFAULT_BASE_URL`].
    pub base_url: String,
    /// The project (model) id, e.g. `pothole-detection-xyz`: `[A-Za-z0-9_-]+`.
    pub model: String,
    /// The trained version of the model.
    pub version: u32,
    /// The workspace's API key, sent as the `api_key` query parameter.
    pub api_key: ApiKey,
    /// How long one attempt may take, body included. Default 10 s.
    pub timeout: Duration,
    /// Retries. Default [`RetryPolicy::default`].
    pub retry: RetryPolicy,
    /// The circuit breaker. Default [`BreakerPolicy::default`].
    pub breaker: BreakerPolicy,
}

impl RoboflowConfig {
    /// Roboflow's hosted detection API.
    pub const DEFAULT_BASE_URL: &'static str = "https://detect.roboflow.com";
    /// The default timeout per attempt.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

    /// A config for `model`/`version` with the defaults above.
    pub fn new(model: impl Into<String>, version: u32, api_key: ApiKey) -> Self {
        Self {
            base_url: Self::DEFAULT_BASE_URL.to_owned(),
            model: model.into(),
            version,
            api_key,
            timeout: Self::DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
            breaker: BreakerPolicy::default(),
        }
    }

    /// This config with another base URL (a self-hosted inference server).
    #[must_use]
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// This config with another timeout per attempt.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// This config with another retry policy.
    #[must_use]
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// This config with another circuit breaker policy.
    #[must_use]
    pub fn with_breaker(mut self, breaker: BreakerPolicy) -> Self {
        self.breaker = breaker;
        self
    }
}

/// Roboflow hosted detection. Cheap to share behind an `Arc`; every call
/// shares one connection pool and one circuit breaker.
#[derive(Debug)]
pub struct RoboflowDetector {
    client: ResilientClient,
    /// `{base}/{model}/{version}`, without the key.
    url: Url,
    api_key: ApiKey,
    /// `{model}/{version}`, as reported in [`Detections::model`].
    model: String,
}

impl RoboflowDetector {
    /// A detector for `config`, checked: a usable base URL, a slug model id
    /// and a non-empty key.
    pub fn new(config: RoboflowConfig) -> Result<Self, ConfigError> {
        if !is_slug(&config.model) {
            return Err(ConfigError::InvalidModel {
                provider: PROVIDER,
                model: config.model,
            });
        }
        if config.api_key.expose().is_empty() {
            return Err(ConfigError::MissingApiKey(PROVIDER));
        }
        let version = config.version.to_string();
        let url = endpoint(PROVIDER, &config.base_url, &[&config.model, &version])?;
        Ok(Self {
            client: ResilientClient::new(PROVIDER, config.timeout, config.retry, config.breaker)?,
            url,
            api_key: config.api_key,
            model: format!("{}/{}", config.model, config.version),
        })
    }
}

#[async_trait]
impl ImageDetector for RoboflowDetector {
    #[tracing::instrument(skip_all, fields(model = %self.model, bytes = image.bytes.len()))]
    async fn detect(&self, image: &ImageInput) -> Result<Detections, AiError> {
        let body = Bytes::from(base64::engine::general_purpose::STANDARD.encode(&image.bytes));
        let mut url = self.url.clone();
        url.query_pairs_mut()
            .append_pair("api_key", self.api_key.expose());
        let answer = self
            .client
            .send(|http| {
                http.post(url.clone())
                    .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(body.clone())
            })
            .await?;
        let answer: Answer = serde_json::from_slice(&answer)
            .map_err(|e| AiError::Malformed(format!("roboflow answer: {e}")))?;
        Ok(Detections {
            model: self.model.clone(),
            items: answer
                .predictions
                .into_iter()
                .map(Prediction::into_detection)
                .collect(),
        })
    }
}

/// The parts of Roboflow's answer we use; `time`, `image`, `class_id` and
/// `detection_id` are ignored.
#[derive(Deserialize)]
struct Answer {
    predictions: Vec<Prediction>,
}

#[derive(Deserialize)]
struct Prediction {
    x: f64,
    y: f64,
    width: f64,
    height: f64,
    confidence: f64,
    class: String,
}

impl Prediction {
    fn into_detection(self) -> Detection {
        Detection {
            label: self.class,
            confidence: self.confidence.clamp(0.0, 1.0),
            x: self.x,
            y: self.y,
            width: self.width,
            height: self.height,
        }
    }
}
