//! Sinmungo's event bus over Kafka (rdkafka, bundled librdkafka).
//!
//! - [`KafkaPublisher`] implements the core's `EventPublisher` port for the
//!   outbox relay: an idempotent producer, key = report id, value = the
//!   event envelope's JSON.
//! - [`EventConsumer`] delivers the topic to a core `EventHandler` (the
//!   worker's `analyze_report`): at least once, in order per report, with
//!   bounded concurrency, commits after handling, retries and a dead-letter
//!   topic, and a graceful shutdown.
//! - [`Topics`] checks that the events and dead-letter topics exist on the
//!   brokers, and creates them when the operator lets it.
//!
//! The consumer records how many events it handled, retried and
//! dead-lettered, and its lag, through the `metrics` facade (the README
//! lists the names).
//!
//! rdkafka's types stay inside this crate.

mod config;
mod consumer;
mod error;
pub mod headers;
mod logs;
mod publisher;
mod topics;

pub use config::{KafkaConfig, DEFAULT_DEAD_LETTER_TOPIC, DEFAULT_GROUP_ID, DEFAULT_TOPIC};
pub use consumer::{ConsumerStatus, EventConsumer};
pub use error::KafkaError;
pub use publisher::KafkaPublisher;
pub use topics::{TopicLayout, Topics};
