//! The outbox: events [`ReportStore::apply`](crate::ports::ReportStore::apply)
//! appended in the same transaction as their change, claimed by relays that
//! publish them to the bus.
//!
//! Delivery is at least once: an event is marked published only after the bus
//! has it, and a relay that dies holding a claim loses it when its lease ends.

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use crate::domain::event::EventEnvelope;
use crate::ports::StoreError;

/// An event handed to one relay until its lease ends.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedEvent {
    /// The event.
    pub event: EventEnvelope,
    /// How many earlier claims of it were released after a failed publish.
    pub attempts: u32,
}

/// Events waiting to be published.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Claims up to `limit` unpublished events, oldest first, until `now + lease`.
    ///
    /// Events another relay holds (its lease not yet over at `now`) are
    /// skipped, never waited for; and an event is not handed out while an
    /// earlier unpublished event of the same report is held elsewhere, so a
    /// relay that publishes its batch in order keeps every report's events in
    /// order on the bus. Two relays claiming at once never get the same event.
    async fn claim(
        &self,
        now: DateTime<Utc>,
        lease: TimeDelta,
        limit: u32,
    ) -> Result<Vec<ClaimedEvent>, StoreError>;

    /// Marks events published: they are never claimed again. Unknown ids are ignored.
    async fn mark_published(&self, ids: &[Uuid], at: DateTime<Utc>) -> Result<(), StoreError>;

    /// Gives claimed events back after a failed publish, counting the attempt
    /// and keeping `error` for operators; they may be claimed again at once.
    async fn release(&self, ids: &[Uuid], error: &str) -> Result<(), StoreError>;

    /// How many events are not yet published.
    async fn pending(&self) -> Result<u64, StoreError>;

    /// When the oldest unpublished event occurred (`None`: nothing waits), so
    /// operators see how far behind the bus is, not only how much waits.
    async fn oldest_pending(&self) -> Result<Option<DateTime<Utc>>, StoreError>;
}
