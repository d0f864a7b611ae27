//! Sinmungo's event bus over Kafka (rdkafka, bundled librdkafka).
//!
//! - [`KafkaPublisher`] implements the core's `EventPublisher` port for the
//!   outbox relay: an idempotent producer, key = report id, value = the
//!   event envelope's JSON.
//! - [`EventConsumer`] delivers the topic to a core `EventHandler` (the
//!   worker's `analyze_report`): at least once, in order per report, with
//!   bounded concurrency, commits after handling, retries and a dead-letter
//!   topic, and a graceful shutdown.
//!
//! rdkafka's types stay inside this crate.

mod config;
mod consumer;
mod error;
pub mod headers;
mod logs;
mod publisher;

pub use config::{KafkaConfig, DEFAULT_DEAD_LETTER_TOPIC, DEFAULT_GROUP_ID, DEFAULT_TOPIC};
pub use consumer::{ConsumerStatus, EventConsumer};
pub use error::KafkaError;
pub use publisher::KafkaPublisher;
