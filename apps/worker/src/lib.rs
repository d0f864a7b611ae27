//! The Sinmungo worker: consumes report events from Kafka and runs AI triage
//! (`analyze_report`) on `report.submitted` and on officials' requests
//! (`report.analysis_requested`), storing each analysis (and its
//! `report.analyzed` event, through the outbox) in the server's database;
//! serves `POST /analyze`, `/health`, `/ready` and `/metrics`.
//!
//! The store, the photo storage and the AI providers are built exactly as
//! the server builds them, by `sinmungo-wiring` (`build_triage`); the HTTP
//! endpoints are the HTTP adapter's `worker_router`.

pub mod config;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use sinmungo_http::metrics::{Metrics, MetricsEndpoint};
use sinmungo_http::{worker_router, WorkerState};
use sinmungo_kafka::{EventConsumer, KafkaConfig};
use sinmungo_wiring::OpenedStores;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use config::{Cli, ConsumerArgs, WorkerConfig};
pub use sinmungo_wiring::{KafkaArgs, Property};

/// A worker bound to its address, its consumer joined to the group, ready to run.
pub struct Worker {
    listener: TcpListener,
    state: WorkerState,
    metrics: MetricsEndpoint,
    recorder: Metrics,
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
        let recorder = sinmungo_wiring::install_metrics("sinmungo-worker")?;
        let kafka = config.kafka_config()?;
        // Before anything is opened: a missing topic refuses the start.
        let topics = sinmungo_wiring::checked_topics(&config.kafka).await?;
        let sinmungo_wiring::Triage { analyze, stores } = sinmungo_wiring::build_triage(
            &config.store,
            &config.media,
            &config.triage,
            config.rules.as_deref(),
            &config.masking,
        )
        .await?;
        if !analyze.has_providers() {
            tracing::warn!(
                "no AI provider configured: report.submitted events are acknowledged without \
                 analysis (the rules already ran at submission); requested analyses run the rules"
            );
        }
        let consumer = EventConsumer::new(&kafka, Arc::new(analyze.clone()))
            .context("joining the Kafka consumer group")?;
        let status = consumer.status();
        let state = WorkerState::new(analyze, stores.reports.clone(), move || status.is_running());
        let state = match topics {
            Some(check) => state.with_readiness(check),
            None => state,
        };
        let metrics =
            sinmungo_wiring::metrics_endpoint(&config.metrics, recorder.clone(), &stores, None);
        Ok(Self {
            listener,
            state,
            metrics,
            recorder,
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
        let router = sinmungo_http::metrics::track(
            worker_router(self.state, self.body_limit).merge(self.metrics.router()),
        );
        let upkeep = tokio::spawn(self.recorder.upkeep());
        let http_stop = stop.clone();
        let serving = tokio::spawn(sinmungo_http::serve(
            self.listener,
            router,
            sinmungo_http::ConnectionLimits::default(),
            async move {
                http_stop.cancelled().await;
            },
        ));
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
        upkeep.abort();
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
