//! `/health` and `/ready`.

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
