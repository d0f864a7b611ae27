//! [`KafkaPublisher`]: the outbox relay's view of Kafka.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use rdkafka::error::{KafkaError as RdKafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord};
use sinmungo_core::domain::event::EventEnvelope;
use sinmungo_core::ports::{EventPublisher, PublishError};

use crate::config::KafkaConfig;
use crate::error::KafkaError;
use crate::headers;
use crate::logs::ClientLogs;

/// How long to wait before offering a message again when the producer's local queue is full.
const QUEUE_FULL_PAUSE: Duration = Duration::from_millis(10);

/// Publishes event envelopes to the events topic with an idempotent producer
/// (`enable.idempotence`, `acks=all`). The key is the report id, so one
/// report's events land in one partition, in order; the value is the
/// envelope's JSON; headers `event-type` and `event-id` repeat the envelope's.
#[derive(Clone)]
pub struct KafkaPublisher {
    producer: FutureProducer<ClientLogs>,
    topic: String,
    message_timeout: Duration,
}

impl std::fmt::Debug for KafkaPublisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaPublisher")
            .field("topic", &self.topic)
            .field("message_timeout", &self.message_timeout)
            .finish_non_exhaustive()
    }
}

impl KafkaPublisher {
    /// A publisher to `config.topic`. No connection is made yet: an
    /// unreachable broker shows as [`PublishError::Unavailable`] on publish.
    pub fn new(config: &KafkaConfig) -> Result<Self, KafkaError> {
        config.validate()?;
        let producer: FutureProducer<ClientLogs> = config
            .producer()
            .create_with_context(ClientLogs)
            .map_err(|error| KafkaError::client(&error))?;
        Ok(Self {
            producer,
            topic: config.topic.clone(),
            message_timeout: config.message_timeout,
        })
    }

    /// Hands one event to the producer's queue, waiting while the queue is full.
    async fn enqueue(
        &self,
        event: &EventEnvelope,
        payload: &[u8],
        deadline: Instant,
    ) -> Result<DeliveryFuture, PublishError> {
        let key = event.report_id.to_string();
        let id = event.id.to_string();
        let mut record = FutureRecord::to(&self.topic)
            .key(key.as_bytes())
            .payload(payload)
            .headers(event_headers(&event.event_type, &id));
        loop {
            match self.producer.send_result(record) {
                Ok(delivery) => return Ok(delivery),
                Err((RdKafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back))
                    if Instant::now() < deadline =>
                {
                    record = back;
                    tokio::time::sleep(QUEUE_FULL_PAUSE).await;
                }
                Err((error, _)) => {
                    return Err(PublishError::Unavailable(format!(
                        "event {} could not be queued: {error}",
                        event.id
                    )))
                }
            }
        }
    }
}

/// The headers of an event on the events topic.
pub(crate) fn event_headers(event_type: &str, event_id: &str) -> OwnedHeaders {
    OwnedHeaders::new()
        .insert(Header {
            key: headers::EVENT_TYPE,
            value: Some(event_type),
        })
        .insert(Header {
            key: headers::EVENT_ID,
            value: Some(event_id),
        })
}

#[async_trait]
impl EventPublisher for KafkaPublisher {
    /// Queues the batch in order (the idempotent producer keeps that order
    /// through retries) and returns once the brokers acknowledged every event;
    /// a broker that does not answer within the message timeout makes it
    /// [`PublishError::Unavailable`].
    #[tracing::instrument(skip_all, fields(events = events.len(), topic = %self.topic))]
    async fn publish(&self, events: &[EventEnvelope]) -> Result<(), PublishError> {
        let deadline = Instant::now() + self.message_timeout;
        let mut deliveries = Vec::with_capacity(events.len());
        for event in events {
            let payload = serde_json::to_vec(event)
                .map_err(|error| PublishError::Unknown(anyhow::Error::new(error)))?;
            deliveries.push((event.id, self.enqueue(event, &payload, deadline).await?));
        }
        for (id, delivery) in deliveries {
            match delivery.await {
                Ok(Ok(_)) => {}
                Ok(Err((error, _))) => {
                    tracing::warn!(%id, %error, "event not delivered");
                    return Err(PublishError::Unavailable(format!(
                        "event {id} not delivered: {error}"
                    )));
                }
                Err(_canceled) => {
                    return Err(PublishError::Unavailable(format!(
                        "event {id}: the producer shut down before delivery"
                    )))
                }
            }
        }
        Ok(())
    }
}
