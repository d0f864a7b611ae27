//! A worker per test, and an LLM that answers.

use std::net::SocketAddr;
use std::time::Duration;

use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;
use serde_json::{json, Value};
use sinmungo_server::{KafkaArgs, Server, ServerConfig};
use sinmungo_wiring::{ApiSecret, StoreConfig};
use sinmungo_worker::{Worker, WorkerConfig};
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The longest a test waits for something to happen.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// Logs are quiet unless `TEST_LOG` is set.
fn init_logging() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    if let Some(filter) = std::env::var_os("TEST_LOG") {
        ONCE.call_once(|| {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter.to_string_lossy().as_ref())
                .with_test_writer()
                .try_init();
        });
    }
}

/// An OpenAI-shaped chat completion whose content is the triage verdict.
fn completion(verdict: &Value) -> Value {
    json!({
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
    })
}

/// An LLM that calls everything a broken streetlight, urgently.
pub async fn streetlight_llm() -> MockServer {
    let llm = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion(&json!({
            "category": "streetlight",
            "priority": "high",
            "confidence": 0.87,
            "summary": "골목 가로등이 꺼져 어두움"
        }))))
        .mount(&llm)
        .await;
    llm
}

/// A worker's settings: `brokers`, a fresh SQLite database in `dir`,
/// photos in memory.
pub fn worker_config(dir: &TempDir, brokers: String) -> WorkerConfig {
    let mut config = WorkerConfig::with_brokers(brokers);
    config.store = StoreConfig {
        database_url: format!("sqlite://{}", dir.path().join("sinmungo.db").display()).into(),
        ..StoreConfig::embedded_defaults()
    };
    config.media.storage_url = "memory://".to_owned();
    config
}

/// A server's settings with Kafka at `brokers`: a fresh SQLite database in
/// `dir`, photos in memory, any free port.
pub fn server_config(dir: &TempDir, brokers: String) -> ServerConfig {
    let mut config = ServerConfig {
        store: StoreConfig {
            database_url: format!("sqlite://{}", dir.path().join("sinmungo.db").display()).into(),
            ..StoreConfig::embedded_defaults()
        },
        listen: "127.0.0.1:0".parse().expect("address"),
        data_dir: dir.path().to_owned(),
        kafka: KafkaArgs::with_brokers(brokers),
        ..ServerConfig::embedded_defaults()
    };
    config.media.storage_url = "memory://".to_owned();
    config
}

/// A worker on any free port, not running yet (or why it would not start).
pub async fn bind_worker(config: &WorkerConfig) -> anyhow::Result<Worker> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    Worker::on_listener(config, listener).await
}

/// A server started by a test, beside its workers.
pub struct RunningServer {
    pub base: String,
    stop: oneshot::Sender<()>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl RunningServer {
    /// Runs `server` until [`RunningServer::shut_down`].
    pub fn start(server: Server) -> Self {
        let base = format!("http://{}", server.local_addr().expect("its address"));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run(async move {
            stopped.await.ok();
        }));
        Self { base, stop, task }
    }

    /// Stops it as SIGTERM would, and checks that it stopped cleanly.
    pub async fn shut_down(self) {
        self.stop.send(()).ok();
        tokio::time::timeout(PATIENCE, self.task)
            .await
            .expect("the server stops in time")
            .expect("the server task ends")
            .expect("the server stops cleanly");
    }
}

/// A running worker.
pub struct TestWorker {
    pub base: String,
    pub client: reqwest::Client,
    pub config: WorkerConfig,
    cluster: MockCluster<'static, DefaultProducerContext>,
    _dir: TempDir,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestWorker {
    /// A worker over a fresh database and mock cluster, reading with `llm`.
    pub async fn spawn(llm: &MockServer) -> Self {
        Self::spawn_with(llm, |_| {}).await
    }

    /// Like [`TestWorker::spawn`], with the configuration changed by `edit`.
    pub async fn spawn_with(llm: &MockServer, edit: impl FnOnce(&mut WorkerConfig)) -> Self {
        init_logging();
        let cluster = MockCluster::new(1).expect("a mock cluster");
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut config = worker_config(&dir, cluster.bootstrap_servers());
        cluster
            .create_topic(&config.kafka.kafka_topic, 4, 1)
            .expect("events topic");
        cluster
            .create_topic(&config.kafka.kafka_dlq_topic, 1, 1)
            .expect("dead-letter topic");
        config.triage.llm_model = Some("test/triage-model".to_owned());
        config.triage.llm_api_key = Some("sk-test-key".parse::<ApiSecret>().expect("key"));
        config.triage.llm_base_url = llm.uri();
        config.triage.llm_timeout_secs = 2;
        config.consumer.shutdown_timeout_secs = 5;
        edit(&mut config);
        let worker = bind_worker(&config).await.expect("the worker starts");
        let addr: SocketAddr = worker.local_addr().expect("its address");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(worker.run(async move {
            stopped.await.ok();
        }));
        Self {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            config,
            cluster,
            _dir: dir,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.base))
            .json(body)
            .send()
            .await
            .expect("a response")
    }

    /// The mock broker it consumes from.
    pub fn cluster(&self) -> &MockCluster<'static, DefaultProducerContext> {
        &self.cluster
    }

    /// `GET /metrics`, parsed as Prometheus would.
    pub async fn scrape(&self) -> sinmungo_test_support::prometheus::Scrape {
        let response = self.get("/metrics").await;
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        let text = response.text().await.expect("a body");
        sinmungo_test_support::prometheus::Scrape::parse(&text).expect("Prometheus's text format")
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("a response")
    }

    /// Stops it as SIGTERM would, and checks that it stopped cleanly.
    pub async fn shut_down(mut self) {
        if let Some(stop) = self.stop.take() {
            stop.send(()).ok();
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(PATIENCE, task)
                .await
                .expect("the worker stops in time")
                .expect("the worker task ends")
                .expect("the worker stops cleanly");
        }
    }
}
