//! Duplicates over HTTP: the 201 of a submission offers the open reports of
//! the same category nearby, officers list them for any report, and a merge
//! moves the support to the original, whose later news reaches the
//! duplicate's reporter.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{created, expect_problem, TestApp, JEONJU};

/// Degrees of latitude per metre.
const DEGREE_PER_METRE: f64 = 1.0 / 111_320.0;

/// Submits a report `north_m` metres north of Jeonju City Hall; the whole 201 body.
async fn submit_at(
    app: &TestApp,
    token: &str,
    north_m: f64,
    category: &str,
    visibility: &str,
) -> Value {
    let response = app
        .post(
            "/api/v1/reports",
            Some(token),
            json!({
                "title": "도로에 포트홀",
                "description": "집 앞 도로에 큰 포트홀이 생겼어요. 연락처 010-1234-5678",
                "location": {"lat": JEONJU.0 + north_m * DEGREE_PER_METRE, "lng": JEONJU.1},
                "address": "전주시 완산구 효자동 1가 101-3",
                "category": category,
                "visibility": visibility,
            }),
        )
        .await;
    created(response).await
}

fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("an array")
        .iter()
        .map(|r| r["id"].as_str().expect("id"))
        .collect()
}

#[tokio::test]
async fn a_submission_is_offered_the_open_report_30_m_away_and_not_the_others() {
    let app = TestApp::spawn().await;
    let alice = app.citizen("alice@example.kr").await;
    let bob = app.citizen("bob@example.kr").await;
    let officer = app
        .official("officer@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let near = submit_at(&app, &alice.access_token, 30.0, "road_damage", "public").await;
    let far = submit_at(&app, &alice.access_token, 300.0, "road_damage", "public").await;
    let other = submit_at(&app, &alice.access_token, 10.0, "streetlight", "public").await;
    let closed = submit_at(&app, &alice.access_token, 20.0, "road_damage", "public").await;
    let rejected = app
        .post(
            &format!(
                "/api/v1/reports/{}/transitions",
                closed["id"].as_str().unwrap()
            ),
            Some(&officer.access_token),
            json!({"to": "rejected", "note": "이미 보수되었습니다"}),
        )
        .await;
    assert_eq!(rejected.status(), StatusCode::OK);
    // Alice's first report found nothing before it.
    assert_eq!(near["possible_duplicates"], json!([]));

    let new = submit_at(&app, &bob.access_token, 0.0, "road_damage", "public").await;
    let offered = &new["possible_duplicates"];
    assert_eq!(ids(offered), [near["id"].as_str().unwrap()], "{offered}");
    for not in [&far, &other, &closed] {
        assert!(!ids(offered).contains(&not["id"].as_str().unwrap()));
    }
    let first = &offered[0];
    assert_eq!(first["distance_m"], 30);
    let score = first["score"].as_f64().expect("score");
    assert!(
        score > 0.9 && score <= 1.0,
        "same words, same hour, 30 m: {score}"
    );
    // The public view of someone else's report: no reporter, masked text.
    assert!(first.get("reporter").is_none(), "{first}");
    let public: Value = app
        .get(
            &format!("/api/v1/reports/{}", near["id"].as_str().unwrap()),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    for field in ["title", "description", "address"] {
        assert_eq!(first[field], public[field], "{field}: {first}");
    }
    let masked = first["description"].as_str().unwrap();
    assert!(!masked.contains("010-1234-5678"), "masked: {first}");
    // The new report itself is the rest of the body, as before.
    assert_eq!(new["status"], "received");
    assert!(new["number"].is_string());

    // Officers see the same list for any report, up to a kilometre.
    let new_id = new["id"].as_str().unwrap();
    let nearby = app
        .get(
            &format!("/api/v1/reports/{new_id}/nearby?radius_m=1000"),
            Some(&officer.access_token),
        )
        .await;
    assert_eq!(nearby.status(), StatusCode::OK);
    let nearby: Value = nearby.json().await.unwrap();
    assert_eq!(
        ids(&nearby["items"]),
        [near["id"].as_str().unwrap(), far["id"].as_str().unwrap()],
        "nearest first: {nearby}"
    );
    for bad in ["0", "1001", "wide"] {
        let response = app
            .get(
                &format!("/api/v1/reports/{new_id}/nearby?radius_m={bad}"),
                Some(&officer.access_token),
            )
            .await;
        let body = expect_problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(body["errors"][0]["field"], "radius_m", "{body}");
    }
    let by_citizen = app
        .get(
            &format!("/api/v1/reports/{new_id}/nearby"),
            Some(&bob.access_token),
        )
        .await;
    expect_problem(by_citizen, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn suggestions_switched_off_answer_an_empty_list() {
    let app = TestApp::spawn_with(|config| config.duplicates.suggestions = false).await;
    let alice = app.citizen("alice@example.kr").await;
    submit_at(&app, &alice.access_token, 30.0, "road_damage", "public").await;
    let new = submit_at(&app, &alice.access_token, 0.0, "road_damage", "public").await;
    assert_eq!(new["possible_duplicates"], json!([]));
}

/// `GET path` as `token`, polled until `done` holds (events reach the
/// notifier through the relay), at most 10 s.
async fn get_until(app: &TestApp, path: &str, token: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let response = app.get(path, Some(token)).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.expect("JSON");
        if done(&body) || tokio::time::Instant::now() > deadline {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_merge_moves_the_support_and_the_duplicates_reporter_follows_the_original() {
    let app = TestApp::spawn().await;
    let alice = app.citizen("alice@example.kr").await;
    let bob = app.citizen("bob@example.kr").await;
    let carol = app.citizen("carol@example.kr").await;
    let officer = app
        .official("officer@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let original = submit_at(&app, &alice.access_token, 0.0, "road_damage", "public").await;
    let duplicate = submit_at(&app, &bob.access_token, 30.0, "road_damage", "public").await;
    let (original_id, duplicate_id) = (
        original["id"].as_str().unwrap(),
        duplicate["id"].as_str().unwrap(),
    );
    assert_eq!(ids(&duplicate["possible_duplicates"]), [original_id]);
    let support = app
        .post(
            &format!("/api/v1/reports/{duplicate_id}/support"),
            Some(&carol.access_token),
            json!({}),
        )
        .await;
    assert_eq!(support.status(), StatusCode::OK);

    let merged = app
        .post(
            &format!("/api/v1/reports/{duplicate_id}/transitions"),
            Some(&officer.access_token),
            json!({"to": "duplicate", "duplicate_of": original_id}),
        )
        .await;
    assert_eq!(merged.status(), StatusCode::OK);
    let now: Value = app
        .get(&format!("/api/v1/reports/{original_id}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(now["support_count"], 2, "Bob's report and Carol's support");
    // Carol's support moved with it: a second "me too" is one too many.
    let again = app
        .post(
            &format!("/api/v1/reports/{original_id}/support"),
            Some(&carol.access_token),
            json!({}),
        )
        .await;
    expect_problem(again, StatusCode::CONFLICT, "already_supported").await;
    let timeline: Value = app
        .get(&format!("/api/v1/reports/{original_id}/timeline"), None)
        .await
        .json()
        .await
        .unwrap();
    let merged_entry = timeline["items"]
        .as_array()
        .expect("timeline entries")
        .iter()
        .find(|e| e["type"] == "duplicate_merged")
        .cloned();
    let merged_entry = merged_entry.unwrap_or_else(|| panic!("no merge in {timeline}"));
    assert!(
        merged_entry.to_string().contains(duplicate_id),
        "{merged_entry}"
    );

    // Bob is told of the merge, then of the original's progress.
    let accepted = app
        .post(
            &format!("/api/v1/reports/{original_id}/transitions"),
            Some(&officer.access_token),
            json!({"to": "in_progress"}),
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let kinds = |page: &Value| -> Vec<(String, String)> {
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|n| {
                (
                    n["kind"].as_str().unwrap_or_default().to_owned(),
                    n["report_id"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    let page = get_until(&app, "/api/v1/notifications", &bob.access_token, |p| {
        kinds(p).len() >= 2
    })
    .await;
    let told = kinds(&page);
    assert!(
        told.contains(&("marked_duplicate".to_owned(), duplicate_id.to_owned())),
        "{page}"
    );
    assert!(
        told.contains(&("status_changed".to_owned(), original_id.to_owned())),
        "{page}"
    );
    let marked = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "marked_duplicate")
        .unwrap();
    assert!(
        marked["title"].as_str().unwrap().contains("중복 신고"),
        "{marked}"
    );
}
