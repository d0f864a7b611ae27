//! Identity and access, black box: every route × role against the
//! permission table, sessions (refresh-token families, sign-out, password
//! and role changes end sessions at once), service accounts' API keys, rate
//! limits, sealed secrets, and the audit trail of all of it.

use std::collections::BTreeMap;

use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};
use sinmungo_core::domain::permission::{grant, COLUMNS};
use sinmungo_core::domain::Role;
use sinmungo_http::ROUTES;
use sinmungo_storage::samples::jpeg;

use crate::harness::{created, expect_problem, Form, Session, TestApp};

const CITIZEN_PASSWORD: &str = "jeonbuk2026!";
const OFFICIAL_PASSWORD: &str = "officer-pass-2026";

/// A server whose rate limits stay out of the way of tests that are not about them.
async fn roomy_app() -> TestApp {
    TestApp::spawn_with(|config| {
        for limit in [
            &mut config.access.rate_login_per_ip,
            &mut config.access.rate_register_per_ip,
            &mut config.access.rate_submit_per_ip,
            &mut config.access.rate_submit_per_account,
        ] {
            *limit = "10000/1h".parse().expect("a limit");
        }
    })
    .await
}

/// A service account with a key, made by `admin`; returns (account id, key).
pub async fn service_account(app: &TestApp, admin: &Session, name: &str) -> (String, String) {
    let account = created(
        app.post(
            "/api/v1/admin/service-accounts",
            Some(&admin.access_token),
            json!({"name": name, "contact_email": format!("{name}@jeonbuk.go.kr")}),
        )
        .await,
    )
    .await;
    let id = account["id"].as_str().expect("account id").to_owned();
    assert_eq!(account["role"], "service");
    let key = created(
        app.post(
            &format!("/api/v1/admin/service-accounts/{id}/keys"),
            Some(&admin.access_token),
            json!({"label": "연계 테스트"}),
        )
        .await,
    )
    .await;
    let plain = key["key"].as_str().expect("the key, shown once").to_owned();
    assert!(plain.starts_with("smk_"));
    (id, plain)
}

async fn submit_as(app: &TestApp, token: &str, title: &str) -> String {
    app.submit(token, title, "집 앞 도로에 큰 포트홀이 생겼어요", "public")
        .await["id"]
        .as_str()
        .expect("report id")
        .to_owned()
}

async fn audit(app: &TestApp, admin: &Session, query: &str) -> Vec<Value> {
    let response = app
        .get(
            &format!("/api/v1/admin/audit{query}"),
            Some(&admin.access_token),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("audit JSON")
}

/// One caller of the matrix: who they are and what their routes act on.
struct Actor {
    name: &'static str,
    role: Option<Role>,
    token: Option<String>,
    password: &'static str,
    /// A report this actor may act on by the table: their own (citizens,
    /// service accounts) or their department's (officials).
    report: String,
    /// A resolved report of theirs (citizens close their own resolved reports).
    resolved: Option<String>,
}

/// Walks every route of `ROUTES` as every role of the table and checks the
/// answer: a route the table grants is never answered 401/403; a route it
/// denies is answered 401 (anonymous) or 403.
#[tokio::test]
async fn every_route_times_every_role_matches_the_permission_table() {
    let app = roomy_app().await;
    let admin = app.admin().await;
    let staff = app
        .official("staff@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let manager = app
        .official("manager@jeonbuk.go.kr", "manager", "road_management")
        .await;
    let citizen = app.citizen("citizen@example.kr").await;
    let neighbour = app.citizen("neighbour@example.kr").await;
    let (service_id, service_key) = service_account(&app, &admin, "gis").await;

    // Reports: each official acts on one of the neighbour's (road department);
    // citizen and service account on their own.
    let neighbours = submit_as(&app, &neighbour.access_token, "이웃의 포트홀").await;
    let photo_report = {
        let response = app
            .post_form(
                "/api/v1/reports",
                Some(&citizen.access_token),
                Form::report("사진 있는 포트홀").photo("a.jpg", &jpeg(64, 48, 1)),
            )
            .await;
        created(response).await
    };
    let photo_path = format!(
        "/reports/{}/photos/{}/public",
        photo_report["id"].as_str().expect("id"),
        photo_report["photos"][0]["id"].as_str().expect("photo id")
    );
    let citizens_resolved = submit_as(&app, &citizen.access_token, "해결될 포트홀").await;
    for (to, note) in [("in_progress", None), ("resolved", Some("보수 완료"))] {
        let response = app
            .post(
                &format!("/api/v1/reports/{citizens_resolved}/transitions"),
                Some(&staff.access_token),
                json!({"to": to, "note": note}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{to}");
    }
    let mut actors = Vec::new();
    for (name, role, token, password) in [
        ("anonymous", None, None, ""),
        (
            "citizen",
            Some(Role::Citizen),
            Some(citizen.access_token.clone()),
            CITIZEN_PASSWORD,
        ),
        (
            "service",
            Some(Role::Service),
            Some(service_key.clone()),
            "",
        ),
        (
            "staff",
            Some(Role::Staff),
            Some(staff.access_token.clone()),
            OFFICIAL_PASSWORD,
        ),
        (
            "manager",
            Some(Role::Manager),
            Some(manager.access_token.clone()),
            OFFICIAL_PASSWORD,
        ),
        (
            "admin",
            Some(Role::Admin),
            Some(admin.access_token.clone()),
            OFFICIAL_PASSWORD,
        ),
    ] {
        let report = match role {
            Some(Role::Citizen | Role::Service) => {
                submit_as(
                    &app,
                    token.as_deref().expect("token"),
                    &format!("{name}의 신고"),
                )
                .await
            }
            _ => {
                submit_as(
                    &app,
                    &neighbour.access_token,
                    &format!("{name}이 처리할 신고"),
                )
                .await
            }
        };
        let resolved = (role == Some(Role::Citizen)).then(|| citizens_resolved.clone());
        actors.push(Actor {
            name,
            role,
            token,
            password,
            report,
            resolved,
        });
    }
    assert_eq!(
        actors.iter().map(|a| a.role).collect::<Vec<_>>(),
        COLUMNS,
        "one actor per column of the table"
    );

    let mut outcomes = BTreeMap::new();
    for actor in &mut actors {
        // The admin's spare key, revoked by the admin's DELETE below.
        let spare_key = created(
            app.post(
                &format!("/api/v1/admin/service-accounts/{service_id}/keys"),
                Some(&admin.access_token),
                json!({"label": format!("spare for {}", actor.name)}),
            )
            .await,
        )
        .await["id"]
            .as_str()
            .expect("key id")
            .to_owned();
        // Someone whose role the admin changes.
        let bystander = app
            .citizen(&format!("bystander-{}@example.kr", actor.name))
            .await;
        let email = |what: &str| format!("{what}-{}@example.kr", actor.name);
        for route in ROUTES {
            let target = match (route.path, &actor.resolved) {
                ("/reports/{id}/transitions", Some(resolved)) => resolved.clone(),
                ("/reports/{id}/support", _) => neighbours.clone(),
                _ => actor.report.clone(),
            };
            let path = route
                .path
                .replace("{id}", &target)
                .replace("{photo_id}/{variant}", "");
            let path = match route.path {
                "/reports/{id}/photos/{photo_id}/{variant}" => photo_path.clone(),
                "/admin/users/{id}/role" => format!("/admin/users/{}/role", bystander.id),
                "/admin/service-accounts/{id}/keys" => {
                    format!("/admin/service-accounts/{service_id}/keys")
                }
                "/admin/service-accounts/{id}/keys/{key_id}" => {
                    format!("/admin/service-accounts/{service_id}/keys/{spare_key}")
                }
                "/admin/secrets/{name}" => "/admin/secrets/matrix.secret".to_owned(),
                "/admin/departments/{code}" => "/admin/departments/road_management".to_owned(),
                "/admin/categories/{code}" => "/admin/categories/road_damage".to_owned(),
                _ => path,
            };
            let fresh = || async {
                app.login("neighbour@example.kr", CITIZEN_PASSWORD)
                    .await
                    .refresh_token
            };
            let body = match (route.method, route.path) {
                ("POST", "/auth/register") => Some(json!({
                    "email": email("new"), "password": CITIZEN_PASSWORD, "display_name": "새 시민"
                })),
                ("POST", "/auth/login") => {
                    Some(json!({"email": "neighbour@example.kr", "password": CITIZEN_PASSWORD}))
                }
                ("POST", "/auth/refresh" | "/auth/logout") => {
                    Some(json!({"refresh_token": fresh().await}))
                }
                ("POST", "/me/password") => Some(json!({
                    "current_password": actor.password, "new_password": "changed-pass-2026!"
                })),
                ("POST", "/reports") => Some(json!({
                    "title": "매트릭스 포트홀", "description": "도로에 포트홀",
                    "location": {"lat": 35.8242, "lng": 127.1480}
                })),
                ("POST", "/reports/{id}/transitions") if actor.resolved.is_some() => {
                    Some(json!({"to": "closed"}))
                }
                ("POST", "/reports/{id}/transitions") => Some(json!({"to": "in_progress"})),
                ("POST", "/reports/{id}/assignment") => {
                    Some(json!({"department": "road_management"}))
                }
                ("PUT", "/reports/{id}/classification") => {
                    Some(json!({"category": "road_damage", "priority": "high"}))
                }
                ("POST", "/reports/{id}/privacy-review") => Some(json!({"decision": "publish"})),
                ("POST", "/reports/{id}/comments") => Some(json!({"body": "확인했습니다"})),
                ("POST", "/reports/{id}/support") => Some(json!({})),
                ("POST", "/admin/users") => Some(json!({
                    "email": email("made"), "password": CITIZEN_PASSWORD,
                    "display_name": "만든 시민", "role": "citizen"
                })),
                ("PUT", "/admin/users/{id}/role") => Some(json!({"role": "citizen"})),
                ("POST", "/admin/service-accounts") => Some(json!({
                    "name": "연계", "contact_email": email("integration")
                })),
                ("POST", "/admin/service-accounts/{id}/keys") => Some(json!({"label": "matrix"})),
                ("PUT", "/admin/secrets/{name}") => Some(json!({"value": "matrix-value-1"})),
                ("PUT", "/me/notification-settings") => Some(json!({"email": "daily"})),
                ("POST", "/admin/departments") => Some(json!({
                    "code": "matrix_roads", "name": "군산시 도로과",
                    "jurisdiction": "35020", "categories": ["road_damage"]
                })),
                ("PUT", "/admin/departments/{code}") => Some(json!({
                    "name": "도로관리과", "categories": ["road_damage"]
                })),
                ("PUT", "/admin/categories/{code}") => Some(json!({"duplicate_radius_m": 300})),
                _ => None,
            };
            let url = format!("/api/v1{path}");
            let response: Response = if route.path == "/reports/{id}/photos" {
                app.post_form(
                    &url,
                    actor.token.as_deref(),
                    Form::new().photo("b.jpg", &jpeg(64, 48, 2)),
                )
                .await
            } else {
                let method = Method::from_bytes(route.method.as_bytes()).expect("method");
                app.send(method, &url, actor.token.as_deref(), body).await
            };
            let status = response.status();
            let text = response.text().await.expect("body");
            if route.path == "/me/password" && status == StatusCode::OK {
                // Every session of the actor ended; carry on with the new one.
                let session: Value = serde_json::from_str(&text).expect("session");
                actor.token = session["access_token"].as_str().map(str::to_owned);
            }
            let granted = grant(actor.role, route.permission).is_granted();
            let refused = matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN);
            assert_eq!(
                !refused, granted,
                "{} {} as {}: {status} {text}",
                route.method, route.path, actor.name
            );
            if !granted {
                let expected = if actor.role.is_none() {
                    StatusCode::UNAUTHORIZED
                } else {
                    StatusCode::FORBIDDEN
                };
                assert_eq!(
                    status, expected,
                    "{} {} as {}",
                    route.method, route.path, actor.name
                );
            }
            outcomes.insert((route.method, route.path, actor.name), status);
        }
    }
    assert_eq!(outcomes.len(), ROUTES.len() * COLUMNS.len());
}

/// The resource rules under the table: staff and managers act only on their
/// department's reports, citizens only on their own.
#[tokio::test]
async fn officials_act_only_on_their_departments_reports_and_citizens_on_their_own() {
    let app = roomy_app().await;
    let parks_staff = app.official("parks@jeonbuk.go.kr", "staff", "parks").await;
    let parks_manager = app
        .official("parks-manager@jeonbuk.go.kr", "manager", "parks")
        .await;
    let reporter = app.citizen("reporter@example.kr").await;
    let other = app.citizen("other@example.kr").await;
    let pothole = submit_as(&app, &reporter.access_token, "포트홀").await;

    for (who, token, method, path, body) in [
        (
            "parks staff",
            &parks_staff.access_token,
            Method::POST,
            "transitions",
            json!({"to": "in_progress"}),
        ),
        (
            "parks staff",
            &parks_staff.access_token,
            Method::PUT,
            "classification",
            json!({"category": "road_damage", "priority": "urgent"}),
        ),
        (
            "parks staff",
            &parks_staff.access_token,
            Method::POST,
            "comments",
            json!({"body": "내부 메모", "internal": true}),
        ),
        (
            "parks manager",
            &parks_manager.access_token,
            Method::POST,
            "assignment",
            json!({"department": "parks"}),
        ),
        (
            "another citizen",
            &other.access_token,
            Method::POST,
            "comments",
            json!({"body": "저도요"}),
        ),
    ] {
        let response = app
            .send(
                method,
                &format!("/api/v1/reports/{pothole}/{path}"),
                Some(token),
                Some(body),
            )
            .await;
        expect_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
        let _ = who;
    }
    let photos = app
        .post_form(
            &format!("/api/v1/reports/{pothole}/photos"),
            Some(&parks_staff.access_token),
            Form::new().photo("c.jpg", &jpeg(64, 48, 3)),
        )
        .await;
    expect_problem(photos, StatusCode::FORBIDDEN, "forbidden").await;
    // Nothing changed.
    let report: Value = app
        .get(
            &format!("/api/v1/reports/{pothole}"),
            Some(&reporter.access_token),
        )
        .await
        .json()
        .await
        .expect("report");
    assert_eq!(report["status"], "received");
    assert_eq!(report["version"], 1);
}

#[tokio::test]
async fn reusing_a_refresh_token_ends_the_whole_sign_in_and_is_audited() {
    let app = roomy_app().await;
    let admin = app.admin().await;
    let first = app.citizen("kim@example.kr").await;
    let rotated: Value = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": first.refresh_token}),
        )
        .await
        .json()
        .await
        .expect("new pair");
    let second_access = rotated["access_token"].as_str().expect("access");
    let second_refresh = rotated["refresh_token"].as_str().expect("refresh");
    assert_eq!(
        app.get("/api/v1/me", Some(second_access)).await.status(),
        StatusCode::OK
    );

    // A thief replays the first refresh token.
    let replay = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": first.refresh_token}),
        )
        .await;
    expect_problem(replay, StatusCode::UNAUTHORIZED, "refresh_token_reused").await;
    // The whole family is gone: the rightful client's newer tokens too.
    let newer = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": second_refresh}),
        )
        .await;
    expect_problem(newer, StatusCode::UNAUTHORIZED, "invalid_token").await;
    expect_problem(
        app.get("/api/v1/me", Some(second_access)).await,
        StatusCode::UNAUTHORIZED,
        "session_ended",
    )
    .await;
    // Other sign-ins of the same person are untouched.
    let other_device = app.login("kim@example.kr", CITIZEN_PASSWORD).await;
    assert_eq!(
        app.get("/api/v1/me", Some(&other_device.access_token))
            .await
            .status(),
        StatusCode::OK
    );
    let entries = audit(&app, &admin, &format!("?target=user:{}", first.id)).await;
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "session.token_reused"),
        "{entries:?}"
    );
}

#[tokio::test]
async fn signing_out_ends_the_access_token_at_once() {
    let app = roomy_app().await;
    let session = app.citizen("lee@example.kr").await;
    let other = app.login("lee@example.kr", CITIZEN_PASSWORD).await;
    let response = app
        .post(
            "/api/v1/auth/logout",
            None,
            json!({"refresh_token": session.refresh_token}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    expect_problem(
        app.get("/api/v1/me", Some(&session.access_token)).await,
        StatusCode::UNAUTHORIZED,
        "session_ended",
    )
    .await;
    // Signing out twice is fine; the other device is still signed in.
    let again = app
        .post(
            "/api/v1/auth/logout",
            None,
            json!({"refresh_token": session.refresh_token}),
        )
        .await;
    assert_eq!(again.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/me", Some(&other.access_token))
            .await
            .status(),
        StatusCode::OK
    );
    // Sign-out with the access token alone ends that sign-in.
    let bare = app
        .send(
            Method::POST,
            "/api/v1/auth/logout",
            Some(&other.access_token),
            None,
        )
        .await;
    assert_eq!(bare.status(), StatusCode::NO_CONTENT);
    expect_problem(
        app.get("/api/v1/me", Some(&other.access_token)).await,
        StatusCode::UNAUTHORIZED,
        "session_ended",
    )
    .await;
}

#[tokio::test]
async fn a_password_change_ends_every_session_and_needs_the_current_password() {
    let app = roomy_app().await;
    let phone = app.citizen("park@example.kr").await;
    let laptop = app.login("park@example.kr", CITIZEN_PASSWORD).await;
    let wrong = app
        .post(
            "/api/v1/me/password",
            Some(&phone.access_token),
            json!({"current_password": "not-my-pass-1", "new_password": "new-pass-2026!"}),
        )
        .await;
    expect_problem(wrong, StatusCode::FORBIDDEN, "wrong_password").await;
    let weak = app
        .post(
            "/api/v1/me/password",
            Some(&phone.access_token),
            json!({"current_password": CITIZEN_PASSWORD, "new_password": "short"}),
        )
        .await;
    expect_problem(weak, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

    let changed = app
        .post(
            "/api/v1/me/password",
            Some(&phone.access_token),
            json!({"current_password": CITIZEN_PASSWORD, "new_password": "new-pass-2026!"}),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let fresh: Value = changed.json().await.expect("fresh session");
    for token in [&phone.access_token, &laptop.access_token] {
        expect_problem(
            app.get("/api/v1/me", Some(token)).await,
            StatusCode::UNAUTHORIZED,
            "session_ended",
        )
        .await;
    }
    let refresh = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": laptop.refresh_token}),
        )
        .await;
    expect_problem(refresh, StatusCode::UNAUTHORIZED, "invalid_token").await;
    assert_eq!(
        app.get("/api/v1/me", fresh["access_token"].as_str())
            .await
            .status(),
        StatusCode::OK
    );
    let old = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "park@example.kr", "password": CITIZEN_PASSWORD}),
        )
        .await;
    expect_problem(old, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    app.login("park@example.kr", "new-pass-2026!").await;
}

#[tokio::test]
async fn a_role_change_takes_effect_at_once_and_is_audited_with_before_and_after() {
    let app = roomy_app().await;
    let admin = app.admin().await;
    let staff = app
        .official("staff@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let citizen = app.citizen("choi@example.kr").await;
    let by_staff = app
        .send(
            Method::PUT,
            &format!("/api/v1/admin/users/{}/role", citizen.id),
            Some(&staff.access_token),
            Some(json!({"role": "admin"})),
        )
        .await;
    expect_problem(by_staff, StatusCode::FORBIDDEN, "forbidden").await;

    let demoted = app
        .send(
            Method::PUT,
            &format!("/api/v1/admin/users/{}/role", staff.id),
            Some(&admin.access_token),
            Some(json!({"role": "citizen"})),
        )
        .await;
    assert_eq!(demoted.status(), StatusCode::OK);
    expect_problem(
        app.get("/api/v1/me", Some(&staff.access_token)).await,
        StatusCode::UNAUTHORIZED,
        "session_ended",
    )
    .await;
    let again = app.login("staff@jeonbuk.go.kr", OFFICIAL_PASSWORD).await;
    let me: Value = app
        .get("/api/v1/me", Some(&again.access_token))
        .await
        .json()
        .await
        .expect("me");
    assert_eq!(me["role"], "citizen");
    assert_eq!(me["department"], Value::Null);

    let bad = app
        .send(
            Method::PUT,
            &format!("/api/v1/admin/users/{}/role", citizen.id),
            Some(&admin.access_token),
            Some(json!({"role": "staff"})),
        )
        .await;
    expect_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

    let entries = audit(&app, &admin, &format!("?target=user:{}", staff.id)).await;
    let change = entries
        .iter()
        .find(|e| e["action"] == "user.role_change")
        .expect("the role change is audited");
    assert_eq!(change["actor"], admin.id.as_str());
    assert_eq!(change["actor_role"], "admin");
    assert_eq!(change["before"]["role"], "staff");
    assert_eq!(change["before"]["department"], "road_management");
    assert_eq!(change["after"]["role"], "citizen");
}

#[tokio::test]
async fn service_accounts_call_with_api_keys_until_the_key_is_revoked() {
    let app = roomy_app().await;
    let admin = app.admin().await;
    let (id, key) = service_account(&app, &admin, "callcenter").await;
    let me: Value = app
        .get("/api/v1/me", Some(&key))
        .await
        .json()
        .await
        .expect("me");
    assert_eq!(me["role"], "service");
    let report = submit_as(&app, &key, "콜센터 접수 포트홀").await;
    assert!(!report.is_empty());

    let keys: Value = app
        .get(
            &format!("/api/v1/admin/service-accounts/{id}/keys"),
            Some(&admin.access_token),
        )
        .await
        .json()
        .await
        .expect("keys");
    let listed = keys[0].clone();
    assert_eq!(listed["label"], "연계 테스트");
    assert!(key.starts_with(listed["prefix"].as_str().expect("prefix")));
    let text = keys.to_string();
    assert!(!text.contains(&key), "a listed key never shows the key");
    assert!(listed.get("key_hash").is_none() && listed.get("key").is_none());

    // A service account cannot sign in with a password, nor change one.
    let password = app
        .post(
            "/api/v1/me/password",
            Some(&key),
            json!({"current_password": "", "new_password": "new-pass-2026!"}),
        )
        .await;
    expect_problem(password, StatusCode::FORBIDDEN, "forbidden").await;

    let revoked = app
        .send(
            Method::DELETE,
            &format!(
                "/api/v1/admin/service-accounts/{id}/keys/{}",
                listed["id"].as_str().expect("key id")
            ),
            Some(&admin.access_token),
            None,
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    expect_problem(
        app.get("/api/v1/me", Some(&key)).await,
        StatusCode::UNAUTHORIZED,
        "invalid_api_key",
    )
    .await;
    expect_problem(
        app.get("/api/v1/me", Some("smk_not-a-key")).await,
        StatusCode::UNAUTHORIZED,
        "invalid_api_key",
    )
    .await;
    let actions: Vec<_> = audit(&app, &admin, &format!("?target=user:{id}"))
        .await
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default().to_owned())
        .collect();
    for action in ["service_account.create", "api_key.issue", "api_key.revoke"] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}

#[tokio::test]
async fn failed_sign_ins_are_limited_per_account_then_recover_and_the_burst_is_audited() {
    let app = TestApp::spawn_with(|config| {
        config.access.rate_login_failures = "3/2s".parse().expect("limit");
    })
    .await;
    let admin = app.admin().await;
    let victim = app.citizen("jung@example.kr").await;
    let attempt = |password: &'static str| {
        app.post(
            "/api/v1/auth/login",
            None,
            json!({"email": "jung@example.kr", "password": password}),
        )
    };
    for _ in 0..3 {
        expect_problem(
            attempt("guess-1234!").await,
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
        )
        .await;
    }
    // Locked, even with the right password.
    for password in ["guess-1234!", CITIZEN_PASSWORD] {
        let limited = attempt(password).await;
        let retry_after: u64 = limited
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .expect("Retry-After in seconds");
        assert!((1..=2).contains(&retry_after), "{retry_after}");
        expect_problem(limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let ok = attempt(CITIZEN_PASSWORD).await;
    assert_eq!(ok.status(), StatusCode::OK);

    let entries = audit(&app, &admin, &format!("?target=user:{}", victim.id)).await;
    let burst = entries
        .iter()
        .find(|e| e["action"] == "auth.login_failures")
        .expect("the burst is audited");
    assert_eq!(burst["after"]["failures"], 3);
    assert_eq!(burst["after"]["ip"], "127.0.0.1");
}

#[tokio::test]
async fn submitting_is_limited_per_account() {
    let app = TestApp::spawn_with(|config| {
        config.access.rate_submit_per_account = "2/1h".parse().expect("limit");
    })
    .await;
    let citizen = app.citizen("han@example.kr").await;
    let other = app.citizen("seo@example.kr").await;
    for n in 0..2 {
        submit_as(&app, &citizen.access_token, &format!("포트홀 {n}")).await;
    }
    let third = app
        .post(
            "/api/v1/reports",
            Some(&citizen.access_token),
            json!({"title": "세 번째", "description": "포트홀",
                   "location": {"lat": 35.8242, "lng": 127.1480}}),
        )
        .await;
    assert!(third.headers().contains_key("retry-after"));
    expect_problem(third, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // Someone else is not affected.
    submit_as(&app, &other.access_token, "다른 사람의 포트홀").await;
}

#[tokio::test]
async fn secrets_are_sealed_in_the_database_and_never_shown_again() {
    let app = roomy_app().await;
    let admin = app.admin().await;
    let value = "rf_live_Zq81xTopSecretValue";
    let set = app
        .send(
            Method::PUT,
            "/api/v1/admin/secrets/roboflow.api_key",
            Some(&admin.access_token),
            Some(json!({"value": value})),
        )
        .await;
    assert_eq!(set.status(), StatusCode::OK);
    let shown = set.text().await.expect("body");
    assert!(!shown.contains(value), "{shown}");
    let list = app
        .get("/api/v1/admin/secrets", Some(&admin.access_token))
        .await
        .text()
        .await
        .expect("list");
    assert!(
        list.contains("roboflow.api_key") && !list.contains(value),
        "{list}"
    );

    // Straight from the database file: sealed bytes, not the value.
    let database = std::fs::read(app.data_dir().join("sinmungo.db")).expect("database file");
    let wal = std::fs::read(app.data_dir().join("sinmungo.db-wal")).unwrap_or_default();
    for bytes in [&database, &wal] {
        assert!(
            !bytes
                .windows(value.len())
                .any(|window| window == value.as_bytes()),
            "the plain secret is in the database file"
        );
    }
    let entries = audit(&app, &admin, "?target=secret:roboflow.api_key").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["action"], "secret.set");
    assert!(!serde_json::to_string(&entries)
        .expect("json")
        .contains(value));

    let bad_name = app
        .send(
            Method::PUT,
            "/api/v1/admin/secrets/Bad%20Name",
            Some(&admin.access_token),
            Some(json!({"value": value})),
        )
        .await;
    expect_problem(
        bad_name,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let deleted = app
        .send(
            Method::DELETE,
            "/api/v1/admin/secrets/roboflow.api_key",
            Some(&admin.access_token),
            None,
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = app
        .send(
            Method::DELETE,
            "/api/v1/admin/secrets/roboflow.api_key",
            Some(&admin.access_token),
            None,
        )
        .await;
    expect_problem(gone, StatusCode::NOT_FOUND, "not_found").await;
}

/// The audit log's page size has the same bounds as every list: a limit
/// outside 1–100 is refused, not silently cut.
#[tokio::test]
async fn the_audit_log_refuses_a_limit_outside_the_documented_range() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for limit in ["0", "101", "4294967295"] {
        let refused = app
            .get(
                &format!("/api/v1/admin/audit?limit={limit}"),
                Some(&admin.access_token),
            )
            .await;
        expect_problem(
            refused,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    assert!(audit(&app, &admin, "?limit=100").await.len() <= 100);
}
