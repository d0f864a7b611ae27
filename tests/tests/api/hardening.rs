//! Hardening (issue 17): what a hostile-input run found, each defect with its
//! regression test — page sizes, client messages, query errors, invisible
//! text, answers made by tower layers and ambiguous requests.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{expect_problem, TestApp, JEONJU};

/// Every list's `limit` has one documented maximum (100): a larger value,
/// even one that does not fit in 32 bits, is refused the same way on every
/// route, never served or silently cut.
#[tokio::test]
async fn every_list_refuses_a_limit_above_the_one_maximum() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let citizen = app.citizen("citizen@example.kr").await;
    let lists = [
        ("/api/v1/reports", None),
        ("/api/v1/notifications", Some(citizen.access_token.as_str())),
        ("/api/v1/admin/audit", Some(admin.access_token.as_str())),
    ];
    for (path, token) in lists {
        for limit in [
            "0",
            "101",
            "4294967295",
            "4294967296",
            "99999999999999999999",
        ] {
            let refused = app.get(&format!("{path}?limit={limit}"), token).await;
            let body = expect_problem(
                refused,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
            )
            .await;
            assert_eq!(
                body["errors"],
                json!([{"field": "limit", "code": "out_of_range",
                        "message": "limit must be between 1 and 100"}]),
                "{path} {limit}"
            );
        }
        let served = app.get(&format!("{path}?limit=100"), token).await;
        assert_eq!(served.status(), StatusCode::OK, "{path}");
    }
}

/// Words of the server's own code that must never reach a client.
const RUST_WORDS: &[&str] = &[
    "struct ",
    "enum ",
    "LoginBody",
    "RefreshBody",
    "SubmitBody",
    "LocationBody",
    "TransitionBody",
    "u64",
    "f64",
    "String",
    "Option",
    "line 1 column",
];

/// A route, its token, a body, and the one field error it must answer.
type BodyCase<'a> = (&'a str, Option<&'a str>, Value, &'a str, &'a str, &'a str);

/// A body of the wrong shape is answered `422 invalid_body` with the wrong
/// field and what it must be, in the API's words — never serde's message
/// about Rust types (`expected struct LoginBody at line 1 column 4`).
#[tokio::test]
async fn a_body_of_the_wrong_shape_names_its_field_in_the_apis_words() {
    let app = TestApp::spawn().await;
    let (citizen, staff) = app.reporter_and_staff("citizen@example.kr").await;
    let report = app
        .submit(&citizen.access_token, "포트홀", "도로에 구멍", "public")
        .await;
    let id = report["id"].as_str().unwrap();
    let transitions = format!("/api/v1/reports/{id}/transitions");
    let cases: Vec<BodyCase<'_>> = vec![
        (
            "/api/v1/auth/login",
            None,
            json!(null),
            "body",
            "invalid_type",
            "the body must be a JSON object",
        ),
        (
            "/api/v1/auth/login",
            None,
            json!("admin@jeonbuk.go.kr"),
            "body",
            "invalid_type",
            "the body must be a JSON object",
        ),
        (
            "/api/v1/auth/refresh",
            None,
            json!([]),
            "body",
            "invalid_value",
            "the body must be a JSON object",
        ),
        (
            "/api/v1/auth/login",
            None,
            json!({"email": 5, "password": "x"}),
            "email",
            "invalid_type",
            "email must be a string",
        ),
        (
            "/api/v1/auth/refresh",
            None,
            json!({}),
            "refresh_token",
            "required",
            "refresh_token is required (필수 입력 항목입니다)",
        ),
        (
            "/api/v1/reports",
            Some(&citizen.access_token),
            json!({"title": "t", "description": "d", "location": {"lat": 35.8}}),
            "location.lng",
            "required",
            "location.lng is required (필수 입력 항목입니다)",
        ),
        (
            "/api/v1/reports",
            Some(&citizen.access_token),
            json!({"title": "t", "description": "d", "location": {"lat": "north", "lng": 127.1}}),
            "location.lat",
            "invalid_type",
            "location.lat must be a number",
        ),
        (
            &transitions,
            Some(&staff.access_token),
            json!({"to": "in_progress", "expected_version": -1}),
            "expected_version",
            "invalid_value",
            "expected_version must be a whole number of 0 or more",
        ),
        (
            &transitions,
            Some(&staff.access_token),
            json!({"to": true}),
            "to",
            "invalid_type",
            "to must be a string",
        ),
    ];
    for (path, token, body, field, code, message) in cases {
        let response = app.post(path, token, body.clone()).await;
        let text = response.text().await.unwrap();
        for word in RUST_WORDS {
            assert!(!text.contains(word), "{path} {body}: {word:?} in {text}");
        }
        let problem: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(problem["status"], 422, "{path} {body}: {problem}");
        assert_eq!(problem["code"], "invalid_body", "{path} {body}: {problem}");
        assert_eq!(
            problem["errors"],
            json!([{"field": field, "code": code, "message": message}]),
            "{path} {body}"
        );
    }
    // Nothing changed: the report was not moved by any of the bodies.
    let after = app
        .get_json(&format!("/api/v1/reports/{id}"), Some(&staff.access_token))
        .await;
    assert_eq!(after["status"], report["status"]);
}

/// One rule for every query parameter on every route: a value that is
/// refused — not a number, out of range, an unknown name, a malformed
/// coordinate, date or cursor — is 422 `validation_failed` with an error
/// naming the parameter; 400 `invalid_query` only for a query string that
/// cannot be read as name=value pairs.
#[tokio::test]
async fn every_refused_query_value_is_a_422_naming_its_parameter() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let citizen = app.citizen("citizen@example.kr").await;
    let report = app
        .submit(&citizen.access_token, "포트홀", "도로에 구멍", "public")
        .await;
    let nearby = format!("/api/v1/reports/{}/nearby", report["id"].as_str().unwrap());
    let admin_token = Some(admin.access_token.as_str());
    let citizen_token = Some(citizen.access_token.as_str());
    let cases = [
        ("/api/v1/reports", None, "limit", "abc"),
        ("/api/v1/reports", None, "limit", "1000"),
        ("/api/v1/reports", None, "limit", "-1"),
        ("/api/v1/reports", None, "bbox", "1,2,3"),
        ("/api/v1/reports", None, "bbox", "a,b,c,d"),
        ("/api/v1/reports", None, "status", "bogus"),
        ("/api/v1/reports", None, "near", "91,0"),
        ("/api/v1/reports", None, "radius_m", "far"),
        ("/api/v1/reports", None, "cursor", "zzz"),
        ("/api/v1/reports", citizen_token, "mine", "maybe"),
        ("/api/v1/notifications", citizen_token, "unread", "maybe"),
        ("/api/v1/notifications", citizen_token, "limit", "many"),
        ("/api/v1/admin/audit", admin_token, "limit", "abc"),
        ("/api/v1/admin/audit", admin_token, "limit", "0"),
        ("/api/v1/stats", None, "format", "xlsx"),
        ("/api/v1/stats", None, "since", "yesterday"),
        (nearby.as_str(), admin_token, "radius_m", "wide"),
        (nearby.as_str(), admin_token, "radius_m", "5000"),
    ];
    for (path, token, name, value) in cases {
        let response = app.get(&format!("{path}?{name}={value}"), token).await;
        let body = expect_problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        let errors = body["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{path}?{name}={value}: {body}");
        assert_eq!(errors[0]["field"], name, "{path}?{name}={value}: {body}");
        assert!(
            errors[0]["message"].as_str().unwrap().contains(name),
            "{path}?{name}={value}: {body}"
        );
    }
    // A query string that cannot be read as name=value pairs at all.
    for path in ["/api/v1/reports", "/api/v1/stats"] {
        let response = app
            .get(&format!("{path}?category=a&category=b"), None)
            .await;
        let body = expect_problem(response, StatusCode::BAD_REQUEST, "invalid_query").await;
        let detail = body["detail"].as_str().unwrap();
        assert!(
            detail.starts_with("the query string cannot be read"),
            "{detail}"
        );
    }
}

/// Text that shows as nothing or reads differently from what it holds is
/// refused in every text field — a title of zero-width spaces, a display
/// name of Hangul fillers, a direction override in a description or a
/// comment, a non-character — and nothing is stored.
#[tokio::test]
async fn invisible_and_direction_changing_text_is_refused_everywhere() {
    let app = TestApp::spawn().await;
    let refused = |field: &'static str, code: &'static str| {
        move |body: Value| {
            assert_eq!(
                body["errors"],
                json!([{"field": field, "code": code, "message": body["errors"][0]["message"]}]),
                "{body}"
            );
            assert!(
                body["errors"][0]["message"]
                    .as_str()
                    .unwrap()
                    .contains(field),
                "{body}"
            );
        }
    };
    for (name, code) in [
        ("\u{3164}\u{3164}", "no_visible_character"),
        ("\u{200B}", "no_visible_character"),
        ("김\u{202E}북전", "bidi_control"),
        ("김전북\u{FFFF}", "noncharacter"),
    ] {
        let response = app
            .post(
                "/api/v1/auth/register",
                None,
                json!({"email": "who@example.kr", "password": "jeonbuk2026!", "display_name": name}),
            )
            .await;
        refused("display_name", code)(
            expect_problem(
                response,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
            )
            .await,
        );
    }
    let citizen = app.citizen("citizen@example.kr").await;
    let report = |title: &str, description: &str| {
        json!({
            "title": title,
            "description": description,
            "location": {"lat": JEONJU.0, "lng": JEONJU.1},
            "visibility": "public",
        })
    };
    for (body, field, code) in [
        (
            report("\u{200B}\u{200B}\u{200B}", "보도블록 파손"),
            "title",
            "no_visible_character",
        ),
        (
            report("\u{FEFF}\u{2060}\u{00AD}", "보도블록 파손"),
            "title",
            "no_visible_character",
        ),
        (
            report("가로등 고장\u{FFFF}", "보도블록 파손"),
            "title",
            "noncharacter",
        ),
        (
            report("가로등 고장", "전화 \u{202E}0101-2345-010"),
            "description",
            "bidi_control",
        ),
    ] {
        let response = app
            .post("/api/v1/reports", Some(&citizen.access_token), body)
            .await;
        refused(field, code)(
            expect_problem(
                response,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
            )
            .await,
        );
    }
    let created = app
        .submit(
            &citizen.access_token,
            "가로등 고장",
            "밤에 꺼져 있어요",
            "public",
        )
        .await;
    let id = created["id"].as_str().unwrap();
    let response = app
        .post(
            &format!("/api/v1/reports/{id}/comments"),
            Some(&citizen.access_token),
            json!({"body": "\u{2066}확인\u{2069} 부탁드립니다"}),
        )
        .await;
    refused("body", "bidi_control")(
        expect_problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await,
    );
    // Only the one good report exists, with no comment.
    let mine = app
        .get_json("/api/v1/reports?mine=true", Some(&citizen.access_token))
        .await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1, "{mine}");
    let timeline = app.timeline(id, &citizen.access_token).await;
    let kinds: Vec<&str> = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["type"].as_str().unwrap())
        .collect();
    assert!(!kinds.contains(&"comment"), "{timeline}");
}

/// Sends raw bytes on a fresh connection, waits `pause`, sends `more`, and
/// reads one answer: its status, headers (lower-case names) and body
/// (status 0 and what came if the connection closed before a whole answer).
async fn raw_exchange(
    app: &TestApp,
    first: &[u8],
    more: &[u8],
    pause: std::time::Duration,
) -> (u16, String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connects");
    stream.write_all(first).await.expect("sends");
    tokio::time::sleep(pause).await;
    // The server may have answered and closed already.
    let _ = stream.write_all(more).await;
    let mut bytes = Vec::new();
    let mut buffer = [0_u8; 4096];
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let read = tokio::time::timeout_at(deadline, stream.read(&mut buffer))
            .await
            .expect("the server answers in time");
        let Ok(n @ 1..) = read else { break };
        bytes.extend_from_slice(&buffer[..n]);
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let head = head.to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length: "))
                .map_or(0, |n| n.trim().parse::<usize>().unwrap_or(0));
            if body.len() >= length {
                let status = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
                return (status, head, body[..length].to_owned());
            }
        }
    }
    // Status 0: the connection closed without a whole answer.
    (
        0,
        String::from_utf8_lossy(&bytes).into_owned(),
        String::new(),
    )
}

/// A body that never arrives in full — fewer bytes than its Content-Length,
/// or a chunked body never finished — is answered by the request timeout
/// with a problem (`408 request_timeout`), like every other error, not a
/// bare status; the timeout is the server's `request_timeout_secs`.
#[tokio::test]
async fn a_body_that_never_arrives_gets_a_408_problem() {
    let app = TestApp::spawn_with(|config| config.request_timeout_secs = 1).await;
    let short = b"POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\n\
        Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"email\":";
    let unfinished = b"POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\n\
        Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"ema\r\n";
    for request in [&short[..], &unfinished[..]] {
        let started = std::time::Instant::now();
        let (status, head, body) =
            raw_exchange(&app, request, b"", std::time::Duration::ZERO).await;
        assert_eq!(status, 408, "{head}\n{body}");
        assert!(
            head.contains("content-type: application/problem+json"),
            "{head}"
        );
        assert!(head.contains("x-request-id: "), "{head}");
        let problem: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(problem["code"], "request_timeout", "{problem}");
        assert_eq!(problem["status"], 408, "{problem}");
        assert_eq!(problem["type"], "urn:sinmungo:problem:request_timeout");
        let waited = started.elapsed();
        assert!(
            waited >= std::time::Duration::from_millis(900)
                && waited < std::time::Duration::from_secs(10),
            "{waited:?}"
        );
    }
    // A body that arrives in full, if slowly, within the timeout is served.
    let login = br#"{"email":"nobody@example.kr","password":"wrong-password-1"}"#;
    let head = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        login.len()
    );
    let first = [head.as_bytes(), &login[..9]].concat();
    let (status, _, body) = raw_exchange(
        &app,
        &first,
        &login[9..],
        std::time::Duration::from_millis(300),
    )
    .await;
    assert_eq!(status, 401, "{body}");
}

/// A request that two readers could understand differently is refused:
/// `Content-Type`, `Authorization` or `Host` twice → 400 `ambiguous_request`
/// (not "the first wins"), and a body with both `Content-Length` and
/// `Transfer-Encoding: chunked` is read as chunked with the connection
/// closed after it, so a request smuggled behind it is never answered.
#[tokio::test]
async fn ambiguous_requests_are_refused() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn().await;
    let citizen = app.citizen("citizen@example.kr").await;
    let admin = app.admin().await;
    let login = r#"{"email":"citizen@example.kr","password":"jeonbuk2026!"}"#;
    let requests = [
        (
            "Content-Type",
            format!(
                "POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\n\
                 Content-Type: application/json\r\nContent-Type: text/plain\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{login}",
                login.len()
            ),
        ),
        (
            "Authorization",
            format!(
                "GET /api/v1/me HTTP/1.1\r\nHost: localhost\r\n\
                 Authorization: Bearer {}\r\nAuthorization: Bearer {}\r\n\
                 Connection: close\r\n\r\n",
                citizen.access_token, admin.access_token
            ),
        ),
        (
            "Host",
            format!(
                "GET /api/v1/me HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\n\
                 Authorization: Bearer {}\r\nConnection: close\r\n\r\n",
                citizen.access_token
            ),
        ),
    ];
    for (name, request) in requests {
        let (status, head, body) =
            raw_exchange(&app, request.as_bytes(), b"", std::time::Duration::ZERO).await;
        assert_eq!(status, 400, "{name}: {head}\n{body}");
        assert!(
            head.contains("content-type: application/problem+json"),
            "{head}"
        );
        let problem: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(problem["code"], "ambiguous_request", "{problem}");
        let header = name.to_ascii_lowercase();
        assert!(
            problem["detail"].as_str().unwrap().contains(&header),
            "{problem}"
        );
    }
    // One of each is served as usual.
    let me = app.get("/api/v1/me", Some(&citizen.access_token)).await;
    assert_eq!(me.status(), StatusCode::OK);

    // Content-Length and Transfer-Encoding together: one answer, then the
    // connection closes; the administrator's request behind it is not read.
    let smuggled = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\n\
         Content-Type: application/json\r\nContent-Length: 4\r\n\
         Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n\
         GET /api/v1/me HTTP/1.1\r\nHost: localhost\r\n\
         Authorization: Bearer {}\r\n\r\n",
        admin.access_token
    );
    let address = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(smuggled.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut answer),
    )
    .await
    .expect("the server closes the connection")
    .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert_eq!(answer.matches("HTTP/1.1 ").count(), 1, "{answer}");
    assert!(!answer.contains("admin@jeonbuk.go.kr"), "{answer}");
    assert!(answer.starts_with("HTTP/1.1 4"), "{answer}");
}

/// A slow-loris — half a request head, then nothing — loses its connection
/// once `header_read_timeout_secs` has passed, instead of holding it (and a
/// task) forever; a client that sends its head in time is served.
#[tokio::test]
async fn a_request_head_that_never_ends_loses_its_connection() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn_with(|config| config.header_read_timeout_secs = 1).await;
    let address = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        .await
        .unwrap();
    // Not a speed check: the bound only needs to exist. Without one the read
    // below waits the whole 20 s and the test fails.
    let mut buffer = [0_u8; 1024];
    let read = tokio::time::timeout(std::time::Duration::from_secs(20), stream.read(&mut buffer))
        .await
        .expect("the server closes a connection whose head never ends");
    assert!(
        matches!(read, Ok(0) | Err(_)),
        "closed without an answer: {read:?}"
    );
    // A whole head is answered as ever.
    let (status, _, _) = raw_exchange(
        &app,
        b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        b"",
        std::time::Duration::ZERO,
    )
    .await;
    assert_eq!(status, 200);
}

/// One address may hold `max_connections_per_address` connections at once:
/// the next is told `503 too_many_connections` (a problem) and closed, and a
/// slot comes back when one of its connections closes.
#[tokio::test]
async fn one_address_cannot_hold_more_than_its_connections() {
    use tokio::io::AsyncWriteExt;
    let app = TestApp::spawn_with(|config| config.max_connections_per_address = 3).await;
    let address = app.base.trim_start_matches("http://");
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        // A request in progress: the head has started.
        stream.write_all(b"GET /health HTTP/1.1\r\n").await.unwrap();
        held.push(stream);
    }
    let (status, head, body) = raw_exchange(
        &app,
        b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n",
        b"",
        std::time::Duration::ZERO,
    )
    .await;
    assert_eq!(status, 503, "{head}\n{body}");
    assert!(
        head.contains("content-type: application/problem+json"),
        "{head}"
    );
    assert!(head.contains("retry-after: "), "{head}");
    let problem: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(problem["code"], "too_many_connections", "{problem}");

    drop(held.pop());
    // The server notices the close on its own time: ask until it has.
    let mut status = 0;
    for _ in 0..50 {
        (status, _, _) = raw_exchange(
            &app,
            b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
            b"",
            std::time::Duration::ZERO,
        )
        .await;
        if status == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, 200, "a closed connection gives its slot back");
}
