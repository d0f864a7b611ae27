//! [`EventConsumer`]: delivers the events topic to an [`EventHandler`], at
//! least once, in order per report, a bounded number at a time.
//!
//! - **Order per key.** Up to `concurrency` events are handled at once. A
//!   free slot takes the oldest fetched event whose key (the report id) has
//!   nothing in flight ([`schedule`]); a report's events wait for each other.
//!   One report's events are in one partition, read in order, so they are
//!   handled in publish order; different reports run side by side even when
//!   they share a partition, and a busy report never holds up another.
//! - **Bounded.** At most `concurrency × FETCHED_PER_SLOT` events are
//!   fetched and not yet handled; fetching waits when they are.
//! - **Commits after handling.** Auto-commit is off. A partition's offset is
//!   committed up to (not including) its oldest event still being handled, so
//!   nothing unhandled is ever committed; events handled beyond that point are
//!   delivered again after a crash, which idempotent handlers absorb. Commits
//!   run every `commit_interval`, on revocation and on shutdown.
//! - **Rebalances.** On revocation the handled prefix is committed and the
//!   partition is forgotten: its events still waiting are dropped, and
//!   work finishing after that is not committed (the new owner gets it again).
//! - **Failures.** A failing event is retried with exponential backoff and
//!   jitter; after `max_attempts` it goes to the dead-letter topic with the
//!   error, attempts and origin in its headers, and its offset is committed.
//!   A message that is not an envelope goes there at once. `Unavailable`
//!   errors (a dependency is down) do not count as attempts: they are
//!   retried, with the same backoff, for up to `unavailable_give_up` in a
//!   row, and only then dead-lettered ("unavailable for 900 s: …").
//! - **Metrics.** Events handled, retried and dead-lettered are counted,
//!   and the lag (from librdkafka's statistics) is a gauge, per group.
//! - **Shutdown.** When the shutdown future completes, fetching stops, queued
//!   events are left for the next consumer, events being handled get up to
//!   `shutdown_timeout` to finish, the handled prefix is committed and the
//!   consumer leaves the group.

mod context;
mod dead_letter;
mod delivery;
mod measures;
mod offsets;
mod schedule;

use std::collections::HashSet;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::FutureExt as _;
use rdkafka::consumer::{CommitMode, Consumer as _, StreamConsumer};
use rdkafka::error::RDKafkaErrorCode;
use rdkafka::message::{Message as _, OwnedMessage};
use rdkafka::producer::FutureProducer;
use sinmungo_core::app::EventHandler;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use crate::config::KafkaConfig;
use crate::error::KafkaError;
use crate::logs::ClientLogs;
use context::{commit, lock, RebalanceContext, SharedBook};
use dead_letter::DeadLetters;
use delivery::{Delivery, Finished, Job, RetryPolicy};
use offsets::OffsetBook;
use schedule::{OrderKey, Schedule};

/// Events fetched and not yet handled, per slot of `concurrency`.
const FETCHED_PER_SLOT: usize = 16;
/// Pause after a consumer error, so a persistent one does not spin.
const ERROR_PAUSE: Duration = Duration::from_millis(200);

/// Whether a consumer's loop is running (for readiness checks).
#[derive(Debug, Clone, Default)]
pub struct ConsumerStatus(Arc<AtomicBool>);

impl ConsumerStatus {
    /// `true` from the start of [`EventConsumer::run`] until it returns.
    pub fn is_running(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    fn running(&self) -> RunningGuard {
        self.0.store(true, Ordering::Release);
        RunningGuard(self.clone())
    }
}

/// Marks the consumer stopped however `run` ends (even when it is dropped).
struct RunningGuard(ConsumerStatus);

impl Drop for RunningGuard {
    fn drop(&mut self) {
        (self.0).0.store(false, Ordering::Release);
    }
}

/// A member of the consumer group on the events topic. See the module
/// documentation for ordering, commits, rebalances and failures.
pub struct EventConsumer {
    consumer: Arc<StreamConsumer<RebalanceContext>>,
    book: SharedBook,
    handler: Arc<dyn EventHandler>,
    dead_letters: DeadLetters,
    retry: RetryPolicy,
    concurrency: usize,
    commit_interval: Duration,
    shutdown_timeout: Duration,
    status: ConsumerStatus,
    group: String,
    topic: String,
}

impl std::fmt::Debug for EventConsumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventConsumer")
            .field("concurrency", &self.concurrency)
            .field("retry", &self.retry)
            .field("dead_letter_topic", &self.dead_letters.topic)
            .field("running", &self.status.is_running())
            .finish_non_exhaustive()
    }
}

impl EventConsumer {
    /// Joins `config.group_id` on `config.topic`, delivering to `handler`.
    /// Messages flow once [`run`](Self::run) is called. Call it within a
    /// Tokio runtime.
    pub fn new(config: &KafkaConfig, handler: Arc<dyn EventHandler>) -> Result<Self, KafkaError> {
        config.validate()?;
        let book: SharedBook = Arc::new(Mutex::new(OffsetBook::default()));
        measures::describe();
        let consumer: StreamConsumer<RebalanceContext> = config
            .consumer()
            .create_with_context(RebalanceContext {
                book: book.clone(),
                group: config.group_id.clone(),
            })
            .map_err(|error| KafkaError::client(&error))?;
        consumer
            .subscribe(&[config.topic.as_str()])
            .map_err(|error| KafkaError::client(&error))?;
        let producer: FutureProducer<ClientLogs> = config
            .producer()
            .create_with_context(ClientLogs)
            .map_err(|error| KafkaError::client(&error))?;
        Ok(Self {
            consumer: Arc::new(consumer),
            book,
            handler,
            dead_letters: DeadLetters {
                producer,
                topic: config.dead_letter_topic.clone(),
                group: config.group_id.clone(),
            },
            retry: RetryPolicy {
                max_attempts: config.max_attempts,
                backoff: config.retry_backoff,
                max_backoff: config.max_retry_backoff,
                unavailable_give_up: config.unavailable_give_up,
            },
            concurrency: config.concurrency,
            commit_interval: config.commit_interval,
            shutdown_timeout: config.shutdown_timeout,
            status: ConsumerStatus::default(),
            group: config.group_id.clone(),
            topic: config.topic.clone(),
        })
    }

    /// A handle telling whether [`run`](Self::run) is running.
    pub fn status(&self) -> ConsumerStatus {
        self.status.clone()
    }

    /// Consumes until `shutdown` completes, then stops as the module
    /// documentation describes and returns. An error means the client failed
    /// for good (a fatal librdkafka error).
    #[tracing::instrument(skip_all, fields(group = %self.group, topic = %self.topic))]
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) -> Result<(), KafkaError> {
        let _running = self.status.running();
        let stop = CancellationToken::new();
        let delivery = Arc::new(Delivery {
            handler: self.handler.clone(),
            dead_letters: self.dead_letters.clone(),
            book: self.book.clone(),
            retry: self.retry,
            stop: stop.clone(),
        });
        let mut handling = JoinSet::new();
        tracing::info!(concurrency = self.concurrency, "consuming events");

        let outcome = self.consume(&delivery, &mut handling, shutdown).await;

        stop.cancel();
        self.finish_in_flight(handling).await;
        self.close().await;
        outcome
    }

    /// The loop: fetch, schedule, start what may start, count finished
    /// events, commit.
    async fn consume(
        &self,
        delivery: &Arc<Delivery>,
        handling: &mut JoinSet<(OrderKey, Option<Finished>)>,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<(), KafkaError> {
        tokio::pin!(shutdown);
        // A broker outage repeats the same few errors: each is logged once
        // until a message arrives again.
        let mut seen_errors: HashSet<String> = HashSet::new();
        let budget = Arc::new(Semaphore::new(
            self.concurrency.saturating_mul(FETCHED_PER_SLOT).max(1),
        ));
        // A share of the budget, taken before fetching: a spent budget holds
        // fetching (bounded work in memory) but not the rest of the loop.
        let mut permit: Option<OwnedSemaphorePermit> = None;
        let mut schedule = Schedule::default();
        let mut commit_tick = tokio::time::interval(self.commit_interval);
        commit_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            while handling.len() < self.concurrency {
                let Some((key, job)) = schedule.next() else {
                    break;
                };
                let delivery = delivery.clone();
                handling.spawn(
                    async move {
                        // A panic outside the handler (which `Delivery`
                        // catches) still frees the key.
                        let finished = AssertUnwindSafe(delivery.run(job))
                            .catch_unwind()
                            .await
                            .ok()
                            .flatten();
                        (key, finished)
                    }
                    .instrument(tracing::Span::current()),
                );
            }
            tokio::select! {
                biased;
                () = &mut shutdown => return Ok(()),
                Some(joined) = handling.join_next() => {
                    if let Ok((key, finished)) = joined {
                        schedule.done(&key);
                        if let Some(done) = finished {
                            self.finish(&done);
                        }
                    }
                }
                _ = commit_tick.tick() => self.commit_progress(),
                acquired = budget.clone().acquire_owned(), if permit.is_none() => {
                    permit = Some(acquired.map_err(|_| {
                        KafkaError::Fatal("the in-flight budget closed".to_owned())
                    })?);
                }
                received = self.consumer.recv(), if permit.is_some() => match received {
                    Ok(message) => {
                        seen_errors.clear();
                        let message = message.detach();
                        let key = match message.key() {
                            Some(key) => OrderKey::Key(key.to_vec()),
                            None => OrderKey::Partition(
                                message.topic().to_owned(),
                                message.partition(),
                            ),
                        };
                        if let Some(job) = permit.take().and_then(|p| self.job(message, p)) {
                            schedule.push(key, job);
                        }
                    }
                    Err(error) => {
                        if error.rdkafka_error_code() == Some(RDKafkaErrorCode::Fatal) {
                            tracing::error!(%error, "the consumer failed");
                            return Err(KafkaError::Fatal(error.to_string()));
                        }
                        let error = error.to_string();
                        if seen_errors.contains(&error) {
                            tracing::debug!(%error, "consumer error (again)");
                        } else {
                            tracing::warn!(%error, "consumer error");
                            seen_errors.insert(error);
                        }
                        tokio::time::sleep(ERROR_PAUSE).await;
                    }
                },
            }
        }
    }

    /// The job for a fetched message; `None` when its partition is no longer ours.
    fn job(&self, message: OwnedMessage, permit: OwnedSemaphorePermit) -> Option<Job> {
        let partition = (message.topic().to_owned(), message.partition());
        match lock(&self.book).dispatch(&partition, message.offset()) {
            Some(generation) => Some(Job {
                message,
                generation,
                _permit: permit,
            }),
            None => {
                tracing::debug!(
                    partition = message.partition(),
                    offset = message.offset(),
                    "skipped an event of a partition no longer assigned"
                );
                None
            }
        }
    }

    fn finish(&self, done: &Finished) {
        lock(&self.book).finish(&done.partition, done.offset, done.generation);
    }

    /// Commits, without waiting, the positions that moved.
    fn commit_progress(&self) {
        let positions = lock(&self.book).uncommitted();
        if positions.is_empty() {
            return;
        }
        match commit(self.consumer.as_ref(), &positions, CommitMode::Async) {
            Ok(()) => lock(&self.book).committed(&positions),
            Err(error) => tracing::warn!(%error, "offset commit failed"),
        }
    }

    /// Lets the events being handled finish, for up to `shutdown_timeout`,
    /// then abandons the rest; events still waiting are left uncommitted.
    async fn finish_in_flight(&self, mut handling: JoinSet<(OrderKey, Option<Finished>)>) {
        let unfinished = lock(&self.book).in_flight();
        tracing::info!(
            handling = handling.len(),
            unfinished,
            "stopping: finishing events being handled"
        );
        let drained = tokio::time::timeout(self.shutdown_timeout, async {
            while let Some(joined) = handling.join_next().await {
                if let Ok((_, Some(done))) = joined {
                    self.finish(&done);
                }
            }
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                timeout = ?self.shutdown_timeout,
                "events still being handled were abandoned; they will be delivered again"
            );
            handling.abort_all();
            while handling.join_next().await.is_some() {}
        }
    }

    /// Commits the handled prefix, waiting for the brokers, and leaves the group.
    async fn close(self) {
        // Every position, not only those that moved: an asynchronous commit
        // counted as done may have failed after all.
        let positions = lock(&self.book).positions();
        let (consumer, book) = (self.consumer, self.book);
        let committed = tokio::task::spawn_blocking(move || {
            let result = if positions.is_empty() {
                Ok(())
            } else {
                commit(consumer.as_ref(), &positions, CommitMode::Sync)
            };
            if result.is_ok() {
                lock(&book).committed(&positions);
            }
            // Closing blocks while the consumer leaves its group.
            drop(consumer);
            result
        })
        .await;
        match committed {
            Ok(Ok(())) => tracing::info!("offsets committed; consumer stopped"),
            Ok(Err(error)) => tracing::warn!(
                %error,
                "final offset commit failed; handled events will be delivered again"
            ),
            Err(error) => tracing::warn!(%error, "closing the consumer failed"),
        }
    }
}
