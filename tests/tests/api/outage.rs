//! The server on PostgreSQL through a TCP proxy that the test cuts and
//! restores: while the database is away every request that needs it gets a
//! 503 problem with `Retry-After` and `/ready` says so; when it comes back,
//! the same server process serves again, and nothing written before is lost.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use sinmungo_tests::postgres::{postgres_url, TestSchema};
use sinmungo_tests::proxy::{through, Proxy};

use crate::harness::{expect_problem, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_is_a_503_and_the_server_recovers_without_a_restart() {
    let Some(url) = postgres_url().expect("PostgreSQL for this test") else {
        return;
    };
    let schema = TestSchema::create(&url).await.expect("a fresh schema");
    let (_, upstream) = through(&url, "127.0.0.1:1".parse().expect("address")).expect("URL");
    let mut proxy = Proxy::start("127.0.0.1:0".parse().expect("address"), upstream)
        .await
        .expect("proxy");
    let (proxied, _) = through(&url, proxy.listen()).expect("URL");
    // The server has no schema setting: the connection's search path picks the test's schema.
    let separator = if proxied.contains('?') { '&' } else { '?' };
    let database_url = format!(
        "{proxied}{separator}options=-c%20search_path%3D{}%2Cpublic",
        schema.name()
    );
    let app = TestApp::spawn_with(move |config| {
        config.store.database_url = database_url.into();
        config.store.database_max_connections = 4;
    })
    .await;

    let citizen = app.citizen("minji@example.kr").await;
    let report = app
        .submit(
            &citizen.access_token,
            "도로 파손",
            "집 앞 도로에 큰 포트홀이 생겼어요",
            "public",
        )
        .await;
    assert_eq!(app.get("/ready", None).await.status(), StatusCode::OK);

    proxy.cut().await;
    let response = app.get("/api/v1/reports", None).await;
    assert!(
        response.headers().contains_key("retry-after"),
        "503 says when to retry"
    );
    expect_problem(
        response,
        StatusCode::SERVICE_UNAVAILABLE,
        "service_unavailable",
    )
    .await;
    assert_eq!(
        app.get("/ready", None).await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );

    proxy.restore().await.expect("proxy back");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while app.get("/ready", None).await.status() != StatusCode::OK {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the server did not recover within 15 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let listed: Value = app
        .get("/api/v1/reports", None)
        .await
        .json()
        .await
        .expect("list JSON");
    assert_eq!(
        listed["items"][0]["id"], report["id"],
        "the report survived"
    );
    app.submit(
        &citizen.access_token,
        "가로등 고장",
        "가로등이 꺼져 있어요",
        "public",
    )
    .await;
    proxy.cut().await;
}
