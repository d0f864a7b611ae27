//! What the consumer records through the `metrics` facade, labelled with its
//! group (the workers' and the servers' notifiers' are told apart).

use rdkafka::statistics::Statistics;

/// Events handled (the handler succeeded).
pub(crate) const HANDLED: &str = "sinmungo_events_handled_total";
/// Failed attempts that are tried again.
pub(crate) const RETRIED: &str = "sinmungo_event_retries_total";
/// Events given up on and sent to the dead-letter topic.
pub(crate) const DEAD_LETTERED: &str = "sinmungo_events_dead_lettered_total";
/// Events on the brokers not yet committed by this consumer's partitions.
pub(crate) const LAG: &str = "sinmungo_consumer_lag_events";

/// The `# HELP` lines (once the process's recorder is installed).
pub(crate) fn describe() {
    metrics::describe_counter!(HANDLED, "Events a consumer group handled");
    metrics::describe_counter!(
        RETRIED,
        "Failed attempts at an event that a consumer group tries again"
    );
    metrics::describe_counter!(
        DEAD_LETTERED,
        "Events a consumer group gave up on and sent to the dead-letter topic"
    );
    metrics::describe_gauge!(
        LAG,
        "Events on the brokers that this instance's partitions have not committed yet"
    );
}

/// Counts one event of `group` under `name`.
pub(crate) fn count(name: &'static str, group: &str) {
    metrics::counter!(name, "group" => group.to_owned()).increment(1);
}

/// Sets the lag of `group` per topic from librdkafka's statistics: the sum,
/// over the partitions this instance consumes, of the high watermark less
/// the committed offset (partitions with no committed offset yet count
/// nothing rather than a made-up number).
pub(crate) fn record_lag(group: &str, statistics: &Statistics) {
    for (name, topic) in &statistics.topics {
        let lag: i64 = topic
            .partitions
            .iter()
            // Partition -1 is librdkafka's internal "unassigned" one.
            .filter(|(id, partition)| **id >= 0 && partition.desired)
            .map(|(_, partition)| partition.consumer_lag.max(0))
            .sum();
        metrics::gauge!(LAG, "group" => group.to_owned(), "topic" => name.clone()).set(lag as f64);
    }
}
