//! The circuit breaker: stop calling a provider that keeps failing.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use sinmungo_core::ports::AiError;
use tokio::time::Instant;

/// When the circuit breaker opens and how long it rests.
///
/// After `failure_threshold` consecutive failed calls (each after its
/// retries) the breaker opens: calls fail with `AiError::CircuitOpen` at once,
/// without a request, for `cool_down`. Then one trial call goes through
/// (half-open): its success closes the breaker, its failure opens it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerPolicy {
    /// Consecutive failed calls that open the breaker. Default 5; 0 never opens it.
    pub failure_threshold: u32,
    /// How long an open breaker refuses calls. Default 30 s.
    pub cool_down: Duration,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        Self {
            failure_threshold: 5,
            cool_down: Duration::from_secs(30),
        }
    }
}

impl BreakerPolicy {
    /// This policy opening after `failure_threshold` consecutive failures.
    #[must_use]
    pub fn with_failure_threshold(mut self, failure_threshold: u32) -> Self {
        self.failure_threshold = failure_threshold;
        self
    }

    /// This policy resting `cool_down` once open.
    #[must_use]
    pub fn with_cool_down(mut self, cool_down: Duration) -> Self {
        self.cool_down = cool_down;
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen { trial_running: bool },
}

/// A circuit breaker shared by every call to one provider. Time is
/// `tokio::time::Instant`, so tests can pause and advance it.
#[derive(Debug)]
pub(crate) struct CircuitBreaker {
    policy: BreakerPolicy,
    state: Mutex<State>,
}

/// Leave to make one call. Record its outcome; a trial permit dropped
/// without an outcome (the call was cancelled) lets the next call try instead.
#[derive(Debug)]
pub(crate) struct Permit<'a> {
    breaker: &'a CircuitBreaker,
    trial: bool,
    settled: bool,
}

impl CircuitBreaker {
    pub(crate) fn new(policy: BreakerPolicy) -> Self {
        Self {
            policy,
            state: Mutex::new(State::Closed { failures: 0 }),
        }
    }

    /// A permit to call, or `CircuitOpen` while the breaker rests.
    pub(crate) fn admit(&self) -> Result<Permit<'_>, AiError> {
        self.admit_at(Instant::now())
    }

    fn admit_at(&self, now: Instant) -> Result<Permit<'_>, AiError> {
        let mut state = self.lock();
        let trial = match *state {
            State::Closed { .. } => false,
            State::Open { until } if now >= until => {
                *state = State::HalfOpen {
                    trial_running: true,
                };
                true
            }
            State::HalfOpen {
                trial_running: false,
            } => {
                *state = State::HalfOpen {
                    trial_running: true,
                };
                true
            }
            State::Open { .. } | State::HalfOpen { .. } => return Err(AiError::CircuitOpen),
        };
        Ok(Permit {
            breaker: self,
            trial,
            settled: false,
        })
    }

    /// The state as a number for a gauge: 0 closed, 1 half-open (a trial
    /// call may go through), 2 open (calls refused).
    pub(crate) fn level(&self) -> u8 {
        match *self.lock() {
            State::Closed { .. } => 0,
            State::HalfOpen { .. } => 1,
            State::Open { .. } => 2,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is a plain value, valid even if a holder panicked.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn record(&self, now: Instant, failed: bool) {
        let mut state = self.lock();
        if !failed {
            if !matches!(*state, State::Closed { failures: 0 }) {
                tracing::debug!("circuit closed");
            }
            *state = State::Closed { failures: 0 };
            return;
        }
        let open = State::Open {
            until: now + self.policy.cool_down,
        };
        match *state {
            State::Closed { failures } => {
                let failures = failures.saturating_add(1);
                if self.policy.failure_threshold > 0 && failures >= self.policy.failure_threshold {
                    tracing::warn!(
                        failures,
                        cool_down_ms = millis(self.policy.cool_down),
                        "circuit opened"
                    );
                    *state = open;
                } else {
                    *state = State::Closed { failures };
                }
            }
            State::HalfOpen { .. } => {
                tracing::warn!(
                    cool_down_ms = millis(self.policy.cool_down),
                    "trial call failed, circuit opened again"
                );
                *state = open;
            }
            // A call admitted before the breaker opened; it is open already.
            State::Open { .. } => {}
        }
    }
}

impl Permit<'_> {
    /// Records the call's outcome: `failed` when it counts against the provider.
    pub(crate) fn record(self, failed: bool) {
        self.record_at(Instant::now(), failed);
    }

    fn record_at(mut self, now: Instant, failed: bool) {
        self.settled = true;
        self.breaker.record(now, failed);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if self.trial && !self.settled {
            let mut state = self.breaker.lock();
            if matches!(*state, State::HalfOpen { .. }) {
                *state = State::HalfOpen {
                    trial_running: false,
                };
            }
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const COOL_DOWN: Duration = Duration::from_secs(30);

    fn breaker() -> CircuitBreaker {
        CircuitBreaker::new(BreakerPolicy {
            failure_threshold: 3,
            cool_down: COOL_DOWN,
        })
    }

    fn fail(b: &CircuitBreaker, at: Instant) {
        b.admit_at(at).unwrap().record_at(at, true);
    }

    #[test]
    fn opens_after_consecutive_failures_and_rests_for_the_cool_down() {
        let b = breaker();
        let t0 = Instant::now();
        fail(&b, t0);
        fail(&b, t0);
        b.admit_at(t0).unwrap().record_at(t0, false); // a success resets the count
        fail(&b, t0);
        fail(&b, t0);
        assert!(
            b.admit_at(t0).is_ok(),
            "two failures in a row do not open it"
        );
        fail(&b, t0);
        assert_eq!(b.admit_at(t0).unwrap_err(), AiError::CircuitOpen);

        let almost = t0 + COOL_DOWN - Duration::from_millis(1);
        assert_eq!(b.admit_at(almost).unwrap_err(), AiError::CircuitOpen);
        let rested = t0 + COOL_DOWN;
        let trial = b.admit_at(rested).unwrap();
        assert_eq!(
            b.admit_at(rested).unwrap_err(),
            AiError::CircuitOpen,
            "one trial at a time"
        );
        trial.record_at(rested, false);
        assert!(b.admit_at(rested).is_ok());
        assert!(b.admit_at(rested).is_ok());
    }

    #[test]
    fn a_failed_trial_opens_it_again_for_a_full_cool_down() {
        let b = breaker();
        let t0 = Instant::now();
        for _ in 0..3 {
            fail(&b, t0);
        }
        let t1 = t0 + COOL_DOWN + Duration::from_secs(5);
        fail(&b, t1);
        assert_eq!(
            b.admit_at(t0 + COOL_DOWN * 2).unwrap_err(),
            AiError::CircuitOpen
        );
        assert!(b.admit_at(t1 + COOL_DOWN).is_ok());
    }

    #[test]
    fn a_cancelled_trial_lets_the_next_call_try() {
        let b = breaker();
        let t0 = Instant::now();
        for _ in 0..3 {
            fail(&b, t0);
        }
        let t1 = t0 + COOL_DOWN;
        drop(b.admit_at(t1).unwrap());
        b.admit_at(t1).unwrap().record_at(t1, false);
        assert!(b.admit_at(t1).is_ok());
    }

    #[test]
    fn a_zero_threshold_never_opens() {
        let b = CircuitBreaker::new(BreakerPolicy::default().with_failure_threshold(0));
        let t0 = Instant::now();
        for _ in 0..100 {
            fail(&b, t0);
        }
        assert!(b.admit_at(t0).is_ok());
    }

    #[test]
    fn the_gauge_level_follows_the_state() {
        let b = breaker();
        let t0 = Instant::now();
        assert_eq!(b.level(), 0, "closed");
        for _ in 0..3 {
            fail(&b, t0);
        }
        assert_eq!(b.level(), 2, "open");
        let trial = b.admit_at(t0 + COOL_DOWN).unwrap();
        assert_eq!(b.level(), 1, "half-open while the trial runs");
        trial.record_at(t0 + COOL_DOWN, false);
        assert_eq!(b.level(), 0, "closed again");
    }
}
