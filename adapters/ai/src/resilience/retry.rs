//! When and how long to wait before trying a provider again.

use std::time::{Duration, SystemTime};

use rand::Rng;

/// How a call is retried after a 429, a 5xx, a connection error or a timeout.
///
/// Before retry `n` (1-based) the call waits a random time between zero and
/// `min(max_delay, base_delay × 2^(n-1))` ("full jitter"), unless the
/// provider said how long to wait with `Retry-After`: then it waits that long,
/// at most `max_retry_after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per call, the first included. Default 3; 0 counts as 1.
    pub max_attempts: u32,
    /// The backoff's first ceiling. Default 200 ms.
    pub base_delay: Duration,
    /// The backoff's largest ceiling. Default 5 s.
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured; longer ones wait this long. Default 10 s.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// This policy with `max_attempts` attempts per call.
    #[must_use]
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// This policy with backoff ceilings from `base_delay` up to `max_delay`.
    #[must_use]
    pub fn with_backoff(mut self, base_delay: Duration, max_delay: Duration) -> Self {
        self.base_delay = base_delay;
        self.max_delay = max_delay;
        self
    }

    /// This policy honouring `Retry-After` up to `max_retry_after`.
    #[must_use]
    pub fn with_max_retry_after(mut self, max_retry_after: Duration) -> Self {
        self.max_retry_after = max_retry_after;
        self
    }

    /// Attempts per call, at least one.
    pub(crate) fn attempts(&self) -> u32 {
        self.max_attempts.max(1)
    }

    /// How long to wait before retry number `retry` (1-based).
    pub(crate) fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        match retry_after {
            Some(asked) => asked.min(self.max_retry_after),
            None => rand::thread_rng().gen_range(Duration::ZERO..=self.ceiling(retry)),
        }
    }

    /// The backoff's ceiling before retry number `retry` (1-based).
    fn ceiling(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }
}

/// A `Retry-After` value: delay-seconds, or an HTTP-date (a date in the past means now).
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_double_up_to_the_cap() {
        let policy = RetryPolicy::default();
        let ceilings: Vec<_> = (1..=7).map(|n| policy.ceiling(n)).collect();
        let ms = |n| Duration::from_millis(n);
        assert_eq!(
            ceilings,
            [
                ms(200),
                ms(400),
                ms(800),
                ms(1600),
                ms(3200),
                ms(5000),
                ms(5000)
            ]
        );
        assert_eq!(policy.ceiling(u32::MAX), Duration::from_secs(5));
    }

    #[test]
    fn jittered_delays_stay_under_the_ceiling() {
        let policy = RetryPolicy::default();
        for retry in 1..=4 {
            for _ in 0..100 {
                assert!(policy.delay(retry, None) <= policy.ceiling(retry));
            }
        }
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let policy = RetryPolicy::default().with_max_retry_after(Duration::from_secs(2));
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(1))),
            Duration::from_secs(1)
        );
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(60))),
            Duration::from_secs(2)
        );
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[test]
    fn zero_attempts_means_one() {
        assert_eq!(RetryPolicy::default().with_max_attempts(0).attempts(), 1);
    }
}
