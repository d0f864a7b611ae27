//! Sinmungo's AI providers: Roboflow detection and OpenAI-compatible chat models.
//!
//! [`RoboflowDetector`] implements the core's `ImageDetector` over Roboflow's
//! hosted detection API; [`ChatAnalyzer`] implements `TextAnalyzer` over any
//! OpenAI-compatible chat-completions endpoint (OpenRouter by default).
//!
//! Both go through the same resilience layer ([`resilience`]): a timeout per
//! attempt, retries with exponential backoff and full jitter (honouring
//! `Retry-After`), and a circuit breaker that stops calling a provider that
//! keeps failing. No reqwest type crosses the port: every failure becomes an
//! `AiError`, and no error message or log line carries an API key.

mod api_key;
mod chat;
mod config_error;
mod endpoint;
pub mod resilience;
mod roboflow;

pub use api_key::ApiKey;
pub use chat::{ChatAnalyzer, ChatConfig};
pub use config_error::ConfigError;
pub use roboflow::{RoboflowConfig, RoboflowDetector};
