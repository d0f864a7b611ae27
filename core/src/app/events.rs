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
///
/// A batch is handled report by report: one report's events one after
/// another, in order; up to [`InProcessBus::DEFAULT_CONCURRENCY`] reports
/// side by side (on the caller's task — no runtime needed), so one slow
/// analysis (an LLM answering in hundreds of milliseconds) does not hold up
/// every report behind it. If any report's handling fails the whole batch is
/// reported failed and comes again: handlers are idempotent.
#[derive(Clone)]
pub struct InProcessBus {
    handlers: Vec<Arc<dyn EventHandler>>,
    concurrency: usize,
}

impl Default for InProcessBus {
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

impl std::fmt::Debug for InProcessBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InProcessBus")
            .field("handlers", &self.handlers.len())
            .field("concurrency", &self.concurrency)
            .finish()
    }
}

impl InProcessBus {
    /// Reports handled side by side by default.
    pub const DEFAULT_CONCURRENCY: usize = 8;

    /// A bus calling `handlers`, in order, for every event.
    pub fn new(handlers: Vec<Arc<dyn EventHandler>>) -> Self {
        Self {
            handlers,
            concurrency: Self::DEFAULT_CONCURRENCY,
        }
    }

    /// The same bus handling at most `concurrency` reports at once (at least 1).
    pub fn with_concurrency(self, concurrency: usize) -> Self {
        Self {
            concurrency: concurrency.max(1),
            ..self
        }
    }

    /// One report's events, in order, through every handler.
    async fn handle_in_order(&self, events: &[&EventEnvelope]) -> Result<(), PublishError> {
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

#[async_trait]
impl EventPublisher for InProcessBus {
    async fn publish(&self, events: &[EventEnvelope]) -> Result<(), PublishError> {
        // Group by report, keeping each report's order and the reports' first-seen order.
        let mut groups: Vec<Vec<&EventEnvelope>> = Vec::new();
        let mut index = std::collections::HashMap::new();
        for event in events {
            let at = *index.entry(event.report_id).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            if let Some(group) = groups.get_mut(at) {
                group.push(event);
            }
        }
        for chunk in groups.chunks(self.concurrency) {
            join_all(chunk.iter().map(|group| self.handle_in_order(group))).await?;
        }
        Ok(())
    }
}

/// Polls every future on the current task until all are done; the first
/// error, if any, once all are done (so no handling is cut off midway).
async fn join_all<F>(futures: impl IntoIterator<Item = F>) -> Result<(), PublishError>
where
    F: std::future::Future<Output = Result<(), PublishError>>,
{
    let mut pending: Vec<Option<std::pin::Pin<Box<F>>>> =
        futures.into_iter().map(|f| Some(Box::pin(f))).collect();
    let mut first_error = None;
    std::future::poll_fn(|cx| {
        let mut done = true;
        for slot in &mut pending {
            if let Some(future) = slot {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(result) => {
                        if let Err(error) = result {
                            first_error.get_or_insert(error);
                        }
                        *slot = None;
                    }
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    first_error.map_or(Ok(()), Err)
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

    /// When the oldest event waiting to be published occurred (`None`: none waits).
    pub async fn oldest_pending(
        &self,
    ) -> Result<Option<chrono::DateTime<chrono::Utc>>, StoreError> {
        self.outbox.oldest_pending().await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::time::Duration;

    use chrono::Utc;
    use uuid::Uuid;

    use super::*;
    use crate::domain::report::ReportId;

    fn event(report: u128, n: u32) -> EventEnvelope {
        EventEnvelope {
            id: Uuid::from_u128(u128::from(n)),
            event_type: "report.submitted".into(),
            version: EventEnvelope::VERSION,
            occurred_at: Utc::now(),
            report_id: ReportId(Uuid::from_u128(report)),
            payload: serde_json::json!({ "n": n }),
        }
    }

    /// Waits at a barrier the size of the number of reports, so it finishes
    /// only if the reports are handled side by side; records the order.
    struct Rendezvous {
        barrier: tokio::sync::Barrier,
        seen: Mutex<Vec<(ReportId, u32)>>,
    }

    #[async_trait]
    impl EventHandler for Rendezvous {
        async fn handle(&self, event: &EventEnvelope) -> Result<(), HandlerError> {
            let n = u32::try_from(event.payload["n"].as_u64().unwrap_or(0)).unwrap_or(0);
            if n % 2 == 0 {
                // The first event of each report meets the others' first events.
                self.barrier.wait().await;
            }
            self.seen.lock().unwrap().push((event.report_id, n));
            Ok(())
        }
    }

    #[tokio::test]
    async fn reports_are_handled_side_by_side_and_each_in_order() {
        let handler = Arc::new(Rendezvous {
            barrier: tokio::sync::Barrier::new(3),
            seen: Mutex::default(),
        });
        let bus = InProcessBus::new(vec![handler.clone()]);
        // Three reports, two events each, interleaved as an outbox batch would be.
        let batch = [
            event(1, 0),
            event(2, 2),
            event(1, 1),
            event(3, 4),
            event(2, 3),
            event(3, 5),
        ];
        tokio::time::timeout(Duration::from_secs(5), bus.publish(&batch))
            .await
            .expect("the three reports met at the barrier: handled side by side")
            .unwrap();
        let seen = handler.seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 6);
        for report in 1..=3 {
            let order: Vec<u32> = seen
                .iter()
                .filter(|(r, _)| *r == ReportId(Uuid::from_u128(report)))
                .map(|(_, n)| *n)
                .collect();
            let first = u32::try_from(report - 1).unwrap() * 2;
            assert_eq!(order, [first, first + 1], "report {report} in order");
        }
    }

    #[tokio::test]
    async fn with_concurrency_one_reports_go_one_at_a_time() {
        let handler = Arc::new(Rendezvous {
            barrier: tokio::sync::Barrier::new(2),
            seen: Mutex::default(),
        });
        let bus = InProcessBus::new(vec![handler]).with_concurrency(1);
        let waited = tokio::time::timeout(
            Duration::from_millis(300),
            bus.publish(&[event(1, 0), event(2, 2)]),
        )
        .await;
        assert!(waited.is_err(), "two reports never met: one at a time");
    }

    struct FailsFor(ReportId);

    #[async_trait]
    impl EventHandler for FailsFor {
        async fn handle(&self, event: &EventEnvelope) -> Result<(), HandlerError> {
            if event.report_id == self.0 {
                Err(HandlerError::Unavailable("the LLM is down".into()))
            } else {
                Ok(())
            }
        }
    }

    #[tokio::test]
    async fn one_failing_report_fails_the_batch_so_it_comes_again() {
        let bus = InProcessBus::new(vec![Arc::new(FailsFor(ReportId(Uuid::from_u128(2))))]);
        let result = bus.publish(&[event(1, 0), event(2, 2), event(3, 4)]).await;
        assert!(
            matches!(result, Err(PublishError::Unavailable(_))),
            "{result:?}"
        );
    }
}
