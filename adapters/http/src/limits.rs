//! Rate limits on the doors people knock on hardest: sign-in, registration
//! and submitting, per client address and per account, answered 429 with
//! `Retry-After` when reached.
//!
//! Keys are counted by the [`RateLimiter`] port: in-process by default, in
//! Redis when configured so that every server instance shares one count.
//! If the limiter itself fails, requests are let through and the failure is
//! logged (the app composes a fallback to the in-process limiter, so this is
//! the last line).
//!
//! Client addresses: the TCP peer, or, behind a reverse proxy you trust
//! ([`HttpConfig::trust_forwarded_for`](crate::HttpConfig)), the last
//! address in `X-Forwarded-For` (the one your proxy appended; earlier ones
//! are the client's to forge). Korean mobile carriers put many people behind
//! one address, so per-address limits are generous and per-account limits
//! strict.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use sinmungo_core::ports::{Quota, RateDecision, RateLimiter};

use crate::openapi::problems::{problem, Answers, Problem};
use crate::problem::ApiError;
use crate::state::AppState;

/// The limits, each a number of hits per window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Sign-in attempts from one address.
    pub login_per_ip: Quota,
    /// Failed sign-ins on one account (e-mail); reaching it also writes an
    /// audit entry.
    pub login_failures_per_account: Quota,
    /// Registrations from one address.
    pub register_per_ip: Quota,
    /// Reports submitted from one address.
    pub submit_per_ip: Quota,
    /// Reports submitted by one account.
    pub submit_per_account: Quota,
}

impl Default for RateLimits {
    /// Sign-in: 60 attempts per address and 5 failures per account in 15
    /// minutes; 20 registrations per address an hour; submitting: 300 per
    /// address and 30 per account an hour.
    fn default() -> Self {
        let quarter = Duration::from_secs(15 * 60);
        let hour = Duration::from_secs(3600);
        Self {
            login_per_ip: Quota::new(60, quarter),
            login_failures_per_account: Quota::new(5, quarter),
            register_per_ip: Quota::new(20, hour),
            submit_per_ip: Quota::new(300, hour),
            submit_per_account: Quota::new(30, hour),
        }
    }
}

/// The limiter and its limits, shared by the handlers.
#[derive(Clone)]
pub struct Throttle {
    limiter: Arc<dyn RateLimiter>,
    limits: RateLimits,
}

impl std::fmt::Debug for Throttle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throttle")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// A limit reached: 429 with `Retry-After`.
impl Answers for Throttle {
    const PROBLEMS: &'static [Problem] = &[problem(
        axum::http::StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "요청이 너무 많습니다 (`Retry-After` 초 뒤 다시 시도)",
    )];
}

impl Throttle {
    /// Limits counted by `limiter`.
    pub fn new(limiter: Arc<dyn RateLimiter>, limits: RateLimits) -> Self {
        Self { limiter, limits }
    }

    /// The limits.
    pub fn limits(&self) -> &RateLimits {
        &self.limits
    }

    /// Counts a hit; 429 if it was over the quota.
    pub async fn hit(&self, key: &str, quota: Quota) -> Result<RateDecision, ApiError> {
        let decision = self.limiter.hit(key, quota).await.unwrap_or_else(|error| {
            tracing::warn!(%error, "rate limiter failed; letting the request through");
            RateDecision::Allowed { remaining: 1 }
        });
        match decision {
            RateDecision::Limited { retry_after } => Err(ApiError::too_many_requests(retry_after)),
            allowed => Ok(allowed),
        }
    }

    /// 429 if the key is over the quota now, without counting.
    pub async fn check(&self, key: &str, quota: Quota) -> Result<(), ApiError> {
        match self.limiter.check(key, quota).await {
            Ok(RateDecision::Limited { retry_after }) => {
                Err(ApiError::too_many_requests(retry_after))
            }
            Ok(RateDecision::Allowed { .. }) => Ok(()),
            Err(error) => {
                tracing::warn!(%error, "rate limiter failed; letting the request through");
                Ok(())
            }
        }
    }

    /// Counts a hit without refusing; says whether it reached the quota
    /// exactly now (the hit that used the last allowance).
    pub async fn record(&self, key: &str, quota: Quota) -> bool {
        match self.limiter.hit(key, quota).await {
            Ok(RateDecision::Allowed { remaining }) => remaining == 0,
            Ok(RateDecision::Limited { .. }) => false,
            Err(error) => {
                tracing::warn!(%error, "rate limiter failed; a hit was not counted");
                false
            }
        }
    }

    /// Forgets a key's hits.
    pub async fn reset(&self, key: &str) {
        if let Err(error) = self.limiter.reset(key).await {
            tracing::warn!(%error, "rate limiter failed; a key was not reset");
        }
    }
}

/// The client's address, as far as we can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub Option<IpAddr>);

impl ClientIp {
    /// The address as a rate-limit key part (`unknown` when there is none).
    pub fn key(&self) -> String {
        self.0
            .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
    }
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if state.trust_forwarded_for() {
            let forwarded = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
                .next_back();
            if forwarded.is_some() {
                return Ok(Self(forwarded));
            }
        }
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(peer)| peer.ip()),
        ))
    }
}
