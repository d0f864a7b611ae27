//! Header names on the events and dead-letter topics.

/// The envelope's `type`, so consumers can filter without parsing.
pub const EVENT_TYPE: &str = "event-type";
/// The envelope's `id`.
pub const EVENT_ID: &str = "event-id";
/// Why the event was dead-lettered (the last error, truncated).
pub const DLQ_ERROR: &str = "dlq-error";
/// How many times the handler was tried (0: the message was not an envelope).
pub const DLQ_ATTEMPTS: &str = "dlq-attempts";
/// The topic the event was consumed from.
pub const DLQ_ORIGINAL_TOPIC: &str = "dlq-original-topic";
/// Its partition.
pub const DLQ_ORIGINAL_PARTITION: &str = "dlq-original-partition";
/// Its offset.
pub const DLQ_ORIGINAL_OFFSET: &str = "dlq-original-offset";
/// The consumer group that gave up on it.
pub const DLQ_GROUP: &str = "dlq-group";
