//! What the request metrics cost: the same trivial route called in-process
//! (no socket, no store) with and without [`track`], rounds alternating so
//! that a busy machine slows both alike; and what a scrape costs to render
//! with a series for every API route.
//!
//! ```text
//! cargo bench -p sinmungo-http --bench metrics
//! BENCH_REQUESTS=50000 BENCH_ROUNDS=5 cargo bench -p sinmungo-http --bench metrics
//! ```

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::error::Error;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use axum::Router;
use sinmungo_http::metrics::{track, Metrics};
use tower::ServiceExt as _;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Time per request of `requests` calls to `router`.
async fn per_request(router: &Router, requests: usize) -> Result<Duration, Box<dyn Error>> {
    let started = Instant::now();
    for n in 0..requests {
        let request = Request::get(format!("/api/v1/reports/{n}")).body(Body::empty())?;
        let response = router.clone().oneshot(request).await?;
        assert!(response.status().is_success());
    }
    Ok(started.elapsed() / u32::try_from(requests)?)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    let requests = setting("BENCH_REQUESTS", 100_000);
    let rounds = setting("BENCH_ROUNDS", 7);
    let metrics = Metrics::install()?;
    let plain = Router::new().route("/api/v1/reports/{id}", get(|| async { "ok" }));
    let tracked = track(plain.clone());

    // Warm both (the first tracked request registers its series).
    per_request(&plain, 1_000).await?;
    per_request(&tracked, 1_000).await?;
    let (mut without, mut with) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        without.push(per_request(&plain, requests).await?);
        with.push(per_request(&tracked, requests).await?);
        // Histogram values are folded in between scrapes, as the server's upkeep does.
        metrics.render();
    }
    let (without, with) = (median(without), median(with));
    println!("{requests} requests x {rounds} rounds, median per request:");
    println!("  without metrics: {:.0} ns", without.as_secs_f64() * 1e9);
    println!("  with metrics:    {:.0} ns", with.as_secs_f64() * 1e9);
    println!(
        "  cost of recording: {:.0} ns per request",
        (with.as_secs_f64() - without.as_secs_f64()) * 1e9
    );

    // A scrape with a series for each API route and two status classes.
    let paths: std::collections::BTreeSet<&str> =
        sinmungo_http::ROUTES.iter().map(|r| r.path).collect();
    let mut app = Router::new();
    for path in &paths {
        app = app.route(&format!("/api/v1{path}"), get(|| async { "ok" }));
    }
    let app = track(app);
    for path in &paths {
        let path = format!("/api/v1{}", path.replace('{', "x").replace('}', ""));
        app.clone()
            .oneshot(Request::get(path).body(Body::empty())?)
            .await?;
    }
    let started = Instant::now();
    let text = metrics.render();
    println!(
        "render: {:.2} ms for {} bytes, {} lines",
        started.elapsed().as_secs_f64() * 1e3,
        text.len(),
        text.lines().count()
    );
    Ok(())
}
