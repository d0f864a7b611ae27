//! The console's live connection and its notifications, over plain HTTP and
//! a real WebSocket client (the browser tests in `browser.rs` watch the same
//! things happen on screen).

use std::time::Duration;

use futures::SinkExt as _;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

use crate::console::{form_token, Console};
use crate::harness::TestApp;
use crate::live::{next, Socket};

/// The number the bell shows in a page.
fn bell(html: &str) -> u64 {
    let start = html
        .find(r#"id="bell-count""#)
        .expect("the page has a bell");
    let rest = &html[start..];
    let open = rest.find('>').expect("bell markup") + 1;
    let close = rest.find('<').expect("bell markup");
    rest[open..close].trim().parse().expect("a count")
}

/// The queue page, fetched until its bell shows `count` (notifications are
/// made from events the relay passes on every 100 ms), at most 10 s.
async fn page_with_bell(console: &Console<'_>, path: &str, count: u64) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let html = console.page(path, StatusCode::OK).await;
        if bell(&html) == count || tokio::time::Instant::now() > deadline {
            return html;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn pothole(app: &TestApp, title: &str) -> Value {
    let citizen = app
        .citizen(&format!("{}@example.kr", uuid::Uuid::new_v4()))
        .await;
    app.submit(
        &citizen.access_token,
        title,
        "집 앞 도로에 큰 포트홀이 생겼어요",
        "public",
    )
    .await
}

#[tokio::test]
async fn the_bell_counts_new_work_and_opening_a_notification_reads_it() {
    let app = TestApp::spawn().await;
    app.official("staff@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let mut console = Console::new(&app);
    console
        .sign_in("staff@jeonbuk.go.kr", "officer-pass-2026")
        .await;
    let empty = console.page("/admin", StatusCode::OK).await;
    assert_eq!(bell(&empty), 0);

    let report = pothole(&app, "덕진동 도로 파손").await;
    let id = report["id"].as_str().expect("id");
    let queue = page_with_bell(&console, "/admin", 1).await;
    assert_eq!(bell(&queue), 1, "routed to the department: new work");

    let list = console.page("/admin/notifications", StatusCode::OK).await;
    assert!(
        list.contains("읽지 않은 알림 <strong>1</strong>건"),
        "{list}"
    );
    assert!(list.contains("새 알림"), "marked unread");
    let href_start = list
        .find(r#"href="/admin/notifications/"#)
        .expect("a link to the notification")
        + r#"href=""#.len();
    let href = list[href_start..]
        .split('"')
        .next()
        .expect("href")
        .to_owned();

    let opened = console.get(&href).await;
    assert_eq!(opened.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        opened.headers()["location"].to_str().expect("location"),
        format!("/admin/reports/{id}"),
        "opening it goes to its report"
    );
    let after = console.page("/admin", StatusCode::OK).await;
    assert_eq!(bell(&after), 0, "read once opened");

    let missing = console.get("/admin/notifications/not-a-notification").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let others = console
        .get("/admin/notifications/0190a5a0-0000-7000-8000-000000000000")
        .await;
    assert_eq!(others.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn marking_everything_read_needs_the_form_token() {
    let app = TestApp::spawn().await;
    app.official("staff@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let mut console = Console::new(&app);
    console
        .sign_in("staff@jeonbuk.go.kr", "officer-pass-2026")
        .await;
    pothole(&app, "첫 번째 포트홀").await;
    pothole(&app, "두 번째 포트홀").await;
    let page = page_with_bell(&console, "/admin/notifications", 2).await;
    assert_eq!(bell(&page), 2);

    let forged = console
        .post("/admin/notifications/read-all", &[("csrf", "forged")])
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let page = console.page("/admin/notifications", StatusCode::OK).await;
    assert_eq!(bell(&page), 2, "nothing marked by a forged form");

    let done = console
        .post(
            "/admin/notifications/read-all",
            &[("csrf", &form_token(&page))],
        )
        .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let page = console
        .page("/admin/notifications?done=all-read", StatusCode::OK)
        .await;
    assert_eq!(bell(&page), 0);
    assert!(page.contains("모든 알림을 읽음으로 표시했습니다."));
    assert!(!page.contains("새 알림"));
}

/// Opens `/admin/live` with the console's cookie and this `Origin`.
async fn open_live(
    app: &TestApp,
    cookie: &str,
    origin: &str,
) -> Result<Socket, tokio_tungstenite::tungstenite::Error> {
    let url = app.base.replace("http://", "ws://") + "/admin/live";
    let mut request = url.into_client_request()?;
    let headers = request.headers_mut();
    headers.insert("cookie", HeaderValue::from_str(cookie).expect("cookie"));
    headers.insert("origin", HeaderValue::from_str(origin).expect("origin"));
    headers.insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("sinmungo.v1"),
    );
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(socket, _)| socket)
}

#[tokio::test]
async fn the_live_connection_is_the_signed_in_officers_and_only_from_the_console() {
    let app = TestApp::spawn().await;
    app.official("staff@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let mut console = Console::new(&app);
    console
        .sign_in("staff@jeonbuk.go.kr", "officer-pass-2026")
        .await;
    let cookie = console.cookie.clone().expect("signed in");

    let mut socket = open_live(&app, &cookie, &app.base)
        .await
        .expect("the console's own page connects");
    let hello = next(&mut socket, Duration::from_secs(5))
        .await
        .expect("hello");
    assert_eq!(hello["type"], "hello");
    assert_eq!(hello["user"]["role"], "staff");
    assert_eq!(hello["user"]["department"], "road_management");
    socket
        .send(Message::text(
            json!({"type": "subscribe", "topic": "department:road_management"}).to_string(),
        ))
        .await
        .expect("sent");
    let answer = next(&mut socket, Duration::from_secs(5))
        .await
        .expect("answer");
    assert_eq!(answer["type"], "subscribed");

    let report = pothole(&app, "송천동 포트홀").await;
    let mut pushed = None;
    while let Some(message) = next(&mut socket, Duration::from_secs(10)).await {
        if message["type"] == "report" {
            pushed = Some(message);
            break;
        }
    }
    let pushed = pushed.expect("the department's new report is pushed");
    assert_eq!(pushed["report"]["id"], report["id"]);

    let foreign = open_live(&app, &cookie, "https://evil.example").await;
    assert!(
        matches!(foreign, Err(tokio_tungstenite::tungstenite::Error::Http(ref r)) if r.status() == StatusCode::FORBIDDEN),
        "another site's page may not use the officer's cookie: {foreign:?}"
    );
    let anonymous = open_live(&app, "sinmungo_console=forged", &app.base).await;
    assert!(
        matches!(anonymous, Err(tokio_tungstenite::tungstenite::Error::Http(ref r)) if r.status() == StatusCode::SEE_OTHER),
        "no sign-in, no connection: {anonymous:?}"
    );
    let plain = console.get("/admin/live").await;
    assert_eq!(
        plain.status(),
        StatusCode::FORBIDDEN,
        "no Origin: not a page"
    );
}
