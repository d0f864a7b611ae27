//! Scheduled jobs run on one instance at a time: whoever holds a job's
//! lease runs it; the others skip it until the lease ends.

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use crate::ports::StoreError;

/// Hands out job leases. A lease taken for a job's interval makes the job
/// run once per interval across every instance.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait JobLease: Send + Sync {
    /// Takes the lease of `job` for `holder` until `now + ttl` if it is free
    /// at `now`: never taken, or ended (at its end exactly it is free). A
    /// lease that has not ended is refused to everyone, its holder too. Of
    /// concurrent callers at most one gets it.
    async fn acquire(
        &self,
        job: &str,
        holder: Uuid,
        now: DateTime<Utc>,
        ttl: TimeDelta,
    ) -> Result<bool, StoreError>;
}
