//! The console's administration pages under `/admin/settings`: each page
//! shows what the REST admin routes show, its forms change it (visible on
//! the next page and through the API), bad input is refused in Korean with
//! 422 and changes nothing, a stale form token is refused, and roles
//! without the permission get 403 and no "관리" link.

use reqwest::header::LOCATION;
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

use crate::console::{form_token, Console};
use crate::harness::TestApp;

const PASSWORD: &str = "officer-pass-2026";

/// A server with an administrator signed in to the console; returns the
/// console and the administrator's API token.
async fn signed_in_admin(app: &TestApp) -> (Console<'_>, String) {
    let admin = app.admin().await;
    let mut console = Console::new(app);
    let response = console.sign_in("admin@jeonbuk.go.kr", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    (console, admin.access_token)
}

fn location(response: &Response) -> String {
    response
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Posts `form` to `path` and expects a refusal with `status` and `message`.
async fn expect_refusal(
    console: &Console<'_>,
    path: &str,
    form: &[(&str, &str)],
    status: StatusCode,
    message: &str,
) -> String {
    let response = console.post(path, form).await;
    assert_eq!(response.status(), status, "POST {path}");
    let page = html(response).await;
    assert!(
        page.contains(message),
        "{message} in the answer to POST {path}"
    );
    page
}

async fn html(response: Response) -> String {
    response.text().await.expect("HTML")
}

/// The value of `<input … name="name" … value="…">` in a page.
fn input_value(html: &str, id: &str) -> String {
    let at = html
        .find(&format!(r#"id="{id}""#))
        .expect("the input is on the page");
    let start = html[at..].find(r#"value=""#).expect("a value") + at + r#"value=""#.len();
    html[start..]
        .split('"')
        .next()
        .expect("a quoted value")
        .to_owned()
}

/// The department with `code` as the API lists it.
async fn listed_department(app: &TestApp, token: &str, code: &str) -> Value {
    let api = api_json(app, "/api/v1/departments", token).await;
    api["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|d| d["code"] == code)
        .expect("listed by the API")
        .clone()
}

/// The road damage category as the API lists it.
async fn road_damage(app: &TestApp, token: &str) -> Value {
    let api = api_json(app, "/api/v1/categories", token).await;
    api["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["code"] == "road_damage")
        .expect("road damage")
        .clone()
}

async fn api_json(app: &TestApp, path: &str, token: &str) -> Value {
    let response = app.get(path, Some(token)).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.json().await.expect("JSON")
}

#[tokio::test]
async fn only_administrators_see_the_admin_pages_and_their_link() {
    let app = TestApp::spawn().await;
    let (admin, _) = signed_in_admin(&app).await;
    let queue = admin.page("/admin", StatusCode::OK).await;
    assert!(queue.contains(r#"<a href="/admin/settings">관리</a>"#));
    let index = admin.page("/admin/settings", StatusCode::OK).await;
    for (path, title) in [
        ("/admin/settings/accounts", "계정과 역할"),
        ("/admin/settings/departments", "부서와 배정 규칙"),
        ("/admin/settings/categories", "분류와 처리 기한"),
        ("/admin/settings/service-accounts", "서비스 계정과 API 키"),
        ("/admin/settings/secrets", "비밀 값"),
        ("/admin/settings/audit", "감사 기록"),
    ] {
        assert!(
            index.contains(&format!(r#"<a href="{path}">{title}</a>"#)),
            "{title} on the index"
        );
        let page = admin.page(path, StatusCode::OK).await;
        assert!(page.contains(&format!("<h1>{title}</h1>")), "{path}");
    }

    for role in ["staff", "manager"] {
        app.official(&format!("{role}@jeonbuk.go.kr"), role, "road_management")
            .await;
        let mut officer = Console::new(&app);
        officer
            .sign_in(&format!("{role}@jeonbuk.go.kr"), PASSWORD)
            .await;
        let queue = officer.page("/admin", StatusCode::OK).await;
        assert!(!queue.contains("/admin/settings"), "{role}: no link");
        let token = form_token(&queue);
        for path in [
            "/admin/settings",
            "/admin/settings/accounts",
            "/admin/settings/departments",
            "/admin/settings/departments/road_management",
            "/admin/settings/categories",
            "/admin/settings/categories/road_damage",
            "/admin/settings/service-accounts",
            "/admin/settings/secrets",
            "/admin/settings/audit",
        ] {
            let page = officer.page(path, StatusCode::FORBIDDEN).await;
            assert!(page.contains("접근 권한이 없습니다"), "{role} {path}");
        }
        for (path, form) in [
            (
                "/admin/settings/accounts",
                vec![
                    ("email", "new@jeonbuk.go.kr"),
                    ("display_name", "새 직원"),
                    ("password", "officer-pass-2026"),
                    ("role", "admin"),
                ],
            ),
            (
                "/admin/settings/departments",
                vec![("code", "sneaky"), ("name", "몰래 만든 부서")],
            ),
            (
                "/admin/settings/secrets",
                vec![("name", "llm.api_key"), ("value", "stolen")],
            ),
            (
                "/admin/settings/service-accounts",
                vec![("name", "몰래"), ("contact_email", "x@example.kr")],
            ),
        ] {
            let mut form = form;
            form.push(("csrf", &token));
            let refused = officer.post(path, &form).await;
            assert_eq!(
                refused.status(),
                StatusCode::FORBIDDEN,
                "{role} POST {path}"
            );
        }
    }
    // Nothing the refused forms asked for happened.
    let admin_token = app
        .login("admin@jeonbuk.go.kr", PASSWORD)
        .await
        .access_token;
    let departments = api_json(&app, "/api/v1/departments", &admin_token).await;
    assert!(!departments.to_string().contains("sneaky"));
    let secrets = api_json(&app, "/api/v1/admin/secrets", &admin_token).await;
    assert_eq!(secrets, json!([]));
    let refused = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "new@jeonbuk.go.kr", "password": PASSWORD}),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_administrator_creates_an_official_changes_the_role_and_disables_the_account() {
    let app = TestApp::spawn().await;
    let (console, _) = signed_in_admin(&app).await;
    let page = console
        .page("/admin/settings/accounts", StatusCode::OK)
        .await;
    assert!(
        page.contains("admin@jeonbuk.go.kr"),
        "the list has the admin"
    );
    assert!(page.contains(r#"<label for="new-email">이메일</label>"#));
    let token = form_token(&page);

    // Invalid input: 422 in Korean, nothing created.
    let bad = expect_refusal(
        &console,
        "/admin/settings/accounts",
        &[
            ("csrf", &token),
            ("email", "not-an-email"),
            ("display_name", "박공무"),
            ("password", "short"),
            ("role", "staff"),
            ("department", "road_management"),
        ],
        StatusCode::UNPROCESSABLE_ENTITY,
        "이메일: name@example.kr 같은 이메일 주소를 입력해 주세요.",
    )
    .await;
    assert!(bad.contains("비밀번호: 비밀번호는 10자 이상이어야 합니다"));
    assert!(
        bad.contains(r#"value="박공무""#),
        "what was typed is kept (not the password)"
    );
    assert!(!bad.contains(r#"value="short""#));

    let created = console
        .post(
            "/admin/settings/accounts",
            &[
                ("csrf", &token),
                ("email", "park@jeonbuk.go.kr"),
                ("display_name", "박공무"),
                ("password", "park-pass-2026"),
                ("role", "staff"),
                ("department", "road_management"),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let account_path = location(&created);
    assert!(
        account_path.starts_with("/admin/settings/accounts/")
            && account_path.ends_with("?done=created"),
        "{account_path}"
    );
    let account_path = account_path.trim_end_matches("?done=created").to_owned();
    let account = console
        .page(&format!("{account_path}?done=created"), StatusCode::OK)
        .await;
    assert!(account.contains("계정을 만들었습니다."));
    assert!(account.contains(r#"<dd id="account-role">담당 공무원</dd>"#));
    assert!(account.contains(r#"<dd id="account-department">도로관리과</dd>"#));
    let found = console
        .page(
            "/admin/settings/accounts?email=park%40jeonbuk.go.kr",
            StatusCode::OK,
        )
        .await;
    assert!(found.contains("박공무") && !found.contains("admin@jeonbuk.go.kr"));

    // The new official signs in to the API as staff.
    let park = app.login("park@jeonbuk.go.kr", "park-pass-2026").await;
    let me = api_json(&app, "/api/v1/me", &park.access_token).await;
    assert_eq!(me["role"], "staff");

    // Role change: a manager of the parks department; invalid first.
    let role_path = format!("{account_path}/role");
    expect_refusal(
        &console,
        &role_path,
        &[("csrf", &token), ("role", "manager"), ("department", "")],
        StatusCode::UNPROCESSABLE_ENTITY,
        "부서: 담당 공무원과 부서 관리자는 부서를 지정해야 합니다.",
    )
    .await;
    assert_eq!(
        api_json(&app, "/api/v1/me", &park.access_token).await["role"],
        "staff",
        "nothing changed"
    );
    let changed = console
        .post(
            &role_path,
            &[
                ("csrf", &token),
                ("role", "manager"),
                ("department", "parks"),
            ],
        )
        .await;
    assert_eq!(changed.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&changed), format!("{account_path}?done=role"));
    let account = console.page(&account_path, StatusCode::OK).await;
    assert!(account.contains(r#"<dd id="account-role">부서 관리자</dd>"#));
    assert!(account.contains(r#"<dd id="account-department">공원녹지과</dd>"#));
    assert_eq!(
        app.get("/api/v1/me", Some(&park.access_token))
            .await
            .status(),
        StatusCode::UNAUTHORIZED,
        "the old sign-in ended with the role change"
    );
    let park = app.login("park@jeonbuk.go.kr", "park-pass-2026").await;
    let me = api_json(&app, "/api/v1/me", &park.access_token).await;
    assert_eq!(
        (me["role"].as_str(), me["department"].as_str()),
        (Some("manager"), Some("parks"))
    );

    // Disabling: the account cannot sign in any more; enabling undoes it.
    let status_path = format!("{account_path}/status");
    let disabled = console
        .post(&status_path, &[("csrf", &token), ("action", "disable")])
        .await;
    assert_eq!(disabled.status(), StatusCode::SEE_OTHER);
    let account = console.page(&account_path, StatusCode::OK).await;
    assert!(account.contains("비활성화 ("));
    let refused = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "park@jeonbuk.go.kr", "password": "park-pass-2026"}),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let enabled = console
        .post(&status_path, &[("csrf", &token), ("action", "enable")])
        .await;
    assert_eq!(enabled.status(), StatusCode::SEE_OTHER);
    app.login("park@jeonbuk.go.kr", "park-pass-2026").await;

    // An administrator cannot disable themselves.
    let me = api_json(
        &app,
        "/api/v1/me",
        &app.login("admin@jeonbuk.go.kr", PASSWORD)
            .await
            .access_token,
    )
    .await;
    expect_refusal(
        &console,
        &format!(
            "/admin/settings/accounts/{}/status",
            me["id"].as_str().expect("id")
        ),
        &[("csrf", &token), ("action", "disable")],
        StatusCode::UNPROCESSABLE_ENTITY,
        "본인 계정은 비활성화할 수 없습니다",
    )
    .await;
}

#[tokio::test]
async fn a_form_token_of_an_ended_sign_in_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let (mut console, admin_token) = signed_in_admin(&app).await;
    let page = console
        .page("/admin/settings/departments", StatusCode::OK)
        .await;
    let stale = form_token(&page);
    let out = console.post("/admin/logout", &[("csrf", &stale)]).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    console.sign_in("admin@jeonbuk.go.kr", PASSWORD).await;
    let fresh = form_token(&console.page("/admin/settings", StatusCode::OK).await);
    assert_ne!(stale, fresh, "a new sign-in, a new token");

    for (path, form) in [
        (
            "/admin/settings/departments",
            vec![("code", "jeonju_road"), ("name", "전주시 도로과")],
        ),
        (
            "/admin/settings/categories/road_damage",
            vec![("name", "도로 파손"), ("duplicate_radius_m", "500")],
        ),
        (
            "/admin/settings/secrets",
            vec![("name", "llm.api_key"), ("value", "v")],
        ),
        (
            "/admin/settings/service-accounts",
            vec![("name", "연계"), ("contact_email", "gis@jeonbuk.go.kr")],
        ),
        (
            "/admin/settings/accounts",
            vec![
                ("email", "lee@jeonbuk.go.kr"),
                ("display_name", "이공무"),
                ("password", PASSWORD),
                ("role", "admin"),
            ],
        ),
    ] {
        let mut form = form;
        form.push(("csrf", &stale));
        let refused = console.post(path, &form).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{path}");
        assert!(html(refused)
            .await
            .contains("보안 확인 값이 없거나 맞지 않습니다"));
    }
    let departments = api_json(&app, "/api/v1/departments", &admin_token).await;
    assert!(!departments.to_string().contains("jeonju_road"));
    let categories = api_json(&app, "/api/v1/categories", &admin_token).await;
    assert!(categories["items"]
        .as_array()
        .expect("items")
        .iter()
        .all(|c| c["duplicate_radius_m"] == 250));
    assert_eq!(
        api_json(&app, "/api/v1/admin/secrets", &admin_token).await,
        json!([])
    );
}

#[tokio::test]
async fn departments_are_created_and_edited_with_their_place_and_categories() {
    let app = TestApp::spawn().await;
    let (console, admin_token) = signed_in_admin(&app).await;
    let page = console
        .page("/admin/settings/departments", StatusCode::OK)
        .await;
    assert!(page.contains(r#"<option value="35010">전주시</option>"#));
    assert!(page.contains(r#"<option value="35380">부안군</option>"#));
    assert!(page.contains(r#"name="categories" value="road_damage""#));
    assert!(page.contains("도로관리과"), "the seeded departments");
    let token = form_token(&page);

    expect_refusal(
        &console,
        "/admin/settings/departments",
        &[
            ("csrf", &token),
            ("code", "Jeonju Road"),
            ("name", " "),
            ("jurisdiction", "35010"),
        ],
        StatusCode::UNPROCESSABLE_ENTITY,
        "부서 코드: 코드는 영문 소문자로 시작하는",
    )
    .await;
    let created = console
        .post(
            "/admin/settings/departments",
            &[
                ("csrf", &token),
                ("code", "jeonju_road"),
                ("name", "전주시 도로과"),
                ("jurisdiction", "35010"),
                ("categories", "road_damage"),
                ("categories", "streetlight"),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&created),
        "/admin/settings/departments?done=created"
    );
    let list = console
        .page("/admin/settings/departments?done=created", StatusCode::OK)
        .await;
    assert!(list.contains("부서를 만들었습니다."));
    let row_start = list
        .find(r#"data-department="jeonju_road""#)
        .expect("the new row");
    let row = &list[row_start..row_start + list[row_start..].find("</tr>").expect("row end")];
    assert!(row.contains("전주시 도로과") && row.contains("<td>전주시</td>"));
    assert!(row.contains("도로 파손, 가로등·보안등"), "{row}");

    let department = listed_department(&app, &admin_token, "jeonju_road").await;
    assert_eq!(department["jurisdiction"], "35010");
    assert_eq!(
        department["categories"],
        json!(["road_damage", "streetlight"])
    );

    // A second department claiming the same category in the same place: 409.
    expect_refusal(
        &console,
        "/admin/settings/departments",
        &[
            ("csrf", &token),
            ("code", "jeonju_road2"),
            ("name", "전주시 도로2과"),
            ("jurisdiction", "35010"),
            ("categories", "road_damage"),
        ],
        StatusCode::CONFLICT,
        "같은 관할에서 전주시 도로과 부서가 이미 '도로 파손' 분류를 담당합니다",
    )
    .await;
    expect_refusal(
        &console,
        "/admin/settings/departments",
        &[("csrf", &token), ("code", "jeonju_road"), ("name", "중복")],
        StatusCode::CONFLICT,
        "jeonju_road 부서가 이미 있습니다",
    )
    .await;

    // Editing: the form shows the department; the change replaces it.
    let edit = console
        .page("/admin/settings/departments/jeonju_road", StatusCode::OK)
        .await;
    assert!(edit.contains(r#"<option value="35010" selected>전주시</option>"#));
    assert!(edit.contains(r#"value="road_damage" checked"#));
    expect_refusal(
        &console,
        "/admin/settings/departments/jeonju_road",
        &[
            ("csrf", &token),
            ("name", "전주시 도로과"),
            ("jurisdiction", "99990"),
        ],
        StatusCode::UNPROCESSABLE_ENTITY,
        "관할: 서비스 지역에 없는 시·군 코드입니다",
    )
    .await;
    let updated = console
        .post(
            "/admin/settings/departments/jeonju_road",
            &[
                ("csrf", &token),
                ("name", "전주시 도로시설과"),
                ("jurisdiction", "35020"),
                ("categories", "road_damage"),
            ],
        )
        .await;
    assert_eq!(updated.status(), StatusCode::SEE_OTHER);
    let department = listed_department(&app, &admin_token, "jeonju_road").await;
    assert_eq!(department["name"], "전주시 도로시설과");
    assert_eq!(department["jurisdiction"], "35020");
    assert_eq!(department["categories"], json!(["road_damage"]));
    assert_eq!(
        console
            .get("/admin/settings/departments/nothing_here")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn category_sla_overrides_are_shown_edited_and_refused_when_impossible() {
    let app = TestApp::spawn().await;
    let (console, admin_token) = signed_in_admin(&app).await;
    let list = console
        .page("/admin/settings/categories", StatusCode::OK)
        .await;
    assert!(
        list.contains(r#"<td data-priority="urgent">2시간 / 24시간</td>"#),
        "the product's default"
    );
    assert!(list.contains(r#"<td data-priority="low">3일 / 14일</td>"#));
    let edit = console
        .page("/admin/settings/categories/road_damage", StatusCode::OK)
        .await;
    assert_eq!(input_value(&edit, "category-radius"), "250");
    let token = form_token(&edit);
    let form = |first: &'static str, resolution: &'static str, radius: &'static str| {
        vec![
            ("name", "도로 파손"),
            ("name_en", "Road damage"),
            ("default_priority", "normal"),
            ("department", "road_management"),
            ("duplicate_radius_m", radius),
            ("sla_urgent_first", first),
            ("sla_urgent_resolution", resolution),
        ]
    };

    for (first, resolution, radius, message) in [
        (
            "30",
            "12",
            "250",
            "처리 기한(긴급): 첫 응답 기한이 처리 기한보다 늦습니다",
        ),
        (
            "1",
            "",
            "250",
            "처리 기한(긴급): 첫 응답과 처리 완료 기한을 모두 입력하거나 모두 비워 주세요.",
        ),
        (
            "1",
            "12",
            "5000",
            "중복 검색 반경: 중복 검색 반경은 10–1000m입니다",
        ),
        (
            "1",
            "12",
            "멀리",
            "중복 검색 반경: 숫자(정수)로 입력해 주세요.",
        ),
    ] {
        let mut fields = form(first, resolution, radius);
        fields.push(("csrf", &token));
        let refused = console
            .post("/admin/settings/categories/road_damage", &fields)
            .await;
        assert_eq!(
            refused.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{message}"
        );
        let page = html(refused).await;
        assert!(page.contains(message), "{message}");
        assert!(
            page.contains(&format!(r#"value="{radius}""#)),
            "kept what was typed"
        );
    }
    let road = road_damage(&app, &admin_token).await;
    assert_eq!(
        road["sla"]["urgent"]["overridden"], false,
        "nothing changed"
    );

    let mut fields = form("1", "12", "300");
    fields.push(("csrf", &token));
    let saved = console
        .post("/admin/settings/categories/road_damage", &fields)
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&saved), "/admin/settings/categories?done=updated");
    let list = console
        .page("/admin/settings/categories?done=updated", StatusCode::OK)
        .await;
    assert!(list.contains("분류를 고쳤습니다."));
    assert!(list.contains(
        r#"<td data-priority="urgent">1시간 / 12시간 <span class="overridden">(변경)</span></td>"#
    ));
    let road = road_damage(&app, &admin_token).await;
    assert_eq!(
        road["sla"]["urgent"],
        json!({"first_response_hours": 1, "resolution_hours": 12, "overridden": true})
    );
    assert_eq!(road["duplicate_radius_m"], 300);
    let edit = console
        .page("/admin/settings/categories/road_damage", StatusCode::OK)
        .await;
    assert_eq!(input_value(&edit, "sla_urgent_first"), "1");

    // Emptying the override restores the default.
    let mut fields = form("", "", "300");
    fields.push(("csrf", &token));
    console
        .post("/admin/settings/categories/road_damage", &fields)
        .await;
    assert_eq!(
        road_damage(&app, &admin_token).await["sla"]["urgent"],
        json!({"first_response_hours": 2, "resolution_hours": 24, "overridden": false})
    );
}

#[tokio::test]
async fn a_service_account_key_is_shown_once_works_and_stops_when_revoked() {
    let app = TestApp::spawn().await;
    let (console, _) = signed_in_admin(&app).await;
    let page = console
        .page("/admin/settings/service-accounts", StatusCode::OK)
        .await;
    assert!(page.contains("서비스 계정이 없습니다."));
    let token = form_token(&page);
    expect_refusal(
        &console,
        "/admin/settings/service-accounts",
        &[
            ("csrf", &token),
            ("name", "GIS 연계"),
            ("contact_email", "gis"),
        ],
        StatusCode::UNPROCESSABLE_ENTITY,
        "연락처 이메일: name@example.kr 같은",
    )
    .await;
    assert!(console
        .page("/admin/settings/service-accounts", StatusCode::OK)
        .await
        .contains("서비스 계정이 없습니다."));

    let created = console
        .post(
            "/admin/settings/service-accounts",
            &[
                ("csrf", &token),
                ("name", "GIS 연계"),
                ("contact_email", "gis@jeonbuk.go.kr"),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let account_path = location(&created)
        .trim_end_matches("?done=created")
        .to_owned();
    let list = console
        .page("/admin/settings/service-accounts", StatusCode::OK)
        .await;
    assert!(list.contains("GIS 연계") && list.contains("gis@jeonbuk.go.kr"));

    expect_refusal(
        &console,
        &format!("{account_path}/keys"),
        &[("csrf", &token), ("label", " ")],
        StatusCode::UNPROCESSABLE_ENTITY,
        "키 이름(용도): 키 이름(용도)은 1–100자로 입력해 주세요.",
    )
    .await;

    let issued = console
        .post(
            &format!("{account_path}/keys"),
            &[("csrf", &token), ("label", "운영 서버")],
        )
        .await;
    assert_eq!(issued.status(), StatusCode::CREATED);
    let issued = html(issued).await;
    assert!(issued.contains("이 키는 지금 한 번만 보입니다."));
    let key = input_value(&issued, "issued-key");
    assert!(key.starts_with("smk_"), "{key}");
    let me = api_json(&app, "/api/v1/me", &key).await;
    assert_eq!(me["role"], "service");

    let again = console.page(&account_path, StatusCode::OK).await;
    assert!(!again.contains(&key), "never shown again");
    assert!(again.contains("운영 서버") && again.contains("사용 중"));
    let revoke_at = again.find("/revoke").expect("a revoke form");
    let action_start = again[..revoke_at].rfind("action=\"").expect("action") + "action=\"".len();
    let revoke_path = again[action_start..revoke_at + "/revoke".len()].to_owned();
    let revoked = console.post(&revoke_path, &[("csrf", &token)]).await;
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    let after = console
        .page(&format!("{account_path}?done=revoked"), StatusCode::OK)
        .await;
    assert!(after.contains("API 키를 폐기했습니다.") && after.contains("폐기됨 ("));
    assert_eq!(
        app.get("/api/v1/me", Some(&key)).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn secrets_are_listed_by_name_set_without_echo_and_deleted() {
    let app = TestApp::spawn().await;
    let (console, admin_token) = signed_in_admin(&app).await;
    let page = console
        .page("/admin/settings/secrets", StatusCode::OK)
        .await;
    assert!(page.contains(r#"<input id="secret-value" type="password""#));
    let token = form_token(&page);
    let value = "rf-live-0123456789abcdef";

    let invalid = expect_refusal(
        &console,
        "/admin/settings/secrets",
        &[
            ("csrf", &token),
            ("name", "Roboflow Key!"),
            ("value", value),
        ],
        StatusCode::UNPROCESSABLE_ENTITY,
        "이름: 이름은 1–100자의 영문 소문자",
    )
    .await;
    assert!(!invalid.contains(value), "the value is never echoed back");
    assert_eq!(
        api_json(&app, "/api/v1/admin/secrets", &admin_token).await,
        json!([])
    );

    let set = console
        .post(
            "/admin/settings/secrets",
            &[
                ("csrf", &token),
                ("name", "roboflow.api_key"),
                ("value", value),
            ],
        )
        .await;
    assert_eq!(set.status(), StatusCode::SEE_OTHER);
    let list = console
        .page("/admin/settings/secrets?done=set", StatusCode::OK)
        .await;
    assert!(list.contains("비밀 값을 저장했습니다."));
    assert!(list.contains(r#"data-secret="roboflow.api_key""#));
    assert!(list.contains("admin 담당자"), "who set it");
    assert!(!list.contains(value), "never the value");
    let api = api_json(&app, "/api/v1/admin/secrets", &admin_token).await;
    assert_eq!(api[0]["name"], "roboflow.api_key");

    let deleted = console
        .post(
            "/admin/settings/secrets/roboflow.api_key/delete",
            &[("csrf", &token)],
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        api_json(&app, "/api/v1/admin/secrets", &admin_token).await,
        json!([])
    );
    expect_refusal(
        &console,
        "/admin/settings/secrets/roboflow.api_key/delete",
        &[("csrf", &token)],
        StatusCode::NOT_FOUND,
        "그 이름의 비밀 값이 없습니다.",
    )
    .await;
}

#[tokio::test]
async fn the_audit_log_shows_the_newest_changes_first_and_filters_by_target() {
    let app = TestApp::spawn().await;
    let (console, admin_token) = signed_in_admin(&app).await;
    let staff = app
        .official("staff@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let token = form_token(&console.page("/admin/settings", StatusCode::OK).await);
    console
        .post(
            &format!("/admin/settings/accounts/{}/role", staff.id),
            &[
                ("csrf", &token),
                ("role", "manager"),
                ("department", "road_management"),
            ],
        )
        .await;
    console
        .post(
            "/admin/settings/secrets",
            &[
                ("csrf", &token),
                ("name", "llm.api_key"),
                ("value", "sk-secret-value"),
            ],
        )
        .await;

    let audit = console.page("/admin/settings/audit", StatusCode::OK).await;
    let secret = audit
        .find(r#"data-action="secret.set""#)
        .expect("the secret entry");
    let role = audit
        .find(r#"data-action="user.role_change""#)
        .expect("the role entry");
    assert!(secret < role, "newest first");
    assert!(audit.contains("역할·부서 변경") && audit.contains("admin 담당자 (관리자)"));
    assert!(
        !audit.contains("sk-secret-value"),
        "secret values never reach the log"
    );

    let target = format!("user:{}", staff.id);
    let filtered = console
        .page(
            &format!(
                "/admin/settings/audit?target={}",
                target.replace(':', "%3A")
            ),
            StatusCode::OK,
        )
        .await;
    assert!(filtered.contains(r#"data-action="user.role_change""#));
    assert!(!filtered.contains(r#"data-action="secret.set""#));
    let api: Value = api_json(
        &app,
        &format!("/api/v1/admin/audit?target={target}"),
        &admin_token,
    )
    .await;
    assert_eq!(
        filtered.matches("<tr data-action=").count(),
        api.as_array().expect("entries").len(),
        "the same entries as the API"
    );

    for limit in ["abc", "500"] {
        let bad = console
            .page(
                &format!("/admin/settings/audit?limit={limit}"),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        assert!(bad.contains("표시 개수:"), "{limit}");
    }
}
