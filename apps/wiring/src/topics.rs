//! The Kafka topics, checked before a binary starts and again by `/ready`:
//! a broker without the events topic (or the dead-letter topic) refuses
//! the start with the command that creates it, or — when the operator lets
//! the service do it (`--kafka-create-topics`) — gets them created.
//!
//! Brokers that do not answer are not a reason to refuse: events wait in
//! the outbox (or the topic) until they are back, as they would later.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use async_trait::async_trait;
use sinmungo_http::readiness::{NotReady, ReadinessCheck};
use sinmungo_kafka::{TopicLayout, Topics};
use tokio::sync::Mutex;

use crate::bus::KafkaArgs;

/// How long the start waits for the brokers' answer about each topic.
const START_TIMEOUT: Duration = Duration::from_secs(5);

/// How long `/ready` waits for it: well within a readiness probe's timeout,
/// since brokers that do not answer leave the instance ready anyway.
const READY_TIMEOUT: Duration = Duration::from_secs(1);

/// How long `/ready` reuses an answer, so probes do not each ask the brokers.
const FRESH_FOR: Duration = Duration::from_secs(2);

/// Checks the topics `kafka` names, creating the missing ones if it says
/// so; `None` without Kafka. Refuses (with the command to run) when a topic
/// is missing and creating is not allowed. The check returned is `/ready`'s.
pub async fn checked_topics(kafka: &KafkaArgs) -> anyhow::Result<Option<Arc<dyn ReadinessCheck>>> {
    let Some(config) = kafka.kafka_config() else {
        return Ok(None);
    };
    let topics = Topics::new(&config).context("configuring the Kafka topic check")?;
    let layout = kafka.topic_layout();
    match topics.missing(START_TIMEOUT).await {
        Ok(missing) if missing.is_empty() => {
            tracing::info!(topics = ?topics.names(), "Kafka topics found");
        }
        Ok(missing) if kafka.kafka_create_topics => {
            topics.create(&missing, layout).await?;
            let still = topics.missing(START_TIMEOUT).await?;
            if !still.is_empty() {
                bail!("the Kafka topics {still:?} were created but the brokers do not show them");
            }
        }
        Ok(missing) => bail!("{}", missing_message(&topics, &missing, layout)),
        Err(error) => tracing::warn!(
            %error,
            "could not ask the Kafka brokers whether the topics exist; starting anyway \
             (events wait until the brokers answer; /ready checks again)"
        ),
    }
    Ok(Some(Arc::new(TopicsReady {
        topics,
        layout,
        last: std::sync::Mutex::new(None),
        asking: Mutex::new(()),
    })))
}

/// What to tell an operator about `missing` topics.
fn missing_message(topics: &Topics, missing: &[String], layout: TopicLayout) -> String {
    let commands: Vec<String> = missing
        .iter()
        .map(|topic| format!("  {}", topics.create_command(topic, layout)))
        .collect();
    format!(
        "the Kafka topic{} {} do{} not exist (events would wait unpublished). Create {}:\n{}\n\
         or start with --kafka-create-topics (SINMUNGO_KAFKA_CREATE_TOPICS=true) to let the service create {}",
        if missing.len() == 1 { "" } else { "s" },
        missing.join(", "),
        if missing.len() == 1 { "es" } else { "" },
        if missing.len() == 1 { "it" } else { "them" },
        commands.join("\n"),
        if missing.len() == 1 { "it" } else { "them" },
    )
}

/// `/ready`'s look at the topics: 503 while one is missing.
struct TopicsReady {
    topics: Topics,
    layout: TopicLayout,
    /// The last answer and when it was made.
    last: std::sync::Mutex<Option<(Instant, Result<(), NotReady>)>>,
    /// Held while the brokers are asked: probes meanwhile take the last answer.
    asking: Mutex<()>,
}

impl std::fmt::Debug for TopicsReady {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TopicsReady")
            .field("topics", &self.topics)
            .finish_non_exhaustive()
    }
}

impl TopicsReady {
    fn last(&self) -> std::sync::MutexGuard<'_, Option<(Instant, Result<(), NotReady>)>> {
        self.last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// What the brokers say now: `Err` naming the missing topics and the
    /// commands that create them.
    async fn ask(&self) -> Result<(), NotReady> {
        match self.topics.missing(READY_TIMEOUT).await {
            Ok(missing) if missing.is_empty() => Ok(()),
            Ok(missing) => {
                tracing::error!(topics = ?missing, "Kafka topics are missing; not ready");
                let commands: Vec<String> = missing
                    .iter()
                    .map(|topic| self.topics.create_command(topic, self.layout))
                    .collect();
                Err(NotReady {
                    code: "kafka_topic_missing",
                    detail: format!(
                        "Kafka 토픽 {}이(가) 없습니다. 만드는 명령: {} (Kafka topic {} missing; create it with the command given)",
                        missing.join(", "),
                        commands.join(" ; "),
                        missing.join(", "),
                    ),
                })
            }
            // Unreachable brokers: events wait in the outbox; still ready.
            Err(error) => {
                tracing::warn!(%error, "could not ask the Kafka brokers about the topics");
                Ok(())
            }
        }
    }
}

#[async_trait]
impl ReadinessCheck for TopicsReady {
    async fn check(&self) -> Result<(), NotReady> {
        let last = self.last().clone();
        if let Some((at, answer)) = &last {
            if at.elapsed() < FRESH_FOR {
                return answer.clone();
            }
        }
        let Ok(_asking) = self.asking.try_lock() else {
            // Another probe is asking: answer what was known (ready at first).
            return last.map_or(Ok(()), |(_, answer)| answer);
        };
        let answer = self.ask().await;
        *self.last() = Some((Instant::now(), answer.clone()));
        answer
    }
}
