//! Settings shared by the publisher and the consumer.

use std::time::Duration;

use rdkafka::ClientConfig;

use crate::error::KafkaError;

/// The topic report events are published to.
pub const DEFAULT_TOPIC: &str = "sinmungo.report-events";
/// Where events go after their last failed attempt.
pub const DEFAULT_DEAD_LETTER_TOPIC: &str = "sinmungo.report-events.dlq";
/// The consumer group of the workers.
pub const DEFAULT_GROUP_ID: &str = "sinmungo-workers";

/// How often a consumer's statistics (and with them its lag) are read.
const STATISTICS_INTERVAL: Duration = Duration::from_secs(5);

/// How to reach Kafka and how to consume from it. [`KafkaConfig::new`] gives
/// the defaults; every field may be changed before use.
#[derive(Clone)]
pub struct KafkaConfig {
    /// `bootstrap.servers`: `host:port[,host:port…]`.
    pub brokers: String,
    /// Events topic (default [`DEFAULT_TOPIC`]).
    pub topic: String,
    /// Dead-letter topic (default [`DEFAULT_DEAD_LETTER_TOPIC`]).
    pub dead_letter_topic: String,
    /// Consumer group (default [`DEFAULT_GROUP_ID`]).
    pub group_id: String,
    /// How many events a consumer handles at once (default 8).
    pub concurrency: usize,
    /// Attempts at an event before it goes to the dead-letter topic (default 5).
    pub max_attempts: u32,
    /// Wait after the first failed attempt; doubles per attempt, with jitter (default 500 ms).
    pub retry_backoff: Duration,
    /// Longest wait between attempts (default 30 s).
    pub max_retry_backoff: Duration,
    /// How long an event whose handler keeps failing as `Unavailable` (a
    /// dependency is down) is retried before it goes to the dead-letter topic
    /// (default 15 min). Such failures do not count towards `max_attempts`:
    /// an outage would otherwise dead-letter every event within seconds.
    pub unavailable_give_up: Duration,
    /// `message.timeout.ms`: how long the producer tries before a send fails (default 10 s).
    pub message_timeout: Duration,
    /// How often handled offsets are committed while consuming (default 1 s);
    /// they are also committed on revocation and on shutdown.
    pub commit_interval: Duration,
    /// How long shutdown waits for events being handled (default 30 s).
    pub shutdown_timeout: Duration,
    /// Extra librdkafka properties (`security.protocol`, `sasl.*`, …), applied
    /// last to every client, so they override the settings above.
    pub properties: Vec<(String, String)>,
}

impl KafkaConfig {
    /// The defaults, for the brokers at `brokers`.
    pub fn new(brokers: impl Into<String>) -> Self {
        Self {
            brokers: brokers.into(),
            topic: DEFAULT_TOPIC.to_owned(),
            dead_letter_topic: DEFAULT_DEAD_LETTER_TOPIC.to_owned(),
            group_id: DEFAULT_GROUP_ID.to_owned(),
            concurrency: 8,
            max_attempts: 5,
            retry_backoff: Duration::from_millis(500),
            max_retry_backoff: Duration::from_secs(30),
            unavailable_give_up: Duration::from_secs(900),
            message_timeout: Duration::from_secs(10),
            commit_interval: Duration::from_secs(1),
            shutdown_timeout: Duration::from_secs(30),
            properties: Vec::new(),
        }
    }

    /// Adds an extra librdkafka property.
    #[must_use]
    pub fn with_property(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.properties.push((key.into(), value.into()));
        self
    }

    pub(crate) fn validate(&self) -> Result<(), KafkaError> {
        let problem = if self.brokers.trim().is_empty() {
            "no brokers given"
        } else if self.topic.is_empty() || self.dead_letter_topic.is_empty() {
            "a topic name is empty"
        } else if self.topic == self.dead_letter_topic {
            "the dead-letter topic must differ from the events topic"
        } else if self.group_id.is_empty() {
            "the group id is empty"
        } else if self.concurrency == 0 {
            "concurrency must be at least 1"
        } else if self.max_attempts == 0 {
            "max attempts must be at least 1"
        } else if self.unavailable_give_up.is_zero() {
            "the time to give up on an unavailable dependency must be positive"
        } else if self.message_timeout.is_zero() {
            "the message timeout must be positive"
        } else {
            return Ok(());
        };
        Err(KafkaError::Config(problem.to_owned()))
    }

    /// An idempotent producer's settings: every acknowledged event is on all
    /// in-sync replicas once, in order, and a send fails after `message_timeout`.
    pub(crate) fn producer(&self) -> ClientConfig {
        let mut config = self.common();
        config
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("message.timeout.ms", millis(self.message_timeout));
        self.extras(config)
    }

    /// A group consumer's settings: offsets are committed by the consumer
    /// itself, only for handled events.
    pub(crate) fn consumer(&self) -> ClientConfig {
        let mut config = self.common();
        config
            .set("group.id", &self.group_id)
            .set("enable.auto.commit", "false")
            // A new group starts at the oldest event: nothing submitted before
            // the first worker started is skipped.
            .set("auto.offset.reset", "earliest")
            .set("enable.partition.eof", "false")
            // Statistics (the consumer lag metric) every few seconds.
            .set("statistics.interval.ms", millis(STATISTICS_INTERVAL));
        self.extras(config)
    }

    /// An admin client's settings (checking and creating topics).
    pub(crate) fn admin(&self) -> ClientConfig {
        self.extras(self.common())
    }

    fn common(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", &self.brokers)
            .set("client.id", "sinmungo");
        config
    }

    fn extras(&self, mut config: ClientConfig) -> ClientConfig {
        for (key, value) in &self.properties {
            config.set(key, value);
        }
        config
    }
}

fn millis(duration: Duration) -> String {
    duration.as_millis().max(1).to_string()
}

/// Property names whose values must not appear in logs.
fn is_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    [
        "password",
        "secret",
        "oauthbearer.config",
        ".pem",
        "ssl.key",
    ]
    .iter()
    .any(|word| key.contains(word))
}

impl std::fmt::Debug for KafkaConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let properties: Vec<(&str, &str)> = self
            .properties
            .iter()
            .map(|(key, value)| {
                let shown = if is_secret(key) { "<redacted>" } else { value };
                (key.as_str(), shown)
            })
            .collect();
        f.debug_struct("KafkaConfig")
            .field("brokers", &self.brokers)
            .field("topic", &self.topic)
            .field("dead_letter_topic", &self.dead_letter_topic)
            .field("group_id", &self.group_id)
            .field("concurrency", &self.concurrency)
            .field("max_attempts", &self.max_attempts)
            .field("retry_backoff", &self.retry_backoff)
            .field("max_retry_backoff", &self.max_retry_backoff)
            .field("unavailable_give_up", &self.unavailable_give_up)
            .field("message_timeout", &self.message_timeout)
            .field("commit_interval", &self.commit_interval)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("properties", &properties)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_ones() {
        let config = KafkaConfig::new("localhost:9092");
        assert_eq!(config.topic, "sinmungo.report-events");
        assert_eq!(config.dead_letter_topic, "sinmungo.report-events.dlq");
        assert_eq!(config.group_id, "sinmungo-workers");
        assert_eq!(config.concurrency, 8);
        assert_eq!(config.max_attempts, 5);
        assert_eq!(config.unavailable_give_up, Duration::from_secs(900));
        assert!(config.validate().is_ok());
    }

    #[test]
    fn the_producer_is_idempotent_and_extras_override() {
        let config = KafkaConfig::new("b:9092").with_property("linger.ms", "0");
        let producer = config.producer();
        assert_eq!(producer.get("enable.idempotence"), Some("true"));
        assert_eq!(producer.get("acks"), Some("all"));
        assert_eq!(producer.get("message.timeout.ms"), Some("10000"));
        assert_eq!(producer.get("linger.ms"), Some("0"));
        let consumer = config.consumer();
        assert_eq!(consumer.get("enable.auto.commit"), Some("false"));
        assert_eq!(consumer.get("auto.offset.reset"), Some("earliest"));
        assert_eq!(consumer.get("group.id"), Some("sinmungo-workers"));
    }

    #[test]
    fn nonsense_is_refused() {
        let mut config = KafkaConfig::new("b:9092");
        config.concurrency = 0;
        assert!(config.validate().is_err());
        let mut config = KafkaConfig::new("b:9092");
        config.dead_letter_topic = config.topic.clone();
        assert!(config.validate().is_err());
        assert!(KafkaConfig::new(" ").validate().is_err());
    }

    #[test]
    fn secrets_never_print() {
        let config = KafkaConfig::new("b:9092")
            .with_property("sasl.password", "hunter2-hunter2")
            .with_property("sasl.username", "worker");
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2"));
        assert!(shown.contains("worker"));
    }
}
