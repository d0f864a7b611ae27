//! Configuration: flags, with `SINMUNGO_*` environment variables as fallbacks.
//! The store and the AI providers are read exactly as the server reads them.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Parser};
use sinmungo_kafka::KafkaConfig;
use sinmungo_wiring::{
    KafkaArgs, LogFormat, MaskingConfig, MediaConfig, MetricsConfig, StoreConfig, TriageConfig,
};

/// The Sinmungo worker: AI triage of submitted reports from Kafka, and `POST /analyze`.
#[derive(Debug, Parser)]
#[command(name = "sinmungo-worker", version, about, long_about = None)]
// The brokers are optional for the server (unset: embedded), required here.
#[command(mut_arg("kafka_brokers", |arg| {
    arg.required(true)
        .help("Kafka bootstrap servers, host:port[,host:port…]: where the server's relay publishes the events")
}))]
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

    /// Kafka (the server's flags).
    #[command(flatten)]
    pub kafka: KafkaArgs,

    /// How events are consumed.
    #[command(flatten)]
    pub consumer: ConsumerArgs,

    /// Who may read /metrics.
    #[command(flatten)]
    pub metrics: MetricsConfig,

    /// Address of the HTTP endpoints (/analyze, /health, /ready, /metrics); port 0 picks a free port.
    #[arg(long, env = "SINMUNGO_WORKER_LISTEN", default_value = "127.0.0.1:8081")]
    pub listen: SocketAddr,

    /// Largest accepted /analyze body, in bytes (photos come base64-encoded).
    #[arg(long, env = "SINMUNGO_WORKER_BODY_LIMIT", default_value_t = 16 * 1024 * 1024)]
    pub body_limit: usize,

    /// The server's data directory, where the embedded defaults keep the
    /// SQLite database and photos (relative paths are to the working directory).
    #[arg(long, env = "SINMUNGO_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// A TOML file of classification rules replacing the built-in Korean keyword rules (the server's).
    #[arg(long, env = "SINMUNGO_RULES")]
    pub rules: Option<PathBuf>,

    /// Masking of the text AI providers read (the server's settings).
    #[command(flatten)]
    pub masking: MaskingConfig,

    /// Log filter (tracing EnvFilter syntax), e.g. `info` or `sinmungo_kafka=debug,info`.
    #[arg(long, env = "SINMUNGO_LOG", default_value = "info")]
    pub log: String,

    /// Log format.
    #[arg(long, env = "SINMUNGO_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// How the worker consumes (worker-only settings; the Kafka connection is
/// [`KafkaArgs`], read as the server reads it).
#[derive(Debug, Clone, Args)]
pub struct ConsumerArgs {
    /// Events handled at once (each report's events stay in order).
    #[arg(long, env = "SINMUNGO_WORKER_CONCURRENCY", default_value_t = 8)]
    pub concurrency: usize,

    /// Attempts at an event before it goes to the dead-letter topic.
    #[arg(long, env = "SINMUNGO_WORKER_MAX_ATTEMPTS", default_value_t = 5)]
    pub max_attempts: u32,

    /// Seconds an event is retried while a dependency it needs (the store) stays
    /// unavailable, before it goes to the dead-letter topic.
    #[arg(
        long = "unavailable-give-up-secs",
        env = "SINMUNGO_WORKER_UNAVAILABLE_GIVE_UP_SECS",
        default_value_t = 900,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub unavailable_give_up_secs: u64,

    /// Seconds a shutdown waits for events being handled.
    #[arg(long, env = "SINMUNGO_WORKER_SHUTDOWN_TIMEOUT", default_value_t = 30)]
    pub shutdown_timeout_secs: u64,
}

impl WorkerConfig {
    /// The adapter's settings; the brokers are required.
    pub fn kafka_config(&self) -> anyhow::Result<KafkaConfig> {
        let mut config = self
            .kafka
            .kafka_config()
            .context("the worker needs Kafka: set SINMUNGO_KAFKA_BROKERS (--kafka-brokers)")?;
        config.concurrency = self.consumer.concurrency;
        config.max_attempts = self.consumer.max_attempts;
        config.unavailable_give_up = Duration::from_secs(self.consumer.unavailable_give_up_secs);
        config.shutdown_timeout = Duration::from_secs(self.consumer.shutdown_timeout_secs);
        Ok(config)
    }
}

impl WorkerConfig {
    /// The settings with the defaults that live in the data directory
    /// (`{data_dir}`: the database, the photos) resolved to it.
    #[must_use]
    pub fn in_data_dir(mut self) -> Self {
        self.store = self.store.in_data_dir(&self.data_dir);
        self.media = self.media.in_data_dir(&self.data_dir);
        self
    }

    /// The defaults, as if run with only the Kafka brokers given (for tests and embedding).
    pub fn with_brokers(brokers: impl Into<String>) -> Self {
        Self {
            store: StoreConfig::embedded_defaults(),
            triage: TriageConfig::rules_only(),
            media: MediaConfig::embedded_defaults(),
            kafka: KafkaArgs::with_brokers(brokers),
            consumer: ConsumerArgs {
                concurrency: 8,
                max_attempts: 5,
                unavailable_give_up_secs: 900,
                shutdown_timeout_secs: 30,
            },
            metrics: MetricsConfig::open(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8081)),
            body_limit: 16 * 1024 * 1024,
            data_dir: PathBuf::from("./data"),
            rules: None,
            masking: MaskingConfig::default(),
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
    fn the_readme_names_every_flag_and_variable() {
        let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"));
        let missing = sinmungo_wiring::readme::undocumented(&Cli::command(), readme);
        assert!(
            missing.is_empty(),
            "not in the README's configuration table: {missing:?}"
        );
    }

    #[test]
    fn flags_become_the_adapters_settings() {
        let cli = Cli::try_parse_from([
            "sinmungo-worker",
            "--kafka-brokers",
            "k1:9092,k2:9092",
            "--concurrency",
            "32",
            "--unavailable-give-up-secs",
            "60",
            "--kafka-properties",
            "security.protocol=SASL_SSL,sasl.password=hunter2",
        ])
        .unwrap();
        let kafka = cli.config.kafka_config().unwrap();
        assert_eq!(kafka.brokers, "k1:9092,k2:9092");
        assert_eq!(kafka.concurrency, 32);
        assert_eq!(kafka.unavailable_give_up, Duration::from_secs(60));
        assert_eq!(kafka.group_id, "sinmungo-workers");
        assert_eq!(kafka.topic, "sinmungo.report-events");
        assert_eq!(kafka.properties.len(), 2);
        assert_eq!(cli.config.listen.to_string(), "127.0.0.1:8081");
        assert!(!format!("{cli:?}").contains("hunter2"));
    }

    #[test]
    fn the_database_password_never_prints() {
        let cli = Cli::try_parse_from([
            "sinmungo-worker",
            "--kafka-brokers",
            "k1:9092",
            "--database-url",
            "postgres://sinmungo:hunter2@db.internal:5432/sinmungo",
            "--database-read-url",
            "postgres://reader:hunter3@replica.internal/sinmungo",
        ])
        .unwrap();
        let printed = format!("{cli:?}");
        assert!(
            !printed.contains("hunter2") && !printed.contains("hunter3"),
            "{printed}"
        );
        assert!(printed.contains("postgres://sinmungo:***@db.internal:5432/sinmungo"));
    }

    #[test]
    fn the_brokers_are_required() {
        assert!(Cli::try_parse_from(["sinmungo-worker"]).is_err());
    }
}
