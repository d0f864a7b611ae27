//! Sinmungo's HTTP adapter: the REST API under `/api/v1`, `/health` and
//! `/ready`, with RFC 9457 problem details for every error.
//!
//! axum stays inside this crate: apps call [`router`] and [`serve`].

pub mod auth;
mod dto;
mod extract;
mod problem;
mod routes;
mod state;

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

pub use problem::ApiError;
pub use state::AppState;

/// Settings of the HTTP layer.
#[derive(Debug, Clone, Copy)]
pub struct HttpConfig {
    /// The largest request body accepted, in bytes.
    pub body_limit: usize,
    /// How long a request may take before it is answered 408.
    pub request_timeout: Duration,
}

impl Default for HttpConfig {
    /// 1 MiB bodies (photos have their own limits), 30-second requests.
    fn default() -> Self {
        Self {
            body_limit: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
        }
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The API with its middleware: request ids, tracing spans with the matched
/// route, body limit, timeout, and panics answered as 500 problems.
pub fn router(state: AppState, config: HttpConfig) -> Router {
    let trace = TraceLayer::new_for_http().make_span_with(|request: &Request| {
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
    });
    routes::routes()
        .with_state(state)
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
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(trace)
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

/// Serves the router on a bound listener until `shutdown` completes, then
/// finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}
