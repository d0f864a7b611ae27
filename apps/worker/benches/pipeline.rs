//! The event pipeline with an AI that answers in 200 ms: how many reports a
//! worker analyses per second at several concurrencies, and how long a
//! citizen waits from submitting a report to seeing its analysis, in the
//! embedded profile and with Kafka.
//!
//! ```text
//! cargo bench -p sinmungo-worker --bench pipeline
//! BENCH_ONLY=throughput BENCH_CONCURRENCY=32 BENCH_REPORTS=1280 cargo bench -p sinmungo-worker --bench pipeline
//! ```
//!
//! Everything runs on this machine: librdkafka's mock cluster and a wiremock
//! LLM (OpenAI chat-completions shape, answering after `BENCH_LLM_DELAY_MS`)
//! in this process, the server in this process over a SQLite file in a
//! temporary directory, and the real `sinmungo-worker` binary as a child
//! process (Cargo builds a package's binaries for its benchmarks and tells
//! where, in `CARGO_BIN_EXE_sinmungo-worker`). Nothing is shared between
//! runs: each gets a fresh cluster, database, LLM and worker.
//!
//! 1. **Worker throughput.** The server (Kafka mode, no AI of its own) takes
//!    `N` reports over HTTP and its relay publishes them to a topic of
//!    `BENCH_PARTITIONS` partitions; then one worker starts with
//!    `SINMUNGO_WORKER_CONCURRENCY=c` and drains the backlog. The time is
//!    taken from the reports' own stamps: from the start of the first
//!    triage (`analysis.decided_at - analysis.latency_ms`) to the last
//!    `analysis.decided_at` (the `report.analyzed` event's time), so the
//!    worker's start and group join are not counted. Ideal: `c / delay`.
//!    Also printed: the rate over the first 90 % of reports; how many
//!    LLM calls were in flight on average; and the CPU the worker, this
//!    process (server, mock cluster, LLM) and the whole machine used
//!    meanwhile. The wiremock LLM is first measured alone at 32 concurrent
//!    clients, to show it is not the bottleneck.
//! 2. **Submit-to-analysed latency.** Reports are submitted one at a time at
//!    `BENCH_RATE` a second, (a) to an embedded server (in-process bus,
//!    triage in the server, its LLM the wiremock one) and (b) to a Kafka-mode
//!    server with one worker (concurrency `BENCH_LATENCY_CONCURRENCY`). Each
//!    report is measured twice: by its stamps (`created_at` to
//!    `analysis.decided_at`, each taken from the system clock as the change
//!    is built, just before its transaction) and by the client (from the submit response to the
//!    first `GET /reports/{id}` showing `decided_by: ai`, polling the
//!    reports not yet analysed every 10 ms). Three warm-up reports, analysed
//!    before measuring starts, let the worker join its group first.
//!
//!    The Kafka profile runs twice: with librdkafka's defaults, and with the
//!    worker's `fetch.wait.max.ms` at `BENCH_SHORT_FETCH_MS` (10). The mock
//!    broker holds a fetch that finds nothing for the whole
//!    `fetch.wait.max.ms` (500 ms by default) even when an event arrives
//!    meanwhile, where a real broker answers at once; the second run shows
//!    the pipeline without that artefact. Last, the embedded profile runs at
//!    `BENCH_SLOW_RATE` (2) a second with half the reports: it analyses one
//!    report at a time, so at 5 a second with a 200 ms AI it has no slack.
//!
//! Knobs (environment): `BENCH_CONCURRENCY` (`1,8,32`), `BENCH_REPORTS`
//! (throughput reports per run; default `max(50, 20 × c)`),
//! `BENCH_PARTITIONS` (32), `BENCH_LLM_DELAY_MS` (200), `BENCH_RATE`
//! (submissions a second, 5), `BENCH_LATENCY_REPORTS` (200),
//! `BENCH_LATENCY_CONCURRENCY` (8), `BENCH_SHORT_FETCH_MS` (10; 0 skips
//! that run), `BENCH_SLOW_RATE` (2; 0 skips that run), `BENCH_ONLY`
//! (`throughput` or `latency`), `BENCH_LOG` (the worker's log filter,
//! `info`).

#![expect(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a benchmark prints its tables on stdout and its progress on stderr"
)]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context as _};
use chrono::{DateTime, Utc};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sinmungo_server::{ApiSecret, KafkaArgs, Server, ServerConfig, StoreConfig};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions as _, Connection as _, SqliteConnection};
use tempfile::TempDir;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// The worker binary Cargo built for this benchmark.
const WORKER_BINARY: &str = env!("CARGO_BIN_EXE_sinmungo-worker");
/// How often the client looks for analyses.
const POLL: Duration = Duration::from_millis(10);
/// Reports analysed before latency is measured (the worker joins its group meanwhile).
const WARM_UP: usize = 3;
/// The longest any wait may take before the run is declared broken.
const PATIENCE: Duration = Duration::from_secs(120);
/// `/proc` counts CPU time in USER_HZ ticks, 100 a second on Linux.
const TICKS_PER_SECOND: f64 = 100.0;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let knobs = Knobs::from_env()?;
    let worker = worker_binary()?;
    eprintln!(
        "pipeline bench: LLM delay {} ms, worker {}, {} cores, load average {}",
        knobs.delay.as_millis(),
        worker.display(),
        std::thread::available_parallelism().map_or(0, std::num::NonZero::get),
        load_average()
    );
    let mut out = String::new();
    if knobs.throughput {
        let calibration = Box::pin(calibrate_llm(knobs.delay, 32)).await?;
        let mut rows = Vec::new();
        for &concurrency in &knobs.concurrencies {
            let row = Box::pin(throughput(&knobs, &worker, concurrency)).await?;
            eprintln!("  {row:?}");
            rows.push(row);
        }
        throughput_tables(&mut out, &knobs, &calibration, &rows)?;
    }
    if knobs.latency {
        let mut rows = Vec::new();
        for (mode, rate, reports) in knobs.latency_runs() {
            let row = Box::pin(latency(&knobs, &worker, mode, rate, reports)).await?;
            eprintln!("  {}", row.summary());
            rows.push(row);
        }
        latency_tables(&mut out, &knobs, &rows)?;
    }
    println!("{out}");
    Ok(())
}

// ---------------------------------------------------------------------------
// Settings

#[derive(Debug)]
struct Knobs {
    delay: Duration,
    concurrencies: Vec<usize>,
    reports: Option<usize>,
    partitions: i32,
    rate: f64,
    slow_rate: f64,
    short_fetch_ms: u32,
    latency_reports: usize,
    latency_concurrency: usize,
    worker_log: String,
    throughput: bool,
    latency: bool,
}

impl Knobs {
    fn from_env() -> anyhow::Result<Self> {
        let only = std::env::var("BENCH_ONLY").unwrap_or_default();
        let (throughput, latency) = match only.trim() {
            "" => (true, true),
            "throughput" => (true, false),
            "latency" => (false, true),
            other => bail!("BENCH_ONLY={other}: expected `throughput` or `latency`"),
        };
        let knobs = Self {
            delay: Duration::from_millis(knob("BENCH_LLM_DELAY_MS", 200)?),
            concurrencies: list("BENCH_CONCURRENCY", vec![1, 8, 32])?,
            reports: Some(knob("BENCH_REPORTS", 0_usize)?).filter(|&n| n > 0),
            partitions: knob("BENCH_PARTITIONS", 32)?,
            rate: knob("BENCH_RATE", 5.0)?,
            slow_rate: knob("BENCH_SLOW_RATE", 2.0)?,
            short_fetch_ms: knob("BENCH_SHORT_FETCH_MS", 10)?,
            latency_reports: knob("BENCH_LATENCY_REPORTS", 200)?,
            latency_concurrency: knob("BENCH_LATENCY_CONCURRENCY", 8)?,
            worker_log: std::env::var("BENCH_LOG").unwrap_or_else(|_| "info".to_owned()),
            throughput,
            latency,
        };
        ensure!(
            !knobs.delay.is_zero(),
            "BENCH_LLM_DELAY_MS must be positive"
        );
        ensure!(
            knobs.concurrencies.iter().all(|&c| c > 0),
            "BENCH_CONCURRENCY: each must be at least 1"
        );
        ensure!(knobs.partitions > 0, "BENCH_PARTITIONS must be positive");
        ensure!(
            knobs.rate > 0.0 && knobs.slow_rate >= 0.0,
            "BENCH_RATE must be positive, BENCH_SLOW_RATE positive or 0"
        );
        ensure!(
            knobs.latency_reports > 0 && knobs.latency_concurrency > 0,
            "BENCH_LATENCY_REPORTS and BENCH_LATENCY_CONCURRENCY must be positive"
        );
        Ok(knobs)
    }

    /// Reports per throughput run at `concurrency`.
    fn reports_for(&self, concurrency: usize) -> usize {
        self.reports.unwrap_or_else(|| (20 * concurrency).max(50))
    }

    /// The latency runs: each profile at `rate`, then the embedded one at
    /// `slow_rate` with half the reports.
    fn latency_runs(&self) -> Vec<(Mode, f64, usize)> {
        let mut runs = vec![
            (Mode::Embedded, self.rate, self.latency_reports),
            (Mode::Kafka, self.rate, self.latency_reports),
        ];
        if self.short_fetch_ms > 0 {
            runs.push((
                Mode::KafkaShortFetch(self.short_fetch_ms),
                self.rate,
                self.latency_reports,
            ));
        }
        if self.slow_rate > 0.0 {
            runs.push((
                Mode::Embedded,
                self.slow_rate,
                (self.latency_reports / 2).max(1),
            ));
        }
        runs
    }

    fn delay_secs(&self) -> f64 {
        self.delay.as_secs_f64()
    }
}

fn knob<T: FromStr>(name: &str, default: T) -> anyhow::Result<T> {
    match std::env::var(name) {
        Ok(value) if !value.trim().is_empty() => value
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("{name}={value}: not a valid value")),
        _ => Ok(default),
    }
}

fn list<T: FromStr>(name: &str, default: Vec<T>) -> anyhow::Result<Vec<T>> {
    match std::env::var(name) {
        Ok(value) if !value.trim().is_empty() => value
            .split(',')
            .map(|item| {
                item.trim()
                    .parse()
                    .map_err(|_| anyhow::anyhow!("{name}={value}: `{item}` is not a valid value"))
            })
            .collect(),
        _ => Ok(default),
    }
}

/// The worker binary, or a clear error when it is not where Cargo said.
fn worker_binary() -> anyhow::Result<PathBuf> {
    let path = PathBuf::from(WORKER_BINARY);
    if !path.is_file() {
        bail!(
            "the worker binary is missing at {} (Cargo builds it for this benchmark; run \
             `cargo bench -p sinmungo-worker --bench pipeline` rather than the bench executable \
             alone, or `cargo build --release -p sinmungo-worker` first)",
            path.display()
        );
    }
    Ok(path)
}

// ---------------------------------------------------------------------------
// 0. The LLM alone

#[derive(Debug)]
struct Calibration {
    clients: usize,
    requests: usize,
    per_sec: f64,
    p50: f64,
    p99: f64,
}

/// `clients` clients calling the wiremock LLM back to back: can it answer
/// `clients / delay` a second, or is it a bottleneck itself?
async fn calibrate_llm(delay: Duration, clients: usize) -> anyhow::Result<Calibration> {
    let llm = llm(delay).await;
    let client = reqwest::Client::new();
    let url = format!("{}/chat/completions", llm.uri());
    let rounds = 10;
    // A request of the size the worker sends (model, system prompt, the report).
    let body = json!({
        "model": "test/triage-model",
        "messages": [
            {"role": "system", "content": "x".repeat(3_000)},
            {"role": "user", "content": "밤길이 무서워요. 골목이 너무 어두워요"}
        ]
    });
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, url, body) = (client.clone(), url.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            for _ in 0..rounds {
                let asked = Instant::now();
                let response = client.post(&url).json(&body).send().await?;
                ensure!(
                    response.status() == StatusCode::OK,
                    "the LLM answered {}",
                    response.status()
                );
                response.bytes().await?;
                latencies.push(ms(asked.elapsed()));
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    let elapsed = started.elapsed();
    let stats = Stats::of(&latencies);
    let calibration = Calibration {
        clients,
        requests: latencies.len(),
        per_sec: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: stats.p50,
        p99: stats.p99,
    };
    eprintln!("  {calibration:?}");
    Ok(calibration)
}

// ---------------------------------------------------------------------------
// 1. Throughput

#[derive(Debug)]
struct ThroughputRow {
    concurrency: usize,
    reports: usize,
    /// First triage start to last analysis.
    window: Duration,
    /// Worker start to its first analysis (process start, group join, first fetch).
    first_after: Duration,
    /// First triage start to the analysis of 90 % of the reports.
    ninety: Duration,
    mean_in_flight: f64,
    max_in_flight: usize,
    mean_triage_ms: f64,
    llm_calls: usize,
    analyzed_events: usize,
    worker_cpu: f64,
    process_cpu: f64,
    machine_busy: f64,
}

async fn throughput(
    knobs: &Knobs,
    worker: &Path,
    concurrency: usize,
) -> anyhow::Result<ThroughputRow> {
    let reports = knobs.reports_for(concurrency);
    eprintln!(
        "throughput: concurrency {concurrency}, {reports} reports (load average {})",
        load_average()
    );
    let llm = llm(knobs.delay).await;
    let cluster = Cluster::new(knobs.partitions)?;
    let stack = Stack::start(Some(&cluster.brokers), None).await?;
    let api = Api::new(&stack.base).await?;

    let mut ids = Vec::with_capacity(reports);
    for n in 0..reports {
        ids.push(api.submit(n).await?.id);
    }
    let mut db = stack.database().await?;
    let deadline = Instant::now() + PATIENCE;
    while pending_events(&mut db).await? > 0 {
        ensure!(
            Instant::now() < deadline,
            "the relay did not publish every report"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let spawned = Instant::now();
    let process = WorkerProcess::spawn(worker, &stack, &cluster, &llm, concurrency, knobs, None)?;
    // From the first analysis to the last, sampling CPU at both ends.
    let mut first = None;
    let deadline = spawned + PATIENCE;
    let last = loop {
        let analysed = analysed_count(&mut db).await?;
        if analysed > 0 && first.is_none() {
            first = Some((Instant::now(), CpuSample::take(process.pid())?));
        }
        if analysed >= reports {
            break (Instant::now(), CpuSample::take(process.pid())?);
        }
        if Instant::now() > deadline {
            bail!(
                "only {analysed} of {reports} reports analysed after {PATIENCE:?}; the worker's \
                 log:\n{}",
                process.log_tail()
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let (first_seen, first_cpu) = first.context("no first analysis was seen")?;
    let (_, last_cpu) = last;
    let usage = last_cpu.since(&first_cpu);
    drop(process);

    let analyses = analyses(&mut db).await?;
    ensure!(
        analyses.len() == reports,
        "{} analyses for {reports} reports",
        analyses.len()
    );
    let analyzed_events = analyzed_events(&mut db).await?;
    db.close().await.ok();
    // What the API shows: every report decided by the AI.
    for id in &ids {
        let report = api.report(id).await?;
        ensure!(
            report["analysis"]["decided_by"] == "ai",
            "report {id} is not analysed by the AI: {report}"
        );
    }
    let llm_calls = llm_calls(&llm).await;
    stack.stop().await?;
    drop(cluster);

    let intervals: Vec<(DateTime<Utc>, DateTime<Utc>)> = analyses
        .iter()
        .map(|a| (a.triage_started(), a.decided_at))
        .collect();
    let start = intervals.iter().map(|i| i.0).min().context("no analyses")?;
    let end = intervals.iter().map(|i| i.1).max().context("no analyses")?;
    let window = (end - start).to_std().context("a negative window")?;
    let mut ends: Vec<DateTime<Utc>> = intervals.iter().map(|i| i.1).collect();
    ends.sort();
    let ninety = ends
        .get((reports * 9).div_ceil(10).saturating_sub(1))
        .context("no analyses")?;
    let ninety = (*ninety - start).to_std().context("a negative window")?;
    let triage_ms: Vec<f64> = analyses.iter().map(|a| a.latency_ms as f64).collect();
    Ok(ThroughputRow {
        concurrency,
        reports,
        window,
        first_after: first_seen.duration_since(spawned),
        ninety,
        mean_in_flight: triage_ms.iter().sum::<f64>() / 1000.0 / window.as_secs_f64(),
        max_in_flight: max_overlap(&intervals),
        mean_triage_ms: Stats::of(&triage_ms).mean,
        llm_calls,
        analyzed_events,
        worker_cpu: usage.worker,
        process_cpu: usage.process,
        machine_busy: usage.machine,
    })
}

/// The most intervals open at once.
fn max_overlap(intervals: &[(DateTime<Utc>, DateTime<Utc>)]) -> usize {
    let mut edges: Vec<(DateTime<Utc>, i64)> = intervals
        .iter()
        .flat_map(|&(from, to)| [(from, 1), (to, -1)])
        .collect();
    // Ends before starts at the same instant.
    edges.sort();
    let (mut open, mut most) = (0_i64, 0_i64);
    for (_, change) in edges {
        open += change;
        most = most.max(open);
    }
    usize::try_from(most).unwrap_or(0)
}

fn throughput_tables(
    out: &mut String,
    knobs: &Knobs,
    calibration: &Calibration,
    rows: &[ThroughputRow],
) -> std::fmt::Result {
    let delay = knobs.delay_secs();
    writeln!(
        out,
        "### Worker throughput, LLM answering in {} ms ({} partitions, one worker)\n",
        knobs.delay.as_millis(),
        knobs.partitions
    )?;
    writeln!(
        out,
        "| concurrency | reports | analysed in | reports/s | ideal (c / {delay} s) | fraction of ideal | first 90 % of reports |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|")?;
    for row in rows {
        let rate = row.reports as f64 / row.window.as_secs_f64();
        let ideal = row.concurrency as f64 / delay;
        let ninety = (row.reports * 9).div_ceil(10) as f64 / row.ninety.as_secs_f64();
        writeln!(
            out,
            "| {} | {} | {:.2} s | **{:.1}** | {:.0} | **{:.2}** | {:.1}/s ({:.2}) |",
            row.concurrency,
            row.reports,
            row.window.as_secs_f64(),
            rate,
            ideal,
            rate / ideal,
            ninety,
            ninety / ideal,
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "| concurrency | LLM calls in flight, mean / most | triage per report (mean) | worker CPU | bench process CPU (server, mock cluster, LLM) | machine busy (2 cores = 100 %) | worker start → first analysis | LLM calls | `report.analyzed` events |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|---|---|")?;
    for row in rows {
        writeln!(
            out,
            "| {} | {:.1} / {} | {:.0} ms | {:.0} % | {:.0} % | {:.0} % | {:.1} s | {} | {} |",
            row.concurrency,
            row.mean_in_flight,
            row.max_in_flight,
            row.mean_triage_ms,
            row.worker_cpu * 100.0,
            row.process_cpu * 100.0,
            row.machine_busy * 100.0,
            row.first_after.as_secs_f64(),
            row.llm_calls,
            row.analyzed_events,
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "The wiremock LLM alone, {} clients back to back: {} requests, **{:.1}/s** (ideal {:.0}/s), p50 {:.1} ms, p99 {:.1} ms.\n",
        calibration.clients,
        calibration.requests,
        calibration.per_sec,
        calibration.clients as f64 / delay,
        calibration.p50,
        calibration.p99,
    )?;
    Ok(())
}

// ---------------------------------------------------------------------------
// 2. Latency

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The in-process bus: triage in the server.
    Embedded,
    /// Server, worker and mock cluster, librdkafka's defaults.
    Kafka,
    /// The same with the worker's `fetch.wait.max.ms` set to this: the mock
    /// broker holds an empty fetch for all of it even when data arrives
    /// (a real broker answers at once), so this stands in for a real broker.
    KafkaShortFetch(u32),
}

impl Mode {
    fn name(self) -> String {
        match self {
            Self::Embedded => "embedded (in-process bus)".to_owned(),
            Self::Kafka => "Kafka (server + worker + mock cluster)".to_owned(),
            Self::KafkaShortFetch(ms) => {
                format!("Kafka, worker `fetch.wait.max.ms={ms}`")
            }
        }
    }

    /// librdkafka properties for the worker.
    fn worker_properties(self) -> Option<String> {
        match self {
            Self::Embedded | Self::Kafka => None,
            Self::KafkaShortFetch(ms) => Some(format!("fetch.wait.max.ms={ms}")),
        }
    }
}

#[derive(Debug)]
struct LatencyRow {
    mode: Mode,
    rate: f64,
    reports: usize,
    /// `created_at` → `analysis.decided_at`, ms.
    stamped: Stats,
    /// Submit response → first GET showing the analysis, ms.
    visible: Stats,
    /// `analysis.latency_ms`: triage itself (the LLM call and what surrounds it).
    triage: Stats,
    /// `created_at` → triage start: relay, bus, queue.
    before_triage: Stats,
    /// Achieved submission rate.
    achieved_rate: f64,
    gets: usize,
    /// The whole machine's CPU while submitting and polling (all cores = 1).
    machine_busy: f64,
}

impl LatencyRow {
    fn summary(&self) -> String {
        format!(
            "{} at {}/s: stamped p50 {:.0} p99 {:.0} mean {:.0}; visible p50 {:.0} p99 {:.0} mean {:.0}; triage mean {:.0}",
            self.mode.name(),
            self.rate,
            self.stamped.p50,
            self.stamped.p99,
            self.stamped.mean,
            self.visible.p50,
            self.visible.p99,
            self.visible.mean,
            self.triage.mean
        )
    }
}

/// A submitted report, as the client saw it.
#[derive(Debug, Clone)]
struct Submitted {
    id: String,
    answered: Instant,
}

async fn latency(
    knobs: &Knobs,
    worker: &Path,
    mode: Mode,
    rate: f64,
    reports: usize,
) -> anyhow::Result<LatencyRow> {
    eprintln!(
        "latency: {}, {reports} reports at {rate}/s (load average {})",
        mode.name(),
        load_average()
    );
    let llm = llm(knobs.delay).await;
    let (cluster, stack, process) = match mode {
        Mode::Embedded => (None, Stack::start(None, Some(&llm)).await?, None),
        Mode::Kafka | Mode::KafkaShortFetch(_) => {
            let cluster = Cluster::new(knobs.partitions)?;
            let stack = Stack::start(Some(&cluster.brokers), None).await?;
            let process = WorkerProcess::spawn(
                worker,
                &stack,
                &cluster,
                &llm,
                knobs.latency_concurrency,
                knobs,
                mode.worker_properties(),
            )?;
            (Some(cluster), stack, Some(process))
        }
    };
    let api = Api::new(&stack.base).await?;

    // Warm up: the worker joins its group, connections open.
    let mut warm = Vec::new();
    for n in 0..WARM_UP {
        warm.push(api.submit(n).await?.id);
    }
    wait_for("the warm-up reports to be analysed", || async {
        for id in &warm {
            if api.report(id).await?["analysis"]["decided_by"] != "ai" {
                return Ok(false);
            }
        }
        Ok(true)
    })
    .await
    .with_context(|| {
        let log = process.as_ref().map(WorkerProcess::log_tail);
        format!("warming up: {}", log.unwrap_or_default())
    })?;

    // Submit at a steady rate while one loop polls the reports not yet analysed.
    let machine_before = machine_ticks()?;
    let (submitted_tx, mut submitted_rx) = mpsc::unbounded_channel::<Submitted>();
    let submitter = {
        let api = api.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
            let started = Instant::now();
            for n in 0..reports {
                tick.tick().await;
                let report = api.submit(WARM_UP + n).await?;
                submitted_tx.send(report).ok();
            }
            anyhow::Ok(started.elapsed())
        })
    };
    let mut pending: Vec<Submitted> = Vec::new();
    let mut visible: HashMap<String, f64> = HashMap::new();
    let mut open = true;
    let mut gets = 0;
    let deadline = Instant::now() + PATIENCE + Duration::from_secs_f64(reports as f64 / rate);
    while open || !pending.is_empty() {
        let round = Instant::now();
        loop {
            match submitted_rx.try_recv() {
                Ok(report) => pending.push(report),
                Err(mpsc::error::TryRecvError::Empty) => break,
                Err(mpsc::error::TryRecvError::Disconnected) => {
                    open = false;
                    break;
                }
            }
        }
        let mut still = Vec::with_capacity(pending.len());
        for report in pending {
            let seen = api.report(&report.id).await?;
            gets += 1;
            if seen["analysis"]["decided_by"] == "ai" {
                visible.insert(report.id.clone(), ms(report.answered.elapsed()));
            } else {
                still.push(report);
            }
        }
        pending = still;
        if round > deadline {
            bail!(
                "{} reports still unanalysed after {PATIENCE:?}",
                pending.len()
            );
        }
        tokio::time::sleep_until((round + POLL).into()).await;
    }
    let submitting = submitter.await??;
    let machine_after = machine_ticks()?;
    let machine_busy = machine_after.0.saturating_sub(machine_before.0) as f64
        / machine_after.1.saturating_sub(machine_before.1).max(1) as f64;

    let mut db = stack.database().await?;
    let analyses = analyses(&mut db).await?;
    db.close().await.ok();
    let llm_calls = llm_calls(&llm).await;
    drop(process);
    stack.stop().await?;
    drop(cluster);
    ensure!(
        llm_calls == reports + WARM_UP,
        "the LLM was asked {llm_calls} times for {} reports",
        reports + WARM_UP
    );

    let measured: Vec<&Analysed> = analyses
        .iter()
        .filter(|a| visible.contains_key(&a.id))
        .collect();
    ensure!(
        measured.len() == reports,
        "{} of {reports} reports measured",
        measured.len()
    );
    let stamped: Vec<f64> = measured
        .iter()
        .map(|a| ms_between(a.created_at, a.decided_at))
        .collect();
    let before_triage: Vec<f64> = measured
        .iter()
        .map(|a| ms_between(a.created_at, a.triage_started()))
        .collect();
    let triage: Vec<f64> = measured.iter().map(|a| a.latency_ms as f64).collect();
    let visible: Vec<f64> = visible.into_values().collect();
    Ok(LatencyRow {
        mode,
        rate,
        reports,
        stamped: Stats::of(&stamped),
        visible: Stats::of(&visible),
        triage: Stats::of(&triage),
        before_triage: Stats::of(&before_triage),
        achieved_rate: (reports.saturating_sub(1)) as f64 / submitting.as_secs_f64(),
        gets,
        machine_busy,
    })
}

fn latency_tables(out: &mut String, knobs: &Knobs, rows: &[LatencyRow]) -> std::fmt::Result {
    writeln!(
        out,
        "### Submit-to-analysed latency, LLM answering in {} ms (Kafka: one worker, concurrency {})\n",
        knobs.delay.as_millis(),
        knobs.latency_concurrency
    )?;
    writeln!(
        out,
        "| profile | rate | reports | measured | p50 | p99 | mean | max | of which AI triage (mean) | pipeline's own (mean − triage) |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|---|---|---|")?;
    for row in rows {
        for (what, stats) in [
            ("`created_at` → `analysis.decided_at`", &row.stamped),
            ("submit response → visible via GET", &row.visible),
        ] {
            writeln!(
                out,
                "| {} | {:.1}/s | {} | {what} | **{:.0} ms** | **{:.0} ms** | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} ms |",
                row.mode.name(),
                row.achieved_rate,
                row.reports,
                stats.p50,
                stats.p99,
                stats.mean,
                stats.max,
                row.triage.mean,
                stats.mean - row.triage.mean,
            )?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "| profile | rate | created → triage starts, p50 / p99 / mean | triage (`analysis.latency_ms`), p50 / p99 / mean | GETs polled | machine busy |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|")?;
    for row in rows {
        writeln!(
            out,
            "| {} | {:.1}/s | {:.0} / {:.0} / {:.0} ms | {:.0} / {:.0} / {:.0} ms | {} | {:.0} % |",
            row.mode.name(),
            row.achieved_rate,
            row.before_triage.p50,
            row.before_triage.p99,
            row.before_triage.mean,
            row.triage.p50,
            row.triage.p99,
            row.triage.mean,
            row.gets,
            row.machine_busy * 100.0,
        )?;
    }
    writeln!(out)?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Fixtures

/// An LLM calling everything a broken streetlight, urgently, after `delay`.
async fn llm(delay: Duration) -> MockServer {
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
                .set_delay(delay),
        )
        .mount(&llm)
        .await;
    llm
}

/// Requests the LLM has received.
async fn llm_calls(llm: &MockServer) -> usize {
    llm.received_requests()
        .await
        .as_deref()
        .map_or(0, <[Request]>::len)
}

/// librdkafka's mock cluster with the events and dead-letter topics.
struct Cluster {
    _cluster: MockCluster<'static, DefaultProducerContext>,
    brokers: String,
}

impl Cluster {
    fn new(partitions: i32) -> anyhow::Result<Self> {
        let cluster = MockCluster::new(1).context("a mock cluster")?;
        let brokers = cluster.bootstrap_servers();
        let kafka = KafkaArgs::with_brokers(brokers.clone());
        cluster
            .create_topic(&kafka.kafka_topic, partitions, 1)
            .context("the events topic")?;
        cluster
            .create_topic(&kafka.kafka_dlq_topic, 1, 1)
            .context("the dead-letter topic")?;
        Ok(Self {
            _cluster: cluster,
            brokers,
        })
    }
}

/// The server in this process over a SQLite file: Kafka mode when `brokers`
/// is given (no AI of its own), else embedded with `llm` as its AI.
struct Stack {
    dir: TempDir,
    database_url: String,
    base: String,
    stop: oneshot::Sender<()>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Stack {
    async fn start(brokers: Option<&str>, llm: Option<&MockServer>) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir().context("a temporary directory")?;
        let database_url = format!("sqlite://{}", dir.path().join("sinmungo.db").display());
        let mut config = ServerConfig {
            store: StoreConfig {
                database_url: database_url.clone().into(),
                ..StoreConfig::embedded_defaults()
            },
            listen: "127.0.0.1:0".parse()?,
            data_dir: dir.path().to_owned(),
            kafka: brokers.map_or_else(KafkaArgs::embedded, KafkaArgs::with_brokers),
            ..ServerConfig::embedded_defaults()
        };
        config.media.storage_url = "memory://".to_owned();
        // One citizen submits every report: lift the submission limits.
        for limit in [
            &mut config.access.rate_submit_per_ip,
            &mut config.access.rate_submit_per_account,
        ] {
            *limit = "1000000/1h".parse().map_err(anyhow::Error::msg)?;
        }
        if let Some(llm) = llm {
            config.triage.llm_model = Some("test/triage-model".to_owned());
            config.triage.llm_api_key = Some(
                "sk-test-key"
                    .parse::<ApiSecret>()
                    .map_err(|e| anyhow::anyhow!("{e}"))?,
            );
            config.triage.llm_base_url = llm.uri();
            config.triage.llm_timeout_secs = 10;
        }
        let server = Server::bind(&config).await.context("the server starts")?;
        let base = format!("http://{}", server.local_addr()?);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run(async move {
            stopped.await.ok();
        }));
        Ok(Self {
            dir,
            database_url,
            base,
            stop,
            task,
        })
    }

    /// A read-only connection to its database.
    async fn database(&self) -> anyhow::Result<SqliteConnection> {
        SqliteConnectOptions::from_str(&self.database_url)?
            .read_only(true)
            .connect()
            .await
            .context("opening the database")
    }

    async fn stop(self) -> anyhow::Result<()> {
        self.stop.send(()).ok();
        tokio::time::timeout(PATIENCE, self.task)
            .await
            .context("the server did not stop in time")???;
        drop(self.dir);
        Ok(())
    }
}

/// The worker binary as a child process, killed when dropped.
struct WorkerProcess {
    child: Child,
    log: PathBuf,
}

impl WorkerProcess {
    fn spawn(
        binary: &Path,
        stack: &Stack,
        cluster: &Cluster,
        llm: &MockServer,
        concurrency: usize,
        knobs: &Knobs,
        properties: Option<String>,
    ) -> anyhow::Result<Self> {
        let log = stack.dir.path().join("worker.log");
        let mut command = Command::new(binary);
        command.env_clear();
        if let Some(properties) = properties {
            command.env("SINMUNGO_KAFKA_PROPERTIES", properties);
        }
        let child = command
            .env("SINMUNGO_DATABASE_URL", &stack.database_url)
            .env("SINMUNGO_STORAGE_URL", "memory://")
            .env("SINMUNGO_KAFKA_BROKERS", &cluster.brokers)
            .env("SINMUNGO_LLM_MODEL", "test/triage-model")
            .env("SINMUNGO_LLM_API_KEY", "sk-test-key")
            .env("SINMUNGO_LLM_BASE_URL", llm.uri())
            .env("SINMUNGO_LLM_TIMEOUT", "10")
            .env("SINMUNGO_WORKER_LISTEN", "127.0.0.1:0")
            .env("SINMUNGO_WORKER_CONCURRENCY", concurrency.to_string())
            .env("SINMUNGO_LOG", &knobs.worker_log)
            .stdin(Stdio::null())
            .stdout(Stdio::from(
                std::fs::File::create(&log).context("the worker's log file")?,
            ))
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        Ok(Self { child, log })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The end of its log, for error messages.
    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        format!(
            "the worker's log:\n{}",
            lines[lines.len().saturating_sub(40)..].join("\n")
        )
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

/// A citizen talking to the server.
#[derive(Clone)]
struct Api {
    base: String,
    client: reqwest::Client,
    token: String,
}

impl Api {
    async fn new(base: &str) -> anyhow::Result<Self> {
        let client = reqwest::Client::new();
        let response = client
            .post(format!("{base}/api/v1/auth/register"))
            .json(&json!({
                "email": "minji@example.kr",
                "password": "jeonbuk2026!",
                "display_name": "minji"
            }))
            .send()
            .await?;
        ensure!(
            response.status() == StatusCode::CREATED,
            "register: {}",
            response.status()
        );
        let body: Value = response.json().await?;
        Ok(Self {
            base: base.to_owned(),
            client,
            token: body["access_token"]
                .as_str()
                .context("an access token")?
                .to_owned(),
        })
    }

    /// Submits report `n`: a text the keyword rules cannot place, so only the AI decides.
    async fn submit(&self, n: usize) -> anyhow::Result<Submitted> {
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
            .await?;
        ensure!(
            response.status() == StatusCode::CREATED,
            "submit: {}",
            response.status()
        );
        let report: Value = response.json().await?;
        let answered = Instant::now();
        Ok(Submitted {
            id: report["id"].as_str().context("an id")?.to_owned(),
            answered,
        })
    }

    async fn report(&self, id: &str) -> anyhow::Result<Value> {
        let response = self
            .client
            .get(format!("{}/api/v1/reports/{id}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await?;
        ensure!(
            response.status() == StatusCode::OK,
            "read: {}",
            response.status()
        );
        Ok(response.json().await?)
    }
}

/// Polls `done` every 50 ms until it holds, for at most [`PATIENCE`].
async fn wait_for<F, Fut>(what: &str, mut done: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<bool>>,
{
    let deadline = Instant::now() + PATIENCE;
    while Instant::now() < deadline {
        if done().await? {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bail!("gave up waiting for {what} after {PATIENCE:?}")
}

// ---------------------------------------------------------------------------
// The database, read-only

/// A report's analysis, from the reports table.
#[derive(Debug)]
struct Analysed {
    id: String,
    created_at: DateTime<Utc>,
    decided_at: DateTime<Utc>,
    latency_ms: i64,
}

impl Analysed {
    /// When triage started (the analysis' decision time less its duration).
    fn triage_started(&self) -> DateTime<Utc> {
        self.decided_at - chrono::TimeDelta::milliseconds(self.latency_ms)
    }
}

async fn analyses(db: &mut SqliteConnection) -> anyhow::Result<Vec<Analysed>> {
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT id, created_at, analysis_decided_at, analysis_latency_ms FROM reports \
         WHERE analysis_decided_by = 'ai'",
    )
    .fetch_all(&mut *db)
    .await?;
    rows.into_iter()
        .map(|(id, created_at, decided_at, latency_ms)| {
            Ok(Analysed {
                id,
                created_at: DateTime::parse_from_rfc3339(&created_at)?.to_utc(),
                decided_at: DateTime::parse_from_rfc3339(&decided_at)?.to_utc(),
                latency_ms,
            })
        })
        .collect()
}

async fn analysed_count(db: &mut SqliteConnection) -> anyhow::Result<usize> {
    let (count,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM reports WHERE analysis_decided_by = 'ai'")
            .fetch_one(&mut *db)
            .await?;
    Ok(usize::try_from(count)?)
}

async fn pending_events(db: &mut SqliteConnection) -> anyhow::Result<usize> {
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM outbox WHERE published_at IS NULL")
        .fetch_one(&mut *db)
        .await?;
    Ok(usize::try_from(count)?)
}

async fn analyzed_events(db: &mut SqliteConnection) -> anyhow::Result<usize> {
    let (count,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM outbox WHERE event_type = 'report.analyzed'")
            .fetch_one(&mut *db)
            .await?;
    Ok(usize::try_from(count)?)
}

// ---------------------------------------------------------------------------
// Measuring

/// p50, p99, mean and max of some milliseconds.
#[derive(Debug, Clone, Copy, Default)]
struct Stats {
    p50: f64,
    p99: f64,
    mean: f64,
    max: f64,
}

impl Stats {
    fn of(values: &[f64]) -> Self {
        if values.is_empty() {
            return Self::default();
        }
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        // Nearest rank.
        let rank = |p: f64| {
            let index = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
            sorted
                .get(index.saturating_sub(1).min(sorted.len() - 1))
                .copied()
                .unwrap_or_default()
        };
        Self {
            p50: rank(50.0),
            p99: rank(99.0),
            mean: sorted.iter().sum::<f64>() / sorted.len() as f64,
            max: sorted.last().copied().unwrap_or_default(),
        }
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn ms_between(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_microseconds().unwrap_or(i64::MAX) as f64 / 1000.0
}

/// CPU time of the worker, of this process, and of the whole machine.
#[derive(Debug, Clone, Copy)]
struct CpuSample {
    at: Instant,
    worker_ticks: u64,
    process_ticks: u64,
    machine_busy: u64,
    machine_total: u64,
}

/// CPU used between two samples: the worker's and this process's as a
/// fraction of one core, the machine's as a fraction of all cores.
#[derive(Debug)]
struct CpuUsage {
    worker: f64,
    process: f64,
    machine: f64,
}

impl CpuSample {
    fn take(worker: u32) -> anyhow::Result<Self> {
        let (machine_busy, machine_total) = machine_ticks()?;
        Ok(Self {
            at: Instant::now(),
            worker_ticks: process_ticks(&format!("/proc/{worker}/stat"))?,
            process_ticks: process_ticks("/proc/self/stat")?,
            machine_busy,
            machine_total,
        })
    }

    fn since(&self, earlier: &Self) -> CpuUsage {
        let seconds = self.at.duration_since(earlier.at).as_secs_f64().max(1e-9);
        let share =
            |now: u64, then: u64| now.saturating_sub(then) as f64 / TICKS_PER_SECOND / seconds;
        CpuUsage {
            worker: share(self.worker_ticks, earlier.worker_ticks),
            process: share(self.process_ticks, earlier.process_ticks),
            machine: self.machine_busy.saturating_sub(earlier.machine_busy) as f64
                / self
                    .machine_total
                    .saturating_sub(earlier.machine_total)
                    .max(1) as f64,
        }
    }
}

/// utime + stime of a process, from `/proc/PID/stat`.
fn process_ticks(stat: &str) -> anyhow::Result<u64> {
    let text = std::fs::read_to_string(stat).with_context(|| format!("reading {stat}"))?;
    // The command name may hold spaces; the fields after it do not.
    let after_name = text.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14 and 15 of the whole line are the 12th and 13th after the name.
    let utime: u64 = fields.get(11).context("utime")?.parse()?;
    let stime: u64 = fields.get(12).context("stime")?.parse()?;
    Ok(utime + stime)
}

/// Busy and total ticks of all CPUs, from `/proc/stat`.
fn machine_ticks() -> anyhow::Result<(u64, u64)> {
    let text = std::fs::read_to_string("/proc/stat").context("reading /proc/stat")?;
    let line = text.lines().next().context("an empty /proc/stat")?;
    let ticks: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    // user nice system idle iowait irq softirq steal (guest time is in user already).
    let total: u64 = ticks.iter().take(8).sum();
    let idle = ticks.get(3).copied().unwrap_or(0) + ticks.get(4).copied().unwrap_or(0);
    Ok((total - idle, total))
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}
