//! The console's map in a real browser: headless Chromium through
//! chromedriver (`SINMUNGO_TEST_CHROMEDRIVER`, as in `browser.rs`; unset,
//! the test says it is skipped, and with `SINMUNGO_REQUIRE_SERVICES=1` a
//! missing driver fails it). Tiles come from a path of the server that
//! has none, so nothing leaves the machine and the map must draw its
//! reports without a background.
//!
//! The browser is started, and a failure's screenshot saved, by
//! `browser.rs`'s [`run`].

use fantoccini::{Client, Locator};
use serde_json::json;

use crate::browser::{run, sign_in};
use crate::harness::{created, TestApp};

/// Waits (at most 10 s) until `script` returns `expected`.
pub(crate) async fn until(
    client: &Client,
    script: &str,
    expected: &serde_json::Value,
) -> anyhow::Result<()> {
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
    sign_in(client, app, "staff@jeonbuk.go.kr", "officer-pass-2026").await?;
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

    run("map", |client| async move {
        draws_one_circle_per_report(&client, &app).await
    })
    .await;
}
