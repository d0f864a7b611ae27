//! The router serves exactly the routes of the permission table (`ROUTES`):
//! each of them is routed, and a path or method outside it is not.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use sinmungo_core::app::{Policy, UseCases};
use sinmungo_core::ports::MockPhotoProcessor;
use sinmungo_http::auth::{TokenConfig, TokenService};
use sinmungo_http::{AppState, HttpConfig, ROUTES};
use tower::ServiceExt as _;

fn router() -> axum::Router {
    let (ports, _handles) = sinmungo_memory::memory_ports();
    let state = AppState::new(
        UseCases::new(ports, &Policy::default()),
        TokenService::new(TokenConfig::with_secret(vec![42; 32])),
        Arc::new(MockPhotoProcessor::new()),
    );
    sinmungo_http::router(state, HttpConfig::default())
}

/// The problem `code` and `detail` of a request to `path`.
async fn answer(method: &str, path: &str) -> (StatusCode, String, String) {
    let request = Request::builder()
        .method(Method::from_bytes(method.as_bytes()).unwrap())
        .uri(path)
        .header("content-type", "application/json")
        .body(Body::from("{}"))
        .unwrap();
    let response = router().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    let text = |key: &str| body[key].as_str().unwrap_or_default().to_owned();
    (status, text("code"), text("detail"))
}

fn concrete(path: &str) -> String {
    let id = "0190b5c2-7c4a-7d55-8b5f-2f7c1f1a9e01";
    format!("/api/v1{path}")
        .replace("{provider}", "google")
        .replace("{variant}", "thumb-320")
        .replace("{name}", "oauth.kakao.client_secret")
        .replace("{id}", id)
        .replace("{photo_id}", id)
        .replace("{key_id}", id)
}

#[tokio::test]
async fn every_route_of_the_permission_table_is_served() {
    for route in ROUTES {
        let (status, code, detail) = answer(route.method, &concrete(route.path)).await;
        assert!(
            status != StatusCode::METHOD_NOT_ALLOWED && detail != "no such route",
            "{} {} is in ROUTES but not routed: {status} {code} {detail}",
            route.method,
            route.path
        );
    }
}

#[tokio::test]
async fn what_the_table_does_not_name_is_not_routed() {
    let (status, code, detail) = answer("GET", "/api/v1/reports/x/unlisted").await;
    assert_eq!(
        (status, code.as_str(), detail.as_str()),
        (StatusCode::NOT_FOUND, "not_found", "no such route")
    );
    // `/me` is only a GET in the table.
    let (status, code, _) = answer("DELETE", "/api/v1/me").await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
    );
}

#[test]
fn every_route_is_listed_once() {
    let mut seen = std::collections::HashSet::new();
    for route in ROUTES {
        assert!(
            seen.insert((route.method, route.path)),
            "{} {} is listed twice",
            route.method,
            route.path
        );
    }
}
