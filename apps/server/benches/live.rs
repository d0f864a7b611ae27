//! Live updates under load: how long a change takes from its commit to the
//! WebSocket clients watching it, with many clients connected, on one
//! embedded server and on two servers sharing Redis; and what idle
//! connections cost the server in memory.
//!
//! ```text
//! cargo bench -p sinmungo-server --bench live
//! BENCH_SOCKETS=1000 BENCH_IDLE=1000,10000 BENCH_REDIS_URL=redis://127.0.0.1:6390 cargo bench -p sinmungo-server --bench live
//! ```
//!
//! The real `sinmungo-server` binary runs as a child process (Cargo builds
//! it for its package's benchmarks and says where in
//! `CARGO_BIN_EXE_sinmungo-server`) over a SQLite file in a temporary
//! directory, on loopback; this process is the clients. Every setting the
//! run depends on is set here: the rate limits are lifted (one account
//! submits every report), the ping interval and per-connection queue are
//! the defaults, and any answer that is not 2xx, or a socket that closes or
//! misses a report, fails the run.
//!
//! 1. **Commit → push latency.** `BENCH_SOCKETS` anonymous clients subscribe
//!    to a map box around Jeonju; one citizen submits `BENCH_REPORTS` public
//!    reports there, one every `BENCH_GAP_MS`. For each report and socket
//!    the latency is from the moment the submit answered (the report was
//!    committed) to the moment that socket received the report. The path:
//!    the outbox relay (it polls every 100 ms when idle, so about 50 ms of
//!    each figure is that wait), the notifier, the fan-out, one report read
//!    per change, a view per socket, the socket. With `BENCH_REDIS_URL` the
//!    same runs again with two servers over one database and one Redis: the
//!    citizen submits to server A and the sockets are split between A and
//!    B, so half the pushes cross instances through Redis pub/sub.
//! 2. **Memory of idle sockets.** For each count in `BENCH_IDLE`, that many
//!    anonymous sockets are opened (each subscribed to one report topic, as
//!    a report page would) and held; the server's resident memory
//!    (`VmRSS` from `/proc`) is read before and after, after a short settle.

#![expect(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::expect_used,
    reason = "a benchmark prints its tables and fails loudly"
)]

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{SinkExt as _, StreamExt as _};
use serde_json::{json, Value};
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::Message;

const AREA: &str = "bbox:127.10,35.80,127.20,35.85";

fn knob<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// A server child process.
struct ServerProcess {
    child: Child,
    base: String,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Starts the server over `dir` (its database and keys), with `redis` if given.
async fn start(dir: &Path, redis: Option<&str>) -> ServerProcess {
    let port = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_sinmungo-server"));
    command
        .env_clear()
        .env("SINMUNGO_LISTEN", format!("127.0.0.1:{port}"))
        .env("SINMUNGO_DATA_DIR", dir)
        .env(
            "SINMUNGO_DATABASE_URL",
            format!("sqlite://{}", dir.join("sinmungo.db").display()),
        )
        .env(
            "SINMUNGO_STORAGE_URL",
            format!("file://{}", dir.join("media").display()),
        )
        .env("SINMUNGO_RATE_SUBMIT_PER_ACCOUNT", "1000000/1h")
        .env("SINMUNGO_RATE_SUBMIT_PER_IP", "1000000/1h")
        .env("SINMUNGO_RATE_REGISTER_PER_IP", "1000000/1h")
        .env("SINMUNGO_RATE_LOGIN_PER_IP", "1000000/1h")
        // Every socket of the run comes from one address.
        .env("SINMUNGO_MAX_CONNECTIONS_PER_ADDRESS", "0")
        .env("SINMUNGO_WS_PING_SECS", "30")
        .env("SINMUNGO_WS_QUEUE", "256")
        .env("SINMUNGO_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    if let Some(redis) = redis {
        command
            .env("SINMUNGO_REDIS_URL", redis)
            .env("SINMUNGO_REDIS_KEY_PREFIX", format!("bench-{port}:"));
    }
    let child = command.spawn().expect("the server starts");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = client.get(format!("{base}/ready")).send().await {
            if r.status().is_success() {
                break;
            }
        }
        assert!(Instant::now() < deadline, "the server did not become ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    ServerProcess { child, base }
}

/// The same servers' prefix, for two servers sharing Redis.
async fn start_pair(dir: &Path, redis: &str) -> (ServerProcess, ServerProcess) {
    let a = start(dir, Some(redis)).await;
    let prefix = format!("bench-{}:", a.base.rsplit(':').next().unwrap_or("0"));
    let port = free_port();
    let mut b = Command::new(env!("CARGO_BIN_EXE_sinmungo-server"));
    b.env_clear()
        .env("SINMUNGO_LISTEN", format!("127.0.0.1:{port}"))
        .env("SINMUNGO_DATA_DIR", dir)
        .env(
            "SINMUNGO_DATABASE_URL",
            format!("sqlite://{}", dir.join("sinmungo.db").display()),
        )
        .env(
            "SINMUNGO_STORAGE_URL",
            format!("file://{}", dir.join("media").display()),
        )
        .env("SINMUNGO_REDIS_URL", redis)
        .env("SINMUNGO_REDIS_KEY_PREFIX", prefix)
        .env("SINMUNGO_RATE_SUBMIT_PER_ACCOUNT", "1000000/1h")
        .env("SINMUNGO_RATE_SUBMIT_PER_IP", "1000000/1h")
        .env("SINMUNGO_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    let child = b.spawn().expect("the second server starts");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !client
        .get(format!("{base}/ready"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(
            Instant::now() < deadline,
            "the second server did not become ready"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Let both listeners subscribe before anything is pushed.
    tokio::time::sleep(Duration::from_millis(500)).await;
    (a, ServerProcess { child, base })
}

async fn citizen(base: &str) -> String {
    let response = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/register"))
        .json(
            &json!({"email": format!("bench-{}@example.kr", uuid::Uuid::now_v7()),
                      "password": "jeonbuk2026!", "display_name": "벤치"}),
        )
        .send()
        .await
        .expect("register");
    assert!(
        response.status().is_success(),
        "register: {}",
        response.status()
    );
    let body: Value = response.json().await.expect("JSON");
    body["access_token"].as_str().expect("token").to_owned()
}

/// What the sockets saw: report id → receipt times.
type Seen = Arc<Mutex<HashMap<String, Vec<Instant>>>>;

/// Opens `count` anonymous sockets on `base`, each subscribed to `topic`,
/// recording every report they receive in `seen`.
async fn sockets(base: &str, count: usize, topic: &str, seen: &Seen, tasks: &mut JoinSet<()>) {
    let url = base.replace("http://", "ws://") + "/api/v1/ws";
    for _ in 0..count {
        let (mut socket, _) = tokio_tungstenite::connect_async(url.as_str())
            .await
            .expect("socket opens");
        let hello = socket.next().await.expect("hello").expect("frame");
        assert!(hello.to_text().unwrap_or_default().contains("hello"));
        socket
            .send(Message::text(
                json!({"type": "subscribe", "topic": topic}).to_string(),
            ))
            .await
            .expect("subscribe");
        let subscribed = socket.next().await.expect("answer").expect("frame");
        assert!(
            subscribed
                .to_text()
                .unwrap_or_default()
                .contains("subscribed"),
            "{subscribed:?}"
        );
        let seen = seen.clone();
        tasks.spawn(async move {
            while let Some(Ok(frame)) = socket.next().await {
                let at = Instant::now();
                if let Message::Text(text) = frame {
                    let Ok(message) = serde_json::from_str::<Value>(text.as_str()) else {
                        continue;
                    };
                    if message["type"] == "report" {
                        let id = message["report"]["id"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned();
                        seen.lock().expect("lock").entry(id).or_default().push(at);
                    } else {
                        assert_ne!(message["type"], "resync", "a socket fell behind");
                    }
                }
            }
        });
    }
}

/// Submits `reports` reports to `base`, one every `gap`; returns each id and
/// the moment its submit answered.
async fn submit_all(
    base: &str,
    token: &str,
    reports: usize,
    gap: Duration,
) -> Vec<(String, Instant)> {
    let client = reqwest::Client::new();
    let mut done = Vec::with_capacity(reports);
    for n in 0..reports {
        let response = client
            .post(format!("{base}/api/v1/reports"))
            .bearer_auth(token)
            .json(
                &json!({"title": format!("도로 파손 {n}"), "description": "포트홀이 생겼어요",
                          "location": {"lat": 35.8242, "lng": 127.1480}, "visibility": "public"}),
            )
            .send()
            .await
            .expect("submit");
        let answered = Instant::now();
        assert!(
            response.status().is_success(),
            "submit: {}",
            response.status()
        );
        let body: Value = response.json().await.expect("JSON");
        done.push((body["id"].as_str().expect("id").to_owned(), answered));
        tokio::time::sleep(gap).await;
    }
    done
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

async fn latency_run(label: &str, submit_to: &str, watch: &[&str], sockets_total: usize) {
    let reports: usize = knob("BENCH_REPORTS", 50);
    let gap = Duration::from_millis(knob("BENCH_GAP_MS", 200));
    let seen: Seen = Arc::default();
    let mut tasks = JoinSet::new();
    let per_server = sockets_total / watch.len();
    let opened = Instant::now();
    for base in watch {
        sockets(base, per_server, AREA, &seen, &mut tasks).await;
    }
    eprintln!(
        "{label}: {} sockets open in {:?}",
        per_server * watch.len(),
        opened.elapsed()
    );
    let token = citizen(submit_to).await;
    let submitted = submit_all(submit_to, &token, reports, gap).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let seen = seen.lock().expect("lock").clone();
    let mut latencies = Vec::new();
    for (id, answered) in &submitted {
        let times = seen.get(id).map(Vec::as_slice).unwrap_or_default();
        assert_eq!(
            times.len(),
            per_server * watch.len(),
            "report {id} reached every socket once"
        );
        latencies.extend(
            times
                .iter()
                .map(|t| t.saturating_duration_since(*answered).as_secs_f64() * 1000.0),
        );
    }
    latencies.sort_by(f64::total_cmp);
    println!(
        "| {label} | {} | {} | {:.1} | {:.1} | {:.1} |",
        per_server * watch.len(),
        latencies.len(),
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
        latencies.last().copied().unwrap_or(f64::NAN),
    );
    tasks.abort_all();
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

async fn memory_run(dir: &Path, count: usize) {
    let server = start(dir, None).await;
    let token = citizen(&server.base).await;
    // One report, for every socket to follow (as a report page would).
    let report = submit_all(&server.base, &token, 1, Duration::ZERO).await;
    let topic = format!("report:{}", report[0].0);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = rss_kib(server.child.id());
    let seen: Seen = Arc::default();
    let mut tasks = JoinSet::new();
    sockets(&server.base, count, &topic, &seen, &mut tasks).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss_kib(server.child.id());
    println!(
        "| {count} | {:.1} | {:.1} | {:.1} |",
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        (after.saturating_sub(before)) as f64 / count as f64,
    );
    tasks.abort_all();
}

#[tokio::main]
async fn main() {
    let sockets_total: usize = knob("BENCH_SOCKETS", 1000);
    let idle: Vec<usize> = std::env::var("BENCH_IDLE")
        .unwrap_or_else(|_| "1000,10000".to_owned())
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    let redis = std::env::var("BENCH_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty());

    println!("\n### Commit → push latency\n");
    println!("| profile | sockets | deliveries | p50 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|---|");
    {
        let dir = tempfile::tempdir().expect("temporary directory");
        let server = start(dir.path(), None).await;
        latency_run(
            "embedded, one server",
            &server.base,
            &[&server.base],
            sockets_total,
        )
        .await;
    }
    if let Some(redis) = &redis {
        let dir = tempfile::tempdir().expect("temporary directory");
        let (a, b) = start_pair(dir.path(), redis).await;
        latency_run(
            "two servers, Redis (half the sockets on each)",
            &a.base,
            &[&a.base, &b.base],
            sockets_total,
        )
        .await;
    } else {
        eprintln!("BENCH_REDIS_URL unset: the two-server run is skipped");
    }

    println!("\n### Server memory with idle sockets\n");
    println!("| sockets | RSS before, MiB | RSS after, MiB | KiB per socket |");
    println!("|---|---|---|---|");
    for count in idle {
        let dir = tempfile::tempdir().expect("temporary directory");
        memory_run(dir.path(), count).await;
    }
}
