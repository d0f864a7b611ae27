//! The topics events go through — the events topic and the dead-letter
//! topic — checked on the brokers, and created on request.
//!
//! A broker with topic auto-creation off (the usual production setting)
//! answers a publish to a missing topic with nothing a user sees: the relay
//! retries and the events wait in the outbox. So the binaries look before
//! they start, and `/ready` looks again; the check itself never creates a
//! topic (`allow.auto.create.topics=false`, which librdkafka otherwise turns
//! on for producer-type clients such as this admin client).

use std::sync::Arc;
use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::error::KafkaError as RdKafkaError;
use rdkafka::types::{RDKafkaErrorCode, RDKafkaRespErr};

use crate::config::KafkaConfig;
use crate::error::KafkaError;
use crate::logs::ClientLogs;

/// How long creating the topics may take.
const CREATE_TIMEOUT: Duration = Duration::from_secs(10);

/// How new topics are laid out; `None` leaves a value to the broker's
/// defaults (`num.partitions`, `default.replication.factor`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TopicLayout {
    /// Partitions of each topic created.
    pub partitions: Option<i32>,
    /// Replicas of each partition.
    pub replication: Option<i32>,
}

/// The events and dead-letter topics on the brokers of a [`KafkaConfig`].
#[derive(Clone)]
pub struct Topics {
    admin: Arc<AdminClient<ClientLogs>>,
    names: Vec<String>,
    brokers: String,
}

impl std::fmt::Debug for Topics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Topics")
            .field("names", &self.names)
            .field("brokers", &self.brokers)
            .finish_non_exhaustive()
    }
}

impl Topics {
    /// The topics `config` names, on its brokers. No connection is made yet.
    pub fn new(config: &KafkaConfig) -> Result<Self, KafkaError> {
        config.validate()?;
        let mut client = config.admin();
        client.set("allow.auto.create.topics", "false");
        let admin: AdminClient<ClientLogs> = client
            .create_with_context(ClientLogs)
            .map_err(|error| KafkaError::client(&error))?;
        Ok(Self {
            admin: Arc::new(admin),
            names: vec![config.topic.clone(), config.dead_letter_topic.clone()],
            brokers: config.brokers.clone(),
        })
    }

    /// The topics (events first, then dead letters).
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Which of the topics the brokers do not have, each asked about within
    /// `timeout`. An error means the brokers could not be asked
    /// (unreachable, or no answer in time), so nothing is known.
    pub async fn missing(&self, timeout: Duration) -> Result<Vec<String>, KafkaError> {
        let admin = self.admin.clone();
        let names = self.names.clone();
        tokio::task::spawn_blocking(move || {
            let mut missing = Vec::new();
            for name in names {
                let metadata =
                    admin
                        .inner()
                        .fetch_metadata(Some(&name), timeout)
                        .map_err(|error| {
                            KafkaError::Client(format!("asking the brokers about {name}: {error}"))
                        })?;
                match metadata.topics().iter().find(|t| t.name() == name) {
                    None => missing.push(name),
                    Some(topic) => match topic.error() {
                        None => {}
                        Some(RDKafkaRespErr::RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) => {
                            missing.push(name);
                        }
                        // A topic being created has no leader yet: it exists.
                        Some(RDKafkaRespErr::RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE) => {}
                        Some(other) => {
                            return Err(KafkaError::Client(format!(
                                "the brokers answered {:?} about {name}",
                                RDKafkaErrorCode::from(other)
                            )))
                        }
                    },
                }
            }
            Ok(missing)
        })
        .await
        .map_err(|error| KafkaError::Client(format!("the metadata request failed: {error}")))?
    }

    /// Creates `topics` as `layout` says (one that exists by now is fine).
    pub async fn create(&self, topics: &[String], layout: TopicLayout) -> Result<(), KafkaError> {
        let new: Vec<NewTopic<'_>> = topics
            .iter()
            .map(|name| {
                NewTopic::new(
                    name,
                    layout.partitions.unwrap_or(-1),
                    TopicReplication::Fixed(layout.replication.unwrap_or(-1)),
                )
            })
            .collect();
        let options = AdminOptions::new()
            .request_timeout(Some(CREATE_TIMEOUT))
            .operation_timeout(Some(CREATE_TIMEOUT));
        let results = self
            .admin
            .create_topics(&new, &options)
            .await
            .map_err(|error| creation_failed(&topics.join(", "), &error))?;
        for result in results {
            match result {
                Ok(name) => tracing::info!(topic = %name, ?layout, "Kafka topic created"),
                Err((name, RDKafkaErrorCode::TopicAlreadyExists)) => {
                    tracing::info!(topic = %name, "Kafka topic already exists");
                }
                Err((name, code)) => {
                    return Err(KafkaError::Client(format!(
                        "creating the Kafka topic {name} failed: {code}"
                    )))
                }
            }
        }
        Ok(())
    }

    /// The command an operator runs to create `topic` as `layout` says.
    pub fn create_command(&self, topic: &str, layout: TopicLayout) -> String {
        let mut command = format!(
            "kafka-topics.sh --bootstrap-server {} --create --topic {topic}",
            self.brokers
        );
        if let Some(partitions) = layout.partitions {
            command.push_str(&format!(" --partitions {partitions}"));
        }
        if let Some(replication) = layout.replication {
            command.push_str(&format!(" --replication-factor {replication}"));
        }
        command
    }
}

fn creation_failed(topics: &str, error: &RdKafkaError) -> KafkaError {
    KafkaError::Client(format!(
        "creating the Kafka topics {topics} failed: {error}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_names_the_topic_the_brokers_and_the_layout() {
        let topics = Topics::new(&KafkaConfig::new("k1:9092,k2:9092")).unwrap();
        assert_eq!(
            topics.names(),
            ["sinmungo.report-events", "sinmungo.report-events.dlq"]
        );
        assert_eq!(
            topics.create_command("sinmungo.report-events", TopicLayout::default()),
            "kafka-topics.sh --bootstrap-server k1:9092,k2:9092 --create --topic sinmungo.report-events"
        );
        let layout = TopicLayout {
            partitions: Some(12),
            replication: Some(3),
        };
        assert_eq!(
            topics.create_command("events", layout),
            "kafka-topics.sh --bootstrap-server k1:9092,k2:9092 --create --topic events \
             --partitions 12 --replication-factor 3"
        );
    }
}
