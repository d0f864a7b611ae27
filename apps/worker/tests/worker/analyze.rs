//! `POST /analyze`: what triage would decide, nothing stored.

use base64::Engine as _;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::{streetlight_llm, TestWorker};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_text_is_analysed_with_the_ais_category() {
    let llm = streetlight_llm().await;
    let worker = TestWorker::spawn(&llm).await;

    let response = worker
        .post(
            "/analyze",
            &json!({
                "title": "밤길이 무서워요",
                "description": "골목이 너무 어두워요",
                "jurisdiction": "jeonju"
            }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let preview: Value = response.json().await.expect("JSON");
    assert_eq!(preview["category"], "streetlight", "{preview}");
    assert_eq!(preview["priority"], "high");
    assert_eq!(preview["decided_by"], "ai");
    assert_eq!(preview["models"], json!(["llm:test/triage-model"]));
    assert_eq!(preview["summary"], "골목 가로등이 꺼져 어두움");
    assert_eq!(preview["detections"], json!([]));
    assert_eq!(llm.received_requests().await.map(|r| r.len()), Some(1));

    worker.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_a_problem_with_a_stable_code() {
    let llm = streetlight_llm().await;
    let worker = TestWorker::spawn(&llm).await;

    let missing = worker
        .post(
            "/analyze",
            &json!({"title": "  ", "description": "어두워요", "photos": ["@@"]}),
        )
        .await;
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        missing.headers()["content-type"],
        "application/problem+json"
    );
    let problem: Value = missing.json().await.expect("JSON");
    assert_eq!(problem["code"], "validation_failed");
    assert_eq!(problem["status"], 422);
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["title", "photos[0]"]);

    let not_json = worker
        .client
        .post(format!("{}/analyze", worker.base))
        .header("content-type", "application/json")
        .body("{\"title\": ")
        .send()
        .await
        .expect("a response");
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);
    let problem: Value = not_json.json().await.expect("JSON");
    assert_eq!(problem["code"], "invalid_json");

    let text = base64::engine::general_purpose::STANDARD.encode("not an image");
    let not_an_image = worker
        .post(
            "/analyze",
            &json!({"title": "포트홀", "description": "도로가 파였어요", "photos": [text]}),
        )
        .await;
    assert_eq!(not_an_image.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = not_an_image.json().await.expect("JSON");
    assert_eq!(problem["errors"][0]["code"], "unsupported_type");

    assert_eq!(
        llm.received_requests().await.map(|r| r.len()),
        Some(0),
        "nothing invalid reaches the AI"
    );
    worker.shut_down().await;
}
