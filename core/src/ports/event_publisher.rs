//! The event bus, as the outbox relay sees it.

use async_trait::async_trait;

use crate::domain::event::EventEnvelope;

/// Why events were not published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The bus cannot be reached now; the relay tries again later.
    #[error("event bus unavailable: {0}")]
    Unavailable(String),
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Publishes domain events (in-process bus or Kafka).
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait EventPublisher: Send + Sync {
    /// Publishes `events` in order and returns once the bus holds all of them
    /// durably; on error some may have been published (delivery is at least once).
    async fn publish(&self, events: &[EventEnvelope]) -> Result<(), PublishError>;
}
