//! The Sinmungo worker: consumes report events from Kafka and runs AI triage
//! (`analyze_report`) on `report.submitted`, storing each analysis (and its
//! `report.analyzed` event, through the outbox) in the server's database;
//! serves `POST /analyze`, `/health` and `/ready`.
//!
//! The store, the photo storage and the AI providers are built exactly as
//! the server builds them (`sinmungo-server`'s `open_stores`, `MediaConfig`
//! and `providers_from`).

pub mod config;
mod http;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use sinmungo_core::app::{AnalyzeReport, Policy};
use sinmungo_core::domain::rules::RuleSet;
use sinmungo_core::ports::{SystemClock, UuidV7Ids};
use sinmungo_crypto::Argon2Hasher;
use sinmungo_kafka::{EventConsumer, KafkaConfig};
use sinmungo_server::{open_stores, providers_from, OpenedStores};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use config::{Cli, ConsumerArgs, WorkerConfig};
pub use http::{router, WorkerState};
pub use sinmungo_server::{KafkaArgs, Property};

/// A worker bound to its address, its consumer joined to the group, ready to run.
pub struct Worker {
    listener: TcpListener,
    state: WorkerState,
    consumer: EventConsumer,
    stores: OpenedStores,
    body_limit: usize,
    kafka: KafkaConfig,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("listener", &self.listener)
            .field("consumer", &self.consumer)
            .field("kafka", &self.kafka)
            .finish_non_exhaustive()
    }
}

impl Worker {
    /// Opens the store, builds triage and the consumer, and binds `config.listen`.
    pub async fn bind(config: &WorkerConfig) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("binding {}", config.listen))?;
        Self::on_listener(config, listener).await
    }

    /// Like [`Worker::bind`], on a listener the caller bound (tests bind port 0).
    pub async fn on_listener(config: &WorkerConfig, listener: TcpListener) -> anyhow::Result<Self> {
        let policy = load_policy(config)?;
        let stores = open_stores(&config.store).await?;
        let media = config.media.open()?;
        let ports = stores.ports(
            Arc::new(Argon2Hasher::new()),
            Arc::new(SystemClock),
            Arc::new(UuidV7Ids),
            media.clone(),
            // Triage reads no stored secrets.
            Arc::new(sinmungo_server::NoSealer),
        );
        // Seeds the directory if the server has not yet, and checks the rules against it.
        sinmungo_server::build_use_cases(ports.clone(), &policy).await?;
        let providers = providers_from(&config.triage, Some(media))?;
        let analyze = AnalyzeReport::new(&ports, &policy, providers);
        if !analyze.has_providers() {
            tracing::warn!(
                "no AI provider configured: report.submitted events are acknowledged without \
                 analysis (the rules already ran at submission)"
            );
        }
        let kafka = config.kafka_config()?;
        let consumer = EventConsumer::new(&kafka, Arc::new(analyze.clone()))
            .context("joining the Kafka consumer group")?;
        let state = WorkerState {
            analyze,
            reports: stores.reports.clone(),
            consumer: consumer.status(),
        };
        Ok(Self {
            listener,
            state,
            consumer,
            stores,
            body_limit: config.body_limit,
            kafka,
        })
    }

    /// The address the HTTP endpoints listen on.
    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// Consumes and serves until `shutdown` completes; then stops fetching,
    /// finishes the events being handled, commits, drains HTTP requests and
    /// closes the store. An error means the consumer failed on its own.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let stop = CancellationToken::new();
        let consumer_stop = stop.clone();
        let mut consuming = tokio::spawn(self.consumer.run(async move {
            consumer_stop.cancelled().await;
        }));
        let router = router(self.state, self.body_limit);
        let http_stop = stop.clone();
        let serving = tokio::spawn(async move {
            axum::serve(self.listener, router)
                .with_graceful_shutdown(async move { http_stop.cancelled().await })
                .await
        });
        tracing::info!(
            brokers = %self.kafka.brokers,
            topic = %self.kafka.topic,
            group = %self.kafka.group_id,
            concurrency = self.kafka.concurrency,
            "worker running"
        );

        tokio::pin!(shutdown);
        let ended_early = tokio::select! {
            () = &mut shutdown => None,
            ended = &mut consuming => Some(ended),
        };
        stop.cancel();
        let consumed = match ended_early {
            Some(ended) => ended,
            None => consuming.await,
        };
        let served = serving.await;
        self.stores.close().await;

        consumed
            .context("the consumer task failed")?
            .context("the Kafka consumer stopped")?;
        served
            .context("the HTTP task failed")?
            .context("serving HTTP")?;
        Ok(())
    }
}

/// The built-in rules, or those of `config.rules` (the server's `SINMUNGO_RULES`).
fn load_policy(config: &WorkerConfig) -> anyhow::Result<Policy> {
    let mut policy = Policy::default();
    if let Some(path) = &config.rules {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading rules from {}", path.display()))?;
        policy.rules = Arc::new(
            RuleSet::parse(&text).with_context(|| format!("rules in {}", path.display()))?,
        );
    }
    Ok(policy)
}
