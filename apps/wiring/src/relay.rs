//! The outbox relay: built over the configured bus, and its loop: publish
//! what is pending, wait a little when there is nothing (or until this
//! process commits new events, [`RelayWaker`]), back off while the bus (or
//! the store) is down.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use sinmungo_core::app::{AnalyzeReport, Notify, Relay, RelayError};
use sinmungo_core::domain::correction::RulePrecision;
use sinmungo_core::domain::receipt::ReceiptNumber;
use sinmungo_core::domain::report::{Report, ReportId};
use sinmungo_core::domain::stats::{Stats, StatsQuery};
use sinmungo_core::domain::status::ReportStatus;
use sinmungo_core::domain::timeline::TimelineEntry;
use sinmungo_core::domain::user::UserId;
use sinmungo_core::ports::{
    CorrectionPage, CorrectionQuery, Outbox, Page, ReportChange, ReportQuery, ReportSketch,
    ReportStore, StoreError, SystemClock,
};
use tokio::sync::watch;

use crate::bus::{self, KafkaArgs};
use crate::metrics::{RELAY_FAILURES, RELAY_PUBLISHED};

/// How long a relay holds a claimed batch; far longer than a publish takes.
const LEASE: TimeDelta = TimeDelta::seconds(60);

/// Events per batch.
const BATCH: u32 = 100;

/// How often an idle relay looks for new events.
const IDLE: Duration = Duration::from_millis(100);

/// The first and the longest wait after a failure.
const BACKOFF: (Duration, Duration) = (Duration::from_millis(200), Duration::from_secs(30));

/// The relay of `outbox` to the bus `kafka` names. Embedded (no brokers):
/// events go straight to `analyze` and `notify` in this process; with Kafka
/// they go to the topic, the workers analyse and the servers' notifier
/// group notifies.
pub fn outbox_relay(
    kafka: &KafkaArgs,
    analyze: &AnalyzeReport,
    notify: &Notify,
    outbox: Arc<dyn Outbox>,
) -> anyhow::Result<Relay> {
    let publisher = bus::publisher(kafka, analyze, notify)?;
    Ok(Relay::new(outbox, publisher, Arc::new(SystemClock), LEASE))
}

/// Wakes an idle relay when this process commits a change with events, so
/// they reach the bus at once rather than at the next poll. (Changes made
/// by other processes — another server, the CLI — are found by the poll.)
#[derive(Debug, Clone, Default)]
pub struct RelayWaker(Arc<tokio::sync::Notify>);

impl RelayWaker {
    /// `reports`, waking this relay after each change it commits with events.
    pub fn watch(&self, reports: Arc<dyn ReportStore>) -> Arc<dyn ReportStore> {
        Arc::new(WakingReportStore {
            inner: reports,
            waker: self.clone(),
        })
    }
}

/// A [`ReportStore`] that wakes the relay after committing events.
struct WakingReportStore {
    inner: Arc<dyn ReportStore>,
    waker: RelayWaker,
}

#[async_trait]
impl ReportStore for WakingReportStore {
    async fn next_receipt_number(&self, year: i32) -> Result<ReceiptNumber, StoreError> {
        self.inner.next_receipt_number(year).await
    }
    async fn next_receipt_numbers(
        &self,
        year: i32,
        count: u32,
    ) -> Result<Vec<ReceiptNumber>, StoreError> {
        self.inner.next_receipt_numbers(year, count).await
    }
    async fn apply(&self, change: ReportChange) -> Result<(), StoreError> {
        let has_events = !change.events.is_empty();
        self.inner.apply(change).await?;
        if has_events {
            // A permit is kept if the relay is busy: no wake-up is lost.
            self.waker.0.notify_one();
        }
        Ok(())
    }
    async fn get(&self, id: ReportId) -> Result<Option<Report>, StoreError> {
        self.inner.get(id).await
    }
    async fn list(&self, query: &ReportQuery) -> Result<Page<Report>, StoreError> {
        self.inner.list(query).await
    }
    async fn sketches(&self, query: &ReportQuery) -> Result<Vec<ReportSketch>, StoreError> {
        self.inner.sketches(query).await
    }
    async fn count_by_status(
        &self,
        query: &ReportQuery,
    ) -> Result<Vec<(ReportStatus, u64)>, StoreError> {
        self.inner.count_by_status(query).await
    }
    async fn timeline(&self, id: ReportId) -> Result<Vec<TimelineEntry>, StoreError> {
        self.inner.timeline(id).await
    }
    async fn supporters(&self, id: ReportId) -> Result<Vec<UserId>, StoreError> {
        self.inner.supporters(id).await
    }
    async fn stats(&self, query: &StatsQuery, now: DateTime<Utc>) -> Result<Stats, StoreError> {
        self.inner.stats(query, now).await
    }
    async fn corrections(&self, query: &CorrectionQuery) -> Result<CorrectionPage, StoreError> {
        self.inner.corrections(query).await
    }
    async fn rule_precision(&self) -> Result<Vec<RulePrecision>, StoreError> {
        self.inner.rule_precision().await
    }
    async fn ping(&self) -> Result<(), StoreError> {
        self.inner.ping().await
    }
}

/// Relays until `stopped` turns true; a batch under way is finished first.
/// Idle, it waits for the poll interval or for `waker`, whichever comes
/// first; after a failure it backs off whatever is committed meanwhile.
pub async fn run_relay(relay: Relay, waker: RelayWaker, mut stopped: watch::Receiver<bool>) {
    let mut backoff = BACKOFF.0;
    loop {
        if *stopped.borrow() {
            return;
        }
        let wait = match relay.publish_batch(BATCH).await {
            Ok(published) => {
                backoff = BACKOFF.0;
                if published > 0 {
                    tracing::debug!(published, "relayed events");
                    metrics::counter!(RELAY_PUBLISHED)
                        .increment(u64::try_from(published).unwrap_or(u64::MAX));
                }
                if published == usize::try_from(BATCH).unwrap_or(usize::MAX) {
                    continue;
                }
                IDLE
            }
            Err(error) => {
                tracing::warn!(%error, retry_in_ms = backoff.as_millis(), "relaying events failed; they stay in the outbox");
                let cause = match error {
                    RelayError::Bus(_) => "bus",
                    RelayError::Store(_) => "store",
                };
                metrics::counter!(RELAY_FAILURES, "cause" => cause).increment(1);
                let wait = backoff;
                backoff = (backoff * 2).min(BACKOFF.1);
                wait
            }
        };
        let idle = wait == IDLE;
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = waker.0.notified(), if idle => {}
            _ = stopped.changed() => {}
        }
    }
}
