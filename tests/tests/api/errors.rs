//! Bad input gets a clear problem-details answer, never a panic or a 500.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{expect_problem, TestApp, JEONJU};

fn report_body() -> Value {
    json!({"title": "포트홀", "description": "도로에 포트홀", "location": {"lat": JEONJU.0, "lng": JEONJU.1}})
}

#[tokio::test]
async fn signing_in_is_required_to_submit_and_roles_are_enforced() {
    let app = TestApp::spawn().await;
    let response = app.post("/api/v1/reports", None, report_body()).await;
    assert!(response.headers().contains_key("www-authenticate"));
    expect_problem(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;

    let bad_token = app
        .post("/api/v1/reports", Some("not-a-jwt"), report_body())
        .await;
    expect_problem(bad_token, StatusCode::UNAUTHORIZED, "invalid_token").await;

    let citizen = app.citizen("citizen@example.kr").await;
    let other = app.citizen("other@example.kr").await;
    let report = app
        .submit(&citizen.access_token, "포트홀", "포트홀", "public")
        .await;
    let path = format!(
        "/api/v1/reports/{}/transitions",
        report["id"].as_str().unwrap()
    );
    let forbidden = app
        .post(
            &path,
            Some(&other.access_token),
            json!({"to": "in_progress"}),
        )
        .await;
    expect_problem(forbidden, StatusCode::FORBIDDEN, "forbidden").await;

    // Staff of another department may not work it either.
    let parks = app.official("parks@jeonbuk.go.kr", "staff", "parks").await;
    let elsewhere = app
        .post(
            &path,
            Some(&parks.access_token),
            json!({"to": "in_progress"}),
        )
        .await;
    expect_problem(elsewhere, StatusCode::FORBIDDEN, "forbidden").await;
    let assign = app
        .post(
            &format!(
                "/api/v1/reports/{}/assignment",
                report["id"].as_str().unwrap()
            ),
            Some(&citizen.access_token),
            json!({"department": "parks"}),
        )
        .await;
    expect_problem(assign, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn malformed_oversized_and_mistyped_bodies_are_refused_clearly() {
    let app = TestApp::spawn().await;
    let citizen = app.citizen("citizen@example.kr").await;
    let token = citizen.access_token.as_str();

    let malformed = app
        .client
        .post(app.url("/api/v1/reports"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body("{\"title\": ")
        .send()
        .await
        .unwrap();
    expect_problem(malformed, StatusCode::BAD_REQUEST, "malformed_json").await;

    let not_json = app
        .client
        .post(app.url("/api/v1/reports"))
        .bearer_auth(token)
        .header("content-type", "text/plain")
        .body("pothole")
        .send()
        .await
        .unwrap();
    expect_problem(
        not_json,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;

    // The test server accepts 64 KiB bodies.
    let huge = json!({"title": "포트홀", "description": "가".repeat(100_000), "location": {"lat": JEONJU.0, "lng": JEONJU.1}});
    let oversized = app.post("/api/v1/reports", Some(token), huge).await;
    expect_problem(
        oversized,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    )
    .await;

    let wrong_type = app
        .post(
            "/api/v1/reports",
            Some(token),
            json!({"title": "x", "description": "y", "location": {"lat": "north", "lng": 127}}),
        )
        .await;
    expect_problem(wrong_type, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
}

#[tokio::test]
async fn field_errors_name_every_bad_field() {
    let app = TestApp::spawn().await;
    let citizen = app.citizen("citizen@example.kr").await;
    let response = app
        .post(
            "/api/v1/reports",
            Some(&citizen.access_token),
            json!({"title": "", "description": "d".repeat(5001), "location": {"lat": JEONJU.0, "lng": JEONJU.1}, "visibility": "secret"}),
        )
        .await;
    let body = expect_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["title", "description", "visibility"]);

    let no_location = app
        .post(
            "/api/v1/reports",
            Some(&citizen.access_token),
            json!({"title": "t", "description": "d"}),
        )
        .await;
    let body = expect_problem(
        no_location,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "location");
}

#[tokio::test]
async fn locations_outside_jeonbuk_are_refused() {
    let app = TestApp::spawn().await;
    let citizen = app.citizen("citizen@example.kr").await;
    for (lat, lng) in [(37.5665, 126.9780), (35.6, 126.2), (91.0, 0.0)] {
        let response = app
            .post(
                "/api/v1/reports",
                Some(&citizen.access_token),
                json!({"title": "포트홀", "description": "포트홀", "location": {"lat": lat, "lng": lng}}),
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{lat},{lng}"
        );
    }
    let seoul = app
        .post(
            "/api/v1/reports",
            Some(&citizen.access_token),
            json!({"title": "포트홀", "description": "포트홀", "location": {"lat": 37.5665, "lng": 126.9780}}),
        )
        .await;
    expect_problem(
        seoul,
        StatusCode::UNPROCESSABLE_ENTITY,
        "outside_service_area",
    )
    .await;
}

#[tokio::test]
async fn unknown_routes_ids_and_queries_are_problems_too() {
    let app = TestApp::spawn().await;
    expect_problem(
        app.get("/api/v1/nothing-here", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_problem(
        app.get("/api/v1/reports/not-a-uuid", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_problem(
        app.get("/api/v1/reports/0195f0a0-0000-7000-8000-000000000000", None)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_problem(
        app.get("/api/v1/reports?bbox=1,2,3", None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    expect_problem(
        app.get("/api/v1/reports?limit=ten", None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    expect_problem(
        app.get("/api/v1/reports?mine=true", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    expect_problem(
        app.send(Method::DELETE, "/api/v1/categories", None, None)
            .await,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;
}

/// A sweep of odd inputs over every route: whatever comes back is a 4xx problem, never a 5xx.
#[tokio::test]
async fn no_odd_input_produces_a_server_error() {
    let app = TestApp::spawn().await;
    let citizen = app.citizen("citizen@example.kr").await;
    let staff = app
        .official("staff@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let report = app
        .submit(&citizen.access_token, "포트홀", "포트홀", "public")
        .await;
    let id = report["id"].as_str().unwrap();
    let bodies = [
        json!(null),
        json!([]),
        json!("string"),
        json!({}),
        json!({"to": 42}),
        json!({"to": "in_progress", "expected_version": -1}),
        json!({"to": "duplicate", "duplicate_of": id}),
        json!({"to": "duplicate", "duplicate_of": "not-a-uuid"}),
        json!({"title": "\u{0000}", "description": "\u{202e}", "location": {"lat": 1e308, "lng": -1e308}}),
        json!({"category": "../../etc/passwd", "priority": "urgent"}),
        json!({"department": "", "assignee": null}),
        json!({"body": "x".repeat(3000), "internal": "yes"}),
        json!({"email": "a@b", "password": "x", "display_name": ""}),
    ];
    let routes = [
        (Method::POST, "/api/v1/reports".to_owned()),
        (Method::POST, format!("/api/v1/reports/{id}/transitions")),
        (Method::POST, format!("/api/v1/reports/{id}/assignment")),
        (Method::PUT, format!("/api/v1/reports/{id}/classification")),
        (Method::POST, format!("/api/v1/reports/{id}/comments")),
        (Method::POST, format!("/api/v1/reports/{id}/support")),
        (Method::POST, "/api/v1/auth/register".to_owned()),
        (Method::POST, "/api/v1/auth/login".to_owned()),
        (Method::POST, "/api/v1/auth/refresh".to_owned()),
    ];
    for token in [
        None,
        Some(citizen.access_token.as_str()),
        Some(staff.access_token.as_str()),
    ] {
        for (method, path) in &routes {
            for body in &bodies {
                let response = app
                    .send(method.clone(), path, token, Some(body.clone()))
                    .await;
                let status = response.status();
                assert!(
                    status.is_success() || status.is_client_error(),
                    "{method} {path} {body} → {status}"
                );
                if status.is_client_error() {
                    let content_type = response.headers()["content-type"]
                        .to_str()
                        .unwrap()
                        .to_owned();
                    assert_eq!(
                        content_type, "application/problem+json",
                        "{method} {path} {body}"
                    );
                }
            }
        }
    }
    let bad_queries = [
        "near=91,0",
        "radius_m=5",
        "near=35.8,127.1&radius_m=-1",
        "cursor=zzz",
        "limit=0",
        "limit=101",
        "status=done",
        "bbox=a,b,c,d",
    ];
    for query in bad_queries {
        let status = app
            .get(&format!("/api/v1/reports?{query}"), None)
            .await
            .status();
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
    }
    // Odd but harmless search terms are searched for, not refused.
    for query in [
        "q=%00",
        "q=%25",
        "q=_",
        "q=%27%3B%20DROP%20TABLE%20reports%3B--",
        "q=",
    ] {
        let response = app.get(&format!("/api/v1/reports?{query}"), None).await;
        assert_eq!(response.status(), StatusCode::OK, "{query}");
        let page: Value = response.json().await.unwrap();
        assert!(
            page["items"].as_array().unwrap().is_empty() || query == "q=",
            "{query}: {page}"
        );
    }
}
