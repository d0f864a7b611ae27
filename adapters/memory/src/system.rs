//! A clock tests set by hand and ids that count up.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use sinmungo_core::ports::{Clock, IdGenerator};
use uuid::Uuid;

/// A clock that stands still until a test moves it.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
}

impl ManualClock {
    /// A clock showing `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        Self {
            now: Mutex::new(start),
        }
    }

    /// Shows `at` from now on.
    pub fn set(&self, at: DateTime<Utc>) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) = at;
    }

    /// Moves the clock by `by` (backwards when negative).
    pub fn advance(&self, by: TimeDelta) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now += by;
    }
}

impl Default for ManualClock {
    /// 2026-11-26 10:00 in Korea (01:00 UTC), a weekday morning.
    fn default() -> Self {
        Self::new(
            Utc.with_ymd_and_hms(2026, 11, 26, 1, 0, 0)
                .single()
                .unwrap_or(DateTime::UNIX_EPOCH),
        )
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Ids that sort in the order they were made: `00000000-0000-8000-8000-00000000000N`
/// for the N-th id (a version-8 UUID, readable in test output).
#[derive(Debug)]
pub struct SequentialIds {
    next: AtomicU64,
}

/// The version (8) and variant bits, so every id is a well-formed UUID.
const VERSION_8: u128 = 0x0000_0000_0000_8000_8000_0000_0000_0000;
/// The counter lives in the last 48 bits.
const COUNTER_MASK: u64 = (1 << 48) - 1;

impl SequentialIds {
    /// The first id ends in `first`.
    pub fn starting_at(first: u64) -> Self {
        Self {
            next: AtomicU64::new(first),
        }
    }
}

impl Default for SequentialIds {
    /// Starts at 1.
    fn default() -> Self {
        Self::starting_at(1)
    }
}

impl IdGenerator for SequentialIds {
    fn new_id(&self) -> Uuid {
        let n = self.next.fetch_add(1, Ordering::SeqCst) & COUNTER_MASK;
        Uuid::from_u128(VERSION_8 | u128::from(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_in_creation_order_and_are_version_8() {
        let ids = SequentialIds::default();
        let made: Vec<Uuid> = (0..300).map(|_| ids.new_id()).collect();
        assert!(made.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(made[0].to_string(), "00000000-0000-8000-8000-000000000001");
        assert_eq!(made[0].get_version_num(), 8);
    }

    #[test]
    fn the_clock_moves_only_when_told() {
        let clock = ManualClock::default();
        let start = clock.now();
        assert_eq!(clock.now(), start);
        clock.advance(TimeDelta::minutes(90));
        assert_eq!(clock.now() - start, TimeDelta::minutes(90));
        clock.set(start);
        assert_eq!(clock.now(), start);
    }
}
