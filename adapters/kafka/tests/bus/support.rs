//! A mock Kafka cluster per test, envelopes, recording handlers and a raw
//! topic reader.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::message::{Headers as _, Message as _};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use sinmungo_core::app::{EventHandler, HandlerError};
use sinmungo_core::domain::event::EventEnvelope;
use sinmungo_core::domain::report::ReportId;
use sinmungo_kafka::{
    EventConsumer, KafkaConfig, KafkaError, DEFAULT_DEAD_LETTER_TOPIC, DEFAULT_TOPIC,
};
use tokio::sync::{oneshot, Notify};
use tokio::task::JoinHandle;
use uuid::Uuid;

/// Partitions of the events topic in tests.
pub const PARTITIONS: i32 = 4;

/// The longest any test waits for something to happen.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// Logs to the test output when `TEST_LOG` is set.
pub fn init_tracing() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            tracing_subscriber::fmt()
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_from_env("TEST_LOG")
                        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("debug")),
                )
                .with_test_writer()
                .init();
        }
    });
}

/// What the consumers of this test binary counted for `group` since the
/// last call, by metric name (give each test its own group to read its own
/// counts; the first call installs the recorder).
pub fn counts(group: &str) -> HashMap<String, u64> {
    static SNAPSHOTTER: OnceLock<Snapshotter> = OnceLock::new();
    let snapshotter = SNAPSHOTTER.get_or_init(|| {
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        recorder
            .install()
            .expect("the only recorder of this test binary");
        snapshotter
    });
    let mut counts = HashMap::new();
    // A snapshot takes the counts (they start again from 0): read them all at once.
    for (key, .., value) in snapshotter.snapshot().into_vec() {
        let ours = key
            .key()
            .labels()
            .any(|label| label.key() == "group" && label.value() == group);
        if let (true, DebugValue::Counter(count)) = (ours, value) {
            *counts.entry(key.key().name().to_owned()).or_default() += count;
        }
    }
    counts
}

/// librdkafka's mock cluster: a Kafka-protocol broker on a loopback port.
pub struct Cluster {
    pub mock: MockCluster<'static, DefaultProducerContext>,
}

impl Cluster {
    /// One broker, the events topic with [`PARTITIONS`] partitions and the
    /// dead-letter topic with one.
    pub fn start() -> Self {
        init_tracing();
        let mock = MockCluster::new(1).expect("the mock cluster starts");
        mock.create_topic(DEFAULT_TOPIC, PARTITIONS, 1)
            .expect("events topic");
        mock.create_topic(DEFAULT_DEAD_LETTER_TOPIC, 1, 1)
            .expect("dead-letter topic");
        Self { mock }
    }

    /// Settings for this cluster, quick to retry and to commit.
    pub fn config(&self) -> KafkaConfig {
        let mut config = KafkaConfig::new(self.mock.bootstrap_servers());
        config.retry_backoff = Duration::from_millis(20);
        config.max_retry_backoff = Duration::from_millis(100);
        config.commit_interval = Duration::from_millis(100);
        config.shutdown_timeout = Duration::from_secs(10);
        config.message_timeout = Duration::from_secs(5);
        config
            // Leaving members are noticed at once; a crashed one after the session timeout.
            .with_property("session.timeout.ms", "6000")
            .with_property("heartbeat.interval.ms", "300")
    }
}

/// A `report.submitted` envelope for `report` with `seq` in its payload.
pub fn envelope(report: ReportId, seq: usize) -> EventEnvelope {
    EventEnvelope {
        id: Uuid::now_v7(),
        event_type: "report.submitted".to_owned(),
        version: EventEnvelope::VERSION,
        occurred_at: chrono::Utc::now(),
        report_id: report,
        payload: serde_json::json!({ "seq": seq, "title": "가로등이 꺼졌어요" }),
    }
}

/// A fresh report id.
pub fn report() -> ReportId {
    ReportId(Uuid::now_v7())
}

/// The `seq` of an envelope made by [`envelope`].
pub fn seq(event: &EventEnvelope) -> usize {
    event.payload["seq"]
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .expect("a seq")
}

/// Remembers every event it is given, in the order given, and can fail or
/// linger on request.
#[derive(Default)]
pub struct Recorder {
    handled: Mutex<Vec<EventEnvelope>>,
    changed: Notify,
    /// How long each call takes, by event id (default: no time).
    delays: Mutex<HashMap<Uuid, Duration>>,
    /// Events that always fail.
    failing: Mutex<Vec<Uuid>>,
    /// Events that fail as `Unavailable` this many more times.
    unavailable: Mutex<HashMap<Uuid, u32>>,
    /// Calls per event id, failures included.
    calls: Mutex<HashMap<Uuid, u32>>,
    /// Calls under way now, and the most ever at once.
    active: AtomicUsize,
    peak: AtomicUsize,
    /// Each call takes a little time, varying by event, to mix up the order of finishing.
    pub jitter: bool,
}

impl Recorder {
    /// A recorder whose calls take 0–3 ms.
    pub fn jittery() -> Arc<Self> {
        Arc::new(Self {
            jitter: true,
            ..Self::default()
        })
    }

    /// Makes `id` fail on every attempt.
    pub fn fail_always(&self, id: Uuid) {
        self.failing.lock().unwrap().push(id);
    }

    /// Makes `id` fail as `Unavailable` the next `times` attempts.
    pub fn unavailable(&self, id: Uuid, times: u32) {
        self.unavailable.lock().unwrap().insert(id, times);
    }

    /// The most calls that were ever under way at once.
    pub fn peak_concurrency(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }

    /// Makes handling `id` take `delay`.
    pub fn delay(&self, id: Uuid, delay: Duration) {
        self.delays.lock().unwrap().insert(id, delay);
    }

    /// Every handled event, in handling order (redeliveries included).
    pub fn handled(&self) -> Vec<EventEnvelope> {
        self.handled.lock().unwrap().clone()
    }

    /// Calls made for `id`.
    pub fn calls(&self, id: Uuid) -> u32 {
        self.calls.lock().unwrap().get(&id).copied().unwrap_or(0)
    }

    /// Waits until `done` holds of the handled events.
    pub async fn wait_until(&self, what: &str, done: impl Fn(&[EventEnvelope]) -> bool) {
        let waiting = async {
            loop {
                let notified = self.changed.notified();
                if done(&self.handled.lock().unwrap()) {
                    return;
                }
                notified.await;
            }
        };
        tokio::time::timeout(PATIENCE, waiting)
            .await
            .unwrap_or_else(|_| panic!("timed out waiting until {what}"));
    }

    /// Waits until `n` distinct events were handled.
    pub async fn wait_for_distinct(&self, n: usize) {
        self.wait_until(&format!("{n} distinct events are handled"), |handled| {
            distinct(handled) >= n
        })
        .await;
    }
}

/// How many different event ids are in `events`.
pub fn distinct(events: &[EventEnvelope]) -> usize {
    events
        .iter()
        .map(|e| e.id)
        .collect::<std::collections::HashSet<_>>()
        .len()
}

#[async_trait]
impl EventHandler for Recorder {
    async fn handle(&self, event: &EventEnvelope) -> Result<(), HandlerError> {
        *self.calls.lock().unwrap().entry(event.id).or_default() += 1;
        let now = self.active.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        let result = self.work(event).await;
        self.active.fetch_sub(1, Ordering::SeqCst);
        result
    }
}

impl Recorder {
    async fn work(&self, event: &EventEnvelope) -> Result<(), HandlerError> {
        let delay = self.delays.lock().unwrap().get(&event.id).copied();
        if let Some(delay) = delay {
            tokio::time::sleep(delay).await;
        } else if self.jitter {
            let micros = u64::from(event.id.as_u128() as u16 % 3000);
            tokio::time::sleep(Duration::from_micros(micros)).await;
        }
        if let Some(left) = self.unavailable.lock().unwrap().get_mut(&event.id) {
            if *left > 0 {
                *left -= 1;
                return Err(HandlerError::Unavailable("the database is down".to_owned()));
            }
        }
        if self.failing.lock().unwrap().contains(&event.id) {
            return Err(HandlerError::Unknown(anyhow::anyhow!(
                "category not in the directory (분류 없음)"
            )));
        }
        self.handled.lock().unwrap().push(event.clone());
        self.changed.notify_waiters();
        Ok(())
    }
}

/// A consumer running on a task, and the means to stop it.
pub struct Running {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), KafkaError>>,
}

impl Running {
    /// Starts a consumer of `config` delivering to `handler`.
    pub fn start(config: &KafkaConfig, handler: Arc<dyn EventHandler>) -> Self {
        let consumer = EventConsumer::new(config, handler).expect("the consumer starts");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(consumer.run(async move {
            stopped.await.ok();
        }));
        Self {
            stop: Some(stop),
            task,
        }
    }

    /// Asks for a graceful shutdown and waits for it.
    pub async fn shut_down(mut self) {
        if let Some(stop) = self.stop.take() {
            stop.send(()).ok();
        }
        within("the consumer shuts down", &mut self.task)
            .await
            .expect("the consumer task ends")
            .expect("the consumer stops cleanly");
    }

    /// Kills the consumer's loop where it stands: nothing more is committed
    /// by the loop.
    pub async fn crash(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

/// Awaits `future`, failing the test after [`PATIENCE`].
pub async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, future)
        .await
        .unwrap_or_else(|_| panic!("timed out: {what}"))
}

/// Waits until `done` holds, looking every 10 ms, failing the test after [`PATIENCE`].
pub async fn eventually(what: &str, done: impl Fn() -> bool) {
    within(what, async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
}

/// A message read back from a topic.
#[derive(Debug)]
pub struct Read {
    pub key: Option<String>,
    pub payload: Vec<u8>,
    pub headers: HashMap<String, String>,
    pub partition: i32,
}

/// Reads `count` messages of every partition of `topic` from the start,
/// outside the workers' group.
pub async fn read_topic(
    cluster: &Cluster,
    topic: &str,
    partitions: i32,
    count: usize,
) -> Vec<Read> {
    let (brokers, topic) = (cluster.mock.bootstrap_servers(), topic.to_owned());
    tokio::task::spawn_blocking(move || read_blocking(&brokers, &topic, partitions, count))
        .await
        .unwrap()
}

fn read_blocking(brokers: &str, topic: &str, partitions: i32, count: usize) -> Vec<Read> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", format!("reader-{}", Uuid::now_v7()))
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "false")
        .create()
        .expect("a reader");
    let mut assignment = TopicPartitionList::new();
    for partition in 0..partitions {
        assignment
            .add_partition_offset(topic, partition, Offset::Beginning)
            .expect("a partition");
    }
    consumer.assign(&assignment).expect("assigned");
    let deadline = std::time::Instant::now() + PATIENCE;
    let mut read = Vec::new();
    while read.len() < count {
        assert!(
            std::time::Instant::now() < deadline,
            "only {} of {count} messages on {topic}",
            read.len()
        );
        let Some(message) = consumer.poll(Duration::from_millis(100)) else {
            continue;
        };
        let message = message.expect("a message");
        let headers = message
            .headers()
            .map(|headers| {
                headers
                    .iter()
                    .map(|h| {
                        (
                            h.key.to_owned(),
                            String::from_utf8_lossy(h.value.unwrap_or_default()).into_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        read.push(Read {
            key: message
                .key()
                .map(|k| String::from_utf8_lossy(k).into_owned()),
            payload: message.payload().unwrap_or_default().to_vec(),
            headers,
            partition: message.partition(),
        });
    }
    read
}

/// The offsets the group committed on the events topic, per partition
/// (`None`: nothing committed).
pub async fn committed(cluster: &Cluster, config: &KafkaConfig) -> Vec<Option<i64>> {
    let (brokers, group, topic) = (
        cluster.mock.bootstrap_servers(),
        config.group_id.clone(),
        config.topic.clone(),
    );
    tokio::task::spawn_blocking(move || {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", brokers)
            .set("group.id", group)
            .create()
            .expect("a group client");
        let mut list = TopicPartitionList::new();
        for partition in 0..PARTITIONS {
            list.add_partition(&topic, partition);
        }
        let committed = consumer
            .committed_offsets(list, Duration::from_secs(10))
            .expect("committed offsets");
        (0..PARTITIONS)
            .map(|partition| {
                match committed
                    .find_partition(&topic, partition)
                    .map(|e| e.offset())
                {
                    Some(Offset::Offset(offset)) => Some(offset),
                    _ => None,
                }
            })
            .collect()
    })
    .await
    .unwrap()
}

/// Publishes raw bytes (not an envelope) to the events topic.
pub async fn publish_raw(cluster: &Cluster, topic: &str, key: &str, payload: &[u8]) {
    use rdkafka::producer::{FutureProducer, FutureRecord};
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", cluster.mock.bootstrap_servers())
        .create()
        .expect("a producer");
    producer
        .send(
            FutureRecord::to(topic).key(key).payload(payload),
            Duration::from_secs(5),
        )
        .await
        .expect("sent");
}
