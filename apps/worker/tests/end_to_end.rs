//! End to end, black box: the server (in-process, over a SQLite file, Kafka
//! brokers = librdkafka's mock cluster, no LLM of its own), the real
//! `sinmungo-worker` binary as a child process, and a wiremock LLM answering
//! in OpenAI's chat-completions shape after 150 ms.
//!
//! Reports submitted over HTTP are analysed by the worker; the worker is
//! killed with SIGKILL mid-batch and started again; every report ends up
//! analysed by the AI, and exactly once (one `report.analyzed` event each),
//! though the LLM may have been asked twice about reports in flight at the kill.

// Fixture helpers are not `#[test]` functions, so clippy's test exemption
// misses them; a fixture that fails should fail the test loudly.
#![expect(clippy::expect_used, reason = "test fixtures")]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rdkafka::mocking::MockCluster;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sinmungo_server::{KafkaArgs, Server, ServerConfig, StoreConfig};
use tokio::sync::oneshot;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const REPORTS: usize = 30;
const LLM_DELAY: Duration = Duration::from_millis(150);
const CONCURRENCY: usize = 4;
/// LLM requests received before the first worker is killed.
const CALLS_BEFORE_KILL: usize = 6;
const PATIENCE: Duration = Duration::from_secs(45);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_batch_leaves_every_report_analysed_exactly_once() {
    let started = Instant::now();
    let cluster = MockCluster::new(1).expect("a mock cluster");
    let brokers = cluster.bootstrap_servers();
    let kafka = KafkaArgs::with_brokers(brokers.clone());
    cluster
        .create_topic(&kafka.kafka_topic, 4, 1)
        .expect("events topic");
    cluster
        .create_topic(&kafka.kafka_dlq_topic, 1, 1)
        .expect("dead-letter topic");
    let llm = slow_streetlight_llm().await;
    let dir = tempfile::tempdir().expect("temporary directory");
    let database_url = format!("sqlite://{}", dir.path().join("sinmungo.db").display());

    // The server: Kafka mode, no AI of its own.
    let mut config = ServerConfig {
        store: StoreConfig {
            database_url: database_url.clone().into(),
            ..StoreConfig::embedded_defaults()
        },
        listen: "127.0.0.1:0".parse().expect("address"),
        data_dir: dir.path().to_owned(),
        kafka,
        ..ServerConfig::embedded_defaults()
    };
    config.media.storage_url = "memory://".to_owned();
    let server = Server::bind(&config).await.expect("the server starts");
    let base = format!("http://{}", server.local_addr().expect("its address"));
    let (stop_server, server_stopped) = oneshot::channel::<()>();
    let server_task = tokio::spawn(server.run(async move {
        server_stopped.await.ok();
    }));

    let worker_env = WorkerEnv {
        database_url: database_url.clone(),
        brokers,
        llm: llm.uri(),
        logs: dir.path().to_owned(),
    };
    let mut first = worker_env.spawn(1);

    // Submit over HTTP while the worker joins its group.
    let api = Api::new(&base).await;
    let mut ids = Vec::new();
    for n in 0..REPORTS {
        let report = api.submit(n).await;
        assert_eq!(report["category"], "other", "the keywords found nothing");
        ids.push(report["id"].as_str().expect("an id").to_owned());
    }
    let submitted_at = started.elapsed();

    // Mid-batch: some reports analysed, a few being read by the LLM.
    let waited = wait_until(PATIENCE, || async {
        llm_calls(&llm).await >= CALLS_BEFORE_KILL
    })
    .await;
    assert!(
        waited,
        "the first worker never called the LLM; its log:\n{}",
        first.log_tail()
    );
    first.kill_hard();
    let killed_at = started.elapsed();
    let calls_at_kill = llm_calls(&llm).await;
    let analysed_at_kill = api.analysed(&ids).await;
    assert!(
        analysed_at_kill < REPORTS,
        "the kill came after the batch ({analysed_at_kill} analysed)"
    );

    let second = worker_env.spawn(2);
    let all_analysed = wait_until(PATIENCE, || async { api.analysed(&ids).await == REPORTS }).await;
    assert!(
        all_analysed,
        "only {} of {REPORTS} reports were analysed; the second worker's log:\n{}",
        api.analysed(&ids).await,
        second.log_tail()
    );
    let analysed_in = started.elapsed();

    for id in &ids {
        let report = api.report(id).await;
        assert_eq!(report["category"], "streetlight", "{report}");
        assert_eq!(report["priority"], "high", "{report}");
        assert_eq!(report["analysis"]["decided_by"], "ai", "{report}");
    }
    // Exactly one analysis per report: one report.analyzed event each.
    let analyzed = analyzed_events(&database_url).await;
    for id in &ids {
        assert_eq!(
            analyzed.get(id).copied(),
            Some(1),
            "report {id} was analysed {:?} times",
            analyzed.get(id)
        );
    }
    assert_eq!(analyzed.len(), REPORTS);
    let calls = llm_calls(&llm).await;
    assert!(calls >= REPORTS, "the LLM was asked {calls} times");
    println!(
        "submitted {REPORTS} by {submitted_at:?}; killed the first worker at {killed_at:?} \
         ({calls_at_kill} LLM calls, {analysed_at_kill} reports analysed); all analysed by \
         {analysed_in:?}; LLM calls in all: {calls}"
    );

    drop(second);
    stop_server.send(()).ok();
    tokio::time::timeout(PATIENCE, server_task)
        .await
        .expect("the server stops in time")
        .expect("the server task ends")
        .expect("the server stops cleanly");
}

/// An LLM calling everything a broken streetlight, urgently, after [`LLM_DELAY`].
async fn slow_streetlight_llm() -> MockServer {
    let verdict = json!({
        "category": "streetlight",
        "priority": "high",
        "confidence": 0.9,
        "summary": "골목 가로등이 꺼져 어두움"
    });
    let completion = json!({
        "id": "gen-1",
        "object": "chat.completion",
        "created": 1_764_000_000,
        "model": "test/triage-model",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": verdict.to_string()},
            "finish_reason": "stop"
        }],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}
    });
    let llm = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/chat/completions"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(completion)
                .set_delay(LLM_DELAY),
        )
        .mount(&llm)
        .await;
    llm
}

/// Requests the LLM has received (counted on arrival, before its delay).
async fn llm_calls(llm: &MockServer) -> usize {
    llm.received_requests()
        .await
        .as_deref()
        .map_or(0, <[Request]>::len)
}

/// Polls `done` every 100 ms until it holds (true) or `patience` passes (false).
async fn wait_until<F, Fut>(patience: Duration, done: F) -> bool
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + patience;
    while Instant::now() < deadline {
        if done().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// `report.analyzed` events in the outbox, per report id.
async fn analyzed_events(database_url: &str) -> BTreeMap<String, i64> {
    use sqlx::Connection as _;
    let mut db = sqlx::SqliteConnection::connect(database_url)
        .await
        .expect("the database");
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT report_id, COUNT(*) FROM outbox WHERE event_type = 'report.analyzed' \
         GROUP BY report_id",
    )
    .fetch_all(&mut db)
    .await
    .expect("counted");
    db.close().await.ok();
    rows.into_iter().collect()
}

/// A citizen talking to the server.
struct Api {
    base: String,
    client: reqwest::Client,
    token: String,
}

impl Api {
    async fn new(base: &str) -> Self {
        let client = reqwest::Client::new();
        let response = client
            .post(format!("{base}/api/v1/auth/register"))
            .json(&json!({
                "email": "minji@example.kr",
                "password": "jeonbuk2026!",
                "display_name": "minji"
            }))
            .send()
            .await
            .expect("registered");
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.expect("JSON");
        Self {
            base: base.to_owned(),
            client,
            token: body["access_token"].as_str().expect("a token").to_owned(),
        }
    }

    async fn submit(&self, n: usize) -> Value {
        let response = self
            .client
            .post(format!("{}/api/v1/reports", self.base))
            .bearer_auth(&self.token)
            .json(&json!({
                "title": format!("밤길이 무서워요 {n}"),
                "description": "골목이 너무 어두워요",
                "location": {"lat": 35.8242, "lng": 127.1480},
            }))
            .send()
            .await
            .expect("submitted");
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.expect("JSON")
    }

    async fn report(&self, id: &str) -> Value {
        let response = self
            .client
            .get(format!("{}/api/v1/reports/{id}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("read");
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("JSON")
    }

    /// How many of `ids` the AI has analysed, as `GET` shows them.
    async fn analysed(&self, ids: &[String]) -> usize {
        let mut analysed = 0;
        for id in ids {
            if self.report(id).await["analysis"]["decided_by"] == "ai" {
                analysed += 1;
            }
        }
        analysed
    }
}

/// How to start a worker process.
struct WorkerEnv {
    database_url: String,
    brokers: String,
    llm: String,
    logs: PathBuf,
}

impl WorkerEnv {
    /// Starts `sinmungo-worker` number `n`, logging to a file in the temporary directory.
    fn spawn(&self, n: usize) -> WorkerProcess {
        let log = self.logs.join(format!("worker-{n}.log"));
        let inherit = std::env::var_os("TEST_LOG").is_some();
        let output = |log: &Path| {
            if inherit {
                Stdio::inherit()
            } else {
                Stdio::from(std::fs::File::create(log).expect("a log file"))
            }
        };
        let child = Command::new(env!("CARGO_BIN_EXE_sinmungo-worker"))
            .env_clear()
            .env("SINMUNGO_DATABASE_URL", &self.database_url)
            .env("SINMUNGO_STORAGE_URL", "memory://")
            .env("SINMUNGO_KAFKA_BROKERS", &self.brokers)
            // A killed member leaves the group after 6 s, not the default 45 s.
            .env(
                "SINMUNGO_KAFKA_PROPERTIES",
                "session.timeout.ms=6000,heartbeat.interval.ms=300",
            )
            .env("SINMUNGO_LLM_MODEL", "test/triage-model")
            .env("SINMUNGO_LLM_API_KEY", "sk-test-key")
            .env("SINMUNGO_LLM_BASE_URL", &self.llm)
            .env("SINMUNGO_LLM_TIMEOUT", "5")
            .env("SINMUNGO_WORKER_LISTEN", "127.0.0.1:0")
            .env("SINMUNGO_WORKER_CONCURRENCY", CONCURRENCY.to_string())
            .env("SINMUNGO_LOG", "info")
            .stdin(Stdio::null())
            .stdout(output(&log))
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the worker binary starts");
        WorkerProcess { child, log }
    }
}

/// A worker process, killed when dropped (a failing test leaves none behind).
struct WorkerProcess {
    child: Child,
    log: PathBuf,
}

impl WorkerProcess {
    /// SIGKILL: no graceful shutdown, no last commit.
    fn kill_hard(&mut self) {
        self.child.kill().expect("killed");
        let status = self.child.wait().expect("reaped");
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt as _;
            assert_eq!(status.signal(), Some(9), "it died of SIGKILL");
        }
        #[cfg(not(unix))]
        assert!(!status.success());
    }

    /// The end of its log, for failure messages.
    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.child.kill().ok();
            self.child.wait().ok();
        }
    }
}
