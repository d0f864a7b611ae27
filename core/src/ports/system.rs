//! Time and identity, behind ports so tests control them.

use chrono::{DateTime, Utc};
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
