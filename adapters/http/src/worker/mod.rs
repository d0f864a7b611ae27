//! The worker's HTTP endpoints: `POST /analyze`, `GET /health`, `GET /ready`.
//! Internal: bind them to loopback or a private network (no authentication).

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
use sinmungo_http::ApiError;
use sinmungo_kafka::ConsumerStatus;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// How long one request may take (an analysis waits for the AI providers and their retries).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// What the endpoints need.
#[derive(Clone)]
pub struct WorkerState {
    /// Triage, for `/analyze`.
    pub analyze: AnalyzeReport,
    /// The store, pinged by `/ready`.
    pub reports: Arc<dyn ReportStore>,
    /// The consumer, which `/ready` requires to be running.
    pub consumer: ConsumerStatus,
}

impl std::fmt::Debug for WorkerState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerState")
            .field("analyze", &self.analyze)
            .field("consumer", &self.consumer)
            .finish_non_exhaustive()
    }
}

/// The routes, with request tracing (spans carry the matched route), a body
/// limit and a timeout.
pub fn router(state: WorkerState, body_limit: usize) -> Router {
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
        .layer(trace)
}

/// `GET /health`: 200 while the process serves.
async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /ready`: 200 when the store answers and the consumer runs, else 503.
async fn ready(State(state): State<WorkerState>) -> Result<Json<Value>, ApiError> {
    let store = state.reports.ping().await;
    let consuming = state.consumer.is_running();
    match (&store, consuming) {
        (Ok(()), true) => Ok(Json(json!({ "status": "ready" }))),
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
