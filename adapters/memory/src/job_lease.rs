//! Job leases in memory.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use sinmungo_core::ports::{JobLease, StoreError};
use uuid::Uuid;

use crate::faults::Faults;
use crate::time::stored;

/// A [`JobLease`] in memory.
#[derive(Debug, Default)]
pub struct MemoryJobLease {
    leases: Mutex<HashMap<String, (Uuid, DateTime<Utc>)>>,
    faults: Faults,
}

impl MemoryJobLease {
    /// No leases, failing when `faults` says so.
    pub fn new(faults: Faults) -> Self {
        Self {
            leases: Mutex::default(),
            faults,
        }
    }
}

#[async_trait]
impl JobLease for MemoryJobLease {
    async fn acquire(
        &self,
        job: &str,
        holder: Uuid,
        now: DateTime<Utc>,
        ttl: TimeDelta,
    ) -> Result<bool, StoreError> {
        self.faults.check()?;
        let mut leases = self.leases.lock().unwrap_or_else(PoisonError::into_inner);
        let free = leases
            .get(job)
            .is_none_or(|(_, until)| *until <= stored(now));
        if free {
            leases.insert(job.to_owned(), (holder, stored(now + ttl)));
        }
        Ok(free)
    }
}
