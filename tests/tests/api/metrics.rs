//! `GET /metrics`: scraped as Prometheus would, after requests a client made.
//!
//! Every server a test binary starts records into one process-wide recorder,
//! so counters are compared before and after this test's own requests, and
//! only ever required to have grown by at least as much as it asked.

use reqwest::StatusCode;
use sinmungo_server::ApiSecret;
use sinmungo_test_support::prometheus::Scrape;

use crate::harness::{expect_problem, TestApp};

const REQUESTS: &str = "sinmungo_http_requests_total";
const DURATION: &str = "sinmungo_http_request_duration_seconds";
const TOKEN: &str = "scrape-me-6f1c0e2b9a4d";

async fn scrape(app: &TestApp, token: Option<&str>) -> Scrape {
    let response = app.get("/metrics", token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"]
        .to_str()
        .expect("a content type")
        .to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let text = response.text().await.expect("a body");
    Scrape::parse(&text).expect("Prometheus's text format")
}

fn grew(before: &Scrape, after: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    after.sum(name, labels) - before.sum(name, labels)
}

#[tokio::test]
async fn requests_are_counted_and_timed_by_route_template_and_status_class() {
    let app = TestApp::spawn().await;
    let before = scrape(&app, None).await;

    for _ in 0..3 {
        let categories = app.get("/api/v1/categories", None).await;
        assert_eq!(categories.status(), StatusCode::OK);
    }
    let missing = uuid::Uuid::now_v7();
    let report = app.get(&format!("/api/v1/reports/{missing}"), None).await;
    assert_eq!(report.status(), StatusCode::NOT_FOUND);
    let made_up = format!("/no/such/page/{missing}");
    assert_eq!(
        app.get(&made_up, None).await.status(),
        StatusCode::NOT_FOUND
    );

    let after = scrape(&app, None).await;
    let categories = [
        ("method", "GET"),
        ("route", "/api/v1/categories"),
        ("status", "2xx"),
    ];
    assert!(grew(&before, &after, REQUESTS, &categories) >= 3.0);
    let one_report = [
        ("method", "GET"),
        ("route", "/api/v1/reports/{id}"),
        ("status", "4xx"),
    ];
    assert!(
        grew(&before, &after, REQUESTS, &one_report) >= 1.0,
        "the 404 is counted under the route's template"
    );
    assert!(
        grew(
            &before,
            &after,
            REQUESTS,
            &[("route", "unmatched"), ("status", "4xx")]
        ) >= 1.0
    );
    let raw = missing.to_string();
    assert!(
        after
            .samples
            .iter()
            .filter_map(|s| s.label("route"))
            .all(|route| !route.contains(&raw)),
        "no series is named after a raw path"
    );

    // The latency histogram, as Prometheus stores one: cumulative buckets
    // up to +Inf, which equals the count.
    assert_eq!(after.types[DURATION], "histogram");
    let mut buckets: Vec<(f64, f64)> = after
        .find(&format!("{DURATION}_bucket"), &categories)
        .map(|s| {
            let le = s.label("le").expect("a bucket bound");
            let le = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().expect("a number")
            };
            (le, s.value)
        })
        .collect();
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert!(buckets.len() >= 10, "{buckets:?}");
    assert!(
        buckets.windows(2).all(|pair| pair[0].1 <= pair[1].1),
        "cumulative: {buckets:?}"
    );
    let count = after.sum(&format!("{DURATION}_count"), &categories);
    assert_eq!(buckets.last().map(|b| b.0), Some(f64::INFINITY));
    assert_eq!(buckets.last().map(|b| b.1), Some(count));
    assert!(count - before.sum(&format!("{DURATION}_count"), &categories) >= 3.0);
    assert!(after.sum(&format!("{DURATION}_sum"), &categories) > 0.0);
}

#[tokio::test]
async fn the_scrape_tells_which_build_runs_and_samples_the_outbox_and_the_pools() {
    let app = TestApp::spawn().await;
    let citizen = app.citizen("metrics@example.kr").await;
    app.submit(
        &citizen.access_token,
        "가로등 고장",
        "밤에 어두워요",
        "public",
    )
    .await;

    let scrape = scrape(&app, None).await;
    let build = [
        ("binary", "sinmungo-server"),
        ("version", env!("CARGO_PKG_VERSION")),
    ];
    assert_eq!(scrape.sum("sinmungo_build_info", &build), 1.0);
    assert_eq!(
        scrape.find("sinmungo_outbox_pending_events", &[]).count(),
        1
    );
    let age = scrape.sum("sinmungo_outbox_oldest_pending_age_seconds", &[]);
    assert!(age >= 0.0, "{age}");
    // The embedded SQLite store: a pool of readers and one writer.
    for pool in ["read", "write"] {
        for state in ["in_use", "idle"] {
            assert_eq!(
                scrape
                    .find(
                        "sinmungo_db_pool_connections",
                        &[("pool", pool), ("state", state)]
                    )
                    .count(),
                1,
                "{pool} {state}"
            );
        }
    }
    assert!(
        scrape.sum(
            "sinmungo_db_pool_connections",
            &[("pool", "write"), ("state", "idle")]
        ) + scrape.sum(
            "sinmungo_db_pool_connections",
            &[("pool", "write"), ("state", "in_use")]
        ) <= 1.0,
        "one writer connection"
    );
}

#[tokio::test]
async fn every_metric_a_scrape_shows_is_listed_in_the_readme() {
    let readme = include_str!("../../../README.md");
    let app = TestApp::spawn().await;
    app.get("/api/v1/categories", None).await;
    let scrape = scrape(&app, None).await;
    let mut undocumented: Vec<&str> = scrape
        .types
        .keys()
        .map(String::as_str)
        .filter(|name| name.starts_with("sinmungo_"))
        .filter(|name| !readme.contains(&format!("`{name}`")))
        .collect();
    undocumented.sort_unstable();
    assert!(
        undocumented.is_empty(),
        "metrics missing from the README's list: {undocumented:?}"
    );
    assert!(scrape.types.contains_key(REQUESTS));
}

#[tokio::test]
async fn with_a_token_set_a_scrape_must_present_it() {
    let app = TestApp::spawn_with(|config| {
        config.metrics.metrics_token = Some(TOKEN.parse::<ApiSecret>().expect("a token"));
    })
    .await;

    let anonymous = app.get("/metrics", None).await;
    let problem = expect_problem(
        anonymous,
        StatusCode::UNAUTHORIZED,
        "metrics_token_required",
    )
    .await;
    assert!(
        !problem.to_string().contains("sinmungo_http"),
        "no metric leaks"
    );
    let wrong = app.get("/metrics", Some("scrape-me-but-wrong")).await;
    expect_problem(wrong, StatusCode::UNAUTHORIZED, "metrics_token_required").await;
    let prefix = app.get("/metrics", Some(&TOKEN[..TOKEN.len() - 1])).await;
    expect_problem(prefix, StatusCode::UNAUTHORIZED, "metrics_token_required").await;

    let scrape = scrape(&app, Some(TOKEN)).await;
    assert!(scrape.types.contains_key(REQUESTS));
    // The API's own tokens are another matter: /health stays open.
    assert_eq!(app.get("/health", None).await.status(), StatusCode::OK);
}
