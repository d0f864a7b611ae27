//! Officers' work over HTTP: departments of a city routing that city's
//! reports, SLA targets per category, and the queue with its badges.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{created, expect_problem, ok, TestApp};

/// Gunsan City Hall (군산시청).
const GUNSAN: (f64, f64) = (35.9676, 126.7366);

#[tokio::test]
async fn a_gunsan_department_takes_gunsan_road_reports_from_then_on() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let citizen = app.citizen("minji@example.kr").await;
    let gunsan_pothole = json!({
        "title": "도로 파손",
        "description": "군산시청 앞 도로에 포트홀이 생겼어요",
        "location": {"lat": GUNSAN.0, "lng": GUNSAN.1},
    });

    let before = created(
        app.post(
            "/api/v1/reports",
            Some(&citizen.access_token),
            gunsan_pothole.clone(),
        )
        .await,
    )
    .await;
    assert_eq!(before["department"], "road_management");
    assert_eq!(before["analysis"]["routing"], "province_wide");

    let department = created(
        app.post(
            "/api/v1/admin/departments",
            Some(&admin.access_token),
            json!({
                "code": "gunsan_roads",
                "name": "군산시 도로과",
                "jurisdiction": "35020",
                "categories": ["road_damage"],
            }),
        )
        .await,
    )
    .await;
    assert_eq!(department["jurisdiction"], "35020");
    assert_eq!(department["categories"], json!(["road_damage"]));
    assert_eq!(
        department["name_en"], "군산시 도로과",
        "the Korean name when none is given"
    );

    let after = created(
        app.post(
            "/api/v1/reports",
            Some(&citizen.access_token),
            gunsan_pothole,
        )
        .await,
    )
    .await;
    assert_eq!(after["department"], "gunsan_roads");
    assert_eq!(after["analysis"]["routing"], "jurisdiction");
    let jeonju = app
        .submit(
            &citizen.access_token,
            "도로 파손",
            "집 앞 도로에 큰 포트홀이 생겼어요",
            "public",
        )
        .await;
    assert_eq!(jeonju["department"], "road_management");

    // The report made before stays where it was routed.
    let id = before["id"].as_str().unwrap();
    let again = ok(app.get(&format!("/api/v1/reports/{id}"), None).await).await;
    assert_eq!(again["department"], "road_management");

    // Listed with the others, and changed with PUT.
    let departments = ok(app.get("/api/v1/departments", None).await).await;
    assert!(departments["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["code"] == "gunsan_roads"));
    let changed = ok(app
        .send(
            Method::PUT,
            "/api/v1/admin/departments/gunsan_roads",
            Some(&admin.access_token),
            Some(json!({"name": "군산시 도로관리과", "jurisdiction": "35020", "categories": ["road_damage", "streetlight"]})),
        )
        .await)
    .await;
    assert_eq!(changed["categories"], json!(["road_damage", "streetlight"]));
    assert_eq!(changed["name_en"], "군산시 도로과", "kept when not sent");
}

#[tokio::test]
async fn department_administration_refuses_what_would_misroute() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let manager = app
        .official("manager@jeonbuk.go.kr", "manager", "road_management")
        .await;
    let body = json!({"code": "roads_2", "name": "도로2과", "jurisdiction": null, "categories": ["road_damage"]});

    // Road damage is the seeded province-wide department's already.
    let problem = expect_problem(
        app.post(
            "/api/v1/admin/departments",
            Some(&admin.access_token),
            body.clone(),
        )
        .await,
        StatusCode::CONFLICT,
        "routing_conflict",
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("road_management"),
        "{problem}"
    );
    expect_problem(
        app.post(
            "/api/v1/admin/departments",
            Some(&admin.access_token),
            json!({"code": "road_management", "name": "도로관리과"}),
        )
        .await,
        StatusCode::CONFLICT,
        "department_exists",
    )
    .await;
    let invalid = expect_problem(
        app.post(
            "/api/v1/admin/departments",
            Some(&admin.access_token),
            json!({"code": "somewhere", "name": "어딘가", "jurisdiction": "11010", "categories": ["potholes"]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let codes: Vec<_> = invalid["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        codes,
        ["unknown_jurisdiction", "unknown_category"],
        "{invalid}"
    );
    expect_problem(
        app.post(
            "/api/v1/admin/departments",
            Some(&manager.access_token),
            body,
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        app.send(
            Method::PUT,
            "/api/v1/admin/departments/no_such_department",
            Some(&admin.access_token),
            Some(json!({"name": "없는 부서"})),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn a_categorys_sla_sets_the_clocks_of_new_reports() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let citizen = app.citizen("minji@example.kr").await;

    let categories = ok(app.get("/api/v1/categories", None).await).await;
    let road = categories["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "road_damage")
        .unwrap()
        .clone();
    assert_eq!(
        road["sla"]["normal"],
        json!({"first_response_hours": 24, "resolution_hours": 168, "overridden": false})
    );
    assert_eq!(road["duplicate_radius_m"], 250);

    let category = ok(app
        .send(
            Method::PUT,
            "/api/v1/admin/categories/road_damage",
            Some(&admin.access_token),
            Some(json!({"sla": {"normal": {"first_response_hours": 4, "resolution_hours": 48}}, "duplicate_radius_m": 100})),
        )
        .await)
    .await;
    assert_eq!(
        category["sla"]["normal"],
        json!({"first_response_hours": 4, "resolution_hours": 48, "overridden": true})
    );
    assert_eq!(category["sla"]["urgent"]["overridden"], false);
    assert_eq!(category["duplicate_radius_m"], 100);

    let report = app
        .submit(
            &citizen.access_token,
            "도로 파손",
            "집 앞 도로에 큰 포트홀이 생겼어요",
            "public",
        )
        .await;
    let time = |field: &str| {
        chrono::DateTime::parse_from_rfc3339(report[field].as_str().unwrap()).unwrap()
    };
    assert_eq!(
        time("respond_by") - time("created_at"),
        chrono::TimeDelta::hours(4)
    );
    assert_eq!(
        time("resolve_by") - time("created_at"),
        chrono::TimeDelta::hours(48)
    );
    assert_eq!(report["due_at"], report["resolve_by"]);
    assert_eq!(report["breached"], false);
    assert_eq!(report["responded_at"], Value::Null);

    let invalid = expect_problem(
        app.send(
            Method::PUT,
            "/api/v1/admin/categories/road_damage",
            Some(&admin.access_token),
            Some(json!({"sla": {"urgent": {"first_response_hours": 0, "resolution_hours": 24}}})),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(invalid["errors"][0]["field"], "sla.urgent");
    expect_problem(
        app.send(
            Method::PUT,
            "/api/v1/admin/categories/potholes",
            Some(&admin.access_token),
            Some(json!({})),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn the_queue_lists_open_work_most_urgent_first_with_badges() {
    let app = TestApp::spawn().await;
    let citizen = app.citizen("minji@example.kr").await;
    let manager = app
        .official("manager@jeonbuk.go.kr", "manager", "road_management")
        .await;
    let staff = app
        .official("staff@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let submit = |title: &'static str| {
        let token = citizen.access_token.clone();
        let app = &app;
        async move {
            app.submit(&token, title, "집 앞 도로에 큰 포트홀이 생겼어요", "public")
                .await["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let normal = submit("도로 파손 1").await;
    let urgent = submit("도로 파손 2").await;
    let assigned = submit("도로 파손 3").await;
    let resolved = submit("도로 파손 4").await;
    ok(app
        .send(
            Method::PUT,
            &format!("/api/v1/reports/{urgent}/classification"),
            Some(&manager.access_token),
            Some(json!({"category": "road_damage", "priority": "urgent"})),
        )
        .await)
    .await;
    ok(app
        .post(
            &format!("/api/v1/reports/{assigned}/assignment"),
            Some(&manager.access_token),
            json!({"assignee": staff.id}),
        )
        .await)
    .await;
    for (to, note) in [("in_progress", None), ("resolved", Some("보수 완료"))] {
        ok(app
            .post(
                &format!("/api/v1/reports/{resolved}/transitions"),
                Some(&manager.access_token),
                json!({"to": to, "note": note}),
            )
            .await)
        .await;
    }

    let queue = ok(app
        .get(
            "/api/v1/reports?queue=department",
            Some(&staff.access_token),
        )
        .await)
    .await;
    let ids: Vec<_> = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        ids,
        [urgent.clone(), normal.clone(), assigned.clone()],
        "urgent first; then by due time"
    );
    assert_eq!(queue["counts"], json!({"assigned": 1, "received": 2}));

    let mine = ok(app
        .get(
            "/api/v1/reports?queue=mine&status=assigned",
            Some(&staff.access_token),
        )
        .await)
    .await;
    assert_eq!(mine["items"][0]["id"], assigned.as_str());
    assert_eq!(mine["counts"], json!({"assigned": 1}));

    // A plain list has no badges; sort=priority,due orders it without the queue.
    let sorted = ok(app
        .get(
            "/api/v1/reports?sort=priority,due",
            Some(&staff.access_token),
        )
        .await)
    .await;
    assert_eq!(sorted["items"][0]["id"], urgent.as_str());
    assert!(sorted.get("counts").is_none());
    let overdue = ok(app
        .get("/api/v1/reports?overdue=true", Some(&staff.access_token))
        .await)
    .await;
    assert_eq!(overdue["items"], json!([]), "nothing is past due yet");

    expect_problem(
        app.get(
            "/api/v1/reports?queue=department",
            Some(&citizen.access_token),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        app.get("/api/v1/reports?queue=department", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    for bad in ["queue=everyone", "sort=oldest", "overdue=maybe"] {
        expect_problem(
            app.get(&format!("/api/v1/reports?{bad}"), Some(&staff.access_token))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
}
