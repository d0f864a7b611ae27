//! Consuming domain events: handlers, the in-process bus that calls them,
//! and the relay that moves events from the outbox to a bus.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::TimeDelta;

use crate::domain::event::EventEnvelope;
use crate::ports::{Clock, EventPublisher, Outbox, PublishError, StoreError};

/// Why a handler could not handle an event; the event is delivered again later.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// Something it needs is down; trying again later may work.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

impl From<StoreError> for HandlerError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(reason) => Self::Unavailable(reason),
            other => Self::Unknown(other.into()),
        }
    }
}

/// Reacts to domain events. Delivery is at least once, so handling the same
/// event twice must change nothing the second time.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait EventHandler: Send + Sync {
    /// Handles one event; events it has no interest in are `Ok`.
    async fn handle(&self, event: &EventEnvelope) -> Result<(), HandlerError>;
}

/// The embedded bus: publishing an event hands it to every handler, in this
/// process, before `publish` returns, so an event the outbox marks published
/// has been handled.
#[derive(Clone, Default)]
pub struct InProcessBus {
    handlers: Vec<Arc<dyn EventHandler>>,
}

impl std::fmt::Debug for InProcessBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InProcessBus")
            .field("handlers", &self.handlers.len())
            .finish()
    }
}

impl InProcessBus {
    /// A bus calling `handlers`, in order, for every event.
    pub fn new(handlers: Vec<Arc<dyn EventHandler>>) -> Self {
        Self { handlers }
    }
}

#[async_trait]
impl EventPublisher for InProcessBus {
    async fn publish(&self, events: &[EventEnvelope]) -> Result<(), PublishError> {
        for event in events {
            for handler in &self.handlers {
                handler.handle(event).await.map_err(|error| match error {
                    HandlerError::Unavailable(reason) => PublishError::Unavailable(reason),
                    HandlerError::Unknown(error) => PublishError::Unknown(error),
                })?;
            }
        }
        Ok(())
    }
}

/// Why a relay round did not publish its batch.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// The outbox could not be read or updated.
    #[error("outbox: {0}")]
    Store(#[from] StoreError),
    /// The bus refused the batch; its events were released for a later round.
    #[error("event bus: {0}")]
    Bus(#[from] PublishError),
}

/// Moves events from the outbox to the bus, at least once and in order per report.
#[derive(Clone)]
pub struct Relay {
    outbox: Arc<dyn Outbox>,
    publisher: Arc<dyn EventPublisher>,
    clock: Arc<dyn Clock>,
    lease: TimeDelta,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay")
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

impl Relay {
    /// A relay holding each claimed batch for `lease` (longer than a publish
    /// takes; a relay that dies loses its claim when the lease ends).
    pub fn new(
        outbox: Arc<dyn Outbox>,
        publisher: Arc<dyn EventPublisher>,
        clock: Arc<dyn Clock>,
        lease: TimeDelta,
    ) -> Self {
        Self {
            outbox,
            publisher,
            clock,
            lease,
        }
    }

    /// Claims up to `limit` events, publishes them in order, and marks them
    /// published; returns how many were published (0: the outbox is empty).
    /// When the bus fails, the batch is released with the error recorded.
    pub async fn publish_batch(&self, limit: u32) -> Result<usize, RelayError> {
        let claimed = self
            .outbox
            .claim(self.clock.now(), self.lease, limit)
            .await?;
        if claimed.is_empty() {
            return Ok(0);
        }
        let ids: Vec<_> = claimed.iter().map(|c| c.event.id).collect();
        let events: Vec<EventEnvelope> = claimed.into_iter().map(|c| c.event).collect();
        match self.publisher.publish(&events).await {
            Ok(()) => {
                self.outbox.mark_published(&ids, self.clock.now()).await?;
                Ok(events.len())
            }
            Err(error) => {
                // Should the release fail too, the lease ends on its own and
                // the events are claimed again: nothing is lost either way.
                self.outbox.release(&ids, &error.to_string()).await.ok();
                Err(RelayError::Bus(error))
            }
        }
    }

    /// How many events wait to be published.
    pub async fn pending(&self) -> Result<u64, StoreError> {
        self.outbox.pending().await
    }
}
