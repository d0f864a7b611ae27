//! Registration, login, token refresh and logout.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{expect_problem, TestApp};

#[tokio::test]
async fn register_login_and_me() {
    let app = TestApp::spawn().await;
    let session = app.citizen("Kim@Example.kr").await;
    let me: Value = app
        .get("/api/v1/me", Some(&session.access_token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "kim@example.kr");
    assert_eq!(me["role"], "citizen");
    assert_eq!(me["roles"], json!(["citizen"]));

    let again = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "kim@example.kr", "password": "another-2026", "display_name": "김"}),
        )
        .await;
    expect_problem(again, StatusCode::CONFLICT, "email_taken").await;

    let weak = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "lee@example.kr", "password": "short", "display_name": "이"}),
        )
        .await;
    let body = expect_problem(weak, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "password");

    let logged_in = app.login("kim@example.kr", "jeonbuk2026!").await;
    assert_ne!(logged_in.access_token, "");
    assert_eq!(
        app.get("/api/v1/me", None).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn wrong_passwords_and_unknown_accounts_look_the_same() {
    let app = TestApp::spawn().await;
    app.citizen("kim@example.kr").await;
    let wrong = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "kim@example.kr", "password": "wrong-password-1"}),
        )
        .await;
    let wrong = expect_problem(wrong, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    let unknown = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "nobody@example.kr", "password": "wrong-password-1"}),
        )
        .await;
    let unknown = expect_problem(unknown, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    assert_eq!(wrong["detail"], unknown["detail"]);
}

#[tokio::test]
async fn refresh_tokens_rotate_and_work_once() {
    let app = TestApp::spawn().await;
    let session = app.citizen("kim@example.kr").await;
    let refreshed = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": session.refresh_token}),
        )
        .await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    let refreshed: Value = refreshed.json().await.unwrap();
    let new_refresh = refreshed["refresh_token"].as_str().unwrap();
    assert_ne!(new_refresh, session.refresh_token);
    let me = app
        .get("/api/v1/me", refreshed["access_token"].as_str())
        .await;
    assert_eq!(me.status(), StatusCode::OK);

    // The old token was used up: presenting it again is reuse, which ends
    // the whole sign-in, the new token with it.
    let reused = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": session.refresh_token}),
        )
        .await;
    expect_problem(reused, StatusCode::UNAUTHORIZED, "refresh_token_reused").await;

    // Signing out with a token already ended is fine, and it stays ended.
    let logout = app
        .post(
            "/api/v1/auth/logout",
            None,
            json!({"refresh_token": new_refresh}),
        )
        .await;
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    let after_logout = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": new_refresh}),
        )
        .await;
    expect_problem(after_logout, StatusCode::UNAUTHORIZED, "invalid_token").await;
}

#[tokio::test]
async fn health_and_readiness() {
    let app = TestApp::spawn().await;
    let health: Value = app.get("/health", None).await.json().await.unwrap();
    assert_eq!(health["status"], "ok");
    let ready = app.get("/ready", None).await;
    assert_eq!(ready.status(), StatusCode::OK);
    assert!(ready.headers().contains_key("x-request-id"));
}
