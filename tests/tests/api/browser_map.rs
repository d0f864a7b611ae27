//! The console's map in a real browser: headless Chromium through
//! chromedriver (`SINMUNGO_TEST_CHROMEDRIVER`, as in `browser.rs`; unset,
//! the test says it is skipped, and with `SINMUNGO_REQUIRE_SERVICES=1` a
//! missing driver fails it). Tiles come from a path of the server that
//! has none, so nothing leaves the machine and the map must draw its
//! reports without a background.
//!
//! `browser.rs` keeps its launcher private, so this file starts its own
//! small one (no screenshots).

use std::process::{Child, Command, Stdio};

use anyhow::Context as _;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use sinmungo_tests::services::service_url;

use crate::harness::{created, TestApp};

/// chromedriver, stopped when dropped (Chromium goes with it).
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A headless Chromium session, or `None` when no chromedriver is configured.
async fn browser() -> anyhow::Result<Option<(Client, Driver, tempfile::TempDir)>> {
    let Some(driver_path) = service_url("SINMUNGO_TEST_CHROMEDRIVER")? else {
        return Ok(None);
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let driver = Driver(
        Command::new(&driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {driver_path}"))?,
    );
    let profile = tempfile::tempdir()?;
    let chromium =
        std::env::var("SINMUNGO_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".into(), json!("chrome"));
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,1024",
                format!("--user-data-dir={}", profile.path().display()),
            ],
        }),
    );
    // chromedriver takes a moment to listen: a bounded readiness wait.
    for _ in 0..200 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        if let Ok(client) = ClientBuilder::new(connector)
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            return Ok(Some((client, driver, profile)));
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    anyhow::bail!("chromedriver did not answer")
}

/// Waits (at most 10 s) until `script` returns `expected`.
async fn until(client: &Client, script: &str, expected: &serde_json::Value) -> anyhow::Result<()> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let value = client.execute(script, vec![]).await?;
        if &value == expected {
            return Ok(());
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "{script}: {value} instead of {expected}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn draws_one_circle_per_report(client: &Client, app: &TestApp) -> anyhow::Result<()> {
    client.goto(&app.url("/admin/login")).await?;
    client
        .find(Locator::Css("#email"))
        .await?
        .send_keys("staff@jeonbuk.go.kr")
        .await?;
    client
        .find(Locator::Css("#password"))
        .await?
        .send_keys("officer-pass-2026")
        .await?;
    client
        .find(Locator::Css("form.login button[type=submit]"))
        .await?
        .click()
        .await?;
    client.wait().for_element(Locator::Css("main h1")).await?;
    client
        .find(Locator::Css(r#"nav a[href="/admin/map"]"#))
        .await?
        .click()
        .await?;
    // The road department's two reports in Jeonju, not the streetlight team's.
    until(
        client,
        "return document.getElementById('map').dataset.loaded || null;",
        &json!("2"),
    )
    .await?;
    until(
        client,
        "return document.querySelectorAll('#map path.map-marker').length;",
        &json!(2),
    )
    .await?;
    let classes = client
        .execute(
            "return Array.from(document.querySelectorAll('#map path.map-marker')).map(p => p.getAttribute('class')).sort();",
            vec![],
        )
        .await?;
    anyhow::ensure!(
        classes.to_string().contains("status-in_progress")
            && classes.to_string().contains("status-received"),
        "coloured by status: {classes}"
    );
    let said = client
        .find(Locator::Css("#map-status-text"))
        .await?
        .text()
        .await?;
    anyhow::ensure!(said == "지도에 신고 2건을 표시했습니다.", "{said}");
    // A circle's popup names the report and links to it.
    client
        .execute(
            "document.querySelector('#map path.status-in_progress').dispatchEvent(new MouseEvent('click', {bubbles: true}));",
            vec![],
        )
        .await?;
    let link = client
        .wait()
        .for_element(Locator::Css(".map-popup a"))
        .await?
        .attr("href")
        .await?
        .unwrap_or_default();
    anyhow::ensure!(link.starts_with("/admin/reports/"), "{link}");
    Ok(())
}

#[tokio::test]
async fn the_map_draws_one_circle_per_report_without_tiles() {
    let app = TestApp::spawn_with(|config| {
        config.map_tiles_url = "/admin/no-tiles/{z}/{x}/{y}.png".to_owned();
    })
    .await;
    let staff = app
        .official("staff@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let citizen = app.citizen("kim@example.kr").await;
    let mut first = None;
    for (title, text, at) in [
        (
            "도로 파손",
            "집 앞 도로에 큰 포트홀이 생겼어요",
            (35.8242, 127.1480),
        ),
        (
            "도로 파손 2",
            "도로에 포트홀이 또 생겼어요",
            (35.8250, 127.1490),
        ),
        (
            "가로등 고장",
            "골목 가로등이 꺼져 있어요",
            (35.9676, 126.7366),
        ),
    ] {
        let report = created(
            app.post(
                "/api/v1/reports",
                Some(&citizen.access_token),
                json!({"title": title, "description": text, "location": {"lat": at.0, "lng": at.1}}),
            )
            .await,
        )
        .await;
        first.get_or_insert(report["id"].as_str().unwrap_or_default().to_owned());
    }
    let started = app
        .post(
            &format!("/api/v1/reports/{}/transitions", first.unwrap_or_default()),
            Some(&staff.access_token),
            json!({"to": "in_progress"}),
        )
        .await;
    assert_eq!(started.status(), reqwest::StatusCode::OK);

    let (client, _driver, _profile) = match browser().await {
        Ok(Some(session)) => session,
        Ok(None) => return,
        Err(error) => panic!("the browser did not start: {error:#}"),
    };
    let outcome = draws_one_circle_per_report(&client, &app).await;
    let _ = client.close().await;
    if let Err(error) = outcome {
        panic!("{error:#}");
    }
}
