//! The console's English locale (issue 16): Korean by default, English
//! after the header's switch (`/admin/lang/en`), Korean again after
//! `/admin/lang/ko`; the switch goes back to console addresses only.

use reqwest::header::SET_COOKIE;
use reqwest::StatusCode;

use crate::console::{form_token, location, pothole, Console};
use crate::harness::TestApp;

/// Whether `text` has any Hangul syllable.
fn has_hangul(text: &str) -> bool {
    text.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c))
}

/// The part of `html` from `start` to the first `end` after it.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    assert!(html.contains(start), "{start} in {html}");
    let rest = &html[html.find(start).expect("the start marker")..];
    let to = rest.find(end).expect("the end marker after the start");
    &rest[..to + end.len()]
}

/// The page frame's own labels: the header without the officer's name
/// (data) and the switch to Korean (named in Korean on purpose).
fn frame_labels(html: &str) -> String {
    let header = between(html, r#"<header class="top">"#, "</header>");
    let name = between(header, r#"<span class="name">"#, "</span>");
    let switch = between(header, r#"<p class="lang-switch">"#, "</p>");
    header.replace(name, "").replace(switch, "")
}

/// Follows the language switch and keeps its cookie with the session's.
async fn switch(console: &mut Console<'_>, code: &str, next: &str) {
    let response = console
        .get(&format!("/admin/lang/{code}?next={next}"))
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), next);
    let cookie = response.headers()[SET_COOKIE]
        .to_str()
        .expect("ASCII cookie")
        .to_owned();
    assert_eq!(
        cookie,
        format!("sinmungo_lang={code}; Path=/admin; SameSite=Strict; Max-Age=31536000")
    );
    let session = console
        .cookie
        .as_deref()
        .unwrap_or_default()
        .split("; ")
        .filter(|pair| !pair.is_empty() && !pair.starts_with("sinmungo_lang="))
        .map(str::to_owned)
        .chain([format!("sinmungo_lang={code}")])
        .collect::<Vec<_>>()
        .join("; ");
    console.cookie = Some(session);
}

#[tokio::test]
async fn the_queue_is_korean_by_default_english_after_the_switch_and_korean_again() {
    let app = TestApp::spawn().await;
    app.official("staff@jeonbuk.go.kr", "staff", "road_management")
        .await;
    pothole(&app, "큰 포트홀").await;
    let mut console = Console::new(&app);
    console
        .sign_in("staff@jeonbuk.go.kr", "officer-pass-2026")
        .await;

    let korean = console.page("/admin", StatusCode::OK).await;
    assert!(korean.contains(r#"<html lang="ko">"#));
    assert!(korean.contains(r#"<th scope="col">접수번호</th>"#));
    assert!(
        korean.contains(r#"href="/admin/lang/en?next=%2Fadmin""#),
        "the switch comes back to this page"
    );
    assert!(korean.contains(r#"hreflang="en">English</a>"#));

    switch(&mut console, "en", "/admin").await;
    let queue = console.page("/admin", StatusCode::OK).await;
    assert!(queue.contains(r#"<html lang="en">"#), "{queue}");
    assert!(
        queue.contains("<h1>Department queue — Road Management Division</h1>"),
        "the department's English name"
    );
    assert!(queue.contains("<td>Road damage</td>"), "the category's");
    assert!(queue.contains("<title>Department queue · Jeonbuk Sinmungo Console</title>"));
    assert!(queue.contains(r#"<th scope="col">Number</th>"#));
    assert!(queue.contains(r#"<h2 id="queue-heading">Reports to handle</h2>"#));
    assert!(queue.contains(r#"<a href="/admin/map">Map</a>"#));
    assert!(queue.contains(r#"<span class="status" data-status="received">Received</span>"#));
    assert!(
        queue.contains("큰 포트홀"),
        "a report's title is the citizen's own"
    );
    assert!(queue.contains(r#"hreflang="ko">한국어</a>"#));
    let frame = frame_labels(&queue);
    assert!(!has_hangul(&frame), "the frame is all English: {frame}");
    for (start, end) in [
        (r#"<h2 id="queue-heading">"#, "</h2>"),
        (r#"<ul class="badges""#, "</ul>"),
        ("<caption>", "</thead>"),
    ] {
        let part = between(&queue, start, end);
        assert!(!has_hangul(part), "{part}");
    }
    for label in queue.split("<label").skip(1) {
        let label = label.split("</label>").next().unwrap_or_default();
        assert!(!has_hangul(label), "{label}");
    }
    // A filter that is not valid: the message is English too.
    let bad = console
        .page("/admin?status=lost", StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(bad.contains("Please check the filters."), "{bad}");
    assert!(!has_hangul(between(
        &bad,
        r#"<div class="error""#,
        "</div>"
    )));

    switch(&mut console, "ko", "/admin").await;
    let again = console.page("/admin", StatusCode::OK).await;
    assert!(again.contains(r#"<html lang="ko">"#));
    assert!(again.contains(r#"<h2 id="queue-heading">처리할 신고</h2>"#));
    assert!(!again.contains("Reports to handle"));
}

#[tokio::test]
async fn the_sign_in_and_error_pages_read_the_cookie_themselves() {
    let app = TestApp::spawn().await;
    let mut console = Console::new(&app);
    let default = console.page("/admin/login", StatusCode::OK).await;
    assert!(default.contains(r#"<label for="email">이메일</label>"#));
    switch(&mut console, "en", "/admin/login").await;
    let login = console.page("/admin/login", StatusCode::OK).await;
    assert!(login.contains(r#"<html lang="en">"#));
    assert!(login.contains("<h1>Sign in to the console</h1>"));
    assert!(login.contains(r#"<label for="email">E-mail</label>"#));
    assert!(!has_hangul(&frame_labels_or_all(&login)), "{login}");

    let refused = console
        .post(
            "/admin/login",
            &[("email", "nobody@example.kr"), ("password", "wrong")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let refused = refused.text().await.expect("HTML");
    assert!(refused.contains("The e-mail or password is not correct."));

    app.official("staff@jeonbuk.go.kr", "staff", "road_management")
        .await;
    console
        .sign_in("staff@jeonbuk.go.kr", "officer-pass-2026")
        .await;
    assert!(console
        .cookie
        .as_deref()
        .unwrap_or_default()
        .contains("sinmungo_console="));
    console.cookie = console
        .cookie
        .map(|session| format!("{session}; sinmungo_lang=en"));
    let missing = console
        .page(
            "/admin/reports/0190a5a0-0000-7000-8000-000000000000",
            StatusCode::NOT_FOUND,
        )
        .await;
    assert!(missing.contains("<h1>Not found</h1>"), "{missing}");
    assert!(missing.contains("Back to the queue"));
}

/// A page without the signed-in header: all of its `<body>` but the switch
/// to Korean.
fn frame_labels_or_all(html: &str) -> String {
    let body = between(html, "<body", "</body>");
    body.replace(between(body, r#"<p class="lang-switch">"#, "</p>"), "")
}

#[tokio::test]
async fn the_report_map_statistics_and_settings_pages_speak_english() {
    let app = TestApp::spawn().await;
    app.admin().await;
    let id = pothole(&app, "큰 포트홀").await;
    let mut console = Console::new(&app);
    console
        .sign_in("admin@jeonbuk.go.kr", "officer-pass-2026")
        .await;
    switch(&mut console, "en", &format!("/admin/reports/{id}")).await;

    let report = console
        .page(&format!("/admin/reports/{id}"), StatusCode::OK)
        .await;
    assert!(report.contains(r#"<html lang="en">"#));
    assert!(report.contains("← Department queue"));
    assert!(report.contains("<dt>Status</dt>"), "{report}");
    assert!(report.contains(" KST"), "times say their zone");
    assert!(report.contains(">Add comment</button>"));
    assert!(report.contains(">Start work</button>"));
    assert!(!has_hangul(&frame_labels(&report)));
    // An action's refusal and its notice, in English.
    let token = form_token(&report);
    let empty = console
        .post(
            &format!("/admin/reports/{id}/comments"),
            &[("csrf", &token), ("body", ""), ("visibility", "internal")],
        )
        .await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let empty = empty.text().await.expect("HTML");
    let alert = between(&empty, r#"role="alert""#, "</");
    assert!(!has_hangul(alert), "{alert}");

    let map = console.page("/admin/map", StatusCode::OK).await;
    assert!(map.contains("<title>Map · Jeonbuk Sinmungo Console</title>"));
    assert!(map.contains("Reports on the map"));
    assert!(map.contains(r#"data-loading="Loading reports…""#));
    assert!(map.contains("© OpenStreetMap contributors"));
    assert!(!has_hangul(&frame_labels(&map)));

    let stats = console.page("/admin/stats", StatusCode::OK).await;
    assert!(stats.contains(r#"<a href="/admin/stats">Statistics</a>"#));
    assert!(stats.contains("Reports by category"));
    assert!(stats.contains("Download CSV"));
    assert!(!has_hangul(&frame_labels(&stats)));

    let settings = console.page("/admin/settings", StatusCode::OK).await;
    assert!(settings.contains("<h1>Administration</h1>"));
    assert!(settings.contains(r#"<a href="/admin/settings/accounts">Accounts and roles</a>"#));
    assert!(!has_hangul(between(&settings, "<main", "</main>")));

    let accounts = console
        .page("/admin/settings/accounts", StatusCode::OK)
        .await;
    assert!(accounts.contains("<h1>Accounts and roles</h1>"));
    let token = form_token(&accounts);
    let bad = console
        .post(
            "/admin/settings/accounts",
            &[
                ("csrf", token.as_str()),
                ("email", "not-an-address"),
                ("password", "a-long-password-2026"),
                ("display_name", "Kim"),
                ("role", "staff"),
                ("department", "road_management"),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bad = bad.text().await.expect("HTML");
    assert!(
        bad.contains("E-mail: Please enter an e-mail address such as name@example.kr."),
        "{bad}"
    );
}

#[tokio::test]
async fn the_switch_goes_back_to_console_addresses_only() {
    let app = TestApp::spawn().await;
    let console = Console::new(&app);
    for (next, expected) in [
        ("https://evil.example", "/admin"),
        ("https%3A%2F%2Fevil.example%2Fadmin", "/admin"),
        ("//evil.example", "/admin"),
        ("%2Fadmin%2F%2Fevil.example", "/admin"),
        ("/admin/map", "/admin/map"),
        ("%2Fadmin%3Fstatus%3Dreceived", "/admin?status=received"),
    ] {
        let response = console.get(&format!("/admin/lang/en?next={next}")).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{next}");
        assert_eq!(location(&response), expected, "{next}");
    }
    let unknown = console.get("/admin/lang/fr?next=/admin").await;
    assert_eq!(unknown.status(), StatusCode::SEE_OTHER);
    assert!(
        unknown.headers().get(SET_COOKIE).is_none(),
        "no such language"
    );
    // Accept-Language does not choose: Korean without the cookie.
    let login = reqwest::Client::new()
        .get(app.url("/admin/login"))
        .header("accept-language", "en-US,en;q=0.9")
        .send()
        .await
        .expect("request reaches the server")
        .text()
        .await
        .expect("HTML");
    assert!(login.contains(r#"<html lang="ko">"#));
}
