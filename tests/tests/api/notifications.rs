//! Notifications over REST: new work reaches the routed department's
//! officers, progress reaches the reporter, and each person reads and marks
//! only their own.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{expect_problem, TestApp};

/// `GET /api/v1/notifications{query}` as `token`, polled until `done` holds
/// (events reach the notifier through the relay, every 100 ms), at most 10 s.
pub(crate) async fn notifications_until(
    app: &TestApp,
    token: &str,
    query: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let response = app
            .get(&format!("/api/v1/notifications{query}"), Some(token))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let page: Value = response.json().await.expect("notifications JSON");
        if done(&page) || tokio::time::Instant::now() > deadline {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn items(page: &Value) -> &Vec<Value> {
    page["items"].as_array().expect("items")
}

#[tokio::test]
async fn the_department_hears_of_new_work_and_the_reporter_of_its_resolution() {
    let app = TestApp::spawn().await;
    let citizen = app.citizen("citizen@example.kr").await;
    let officer = app
        .official("officer@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let parks = app.official("parks@jeonbuk.go.kr", "staff", "parks").await;

    let report = app
        .submit(
            &citizen.access_token,
            "도로 파손",
            "집 앞 도로에 큰 포트홀이 생겼어요",
            "public",
        )
        .await;
    let id = report["id"].as_str().expect("id").to_owned();
    let number = report["number"].as_str().expect("number").to_owned();

    let page = notifications_until(&app, &officer.access_token, "", |p| !items(p).is_empty()).await;
    let routed = &items(&page)[0];
    assert_eq!(routed["kind"], "report_routed");
    assert_eq!(routed["report_id"], id.as_str());
    assert_eq!(routed["title"], format!("새 신고 {number} — 도로 파손"));
    assert!(routed["read_at"].is_null());
    assert_eq!(page["unread_count"], 1);
    assert!(page["next_cursor"].is_null());

    let parks_page = notifications_until(&app, &parks.access_token, "", |_| true).await;
    assert!(
        items(&parks_page).is_empty(),
        "another department hears nothing"
    );

    // The officer resolves it; the reporter hears of each step.
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
    let page = notifications_until(&app, &citizen.access_token, "?unread=true", |p| {
        items(p).len() == 2
    })
    .await;
    let titles: Vec<&str> = items(&page)
        .iter()
        .map(|n| n["title"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        titles,
        [
            format!("신고 {number}의 처리 상태가 '처리완료'(으)로 바뀌었습니다"),
            format!("신고 {number}의 처리 상태가 '처리중'(으)로 바뀌었습니다"),
        ],
        "newest first"
    );
    assert_eq!(
        items(&page)[0]["body"],
        "도로 파손\n처리 내용: 아스팔트 보수 완료"
    );
    assert_eq!(page["unread_count"], 2);

    // Read one: it is read, the other stays unread.
    let newest = items(&page)[0]["id"].as_str().expect("id").to_owned();
    let read = app
        .post(
            &format!("/api/v1/notifications/{newest}/read"),
            Some(&citizen.access_token),
            json!({}),
        )
        .await;
    assert_eq!(read.status(), StatusCode::OK);
    let read: Value = read.json().await.expect("JSON");
    assert!(read["read_at"].is_string());
    let unread = notifications_until(&app, &citizen.access_token, "?unread=true", |_| true).await;
    assert_eq!(items(&unread).len(), 1);
    assert_eq!(unread["unread_count"], 1);
    let all = notifications_until(&app, &citizen.access_token, "?limit=1", |_| true).await;
    assert_eq!(items(&all).len(), 1, "a page of one");
    assert!(all["next_cursor"].is_string(), "and a next page");

    // Someone else's notification is not found, and stays unread.
    let theirs = app
        .post(
            &format!(
                "/api/v1/notifications/{}/read",
                routed["id"].as_str().expect("id")
            ),
            Some(&citizen.access_token),
            json!({}),
        )
        .await;
    expect_problem(theirs, StatusCode::NOT_FOUND, "not_found").await;
    let officer_page = notifications_until(&app, &officer.access_token, "", |_| true).await;
    assert_eq!(officer_page["unread_count"], 1);

    let all_read = app
        .post(
            "/api/v1/notifications/read-all",
            Some(&citizen.access_token),
            json!({}),
        )
        .await;
    assert_eq!(all_read.status(), StatusCode::OK);
    let all_read: Value = all_read.json().await.expect("JSON");
    assert_eq!(all_read, json!({"marked": 1, "unread_count": 0}));
}

#[tokio::test]
async fn notifications_are_for_signed_in_people_and_bad_queries_are_refused() {
    let app = TestApp::spawn().await;
    let anonymous = app.get("/api/v1/notifications", None).await;
    expect_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthenticated").await;

    let citizen = app.citizen("citizen@example.kr").await;
    for query in [
        "?limit=0",
        "?limit=1000",
        "?cursor=yesterday",
        "?unread=maybe",
        "?limit=many",
    ] {
        let refused = app
            .get(
                &format!("/api/v1/notifications{query}"),
                Some(&citizen.access_token),
            )
            .await;
        expect_problem(
            refused,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    let unknown = app
        .post(
            "/api/v1/notifications/not-a-uuid/read",
            Some(&citizen.access_token),
            json!({}),
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
}
