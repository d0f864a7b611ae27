//! The in-process [`RateLimiter`]: the default when no Redis is configured.
//! Limits then hold per server process; with several instances behind a load
//! balancer, configure Redis so they share one count.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::ports::{Clock, Quota, RateDecision, RateLimitError, RateLimiter};

/// Forget finished windows once this many keys are tracked.
const PRUNE_ABOVE: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Window {
    ends: DateTime<Utc>,
    hits: u32,
}

/// Fixed windows counted in a map in this process.
pub struct InProcessRateLimiter {
    windows: Mutex<HashMap<String, Window>>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for InProcessRateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InProcessRateLimiter")
            .finish_non_exhaustive()
    }
}

impl InProcessRateLimiter {
    /// An empty limiter reading time from `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            windows: Mutex::default(),
            clock,
        }
    }

    /// What `hits` in `window` mean against `quota`: over the limit, wait
    /// until the window ends (at least a second).
    fn decide(window: Window, hits: u32, quota: Quota, now: DateTime<Utc>) -> RateDecision {
        if hits > quota.limit {
            let left = (window.ends - now).to_std().unwrap_or(Duration::ZERO);
            RateDecision::Limited {
                retry_after: left.max(Duration::from_secs(1)),
            }
        } else {
            RateDecision::Allowed {
                remaining: quota.limit - hits,
            }
        }
    }
}

#[async_trait]
impl RateLimiter for InProcessRateLimiter {
    async fn hit(&self, key: &str, quota: Quota) -> Result<RateDecision, RateLimitError> {
        let now = self.clock.now();
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        if windows.len() > PRUNE_ABOVE {
            windows.retain(|_, w| w.ends > now);
        }
        let length =
            chrono::TimeDelta::from_std(quota.window).map_err(|e| RateLimitError(e.to_string()))?;
        let window = windows
            .entry(key.to_owned())
            .and_modify(|w| {
                if w.ends <= now {
                    *w = Window {
                        ends: now + length,
                        hits: 0,
                    };
                }
            })
            .or_insert(Window {
                ends: now + length,
                hits: 0,
            });
        window.hits = window.hits.saturating_add(1);
        Ok(Self::decide(*window, window.hits, quota, now))
    }

    async fn check(&self, key: &str, quota: Quota) -> Result<RateDecision, RateLimitError> {
        let now = self.clock.now();
        let windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(match windows.get(key) {
            // Limited now if the next hit would be over.
            Some(window) if window.ends > now && window.hits >= quota.limit => {
                Self::decide(*window, window.hits.saturating_add(1), quota, now)
            }
            Some(window) if window.ends > now => Self::decide(*window, window.hits, quota, now),
            _ => RateDecision::Allowed {
                remaining: quota.limit,
            },
        })
    }

    async fn reset(&self, key: &str) -> Result<(), RateLimitError> {
        self.windows
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key);
        Ok(())
    }
}
