//! Configuration: flags, with `SINMUNGO_*` environment variables as fallbacks.
//! The store and the AI providers are read exactly as the server reads them.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use clap::{Args, Parser};
use sinmungo_kafka::{KafkaConfig, DEFAULT_DEAD_LETTER_TOPIC, DEFAULT_GROUP_ID, DEFAULT_TOPIC};
use sinmungo_server::{LogFormat, MediaConfig, StoreConfig, TriageConfig};

/// The Sinmungo worker: AI triage of submitted reports from Kafka, and `POST /analyze`.
#[derive(Debug, Parser)]
#[command(name = "sinmungo-worker", version, about, long_about = None)]
pub struct Cli {
    /// Settings.
    #[command(flatten)]
    pub config: WorkerConfig,
}

/// Everything the worker reads at start.
#[derive(Debug, Clone, Args)]
pub struct WorkerConfig {
    /// The store (the server's database).
    #[command(flatten)]
    pub store: StoreConfig,

    /// The AI providers of triage.
    #[command(flatten)]
    pub triage: TriageConfig,

    /// Where the server stores photos (the detector reads reports' photos there).
    #[command(flatten)]
    pub media: MediaConfig,

    /// Kafka.
    #[command(flatten)]
    pub kafka: KafkaArgs,

    /// Address of the HTTP endpoints (/analyze, /health, /ready); port 0 picks a free port.
    #[arg(long, env = "SINMUNGO_WORKER_LISTEN", default_value = "127.0.0.1:8081")]
    pub listen: SocketAddr,

    /// Largest accepted /analyze body, in bytes (photos come base64-encoded).
    #[arg(long, env = "SINMUNGO_WORKER_BODY_LIMIT", default_value_t = 16 * 1024 * 1024)]
    pub body_limit: usize,

    /// A TOML file of classification rules replacing the built-in Korean keyword rules (the server's).
    #[arg(long, env = "SINMUNGO_RULES")]
    pub rules: Option<PathBuf>,

    /// Log filter (tracing EnvFilter syntax), e.g. `info` or `sinmungo_kafka=debug,info`.
    #[arg(long, env = "SINMUNGO_LOG", default_value = "info")]
    pub log: String,

    /// Log format.
    #[arg(long, env = "SINMUNGO_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// How the worker reaches Kafka and consumes from it.
#[derive(Debug, Clone, Args)]
pub struct KafkaArgs {
    /// Kafka bootstrap servers, host:port[,host:port…].
    #[arg(long, env = "SINMUNGO_KAFKA_BROKERS")]
    pub kafka_brokers: String,

    /// Consumer group of the workers.
    #[arg(long, env = "SINMUNGO_KAFKA_GROUP", default_value = DEFAULT_GROUP_ID)]
    pub kafka_group: String,

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

    /// Events handled at once (each report's events stay in order).
    #[arg(long, env = "SINMUNGO_WORKER_CONCURRENCY", default_value_t = 8)]
    pub concurrency: usize,

    /// Attempts at an event before it goes to the dead-letter topic.
    #[arg(long, env = "SINMUNGO_WORKER_MAX_ATTEMPTS", default_value_t = 5)]
    pub max_attempts: u32,

    /// Seconds a shutdown waits for events being handled.
    #[arg(long, env = "SINMUNGO_WORKER_SHUTDOWN_TIMEOUT", default_value_t = 30)]
    pub shutdown_timeout_secs: u64,
}

impl KafkaArgs {
    /// The adapter's settings.
    pub fn kafka_config(&self) -> KafkaConfig {
        let mut config = KafkaConfig::new(self.kafka_brokers.clone());
        config.group_id.clone_from(&self.kafka_group);
        config.topic.clone_from(&self.kafka_topic);
        config.dead_letter_topic.clone_from(&self.kafka_dlq_topic);
        config.concurrency = self.concurrency;
        config.max_attempts = self.max_attempts;
        config.shutdown_timeout = Duration::from_secs(self.shutdown_timeout_secs);
        config.properties = self
            .kafka_properties
            .iter()
            .map(|p| (p.key.clone(), p.value.clone()))
            .collect();
        config
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

impl WorkerConfig {
    /// The defaults, as if run with only the Kafka brokers given (for tests and embedding).
    pub fn with_brokers(brokers: impl Into<String>) -> Self {
        Self {
            store: StoreConfig::embedded_defaults(),
            triage: TriageConfig::rules_only(),
            media: MediaConfig::embedded_defaults(),
            kafka: KafkaArgs {
                kafka_brokers: brokers.into(),
                kafka_group: DEFAULT_GROUP_ID.to_owned(),
                kafka_topic: DEFAULT_TOPIC.to_owned(),
                kafka_dlq_topic: DEFAULT_DEAD_LETTER_TOPIC.to_owned(),
                kafka_properties: Vec::new(),
                concurrency: 8,
                max_attempts: 5,
                shutdown_timeout_secs: 30,
            },
            listen: SocketAddr::from(([127, 0, 0, 1], 8081)),
            body_limit: 16 * 1024 * 1024,
            rules: None,
            log: "info".to_owned(),
            log_format: LogFormat::Text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn flags_become_the_adapters_settings() {
        let cli = Cli::try_parse_from([
            "sinmungo-worker",
            "--kafka-brokers",
            "k1:9092,k2:9092",
            "--concurrency",
            "32",
            "--kafka-properties",
            "security.protocol=SASL_SSL,sasl.password=hunter2",
        ])
        .unwrap();
        let kafka = cli.config.kafka.kafka_config();
        assert_eq!(kafka.brokers, "k1:9092,k2:9092");
        assert_eq!(kafka.concurrency, 32);
        assert_eq!(kafka.group_id, "sinmungo-workers");
        assert_eq!(kafka.topic, "sinmungo.report-events");
        assert_eq!(kafka.properties.len(), 2);
        assert_eq!(cli.config.listen.to_string(), "127.0.0.1:8081");
        assert!(!format!("{cli:?}").contains("hunter2"));
    }

    #[test]
    fn the_brokers_are_required() {
        assert!(Cli::try_parse_from(["sinmungo-worker"]).is_err());
    }
}
