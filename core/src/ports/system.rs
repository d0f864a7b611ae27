//! Time and identity, behind ports so tests control them.

use chrono::{DateTime, Timelike as _, Utc};
use uuid::Uuid;

/// The current time.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// New unique ids.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
pub trait IdGenerator: Send + Sync {
    /// A fresh, time-ordered id (UUIDv7).
    fn new_id(&self) -> Uuid;
}

/// The machine's clock, truncated to whole microseconds: the precision every
/// store keeps, so what a use case returns equals what a later read returns.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        let now = Utc::now();
        now.with_nanosecond(now.timestamp_subsec_micros() * 1_000)
            .unwrap_or(now)
    }
}

/// UUIDv7 ids: time-ordered and monotonic within the process.
#[derive(Debug, Clone, Copy, Default)]
pub struct UuidV7Ids;

impl IdGenerator for UuidV7Ids {
    fn new_id(&self) -> Uuid {
        Uuid::now_v7()
    }
}
