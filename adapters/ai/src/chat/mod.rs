//! An OpenAI-compatible chat model (OpenRouter by default) as a `TextAnalyzer`.
//!
//! `POST {base}/chat/completions` with a Bearer key, a system prompt, the
//! report as the user message, `temperature: 0` and a strict JSON schema as
//! `response_format`; the suggestion is read from `choices[0].message.content`.

mod prompt;
mod verdict;

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Url;
use sinmungo_core::ports::{AiError, TextAnalyzer, TextRequest, TextSuggestion};

use crate::endpoint::{endpoint, is_model_name};
use crate::resilience::{BreakerPolicy, ResilientClient, RetryPolicy};
use crate::{ApiKey, ConfigError};

const PROVIDER: &str = "chat";

/// How to reach an OpenAI-compatible chat model. `Debug` shows no key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatConfig {
    /// The API's base URL, before `/chat/completions`. Default [`ChatConfig::DEFAULT_BASE_URL`].
    pub base_url: String,
    /// The model, e.g. `google/gemini-2.0-flash-001`.
    pub model: String,
    /// The API key, sent as `Authorization: Bearer …`.
    pub api_key: ApiKey,
    /// How long one attempt may take, body included. Default 30 s.
    pub timeout: Duration,
    /// OpenRouter's optional `HTTP-Referer` (the app's URL, for attribution). Default none.
    pub referer: Option<String>,
    /// OpenRouter's optional `X-Title` (the app's name, visible ASCII). Default none.
    pub title: Option<String>,
    /// Retries. Default [`RetryPolicy::default`].
    pub retry: RetryPolicy,
    /// The circuit breaker. Default [`BreakerPolicy::default`].
    pub breaker: BreakerPolicy,
}

impl ChatConfig {
    /// OpenRouter's OpenAI-compatible API.
    pub const DEFAULT_BASE_URL: &'static str = "https://openrouter.ai/api/v1";
    /// The default timeout per attempt (models can be slow).
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

    /// A config for `model` with the defaults above.
    pub fn new(model: impl Into<String>, api_key: ApiKey) -> Self {
        Self {
            base_url: Self::DEFAULT_BASE_URL.to_owned(),
            model: model.into(),
            api_key,
            timeout: Self::DEFAULT_TIMEOUT,
            referer: None,
            title: None,
            retry: RetryPolicy::default(),
            breaker: BreakerPolicy::default(),
        }
    }

    /// This config with another base URL (OpenAI, a local server, …).
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

    /// This config sending `HTTP-Referer: referer`.
    #[must_use]
    pub fn with_referer(mut self, referer: impl Into<String>) -> Self {
        self.referer = Some(referer.into());
        self
    }

    /// This config sending `X-Title: title`.
    #[must_use]
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
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

/// A chat model reading reports. Cheap to share behind an `Arc`; every call
/// shares one connection pool and one circuit breaker.
#[derive(Debug)]
pub struct ChatAnalyzer {
    client: ResilientClient,
    url: Url,
    model: String,
    /// `Bearer …`, marked sensitive.
    authorization: HeaderValue,
    referer: Option<HeaderValue>,
    title: Option<HeaderValue>,
}

impl ChatAnalyzer {
    /// An analyzer for `config`, checked: a usable base URL, a model name, a
    /// non-empty key and ASCII optional headers.
    pub fn new(config: ChatConfig) -> Result<Self, ConfigError> {
        if !is_model_name(&config.model) {
            return Err(ConfigError::InvalidModel {
                provider: PROVIDER,
                model: config.model,
            });
        }
        if config.api_key.expose().is_empty() {
            return Err(ConfigError::MissingApiKey(PROVIDER));
        }
        let mut authorization =
            HeaderValue::from_str(&format!("Bearer {}", config.api_key.expose()))
                .map_err(|_| ConfigError::InvalidApiKey(PROVIDER))?;
        authorization.set_sensitive(true);
        let header = |value: Option<&String>, name: &'static str| {
            let invalid = || ConfigError::InvalidHeader {
                provider: PROVIDER,
                header: name,
            };
            value
                .map(|v| {
                    // `HeaderValue` would take UTF-8 bytes as obs-text, which
                    // servers read as Latin-1 at best.
                    if !v.bytes().all(|b| b == b' ' || b.is_ascii_graphic()) {
                        return Err(invalid());
                    }
                    HeaderValue::from_str(v).map_err(|_| invalid())
                })
                .transpose()
        };
        Ok(Self {
            referer: header(config.referer.as_ref(), "HTTP-Referer")?,
            title: header(config.title.as_ref(), "X-Title")?,
            url: endpoint(PROVIDER, &config.base_url, &["chat", "completions"])?,
            client: ResilientClient::new(PROVIDER, config.timeout, config.retry, config.breaker)?,
            model: config.model,
            authorization,
        })
    }
}

#[async_trait]
impl TextAnalyzer for ChatAnalyzer {
    #[tracing::instrument(skip_all, fields(model = %self.model))]
    async fn analyze(&self, request: &TextRequest) -> Result<TextSuggestion, AiError> {
        let body = Bytes::from(prompt::request_body(&self.model, request).to_string());
        let answer = self
            .client
            .send(|http| {
                let mut builder = http
                    .post(self.url.clone())
                    .header(AUTHORIZATION, self.authorization.clone())
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone());
                if let Some(referer) = &self.referer {
                    builder = builder.header("HTTP-Referer", referer.clone());
                }
                if let Some(title) = &self.title {
                    builder = builder.header("X-Title", title.clone());
                }
                builder
            })
            .await?;
        verdict::read_suggestion(&answer, &self.model, &request.categories)
    }
}
