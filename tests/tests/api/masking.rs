//! Personal data, however it is typed, leaves by no path to someone not
//! entitled to it: the report, the list, the timeline's comments and
//! notes, Open311, and another follower's notifications. The reporter and
//! the officials keep reading it.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::TestApp;

/// What the reporter and the officer wrote that only they may read again.
const SECRETS: [&str; 4] = ["1234ㅡ5678", "12가3456", "222-1234", "2222 3333"];

/// Everything `token` (none: anonymous) can read about the report `id`
/// (number `number`), as one text.
async fn everything_read_by(app: &TestApp, token: Option<&str>, id: &str, number: &str) -> String {
    let mut read = Vec::new();
    for path in [
        format!("/api/v1/reports/{id}"),
        "/api/v1/reports".to_owned(),
        format!("/api/v1/reports/{id}/timeline"),
        format!("/open311/v2/requests/{number}.json"),
        format!("/open311/v2/requests/{number}.xml"),
    ] {
        let response = app.get(&path, token).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        read.push(response.text().await.expect("body"));
    }
    read.join("\n")
}

#[tokio::test]
async fn personal_data_typed_any_way_reaches_only_the_reporter_and_officials() {
    let app = TestApp::spawn_with(|config| config.masking.vehicle_plates = true).await;
    let (owner, staff) = app.reporter_and_staff("owner@example.kr").await;
    let neighbour = app.citizen("neighbour@example.kr").await;
    let report = app
        .submit(
            &owner.access_token,
            "포트홀",
            "포트홀이 깊어요. 연락 공일공ㅡ1234ㅡ5678, 제 차 12가3456 타이어가 찢어졌어요",
            "public",
        )
        .await;
    let id = report["id"].as_str().expect("id").to_owned();
    let number = report["number"].as_str().expect("number").to_owned();
    let path = format!("/api/v1/reports/{id}");

    let supported = app
        .post(
            &format!("{path}/support"),
            Some(&neighbour.access_token),
            json!({}),
        )
        .await;
    assert_eq!(supported.status(), StatusCode::OK);
    let commented = app
        .post(
            &format!("{path}/comments"),
            Some(&owner.access_token),
            json!({"body": "집 전화는 (063) 222-1234 입니다"}),
        )
        .await;
    assert_eq!(commented.status(), StatusCode::CREATED);
    for (to, note) in [
        ("in_progress", None),
        (
            "resolved",
            Some("신고인과 010 2222 3333 통화 후 보수 완료. 문의는 120"),
        ),
    ] {
        let changed = app
            .post(
                &format!("{path}/transitions"),
                Some(&staff.access_token),
                json!({"to": to, "note": note}),
            )
            .await;
        assert_eq!(changed.status(), StatusCode::OK, "{to}");
    }

    for (who, token) in [
        ("anonymous", None),
        ("neighbour", Some(neighbour.access_token.as_str())),
    ] {
        let read = everything_read_by(&app, token, &id, &number).await;
        for secret in SECRETS {
            assert!(!read.contains(secret), "{who} reads {secret}: {read}");
        }
        assert!(read.contains("[전화번호 비공개]"), "{who}: {read}");
        assert!(read.contains("[차량번호 비공개]"), "{who}: {read}");
        assert!(read.contains("문의는 120"), "a public number stays: {read}");
    }
    for (who, token) in [
        ("owner", &owner.access_token),
        ("staff", &staff.access_token),
    ] {
        let read = everything_read_by(&app, Some(token), &id, &number).await;
        for secret in SECRETS {
            assert!(read.contains(secret), "{who} reads {secret}");
        }
    }

    // The neighbour is told of the resolution, masked; the owner unmasked.
    let told = |token: String| {
        let app = &app;
        async move {
            let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
            loop {
                let page = app.get_json("/api/v1/notifications", Some(&token)).await;
                let text = page.to_string();
                if text.contains("처리 내용") || tokio::time::Instant::now() > deadline {
                    return text;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    let neighbours = told(neighbour.access_token.clone()).await;
    assert!(neighbours.contains("처리 내용"), "{neighbours}");
    for secret in SECRETS {
        assert!(!neighbours.contains(secret), "{secret}: {neighbours}");
    }
    let owners = told(owner.access_token.clone()).await;
    assert!(owners.contains("2222 3333"), "{owners}");
}
