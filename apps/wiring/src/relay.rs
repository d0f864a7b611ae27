//! The outbox relay: built over the configured bus, and its loop: publish
//! what is pending, wait a little when there is nothing, back off while the
//! bus (or the store) is down.

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use sinmungo_core::app::{AnalyzeReport, Notify, Relay};
use sinmungo_core::ports::{Outbox, SystemClock};
use tokio::sync::watch;

use crate::bus::{self, KafkaArgs};

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

/// Relays until `stopped` turns true; a batch under way is finished first.
pub async fn run_relay(relay: Relay, mut stopped: watch::Receiver<bool>) {
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
                }
                if published == usize::try_from(BATCH).unwrap_or(usize::MAX) {
                    continue;
                }
                IDLE
            }
            Err(error) => {
                tracing::warn!(%error, retry_in_ms = backoff.as_millis(), "relaying events failed; they stay in the outbox");
                let wait = backoff;
                backoff = (backoff * 2).min(BACKOFF.1);
                wait
            }
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = stopped.changed() => {}
        }
    }
}
