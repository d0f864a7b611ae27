//! Counting attempts against limits (sign-in, registration, submitting), per
//! IP address and per account. In-process by default; shared through Redis
//! so limits hold across server instances.

use std::time::Duration;

use async_trait::async_trait;

/// A limit: at most `limit` hits per `window` (a fixed window, starting at
/// the first hit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Hits allowed in a window.
    pub limit: u32,
    /// The window.
    pub window: Duration,
}

impl Quota {
    /// `limit` hits per `window`.
    pub const fn new(limit: u32, window: Duration) -> Self {
        Self { limit, window }
    }
}

/// What a limiter said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateDecision {
    /// Within the limit; `remaining` more hits fit in this window.
    Allowed {
        /// Hits left in this window.
        remaining: u32,
    },
    /// Over the limit until the window ends.
    Limited {
        /// When trying again may work.
        retry_after: Duration,
    },
}

impl RateDecision {
    /// Whether the hit was over the limit.
    pub fn is_limited(self) -> bool {
        matches!(self, Self::Limited { .. })
    }
}

/// The limiter's backing service is down.
#[derive(Debug, thiserror::Error)]
#[error("rate limiter unavailable: {0}")]
pub struct RateLimitError(pub String);

/// Counts hits per key.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait RateLimiter: Send + Sync {
    /// Counts one hit on `key` and says whether it was within `quota`
    /// (hits over the limit count too, so hammering does not help).
    async fn hit(&self, key: &str, quota: Quota) -> Result<RateDecision, RateLimitError>;

    /// Says whether `key` is over `quota` now, without counting a hit.
    async fn check(&self, key: &str, quota: Quota) -> Result<RateDecision, RateLimitError>;

    /// Forgets the key's hits (a successful sign-in clears its failures).
    async fn reset(&self, key: &str) -> Result<(), RateLimitError>;
}
