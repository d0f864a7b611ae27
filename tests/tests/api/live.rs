//! Live updates over a real WebSocket client: officers hear of new work,
//! reporters of progress, map watchers see public reports change (masked,
//! without the reporter), and nobody sees what is not theirs.

use std::time::Duration;

use futures::{SinkExt as _, StreamExt as _};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use sinmungo_tests::services::service_url;

use crate::harness::{Session, TestApp};

pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How a client signs in on its socket.
enum SignIn<'a> {
    /// Not at all.
    Anonymous,
    /// `Authorization: Bearer …`, as a mobile app would.
    Header(&'a Session),
    /// The `bearer.{token}` subprotocol beside `sinmungo.v1`, as a browser must.
    Subprotocol(&'a Session),
}

/// Opens `/api/v1/ws` and reads the `hello`; returns the socket, the hello
/// and the subprotocol the server chose.
async fn connect(app: &TestApp, sign_in: SignIn<'_>) -> (Socket, Value, Option<String>) {
    let url = app.base.replace("http://", "ws://") + "/api/v1/ws";
    let mut request = url.into_client_request().expect("request");
    let headers = request.headers_mut();
    match sign_in {
        SignIn::Anonymous => {}
        SignIn::Header(session) => {
            headers.insert(
                "authorization",
                HeaderValue::from_str(&format!("Bearer {}", session.access_token)).expect("header"),
            );
        }
        SignIn::Subprotocol(session) => {
            headers.insert(
                "sec-websocket-protocol",
                HeaderValue::from_str(&format!("sinmungo.v1, bearer.{}", session.access_token))
                    .expect("header"),
            );
        }
    }
    let (mut socket, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("the WebSocket opens");
    let chosen = response
        .headers()
        .get("sec-websocket-protocol")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let hello = next(&mut socket, Duration::from_secs(5))
        .await
        .expect("a hello");
    assert_eq!(hello["type"], "hello");
    (socket, hello, chosen)
}

/// The next JSON message within `wait` (pings are answered by the client
/// library), or `None`.
pub(crate) async fn next(socket: &mut Socket, wait: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let frame = tokio::time::timeout_at(deadline, socket.next())
            .await
            .ok()??;
        match frame.ok()? {
            Message::Text(text) => return serde_json::from_str(text.as_str()).ok(),
            Message::Close(_) => return None,
            _ => {}
        }
    }
}

/// The first message of `kind` within 10 s, skipping others.
async fn first_of(socket: &mut Socket, kind: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let message = next(socket, left).await;
        assert!(message.is_some(), "no {kind} message within 10 s");
        let message = message.unwrap_or_default();
        if message["type"] == kind {
            return message;
        }
    }
}

/// Every message that arrives within `wait`.
async fn drain(socket: &mut Socket, wait: Duration) -> Vec<Value> {
    let mut messages = Vec::new();
    while let Some(message) = next(socket, wait).await {
        messages.push(message);
    }
    messages
}

async fn send(socket: &mut Socket, message: Value) -> Value {
    socket
        .send(Message::text(message.to_string()))
        .await
        .expect("sent");
    next(socket, Duration::from_secs(5))
        .await
        .expect("an answer")
}

#[tokio::test]
async fn an_officer_hears_of_new_work_and_the_reporter_of_its_resolution() {
    let app = TestApp::spawn().await;
    let citizen = app.citizen("citizen@example.kr").await;
    let officer = app
        .official("officer@jeonbuk.go.kr", "staff", "road_management")
        .await;

    let (mut officer_socket, hello, chosen) = connect(&app, SignIn::Header(&officer)).await;
    assert_eq!(hello["user"]["id"], officer.id.as_str());
    assert_eq!(hello["user"]["role"], "staff");
    assert_eq!(hello["protocol"], "sinmungo.v1");
    assert_eq!(chosen, None, "no subprotocol offered, none chosen");
    let (mut citizen_socket, hello, chosen) = connect(&app, SignIn::Subprotocol(&citizen)).await;
    assert_eq!(hello["user"]["id"], citizen.id.as_str());
    assert_eq!(
        chosen.as_deref(),
        Some("sinmungo.v1"),
        "the token is never echoed back as the protocol"
    );

    let report = app
        .submit(
            &citizen.access_token,
            "도로 파손",
            "집 앞 도로에 큰 포트홀이 생겼어요",
            "public",
        )
        .await;
    let id = report["id"].as_str().expect("id");
    let pushed = first_of(&mut officer_socket, "notification").await;
    assert_eq!(pushed["notification"]["kind"], "report_routed");
    assert_eq!(pushed["notification"]["report_id"], id);
    assert!(pushed["notification"]["read_at"].is_null());

    for (to, note) in [
        ("in_progress", None),
        ("resolved", Some("아스팔트 보수 완료")),
    ] {
        let changed = app
            .post(
                &format!("/api/v1/reports/{id}/transitions"),
                Some(&officer.access_token),
                json!({"to": to, "note": note}),
            )
            .await;
        assert_eq!(changed.status(), StatusCode::OK);
    }
    let first = first_of(&mut citizen_socket, "notification").await;
    let second = first_of(&mut citizen_socket, "notification").await;
    assert_eq!(first["notification"]["kind"], "status_changed");
    assert!(second["notification"]["title"]
        .as_str()
        .unwrap_or_default()
        .contains("처리완료"));

    // Stored first, pushed second: the REST list has what the socket said.
    let stored: Value = app
        .get("/api/v1/notifications", Some(&citizen.access_token))
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(stored["unread_count"], 2);
    assert_eq!(stored["items"][0]["id"], second["notification"]["id"]);
}

#[tokio::test]
async fn map_watchers_see_public_reports_masked_and_nothing_private() {
    let app = TestApp::spawn().await;
    let reporter = app.citizen("reporter@example.kr").await;
    let neighbour = app.citizen("neighbour@example.kr").await;

    let (mut anonymous, hello, _) = connect(&app, SignIn::Anonymous).await;
    assert!(hello["user"].is_null());
    let (mut other_citizen, _, _) = connect(&app, SignIn::Header(&neighbour)).await;
    let around_jeonju = json!({"type": "subscribe", "topic": "bbox:127.10,35.80,127.20,35.85"});
    for socket in [&mut anonymous, &mut other_citizen] {
        let answer = send(socket, around_jeonju.clone()).await;
        assert_eq!(
            answer,
            json!({"type": "subscribed", "topic": "bbox:127.10,35.80,127.20,35.85"})
        );
    }

    app.submit(
        &reporter.access_token,
        "비공개 신고",
        "우리 집 담장이 무너졌어요 010-1234-5678",
        "private",
    )
    .await;
    let public = app
        .submit(
            &reporter.access_token,
            "도로 파손",
            "포트홀이 생겼어요. 연락주세요 010-9876-5432",
            "public",
        )
        .await;

    let seen = first_of(&mut anonymous, "report").await;
    assert_eq!(seen["report"]["id"], public["id"]);
    assert_eq!(seen["event"], "report.submitted");
    assert_eq!(seen["topics"], json!(["bbox:127.10,35.80,127.20,35.85"]));
    let text = seen["report"].to_string();
    assert!(
        !text.contains("010-9876-5432"),
        "the phone number is masked: {text}"
    );
    assert!(
        !text.contains(&reporter.id),
        "no reporter for the public: {text}"
    );

    let messages = drain(&mut other_citizen, Duration::from_millis(1500)).await;
    assert!(
        messages.iter().all(|m| m["report"]["id"] == public["id"]),
        "another citizen sees nothing of the private report: {messages:?}"
    );
    assert!(
        messages.iter().all(|m| m["type"] != "notification"),
        "and is told nothing: {messages:?}"
    );
    let later = drain(&mut anonymous, Duration::from_millis(500)).await;
    assert!(
        later.iter().all(|m| m["report"]["id"] == public["id"]),
        "the anonymous watcher never sees the private one: {later:?}"
    );
}

#[tokio::test]
async fn subscriptions_are_checked_and_bad_messages_answered() {
    let app = TestApp::spawn().await;
    let citizen = app.citizen("citizen@example.kr").await;
    let other = app.citizen("other@example.kr").await;
    let private = app
        .submit(
            &other.access_token,
            "비공개",
            "우리 집 앞 하수구가 막혔어요",
            "private",
        )
        .await;
    let (mut socket, _, _) = connect(&app, SignIn::Header(&citizen)).await;

    let answer = send(
        &mut socket,
        json!({"type": "subscribe", "topic": "department:road_management"}),
    )
    .await;
    assert_eq!(answer["type"], "error");
    assert_eq!(answer["code"], "forbidden");
    let answer = send(
        &mut socket,
        json!({"type": "subscribe", "topic": "weather:jeonju"}),
    )
    .await;
    assert_eq!(answer["code"], "invalid_topic");
    let answer = send(
        &mut socket,
        json!({"type": "subscribe", "topic": format!("report:{}", private["id"].as_str().expect("id"))}),
    )
    .await;
    assert_eq!(answer["code"], "not_found", "another's private report");
    socket.send(Message::text("{not json")).await.expect("sent");
    let answer = next(&mut socket, Duration::from_secs(5))
        .await
        .expect("answer");
    assert_eq!(answer["code"], "invalid_message");
    assert_eq!(
        send(&mut socket, json!({"type": "ping"})).await,
        json!({"type": "pong"})
    );

    let (mut anonymous, _, _) = connect(&app, SignIn::Anonymous).await;
    let answer = send(
        &mut anonymous,
        json!({"type": "subscribe", "topic": "department:road_management"}),
    )
    .await;
    assert_eq!(answer["code"], "forbidden");

    let officer = app
        .official("officer@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let (mut officer_socket, _, _) = connect(&app, SignIn::Header(&officer)).await;
    let answer = send(
        &mut officer_socket,
        json!({"type": "subscribe", "topic": "department:road_management"}),
    )
    .await;
    assert_eq!(answer["type"], "subscribed");
    let answer = send(
        &mut officer_socket,
        json!({"type": "subscribe", "topic": "department:parks"}),
    )
    .await;
    assert_eq!(answer["code"], "forbidden", "not their department");
}

#[tokio::test]
async fn a_department_queue_sees_its_reports_change() {
    let app = TestApp::spawn().await;
    let citizen = app.citizen("citizen@example.kr").await;
    let officer = app
        .official("officer@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let (mut queue, _, _) = connect(&app, SignIn::Header(&officer)).await;
    send(
        &mut queue,
        json!({"type": "subscribe", "topic": "department:road_management"}),
    )
    .await;

    let report = app
        .submit(
            &citizen.access_token,
            "비공개 포트홀",
            "집 앞 도로에 포트홀 010-1111-2222",
            "private",
        )
        .await;
    let seen = first_of(&mut queue, "report").await;
    assert_eq!(seen["report"]["id"], report["id"]);
    assert_eq!(seen["topics"], json!(["department:road_management"]));
    assert!(
        seen["report"]["description"]
            .as_str()
            .unwrap_or_default()
            .contains("010-1111-2222"),
        "officials see the report whole, private or not"
    );
}

#[tokio::test]
async fn signing_out_ends_the_sockets_of_that_sign_in() {
    let app = TestApp::spawn().await;
    let citizen = app.citizen("citizen@example.kr").await;
    let (mut socket, _, _) = connect(&app, SignIn::Header(&citizen)).await;
    let out = app
        .post(
            "/api/v1/auth/logout",
            Some(&citizen.access_token),
            json!({"refresh_token": citizen.refresh_token}),
        )
        .await;
    assert!(out.status().is_success(), "{}", out.status());
    let last = next(&mut socket, Duration::from_secs(5)).await;
    assert_eq!(last, Some(json!({"type": "session_ended"})));
    let closed = tokio::time::timeout(Duration::from_secs(5), socket.next())
        .await
        .expect("closed in time");
    let code = match closed {
        Some(Ok(Message::Close(Some(ref frame)))) => Some(u16::from(frame.code)),
        _ => None,
    };
    assert_eq!(code, Some(4001), "a close frame 4001: {closed:?}");
}

#[tokio::test]
async fn a_client_that_never_reads_does_not_hold_back_the_others() {
    // The queue takes the burst of 40 changes a reading client sees (the
    // relay hands a batch out at once); a client that stops reading is
    // dropped only once its queue is full behind a full socket, which the
    // hub's own tests show (`live::hub::tests`).
    let app = TestApp::spawn_with(|config| {
        config.ws_queue = 64;
        config.access.rate_submit_per_account = "10000/1h".parse().expect("limit");
        config.access.rate_submit_per_ip = "10000/1h".parse().expect("limit");
    })
    .await;
    let citizen = app.citizen("citizen@example.kr").await;
    let topic = json!({"type": "subscribe", "topic": "bbox:127.10,35.80,127.20,35.85"});
    let (mut stalled, _, _) = connect(&app, SignIn::Anonymous).await;
    send(&mut stalled, topic.clone()).await;
    let (mut reader, _, _) = connect(&app, SignIn::Anonymous).await;
    send(&mut reader, topic).await;

    const REPORTS: usize = 40;
    for n in 0..REPORTS {
        app.submit(
            &citizen.access_token,
            &format!("포트홀 {n}"),
            "도로에 포트홀이 생겼어요",
            "public",
        )
        .await;
    }
    // The reader gets every report while the stalled client reads nothing.
    let mut seen = std::collections::BTreeSet::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while seen.len() < REPORTS && tokio::time::Instant::now() < deadline {
        if let Some(message) = next(&mut reader, Duration::from_secs(5)).await {
            if message["type"] == "report" {
                seen.insert(message["report"]["id"].to_string());
            }
        }
    }
    assert_eq!(
        seen.len(),
        REPORTS,
        "every report reached the reading client"
    );
    drop(stalled);
}

#[tokio::test]
async fn two_servers_sharing_redis_push_to_each_others_clients() {
    let Some(redis) = service_url("SINMUNGO_TEST_REDIS_URL").expect("Redis for this test") else {
        return;
    };
    // A prefix of this test's own, so only these two servers listen on its channel.
    let prefix = format!("sinmungo-live-{}:", uuid::Uuid::now_v7());
    let with_redis = |redis: String, prefix: String| {
        move |config: &mut sinmungo_server::ServerConfig| {
            config.access.redis_url = Some(redis.parse().expect("URL"));
            config.access.redis_key_prefix = prefix;
        }
    };
    let a = TestApp::spawn_with(with_redis(redis.clone(), prefix.clone())).await;
    let b = a
        .spawn_beside(with_redis(redis.clone(), prefix.clone()))
        .await;
    listeners(&redis, &format!("{prefix}pushes"), 2).await;
    let citizen = a
        .citizen(&format!("citizen-{}@example.kr", uuid::Uuid::now_v7()))
        .await;
    let officer = a
        .official(
            &format!("officer-{}@jeonbuk.go.kr", uuid::Uuid::now_v7()),
            "staff",
            "road_management",
        )
        .await;

    // The officer and a map watcher are connected to B; the report is made on A.
    let (mut on_b, hello, _) = connect(&b, SignIn::Header(&officer)).await;
    assert_eq!(hello["user"]["id"], officer.id.as_str());
    let (mut watcher_on_b, _, _) = connect(&b, SignIn::Anonymous).await;
    send(
        &mut watcher_on_b,
        json!({"type": "subscribe", "topic": "bbox:127.10,35.80,127.20,35.85"}),
    )
    .await;
    let report = a
        .submit(
            &citizen.access_token,
            "도로 파손",
            "집 앞 도로에 큰 포트홀이 생겼어요",
            "public",
        )
        .await;

    let pushed = first_of(&mut on_b, "notification").await;
    assert_eq!(pushed["notification"]["kind"], "report_routed");
    assert_eq!(pushed["notification"]["report_id"], report["id"]);
    let seen = first_of(&mut watcher_on_b, "report").await;
    assert_eq!(seen["report"]["id"], report["id"]);

    // Signing out on A ends the officer's socket on B.
    let out = a
        .post(
            "/api/v1/auth/logout",
            Some(&officer.access_token),
            json!({"refresh_token": officer.refresh_token}),
        )
        .await;
    assert!(out.status().is_success());
    assert_eq!(
        first_of(&mut on_b, "session_ended").await["type"],
        "session_ended"
    );
}

/// Waits until `count` servers listen on `channel` (at most 10 s).
async fn listeners(redis: &str, channel: &str, count: i64) {
    let client = redis::Client::open(redis).expect("Redis URL");
    let mut connection = client
        .get_multiplexed_async_connection()
        .await
        .expect("Redis");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (_, listening): (String, i64) = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg(channel)
            .query_async(&mut connection)
            .await
            .expect("PUBSUB NUMSUB");
        if listening >= count {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{listening} of {count} servers listen on {channel}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
