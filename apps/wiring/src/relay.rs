//! The outbox relay's loop: publish what is pending, wait a little when there
//! is nothing, back off while the bus (or the store) is down.

use std::time::Duration;

use chrono::TimeDelta;
use sinmungo_core::app::Relay;
use tokio::sync::watch;

/// How long a relay holds a claimed batch; far longer than a publish takes.
pub(crate) const LEASE: TimeDelta = TimeDelta::seconds(60);

/// Events per batch.
const BATCH: u32 = 100;

/// How often an idle relay looks for new events.
const IDLE: Duration = Duration::from_millis(100);

/// The first and the longest wait after a failure.
const BACKOFF: (Duration, Duration) = (Duration::from_millis(200), Duration::from_secs(30));

/// Relays until `stopped` turns true; a batch under way is finished first.
pub(crate) async fn run(relay: Relay, mut stopped: watch::Receiver<bool>) {
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
