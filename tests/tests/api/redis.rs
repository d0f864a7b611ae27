//! Servers sharing one Redis (`SINMUNGO_TEST_REDIS_URL`, a real redis-server
//! that `.ci/run` starts): rate limits hold across instances, sessions live
//! in Redis, and a Redis outage is a 503 for signed-in work while limits fall
//! back to per-instance counts.

use reqwest::StatusCode;
use serde_json::json;
use sinmungo_tests::services::service_url;

use crate::harness::{expect_problem, TestApp};

async fn instance(redis: &str) -> TestApp {
    let redis = redis.to_owned();
    TestApp::spawn_with(move |config| {
        config.access.redis_url = Some(redis.parse().expect("URL"));
        config.access.rate_login_failures = "4/1m".parse().expect("limit");
    })
    .await
}

async fn wrong_password(app: &TestApp, email: &str) -> reqwest::Response {
    app.post(
        "/api/v1/auth/login",
        None,
        json!({"email": email, "password": "wrong-guess-1!"}),
    )
    .await
}

#[tokio::test]
async fn failed_sign_ins_are_counted_across_instances_and_sessions_live_in_redis() {
    let Some(redis) = service_url("SINMUNGO_TEST_REDIS_URL").expect("Redis for this test") else {
        return;
    };
    let (a, b) = (instance(&redis).await, instance(&redis).await);
    let email = format!("multi-{}@example.kr", uuid::Uuid::now_v7());
    for app in [&a, &b, &a, &b] {
        expect_problem(
            wrong_password(app, &email).await,
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
        )
        .await;
    }
    // Two failures on each instance; the account's limit of 4 is shared.
    for app in [&a, &b] {
        expect_problem(
            wrong_password(app, &email).await,
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
        )
        .await;
    }

    // Sessions in Redis: rotation, reuse detection and sign-out work.
    let citizen = a
        .citizen(&format!("redis-{}@example.kr", uuid::Uuid::now_v7()))
        .await;
    let rotated = a
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": citizen.refresh_token}),
        )
        .await;
    assert_eq!(rotated.status(), StatusCode::OK);
    let replay = a
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": citizen.refresh_token}),
        )
        .await;
    expect_problem(replay, StatusCode::UNAUTHORIZED, "refresh_token_reused").await;
    expect_problem(
        a.get("/api/v1/me", Some(&citizen.access_token)).await,
        StatusCode::UNAUTHORIZED,
        "session_ended",
    )
    .await;
}

#[tokio::test]
async fn with_redis_down_signed_in_work_is_a_503_and_public_reads_go_on() {
    // Nothing listens on port 1: Redis is down from the start.
    let app = TestApp::spawn_with(|config| {
        config.access.redis_url = Some("redis://127.0.0.1:1".parse().expect("URL"));
    })
    .await;
    let register = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "down@example.kr", "password": "jeonbuk2026!", "display_name": "김전북"}),
        )
        .await;
    expect_problem(
        register,
        StatusCode::SERVICE_UNAVAILABLE,
        "service_unavailable",
    )
    .await;
    let reports = app.get("/api/v1/reports", None).await;
    assert_eq!(reports.status(), StatusCode::OK);
    expect_problem(
        app.get("/ready", None).await,
        StatusCode::SERVICE_UNAVAILABLE,
        "not_ready",
    )
    .await;
    let categories = app.get("/api/v1/categories", None).await;
    assert_eq!(categories.status(), StatusCode::OK);
}
