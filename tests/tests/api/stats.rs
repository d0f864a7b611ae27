//! `GET /api/v1/stats`: officials see every figure, everyone else the public
//! version with small counts withheld; CSV for spreadsheets; bad parameters.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::{expect_problem, Session, TestApp};

/// A server without submission limits, six potholes reported in 전주시
/// 완산구 and one of them taken up by the road officer; returns the app,
/// the officer and a citizen.
async fn six_potholes() -> (TestApp, Session, Session) {
    let app = TestApp::spawn_with(|config| {
        for limit in [
            &mut config.access.rate_submit_per_ip,
            &mut config.access.rate_submit_per_account,
        ] {
            *limit = "10000/1h".parse().expect("a limit");
        }
    })
    .await;
    let citizen = app.citizen("citizen@example.kr").await;
    let staff = app
        .official("staff@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let mut ids = Vec::new();
    for n in 0..6 {
        let report = app
            .submit(
                &citizen.access_token,
                &format!("도로 파손 {n}"),
                "집 앞 도로에 큰 포트홀이 생겼어요",
                "public",
            )
            .await;
        ids.push(report["id"].as_str().expect("id").to_owned());
    }
    let started = app
        .post(
            &format!("/api/v1/reports/{}/transitions", ids[0]),
            Some(&staff.access_token),
            json!({"to": "in_progress"}),
        )
        .await;
    assert_eq!(started.status(), StatusCode::OK);
    (app, staff, citizen)
}

async fn stats(app: &TestApp, query: &str, token: Option<&str>) -> Value {
    let response = app.get(&format!("/api/v1/stats{query}"), token).await;
    let status = response.status();
    let text = response.text().await.expect("body");
    assert_eq!(status, StatusCode::OK, "{text}");
    serde_json::from_str(&text).expect("JSON")
}

/// The count of `key` in a `[{key, count}]` list, which must name it.
fn count(list: &Value, key: &str) -> Value {
    list.as_array()
        .expect("a list")
        .iter()
        .find(|cell| cell["key"] == key)
        .map(|cell| cell["count"].clone())
        .expect("the list names every key")
}

#[tokio::test]
async fn officials_see_every_figure_and_the_public_no_small_count() {
    let (app, staff, citizen) = six_potholes().await;

    let full = stats(&app, "", Some(&staff.access_token)).await;
    assert_eq!(full["audience"], "official");
    assert_eq!(
        full["suppression"],
        json!({"applies": false, "threshold": null})
    );
    assert_eq!(full["total"], 6);
    assert_eq!(count(&full["by_status"], "received"), 5);
    assert_eq!(count(&full["by_status"], "in_progress"), 1);
    assert_eq!(count(&full["by_status"], "closed"), 0);
    assert_eq!(count(&full["by_category"], "road_damage"), 6);
    assert_eq!(count(&full["by_department"], "road_management"), 6);
    assert_eq!(count(&full["by_jurisdiction"], "35010"), 6);
    assert_eq!(count(&full["backlog"], "under_1d"), 6);
    assert_eq!(full["first_response"]["count"], 1);
    assert!(full["first_response"]["median_seconds"].is_i64());
    assert!(full["first_response"]["p90_seconds"].is_i64());
    assert_eq!(full["resolution"]["count"], 0);
    assert_eq!(full["resolution"]["median_seconds"], Value::Null);
    let days = full["per_day"].as_array().expect("days");
    assert!(
        matches!(days.len(), 1 | 2),
        "six reports made within a minute: {days:?}"
    );
    let per_day: u64 = days.iter().filter_map(|d| d["count"].as_u64()).sum();
    assert_eq!(per_day, 6);

    for token in [None, Some(citizen.access_token.as_str())] {
        let public = stats(&app, "", token).await;
        assert_eq!(public["audience"], "public");
        assert_eq!(
            public["suppression"],
            json!({"applies": true, "threshold": 5})
        );
        assert_eq!(public["total"], 6);
        assert_eq!(count(&public["by_status"], "received"), 5);
        assert_eq!(
            count(&public["by_status"], "in_progress"),
            Value::Null,
            "1 < 5"
        );
        assert_eq!(count(&public["by_status"], "closed"), Value::Null, "0 < 5");
        assert_eq!(count(&public["by_category"], "road_damage"), 6);
        assert_eq!(public["first_response"]["count"], Value::Null);
        assert_eq!(
            public["first_response"]["median_seconds"],
            Value::Null,
            "a median of one report is that report's"
        );
        assert_eq!(public["first_response"]["p90_seconds"], Value::Null);
        assert_eq!(public["sla_compliance_by_department"], json!([]));
    }

    // A city or county takes in its districts; another one has nothing.
    let jeonju = stats(&app, "?jurisdiction=35010", Some(&staff.access_token)).await;
    assert_eq!(jeonju["total"], 6);
    let gunsan = stats(&app, "?jurisdiction=35020", Some(&staff.access_token)).await;
    assert_eq!(gunsan["total"], 0);
    let past = stats(
        &app,
        "?since=2020-01-01&until=2020-12-31",
        Some(&staff.access_token),
    )
    .await;
    assert_eq!(past["total"], 0);
    assert_eq!(past["per_day"], json!([]));
}

#[tokio::test]
async fn csv_has_a_bom_and_one_row_per_figure() {
    let (app, staff, _) = six_potholes().await;
    let response = app
        .get("/api/v1/stats?format=csv", Some(&staff.access_token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let bytes = response.bytes().await.expect("body");
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "a UTF-8 byte-order mark"
    );
    let text = std::str::from_utf8(&bytes[3..]).expect("UTF-8");
    let rows: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(rows[0], "section,key,measure,value");
    for row in [
        "audience,,,official",
        "total,,count,6",
        "by_status,received,count,5",
        "by_status,in_progress,count,1",
        "by_jurisdiction,35010,count,6",
        "first_response,,count,1",
        "resolution,,median_seconds,",
    ] {
        assert!(rows.contains(&row), "{row} in\n{text}");
    }
    assert!(rows
        .iter()
        .all(|r| r.is_empty() || r.split(',').count() == 4));

    let public = app.get("/api/v1/stats?format=csv", None).await;
    let text = public.text().await.expect("body");
    assert!(
        text.contains("\r\nby_status,in_progress,count,\r\n"),
        "{text}"
    );
    assert!(text.contains("\r\nsuppression,,threshold,5\r\n"), "{text}");
}

#[tokio::test]
async fn bad_parameters_name_their_fields() {
    let app = TestApp::spawn().await;
    let fields = |body: &Value| -> Vec<(String, String)> {
        body["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| {
                (
                    e["field"].as_str().unwrap_or_default().to_owned(),
                    e["code"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    let pair = |field: &str, code: &str| (field.to_owned(), code.to_owned());
    for (query, expected) in [
        (
            "?since=yesterday&jurisdiction=3501&category=Road",
            vec![
                pair("since", "invalid_time"),
                pair("jurisdiction", "invalid_jurisdiction"),
                pair("category", "invalid_code"),
            ],
        ),
        (
            "?since=2026-11-02&until=2026-11-01",
            vec![pair("until", "not_after_since")],
        ),
        (
            "?since=2020-01-01&until=2026-01-01",
            vec![pair("until", "window_too_long")],
        ),
        (
            "?jurisdiction=11110",
            vec![pair("jurisdiction", "unknown_jurisdiction")],
        ),
        ("?department=-", vec![pair("department", "invalid_code")]),
    ] {
        let body = expect_problem(
            app.get(&format!("/api/v1/stats{query}"), None).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&body), expected, "{query}");
    }
    expect_problem(
        app.get("/api/v1/stats?format=xlsx", None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    // The same day as since and until is that one day, not an empty window.
    let one_day = app
        .get("/api/v1/stats?since=2026-11-26&until=2026-11-26", None)
        .await;
    assert_eq!(one_day.status(), StatusCode::OK);
}
