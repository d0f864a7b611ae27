//! The server with `SINMUNGO_KAFKA_BROKERS` set: its relay publishes the
//! outbox to Kafka, and it does not analyse (the workers do), even with an
//! LLM configured.

use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::message::{Headers as _, Message as _};
use rdkafka::mocking::MockCluster;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sinmungo_server::{ApiSecret, KafkaArgs, Server};

use crate::support::{server_config, streetlight_llm, RunningServer, PATIENCE};

const PARTITIONS: i32 = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_with_kafka_brokers_publishes_submissions_and_does_not_analyse() {
    let cluster = MockCluster::new(1).expect("a mock cluster");
    let kafka = KafkaArgs::with_brokers(cluster.bootstrap_servers());
    cluster
        .create_topic(&kafka.kafka_topic, PARTITIONS, 1)
        .expect("events topic");
    cluster
        .create_topic(&kafka.kafka_dlq_topic, 1, 1)
        .expect("dead-letter topic");
    let llm = streetlight_llm().await;
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut config = server_config(&dir, cluster.bootstrap_servers());
    // Configured, yet never asked: in Kafka mode the workers run triage.
    config.triage.llm_model = Some("test/triage-model".to_owned());
    config.triage.llm_api_key = Some("sk-test-key".parse::<ApiSecret>().expect("key"));
    config.triage.llm_base_url = llm.uri();

    let server = RunningServer::start(Server::bind(&config).await.expect("the server starts"));
    let base = server.base.clone();

    let client = reqwest::Client::new();
    let registered: Value = client
        .post(format!("{base}/api/v1/auth/register"))
        .json(&json!({"email": "minji@example.kr", "password": "jeonbuk2026!", "display_name": "minji"}))
        .send()
        .await
        .expect("registered")
        .json()
        .await
        .expect("JSON");
    let token = registered["access_token"].as_str().expect("a token");
    let submitted = client
        .post(format!("{base}/api/v1/reports"))
        .bearer_auth(token)
        .json(&json!({
            "title": "밤길이 무서워요",
            "description": "골목이 너무 어두워요",
            "location": {"lat": 35.8242, "lng": 127.1480},
        }))
        .send()
        .await
        .expect("submitted");
    assert_eq!(submitted.status(), StatusCode::CREATED);
    let report: Value = submitted.json().await.expect("JSON");
    let id = report["id"].as_str().expect("an id").to_owned();

    let (key, event_type, envelope) =
        first_message(cluster.bootstrap_servers(), kafka.kafka_topic.clone()).await;
    assert_eq!(key, id, "keyed by the report");
    assert_eq!(event_type, "report.submitted");
    assert_eq!(envelope["type"], "report.submitted");
    assert_eq!(envelope["report_id"], id.as_str());
    assert_eq!(envelope["version"], 1);

    // The server's relay also ran the event past nothing else: no AI call,
    // and the report still carries the rules' decision.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        llm.received_requests().await.map(|r| r.len()),
        Some(0),
        "the server does not analyse in Kafka mode"
    );
    let read: Value = client
        .get(format!("{base}/api/v1/reports/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("read")
        .json()
        .await
        .expect("JSON");
    assert_eq!(read["category"], "other");
    assert_ne!(read["analysis"]["decided_by"], "ai");

    server.shut_down().await;
}

/// The first message on `topic` (any partition): its key, `event-type`
/// header and JSON value.
async fn first_message(brokers: String, topic: String) -> (String, String, Value) {
    tokio::task::spawn_blocking(move || {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", brokers)
            .set("group.id", "test-reader")
            .set("enable.auto.commit", "false")
            .create()
            .expect("a consumer");
        let mut assignment = TopicPartitionList::new();
        for partition in 0..PARTITIONS {
            assignment
                .add_partition_offset(&topic, partition, Offset::Beginning)
                .expect("a partition");
        }
        consumer.assign(&assignment).expect("assigned");
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            let Some(message) = consumer.poll(Duration::from_millis(100)) else {
                continue;
            };
            let message = message.expect("a message");
            let key = String::from_utf8(message.key().expect("a key").to_vec()).expect("UTF-8");
            let event_type = message
                .headers()
                .and_then(|headers| {
                    headers
                        .iter()
                        .find(|h| h.key == sinmungo_kafka::headers::EVENT_TYPE)
                        .and_then(|h| h.value.map(<[u8]>::to_vec))
                })
                .map(|v| String::from_utf8(v).expect("UTF-8"))
                .expect("an event-type header");
            let value = serde_json::from_slice(message.payload().expect("a value")).expect("JSON");
            return Some((key, event_type, value));
        }
        None
    })
    .await
    .expect("the reader")
    .expect("an event is published in time")
}
