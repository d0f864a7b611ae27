//! A report's whole life: submitted, classified by the rules, found on the
//! map, assigned, worked, resolved and confirmed.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{expect_problem, TestApp};

#[tokio::test]
async fn a_pothole_goes_from_submission_to_closure() {
    let app = TestApp::spawn().await;
    let citizen = app.citizen("citizen@example.kr").await;
    let manager = app
        .official("manager@jeonbuk.go.kr", "manager", "road_management")
        .await;
    let staff = app
        .official("staff@jeonbuk.go.kr", "staff", "road_management")
        .await;

    // Submitted without a category: the rules classify and route it.
    let report = app
        .submit(
            &citizen.access_token,
            "도로 파손",
            "집 앞 도로에 큰 포트홀이 생겼어요",
            "public",
        )
        .await;
    let id = report["id"].as_str().unwrap().to_owned();
    assert_eq!(report["status"], "received");
    assert_eq!(report["category"], "road_damage");
    assert_eq!(report["department"], "road_management");
    assert_eq!(report["analysis"]["decided_by"], "rules");
    assert_eq!(report["analysis"]["rule"], "road_pothole");
    assert_eq!(
        report["analysis"]["matched"],
        json!(["도로 파손", "포트홀"]),
        "the words that made the rule decide"
    );
    assert_eq!(report["jurisdiction"]["name"], "전주시완산구");
    assert_eq!(report["version"], 1);
    let number = report["number"].as_str().unwrap();
    assert!(
        number.starts_with("JB-20") && number.len() == "JB-2026-000001".len(),
        "{number}"
    );

    // It appears in a map query around Jeonju, and not in one around Gunsan.
    let around_jeonju = app
        .get("/api/v1/reports?bbox=127.10,35.80,127.20,35.85", None)
        .await;
    let page: Value = around_jeonju.json().await.unwrap();
    assert!(page["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == id.as_str()));
    let around_gunsan = app
        .get("/api/v1/reports?bbox=126.70,35.95,126.80,36.00", None)
        .await;
    let page: Value = around_gunsan.json().await.unwrap();
    assert!(page["items"].as_array().unwrap().is_empty());

    // The manager assigns it to the officer.
    let assigned = app
        .post(
            &format!("/api/v1/reports/{id}/assignment"),
            Some(&manager.access_token),
            json!({"assignee": staff.id}),
        )
        .await;
    assert_eq!(assigned.status(), StatusCode::OK);
    let assigned: Value = assigned.json().await.unwrap();
    assert_eq!(assigned["status"], "assigned");
    assert_eq!(assigned["assignee"], staff.id.as_str());

    // The officer starts and resolves it.
    let transition = |to: &str, note: Option<&str>| json!({"to": to, "note": note});
    let started = app
        .post(
            &format!("/api/v1/reports/{id}/transitions"),
            Some(&staff.access_token),
            transition("in_progress", None),
        )
        .await;
    assert_eq!(started.status(), StatusCode::OK);
    let resolved = app
        .post(
            &format!("/api/v1/reports/{id}/transitions"),
            Some(&staff.access_token),
            transition("resolved", Some("아스팔트 보수 완료")),
        )
        .await;
    assert_eq!(resolved.status(), StatusCode::OK);
    let resolved: Value = resolved.json().await.unwrap();
    assert_eq!(resolved["status"], "resolved");
    assert!(resolved["resolved_at"].is_string());

    // The citizen confirms.
    let closed = app
        .post(
            &format!("/api/v1/reports/{id}/transitions"),
            Some(&citizen.access_token),
            transition("closed", None),
        )
        .await;
    assert_eq!(closed.status(), StatusCode::OK);
    let closed: Value = closed.json().await.unwrap();
    assert_eq!(closed["status"], "closed");

    // The timeline tells the whole story, in order.
    let timeline: Value = app
        .get(
            &format!("/api/v1/reports/{id}/timeline"),
            Some(&citizen.access_token),
        )
        .await
        .json()
        .await
        .unwrap();
    let steps: Vec<String> = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| match e["type"].as_str().unwrap() {
            "status_changed" => e["to"].as_str().unwrap().to_owned(),
            other => other.to_owned(),
        })
        .collect();
    assert_eq!(
        steps,
        [
            "submitted",
            "classified",
            "assigned",
            "assigned",
            "in_progress",
            "resolved",
            "closed"
        ]
    );
    let resolution = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["to"] == "resolved")
        .unwrap();
    assert_eq!(resolution["note"], "아스팔트 보수 완료");
}

#[tokio::test]
async fn sinkholes_are_urgent_and_due_within_a_day() {
    let app = TestApp::spawn().await;
    let citizen = app.citizen("citizen@example.kr").await;
    let report = app
        .submit(
            &citizen.access_token,
            "위험",
            "사거리에 싱크홀이 생겼습니다",
            "public",
        )
        .await;
    assert_eq!(report["category"], "safety_hazard");
    assert_eq!(report["priority"], "urgent");
    let created =
        chrono::DateTime::parse_from_rfc3339(report["created_at"].as_str().unwrap()).unwrap();
    let due = chrono::DateTime::parse_from_rfc3339(report["due_at"].as_str().unwrap()).unwrap();
    assert_eq!(due - created, chrono::TimeDelta::hours(24));
}

#[tokio::test]
async fn receipt_numbers_are_sequential() {
    let app = TestApp::spawn().await;
    let citizen = app.citizen("citizen@example.kr").await;
    let first = app
        .submit(
            &citizen.access_token,
            "가로등",
            "가로등이 꺼졌어요",
            "public",
        )
        .await;
    let second = app
        .submit(
            &citizen.access_token,
            "가로등",
            "보안등이 꺼졌어요",
            "public",
        )
        .await;
    let sequence = |r: &Value| r["number"].as_str().unwrap()[8..].parse::<u32>().unwrap();
    assert_eq!(sequence(&first), 1);
    assert_eq!(sequence(&second), 2);
}

#[tokio::test]
async fn invalid_transitions_and_stale_versions_conflict() {
    let app = TestApp::spawn().await;
    let citizen = app.citizen("citizen@example.kr").await;
    let staff = app
        .official("staff@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let report = app
        .submit(&citizen.access_token, "포트홀", "포트홀이 있어요", "public")
        .await;
    let id = report["id"].as_str().unwrap();
    let path = format!("/api/v1/reports/{id}/transitions");

    // received → resolved is not in the lifecycle.
    let response = app
        .post(
            &path,
            Some(&staff.access_token),
            json!({"to": "resolved", "note": "done"}),
        )
        .await;
    expect_problem(response, StatusCode::CONFLICT, "invalid_transition").await;

    // Two officers read version 1; the first change wins, the second is told to reload.
    let first = app
        .post(
            &path,
            Some(&staff.access_token),
            json!({"to": "in_progress", "expected_version": 1}),
        )
        .await;
    assert_eq!(first.status(), StatusCode::OK);
    let stale = app
        .post(
            &path,
            Some(&staff.access_token),
            json!({"to": "rejected", "note": "중복 민원", "expected_version": 1}),
        )
        .await;
    expect_problem(stale, StatusCode::CONFLICT, "version_conflict").await;

    // Resolving needs a note.
    let no_note = app
        .post(&path, Some(&staff.access_token), json!({"to": "resolved"}))
        .await;
    let body = expect_problem(
        no_note,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "note");
}

#[tokio::test]
async fn a_duplicate_is_merged_into_its_original() {
    let app = TestApp::spawn().await;
    let first = app.citizen("first@example.kr").await;
    let second = app.citizen("second@example.kr").await;
    let staff = app
        .official("staff@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let original = app
        .submit(&first.access_token, "포트홀", "효자동 포트홀", "public")
        .await;
    let duplicate = app
        .submit(
            &second.access_token,
            "포트홀",
            "효자동 도로에 포트홀",
            "public",
        )
        .await;
    let response = app
        .post(
            &format!(
                "/api/v1/reports/{}/transitions",
                duplicate["id"].as_str().unwrap()
            ),
            Some(&staff.access_token),
            json!({"to": "duplicate", "duplicate_of": original["id"]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let marked: Value = response.json().await.unwrap();
    assert_eq!(marked["status"], "duplicate");
    assert_eq!(marked["duplicate_of"], original["id"]);
    let original: Value = app
        .get(
            &format!("/api/v1/reports/{}", original["id"].as_str().unwrap()),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(original["support_count"], 1);
}

#[tokio::test]
async fn support_counts_once_per_person_and_never_for_the_reporter() {
    let app = TestApp::spawn().await;
    let reporter = app.citizen("reporter@example.kr").await;
    let neighbour = app.citizen("neighbour@example.kr").await;
    let report = app
        .submit(
            &reporter.access_token,
            "쓰레기",
            "공터에 쓰레기 무단투기",
            "public",
        )
        .await;
    let path = format!("/api/v1/reports/{}/support", report["id"].as_str().unwrap());

    let first = app
        .post(&path, Some(&neighbour.access_token), json!({}))
        .await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(first.json::<Value>().await.unwrap()["support_count"], 1);
    let again = app
        .post(&path, Some(&neighbour.access_token), json!({}))
        .await;
    expect_problem(again, StatusCode::CONFLICT, "already_supported").await;
    let own = app
        .post(&path, Some(&reporter.access_token), json!({}))
        .await;
    expect_problem(own, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn staff_override_the_classification_and_it_re_routes() {
    let app = TestApp::spawn().await;
    let citizen = app.citizen("citizen@example.kr").await;
    let staff = app
        .official("staff@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let report = app
        .submit(
            &citizen.access_token,
            "도로",
            "포트홀 옆 가로등도 꺼짐",
            "public",
        )
        .await;
    assert_eq!(report["category"], "road_damage");
    let response = app
        .send(
            reqwest::Method::PUT,
            &format!(
                "/api/v1/reports/{}/classification",
                report["id"].as_str().unwrap()
            ),
            Some(&staff.access_token),
            Some(json!({"category": "streetlight", "priority": "high"})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let updated: Value = response.json().await.unwrap();
    assert_eq!(updated["category"], "streetlight");
    assert_eq!(updated["priority"], "high");
    assert_eq!(updated["department"], "streetlight_management");
    assert_eq!(updated["analysis"]["decided_by"], "human");
}

#[tokio::test]
async fn lists_filter_and_page_without_gaps() {
    let app = TestApp::spawn().await;
    let citizen = app.citizen("citizen@example.kr").await;
    for i in 0..5 {
        app.submit(
            &citizen.access_token,
            "가로등",
            &format!("가로등 {i}번이 꺼졌어요"),
            "public",
        )
        .await;
    }
    app.submit(&citizen.access_token, "포트홀", "포트홀이 있어요", "public")
        .await;

    let lights: Value = app
        .get("/api/v1/reports?category=streetlight&limit=2", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(lights["items"].as_array().unwrap().len(), 2);
    let mut seen: Vec<String> = Vec::new();
    let mut cursor = None::<String>;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/reports?category=streetlight&limit=2&cursor={c}"),
            None => "/api/v1/reports?category=streetlight&limit=2".to_owned(),
        };
        let page: Value = app.get(&path, None).await.json().await.unwrap();
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!(unique.len(), 5, "no report twice");

    let near: Value = app
        .get(
            "/api/v1/reports?near=35.8242,127.1480&radius_m=200&q=포트홀",
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(near["items"].as_array().unwrap().len(), 1);

    let categories: Value = app
        .get("/api/v1/categories", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(categories["items"].as_array().unwrap().len(), 14);
}

/// Twenty people saying "me too" at the same moment are all counted: supports
/// commute, so none is refused because another won the race.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_simultaneous_me_toos_are_all_counted() {
    let app = TestApp::spawn_with(|config| {
        config.access.rate_register_per_ip = "1000/1h".parse().expect("limit");
        config.access.rate_login_per_ip = "1000/1h".parse().expect("limit");
    })
    .await;
    let reporter = app.citizen("reporter@example.kr").await;
    let report = app
        .submit(
            &reporter.access_token,
            "도로 파손",
            "큰 포트홀이 생겼어요",
            "public",
        )
        .await;
    let id = report["id"].as_str().expect("id").to_owned();
    let mut neighbours = Vec::new();
    for n in 0..20 {
        neighbours.push(app.citizen(&format!("neighbour{n}@example.kr")).await);
    }
    let app = std::sync::Arc::new(app);
    let mut supports = tokio::task::JoinSet::new();
    for neighbour in neighbours {
        let (app, id) = (app.clone(), id.clone());
        supports.spawn(async move {
            app.post(
                &format!("/api/v1/reports/{id}/support"),
                Some(&neighbour.access_token),
                json!({}),
            )
            .await
            .status()
        });
    }
    let mut statuses = Vec::new();
    while let Some(status) = supports.join_next().await {
        statuses.push(status.expect("task"));
    }
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "every support counted: {statuses:?}"
    );
    let stored: Value = app
        .get(&format!("/api/v1/reports/{id}"), None)
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(stored["support_count"], 20);
}

/// Overrides carry no version: officers reclassifying one report at the same
/// moment are all answered, and the last override is what stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_reclassifications_are_all_answered() {
    let app = TestApp::spawn().await;
    let citizen = app.citizen("citizen@example.kr").await;
    let staff = app
        .official("staff@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let report = app
        .submit(
            &citizen.access_token,
            "도로 파손",
            "큰 포트홀이 생겼어요",
            "public",
        )
        .await;
    let id = report["id"].as_str().expect("id").to_owned();
    let app = std::sync::Arc::new(app);
    let mut overrides = tokio::task::JoinSet::new();
    for priority in ["urgent", "high", "normal", "low", "high"] {
        let (app, id, token) = (app.clone(), id.clone(), staff.access_token.clone());
        overrides.spawn(async move {
            app.send(
                reqwest::Method::PUT,
                &format!("/api/v1/reports/{id}/classification"),
                Some(&token),
                Some(json!({"category": "road_damage", "priority": priority})),
            )
            .await
            .status()
        });
    }
    let mut statuses = Vec::new();
    while let Some(status) = overrides.join_next().await {
        statuses.push(status.expect("task"));
    }
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "every override answered: {statuses:?}"
    );
    let stored: Value = app
        .get(&format!("/api/v1/reports/{id}"), Some(&staff.access_token))
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        stored["version"], 6,
        "five overrides on top of the submission"
    );
}
