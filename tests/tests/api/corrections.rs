//! `GET /api/v1/admin/triage/corrections`: an officer's override is kept as
//! a labelled example, and an administrator reads it — with the rule that
//! had decided and its words — and each rule's precision; nobody else may.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{expect_problem, ok, Session, TestApp};

const CORRECTIONS: &str = "/api/v1/admin/triage/corrections";

/// Submits the walk-through's pothole (the rules decide `road_pothole`).
async fn pothole(app: &TestApp, citizen: &Session) -> String {
    let report = app
        .submit(
            &citizen.access_token,
            "도로 파손",
            "집 앞 도로에 큰 포트홀이 생겼어요",
            "public",
        )
        .await;
    assert_eq!(report["analysis"]["rule"], "road_pothole", "{report}");
    report["id"].as_str().expect("id").to_owned()
}

async fn reclassify(app: &TestApp, officer: &Session, id: &str, category: &str, priority: &str) {
    let response = app
        .send(
            Method::PUT,
            &format!("/api/v1/reports/{id}/classification"),
            Some(&officer.access_token),
            Some(json!({"category": category, "priority": priority})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

async fn read(app: &TestApp, query: &str, admin: &Session) -> Value {
    ok(app
        .get(&format!("{CORRECTIONS}{query}"), Some(&admin.access_token))
        .await)
    .await
}

#[tokio::test]
async fn an_override_is_kept_and_the_admin_reads_it_with_the_rule_that_had_decided() {
    let app = TestApp::spawn().await;
    let citizen = app.citizen("citizen@example.kr").await;
    let officer = app
        .official("roads@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let admin = app.admin().await;

    // Waiting in the queue: nobody has judged the rule on it yet.
    pothole(&app, &citizen).await;
    // Taken up as it was classified: the rule is kept.
    let started = pothole(&app, &citizen).await;
    let response = app
        .post(
            &format!("/api/v1/reports/{started}/transitions"),
            Some(&officer.access_token),
            json!({"to": "in_progress"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    // Another category: the rule is overridden.
    let moved = pothole(&app, &citizen).await;
    reclassify(&app, &officer, &moved, "water_sewer", "high").await;
    // Only the priority: the rule's category is kept.
    let urgent = pothole(&app, &citizen).await;
    reclassify(&app, &officer, &urgent, "road_damage", "urgent").await;

    let all = read(&app, "", &admin).await;
    let items = all["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "{all}");
    // Newest first: the priority change, then the move.
    assert_eq!(items[0]["report_id"], urgent.as_str());
    let correction = &items[1];
    assert_eq!(correction["report_id"], moved.as_str());
    assert_eq!(correction["rule"], "road_pothole");
    assert_eq!(correction["matched"], json!(["도로 파손", "포트홀"]));
    assert_eq!(correction["decided_by"], "rules");
    assert_eq!(correction["triage_category"], "road_damage");
    assert_eq!(correction["triage_priority"], "normal");
    assert_eq!(correction["category"], "water_sewer");
    assert_eq!(correction["priority"], "high");
    assert_eq!(correction["officer"], officer.id.as_str());
    assert_eq!(correction["title"], "도로 파손");
    assert_eq!(
        correction["description"],
        "집 앞 도로에 큰 포트홀이 생겼어요"
    );
    assert!(correction["number"]
        .as_str()
        .is_some_and(|n| n.starts_with("JB-")));
    assert_eq!(all["next_cursor"], Value::Null);
    assert_eq!(
        all["rules"],
        json!([{"rule": "road_pothole", "kept": 2, "overridden": 1, "precision": 2.0 / 3.0}]),
        "kept: the started report and the new priority; overridden: the move"
    );

    // Pages of one, by cursor; and only one rule's.
    let first = read(&app, "?limit=1", &admin).await;
    assert_eq!(first["items"][0]["report_id"], urgent.as_str());
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let second = read(&app, &format!("?limit=1&cursor={cursor}"), &admin).await;
    assert_eq!(second["items"][0]["report_id"], moved.as_str());
    assert_eq!(second["next_cursor"], Value::Null);
    let none = read(&app, "?rule=sinkhole", &admin).await;
    assert_eq!(none["items"], json!([]));

    // Every correction as CSV, in the columns `sinmungo rules eval` reads.
    let response = app
        .get(
            &format!("{CORRECTIONS}?format=csv"),
            Some(&admin.access_token),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let csv = response.text().await.expect("CSV");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(
        lines[0].starts_with("\u{feff}id,title,description,category,also_acceptable,"),
        "{csv}"
    );
    assert!(lines[2].contains(",도로 파손,집 앞 도로에 큰 포트홀이 생겼어요,water_sewer,,"));
    assert!(lines[2].contains(",road_damage,normal,rules,road_pothole,도로 파손;포트홀"));
}

#[tokio::test]
async fn only_administrators_read_corrections_and_bad_parameters_are_refused() {
    let app = TestApp::spawn().await;
    let citizen = app.citizen("citizen@example.kr").await;
    let officer = app
        .official("roads@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let manager = app
        .official("chief@jeonbuk.go.kr", "manager", "road_management")
        .await;
    let admin = app.admin().await;
    let id = pothole(&app, &citizen).await;
    reclassify(&app, &officer, &id, "water_sewer", "high").await;

    for session in [&citizen, &officer, &manager] {
        for query in ["", "?format=csv"] {
            let response = app
                .get(
                    &format!("{CORRECTIONS}{query}"),
                    Some(&session.access_token),
                )
                .await;
            expect_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
        }
    }
    let anonymous = app.get(CORRECTIONS, None).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    for query in [
        "?limit=0",
        "?limit=101",
        "?cursor=not-a-cursor",
        "?format=xml",
    ] {
        let response = app
            .get(&format!("{CORRECTIONS}{query}"), Some(&admin.access_token))
            .await;
        let problem = expect_problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(problem["detail"].is_string(), "{query}: {problem}");
    }
}
