//! `/health`, `/ready` and `/metrics`.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{streetlight_llm, TestWorker, PATIENCE};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_answers_and_ready_turns_200_once_the_consumer_runs() {
    let llm = streetlight_llm().await;
    let worker = TestWorker::spawn(&llm).await;

    let health = worker.get("/health").await;
    assert_eq!(health.status(), StatusCode::OK);
    let body: Value = health.json().await.expect("JSON");
    assert_eq!(body["status"], "ok");

    let ready = tokio::time::timeout(PATIENCE, async {
        loop {
            let ready = worker.get("/ready").await;
            if ready.status() == StatusCode::OK {
                break ready;
            }
            assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("ready in time");
    let body: Value = ready.json().await.expect("JSON");
    assert_eq!(body["status"], "ready");

    worker.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_serves_its_own_metrics() {
    let llm = streetlight_llm().await;
    let worker = TestWorker::spawn(&llm).await;
    let health = [("method", "GET"), ("route", "/health"), ("status", "2xx")];

    let before = worker.scrape().await;
    for _ in 0..2 {
        assert_eq!(worker.get("/health").await.status(), StatusCode::OK);
    }
    let after = worker.scrape().await;

    assert!(
        after.sum("sinmungo_http_requests_total", &health)
            - before.sum("sinmungo_http_requests_total", &health)
            >= 2.0
    );
    assert_eq!(
        after.types["sinmungo_http_request_duration_seconds"],
        "histogram"
    );
    assert_eq!(
        after.sum(
            "sinmungo_build_info",
            &[
                ("binary", "sinmungo-worker"),
                ("version", env!("CARGO_PKG_VERSION"))
            ]
        ),
        1.0
    );
    assert_eq!(
        after
            .find(
                "sinmungo_db_pool_connections",
                &[("pool", "write"), ("state", "idle")]
            )
            .count(),
        1,
        "the worker's database pools are sampled too"
    );

    worker.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_token_the_workers_metrics_need_it() {
    let llm = streetlight_llm().await;
    let worker = TestWorker::spawn_with(&llm, |config| {
        config.metrics.metrics_token = Some("worker-scrape-token".parse().expect("a token"));
    })
    .await;

    let refused = worker.get("/metrics").await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let problem: Value = refused.json().await.expect("a problem");
    assert_eq!(problem["code"], "metrics_token_required");
    let scraped = worker
        .client
        .get(format!("{}/metrics", worker.base))
        .bearer_auth("worker-scrape-token")
        .send()
        .await
        .expect("a response");
    assert_eq!(scraped.status(), StatusCode::OK);
    assert!(scraped
        .text()
        .await
        .expect("a body")
        .contains("sinmungo_build_info"));

    worker.shut_down().await;
}
