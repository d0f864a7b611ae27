//! The events and dead-letter topics, checked by both binaries against a
//! broker that does not create topics by itself: a missing one refuses the
//! start with the command that creates it, and one that disappears turns
//! `/ready` 503, naming it. With `--kafka-create-topics` they are created
//! (against [`Controller`]: librdkafka's mock cluster cannot create topics).

use std::collections::BTreeMap;
use std::time::Duration;

use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;
use rdkafka::types::RDKafkaRespErr;
use reqwest::StatusCode;
use serde_json::Value;
use sinmungo_server::Server;

use crate::controller::Controller;
use crate::support::{
    bind_worker, server_config, streetlight_llm, worker_config, RunningServer, TestWorker, PATIENCE,
};

const EVENTS: &str = "sinmungo.report-events";
const DEAD_LETTERS: &str = "sinmungo.report-events.dlq";

/// A mock broker with only `topics` on it.
fn broker_with(topics: &[&str]) -> MockCluster<'static, DefaultProducerContext> {
    let cluster = MockCluster::new(1).expect("a mock cluster");
    for topic in topics {
        cluster.create_topic(topic, 2, 1).expect("a topic");
    }
    cluster
}

/// `GET {base}/ready` until it answers `status`; that answer's body.
async fn ready_until(base: &str, status: StatusCode) -> Value {
    let client = reqwest::Client::new();
    tokio::time::timeout(PATIENCE, async {
        loop {
            let response = client
                .get(format!("{base}/ready"))
                .send()
                .await
                .expect("an answer");
            if response.status() == status {
                break response.json().await.expect("JSON");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("/ready answers as expected in time")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_without_the_dead_letter_topic_refuses_to_start_and_says_how_to_create_it() {
    let cluster = broker_with(&[EVENTS]);
    let dir = tempfile::tempdir().expect("a directory");
    let config = worker_config(&dir, cluster.bootstrap_servers());

    let error = bind_worker(&config)
        .await
        .expect_err("the start is refused");
    let message = format!("{error:#}");
    assert!(
        message.contains(&format!(
            "kafka-topics.sh --bootstrap-server {} --create --topic {DEAD_LETTERS}",
            cluster.bootstrap_servers()
        )),
        "{message}"
    );
    assert!(message.contains("--kafka-create-topics"), "{message}");
    assert_eq!(
        message.matches("--topic ").count(),
        1,
        "the events topic exists and is not named: {message}"
    );
    // The check asked without creating: the topic is still missing.
    let again = bind_worker(&config).await.expect_err("still refused");
    assert!(format!("{again:#}").contains(DEAD_LETTERS));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_without_the_events_topic_refuses_to_start_and_says_how_to_create_it() {
    let cluster = broker_with(&[]);
    let dir = tempfile::tempdir().expect("a directory");
    let mut config = server_config(&dir, cluster.bootstrap_servers());
    config.kafka.kafka_topic_partitions = Some(6);
    config.kafka.kafka_topic_replication = Some(3);

    let error = Server::bind(&config)
        .await
        .expect_err("the start is refused");
    let message = format!("{error:#}");
    for topic in [EVENTS, DEAD_LETTERS] {
        assert!(
            message.contains(&format!(
                "kafka-topics.sh --bootstrap-server {} --create --topic {topic} \
                 --partitions 6 --replication-factor 3",
                cluster.bootstrap_servers()
            )),
            "{message}"
        );
    }
    assert!(
        !dir.path().join("sinmungo.db").exists(),
        "refused before the database was opened"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_whose_topic_disappears_is_not_ready_and_says_which() {
    let llm = streetlight_llm().await;
    let worker = TestWorker::spawn(&llm).await;
    ready_until(&worker.base, StatusCode::OK).await;

    worker
        .cluster()
        .topic_error(
            DEAD_LETTERS,
            RDKafkaRespErr::RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
        )
        .expect("the topic is gone");
    let problem = ready_until(&worker.base, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(problem["code"], "kafka_topic_missing");
    let detail = problem["detail"].as_str().expect("a detail");
    assert!(detail.contains(DEAD_LETTERS), "{detail}");
    assert!(detail.contains("kafka-topics.sh"), "{detail}");

    worker
        .cluster()
        .topic_error(DEAD_LETTERS, RDKafkaRespErr::RD_KAFKA_RESP_ERR_NO_ERROR)
        .expect("the topic is back");
    ready_until(&worker.base, StatusCode::OK).await;
    worker.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_whose_events_topic_disappears_is_not_ready_and_says_which() {
    let cluster = broker_with(&[EVENTS, DEAD_LETTERS]);
    let dir = tempfile::tempdir().expect("a directory");
    let config = server_config(&dir, cluster.bootstrap_servers());
    let server = RunningServer::start(Server::bind(&config).await.expect("the server starts"));
    ready_until(&server.base, StatusCode::OK).await;

    cluster
        .topic_error(
            EVENTS,
            RDKafkaRespErr::RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
        )
        .expect("the topic is gone");
    let problem = ready_until(&server.base, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(problem["code"], "kafka_topic_missing");
    assert_eq!(problem["status"], 503);
    let detail = problem["detail"].as_str().expect("a detail");
    assert!(detail.contains(EVENTS), "{detail}");
    assert!(!detail.contains(".dlq"), "only the missing topic: {detail}");

    server.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_allowed_to_create_the_topics_creates_them_and_is_ready() {
    let kafka = Controller::start().await;
    let dir = tempfile::tempdir().expect("a directory");
    let mut config = server_config(&dir, kafka.brokers());
    config.kafka.kafka_create_topics = true;
    config.kafka.kafka_topic_partitions = Some(3);
    config.kafka.kafka_topic_replication = Some(1);

    let server = Server::bind(&config).await.expect("the server starts");
    assert_eq!(
        kafka.topics(),
        BTreeMap::from([(EVENTS.to_owned(), 3), (DEAD_LETTERS.to_owned(), 3)]),
        "both topics, laid out as asked"
    );
    let server = RunningServer::start(server);
    let ready = ready_until(&server.base, StatusCode::OK).await;
    assert_eq!(ready["status"], "ready");
    server.shut_down().await;

    // Started again, it finds them and creates nothing.
    let again = Server::bind(&config)
        .await
        .expect("the server starts again");
    assert_eq!(kafka.topics().len(), 2);
    drop(again);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topics_the_brokers_refuse_to_create_refuse_the_start_with_their_reason() {
    let kafka = Controller::start().await;
    let dir = tempfile::tempdir().expect("a directory");
    let mut config = worker_config(&dir, kafka.brokers());
    config.kafka.kafka_create_topics = true;
    config.kafka.kafka_topic_replication = Some(3);

    let error = bind_worker(&config)
        .await
        .expect_err("the start is refused");
    let message = format!("{error:#}");
    assert!(message.contains("InvalidReplicationFactor"), "{message}");
    assert!(kafka.topics().is_empty(), "nothing was created");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_whose_brokers_do_not_answer_starts_and_stays_ready() {
    // A port nothing listens on: the brokers are down, not the topics missing.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a port")
        .local_addr()
        .expect("its address");
    let dir = tempfile::tempdir().expect("a directory");
    let config = server_config(&dir, closed.to_string());

    let server = RunningServer::start(
        Server::bind(&config)
            .await
            .expect("the server starts; events wait in the outbox"),
    );
    let ready = ready_until(&server.base, StatusCode::OK).await;
    assert_eq!(ready["status"], "ready");
    server.shut_down().await;
}
