//! Rebalances: what the consumer does when partitions come and go.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::{KafkaError as RdKafkaError, KafkaResult};
use rdkafka::statistics::Statistics;
use rdkafka::{ClientContext, Offset, TopicPartitionList};

use super::offsets::{OffsetBook, Partition};
use crate::logs;

/// The book of offsets shared by the loop, the deliveries and the rebalance callbacks.
pub(crate) type SharedBook = Arc<Mutex<OffsetBook>>;

/// Locks the book; a panic elsewhere does not make its numbers wrong.
pub(crate) fn lock(book: &SharedBook) -> MutexGuard<'_, OffsetBook> {
    book.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Keeps the offset book in step with the assignment and logs it.
///
/// On an assignment the partitions start a new generation; on a revocation
/// the handled prefix of each partition is committed and the partition is
/// forgotten, so its events still waiting are dropped unhandled and
/// uncommitted (the next owner gets them again).
pub(crate) struct RebalanceContext {
    pub(crate) book: SharedBook,
    /// The consumer group, the label of its lag.
    pub(crate) group: String,
}

impl ClientContext for RebalanceContext {
    fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        logs::log(level, facility, message);
    }

    fn stats(&self, statistics: Statistics) {
        super::measures::record_lag(&self.group, &statistics);
    }

    fn error(&self, error: RdKafkaError, reason: &str) {
        logs::client_error(&error, reason);
    }
}

impl ConsumerContext for RebalanceContext {
    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        match rebalance {
            Rebalance::Assign(assigned) => {
                let mut book = lock(&self.book);
                for element in assigned.elements() {
                    book.assign((element.topic().to_owned(), element.partition()));
                }
                tracing::info!(partitions = %describe(assigned), "partitions assigned");
            }
            Rebalance::Revoke(revoked) => {
                let positions: Vec<(Partition, i64)> = {
                    let mut book = lock(&self.book);
                    revoked
                        .elements()
                        .iter()
                        .filter_map(|element| {
                            let partition = (element.topic().to_owned(), element.partition());
                            book.revoke(&partition)
                                .map(|position| (partition, position))
                        })
                        .collect()
                };
                tracing::info!(partitions = %describe(revoked), "partitions revoked");
                if !positions.is_empty() {
                    // Asynchronous: this runs on the thread polling the
                    // consumer, and librdkafka waits for outstanding commits
                    // before it rejoins the group.
                    if let Err(error) = commit(consumer, &positions, CommitMode::Async) {
                        tracing::warn!(%error, "committing revoked partitions failed");
                    }
                }
            }
            Rebalance::Error(error) => tracing::warn!(%error, "rebalance failed"),
        }
    }

    fn commit_callback(&self, result: KafkaResult<()>, offsets: &TopicPartitionList) {
        match result {
            Ok(()) => tracing::debug!(offsets = %describe(offsets), "offsets committed"),
            Err(error) => {
                tracing::warn!(%error, offsets = %describe(offsets), "offset commit failed; will retry");
                let mut book = lock(&self.book);
                for element in offsets.elements() {
                    if let Offset::Offset(position) = element.offset() {
                        let partition = (element.topic().to_owned(), element.partition());
                        book.commit_failed(&partition, position);
                    }
                }
            }
        }
    }
}

/// Commits `positions` (the next offset to read, per partition).
pub(crate) fn commit<C: ConsumerContext>(
    consumer: &impl Consumer<C>,
    positions: &[(Partition, i64)],
    mode: CommitMode,
) -> KafkaResult<()> {
    let mut list = TopicPartitionList::with_capacity(positions.len());
    for ((topic, partition), position) in positions {
        list.add_partition_offset(topic, *partition, Offset::Offset(*position))?;
    }
    consumer.commit(&list, mode)
}

fn describe(list: &TopicPartitionList) -> String {
    list.elements()
        .iter()
        .map(|element| format!("{}/{}", element.topic(), element.partition()))
        .collect::<Vec<_>>()
        .join(",")
}
