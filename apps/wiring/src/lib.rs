//! The composition root of every Sinmungo binary: reads configuration,
//! builds the adapters and hands them to the use cases. The server, the
//! worker and the CLI call it, then start their own server or loop; no
//! binary names an adapter's constructor itself.
//!
//! Each binary flattens the settings it needs ([`StoreConfig`],
//! [`TriageConfig`], [`MediaConfig`], [`KafkaArgs`], [`AccessConfig`],
//! [`OAuthArgs`]) into its own command line, so a setting reads the same in
//! every binary.

pub mod access;
mod application;
pub mod bus;
pub mod data_dir;
mod directory_cache;
pub mod duplicates;
pub mod jobs;
mod logging;
pub mod mail;
pub mod masking;
pub mod media;
pub mod metrics;
pub mod oauth;
pub mod readme;
mod relay;
mod secret;
mod secrets;
pub mod stores;
mod topics;
pub mod triage;
mod url;

pub use access::{AccessConfig, RateArg};
pub use application::{
    build_application, build_triage, build_use_cases, load_policy, Application, ApplicationConfig,
    Triage,
};
pub use bus::{notifier, KafkaArgs, Property, NOTIFY_GROUP_ID};
pub use duplicates::DuplicateConfig;
pub use jobs::{run_jobs, JobsConfig};
pub use logging::{init_tracing, LogFormat};
pub use mail::{mail_delivery, run_mail_delivery, MailConfig, MailLoop};
pub use masking::MaskingConfig;
pub use media::{photo_processor, MediaConfig};
pub use metrics::{install_metrics, metrics_endpoint, MetricsConfig};
pub use oauth::OAuthArgs;
pub use relay::{outbox_relay, run_relay, RelayWaker};
pub use secret::{ApiSecret, Secret};
pub use secrets::{jwt_secret, password_hasher, sealer, NoSealer};
pub use stores::{open_stores, OpenedStores, StoreConfig};
pub use topics::checked_topics;
pub use triage::{providers_from, TriageConfig};
pub use url::ConnectionUrl;

/// A Kafka consumer of the events topic, as [`notifier`] builds one.
pub use sinmungo_kafka::EventConsumer;
