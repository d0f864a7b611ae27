//! Rate limits counted in Redis, so every server instance counts against one
//! limit.
//!
//! A fixed window per key, as the in-process limiter keeps: the first hit
//! creates `{prefix}rl:{key}` with a time to live of one window, each hit
//! increments it, and Redis deletes it when the window ends. One Lua script
//! does the increment, sets the expiry on the first hit and reads what is
//! left of the window, atomically: concurrent hits from any number of
//! instances are each counted once, and a counter never outlives its window.
//! A counter that somehow has no expiry (written by hand, say) gets one on
//! the next hit, so a key can never be locked out for good.

use std::time::Duration;

use async_trait::async_trait;
use redis::Script;
use sinmungo_core::ports::{Quota, RateDecision, RateLimitError, RateLimiter};

use crate::connection::{RedisConnection, RedisError};

/// KEYS[1] the counter; ARGV[1] the window in milliseconds. Returns
/// `{hits, milliseconds left}`.
const HIT: &str = r"
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return {hits, left}
";

/// KEYS[1] the counter. Returns `{hits, milliseconds left}`, `{0, 0}` when
/// no window is open.
const PEEK: &str = r"
local hits = redis.call('GET', KEYS[1])
if not hits then
  return {0, 0}
end
return {tonumber(hits), redis.call('PTTL', KEYS[1])}
";

/// A [`RateLimiter`] over Redis.
pub struct RedisRateLimiter {
    connection: RedisConnection,
    hit: Script,
    peek: Script,
}

impl std::fmt::Debug for RedisRateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisRateLimiter")
            .field("connection", &self.connection)
            .finish_non_exhaustive()
    }
}

impl RedisRateLimiter {
    /// A limiter keeping its counters under `{prefix}rl:`.
    pub fn new(connection: RedisConnection) -> Self {
        Self {
            connection,
            hit: Script::new(HIT),
            peek: Script::new(PEEK),
        }
    }

    fn key(&self, key: &str) -> String {
        self.connection.key(&format!("rl:{key}"))
    }

    /// The decision after `hits` hits with `left_ms` of the window left.
    fn decide(hits: i64, left_ms: i64, quota: Quota) -> RateDecision {
        let limit = i64::from(quota.limit);
        if hits > limit {
            let left = Duration::from_millis(u64::try_from(left_ms).unwrap_or(0));
            RateDecision::Limited {
                retry_after: left.max(Duration::from_secs(1)),
            }
        } else {
            RateDecision::Allowed {
                remaining: u32::try_from(limit - hits.max(0)).unwrap_or(quota.limit),
            }
        }
    }
}

/// The longest window kept: 2^53 ms (some 285,000 years), which Lua's
/// numbers and Redis's clock arithmetic still hold exactly.
const LONGEST_WINDOW_MS: u64 = 1 << 53;

/// The window in whole milliseconds, rounded up, at least one (Redis deletes
/// a key given no time to live at all) and at most [`LONGEST_WINDOW_MS`].
fn window_ms(window: Duration) -> u64 {
    let millis = window.as_nanos().div_ceil(1_000_000);
    u64::try_from(millis)
        .unwrap_or(u64::MAX)
        .clamp(1, LONGEST_WINDOW_MS)
}

fn limit_error(error: &RedisError) -> RateLimitError {
    RateLimitError(error.to_string())
}

#[async_trait]
impl RateLimiter for RedisRateLimiter {
    async fn hit(&self, key: &str, quota: Quota) -> Result<RateDecision, RateLimitError> {
        let key = self.key(key);
        let window = window_ms(quota.window);
        let (hits, left): (i64, i64) = self
            .connection
            .run(|mut connection| {
                let mut invocation = self.hit.key(&key);
                invocation.arg(window);
                async move { invocation.invoke_async(&mut connection).await }
            })
            .await
            .map_err(|error| limit_error(&error))?;
        Ok(Self::decide(hits, left, quota))
    }

    async fn check(&self, key: &str, quota: Quota) -> Result<RateDecision, RateLimitError> {
        let key = self.key(key);
        let (hits, left): (i64, i64) = self
            .connection
            .run(|mut connection| {
                let invocation = self.peek.key(&key);
                async move { invocation.invoke_async(&mut connection).await }
            })
            .await
            .map_err(|error| limit_error(&error))?;
        if hits == 0 || left == -2 {
            return Ok(RateDecision::Allowed {
                remaining: quota.limit,
            });
        }
        // Limited now if the next hit would be over the limit.
        Ok(match Self::decide(hits.saturating_add(1), left, quota) {
            RateDecision::Allowed { .. } => Self::decide(hits, left, quota),
            limited => limited,
        })
    }

    async fn reset(&self, key: &str) -> Result<(), RateLimitError> {
        let key = self.key(key);
        self.connection
            .run(|mut connection| {
                let key = key.clone();
                async move {
                    redis::cmd("DEL")
                        .arg(key)
                        .query_async::<i64>(&mut connection)
                        .await
                }
            })
            .await
            .map_err(|error| limit_error(&error))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_round_up_to_whole_milliseconds() {
        assert_eq!(window_ms(Duration::ZERO), 1);
        assert_eq!(window_ms(Duration::from_nanos(1)), 1);
        assert_eq!(window_ms(Duration::from_micros(1_500)), 2);
        assert_eq!(window_ms(Duration::from_secs(60)), 60_000);
        assert_eq!(window_ms(Duration::MAX), LONGEST_WINDOW_MS);
    }

    #[test]
    fn decisions() {
        let quota = Quota::new(3, Duration::from_secs(60));
        assert_eq!(
            RedisRateLimiter::decide(1, 60_000, quota),
            RateDecision::Allowed { remaining: 2 }
        );
        assert_eq!(
            RedisRateLimiter::decide(3, 60_000, quota),
            RateDecision::Allowed { remaining: 0 }
        );
        assert_eq!(
            RedisRateLimiter::decide(4, 12_345, quota),
            RateDecision::Limited {
                retry_after: Duration::from_millis(12_345)
            }
        );
        assert_eq!(
            RedisRateLimiter::decide(4, 10, quota),
            RateDecision::Limited {
                retry_after: Duration::from_secs(1)
            },
            "at least a second"
        );
    }
}
