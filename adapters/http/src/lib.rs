//! Sinmungo's HTTP adapter: the REST API under `/api/v1`, live updates over
//! WebSocket at `/api/v1/ws` ([`live`]), `/health` and `/ready`, with RFC
//! 9457 problem details for every error; Open311 GeoReport v2 under
//! `/open311/v2` ([`Open311Config`]); and the worker's internal endpoints
//! ([`worker_router`]).
//!
//! axum stays inside this crate: apps call [`router`] (or [`worker_router`])
//! and [`serve`].

mod ambiguity;
pub mod auth;
mod connections;
pub mod cors;
mod csv_text;
mod dto;
mod extract;
pub mod limits;
pub mod live;
pub mod metrics;
mod open311;
mod openapi;
mod problem;
pub mod readiness;
mod routes;
mod state;
pub mod stats;
mod upload;
mod worker;

use std::future::Future;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use connections::ConnectionLimits;
pub use open311::Open311Config;
pub use problem::ApiError;
pub use routes::{route_table_markdown, RouteRule, ROUTES};
pub use state::AppState;
pub use upload::PhotoIntake;
pub use worker::{worker_router, WorkerState};

/// Settings of the HTTP layer.
#[derive(Debug, Clone, Copy)]
pub struct HttpConfig {
    /// The largest request body accepted, in bytes (JSON bodies; photo
    /// uploads have [`UploadConfig`]'s limits instead).
    pub body_limit: usize,
    /// How long a request may take before it is answered 408.
    pub request_timeout: Duration,
    /// Photo uploads.
    pub uploads: UploadConfig,
}

impl Default for HttpConfig {
    /// 1 MiB bodies (photos have their own limits), 30-second requests.
    fn default() -> Self {
        Self {
            body_limit: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            uploads: UploadConfig::default(),
        }
    }
}

/// Limits of photo uploads (`multipart/form-data`), in bytes and in
/// concurrent work; how many pixels a photo may have is the
/// [`PhotoProcessor`](sinmungo_core::ports::PhotoProcessor)'s to say (422
/// `image_too_large` above it). Photos are checked and processed *inline*:
/// the answer comes once every photo is stored, so a report never shows a
/// photo that is still being worked on and a photo is never lost to a
/// process dying after the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadConfig {
    /// Largest photo, in bytes (413 `photo_too_large` above it).
    pub photo_max_bytes: usize,
    /// Largest upload request, in bytes (413 `upload_too_large` above it).
    pub upload_max_bytes: usize,
    /// Photos decoded at once across all requests (each holds about twice
    /// its decoded size, 72 MB for 12 megapixels, while it is processed).
    pub processing_slots: usize,
}

impl Default for UploadConfig {
    /// 10 MiB a photo, 30 MiB a request, one photo per CPU.
    fn default() -> Self {
        Self {
            photo_max_bytes: 10 * 1024 * 1024,
            upload_max_bytes: 30 * 1024 * 1024,
            processing_slots: std::thread::available_parallelism().map_or(2, usize::from),
        }
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The API with its middleware: request ids, tracing spans with the matched
/// route and one `info` line per answered request, body limit, timeout, and
/// panics answered as 500 problems; every error answer a layer makes is a
/// problem (`request_timeout` for the 408).
pub fn router(state: AppState, config: HttpConfig) -> Router {
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request| {
            let route = request.extensions().get::<MatchedPath>().map_or_else(
                || request.uri().path().to_owned(),
                |p| p.as_str().to_owned(),
            );
            let request_id = request
                .headers()
                .get(&REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-")
                .to_owned();
            tracing::info_span!("request", method = %request.method(), route, request_id)
        })
        // One line per request at `info`: the span's method, route and request
        // id, with the status and latency (the default is `debug`, silent).
        .on_response(
            tower_http::trace::DefaultOnResponse::new()
                .level(tracing::Level::INFO)
                .latency_unit(tower_http::LatencyUnit::Micros),
        );
    routes::routes(&config)
        .with_state(state.with_uploads(config))
        .layer(DefaultBodyLimit::max(config.body_limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            config.request_timeout,
        ))
        .layer(CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| -> Response {
                ApiError::internal(&anyhow::anyhow!("handler panicked")).into_response()
            },
        ))
        // Every answer a layer above made with a bare status becomes a problem.
        .layer(axum::middleware::map_response(
            problem::bare_errors_as_problems,
        ))
        .layer(axum::middleware::from_fn(ambiguity::refuse_ambiguous))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(trace)
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

/// Serves the router on a bound listener until `shutdown` completes, then
/// finishes the requests in flight; a connection's request head and the
/// connections of one address are bounded by `limits`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    connections::serve(listener, router, limits, shutdown).await
}
