//! Delivering one event to the handler: retries with backoff, the
//! dead-letter topic, and giving up on shutdown or revocation. Which event
//! is delivered when is the [`schedule`](super::schedule)'s to say.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::FutureExt as _;
use rand::Rng as _;
use rdkafka::message::{Message, OwnedMessage};
use sinmungo_core::app::{EventHandler, HandlerError};
use sinmungo_core::domain::event::EventEnvelope;
use tokio::sync::OwnedSemaphorePermit;
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use super::context::{lock, SharedBook};
use super::dead_letter::{DeadLetters, Verdict};
use super::measures;
use super::offsets::Partition;

/// A fetched event, with the generation of its partition's assignment.
#[derive(Debug)]
pub(crate) struct Job {
    pub(crate) message: OwnedMessage,
    pub(crate) generation: u64,
    /// Its share of the consumer's in-flight budget, returned when the job is dropped.
    pub(crate) _permit: OwnedSemaphorePermit,
}

/// An event done with: handled, or dead-lettered.
#[derive(Debug)]
pub(crate) struct Finished {
    pub(crate) partition: Partition,
    pub(crate) offset: i64,
    pub(crate) generation: u64,
}

/// How failed attempts are retried.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RetryPolicy {
    pub(crate) max_attempts: u32,
    pub(crate) backoff: Duration,
    pub(crate) max_backoff: Duration,
    /// How long `Unavailable` failures in a row are retried before the event
    /// is dead-lettered.
    pub(crate) unavailable_give_up: Duration,
}

impl RetryPolicy {
    /// The wait after the `failures`-th failure: exponential, capped, with
    /// jitter (between half and all of it) so events do not retry in step.
    fn delay(&self, failures: u32) -> Duration {
        let exponent = failures.saturating_sub(1).min(16);
        let full = self
            .backoff
            .saturating_mul(1 << exponent)
            .min(self.max_backoff);
        let half = full / 2;
        half + full
            .saturating_sub(half)
            .mul_f64(rand::thread_rng().gen::<f64>())
    }
}

/// What became of an event.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// Handled or dead-lettered: its offset may be committed.
    Done,
    /// Given up unhandled (shutdown or revocation): it will be delivered again.
    Abandoned,
}

/// What every delivery shares: the handler, the dead-letter topic, the
/// offset book, the retry policy and the stop signal.
pub(crate) struct Delivery {
    pub(crate) handler: Arc<dyn EventHandler>,
    pub(crate) dead_letters: DeadLetters,
    pub(crate) book: SharedBook,
    pub(crate) retry: RetryPolicy,
    pub(crate) stop: CancellationToken,
}

impl Delivery {
    /// Delivers `job`: `Some` when it is done with (its offset may be
    /// committed), `None` when it was given up — after `stop`, or because its
    /// partition is no longer ours — and will be delivered again.
    pub(crate) async fn run(&self, job: Job) -> Option<Finished> {
        let partition = (job.message.topic().to_owned(), job.message.partition());
        if self.stop.is_cancelled() || !self.is_current(&partition, job.generation) {
            return None;
        }
        match self.deliver(&job, &partition).await {
            Outcome::Done => Some(Finished {
                partition,
                offset: job.message.offset(),
                generation: job.generation,
            }),
            Outcome::Abandoned => None,
        }
    }

    fn is_current(&self, partition: &Partition, generation: u64) -> bool {
        lock(&self.book).is_current(partition, generation)
    }

    async fn deliver(&self, job: &Job, partition: &Partition) -> Outcome {
        let message = &job.message;
        let event = match message
            .payload()
            .map(serde_json::from_slice::<EventEnvelope>)
        {
            Some(Ok(event)) => event,
            Some(Err(error)) => {
                let verdict = Verdict {
                    error: format!("not an event envelope: {error}"),
                    attempts: 0,
                };
                return self.dead_letter(job, partition, verdict).await;
            }
            None => {
                let verdict = Verdict {
                    error: "empty message".to_owned(),
                    attempts: 0,
                };
                return self.dead_letter(job, partition, verdict).await;
            }
        };
        let span = tracing::info_span!(
            "event",
            id = %event.id,
            kind = %event.event_type,
            report = %event.report_id,
            partition = message.partition(),
            offset = message.offset(),
        );
        self.handle(job, partition, &event).instrument(span).await
    }

    /// Calls the handler until it succeeds. Failures count towards the
    /// dead-letter topic, except `Unavailable` ones: a dependency that is down
    /// would otherwise send every event there within seconds, so those are
    /// retried, holding this event's slot, until it is back — but for no
    /// longer than `unavailable_give_up` in a row: a dependency down for that
    /// long needs an operator, and the event waits for them in the
    /// dead-letter topic instead of holding its report's later events.
    async fn handle(&self, job: &Job, partition: &Partition, event: &EventEnvelope) -> Outcome {
        let mut attempts = 0;
        let mut counted = 0;
        // When the current run of `Unavailable` failures began.
        let mut unavailable_since: Option<Instant> = None;
        loop {
            attempts += 1;
            let began = Instant::now();
            let result = AssertUnwindSafe(self.handler.handle(event))
                .catch_unwind()
                .await;
            let error = match result {
                Ok(Ok(())) => {
                    tracing::debug!(attempts, "event handled");
                    measures::count(measures::HANDLED, &self.dead_letters.group);
                    return Outcome::Done;
                }
                Ok(Err(HandlerError::Unavailable(reason))) => {
                    let since = *unavailable_since.get_or_insert(began);
                    let down = since.elapsed();
                    if down >= self.retry.unavailable_give_up {
                        let error = format!("unavailable for {} s: {reason}", down.as_secs());
                        return self.give_up(job, partition, error, attempts).await;
                    }
                    tracing::warn!(attempts, %reason, ?down, "a dependency is unavailable; will retry");
                    measures::count(measures::RETRIED, &self.dead_letters.group);
                    // The last wait ends at the give-up time, not after it.
                    let left = self.retry.unavailable_give_up.saturating_sub(down);
                    if !self.pause(attempts, left, partition, job.generation).await {
                        return Outcome::Abandoned;
                    }
                    continue;
                }
                Ok(Err(HandlerError::Unknown(error))) => format!("{error:#}"),
                Err(_panic) => "the handler panicked".to_owned(),
            };
            unavailable_since = None;
            counted += 1;
            if counted >= self.retry.max_attempts {
                return self.give_up(job, partition, error, attempts).await;
            }
            tracing::warn!(attempts, %error, "handling failed; will retry");
            measures::count(measures::RETRIED, &self.dead_letters.group);
            if !self
                .pause(attempts, Duration::MAX, partition, job.generation)
                .await
            {
                return Outcome::Abandoned;
            }
        }
    }

    /// Dead-letters the event after its last failed attempt.
    async fn give_up(
        &self,
        job: &Job,
        partition: &Partition,
        error: String,
        attempts: u32,
    ) -> Outcome {
        tracing::warn!(attempts, %error, "giving up on the event");
        let verdict = Verdict { error, attempts };
        self.dead_letter(job, partition, verdict).await
    }

    /// Publishes the event to the dead-letter topic, retrying until the
    /// brokers take it: only then may its offset be committed.
    async fn dead_letter(&self, job: &Job, partition: &Partition, verdict: Verdict) -> Outcome {
        let mut failures = 0;
        loop {
            match self.dead_letters.publish(&job.message, &verdict).await {
                Ok(()) => {
                    tracing::warn!(
                        partition = job.message.partition(),
                        offset = job.message.offset(),
                        attempts = verdict.attempts,
                        error = %verdict.error,
                        topic = %self.dead_letters.topic,
                        "event dead-lettered"
                    );
                    measures::count(measures::DEAD_LETTERED, &self.dead_letters.group);
                    return Outcome::Done;
                }
                Err(error) => {
                    failures += 1;
                    tracing::warn!(%error, "dead-lettering failed; will retry");
                    if !self
                        .pause(failures, Duration::MAX, partition, job.generation)
                        .await
                    {
                        return Outcome::Abandoned;
                    }
                }
            }
        }
    }

    /// Waits before the next attempt (the backoff, but no longer than
    /// `at_most`); `false` when the event should be given up instead
    /// (shutdown, or its partition was revoked).
    async fn pause(
        &self,
        failures: u32,
        at_most: Duration,
        partition: &Partition,
        generation: u64,
    ) -> bool {
        tokio::select! {
            () = tokio::time::sleep(self.retry.delay(failures).min(at_most)) => {}
            () = self.stop.cancelled() => return false,
        }
        self.is_current(partition, generation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter() {
        let policy = RetryPolicy {
            max_attempts: 5,
            backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(350),
            unavailable_give_up: Duration::from_secs(900),
        };
        for (failures, full) in [(1, 100), (2, 200), (3, 350), (30, 350)] {
            let delay = policy.delay(failures);
            assert!(delay >= Duration::from_millis(full / 2), "{delay:?}");
            assert!(delay <= Duration::from_millis(full), "{delay:?}");
        }
    }
}
