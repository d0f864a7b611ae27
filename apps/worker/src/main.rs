//! `sinmungo-worker`: AI triage of submitted reports, fed by Kafka.
//!
//! The server writes each submitted report and its `report.submitted` event
//! in one transaction; its outbox relay publishes the event to Kafka (topic
//! `sinmungo.report-events`, key = report id). Workers in the consumer group
//! `sinmungo-workers` run triage on each event (photos → Roboflow, text →
//! the LLM, then the classification rules) and store the analysis with its
//! `report.analyzed` event in the same database. Delivery is at least once
//! and triage is idempotent per event, so a redelivered event changes
//! nothing; an event failing every attempt goes to
//! `sinmungo.report-events.dlq` with the error in its headers.
//!
//! ```text
//! SINMUNGO_DATABASE_URL=postgres://…        # the server's database (sqlite://… works too)
//! SINMUNGO_KAFKA_BROKERS=kafka-1:9092       # required
//! SINMUNGO_LLM_MODEL=google/gemini-2.0-flash-001 SINMUNGO_LLM_API_KEY=…
//! SINMUNGO_ROBOFLOW_MODEL=… SINMUNGO_ROBOFLOW_API_KEY=…   # optional
//! sinmungo-worker                           # --help lists every setting
//! ```
//!
//! Settings (flag, or environment variable): `--kafka-group`
//! (`SINMUNGO_KAFKA_GROUP`, default `sinmungo-workers`), `--concurrency`
//! (`SINMUNGO_WORKER_CONCURRENCY`, default 8: events handled at once, each
//! report's in order), `--max-attempts` (`SINMUNGO_WORKER_MAX_ATTEMPTS`,
//! default 5), `--kafka-properties` (`SINMUNGO_KAFKA_PROPERTIES`,
//! `key=value,…` passed to librdkafka, e.g. for SASL/TLS), `--listen`
//! (`SINMUNGO_WORKER_LISTEN`, default `127.0.0.1:8081`).
//!
//! HTTP (internal; no authentication): `POST /analyze` with
//! `{"title", "description", "photos": [base64…], "jurisdiction"}` answers
//! what triage would decide, storing nothing; `GET /health` answers while the
//! process runs; `GET /ready` answers 200 when the database answers, the
//! consumer runs and the events and dead-letter topics exist, 503 otherwise;
//! `GET /metrics` answers Prometheus's text format (behind
//! `SINMUNGO_METRICS_TOKEN` when it is set).
//!
//! At start it checks that both topics exist and refuses to start, naming
//! the `kafka-topics.sh` command, when one does not — unless
//! `--kafka-create-topics` lets it create them.
//!
//! On start it logs `worker listening` with its address. SIGINT or SIGTERM
//! stop it gracefully: fetching stops, events being handled are finished
//! (up to `SINMUNGO_WORKER_SHUTDOWN_TIMEOUT` seconds), handled offsets are
//! committed, and it exits 0. Events it did not finish are delivered again
//! to another worker.

use std::future::Future;
use std::process::ExitCode;

use clap::Parser as _;
use sinmungo_worker::{Cli, Worker, WorkerConfig};

/// mimalloc, as the server: glibc's malloc keeps large freed blocks in its
/// per-thread arenas (see `apps/server/src/main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let mut cli = Cli::parse();
    cli.config = cli.config.in_data_dir();
    sinmungo_wiring::init_tracing(&cli.config.log, cli.config.log_format);
    match run(&cli.config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "sinmungo-worker failed");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: &WorkerConfig) -> anyhow::Result<()> {
    let shutdown = shutdown_signal();
    let worker = Worker::bind(config).await?;
    let addr = worker.local_addr()?;
    tracing::info!(
        url = format!("http://{addr}"),
        database = %config.store.database_url,
        photos = %config.media.storage_url,
        "worker listening"
    );
    worker.run(shutdown).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM. The handlers are installed when
/// this is called, before the worker starts, so an early signal is not lost.
fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let interrupt = signal(SignalKind::interrupt()).ok();
        let terminate = signal(SignalKind::terminate()).ok();
        async move {
            let received = |stream: Option<tokio::signal::unix::Signal>| async move {
                match stream {
                    Some(mut stream) => {
                        stream.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = received(interrupt) => tracing::info!("SIGINT received, shutting down"),
                () = received(terminate) => tracing::info!("SIGTERM received, shutting down"),
            }
        }
    }
    #[cfg(not(unix))]
    async {
        if tokio::signal::ctrl_c().await.is_ok() {
            tracing::info!("Ctrl-C received, shutting down");
        } else {
            std::future::pending::<()>().await;
        }
    }
}
