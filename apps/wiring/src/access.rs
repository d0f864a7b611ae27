//! Identity and access settings: previous JWT keys (rotation), the key that
//! seals stored secrets, where rate limits are counted, and the limits.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use clap::Args;
use sinmungo_core::app::InProcessRateLimiter;
use sinmungo_core::ports::{Quota, RateDecision, RateLimitError, RateLimiter, SystemClock};
use sinmungo_http::limits::{RateLimits, Throttle};
use sinmungo_redis::{RedisConnection, RedisOptions, RedisRateLimiter, DEFAULT_KEY_PREFIX};

use crate::secret::{ApiSecret, Secret};
use crate::url::ConnectionUrl;

/// A rate limit on the command line: `hits/window`, the window in seconds,
/// minutes or hours (`60/15m`, `5/900s`, `20/1h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateArg(pub Quota);

impl FromStr for RateArg {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("{s:?}: write a limit as hits/window, like 60/15m, 5/900s or 20/1h");
        let (hits, window) = s.trim().split_once('/').ok_or_else(bad)?;
        let hits: u32 = hits.trim().parse().map_err(|_| bad())?;
        let window = window.trim();
        let (number, unit) = window.split_at(window.len().saturating_sub(1));
        let number: u64 = number.parse().map_err(|_| bad())?;
        let seconds = match unit {
            "s" => number,
            "m" => number.saturating_mul(60),
            "h" => number.saturating_mul(3600),
            _ => return Err(bad()),
        };
        if hits == 0 || seconds == 0 {
            return Err(bad());
        }
        Ok(Self(Quota::new(hits, Duration::from_secs(seconds))))
    }
}

impl std::fmt::Display for RateArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}s", self.0.limit, self.0.window.as_secs())
    }
}

/// Counts with `primary` (Redis) and, while it fails, with `fallback` (this
/// process): limits then hold per instance instead of across them, rather
/// than not at all (fail open) or refusing everyone (fail closed). A public
/// service must keep taking reports while Redis is down, and the per-instance
/// count still stops a brute-force run against one instance.
pub struct FallbackRateLimiter {
    primary: Arc<dyn RateLimiter>,
    fallback: Arc<dyn RateLimiter>,
}

impl std::fmt::Debug for FallbackRateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FallbackRateLimiter")
            .finish_non_exhaustive()
    }
}

impl FallbackRateLimiter {
    /// `primary`, falling back to `fallback`.
    pub fn new(primary: Arc<dyn RateLimiter>, fallback: Arc<dyn RateLimiter>) -> Self {
        Self { primary, fallback }
    }

    fn warn(error: &RateLimitError) {
        tracing::warn!(%error, "the shared rate limiter is unavailable; counting in this process");
    }
}

#[async_trait]
impl RateLimiter for FallbackRateLimiter {
    async fn hit(&self, key: &str, quota: Quota) -> Result<RateDecision, RateLimitError> {
        match self.primary.hit(key, quota).await {
            Ok(decision) => Ok(decision),
            Err(error) => {
                Self::warn(&error);
                self.fallback.hit(key, quota).await
            }
        }
    }

    async fn check(&self, key: &str, quota: Quota) -> Result<RateDecision, RateLimitError> {
        match self.primary.check(key, quota).await {
            Ok(decision) => Ok(decision),
            Err(error) => {
                Self::warn(&error);
                self.fallback.check(key, quota).await
            }
        }
    }

    async fn reset(&self, key: &str) -> Result<(), RateLimitError> {
        let primary = self.primary.reset(key).await;
        self.fallback.reset(key).await?;
        primary
    }
}

/// Identity and access settings.
#[derive(Debug, Clone, Args)]
pub struct AccessConfig {
    /// Earlier JWT secrets whose tokens are still accepted, comma-separated (key rotation: move the old SINMUNGO_JWT_SECRET here for 15 minutes).
    #[arg(
        long,
        env = "SINMUNGO_JWT_PREVIOUS_SECRETS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub jwt_previous_secrets: Vec<Secret>,

    /// Key sealing stored secrets (XChaCha20-Poly1305): 32 random bytes in base64. Unset: generated once and kept in DATA_DIR/secrets-key (mode 0600).
    #[arg(long, env = "SINMUNGO_SECRETS_KEY", hide_env_values = true)]
    pub secrets_key: Option<ApiSecret>,

    /// Redis for sessions, rate limits and live pushes shared by every server instance (`redis://…`). Unset: kept in this process.
    #[arg(long, env = "SINMUNGO_REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<ConnectionUrl>,

    /// The prefix of every Redis key and channel (deployments sharing one Redis need different ones).
    #[arg(long, env = "SINMUNGO_REDIS_KEY_PREFIX", default_value = DEFAULT_KEY_PREFIX)]
    pub redis_key_prefix: String,

    /// Take the client address from the last X-Forwarded-For hop (only behind a reverse proxy you run).
    #[arg(long, env = "SINMUNGO_TRUST_FORWARDED_FOR", default_value_t = false)]
    pub trust_forwarded_for: bool,

    /// Sign-in attempts per client address.
    #[arg(long, env = "SINMUNGO_RATE_LOGIN_PER_IP", default_value = "60/15m")]
    pub rate_login_per_ip: RateArg,

    /// Failed sign-ins per account (reaching it is audited).
    #[arg(long, env = "SINMUNGO_RATE_LOGIN_FAILURES", default_value = "5/15m")]
    pub rate_login_failures: RateArg,

    /// Registrations per client address.
    #[arg(long, env = "SINMUNGO_RATE_REGISTER_PER_IP", default_value = "20/1h")]
    pub rate_register_per_ip: RateArg,

    /// Reports submitted per client address.
    #[arg(long, env = "SINMUNGO_RATE_SUBMIT_PER_IP", default_value = "300/1h")]
    pub rate_submit_per_ip: RateArg,

    /// Reports submitted per account.
    #[arg(
        long,
        env = "SINMUNGO_RATE_SUBMIT_PER_ACCOUNT",
        default_value = "30/1h"
    )]
    pub rate_submit_per_account: RateArg,
}

impl AccessConfig {
    /// The defaults: no previous keys, a generated sealing key, limits
    /// counted in-process, [`RateLimits::default`].
    pub fn embedded_defaults() -> Self {
        let limits = RateLimits::default();
        Self {
            jwt_previous_secrets: Vec::new(),
            secrets_key: None,
            redis_url: None,
            redis_key_prefix: DEFAULT_KEY_PREFIX.to_owned(),
            trust_forwarded_for: false,
            rate_login_per_ip: RateArg(limits.login_per_ip),
            rate_login_failures: RateArg(limits.login_failures_per_account),
            rate_register_per_ip: RateArg(limits.register_per_ip),
            rate_submit_per_ip: RateArg(limits.submit_per_ip),
            rate_submit_per_account: RateArg(limits.submit_per_account),
        }
    }

    /// The limits as configured.
    pub fn limits(&self) -> RateLimits {
        RateLimits {
            login_per_ip: self.rate_login_per_ip.0,
            login_failures_per_account: self.rate_login_failures.0,
            register_per_ip: self.rate_register_per_ip.0,
            submit_per_ip: self.rate_submit_per_ip.0,
            submit_per_account: self.rate_submit_per_account.0,
        }
    }

    /// The Redis connection, if one is configured (lazy: it connects on
    /// first use, so the server starts while Redis is down).
    pub fn redis(&self) -> anyhow::Result<Option<RedisConnection>> {
        let Some(url) = &self.redis_url else {
            return Ok(None);
        };
        let options =
            RedisOptions::new(url.expose()).with_key_prefix(self.redis_key_prefix.as_str());
        let connection = RedisConnection::connect(&options)?;
        tracing::info!(url = %options.redacted_url(), prefix = %self.redis_key_prefix, "sessions, rate limits and live pushes in Redis");
        Ok(Some(connection))
    }

    /// The limiter and limits the handlers share: in this process, or in
    /// Redis (falling back to this process while Redis fails).
    pub fn throttle(&self, redis: Option<&RedisConnection>) -> Throttle {
        let local: Arc<dyn RateLimiter> =
            Arc::new(InProcessRateLimiter::new(Arc::new(SystemClock)));
        let limiter = match redis {
            Some(connection) => Arc::new(FallbackRateLimiter::new(
                Arc::new(RedisRateLimiter::new(connection.clone())),
                local,
            )),
            None => local,
        };
        Throttle::new(limiter, self.limits())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sinmungo_core::ports::MockRateLimiter;

    #[tokio::test]
    async fn a_failing_shared_limiter_falls_back_to_counting_in_process() {
        let mut redis = MockRateLimiter::new();
        redis
            .expect_hit()
            .returning(|_, _| Err(RateLimitError("connection refused".into())));
        let limiter = FallbackRateLimiter::new(
            Arc::new(redis),
            Arc::new(InProcessRateLimiter::new(Arc::new(SystemClock))),
        );
        let quota = Quota::new(2, Duration::from_secs(60));
        assert!(!limiter.hit("k", quota).await.unwrap().is_limited());
        assert!(!limiter.hit("k", quota).await.unwrap().is_limited());
        assert!(limiter.hit("k", quota).await.unwrap().is_limited());
    }

    #[tokio::test]
    async fn a_working_shared_limiter_decides_alone() {
        let mut redis = MockRateLimiter::new();
        redis.expect_hit().times(1).returning(|_, _| {
            Ok(RateDecision::Limited {
                retry_after: Duration::from_secs(9),
            })
        });
        let mut local = MockRateLimiter::new();
        local.expect_hit().times(0);
        let limiter = FallbackRateLimiter::new(Arc::new(redis), Arc::new(local));
        let decision = limiter
            .hit("k", Quota::new(5, Duration::from_secs(60)))
            .await
            .unwrap();
        assert_eq!(
            decision,
            RateDecision::Limited {
                retry_after: Duration::from_secs(9)
            }
        );
    }

    #[test]
    fn rate_limits_parse_with_units() {
        assert_eq!(
            "60/15m".parse::<RateArg>().unwrap().0,
            Quota::new(60, Duration::from_secs(900))
        );
        assert_eq!(
            "5/900s".parse::<RateArg>().unwrap().0,
            Quota::new(5, Duration::from_secs(900))
        );
        assert_eq!(
            "20/1h".parse::<RateArg>().unwrap().0,
            Quota::new(20, Duration::from_secs(3600))
        );
        for bad in ["60", "0/1m", "5/0s", "5/1d", "x/1m", "5/m"] {
            assert!(bad.parse::<RateArg>().is_err(), "{bad}");
        }
    }
}
