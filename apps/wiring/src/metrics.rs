//! The binaries' `/metrics`: the process's recorder with the build's
//! identity, the optional token, and the gauges read at each scrape (the
//! outbox's backlog, the database pools). The names are in the README.

use std::sync::Arc;

use async_trait::async_trait;
use clap::Args;
use sinmungo_core::app::Relay;
use sinmungo_http::metrics::{Metrics, MetricsEndpoint, Sampler};

use crate::secret::ApiSecret;
use crate::stores::OpenedStores;

/// `1`, labelled with the binary, its version and the commit it was built from.
const BUILD_INFO: &str = "sinmungo_build_info";
/// Events in the outbox not yet on the bus.
const OUTBOX_PENDING: &str = "sinmungo_outbox_pending_events";
/// How long the oldest of them has waited.
const OUTBOX_OLDEST_AGE: &str = "sinmungo_outbox_oldest_pending_age_seconds";
/// Database connections, by pool and state.
const DB_CONNECTIONS: &str = "sinmungo_db_pool_connections";
/// Events the relay put on the bus.
pub(crate) const RELAY_PUBLISHED: &str = "sinmungo_relay_published_events_total";
/// Relay rounds that failed, by cause.
pub(crate) const RELAY_FAILURES: &str = "sinmungo_relay_failures_total";

/// Who may read `/metrics`.
#[derive(Debug, Clone, Args)]
pub struct MetricsConfig {
    /// A bearer token GET /metrics requires (401 without it); unset, /metrics answers whoever reaches it.
    #[arg(long, env = "SINMUNGO_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<ApiSecret>,
}

impl MetricsConfig {
    /// No token: `/metrics` is open (for tests and embedding).
    pub fn open() -> Self {
        Self {
            metrics_token: None,
        }
    }
}

/// Installs this process's recorder (once; later calls share it) and
/// records which build of `binary` runs.
pub fn install_metrics(binary: &'static str) -> anyhow::Result<Metrics> {
    let metrics = Metrics::install()?;
    describe();
    metrics::gauge!(
        BUILD_INFO,
        "binary" => binary,
        "version" => env!("CARGO_PKG_VERSION"),
        // Set GIT_COMMIT when building (the Dockerfile's build argument does).
        "commit" => option_env!("GIT_COMMIT").filter(|c| !c.is_empty()).unwrap_or("unknown"),
    )
    .set(1.0);
    Ok(metrics)
}

/// `/metrics` over `metrics`, behind the configured token, sampling the
/// database pools of `stores` (and with `relay`, the outbox) at each scrape.
pub fn metrics_endpoint(
    config: &MetricsConfig,
    metrics: Metrics,
    stores: &OpenedStores,
    relay: Option<&Relay>,
) -> MetricsEndpoint {
    let endpoint = MetricsEndpoint::new(metrics)
        .with_token(config.metrics_token.as_ref().map(ApiSecret::expose))
        .sampling(Arc::new(PoolSampler(stores.clone())));
    match relay {
        Some(relay) => endpoint.sampling(Arc::new(OutboxSampler(relay.clone()))),
        None => endpoint,
    }
}

fn describe() {
    metrics::describe_gauge!(
        BUILD_INFO,
        "1, labelled with the binary, its version and the commit it was built from"
    );
    metrics::describe_gauge!(
        OUTBOX_PENDING,
        "Events in the outbox not yet published to the bus (the whole database's, read at scrape)"
    );
    metrics::describe_gauge!(
        OUTBOX_OLDEST_AGE,
        metrics::Unit::Seconds,
        "How long ago the oldest unpublished event occurred (0 when none waits)"
    );
    metrics::describe_gauge!(
        DB_CONNECTIONS,
        "Database connections of this instance, by pool and state (in_use, idle)"
    );
    metrics::describe_counter!(
        RELAY_PUBLISHED,
        "Events this instance's outbox relay published to the bus"
    );
    metrics::describe_counter!(
        RELAY_FAILURES,
        "Relay rounds that failed, by cause (bus: the bus refused the batch; store: the outbox could not be read or updated)"
    );
}

/// The outbox's backlog and the age of its oldest event.
struct OutboxSampler(Relay);

#[async_trait]
impl Sampler for OutboxSampler {
    async fn sample(&self) {
        match self.0.pending().await {
            Ok(pending) => metrics::gauge!(OUTBOX_PENDING).set(pending as f64),
            Err(error) => tracing::warn!(%error, "reading the outbox backlog for /metrics failed"),
        }
        match self.0.oldest_pending().await {
            Ok(oldest) => {
                let age = oldest.map_or(0.0, |at| {
                    (chrono::Utc::now() - at).num_milliseconds().max(0) as f64 / 1000.0
                });
                metrics::gauge!(OUTBOX_OLDEST_AGE).set(age);
            }
            Err(error) => {
                tracing::warn!(%error, "reading the outbox's oldest event for /metrics failed");
            }
        }
    }
}

/// The database pools' connections in use and idle.
struct PoolSampler(OpenedStores);

#[async_trait]
impl Sampler for PoolSampler {
    async fn sample(&self) {
        for usage in self.0.pool_usage() {
            for (state, count) in [("in_use", usage.in_use()), ("idle", usage.idle)] {
                metrics::gauge!(DB_CONNECTIONS, "pool" => usage.pool, "state" => state)
                    .set(f64::from(count));
            }
        }
    }
}
