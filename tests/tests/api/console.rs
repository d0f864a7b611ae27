//! The officers' console over plain HTTP: who gets in, the cookie, the form
//! tokens and the security headers. (The browser tests in `browser.rs` drive
//! the same pages in Chromium.)

use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, SET_COOKIE};
use reqwest::{Response, StatusCode};
use serde_json::Value;

use crate::harness::TestApp;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
const CONFLICT: &str = "다른 사람이 먼저 이 신고를 변경했습니다. 새로 고친 뒤 다시 시도해 주세요";

/// A browser-like client of the console that follows no redirects and
/// keeps the session cookie by hand.
pub struct Console<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    pub cookie: Option<String>,
}

impl<'a> Console<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("HTTP client"),
            cookie: None,
        }
    }

    pub async fn get(&self, path: &str) -> Response {
        let mut request = self.client.get(self.app.url(path));
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", cookie);
        }
        request.send().await.expect("request reaches the server")
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Response {
        let mut request = self.client.post(self.app.url(path)).form(form);
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", cookie);
        }
        request.send().await.expect("request reaches the server")
    }

    /// Posts a `multipart/form-data` form (a form with a file input).
    pub async fn post_form_data(&self, path: &str, form: crate::harness::Form) -> Response {
        let mut request = self
            .client
            .post(self.app.url(path))
            .header(CONTENT_TYPE, form.content_type())
            .body(form.into_body());
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", cookie);
        }
        request.send().await.expect("request reaches the server")
    }

    /// Signs in with the password form; returns the answer (303 on success,
    /// with the cookie kept).
    pub async fn sign_in(&mut self, email: &str, password: &str) -> Response {
        let response = self
            .post("/admin/login", &[("email", email), ("password", password)])
            .await;
        if let Some(set) = response.headers().get(SET_COOKIE) {
            let pair = set
                .to_str()
                .expect("ASCII cookie")
                .split(';')
                .next()
                .unwrap_or_default();
            self.cookie = Some(pair.to_owned());
        }
        response
    }

    /// The page's HTML, asserting its status.
    pub async fn page(&self, path: &str, status: StatusCode) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), status, "GET {path}");
        response.text().await.expect("HTML")
    }
}

/// The form token in a page.
pub fn form_token(html: &str) -> String {
    let start = html
        .find(r#"name="csrf" value=""#)
        .expect("the page has a form token")
        + r#"name="csrf" value=""#.len();
    html[start..]
        .split('"')
        .next()
        .expect("a quoted value")
        .to_owned()
}

pub fn location(response: &Response) -> &str {
    response
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// A citizen's report at Jeonju City Hall (the road department's).
pub async fn pothole(app: &TestApp, title: &str) -> String {
    let citizen = app
        .citizen(&format!("{}@example.kr", uuid::Uuid::new_v4()))
        .await;
    let report: Value = app
        .submit(
            &citizen.access_token,
            title,
            "집 앞 도로에 큰 포트홀이 생겼어요",
            "public",
        )
        .await;
    report["id"].as_str().expect("report id").to_owned()
}

/// The report's status as the API tells the (signed-in) road staff.
async fn status_over_api(app: &TestApp, id: &str) -> String {
    let staff = app.login("staff@jeonbuk.go.kr", "officer-pass-2026").await;
    let body: Value = app
        .get(&format!("/api/v1/reports/{id}"), Some(&staff.access_token))
        .await
        .json()
        .await
        .expect("report JSON");
    body["status"].as_str().expect("status").to_owned()
}

#[tokio::test]
async fn anonymous_visitors_are_sent_to_sign_in() {
    let app = TestApp::spawn().await;
    let console = Console::new(&app);
    for path in [
        "/admin",
        "/admin/reports/0190a5a0-0000-7000-8000-000000000000",
    ] {
        let response = console.get(path).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(location(&response), "/admin/login", "{path}");
    }
    let login = console.page("/admin/login", StatusCode::OK).await;
    assert!(login.contains(r#"<html lang="ko">"#));
    assert!(login.contains(r#"<label for="email">이메일</label>"#));
    assert!(login.contains(r#"<label for="password">비밀번호</label>"#));
}

#[tokio::test]
async fn pages_and_assets_carry_the_security_headers() {
    let app = TestApp::spawn().await;
    let console = Console::new(&app);
    for path in ["/admin/login", "/admin"] {
        let response = console.get(path).await;
        let headers = response.headers();
        assert_eq!(headers["content-security-policy"], CSP, "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
    }
    let login = console.get("/admin/login").await;
    assert_eq!(login.headers()[CONTENT_TYPE], "text/html; charset=utf-8");
    assert_eq!(login.headers()[CACHE_CONTROL], "no-store");
    let html = login.text().await.expect("HTML");
    assert!(
        !html.contains("<script>") && !html.contains(" style=") && !html.contains("<style"),
        "nothing inline: the CSP would block it"
    );
    for (asset, content_type) in [
        ("htmx.min.js", "text/javascript; charset=utf-8"),
        ("console.js", "text/javascript; charset=utf-8"),
        ("console.css", "text/css; charset=utf-8"),
    ] {
        let response = console.get(&format!("/admin/assets/{asset}")).await;
        assert_eq!(response.status(), StatusCode::OK, "{asset}");
        assert_eq!(response.headers()[CONTENT_TYPE], content_type, "{asset}");
        assert_eq!(
            response.headers()[CACHE_CONTROL],
            "public, max-age=86400",
            "{asset}"
        );
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        assert!(!response.bytes().await.expect("asset").is_empty());
    }
    let htmx = console.get("/admin/assets/htmx.min.js").await.text().await;
    assert!(
        htmx.expect("htmx").contains("2.0.11"),
        "the vendored version"
    );
    assert_eq!(
        console.get("/admin/assets/nothing.js").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn signing_in_sets_a_strict_http_only_cookie_and_signing_out_ends_it() {
    let app = TestApp::spawn().await;
    app.official("staff@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let mut console = Console::new(&app);
    let wrong = console
        .sign_in("staff@jeonbuk.go.kr", "wrong-password")
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.headers().get(SET_COOKIE).is_none());
    assert!(wrong
        .text()
        .await
        .expect("HTML")
        .contains("이메일 또는 비밀번호가 올바르지 않습니다"));

    let response = console
        .sign_in("staff@jeonbuk.go.kr", "officer-pass-2026")
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/admin");
    let cookie = response.headers()[SET_COOKIE].to_str().expect("ASCII");
    assert!(cookie.starts_with("sinmungo_console="), "{cookie}");
    for attribute in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/admin",
        "Max-Age=43200",
    ] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP here: {cookie}");

    let queue = console.page("/admin", StatusCode::OK).await;
    assert!(queue.contains("부서 대기열"));
    assert!(
        queue.contains("staff 담당자"),
        "the officer's name in the header"
    );
    assert!(console
        .page("/admin/login", StatusCode::SEE_OTHER)
        .await
        .is_empty());

    // A tampered cookie is nobody.
    let mut forged = Console::new(&app);
    forged.cookie = console.cookie.as_ref().map(|c| format!("{c}x"));
    assert_eq!(forged.get("/admin").await.status(), StatusCode::SEE_OTHER);

    // Signing out needs the form token, then ends the sign-in everywhere.
    let token = form_token(&queue);
    let refused = console.post("/admin/logout", &[]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let out = console.post("/admin/logout", &[("csrf", &token)]).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&out), "/admin/login?signed_out=1");
    assert!(out.headers()[SET_COOKIE]
        .to_str()
        .expect("ASCII")
        .contains("Max-Age=0"));
    let after = console.get("/admin").await;
    assert_eq!(
        after.status(),
        StatusCode::SEE_OTHER,
        "the old cookie is dead"
    );
    assert_eq!(location(&after), "/admin/login");
}

#[tokio::test]
async fn the_cookie_is_secure_when_the_site_is_served_over_https() {
    let app = TestApp::spawn_with(|config| {
        config.mail.public_url = Some("https://sinmungo.jeonbuk.go.kr".to_owned());
    })
    .await;
    app.official("staff@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let mut console = Console::new(&app);
    let response = console
        .sign_in("staff@jeonbuk.go.kr", "officer-pass-2026")
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookie = response.headers()[SET_COOKIE].to_str().expect("ASCII");
    assert!(cookie.contains("; Secure"), "{cookie}");
}

#[tokio::test]
async fn citizens_are_refused_and_sign_ins_from_other_sites_too() {
    let app = TestApp::spawn().await;
    app.citizen("kim@example.kr").await;
    let mut console = Console::new(&app);
    let response = console.sign_in("kim@example.kr", "jeonbuk2026!").await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.headers().get(SET_COOKIE).is_none());
    assert!(response
        .text()
        .await
        .expect("HTML")
        .contains("관리 콘솔은 담당 공무원, 부서 관리자, 관리자만 사용할 수 있습니다"));
    assert_eq!(console.get("/admin").await.status(), StatusCode::SEE_OTHER);

    app.official("staff@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let cross_site = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(app.url("/admin/login"))
        .header("origin", "https://evil.example")
        .form(&[
            ("email", "staff@jeonbuk.go.kr"),
            ("password", "officer-pass-2026"),
        ])
        .send()
        .await
        .expect("request");
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    assert!(cross_site.headers().get(SET_COOKIE).is_none());
}

#[tokio::test]
async fn actions_without_the_form_token_are_refused() {
    let app = TestApp::spawn().await;
    app.official("staff@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let id = pothole(&app, "도로 파손").await;
    let mut console = Console::new(&app);
    console
        .sign_in("staff@jeonbuk.go.kr", "officer-pass-2026")
        .await;
    let page = console
        .page(&format!("/admin/reports/{id}"), StatusCode::OK)
        .await;
    let token = form_token(&page);
    let path = format!("/admin/reports/{id}/status");
    for csrf in [None, Some("bm90LXRoZS10b2tlbg")] {
        let mut form = vec![("to", "in_progress")];
        if let Some(csrf) = csrf {
            form.push(("csrf", csrf));
        }
        let refused = console.post(&path, &form).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{csrf:?}");
        assert!(refused
            .text()
            .await
            .expect("HTML")
            .contains("보안 확인 값이 없거나 맞지 않습니다"));
    }
    assert_eq!(
        status_over_api(&app, &id).await,
        "received",
        "nothing changed"
    );

    let started = console
        .post(&path, &[("csrf", &token), ("to", "in_progress")])
        .await;
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&started),
        format!("/admin/reports/{id}?done=status")
    );
    assert_eq!(status_over_api(&app, &id).await, "in_progress");
}

#[tokio::test]
async fn a_stale_version_shows_the_conflict_and_the_report_as_it_is() {
    let app = TestApp::spawn().await;
    app.official("staff@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let id = pothole(&app, "도로 파손").await;
    let mut console = Console::new(&app);
    console
        .sign_in("staff@jeonbuk.go.kr", "officer-pass-2026")
        .await;
    let page = console
        .page(&format!("/admin/reports/{id}"), StatusCode::OK)
        .await;
    let token = form_token(&page);
    let path = format!("/admin/reports/{id}/status");
    let stale = console
        .post(
            &path,
            &[
                ("csrf", &token),
                ("to", "in_progress"),
                ("expected_version", "0"),
            ],
        )
        .await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let html = stale.text().await.expect("HTML");
    assert!(html.contains(CONFLICT));
    assert!(
        html.contains(r#"data-status="received""#),
        "the current state"
    );

    // A resolution without a note is refused next to the form, in Korean.
    console
        .post(&path, &[("csrf", &token), ("to", "in_progress")])
        .await;
    let no_note = console
        .post(
            &path,
            &[("csrf", &token), ("to", "resolved"), ("note", " ")],
        )
        .await;
    assert_eq!(no_note.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_note
        .text()
        .await
        .expect("HTML")
        .contains("처리 내용을 입력해 주세요"));
    assert_eq!(status_over_api(&app, &id).await, "in_progress");
}

#[tokio::test]
async fn the_queue_lists_the_departments_open_reports_with_counts() {
    let app = TestApp::spawn().await;
    app.official("staff@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let first = pothole(&app, "첫 번째 포트홀").await;
    pothole(&app, "두 번째 포트홀").await;
    let mut console = Console::new(&app);
    console
        .sign_in("staff@jeonbuk.go.kr", "officer-pass-2026")
        .await;
    let token = form_token(&console.page("/admin", StatusCode::OK).await);
    console
        .post(
            &format!("/admin/reports/{first}/status"),
            &[("csrf", &token), ("to", "in_progress")],
        )
        .await;
    let queue = console.page("/admin", StatusCode::OK).await;
    assert!(queue.contains("첫 번째 포트홀") && queue.contains("두 번째 포트홀"));
    assert!(queue.contains(r#"<th scope="col">접수번호</th>"#));
    assert!(
        queue.contains(r#"data-status="received">1</strong>"#),
        "{queue}"
    );
    assert!(queue.contains(r#"data-status="in_progress">1</strong>"#));

    let filtered = console
        .page("/admin?status=in_progress", StatusCode::OK)
        .await;
    assert!(filtered.contains("첫 번째 포트홀"));
    assert!(!filtered.contains("두 번째 포트홀"));
    let bad = console
        .page("/admin?status=lost", StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(bad.contains("알 수 없는 상태입니다"));
}

#[tokio::test]
async fn a_manager_assigns_comments_and_reclassifies_from_the_report_page() {
    let app = TestApp::spawn().await;
    app.official("manager@jeonbuk.go.kr", "manager", "road_management")
        .await;
    let staff = app
        .official("staff@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let id = pothole(&app, "도로 파손").await;
    let mut console = Console::new(&app);
    console
        .sign_in("manager@jeonbuk.go.kr", "officer-pass-2026")
        .await;
    let page = console
        .page(&format!("/admin/reports/{id}"), StatusCode::OK)
        .await;
    assert!(
        page.contains(&format!(r#"<option value="{}""#, staff.id)),
        "the department's staff to pick"
    );
    let token = form_token(&page);
    let base = format!("/admin/reports/{id}");

    let assigned = console
        .post(
            &format!("{base}/assign"),
            &[("csrf", &token), ("assignee", &staff.id)],
        )
        .await;
    assert_eq!(assigned.status(), StatusCode::SEE_OTHER);
    let commented = console
        .post(
            &format!("{base}/comments"),
            &[
                ("csrf", &token),
                ("body", "내일 현장 확인 예정"),
                ("visibility", "internal"),
            ],
        )
        .await;
    assert_eq!(commented.status(), StatusCode::SEE_OTHER);
    let reclassified = console
        .post(
            &format!("{base}/classification"),
            &[
                ("csrf", &token),
                ("category", "road_damage"),
                ("priority", "urgent"),
            ],
        )
        .await;
    assert_eq!(reclassified.status(), StatusCode::SEE_OTHER);
    let empty = console
        .post(
            &format!("{base}/comments"),
            &[("csrf", &token), ("body", "")],
        )
        .await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty
        .text()
        .await
        .expect("HTML")
        .contains("필수 입력 항목입니다"));

    let after = console.page(&base, StatusCode::OK).await;
    assert!(after.contains(r#"data-status="assigned""#), "assigned");
    assert!(
        after.contains("staff 담당자 (담당 공무원)"),
        "the assignee by name"
    );
    assert!(after.contains("내부 메모") && after.contains("내일 현장 확인 예정"));

    let citizen_view: Value = app
        .get(&format!("/api/v1/reports/{id}"), None)
        .await
        .json()
        .await
        .expect("report JSON");
    assert_eq!(citizen_view["priority"], "urgent");
    let timeline: Value = app
        .get(&format!("/api/v1/reports/{id}/timeline"), None)
        .await
        .json()
        .await
        .expect("timeline JSON");
    assert!(
        !timeline.to_string().contains("내일 현장 확인 예정"),
        "the internal note stays internal"
    );
}
