//! Resilience shared by every provider client: a timeout per attempt, retries
//! with backoff and jitter, and a circuit breaker.
//!
//! | answer | outcome |
//! |---|---|
//! | 2xx | the body, for the client to parse |
//! | 401, 403 | `AiError::Unauthorized` at once |
//! | 429 | retried; then `AiError::RateLimited` |
//! | 5xx, connection error | retried; then `AiError::Unavailable` |
//! | no answer within the timeout | retried; then `AiError::Timeout` |
//! | any other status | `AiError::Rejected` at once, with the body's first 200 characters |
//!
//! Unauthorized, rate-limited, unavailable and timed-out calls count against
//! the breaker; a rejected request or an answer the client cannot parse does
//! not (the provider is up, it is this request that is wrong).
//!
//! Every call is counted by outcome and timed (retries included), and the
//! breaker's state is a gauge, per provider, through the `metrics` facade.

mod breaker;
mod measures;
mod retry;

use std::error::Error as _;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::header::RETRY_AFTER;
use reqwest::{redirect, Client, RequestBuilder, StatusCode};
use sinmungo_core::ports::AiError;
use tokio::time::Instant;

pub use breaker::BreakerPolicy;
pub use retry::RetryPolicy;

use crate::ConfigError;
use breaker::CircuitBreaker;
use retry::parse_retry_after;

/// How many characters of an error body an `AiError` message keeps.
const EXCERPT_CHARS: usize = 200;

/// An HTTP client to one provider, wrapped in timeouts, retries and a breaker.
#[derive(Debug)]
pub(crate) struct ResilientClient {
    provider: &'static str,
    http: Client,
    timeout: Duration,
    retry: RetryPolicy,
    breaker: CircuitBreaker,
}

/// Why one attempt failed.
#[derive(Debug)]
enum Failure {
    Status {
        status: StatusCode,
        retry_after: Option<Duration>,
        excerpt: String,
    },
    Timeout,
    Connection(String),
}

impl ResilientClient {
    /// A client for `provider` (a name for logs and errors).
    pub(crate) fn new(
        provider: &'static str,
        timeout: Duration,
        retry: RetryPolicy,
        breaker: BreakerPolicy,
    ) -> Result<Self, ConfigError> {
        let http = Client::builder()
            .user_agent(concat!("sinmungo/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(timeout)
            // A redirect would resend the request, key included, elsewhere.
            .redirect(redirect::Policy::none())
            .build()
            .map_err(|e| ConfigError::HttpClient {
                provider,
                reason: describe(&e.without_url()),
            })?;
        Ok(Self {
            provider,
            http,
            timeout,
            retry,
            breaker: {
                measures::describe();
                let breaker = CircuitBreaker::new(breaker);
                measures::breaker_state(provider, &breaker);
                breaker
            },
        })
    }

    /// Sends the request `build` makes (once per attempt) and returns the body
    /// of the first 2xx answer.
    pub(crate) async fn send(
        &self,
        build: impl Fn(&Client) -> RequestBuilder + Send + Sync,
    ) -> Result<Bytes, AiError> {
        let started = Instant::now();
        let result = match self.breaker.admit() {
            Ok(permit) => {
                let result = self.send_with_retries(&build).await;
                permit.record(result.as_ref().is_err_and(counts_against_provider));
                result
            }
            Err(refused) => {
                tracing::debug!(provider = self.provider, "circuit open, not called");
                Err(refused)
            }
        };
        measures::call(self.provider, result.as_ref().err(), started.elapsed());
        measures::breaker_state(self.provider, &self.breaker);
        result
    }

    async fn send_with_retries(
        &self,
        build: &(impl Fn(&Client) -> RequestBuilder + Send + Sync),
    ) -> Result<Bytes, AiError> {
        let attempts = self.retry.attempts();
        let mut attempt = 1;
        loop {
            let started = Instant::now();
            let outcome = self.attempt(build(&self.http)).await;
            let latency_ms = millis(started.elapsed());
            let failure = match outcome {
                Ok(body) => {
                    tracing::debug!(provider = self.provider, attempt, latency_ms, "answered");
                    return Ok(body);
                }
                Err(failure) => failure,
            };
            if !failure.is_transient() || attempt >= attempts {
                tracing::warn!(
                    provider = self.provider,
                    attempt,
                    latency_ms,
                    failure = %failure.summary(),
                    "call failed"
                );
                return Err(failure.into_error());
            }
            let delay = self.retry.delay(attempt, failure.retry_after());
            tracing::debug!(
                provider = self.provider,
                attempt,
                latency_ms,
                failure = %failure.summary(),
                delay_ms = millis(delay),
                "attempt failed, retrying"
            );
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    /// One request and its whole body, within the timeout.
    async fn attempt(&self, request: RequestBuilder) -> Result<Bytes, Failure> {
        let exchange = async {
            let response = request.send().await.map_err(Failure::from_reqwest)?;
            let status = response.status();
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, SystemTime::now()));
            let body = response.bytes().await.map_err(Failure::from_reqwest)?;
            if status.is_success() {
                Ok(body)
            } else {
                Err(Failure::Status {
                    status,
                    retry_after,
                    excerpt: excerpt(&body),
                })
            }
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .unwrap_or(Err(Failure::Timeout))
    }
}

impl Failure {
    fn from_reqwest(error: reqwest::Error) -> Self {
        if error.is_timeout() {
            Self::Timeout
        } else {
            // The URL may carry a key (Roboflow's is in the query string).
            Self::Connection(describe(&error.without_url()))
        }
    }

    /// Worth another attempt: 429, 5xx, connection errors and timeouts.
    fn is_transient(&self) -> bool {
        match self {
            Self::Status { status, .. } => {
                *status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
            }
            Self::Timeout | Self::Connection(_) => true,
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Status { retry_after, .. } => *retry_after,
            Self::Timeout | Self::Connection(_) => None,
        }
    }

    /// A short description for logs (no body).
    fn summary(&self) -> String {
        match self {
            Self::Status { status, .. } => format!("HTTP {}", status.as_u16()),
            Self::Timeout => "timeout".to_owned(),
            Self::Connection(reason) => reason.clone(),
        }
    }

    fn into_error(self) -> AiError {
        match self {
            Self::Status {
                status: StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN,
                ..
            } => AiError::Unauthorized,
            Self::Status {
                status: StatusCode::TOO_MANY_REQUESTS,
                retry_after,
                ..
            } => AiError::RateLimited { retry_after },
            Self::Status {
                status, excerpt, ..
            } => {
                let message = if excerpt.is_empty() {
                    format!("HTTP {}", status.as_u16())
                } else {
                    format!("HTTP {}: {excerpt}", status.as_u16())
                };
                if status.is_server_error() {
                    AiError::Unavailable(message)
                } else {
                    AiError::Rejected(message)
                }
            }
            Self::Timeout => AiError::Timeout,
            Self::Connection(reason) => AiError::Unavailable(reason),
        }
    }
}

/// Whether a call's failure says the provider is unwell (or refuses our key),
/// as opposed to this one request being wrong.
fn counts_against_provider(error: &AiError) -> bool {
    matches!(
        error,
        AiError::Unauthorized
            | AiError::RateLimited { .. }
            | AiError::Timeout
            | AiError::Unavailable(_)
    )
}

/// An error and its sources, one line. Callers strip the URL first.
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The start of an error body: whitespace collapsed, at most [`EXCERPT_CHARS`] characters.
fn excerpt(body: &[u8]) -> String {
    // Enough bytes for the excerpt even if every character takes four.
    let head = &body[..body.len().min(EXCERPT_CHARS * 8)];
    let text = String::from_utf8_lossy(head)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if text.chars().count() <= EXCERPT_CHARS {
        return text;
    }
    let mut cut: String = text.chars().take(EXCERPT_CHARS).collect();
    cut.push('…');
    cut
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_short_single_lines() {
        assert_eq!(
            excerpt(b"{\"error\":\n  \"bad\"}\n"),
            "{\"error\": \"bad\"}"
        );
        let long = "가".repeat(1000);
        let cut = excerpt(long.as_bytes());
        assert_eq!(cut.chars().count(), EXCERPT_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(excerpt(b""), "");
        assert_eq!(excerpt(&[0xff, b'a']), "\u{fffd}a");
    }

    #[test]
    fn statuses_map_to_port_errors() {
        let status = |code: u16| Failure::Status {
            status: StatusCode::from_u16(code).unwrap(),
            retry_after: Some(Duration::from_secs(3)),
            excerpt: "body".to_owned(),
        };
        assert_eq!(status(401).into_error(), AiError::Unauthorized);
        assert_eq!(status(403).into_error(), AiError::Unauthorized);
        assert_eq!(
            status(429).into_error(),
            AiError::RateLimited {
                retry_after: Some(Duration::from_secs(3))
            }
        );
        assert_eq!(
            status(503).into_error(),
            AiError::Unavailable("HTTP 503: body".to_owned())
        );
        assert_eq!(
            status(422).into_error(),
            AiError::Rejected("HTTP 422: body".to_owned())
        );
        assert!(status(429).is_transient() && status(500).is_transient());
        assert!(!status(400).is_transient() && !status(401).is_transient());
        assert!(Failure::Timeout.is_transient());
    }
}
