//! [`EventConsumer`]: delivers the events topic to an [`EventHandler`], at
//! least once, in order per report, a bounded number at a time.
//!
//! - **Order per key.** The loop reads the topic and routes each event by the
//!   hash of its key (the report id) to one of `concurrency` lanes; a lane
//!   handles its events one after another. One report's events are in one
//!   partition, read in order, and all go through one lane, so they are
//!   handled in publish order; different reports run side by side even when
//!   they share a partition.
//! - **Bounded, without head-of-line blocking.** At most
//!   `concurrency × IN_FLIGHT_PER_LANE` events are fetched and not yet
//!   handled, in one budget shared by all lanes: a lane that happens to get
//!   many reports queues more while the others keep working, instead of one
//!   full lane stopping the hand-out to every lane (which held a worker at
//!   ~0.6 of its ideal throughput with per-lane queues of 4; see
//!   docs/benchmarks.md).
//! - **Commits after handling.** Auto-commit is off. A partition's offset is
//!   committed up to (not including) its oldest event still being handled, so
//!   nothing unhandled is ever committed; events handled beyond that point are
//!   delivered again after a crash, which idempotent handlers absorb. Commits
//!   run every `commit_interval`, on revocation and on shutdown.
//! - **Rebalances.** On revocation the handled prefix is committed and the
//!   partition is forgotten: its events still queued in lanes are dropped, and
//!   work finishing after that is not committed (the new owner gets it again).
//! - **Failures.** A failing event is retried with exponential backoff and
//!   jitter; after `max_attempts` it goes to the dead-letter topic with the
//!   error, attempts and origin in its headers, and its offset is committed.
//!   A message that is not an envelope goes there at once. `Unavailable`
//!   errors (a dependency is down) are retried without limit instead.
//! - **Metrics.** Events handled, retried and dead-lettered are counted,
//!   and the lag (from librdkafka's statistics) is a gauge, per group.
//! - **Shutdown.** When the shutdown future completes, fetching stops, queued
//!   events are left for the next consumer, events being handled get up to
//!   `shutdown_timeout` to finish, the handled prefix is committed and the
//!   consumer leaves the group.

mod context;
mod dead_letter;
mod lane;
mod measures;
mod offsets;

use std::collections::HashSet;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rdkafka::consumer::{CommitMode, Consumer as _, StreamConsumer};
use rdkafka::error::RDKafkaErrorCode;
use rdkafka::message::{Message as _, OwnedMessage};
use rdkafka::producer::FutureProducer;
use sinmungo_core::app::EventHandler;
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use crate::config::KafkaConfig;
use crate::error::KafkaError;
use crate::logs::ClientLogs;
use context::{commit, lock, RebalanceContext, SharedBook};
use dead_letter::DeadLetters;
use lane::{lane_of, Finished, Job, Lane, RetryPolicy};
use offsets::OffsetBook;

/// Events fetched and not yet handled, per lane, shared by all lanes.
const IN_FLIGHT_PER_LANE: usize = 16;
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
        let (finished_tx, mut finished) = mpsc::unbounded_channel();
        let mut lanes = JoinSet::new();
        let mut queues = Vec::with_capacity(self.concurrency);
        for _ in 0..self.concurrency {
            // Unbounded per lane: the shared budget in `consume` bounds them all.
            let (queue, jobs) = mpsc::unbounded_channel();
            let lane = Lane {
                handler: self.handler.clone(),
                dead_letters: self.dead_letters.clone(),
                book: self.book.clone(),
                retry: self.retry,
                stop: stop.clone(),
                finished: finished_tx.clone(),
            };
            lanes.spawn(lane.run(jobs).instrument(tracing::Span::current()));
            queues.push(queue);
        }
        drop(finished_tx);
        tracing::info!(concurrency = self.concurrency, "consuming events");

        let outcome = self.consume(&queues, &mut finished, shutdown).await;

        stop.cancel();
        drop(queues);
        self.finish_in_flight(lanes, &mut finished).await;
        self.close().await;
        outcome
    }

    /// The loop: fetch, route to lanes, count finished events, commit.
    async fn consume(
        &self,
        queues: &[mpsc::UnboundedSender<Job>],
        finished: &mut mpsc::UnboundedReceiver<Finished>,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<(), KafkaError> {
        tokio::pin!(shutdown);
        // A broker outage repeats the same few errors: each is logged once
        // until a message arrives again.
        let mut seen_errors: HashSet<String> = HashSet::new();
        let budget = Arc::new(Semaphore::new(
            self.concurrency.saturating_mul(IN_FLIGHT_PER_LANE).max(1),
        ));
        let mut commit_tick = tokio::time::interval(self.commit_interval);
        commit_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let message = tokio::select! {
                biased;
                () = &mut shutdown => return Ok(()),
                Some(done) = finished.recv() => {
                    self.finish(&done);
                    continue;
                }
                _ = commit_tick.tick() => {
                    self.commit_progress();
                    continue;
                }
                received = self.consumer.recv() => match received {
                    Ok(message) => {
                        seen_errors.clear();
                        message.detach()
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
                        continue;
                    }
                },
            };
            // A spent budget holds the loop (bounded work in memory); shutdown
            // still gets through, leaving this event uncommitted.
            let permit = tokio::select! {
                biased;
                () = &mut shutdown => return Ok(()),
                permit = budget.clone().acquire_owned() => permit
                    .map_err(|_| KafkaError::Fatal("the in-flight budget closed".to_owned()))?,
            };
            let Some(job) = self.job(message, permit) else {
                continue;
            };
            let lane = lane_of(job.message.key(), job.message.partition(), queues.len());
            let Some(queue) = queues.get(lane) else {
                continue;
            };
            if queue.send(job).is_err() {
                return Err(KafkaError::Fatal("a lane stopped".to_owned()));
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

    /// Lets the lanes finish the events they are handling, for up to
    /// `shutdown_timeout`, then abandons the rest.
    async fn finish_in_flight(
        &self,
        mut lanes: JoinSet<()>,
        finished: &mut mpsc::UnboundedReceiver<Finished>,
    ) {
        let in_flight = lock(&self.book).in_flight();
        tracing::info!(in_flight, "stopping: finishing events being handled");
        let drained = tokio::time::timeout(self.shutdown_timeout, async {
            while lanes.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                timeout = ?self.shutdown_timeout,
                "events still being handled were abandoned; they will be delivered again"
            );
            lanes.abort_all();
            while lanes.join_next().await.is_some() {}
        }
        while let Ok(done) = finished.try_recv() {
            self.finish(&done);
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
