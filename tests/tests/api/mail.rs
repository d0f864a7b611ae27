//! E-mail against a real SMTP server (aiosmtpd from PyPI, storing what it
//! receives in a Maildir): a resolved report reaches its reporter's inbox
//! once, in Korean, with the link; mail waits out an SMTP outage and then
//! arrives exactly once; `none` means none; officials get a daily digest.
//!
//! `SINMUNGO_TEST_SMTP_URL` (`smtp://127.0.0.1:2525?tls=none`) and
//! `SINMUNGO_TEST_MAILDIR` name the server and its Maildir (`.ci/run` starts
//! it); unset, the tests are skipped.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sinmungo_server::{ConnectionUrl, ServerConfig};
use sinmungo_test_support::proxy::{through_with_default_port, Proxy};
use sinmungo_test_support::services::service_url;
use uuid::Uuid;

use crate::harness::{Session, TestApp};

const PUBLIC_URL: &str = "https://sinmungo.test.jeonbuk.go.kr";

/// The SMTP server and its Maildir, if configured.
fn smtp() -> Option<(String, PathBuf)> {
    let url = service_url("SINMUNGO_TEST_SMTP_URL").expect("SMTP configured as required")?;
    let maildir = service_url("SINMUNGO_TEST_MAILDIR").expect("Maildir configured as required")?;
    Some((url, PathBuf::from(maildir)))
}

fn with_mail(config: &mut ServerConfig, smtp_url: &str) {
    config.mail.smtp_url = Some(ConnectionUrl::new(smtp_url));
    config.mail.public_url = Some(PUBLIC_URL.to_owned());
    config.mail.mail_poll_ms = 50;
    config.mail.mail_retry_secs = 1;
    config.mail.mail_retry_max_secs = 1;
}

/// A received mail, decoded.
#[derive(Debug, Clone)]
struct Received {
    to: String,
    subject: String,
    message_id: String,
    body: String,
}

/// Every mail in `maildir` addressed to `address`.
fn inbox(maildir: &std::path::Path, address: &str) -> Vec<Received> {
    let mut mails = Vec::new();
    for sub in ["new", "cur"] {
        let Ok(entries) = std::fs::read_dir(maildir.join(sub)) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(raw) = std::fs::read_to_string(entry.path()) else {
                continue;
            };
            let mail = parse(&raw);
            if mail.to.contains(address) {
                mails.push(mail);
            }
        }
    }
    mails
}

/// Polls `address`'s inbox until it holds `count` mails (at most 15 s).
async fn wait_for(maildir: &std::path::Path, address: &str, count: usize) -> Vec<Received> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let mails = inbox(maildir, address);
        if mails.len() >= count || tokio::time::Instant::now() > deadline {
            return mails;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn parse(raw: &str) -> Received {
    let raw = raw.replace("\r\n", "\n");
    let (head, body) = raw.split_once("\n\n").unwrap_or((&raw, ""));
    // Unfold continued header lines.
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let body = match header("content-transfer-encoding")
        .to_ascii_lowercase()
        .as_str()
    {
        "base64" => String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(body.split_whitespace().collect::<String>())
                .expect("base64 body"),
        )
        .expect("UTF-8 body"),
        "quoted-printable" => quoted_printable(body),
        _ => body.to_owned(),
    };
    Received {
        to: header("to"),
        subject: encoded_words(&header("subject")),
        message_id: header("message-id"),
        body,
    }
}

/// Decodes RFC 2047 `=?utf-8?b?…?=` words (whitespace between them dropped).
fn encoded_words(value: &str) -> String {
    let mut out = Vec::new();
    for word in value.split_whitespace() {
        let lower = word.to_ascii_lowercase();
        if lower.starts_with("=?utf-8?b?") && word.ends_with("?=") {
            let encoded = &word[10..word.len() - 2];
            out.extend(
                base64::engine::general_purpose::STANDARD
                    .decode(encoded)
                    .expect("base64 word"),
            );
        } else {
            if !out.is_empty() {
                out.push(b' ');
            }
            out.extend(word.as_bytes());
        }
    }
    String::from_utf8(out).expect("UTF-8 subject")
}

fn quoted_printable(body: &str) -> String {
    let joined = body.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(byte) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).expect("UTF-8 body")
}

/// A fresh address, so tests sharing one Maildir never read each other's mail.
fn address(who: &str) -> String {
    format!("{who}-{}@example.kr", Uuid::now_v7().simple())
}

async fn submit(app: &TestApp, citizen: &Session, title: &str) -> String {
    let report = app
        .submit(
            &citizen.access_token,
            title,
            "집 앞 도로에 큰 포트홀이 생겼어요",
            "public",
        )
        .await;
    report["id"].as_str().expect("id").to_owned()
}

async fn resolve(app: &TestApp, officer: &Session, id: &str) {
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
        assert_eq!(changed.status(), StatusCode::OK, "{to}");
    }
}

#[tokio::test]
async fn a_resolved_report_reaches_the_reporters_inbox_once_in_korean_with_the_link() {
    let Some((smtp_url, maildir)) = smtp() else {
        return;
    };
    let app = TestApp::spawn_with(|c| with_mail(c, &smtp_url)).await;
    let citizen_address = address("citizen");
    let officer_address = address("officer");
    let citizen = app.citizen(&citizen_address).await;
    let officer = app
        .official(&officer_address, "staff", "road_management")
        .await;
    let id = submit(&app, &citizen, "도로 파손").await;
    resolve(&app, &officer, &id).await;

    let mails = wait_for(&maildir, &citizen_address, 2).await;
    assert_eq!(mails.len(), 2, "in progress and resolved: {mails:?}");
    let resolved = mails
        .iter()
        .find(|m| m.subject.contains("'처리완료'"))
        .expect("the resolution mail");
    assert!(
        resolved.subject.starts_with("[전북 신문고] 신고 "),
        "{}",
        resolved.subject
    );
    assert!(
        resolved.body.contains("아스팔트 보수 완료"),
        "{}",
        resolved.body
    );
    assert!(
        resolved
            .body
            .contains(&format!("{PUBLIC_URL}/reports/{id}")),
        "{}",
        resolved.body
    );
    assert!(resolved.message_id.starts_with("<notification."));
    assert!(resolved.message_id.ends_with("@jeonbuk.go.kr>"));
    assert_ne!(mails[0].message_id, mails[1].message_id);

    // Nothing more comes, and officials wait for their digest.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(inbox(&maildir, &citizen_address).len(), 2, "exactly once");
    assert!(inbox(&maildir, &officer_address).is_empty());
}

#[tokio::test]
async fn mail_waits_out_an_smtp_outage_and_then_arrives_exactly_once() {
    let Some((smtp_url, maildir)) = smtp() else {
        return;
    };
    let listen: SocketAddr = "127.0.0.1:0".parse().expect("address");
    let (_, upstream) = through_with_default_port(&smtp_url, listen, 25).expect("SMTP address");
    let mut proxy = Proxy::start(listen, upstream).await.expect("proxy");
    let (proxied, _) =
        through_with_default_port(&smtp_url, proxy.listen(), 25).expect("proxied URL");
    let app = TestApp::spawn_with(|c| with_mail(c, &proxied)).await;
    let citizen_address = address("outage");
    let citizen = app.citizen(&citizen_address).await;
    let officer = app
        .official(&address("officer"), "staff", "road_management")
        .await;

    proxy.cut().await;
    let id = submit(&app, &citizen, "정전 중 신고").await;
    resolve(&app, &officer, &id).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        inbox(&maildir, &citizen_address).is_empty(),
        "no mail while the SMTP server is away"
    );

    proxy.restore().await.expect("proxy restored");
    let mails = wait_for(&maildir, &citizen_address, 2).await;
    assert_eq!(mails.len(), 2, "both arrive after the outage");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        inbox(&maildir, &citizen_address).len(),
        2,
        "and each exactly once"
    );
}

#[tokio::test]
async fn a_person_who_chose_none_gets_no_mail() {
    let Some((smtp_url, maildir)) = smtp() else {
        return;
    };
    let app = TestApp::spawn_with(|c| with_mail(c, &smtp_url)).await;
    let quiet_address = address("quiet");
    let quiet = app.citizen(&quiet_address).await;
    let chosen = app
        .send(
            reqwest::Method::PUT,
            "/api/v1/me/notification-settings",
            Some(&quiet.access_token),
            Some(json!({"email": "none"})),
        )
        .await;
    assert_eq!(chosen.status(), StatusCode::OK);
    let chosen: Value = chosen.json().await.expect("settings");
    assert_eq!(chosen, json!({"email": "none", "default": false}));

    let other_address = address("other");
    let other = app.citizen(&other_address).await;
    let settings: Value = app
        .get(
            "/api/v1/me/notification-settings",
            Some(&other.access_token),
        )
        .await
        .json()
        .await
        .expect("settings");
    assert_eq!(settings, json!({"email": "immediate", "default": true}));
    let officer = app
        .official(&address("officer"), "staff", "road_management")
        .await;
    let quiet_report = submit(&app, &quiet, "조용한 신고").await;
    let other_report = submit(&app, &other, "다른 신고").await;
    resolve(&app, &officer, &quiet_report).await;
    resolve(&app, &officer, &other_report).await;

    // Once the other citizen's mail is in, the quiet one's would be too.
    assert_eq!(wait_for(&maildir, &other_address, 2).await.len(), 2);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(inbox(&maildir, &quiet_address).is_empty());
}

#[tokio::test]
async fn officials_get_one_digest_per_period_listing_their_new_work() {
    let Some((smtp_url, maildir)) = smtp() else {
        return;
    };
    // A digest every 3 seconds stands for one a day.
    let app = TestApp::spawn_with(|c| {
        with_mail(c, &smtp_url);
        c.mail.mail_digest_period_secs = 3;
    })
    .await;
    let officer_address = address("digest");
    let officer = app
        .official(&officer_address, "staff", "road_management")
        .await;
    let citizen = app.citizen(&address("reporter")).await;
    let first = submit(&app, &citizen, "첫 번째 포트홀").await;
    let second = submit(&app, &citizen, "두 번째 포트홀").await;
    // Both notifications are stored before the officer asks.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let page: Value = app
            .get("/api/v1/notifications", Some(&officer.access_token))
            .await
            .json()
            .await
            .expect("notifications");
        if page["items"].as_array().is_some_and(|i| i.len() == 2)
            || tokio::time::Instant::now() > deadline
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let digests = wait_for(&maildir, &officer_address, 1).await;
    assert!(!digests.is_empty(), "a digest arrives");
    // Wait two more periods: no new work, no new digest.
    tokio::time::sleep(Duration::from_secs(7)).await;
    let digests = inbox(&maildir, &officer_address);
    let listed: usize = digests
        .iter()
        .map(|d| usize::from(d.body.contains(&first)) + usize::from(d.body.contains(&second)))
        .sum();
    assert_eq!(
        listed, 2,
        "each report listed once across digests: {digests:?}"
    );
    assert!(digests.len() <= 2, "{digests:?}");
    for digest in &digests {
        assert!(
            digest.subject.starts_with("[전북 신문고] 오늘의 알림 "),
            "{}",
            digest.subject
        );
        assert!(digest.message_id.starts_with("<digest."));
    }
}
