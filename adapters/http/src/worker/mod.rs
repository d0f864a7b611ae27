//! The worker's HTTP endpoints: `POST /analyze`, `GET /health`, `GET /ready`
//! (and `GET /metrics`, which the worker merges in from [`crate::metrics`]).
//! Internal: bind them to loopback or a private network (no authentication).
//!
//! Errors are the API's problem details ([`ApiError`]). Whatever feeds the
//! worker events stays outside: `/ready` only asks whether it runs.

mod analyze;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use sinmungo_core::app::AnalyzeReport;
use sinmungo_core::ports::ReportStore;

use crate::ApiError;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// How long one request may take (an analysis waits for the AI providers and their retries).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// Whether the worker's event consumer is running.
type ConsumerRunning = Arc<dyn Fn() -> bool + Send + Sync>;

/// What the endpoints need.
#[derive(Clone)]
pub struct WorkerState {
    analyze: AnalyzeReport,
    reports: Arc<dyn ReportStore>,
    consumer_running: ConsumerRunning,
    readiness: crate::readiness::Checks,
}

impl WorkerState {
    /// Triage for `/analyze`; the store `/ready` pings; and whether the
    /// event consumer runs, which `/ready` requires.
    pub fn new(
        analyze: AnalyzeReport,
        reports: Arc<dyn ReportStore>,
        consumer_running: impl Fn() -> bool + Send + Sync + 'static,
    ) -> Self {
        Self {
            analyze,
            reports,
            consumer_running: Arc::new(consumer_running),
            readiness: Arc::new([]),
        }
    }

    /// The same state with `/ready` also requiring `check`.
    #[must_use]
    pub fn with_readiness(self, check: Arc<dyn crate::readiness::ReadinessCheck>) -> Self {
        let readiness = self.readiness.iter().cloned().chain([check]).collect();
        Self { readiness, ..self }
    }
}

impl std::fmt::Debug for WorkerState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerState")
            .field("analyze", &self.analyze)
            .field("consumer_running", &(self.consumer_running)())
            .finish_non_exhaustive()
    }
}

/// The worker's routes, with request tracing (spans carry the matched
/// route), a body limit and a timeout.
pub fn worker_router(state: WorkerState, body_limit: usize) -> Router {
    let trace = TraceLayer::new_for_http().make_span_with(|request: &Request| {
        let route = request.extensions().get::<MatchedPath>().map_or_else(
            || request.uri().path().to_owned(),
            |p| p.as_str().to_owned(),
        );
        tracing::info_span!("request", method = %request.method(), route)
    });
    Router::new()
        .route("/analyze", post(analyze::analyze))
        .route("/health", get(health))
        .route("/ready", get(ready))
        .with_state(state)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(axum::middleware::map_response(
            crate::problem::bare_errors_as_problems,
        ))
        .layer(trace)
}

/// `GET /health`: 200 while the process serves.
async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /ready`: 200 when the store answers, the consumer runs and every
/// added check passes (the Kafka topics exist), else 503.
async fn ready(State(state): State<WorkerState>) -> Result<Json<Value>, ApiError> {
    let store = state.reports.ping().await;
    let consuming = (state.consumer_running)();
    match (&store, consuming) {
        (Ok(()), true) => match crate::readiness::first_failure(&state.readiness).await {
            Some(problem) => Err(problem),
            None => Ok(Json(json!({ "status": "ready" }))),
        },
        _ => {
            let detail = match store {
                Err(_) => "the database does not answer",
                Ok(()) => "the event consumer is not running",
            };
            Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_ready",
                "Not ready",
                detail,
            ))
        }
    }
}
