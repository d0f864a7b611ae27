//! Prometheus metrics: the process's recorder (the `metrics` facade's, which
//! every adapter and app records through), the request metrics of a router
//! ([`track`]), and `GET /metrics` in Prometheus's text format
//! ([`MetricsEndpoint`]), served by the binary's own router — no listener of
//! the exporter's.
//!
//! Metric names follow Prometheus's conventions: `sinmungo_` first, the unit
//! in the name (`_seconds`), `_total` on counters. The README lists them all.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sha2::{Digest as _, Sha256};
use tower::{Layer, Service};

use crate::ApiError;

/// Requests answered, by method, route template and status class.
pub const HTTP_REQUESTS: &str = "sinmungo_http_requests_total";
/// Time from a request's arrival to its answer, by method, route template and status class.
pub const HTTP_REQUEST_DURATION: &str = "sinmungo_http_request_duration_seconds";
/// Open live (WebSocket) connections.
pub const WEBSOCKET_CONNECTIONS: &str = "sinmungo_websocket_connections";

/// The route label of a request no route matched (never the raw path: any
/// client could make up paths and with them new series).
const UNMATCHED: &str = "unmatched";

/// Bucket bounds of every `_seconds` histogram: from a cached read (1 ms) to
/// an AI call that waits for its retries (60 s).
const SECONDS_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// How often recorded histogram values are folded into their buckets
/// between scrapes, so memory stays flat however long nobody scrapes.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// How long one [`Sampler`] may take before a scrape goes on without it.
const SAMPLE_TIMEOUT: Duration = Duration::from_secs(2);

/// The process's Prometheus recorder.
#[derive(Debug, Clone)]
pub struct Metrics {
    handle: PrometheusHandle,
}

/// Another recorder was installed in this process before ours.
#[derive(Debug, thiserror::Error)]
#[error("the metrics recorder could not be installed: {0}")]
pub struct MetricsError(String);

impl Metrics {
    /// The recorder of this process, installed as the `metrics` facade's
    /// global recorder on the first call (later calls, and every server a
    /// test starts in one process, share it).
    pub fn install() -> Result<Self, MetricsError> {
        static INSTALLED: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();
        INSTALLED
            .get_or_init(|| {
                let handle = PrometheusBuilder::new()
                    .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), SECONDS_BUCKETS)
                    .map_err(|e| e.to_string())?
                    .install_recorder()
                    .map_err(|e| e.to_string())?;
                describe();
                Ok(handle)
            })
            .clone()
            .map(|handle| Self { handle })
            .map_err(MetricsError)
    }

    /// Everything recorded so far, in Prometheus's text format.
    pub fn render(&self) -> String {
        self.handle.render()
    }

    /// Folds recorded histogram values into their buckets every few
    /// seconds, forever: run it beside the server (it ends when dropped).
    pub async fn upkeep(self) {
        let mut tick = tokio::time::interval(UPKEEP_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            self.handle.run_upkeep();
        }
    }
}

/// The `# HELP` lines of this crate's metrics.
fn describe() {
    metrics::describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by method, route template and status class"
    );
    metrics::describe_histogram!(
        HTTP_REQUEST_DURATION,
        metrics::Unit::Seconds,
        "Time from a request's arrival to its answer, by method, route template and status class"
    );
    metrics::describe_gauge!(
        WEBSOCKET_CONNECTIONS,
        "Live (WebSocket) connections open on this instance"
    );
}

/// Something measured when `/metrics` is scraped rather than as it happens
/// (the outbox's backlog, the database pools): it sets its gauges. A sampler
/// that fails leaves its gauges as they were and says why in the log.
#[async_trait]
pub trait Sampler: Send + Sync {
    /// Sets the gauges to what they are now.
    async fn sample(&self);
}

/// `GET /metrics`: the recorder's text, after the samplers ran, behind an
/// optional bearer token.
#[derive(Clone)]
pub struct MetricsEndpoint {
    metrics: Metrics,
    /// SHA-256 of the token a scrape must present, when one is set.
    token: Option<[u8; 32]>,
    samplers: Vec<Arc<dyn Sampler>>,
}

impl std::fmt::Debug for MetricsEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsEndpoint")
            .field("token", &self.token.map(|_| "<set>"))
            .field("samplers", &self.samplers.len())
            .finish_non_exhaustive()
    }
}

impl MetricsEndpoint {
    /// An endpoint open to anyone who reaches it, rendering `metrics`.
    pub fn new(metrics: Metrics) -> Self {
        Self {
            metrics,
            token: None,
            samplers: Vec::new(),
        }
    }

    /// The same endpoint answering only `Authorization: Bearer {token}`
    /// (401 otherwise); `None` leaves it open.
    #[must_use]
    pub fn with_token(self, token: Option<&str>) -> Self {
        Self {
            token: token.map(|t| Sha256::digest(t.as_bytes()).into()),
            ..self
        }
    }

    /// The same endpoint running `sampler` before each scrape.
    #[must_use]
    pub fn sampling(mut self, sampler: Arc<dyn Sampler>) -> Self {
        self.samplers.push(sampler);
        self
    }

    /// The route, to merge into a binary's router.
    pub fn router(self) -> Router {
        Router::new()
            .route("/metrics", get(scrape))
            .with_state(Arc::new(self))
    }

    /// Whether `headers` carry the token (compared in constant time, as
    /// digests, so neither its bytes nor its length leak through timing).
    fn admits(&self, headers: &HeaderMap) -> bool {
        let Some(expected) = &self.token else {
            return true;
        };
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        let presented: [u8; 32] = Sha256::digest(presented.trim().as_bytes()).into();
        presented
            .iter()
            .zip(expected)
            .fold(0u8, |differ, (a, b)| differ | (a ^ b))
            == 0
    }
}

async fn scrape(State(endpoint): State<Arc<MetricsEndpoint>>, headers: HeaderMap) -> Response {
    if !endpoint.admits(&headers) {
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            "metrics_token_required",
            "인증이 필요합니다",
            "메트릭을 보려면 올바른 Bearer 토큰이 필요합니다 (a valid bearer token is required for /metrics)",
        )
        .into_response();
    }
    for sampler in &endpoint.samplers {
        if tokio::time::timeout(SAMPLE_TIMEOUT, sampler.sample())
            .await
            .is_err()
        {
            tracing::warn!("a metrics sampler did not finish in time; its gauges are stale");
        }
    }
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        endpoint.metrics.render(),
    )
        .into_response()
}

/// `router` with every answer counted and timed by method, route template
/// (axum's matched path, `/api/v1/reports/{id}`) and status class (`2xx`).
/// Apply it last, around everything, so the time and status are the ones
/// the client sees, and after [`Metrics::install`] (each series is bound to
/// the recorder installed when it is first used).
pub fn track(router: Router) -> Router {
    router.layer(TrackLayer(Arc::new(Series::default())))
}

/// The method labels, in the order of [`method_index`].
const METHODS: [&str; 8] = [
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "other",
];
/// The status classes, in the order of [`class_index`].
const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// The counter and histogram of one series.
struct Handles {
    requests: metrics::Counter,
    duration: metrics::Histogram,
}

/// Each route's series, by method and status class, found by one lookup
/// without allocating: building a series' key (its labels, hashed) on every
/// request cost as much again as the rest of the recording.
#[derive(Default)]
struct Series(RwLock<HashMap<String, Arc<RouteSeries>>>);

/// A route's series, one slot per method × status class, filled when first used.
struct RouteSeries {
    route: String,
    slots: Box<[OnceLock<Handles>]>,
}

impl Series {
    fn of(&self, route: &str) -> Arc<RouteSeries> {
        if let Some(series) = self
            .0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(route)
        {
            return series.clone();
        }
        self.0
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(route.to_owned())
            .or_insert_with(|| {
                Arc::new(RouteSeries {
                    route: route.to_owned(),
                    slots: (0..METHODS.len() * CLASSES.len())
                        .map(|_| OnceLock::new())
                        .collect(),
                })
            })
            .clone()
    }
}

/// The layer [`track`] adds: a plain tower service rather than
/// `middleware::from_fn`, whose boxed futures and cloned services cost more
/// per request than the recording itself (`benches/metrics.rs`).
#[derive(Clone)]
struct TrackLayer(Arc<Series>);

impl<S> Layer<S> for TrackLayer {
    type Service = Track<S>;

    fn layer(&self, inner: S) -> Track<S> {
        Track {
            inner,
            series: self.0.clone(),
        }
    }
}

#[derive(Clone)]
struct Track<S> {
    inner: S,
    series: Arc<Series>,
}

impl<S> Service<Request> for Track<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Tracked<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let started = Instant::now();
        let method = method_index(request.method());
        let route = request
            .extensions()
            .get::<MatchedPath>()
            .map_or(UNMATCHED, MatchedPath::as_str);
        let route = self.series.of(route);
        Tracked {
            answer: self.inner.call(request),
            started,
            method,
            route,
        }
    }
}

pin_project_lite::pin_project! {
    /// A request's answer on its way, recorded when it arrives.
    struct Tracked<F> {
        #[pin]
        answer: F,
        started: Instant,
        method: usize,
        route: Arc<RouteSeries>,
    }
}

impl<F, E> Future for Tracked<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let answer = std::task::ready!(this.answer.poll(cx));
        if let Ok(response) = &answer {
            this.route
                .record(*this.method, response.status(), this.started.elapsed());
        }
        Poll::Ready(answer)
    }
}

impl RouteSeries {
    /// Counts and times one answer.
    fn record(&self, method: usize, status: StatusCode, took: Duration) {
        let class = class_index(status);
        let Some(slot) = self.slots.get(method * CLASSES.len() + class) else {
            return;
        };
        let handles = slot.get_or_init(|| {
            let labels = [
                ("method", metrics::SharedString::const_str(METHODS[method])),
                ("route", self.route.clone().into()),
                ("status", metrics::SharedString::const_str(CLASSES[class])),
            ];
            Handles {
                requests: metrics::counter!(HTTP_REQUESTS, &labels),
                duration: metrics::histogram!(HTTP_REQUEST_DURATION, &labels),
            }
        });
        handles.requests.increment(1);
        handles.duration.record(took.as_secs_f64());
    }
}

/// The method's place in [`METHODS`]: the standard ones by name, anything
/// else as one value (a client's made-up methods make no new series).
fn method_index(method: &Method) -> usize {
    match *method {
        Method::GET => 0,
        Method::POST => 1,
        Method::PUT => 2,
        Method::PATCH => 3,
        Method::DELETE => 4,
        Method::HEAD => 5,
        Method::OPTIONS => 6,
        _ => 7,
    }
}

/// The status's class's place in [`CLASSES`].
fn class_index(status: StatusCode) -> usize {
    usize::from(status.as_u16() / 100).clamp(1, 5) - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_fall_in_their_class() {
        let class = |status: StatusCode| CLASSES[class_index(status)];
        assert_eq!(class(StatusCode::SWITCHING_PROTOCOLS), "1xx");
        assert_eq!(class(StatusCode::CREATED), "2xx");
        assert_eq!(class(StatusCode::NOT_MODIFIED), "3xx");
        assert_eq!(class(StatusCode::NOT_FOUND), "4xx");
        assert_eq!(class(StatusCode::SERVICE_UNAVAILABLE), "5xx");
        assert_eq!(class(StatusCode::from_u16(599).unwrap()), "5xx");
    }

    #[test]
    fn methods_take_their_own_label_and_made_up_ones_share_one() {
        let label = |method: &Method| METHODS[method_index(method)];
        assert_eq!(label(&Method::from_bytes(b"BREW").unwrap()), "other");
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] {
            assert_eq!(
                label(&Method::from_bytes(method.as_bytes()).unwrap()),
                method
            );
        }
    }
}
