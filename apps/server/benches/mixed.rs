//! A sustained mixed load at a fixed arrival rate: submits, map lists, report
//! reads, status changes and comments, for minutes, against the release
//! server — per operation p50/p99, errors, and the server's memory every
//! `BENCH_SAMPLE_SECS`; optionally with the database restarted in the middle.
//!
//! ```text
//! cargo bench -p sinmungo-server --bench mixed
//! BENCH_RATE=500 BENCH_SECS=600 cargo bench -p sinmungo-server --bench mixed
//! BENCH_DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/bench_mixed \
//!   BENCH_RESTART_CMD='pg_ctlcluster 15 main restart' cargo bench -p sinmungo-server --bench mixed
//! BENCH_KAFKA_OUTAGE_SECS=30 cargo bench -p sinmungo-server --bench mixed
//! ```
//!
//! The real `sinmungo-server` binary runs as a child process over a SQLite
//! file in a temporary directory (or `BENCH_DATABASE_URL`, a PostgreSQL
//! fresh database: its admin account is created here); this process is the clients. Arrivals are
//! open-loop: a request starts every `1 / BENCH_RATE` seconds whether or not
//! earlier ones have answered, so a slow server shows as latency rather than
//! as a politely lower rate (no coordinated omission). The mix per 100
//! requests: 40 map lists (a ~1 km box in central Jeonju, 20 a page), 30
//! report reads, 15 submits (a citizen of 50), 10 comments and 5 status
//! changes (an admin starts a received report), on reports seeded first (500;
//! `BENCH_SEED` for more, to start dense) and those submitted during the run.
//!
//! Every setting the run depends on is set here: rate limits lifted, no
//! connection cap per address (all clients are one address), `warn` logs.
//! Sign-ins are renewed with their refresh tokens every ten minutes (access
//! tokens live fifteen), so a run may last as long as it likes.
//! The run fails when any answer is not 2xx — outside the restart's window
//! when `BENCH_RESTART_CMD` is set (run at half time; errors are then
//! counted only until the first success after it) — or when any report whose
//! submit was answered 201 cannot be read back at the end.
//!
//! With `BENCH_KAFKA_OUTAGE_SECS`, the server publishes its outbox to Kafka —
//! librdkafka's mock cluster, started here, speaking the real protocol on a
//! loopback port — and every broker goes down for that many seconds at three
//! quarters of the run. Submits must go on being answered (the outbox holds
//! the events); at the end every `report.submitted` event of every report
//! answered 201 must be on the topic, or the run fails.

#![expect(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark prints its tables and fails loudly"
)]

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::message::{Headers as _, Message as _};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use serde_json::{json, Value};

fn knob<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

const ADMIN_EMAIL: &str = "bench-admin@jeonbuk.go.kr";
const ADMIN_PASSWORD: &str = "bench-admin-pass-2026";
const CITIZENS: usize = 50;
/// Reports submitted before the run (`BENCH_SEED` to start denser).
const SEEDED: u64 = 500;
/// Seed submits in flight at once.
const SEEDERS: u64 = 16;
/// Requests in flight at most; an arrival beyond it is an error ("dropped").
const IN_FLIGHT_CAP: usize = 4096;
/// The topics of the Kafka run, and its partitions.
const TOPIC: &str = "bench.report-events";
const DEAD_LETTER_TOPIC: &str = "bench.report-events.dlq";
const PARTITIONS: i32 = 4;
/// Every broker of the mock cluster.
const ALL_BROKERS: i32 = -1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    List,
    Read,
    Submit,
    Comment,
    Transition,
}

impl Op {
    const ALL: [Op; 5] = [Op::List, Op::Read, Op::Submit, Op::Comment, Op::Transition];

    /// The operation of the `n`-th arrival: the mix per 100, interleaved.
    fn of(n: u64) -> Op {
        match n.wrapping_mul(37) % 100 {
            0..40 => Op::List,
            40..70 => Op::Read,
            70..85 => Op::Submit,
            85..95 => Op::Comment,
            _ => Op::Transition,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Op::List => "map list (bbox, 20)",
            Op::Read => "report read",
            Op::Submit => "submit",
            Op::Comment => "comment",
            Op::Transition => "status change",
        }
    }
}

/// One answered (or failed) request.
#[derive(Debug, Clone, Copy)]
struct Sample {
    op: Op,
    /// Since the run's start, when it was sent.
    at: Duration,
    latency: Duration,
    ok: bool,
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn server_command(dir: &Path, database: &str, brokers: Option<&str>, port: u16) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sinmungo-server"));
    command
        .env_clear()
        .env("SINMUNGO_LISTEN", format!("127.0.0.1:{port}"))
        .env("SINMUNGO_DATA_DIR", dir)
        .env("SINMUNGO_DATABASE_URL", database)
        .env(
            "SINMUNGO_STORAGE_URL",
            format!("file://{}", dir.join("media").display()),
        )
        .env("SINMUNGO_RATE_SUBMIT_PER_ACCOUNT", "1000000000/1h")
        .env("SINMUNGO_RATE_SUBMIT_PER_IP", "1000000000/1h")
        .env("SINMUNGO_RATE_REGISTER_PER_IP", "1000000000/1h")
        .env("SINMUNGO_RATE_LOGIN_PER_IP", "1000000000/1h")
        .env("SINMUNGO_RATE_LOGIN_FAILURES", "1000000000/1h")
        .env("SINMUNGO_MAX_CONNECTIONS_PER_ADDRESS", "0")
        .env("SINMUNGO_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    if let Some(brokers) = brokers {
        command
            .env("SINMUNGO_KAFKA_BROKERS", brokers)
            .env("SINMUNGO_KAFKA_TOPIC", TOPIC)
            .env("SINMUNGO_KAFKA_DLQ_TOPIC", DEAD_LETTER_TOPIC);
    }
    command
}

async fn start(dir: &Path, database: &str, brokers: Option<&str>) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let status = server_command(dir, database, brokers, port)
        .args([
            "create-user",
            "--email",
            ADMIN_EMAIL,
            "--display-name",
            "벤치관리자",
            "--role",
            "admin",
        ])
        .env("SINMUNGO_NEW_USER_PASSWORD", ADMIN_PASSWORD)
        .status()
        .expect("create-user runs");
    assert!(status.success(), "create-user failed");
    let child = server_command(dir, database, brokers, port)
        .spawn()
        .expect("the server starts");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !client
        .get(format!("{base}/ready"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(Instant::now() < deadline, "the server did not become ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Server { child, base }
}

/// The server's resident memory, and the part of it that is the heap and
/// other anonymous pages (the rest is mapped files: the binary, libraries).
#[derive(Clone, Copy)]
struct Memory {
    rss_kib: u64,
    anon_kib: u64,
}

fn memory(pid: u32) -> Memory {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    Memory {
        rss_kib: field("VmRSS:"),
        anon_kib: field("RssAnon:"),
    }
}

/// Deterministic pseudo-randomness (xorshift) from an arrival's number.
fn mix(n: u64) -> u64 {
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x
}

fn unit(n: u64) -> f64 {
    (mix(n) % 1_000_000) as f64 / 1_000_000.0
}

/// What the clients share.
struct World {
    client: reqwest::Client,
    api: String,
    /// Access tokens, renewed by [`World::keep_signed_in`] before they expire.
    tokens: std::sync::RwLock<Tokens>,
    /// Every report answered 201, for reads and comments.
    reports: Mutex<Vec<String>>,
    /// Reports still `received`, for status changes.
    received: Mutex<Vec<String>>,
}

impl World {
    async fn run(&self, op: Op, n: u64) -> bool {
        let api = &self.api;
        let pick = |list: &Mutex<Vec<String>>| {
            let list = list.lock().expect("lock");
            let len = list.len().max(1) as u64;
            list.get(usize::try_from(mix(n) % len).unwrap_or(0))
                .cloned()
        };
        let request = match op {
            Op::List => {
                let lat = 35.80 + unit(n) * 0.05;
                let lng = 127.10 + unit(n + 1) * 0.07;
                self.client.get(format!(
                    "{api}/reports?bbox={lng:.5},{lat:.5},{:.5},{:.5}&limit=20",
                    lng + 0.011,
                    lat + 0.009
                ))
            }
            Op::Read => {
                let Some(id) = pick(&self.reports) else {
                    return true;
                };
                self.client.get(format!("{api}/reports/{id}"))
            }
            Op::Submit => {
                let citizen = self.citizen(n);
                self.client
                    .post(format!("{api}/reports"))
                    .bearer_auth(citizen)
                    .json(&submission(n))
            }
            Op::Comment => {
                let Some(id) = pick(&self.reports) else {
                    return true;
                };
                self.client
                    .post(format!("{api}/reports/{id}/comments"))
                    .bearer_auth(self.admin())
                    .json(&json!({"body": "현장 확인 후 조치하겠습니다. 불편을 드려 죄송합니다.", "internal": false}))
            }
            Op::Transition => {
                let Some(id) = self.received.lock().expect("lock").pop() else {
                    return true;
                };
                self.client
                    .post(format!("{api}/reports/{id}/transitions"))
                    .bearer_auth(self.admin())
                    .json(
                        &json!({"to": "in_progress", "note": "담당 부서에서 처리를 시작했습니다."}),
                    )
            }
        };
        let Ok(response) = request.send().await else {
            return false;
        };
        let ok = response.status().is_success();
        if op == Op::Submit && ok {
            if let Ok(body) = response.json::<Value>().await {
                if let Some(id) = body["id"].as_str() {
                    self.reports.lock().expect("lock").push(id.to_owned());
                    self.received.lock().expect("lock").push(id.to_owned());
                }
            }
        } else {
            // Read the body: the answer is only whole once it has arrived.
            let _ = response.bytes().await;
        }
        ok
    }
}

fn submission(n: u64) -> Value {
    const TEXTS: [(&str, &str); 4] = [
        ("도로 파손", "집 앞 도로에 큰 포트홀이 생겼어요"),
        ("가로등 고장", "골목 가로등이 며칠째 꺼져 있어요"),
        ("쓰레기 투기", "공터에 쓰레기 무단투기가 심합니다"),
        ("불법 주차", "소화전 앞에 불법주차 차량이 있어요"),
    ];
    let (title, description) = TEXTS[usize::try_from(mix(n) % 4).unwrap_or(0)];
    json!({
        "title": title,
        "description": format!("{description} ({n})"),
        "location": {"lat": 35.80 + unit(n + 2) * 0.06, "lng": 127.10 + unit(n + 3) * 0.08},
    })
}

/// An access token and the refresh token that renews it.
#[derive(Clone)]
struct Pair {
    access: String,
    refresh: String,
}

impl Pair {
    fn of(body: &Value) -> Pair {
        let field = |name: &str| body[name].as_str().expect("a token").to_owned();
        Pair {
            access: field("access_token"),
            refresh: field("refresh_token"),
        }
    }
}

#[derive(Clone)]
struct Tokens {
    citizens: Vec<Pair>,
    admin: Pair,
}

/// Access tokens live 15 minutes: a run longer than that must renew them
/// (every `BENCH_RENEW_SECS`, ten minutes unless told).
fn renew_every() -> Duration {
    Duration::from_secs(knob("BENCH_RENEW_SECS", 600))
}

async fn sign_in(client: &reqwest::Client, api: &str) -> Tokens {
    let mut citizens = Vec::new();
    for i in 0..CITIZENS {
        let response = client
            .post(format!("{api}/auth/register"))
            .json(
                &json!({"email": format!("bench-{i}-{}@example.kr", std::process::id()),
                          "password": "jeonbuk2026!", "display_name": "벤치시민"}),
            )
            .send()
            .await
            .expect("register");
        assert!(
            response.status().is_success(),
            "register: {}",
            response.status()
        );
        citizens.push(Pair::of(&response.json().await.expect("JSON")));
    }
    let response = client
        .post(format!("{api}/auth/login"))
        .json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .expect("login");
    assert!(
        response.status().is_success(),
        "admin login: {}",
        response.status()
    );
    Tokens {
        citizens,
        admin: Pair::of(&response.json().await.expect("JSON")),
    }
}

impl World {
    fn citizen(&self, n: u64) -> String {
        let tokens = self.tokens.read().expect("lock");
        tokens.citizens[usize::try_from(n).unwrap_or(0) % CITIZENS]
            .access
            .clone()
    }

    fn admin(&self) -> String {
        self.tokens.read().expect("lock").admin.access.clone()
    }

    /// Renews every access token each [`renew_every`] with its refresh token
    /// (one cheap request each, no password hashing in the middle of the run).
    async fn keep_signed_in(&self) {
        loop {
            tokio::time::sleep(renew_every()).await;
            let mut tokens = self.tokens.read().expect("lock").clone();
            for pair in tokens.citizens.iter_mut().chain([&mut tokens.admin]) {
                *pair = self.renew(pair).await;
            }
            *self.tokens.write().expect("lock") = tokens;
        }
    }

    async fn renew(&self, pair: &Pair) -> Pair {
        // A database restart may be under way: try again until it is over.
        for _ in 0..60 {
            let answer = self
                .client
                .post(format!("{}/auth/refresh", self.api))
                .json(&json!({"refresh_token": pair.refresh}))
                .send()
                .await;
            match answer {
                Ok(response) if response.status().is_success() => {
                    return Pair::of(&response.json().await.expect("JSON"));
                }
                Ok(response) if response.status().is_client_error() => {
                    panic!("renewing a sign-in: {}", response.status());
                }
                _ => tokio::time::sleep(Duration::from_secs(1)).await,
            }
        }
        panic!("renewing a sign-in failed for a minute");
    }
}

/// Reads the topic from the beginning while the run goes on (the mock
/// cluster keeps only the last 5 MB of a partition, so reading it after the
/// run would miss the oldest events): the distinct reports of the
/// `report.submitted` events it has seen, until told to stop.
struct Reader {
    seen: Arc<AtomicUsize>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl Reader {
    fn start(brokers: String) -> Reader {
        let seen = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (counted, stopping) = (seen.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let consumer: BaseConsumer = ClientConfig::new()
                .set("bootstrap.servers", brokers)
                .set("group.id", "bench-reader")
                .set("enable.auto.commit", "false")
                .create()
                .expect("a consumer");
            let mut assignment = TopicPartitionList::new();
            for partition in 0..PARTITIONS {
                assignment
                    .add_partition_offset(TOPIC, partition, Offset::Beginning)
                    .expect("a partition");
            }
            consumer.assign(&assignment).expect("assigned");
            let mut reports = std::collections::HashSet::new();
            while !stopping.load(Ordering::Relaxed) {
                let Some(Ok(message)) = consumer.poll(Duration::from_millis(100)) else {
                    continue;
                };
                let submitted = message.headers().is_some_and(|headers| {
                    headers.iter().any(|h| {
                        h.key == sinmungo_kafka::headers::EVENT_TYPE
                            && h.value == Some(b"report.submitted".as_slice())
                    })
                });
                if let (true, Some(key)) = (submitted, message.key()) {
                    reports.insert(key.to_vec());
                    counted.store(reports.len(), Ordering::Relaxed);
                }
            }
        });
        Reader { seen, stop, thread }
    }

    /// The reports seen once `expected` have been, or after 60 s without a new one.
    fn finish(self, expected: usize) -> usize {
        let mut last = self.seen.load(Ordering::Relaxed);
        let mut since = Instant::now();
        while last < expected && since.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(200));
            let now = self.seen.load(Ordering::Relaxed);
            if now != last {
                (last, since) = (now, Instant::now());
            }
        }
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().expect("the reader");
        self.seen.load(Ordering::Relaxed)
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let rate: f64 = knob("BENCH_RATE", 500.0);
    let secs: u64 = knob("BENCH_SECS", 600);
    let sample_secs: u64 = knob("BENCH_SAMPLE_SECS", 10);
    let restart: String = knob("BENCH_RESTART_CMD", String::new());
    let kafka_outage = Duration::from_secs(knob("BENCH_KAFKA_OUTAGE_SECS", 0));
    let dir = tempfile::tempdir().expect("a temporary directory");
    let database: String = knob(
        "BENCH_DATABASE_URL",
        format!("sqlite://{}", dir.path().join("sinmungo.db").display()),
    );
    let profile = if database.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let cluster = (!kafka_outage.is_zero()).then(|| {
        let cluster: MockCluster<'static, DefaultProducerContext> =
            MockCluster::new(1).expect("a mock cluster");
        cluster
            .create_topic(TOPIC, PARTITIONS, 1)
            .expect("the events topic");
        cluster
            .create_topic(DEAD_LETTER_TOPIC, 1, 1)
            .expect("the dead-letter topic");
        cluster
    });
    let brokers = cluster.as_ref().map(MockCluster::bootstrap_servers);
    let reader = brokers.clone().map(Reader::start);
    let server = start(dir.path(), &database, brokers.as_deref()).await;
    let pid = server.child.id();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1024)
        .build()
        .expect("a client");
    let api = format!("{}/api/v1", server.base);
    let tokens = sign_in(&client, &api).await;
    let world = Arc::new(World {
        client,
        api,
        tokens: std::sync::RwLock::new(tokens),
        reports: Mutex::new(Vec::new()),
        received: Mutex::new(Vec::new()),
    });
    let renewing = tokio::spawn({
        let world = world.clone();
        async move { world.keep_signed_in().await }
    });
    let seeded: u64 = knob("BENCH_SEED", SEEDED);
    eprintln!("seeding {seeded} reports");
    let seeders: Vec<_> = (0..SEEDERS)
        .map(|first| {
            let world = world.clone();
            tokio::spawn(async move {
                for n in (first..seeded).step_by(SEEDERS as usize) {
                    assert!(
                        world.run(Op::Submit, 1_000_000_000 + n).await,
                        "a seed submit failed"
                    );
                }
            })
        })
        .collect();
    for seeder in seeders {
        seeder.await.expect("a seeder");
    }

    eprintln!("{profile}: {rate} requests/s for {secs} s, sampling every {sample_secs} s");
    let samples: Arc<Mutex<Vec<Sample>>> = Arc::new(Mutex::new(Vec::new()));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let total = (rate * secs as f64) as u64;
    let gap = Duration::from_secs_f64(1.0 / rate);
    let mut rss = vec![(Duration::ZERO, memory(pid))];
    let mut next_sample = Duration::from_secs(sample_secs);
    let mut restarting: Option<tokio::task::JoinHandle<(Duration, Duration)>> = None;
    // The brokers' outage: when they went down, and came back.
    let mut brokers_down: Option<Duration> = None;
    let mut brokers_up: Option<Duration> = None;
    for n in 0..total {
        let due = gap.mul_f64(n as f64);
        let now = started.elapsed();
        if due > now {
            tokio::time::sleep(due - now).await;
        }
        if started.elapsed() >= next_sample {
            rss.push((started.elapsed(), memory(pid)));
            next_sample += Duration::from_secs(sample_secs);
        }
        if !restart.is_empty() && restarting.is_none() && due >= Duration::from_secs(secs / 2) {
            let cmd = restart.clone();
            // Off the arrival loop: arrivals keep coming during the restart.
            restarting = Some(tokio::spawn(async move {
                let from = started.elapsed();
                let status = tokio::task::spawn_blocking(move || {
                    Command::new("sh").arg("-c").arg(cmd).status()
                })
                .await
                .expect("the restart task")
                .expect("BENCH_RESTART_CMD runs");
                assert!(status.success(), "BENCH_RESTART_CMD failed: {status}");
                let to = started.elapsed();
                eprintln!(
                    "restarted the database: {:.1}–{:.1} s",
                    from.as_secs_f64(),
                    to.as_secs_f64()
                );
                (from, to)
            }));
        }
        if let Some(cluster) = &cluster {
            let quarter = Duration::from_secs(secs * 3 / 4);
            if brokers_down.is_none() && due >= quarter {
                cluster.broker_down(ALL_BROKERS).expect("brokers down");
                brokers_down = Some(started.elapsed());
                eprintln!("brokers down at {:.1} s", started.elapsed().as_secs_f64());
            }
            if brokers_up.is_none() && due >= quarter + kafka_outage {
                cluster.broker_up(ALL_BROKERS).expect("brokers up");
                brokers_up = Some(started.elapsed());
                eprintln!("brokers up at {:.1} s", started.elapsed().as_secs_f64());
            }
        }
        let op = Op::of(n);
        let at = started.elapsed();
        if in_flight.load(Ordering::Relaxed) >= IN_FLIGHT_CAP {
            samples.lock().expect("lock").push(Sample {
                op,
                at,
                latency: Duration::ZERO,
                ok: false,
            });
            continue;
        }
        in_flight.fetch_add(1, Ordering::Relaxed);
        let (world, samples, in_flight) = (world.clone(), samples.clone(), in_flight.clone());
        tokio::spawn(async move {
            let sent = Instant::now();
            let ok = world.run(op, n).await;
            let latency = sent.elapsed();
            in_flight.fetch_sub(1, Ordering::Relaxed);
            samples.lock().expect("lock").push(Sample {
                op,
                at,
                latency,
                ok,
            });
        });
    }
    while in_flight.load(Ordering::Relaxed) > 0 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let elapsed = started.elapsed();
    rss.push((elapsed, memory(pid)));
    let restarted = match restarting {
        Some(task) => Some(task.await.expect("the restart finished")),
        None => None,
    };

    // Every report answered 201 is there.
    let reports = world.reports.lock().expect("lock").clone();
    let mut missing = 0;
    for id in &reports {
        let response = world
            .client
            .get(format!("{}/reports/{id}", world.api))
            .bearer_auth(world.admin())
            .send()
            .await
            .expect("reading a report back");
        match response.status() {
            status if status.is_success() => {}
            reqwest::StatusCode::NOT_FOUND => missing += 1,
            // Anything else says nothing about the report: fail, don't count.
            status => panic!("reading report {id} back answered {status}"),
        }
    }
    // The renewal loops for ever: finished means it failed.
    if renewing.is_finished() {
        renewing.await.expect("renewing the sign-ins");
    } else {
        renewing.abort();
    }

    // Every submission answered 201 reached Kafka, outage or not.
    let on_kafka = reader.map(|reader| {
        let started = Instant::now();
        let seen = reader.finish(reports.len());
        (seen, started.elapsed())
    });

    let samples = samples.lock().expect("lock").clone();
    // With a restart, errors from its start to the first success after its
    // end are the outage's; any other error fails the run.
    let outage_end = restarted.map(|(_, to)| {
        samples
            .iter()
            .filter(|s| s.ok && s.at >= to)
            .map(|s| s.at)
            .min()
            .unwrap_or(elapsed)
    });
    let in_outage = |s: &Sample| match (restarted, outage_end) {
        (Some((from, _)), Some(end)) => s.at >= from && s.at <= end,
        _ => false,
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### Mixed load, {profile}: {rate:.0} requests/s offered for {secs} s ({} sent in {:.1} s)\n",
        samples.len(),
        elapsed.as_secs_f64()
    );
    let _ = writeln!(out, "| operation | requests | p50 | p99 | max | errors |");
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    let mut all: Vec<Duration> = Vec::new();
    let mut errors_outside = 0;
    let mut errors_during = 0;
    for op in Op::ALL {
        let mut latencies: Vec<Duration> = samples
            .iter()
            .filter(|s| s.op == op && s.ok)
            .map(|s| s.latency)
            .collect();
        latencies.sort();
        let errors = samples.iter().filter(|s| s.op == op && !s.ok).count();
        errors_outside += samples
            .iter()
            .filter(|s| s.op == op && !s.ok && !in_outage(s))
            .count();
        errors_during += samples
            .iter()
            .filter(|s| s.op == op && !s.ok && in_outage(s))
            .count();
        let _ = writeln!(
            out,
            "| {} | {} | {:.1} ms | {:.1} ms | {:.1} ms | {errors} |",
            op.name(),
            samples.iter().filter(|s| s.op == op).count(),
            percentile(&latencies, 50.0),
            percentile(&latencies, 99.0),
            latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
        );
        all.extend(latencies);
    }
    all.sort();
    let _ = writeln!(
        out,
        "| **all** | {} | {:.1} ms | **{:.1} ms** | {:.1} ms | {} |\n",
        samples.len(),
        percentile(&all, 50.0),
        percentile(&all, 99.0),
        all.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
        errors_outside + errors_during,
    );
    let _ = writeln!(
        out,
        "| from | answered/s | p99 | errors | server RSS | of it anonymous |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    for window in rss.windows(2) {
        let (from, to) = (window[0].0, window[1].0);
        let mut latencies: Vec<Duration> = samples
            .iter()
            .filter(|s| s.ok && s.at >= from && s.at < to)
            .map(|s| s.latency)
            .collect();
        latencies.sort();
        let errors = samples
            .iter()
            .filter(|s| !s.ok && s.at >= from && s.at < to)
            .count();
        let _ = writeln!(
            out,
            "| {:.0} s | {:.0} | {:.1} ms | {errors} | {:.1} MiB | {:.1} MiB |",
            from.as_secs_f64(),
            latencies.len() as f64 / (to - from).as_secs_f64().max(0.001),
            percentile(&latencies, 99.0),
            window[1].1.rss_kib as f64 / 1024.0,
            window[1].1.anon_kib as f64 / 1024.0,
        );
    }
    if let (Some((from, to)), Some(end)) = (restarted, outage_end) {
        let _ = writeln!(
            out,
            "\nDatabase restart from {:.1} s to {:.1} s; first success after it at {:.1} s \
             (recovered {:.1} s after the restart ended); {errors_during} errors in that window.",
            from.as_secs_f64(),
            to.as_secs_f64(),
            end.as_secs_f64(),
            (end.saturating_sub(to)).as_secs_f64(),
        );
    }
    if let (Some(down), Some(up)) = (brokers_down, brokers_up) {
        let errors = samples
            .iter()
            .filter(|s| !s.ok && s.at >= down && s.at <= up)
            .count();
        let mut latencies: Vec<Duration> = samples
            .iter()
            .filter(|s| s.ok && s.at >= down && s.at <= up)
            .map(|s| s.latency)
            .collect();
        latencies.sort();
        let _ = writeln!(
            out,
            "\nEvery Kafka broker down from {:.1} s to {:.1} s: {} requests answered meanwhile \
             (p99 {:.1} ms), {errors} errors.",
            down.as_secs_f64(),
            up.as_secs_f64(),
            latencies.len(),
            percentile(&latencies, 99.0),
        );
    }
    if let Some((seen, waited)) = on_kafka {
        let _ = writeln!(
            out,
            "Reports with their `report.submitted` event on Kafka: {seen} of {} (the last seen \
             {:.1} s after the read-back).",
            reports.len(),
            waited.as_secs_f64(),
        );
    }
    let _ = writeln!(
        out,
        "\nReports answered 201: {}; missing when read back: {missing}.",
        reports.len()
    );
    println!("{out}");
    drop(server);
    assert_eq!(missing, 0, "reports answered 201 were lost");
    if let Some((seen, _)) = on_kafka {
        assert_eq!(seen, reports.len(), "submitted events missing from Kafka");
    }
    assert_eq!(errors_outside, 0, "errors outside a restart window");
}
