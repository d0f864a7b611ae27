//! Submitted in the server's database, relayed to Kafka, analysed by the
//! worker: the report carries the AI's category, and each report was read by
//! the AI once.

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use sinmungo_core::app::{Policy, RegisterRequest, Relay, SubmitRequest};
use sinmungo_core::domain::access::{Actor, Principal};
use sinmungo_core::domain::DecidedBy;
use sinmungo_core::ports::SystemClock;
use sinmungo_kafka::KafkaPublisher;
use sinmungo_wiring::open_stores;

use crate::support::{streetlight_llm, TestWorker, PATIENCE};

const REPORTS: usize = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_relayed_through_kafka_are_analysed_by_the_worker_once_each() {
    let llm = streetlight_llm().await;
    let worker = TestWorker::spawn(&llm).await;

    // The server's side: the same database, the use cases, the relay to Kafka.
    let stores = open_stores(&worker.config.store).await.expect("the store");
    let ports = stores.ports(
        worker.config.media.open().expect("media"),
        Arc::new(sinmungo_wiring::NoSealer),
    );
    let uc = sinmungo_wiring::build_use_cases(ports, &Policy::default())
        .await
        .expect("use cases");
    let user = uc
        .accounts
        .register(RegisterRequest {
            email: "minji@example.kr".to_owned(),
            password: "jeonbuk2026!".to_owned(),
            display_name: "minji".to_owned(),
        })
        .await
        .expect("registered");
    let citizen = Actor::User(Principal {
        id: user.id,
        role: user.role,
        department: user.department.clone(),
    });
    let mut ids = Vec::new();
    for n in 0..REPORTS {
        let report = uc
            .submit
            .execute(
                &citizen,
                SubmitRequest {
                    title: format!("밤길이 무서워요 {n}"),
                    description: "골목이 너무 어두워요".to_owned(),
                    lat: Some(35.8242),
                    lng: Some(127.1480),
                    ..SubmitRequest::default()
                },
            )
            .await
            .expect("submitted");
        assert_eq!(
            report.category.as_str(),
            "other",
            "the keywords found nothing"
        );
        ids.push(report.id);
    }
    let relay = Relay::new(
        stores.outbox.clone(),
        Arc::new(
            KafkaPublisher::new(&worker.config.kafka_config().expect("kafka")).expect("publisher"),
        ),
        Arc::new(SystemClock),
        TimeDelta::seconds(60),
    );
    let before = worker.scrape().await;
    assert_eq!(relay.publish_batch(100).await.expect("relayed"), REPORTS);

    tokio::time::timeout(PATIENCE, async {
        loop {
            let mut analysed = 0;
            for id in &ids {
                let report = stores
                    .reports
                    .get(*id)
                    .await
                    .expect("read")
                    .expect("stored");
                if report
                    .analysis
                    .is_some_and(|a| a.decided_by == DecidedBy::Ai)
                {
                    analysed += 1;
                }
            }
            if analysed == REPORTS {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("every report is analysed in time");

    for id in &ids {
        let report = stores
            .reports
            .get(*id)
            .await
            .expect("read")
            .expect("stored");
        assert_eq!(report.category.as_str(), "streetlight");
        assert_eq!(report.priority.as_str(), "high");
    }
    assert_eq!(
        llm.received_requests().await.map(|r| r.len()),
        Some(REPORTS),
        "the AI read each report once"
    );
    // report.analyzed waits in the outbox for the relay, after the three submissions.
    assert_eq!(relay.pending().await.expect("pending"), REPORTS as u64);

    // The worker's /metrics saw it all: events handled, AI calls answered
    // and timed, and (from librdkafka's statistics) the group's lag.
    let workers = [("group", "sinmungo-workers")];
    let chat_ok = [("provider", "chat"), ("outcome", "ok")];
    let after = worker.scrape().await;
    let grew =
        |name: &str, labels: &[(&str, &str)]| after.sum(name, labels) - before.sum(name, labels);
    assert!(grew("sinmungo_events_handled_total", &workers) >= REPORTS as f64);
    assert!(grew("sinmungo_ai_calls_total", &chat_ok) >= REPORTS as f64);
    assert!(
        grew(
            "sinmungo_ai_call_duration_seconds_count",
            &[("provider", "chat")]
        ) >= REPORTS as f64
    );
    let lag = tokio::time::timeout(PATIENCE, async {
        loop {
            let scrape = worker.scrape().await;
            let lag: Vec<f64> = scrape
                .find(
                    "sinmungo_consumer_lag_events",
                    &[
                        ("group", "sinmungo-workers"),
                        ("topic", "sinmungo.report-events"),
                    ],
                )
                .map(|s| s.value)
                .collect();
            if let [lag] = lag[..] {
                break lag;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await
    .expect("the lag is reported within a statistics interval");
    assert!(lag >= 0.0, "{lag}");
    // The README's list of metrics names the worker's too.
    let readme = include_str!("../../../../README.md");
    let undocumented: Vec<&String> = after
        .types
        .keys()
        .filter(|name| name.starts_with("sinmungo_") && !readme.contains(&format!("`{name}`")))
        .collect();
    assert!(
        undocumented.is_empty(),
        "not in the README: {undocumented:?}"
    );

    worker.shut_down().await;
    stores.close().await;
}
