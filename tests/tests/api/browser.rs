//! The officers' console in a real browser: headless Chromium driven through
//! chromedriver (`SINMUNGO_TEST_CHROMEDRIVER`, its path; `.ci/run` installs
//! Debian's `chromium` and `chromium-driver`) against the real server on
//! 127.0.0.1:0. Unset, the tests say they are skipped; with
//! `SINMUNGO_REQUIRE_SERVICES=1` a missing driver fails them. A failing test
//! leaves a screenshot in `$CARGO_TARGET_DIR/browser-artifacts/`.

use std::future::Future;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::Context as _;
use fantoccini::{Client, ClientBuilder, Locator};
use futures::FutureExt as _;
use serde_json::{json, Value};
use sinmungo_tests::services::service_url;

use crate::harness::TestApp;

const CONFLICT: &str = "다른 사람이 먼저 이 신고를 변경했습니다. 새로 고친 뒤 다시 시도해 주세요";

/// chromedriver and the Chromium session it runs, removed when dropped.
struct Browser {
    client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ends Chromium too: chromedriver's children go with it.
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// A free loopback port (bound and released; chromedriver binds it next).
fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Starts chromedriver and a fresh headless Chromium; `None` when
/// `SINMUNGO_TEST_CHROMEDRIVER` is unset (the test is skipped).
async fn launch() -> anyhow::Result<Option<Browser>> {
    let Some(driver_path) = service_url("SINMUNGO_TEST_CHROMEDRIVER")? else {
        return Ok(None);
    };
    let port = free_port()?;
    let driver = Command::new(&driver_path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {driver_path}"))?;
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
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,1024",
                format!("--user-data-dir={}", profile.path().display()),
            ],
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    // chromedriver takes a moment to listen: retry the connection (a
    // readiness wait, bounded, not a timing assertion).
    let mut attempts = 0;
    let client = loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(capabilities.clone())
            .connect(&url)
            .await
        {
            Ok(client) => break client,
            Err(_) if attempts < 200 => {
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(error) => return Err(error).context("connecting to chromedriver"),
        }
    };
    Ok(Some(Browser {
        client,
        driver,
        _profile: profile,
    }))
}

/// Where failing tests leave their screenshots.
fn artifacts() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            // target/debug/deps/api-… → target
            std::env::current_exe()
                .ok()?
                .ancestors()
                .nth(3)
                .map(PathBuf::from)
        })
        .unwrap_or_else(|| PathBuf::from("target"));
    target.join("browser-artifacts")
}

/// Runs a browser test: skipped without chromedriver; on failure (an error
/// or a failed assertion) saves a screenshot named after the test, then fails.
#[expect(
    clippy::panic,
    reason = "a browser test fails by panicking, after its screenshot is saved"
)]
pub(crate) async fn run<F, Fut>(name: &str, test: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let browser = match launch().await {
        Ok(Some(browser)) => browser,
        Ok(None) => return,
        Err(error) => panic!("the browser did not start: {error:#}"),
    };
    let outcome = std::panic::AssertUnwindSafe(test(browser.client.clone()))
        .catch_unwind()
        .await;
    let failure = match outcome {
        Ok(Ok(())) => None,
        Ok(Err(error)) => Some(format!("{error:#}")),
        Err(panic) => Some(
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "panicked".to_owned()),
        ),
    };
    if let Some(failure) = failure {
        let dir = artifacts();
        let saved = match browser.client.screenshot().await {
            Ok(png) => std::fs::create_dir_all(&dir)
                .and_then(|()| std::fs::write(dir.join(format!("{name}.png")), png))
                .map(|()| format!("screenshot: {}", dir.join(format!("{name}.png")).display()))
                .unwrap_or_else(|e| format!("no screenshot: {e}")),
            Err(e) => format!("no screenshot: {e}"),
        };
        let _ = browser.client.clone().close().await;
        panic!("{failure}\n{saved}");
    }
    let _ = browser.client.clone().close().await;
}

/// The text of the first element matching `css` once it passes `accept`,
/// looked up again until it does (at most 10 s). The pages navigate under
/// the test: an element of a page being left goes stale, and the page
/// coming may not be there yet.
async fn text_until(
    client: &Client,
    css: &str,
    accept: impl Fn(&str) -> bool,
) -> anyhow::Result<String> {
    text_within(client, css, accept, Duration::from_secs(10)).await
}

/// [`text_until`] with its own bound: what the product promises within a
/// time (a live update within 2 s) is waited for that long and no longer.
async fn text_within(
    client: &Client,
    css: &str,
    accept: impl Fn(&str) -> bool,
    within: Duration,
) -> anyhow::Result<String> {
    let deadline = std::time::Instant::now() + within;
    let mut last = None;
    loop {
        if let Ok(element) = client.find(Locator::Css(css)).await {
            if let Ok(text) = element.text().await {
                if accept(&text) {
                    return Ok(text);
                }
                last = Some(text);
            }
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "waiting for {css}: last seen {last:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The text of the first element matching `css`, waiting for it to appear.
async fn text(client: &Client, css: &str) -> anyhow::Result<String> {
    text_until(client, css, |_| true).await
}

/// Waits until the first element matching `css` says `expected`.
async fn text_is(client: &Client, css: &str, expected: &str) -> anyhow::Result<()> {
    text_until(client, css, |text| text == expected)
        .await
        .map(drop)
}

/// Waits until the page's live connection follows its topics (the console
/// marks `<body data-live-state="following">`).
async fn following(client: &Client) -> anyhow::Result<()> {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let state = client
            .find(Locator::Css("body"))
            .await?
            .attr("data-live-state")
            .await?;
        if state.as_deref() == Some("following") {
            return Ok(());
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "the page's live connection: {state:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn fill(client: &Client, css: &str, value: &str) -> anyhow::Result<()> {
    let element = client
        .find(Locator::Css(css))
        .await
        .with_context(|| css.to_owned())?;
    element.clear().await?;
    element.send_keys(value).await?;
    Ok(())
}

async fn click(client: &Client, css: &str) -> anyhow::Result<()> {
    client
        .find(Locator::Css(css))
        .await
        .with_context(|| css.to_owned())?
        .click()
        .await?;
    Ok(())
}

/// Signs in through the form at `/admin/login`.
pub(crate) async fn sign_in(
    client: &Client,
    app: &TestApp,
    email: &str,
    password: &str,
) -> anyhow::Result<()> {
    client.goto(&app.url("/admin/login")).await?;
    fill(client, "#email", email).await?;
    fill(client, "#password", password).await?;
    click(client, "form.login button[type=submit]").await?;
    Ok(())
}

async fn path(client: &Client) -> anyhow::Result<String> {
    Ok(client.current_url().await?.path().to_owned())
}

async fn status_over_api(app: &TestApp, token: &str, id: &str) -> anyhow::Result<String> {
    let body: Value = app
        .get(&format!("/api/v1/reports/{id}"), Some(token))
        .await
        .json()
        .await?;
    Ok(body["status"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn an_officer_signs_in_and_works_a_new_report_to_resolved() {
    let app = TestApp::spawn().await;
    let staff = app
        .official("staff@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let citizen = app.citizen("kim@example.kr").await;
    run("officer_works_a_report", |client| async move {
        client.goto(&app.url("/admin")).await?;
        anyhow::ensure!(
            path(&client).await? == "/admin/login",
            "anonymous → sign-in"
        );
        sign_in(&client, &app, "staff@jeonbuk.go.kr", "officer-pass-2026").await?;
        let heading = text_until(&client, "main h1", |h| h.starts_with("부서 대기열")).await?;
        anyhow::ensure!(heading.starts_with("부서 대기열"), "the queue: {heading}");
        text_is(&client, "p.empty", "처리할 신고가 없습니다.").await?;
        following(&client).await?;

        let report = app
            .submit(
                &citizen.access_token,
                "효자동 도로 포트홀",
                "집 앞 도로에 큰 포트홀이 생겼어요",
                "public",
            )
            .await;
        let id = report["id"].as_str().context("id")?.to_owned();
        // No reload: the queue hears of the report over its live connection
        // and redraws its table in place, within 2 seconds.
        client
            .execute("window.sinmungoSamePage = true;", vec![])
            .await?;
        let row = text_within(
            &client,
            "table.queue tbody tr",
            |r| r.contains("효자동 도로 포트홀"),
            Duration::from_secs(2),
        )
        .await
        .context("the new report in the open queue within 2 s, without a reload")?;
        let same_page = client
            .execute("return window.sinmungoSamePage === true;", vec![])
            .await?;
        anyhow::ensure!(same_page == json!(true), "the page was not reloaded");
        let title = client.title().await?;
        anyhow::ensure!(
            title.starts_with("(1) 부서 대기열"),
            "the tab counts it: {title}"
        );
        // Routed to the department: the officer is told, and the bell says so live.
        text_is(&client, "#bell-count", "1").await?;
        anyhow::ensure!(row.contains("접수"), "{row}");
        click(&client, "table.queue tbody tr a").await?;
        text_is(&client, "#report-status", "접수").await?;
        anyhow::ensure!(path(&client).await? == format!("/admin/reports/{id}"));

        click(&client, "#start").await?;
        text_is(&client, "#report-status", "처리중").await?;
        text_is(&client, "main .notice", "상태를 변경했습니다.").await?;

        fill(&client, "#resolve-note", "아스팔트 보수 완료").await?;
        // A photo of the work, chosen in the file input.
        let photo = tempfile::Builder::new().suffix(".jpg").tempfile()?;
        std::fs::write(photo.path(), sinmungo_storage::samples::jpeg(800, 600, 9))?;
        client
            .find(Locator::Css("#resolve-photos"))
            .await?
            .send_keys(&photo.path().display().to_string())
            .await?;
        click(&client, "#resolve").await?;
        text_is(&client, "#report-status", "처리완료").await?;
        let photos = text(&client, "ul.photos").await?;
        anyhow::ensure!(photos.contains("처리 사진 1"), "{photos}");
        let timeline = text(&client, "ol.timeline").await?;
        anyhow::ensure!(timeline.contains("처리중 → 처리완료"), "{timeline}");
        anyhow::ensure!(timeline.contains("아스팔트 보수 완료"), "{timeline}");
        anyhow::ensure!(
            status_over_api(&app, &staff.access_token, &id).await? == "resolved",
            "the API agrees"
        );
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn a_manager_assigns_a_new_report_to_an_officer_from_its_page() {
    let app = TestApp::spawn().await;
    app.official("manager@jeonbuk.go.kr", "manager", "road_management")
        .await;
    let staff = app
        .official("staff@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let citizen = app.citizen("kim@example.kr").await;
    let report = app
        .submit(
            &citizen.access_token,
            "덕진동 도로 파손",
            "집 앞 도로에 큰 포트홀이 생겼어요",
            "public",
        )
        .await;
    let id = report["id"].as_str().expect("id").to_owned();
    run("manager_assigns", |client| async move {
        sign_in(&client, &app, "manager@jeonbuk.go.kr", "officer-pass-2026").await?;
        text_until(&client, "main h1", |h| h.starts_with("부서 대기열")).await?;
        client
            .goto(&app.url(&format!("/admin/reports/{id}")))
            .await?;
        text_is(&client, "#report-status", "접수").await?;
        // The staff member ("staff 담당자 (담당 공무원)") in the assignee list.
        client
            .find(Locator::XPath(
                "//select[@id='assignee']/option[contains(., 'staff 담당자')]",
            ))
            .await
            .context("the department's officer is offered")?
            .click()
            .await?;
        click(&client, "form[action$='/assign'] button[type=submit]").await?;
        text_is(&client, "main .notice", "배정했습니다.").await?;
        let summary = text(&client, "dl.summary").await?;
        anyhow::ensure!(summary.contains("staff 담당자"), "{summary}");
        let body: Value = app
            .get(&format!("/api/v1/reports/{id}"), Some(&staff.access_token))
            .await
            .json()
            .await?;
        anyhow::ensure!(
            body["assignee"] == json!(staff.id),
            "the API agrees: {body}"
        );
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn a_citizens_account_cannot_open_the_console() {
    let app = TestApp::spawn().await;
    app.citizen("kim@example.kr").await;
    run("citizen_refused", |client| async move {
        sign_in(&client, &app, "kim@example.kr", "jeonbuk2026!").await?;
        let alert = text(&client, "#login-error").await?;
        anyhow::ensure!(
            alert.contains("관리 콘솔은 담당 공무원, 부서 관리자, 관리자만 사용할 수 있습니다"),
            "{alert}"
        );
        client.goto(&app.url("/admin")).await?;
        anyhow::ensure!(path(&client).await? == "/admin/login", "still outside");
        let lang = client
            .find(Locator::Css("html"))
            .await?
            .attr("lang")
            .await?;
        anyhow::ensure!(lang.as_deref() == Some("ko"));
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn a_stale_page_shows_the_conflict_message() {
    let app = TestApp::spawn().await;
    let staff = app
        .official("staff@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let citizen = app.citizen("kim@example.kr").await;
    let report = app
        .submit(
            &citizen.access_token,
            "가로등 옆 포트홀",
            "집 앞 도로에 큰 포트홀이 생겼어요",
            "public",
        )
        .await;
    let id = report["id"].as_str().expect("id").to_owned();
    run("stale_version", |client| async move {
        sign_in(&client, &app, "staff@jeonbuk.go.kr", "officer-pass-2026").await?;
        client
            .goto(&app.url(&format!("/admin/reports/{id}")))
            .await?;
        text_is(&client, "#report-status", "접수").await?;
        following(&client).await?;
        // Someone else starts it meanwhile.
        let response = app
            .post(
                &format!("/api/v1/reports/{id}/transitions"),
                Some(&staff.access_token),
                json!({"to": "in_progress"}),
            )
            .await;
        anyhow::ensure!(response.status().is_success(), "{}", response.status());
        let banner = text_until(&client, "#report-changed", |t| !t.is_empty())
            .await
            .context("the open page hears of the change")?;
        anyhow::ensure!(
            banner.starts_with("다른 사람이 이 신고를 변경했습니다"),
            "{banner}"
        );
        fill(&client, "#reject-note", "중복 신고입니다").await?;
        click(&client, "#reject").await?;
        let alert = text(&client, "section.actions [role=alert]").await?;
        anyhow::ensure!(alert.contains(CONFLICT), "{alert}");
        anyhow::ensure!(
            text(&client, "#report-status").await? == "처리중",
            "the report as it is now"
        );
        anyhow::ensure!(status_over_api(&app, &staff.access_token, &id).await? == "in_progress");
        Ok(())
    })
    .await;
}

/// axe-core, vendored from npm (`tests/vendor/axe-core`), injected into each
/// page through WebDriver (the console's CSP does not apply to it).
const AXE: &str = include_str!("../../vendor/axe-core/axe.min.js");

/// Runs axe on the page shown; returns its serious and critical violations,
/// one line each (rule, impact, the first offending elements).
async fn axe_violations(client: &Client) -> anyhow::Result<Vec<String>> {
    client.execute(AXE, vec![]).await.context("injecting axe")?;
    let found = client
        .execute_async(
            r"
            const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ['violations'] })
              .then((results) => done(results.violations
                .filter((v) => v.impact === 'serious' || v.impact === 'critical')
                .map((v) => v.id + ' (' + v.impact + '): ' + v.help + ' — '
                  + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', '))))
              .catch((error) => done(['axe failed: ' + error]));
            ",
            vec![],
        )
        .await
        .context("running axe")?;
    Ok(serde_json::from_value(found)?)
}

/// The console's pages an administrator can open, with a report in the queue.
const PAGES: [&str; 13] = [
    "/admin",
    "/admin/reports/{id}",
    "/admin/notifications",
    "/admin/notifications?unread=on",
    "/admin/map",
    "/admin/stats",
    "/admin/settings",
    "/admin/settings/accounts",
    "/admin/settings/departments",
    "/admin/settings/categories",
    "/admin/settings/service-accounts",
    "/admin/settings/secrets",
    "/admin/settings/audit",
];

/// Saves a screenshot of the page shown as `{name}.png` in the directory
/// `SINMUNGO_SCREENSHOTS` names, when it is set (how the README's pictures
/// in `docs/` are made: see the README).
async fn screenshot_for_docs(client: &Client, name: &str) -> anyhow::Result<()> {
    let Some(dir) = std::env::var_os("SINMUNGO_SCREENSHOTS") else {
        return Ok(());
    };
    let png = client.screenshot().await?;
    std::fs::create_dir_all(&dir)?;
    std::fs::write(PathBuf::from(dir).join(format!("{name}.png")), png)?;
    Ok(())
}

#[tokio::test]
async fn axe_finds_no_serious_violation_on_any_page() {
    let app = TestApp::spawn().await;
    let admin = app
        .official("admin@jeonbuk.go.kr", "admin", "road_management")
        .await;
    let citizen = app.citizen("kim@example.kr").await;
    // A queue with some life in it: four reports, one started, one assigned.
    let mut ids = Vec::new();
    for (title, description) in [
        (
            "효자동 도로 포트홀",
            "집 앞 도로에 큰 포트홀이 생겼어요. 차가 지날 때마다 덜컹거립니다.",
        ),
        ("중앙로 보도블록 파손", "보도블록이 깨져서 유모차가 걸려요"),
        ("서신동 도로 침하", "비 온 뒤 도로 가운데가 내려앉았습니다"),
        (
            "팔달로 맨홀 뚜껑 흔들림",
            "맨홀 뚜껑이 흔들려 소음이 납니다",
        ),
    ] {
        let report = app
            .submit(&citizen.access_token, title, description, "public")
            .await;
        ids.push(report["id"].as_str().expect("id").to_owned());
    }
    let started = app
        .post(
            &format!("/api/v1/reports/{}/transitions", ids[1]),
            Some(&admin.access_token),
            json!({"to": "in_progress", "note": "현장 확인 중"}),
        )
        .await;
    assert!(started.status().is_success(), "{}", started.status());
    let id = ids[0].clone();
    run("axe", |client| async move {
        let mut report = Vec::new();
        client.goto(&app.url("/admin/login")).await?;
        text(&client, "form.login").await?;
        for line in axe_violations(&client).await? {
            report.push(format!("/admin/login: {line}"));
        }
        screenshot_for_docs(&client, "console-login").await?;
        sign_in(&client, &app, "admin@jeonbuk.go.kr", "officer-pass-2026").await?;
        text_until(&client, "main h1", |h| h.starts_with("부서 대기열")).await?;
        for page in PAGES {
            let path = page.replace("{id}", &id);
            client.goto(&app.url(&path)).await?;
            text(&client, "main h1").await?;
            for line in axe_violations(&client).await? {
                report.push(format!("{path}: {line}"));
            }
            let name = page
                .trim_start_matches("/admin")
                .split(['?', '{'])
                .next()
                .unwrap_or_default()
                .trim_matches('/')
                .replace('/', "-");
            if !page.contains('?') {
                let name = if name.is_empty() {
                    "queue".to_owned()
                } else {
                    name
                };
                screenshot_for_docs(&client, &format!("console-{name}")).await?;
            }
        }
        // One page in English, reached with the header's switch (it keeps the page).
        let path = format!("/admin/reports/{id}");
        client.goto(&app.url(&path)).await?;
        click(&client, "p.lang-switch a").await?;
        text_is(&client, "html[lang=en] p.crumbs a", "← Department queue").await?;
        for line in axe_violations(&client).await? {
            report.push(format!("{path} (English): {line}"));
        }
        anyhow::ensure!(report.is_empty(), "axe:\n{}", report.join("\n"));
        Ok(())
    })
    .await;
}
