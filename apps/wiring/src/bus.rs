//! Where the outbox relay publishes events: the in-process bus (embedded, the
//! default: triage runs in the server) or Kafka (`SINMUNGO_KAFKA_BROKERS`
//! set: the server only publishes, and the `sinmungo-worker` group analyses).
//!
//! The Kafka flags are shared with the worker, which reads them exactly as
//! the server does.

use std::str::FromStr;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Args;
use sinmungo_core::app::{AnalyzeReport, EventHandler, InProcessBus, Notify};
use sinmungo_core::ports::EventPublisher;
use sinmungo_kafka::{
    EventConsumer, KafkaConfig, KafkaPublisher, TopicLayout, DEFAULT_DEAD_LETTER_TOPIC,
    DEFAULT_GROUP_ID, DEFAULT_TOPIC,
};

/// The consumer group of the servers' notifiers.
pub const NOTIFY_GROUP_ID: &str = "sinmungo-notifiers";

/// How to reach Kafka (shared by the server and the worker).
#[derive(Debug, Clone, Args)]
pub struct KafkaArgs {
    /// Kafka bootstrap servers, host:port[,host:port…]. Unset (server): the embedded in-process bus, triage in the server.
    #[arg(long, env = "SINMUNGO_KAFKA_BROKERS")]
    pub kafka_brokers: Option<String>,

    /// Consumer group of the workers.
    #[arg(long, env = "SINMUNGO_KAFKA_GROUP", default_value = DEFAULT_GROUP_ID)]
    pub kafka_group: String,

    /// Consumer group of the servers' notifiers (every event notified once, whatever the number of servers).
    #[arg(long, env = "SINMUNGO_KAFKA_NOTIFY_GROUP", default_value = NOTIFY_GROUP_ID)]
    pub kafka_notify_group: String,

    /// Topic of report events.
    #[arg(long, env = "SINMUNGO_KAFKA_TOPIC", default_value = DEFAULT_TOPIC)]
    pub kafka_topic: String,

    /// Topic of events that failed every attempt.
    #[arg(long, env = "SINMUNGO_KAFKA_DLQ_TOPIC", default_value = DEFAULT_DEAD_LETTER_TOPIC)]
    pub kafka_dlq_topic: String,

    /// Extra librdkafka properties, key=value, comma-separated (e.g. security.protocol=SASL_SSL).
    #[arg(
        long,
        env = "SINMUNGO_KAFKA_PROPERTIES",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub kafka_properties: Vec<Property>,

    /// Create the events and dead-letter topics at start when the brokers lack them (without it a missing topic refuses the start, naming the command that creates it).
    #[arg(long, env = "SINMUNGO_KAFKA_CREATE_TOPICS")]
    pub kafka_create_topics: bool,

    /// Partitions of each topic --kafka-create-topics creates (unset: the broker's num.partitions).
    #[arg(long, env = "SINMUNGO_KAFKA_TOPIC_PARTITIONS", value_parser = clap::value_parser!(i32).range(1..))]
    pub kafka_topic_partitions: Option<i32>,

    /// Replicas of each partition of the topics --kafka-create-topics creates (unset: the broker's default.replication.factor).
    #[arg(long, env = "SINMUNGO_KAFKA_TOPIC_REPLICATION", value_parser = clap::value_parser!(i32).range(1..))]
    pub kafka_topic_replication: Option<i32>,
}

impl KafkaArgs {
    /// No Kafka: the embedded in-process bus.
    pub fn embedded() -> Self {
        Self {
            kafka_brokers: None,
            kafka_group: DEFAULT_GROUP_ID.to_owned(),
            kafka_notify_group: NOTIFY_GROUP_ID.to_owned(),
            kafka_topic: DEFAULT_TOPIC.to_owned(),
            kafka_dlq_topic: DEFAULT_DEAD_LETTER_TOPIC.to_owned(),
            kafka_properties: Vec::new(),
            kafka_create_topics: false,
            kafka_topic_partitions: None,
            kafka_topic_replication: None,
        }
    }

    /// How the topics `--kafka-create-topics` creates are laid out.
    pub fn topic_layout(&self) -> TopicLayout {
        TopicLayout {
            partitions: self.kafka_topic_partitions,
            replication: self.kafka_topic_replication,
        }
    }

    /// The defaults, with Kafka at `brokers`.
    pub fn with_brokers(brokers: impl Into<String>) -> Self {
        Self {
            kafka_brokers: Some(brokers.into()),
            ..Self::embedded()
        }
    }

    /// The adapter's settings (its defaults for what these flags do not
    /// cover), or `None` when no brokers are given (blank counts as unset).
    pub fn kafka_config(&self) -> Option<KafkaConfig> {
        let brokers = self
            .kafka_brokers
            .as_deref()
            .map(str::trim)
            .filter(|b| !b.is_empty())?;
        let mut config = KafkaConfig::new(brokers);
        config.group_id.clone_from(&self.kafka_group);
        config.topic.clone_from(&self.kafka_topic);
        config.dead_letter_topic.clone_from(&self.kafka_dlq_topic);
        config.properties = self
            .kafka_properties
            .iter()
            .map(|p| (p.key.clone(), p.value.clone()))
            .collect();
        Some(config)
    }
}

/// One librdkafka property; its value is never printed (it may be a password).
#[derive(Clone)]
pub struct Property {
    /// The property's name.
    pub key: String,
    /// Its value.
    pub value: String,
}

impl FromStr for Property {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once('=') {
            Some((key, value)) if !key.trim().is_empty() => Ok(Self {
                key: key.trim().to_owned(),
                value: value.to_owned(),
            }),
            _ => Err("expected key=value".to_owned()),
        }
    }
}

impl std::fmt::Debug for Property {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}=<redacted>", self.key)
    }
}

/// The relay's publisher for `kafka`: Kafka when brokers are configured (the
/// server does not analyse; the workers do, and the servers' notifier group
/// notifies), else the in-process bus handing each event to `analyze`, then
/// to `notify`, in this process. Logs which.
pub(crate) fn publisher(
    kafka: &KafkaArgs,
    analyze: &AnalyzeReport,
    notify: &Notify,
) -> anyhow::Result<Arc<dyn EventPublisher>> {
    match kafka.kafka_config() {
        Some(config) => {
            let publisher =
                KafkaPublisher::new(&config).context("configuring the Kafka publisher")?;
            tracing::info!(
                mode = "kafka",
                brokers = %config.brokers,
                topic = %config.topic,
                "events are published to Kafka; the sinmungo-worker group analyses reports"
            );
            if analyze.has_providers() {
                tracing::info!(
                    "AI providers are configured but unused by the server in Kafka mode \
                     (the workers run triage)"
                );
            }
            Ok(Arc::new(publisher))
        }
        None => {
            tracing::info!(
                mode = "embedded",
                ai = analyze.has_providers(),
                "events go to the in-process bus; triage and notifications run in the server"
            );
            let handlers: Vec<Arc<dyn EventHandler>> =
                vec![Arc::new(analyze.clone()), Arc::new(notify.clone())];
            Ok(Arc::new(InProcessBus::new(handlers)))
        }
    }
}

/// The server's notifier with Kafka: a consumer of the events topic in the
/// group `--kafka-notify-group`, handing each event to `notify` (one server
/// of the group notifies each event). `None` in the embedded profile, where
/// the in-process bus notifies.
pub fn notifier(kafka: &KafkaArgs, notify: &Notify) -> anyhow::Result<Option<EventConsumer>> {
    let Some(mut config) = kafka.kafka_config() else {
        return Ok(None);
    };
    config.group_id.clone_from(&kafka.kafka_notify_group);
    let consumer = EventConsumer::new(&config, Arc::new(notify.clone()))
        .context("joining the notifiers' Kafka consumer group")?;
    tracing::info!(group = %config.group_id, "notifications are consumed from Kafka");
    Ok(Some(consumer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_brokers_means_embedded_and_brokers_mean_kafka() {
        assert!(KafkaArgs::embedded().kafka_config().is_none());
        let blank = KafkaArgs {
            kafka_brokers: Some("  ".to_owned()),
            ..KafkaArgs::embedded()
        };
        assert!(blank.kafka_config().is_none());
        let mut args = KafkaArgs::with_brokers("k1:9092");
        args.kafka_topic = "events".to_owned();
        args.kafka_properties = vec!["sasl.password=hunter2".parse().unwrap()];
        let config = args.kafka_config().unwrap();
        assert_eq!(config.brokers, "k1:9092");
        assert_eq!(config.topic, "events");
        assert_eq!(config.group_id, "sinmungo-workers");
        assert!(!format!("{args:?}").contains("hunter2"));
    }
}
