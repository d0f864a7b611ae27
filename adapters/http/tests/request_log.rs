//! Operators see one log line per request at the default `info` level: the
//! method, the matched route (not the raw path with its ids), the status,
//! the latency and the request id the answer carries.
//!
//! A test binary of its own: the subscriber is this thread's, and tracing
//! caches per call site whether anyone listens.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use sinmungo_core::app::{Policy, UseCases};
use sinmungo_core::ports::MockPhotoProcessor;
use sinmungo_http::auth::{TokenConfig, TokenService};
use sinmungo_http::{AppState, HttpConfig};
use sinmungo_test_support::logs::CapturedLogs;
use tower::ServiceExt as _;

#[tokio::test]
async fn each_request_is_one_info_line_with_route_status_latency_and_id() {
    let captured = CapturedLogs::start(tracing::Level::INFO);

    let (ports, _handles) = sinmungo_memory::memory_ports();
    let state = AppState::new(
        UseCases::new(ports, &Policy::default()),
        TokenService::new(TokenConfig::with_secret(vec![42; 32])),
        Arc::new(MockPhotoProcessor::new()),
    );
    let router = sinmungo_http::router(state, HttpConfig::default());
    let id = "0190b5c2-7c4a-7d55-8b5f-2f7c1f1a9e01";
    let response = router
        .oneshot(
            Request::builder()
                .uri(format!("/api/v1/reports/{id}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();

    let text = captured.text();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("finished processing request"))
        .collect();
    assert_eq!(lines.len(), 1, "one line per request: {text}");
    let line = lines[0];
    assert!(line.contains(" INFO "), "{line}");
    assert!(line.contains("method=GET"), "{line}");
    assert!(
        line.contains(r#"route="/api/v1/reports/{id}""#),
        "the matched route: {line}"
    );
    assert!(!line.contains(id), "no ids of the path: {line}");
    assert!(line.contains("status=404"), "{line}");
    assert!(line.contains("latency="), "{line}");
    assert!(
        line.contains(&request_id),
        "the answer's request id: {line}"
    );
}
