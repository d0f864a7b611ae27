//! The console's map (지도) and statistics (통계) pages over plain HTTP:
//! what an officer sees, the filters, the CSV, and who is refused.

use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE, LOCATION};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::console::Console;
use crate::harness::{created, TestApp, JEONJU};

/// Gunsan City Hall: another city, the streetlight team's reports.
const GUNSAN: (f64, f64) = (35.9676, 126.7366);

/// The tile server the fixture's server is configured with.
const TILES: &str = "https://{s}.tiles.example.kr/base/{z}/{x}/{y}.png";
const ATTRIBUTION: &str = "© 예시 지도 <제공>";

/// A server without submission limits holding five known reports: four
/// potholes in 전주시 (the road department's) — one resolved, one in
/// progress, two received — and a dark streetlight in 군산시 (the
/// streetlight team's). Road staff, a road manager, streetlight staff and
/// an administrator exist; the map's tiles come from [`TILES`].
struct Fixture {
    app: TestApp,
    /// The potholes: resolved, in progress, received, received.
    potholes: Vec<String>,
    streetlight: String,
}

async fn submit_at(app: &TestApp, token: &str, title: &str, text: &str, at: (f64, f64)) -> String {
    let response = app
        .post(
            "/api/v1/reports",
            Some(token),
            json!({
                "title": title,
                "description": text,
                "location": {"lat": at.0, "lng": at.1},
                "visibility": "public",
            }),
        )
        .await;
    let report = created(response).await;
    report["id"].as_str().expect("report id").to_owned()
}

async fn transition(app: &TestApp, token: &str, id: &str, body: Value) {
    let response = app
        .post(
            &format!("/api/v1/reports/{id}/transitions"),
            Some(token),
            body,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK, "{id}");
}

async fn fixture() -> Fixture {
    let app = TestApp::spawn_with(|config| {
        for limit in [
            &mut config.access.rate_submit_per_ip,
            &mut config.access.rate_submit_per_account,
        ] {
            *limit = "10000/1h".parse().expect("a limit");
        }
        config.map_tiles_url = TILES.to_owned();
        config.map_tiles_attribution = ATTRIBUTION.to_owned();
    })
    .await;
    let citizen = app.citizen("citizen@example.kr").await;
    let staff = app
        .official("staff@jeonbuk.go.kr", "staff", "road_management")
        .await;
    app.official("manager@jeonbuk.go.kr", "manager", "road_management")
        .await;
    app.official("light@jeonbuk.go.kr", "staff", "streetlight_management")
        .await;
    app.admin().await;
    let mut potholes = Vec::new();
    for n in 1..=4 {
        potholes.push(
            submit_at(
                &app,
                &citizen.access_token,
                &format!("도로 파손 {n}"),
                "집 앞 도로에 큰 포트홀이 생겼어요",
                JEONJU,
            )
            .await,
        );
    }
    let streetlight = submit_at(
        &app,
        &citizen.access_token,
        "가로등 고장",
        "골목 가로등이 며칠째 꺼져 있어요",
        GUNSAN,
    )
    .await;
    let token = &staff.access_token;
    transition(&app, token, &potholes[0], json!({"to": "in_progress"})).await;
    transition(
        &app,
        token,
        &potholes[0],
        json!({"to": "resolved", "note": "아스팔트로 메웠습니다"}),
    )
    .await;
    transition(&app, token, &potholes[1], json!({"to": "in_progress"})).await;
    Fixture {
        app,
        potholes,
        streetlight,
    }
}

/// A console signed in as `email` (an official made by the fixture).
async fn signed_in<'a>(app: &'a TestApp, email: &str) -> Console<'a> {
    let mut console = Console::new(app);
    let response = console.sign_in(email, "officer-pass-2026").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{email} signs in");
    console
}

/// The row of the table `table` headed `name`, as its cells' text (`<th>`
/// first); empty when the page has no such table or row.
fn row(html: &str, table: &str, name: &str) -> Vec<String> {
    let Some(rest) = html
        .find(&format!(r#"<table class="stats" id="{table}">"#))
        .map(|start| &html[start..])
    else {
        return Vec::new();
    };
    let table_html = &rest[..rest.find("</table>").unwrap_or(rest.len())];
    let Some(cells) = table_html
        .find(&format!(r#"<th scope="row">{name}</th>"#))
        .map(|at| &table_html[at..])
    else {
        return Vec::new();
    };
    cells[..cells.find("</tr>").unwrap_or(cells.len())]
        .split("</t")
        .filter_map(|part| part.rsplit_once('>').map(|(_, text)| text.to_owned()))
        .filter(|text| !text.is_empty())
        .collect()
}

#[tokio::test]
async fn statistics_show_exact_figures_of_known_reports() {
    let fixture = fixture().await;
    let console = signed_in(&fixture.app, "manager@jeonbuk.go.kr").await;
    let page = console.page("/admin/stats", StatusCode::OK).await;
    assert!(
        page.contains(r#"<a href="/admin/stats">통계</a>"#),
        "nav entry"
    );
    assert!(
        !page.contains(" style="),
        "no style attributes under the CSP"
    );
    assert!(page.contains(r#"신고 <strong id="stats-total">5</strong>건"#));

    assert_eq!(row(&page, "stats-by-status", "접수"), ["접수", "3"]);
    assert_eq!(row(&page, "stats-by-status", "처리중"), ["처리중", "1"]);
    assert_eq!(row(&page, "stats-by-status", "처리완료"), ["처리완료", "1"]);
    assert_eq!(row(&page, "stats-by-status", "반려"), ["반려", "0"]);
    assert_eq!(
        row(&page, "stats-by-category", "도로 파손"),
        ["도로 파손", "4"]
    );
    assert_eq!(
        row(&page, "stats-by-category", "가로등·보안등"),
        ["가로등·보안등", "1"]
    );
    assert_eq!(
        row(&page, "stats-by-department", "도로관리과"),
        ["도로관리과", "4"]
    );
    assert_eq!(
        row(&page, "stats-by-department", "가로등관리팀"),
        ["가로등관리팀", "1"]
    );
    assert_eq!(
        row(&page, "stats-by-jurisdiction", "전주시"),
        ["전주시", "4"]
    );
    assert_eq!(
        row(&page, "stats-by-jurisdiction", "군산시"),
        ["군산시", "1"]
    );
    // Two reports had a first response, one a resolution; the times are
    // seconds here, written in Korean units.
    let response = row(&page, "stats-durations", "최초 응답까지");
    assert_eq!(response[1], "2", "{response:?}");
    assert!(response[2].ends_with('초'), "{response:?}");
    let resolution = row(&page, "stats-durations", "처리 완료까지");
    assert_eq!(resolution[1], "1", "{resolution:?}");
    assert_eq!(
        row(&page, "stats-compliance", "전체"),
        ["전체", "1", "1", "100.0%"]
    );
    assert_eq!(
        row(&page, "stats-compliance", "도로관리과"),
        ["도로관리과", "1", "1", "100.0%"]
    );
    assert_eq!(row(&page, "stats-by-age", "1일 미만"), ["1일 미만", "4"]);
    assert_eq!(row(&page, "stats-by-age", "30일 이상"), ["30일 이상", "0"]);
    // The charts: images titled for screen readers, one bar per row of their table.
    assert!(page.contains(
        r#"<svg class="chart" id="chart-per-day" role="img" aria-labelledby="chart-per-day-title""#
    ));
    assert!(page.contains(r#"<title id="chart-by-category-title">"#));
    assert!(page.contains("<title>도로 파손: 4건</title>"));
    let days = page.matches("chart-bar").count() - 2;
    assert!(days >= 1, "a bar per day with reports");
    assert!(page.contains(r#"href="/admin/stats.csv""#));

    // Filters narrow every figure, and the CSV link keeps them.
    let gunsan = console
        .page("/admin/stats?jurisdiction=35020", StatusCode::OK)
        .await;
    assert!(gunsan.contains(r#"<strong id="stats-total">1</strong>"#));
    assert!(gunsan.contains(r#"<option value="35020" selected>군산시</option>"#));
    assert!(gunsan.contains(r#"href="/admin/stats.csv?jurisdiction=35020""#));
    let roads = console
        .page(
            "/admin/stats?category=road_damage&department=road_management",
            StatusCode::OK,
        )
        .await;
    assert!(roads.contains(r#"<strong id="stats-total">4</strong>"#));
    let past = console
        .page(
            "/admin/stats?since=2020-01-01&until=2020-12-31",
            StatusCode::OK,
        )
        .await;
    assert!(past.contains(r#"<strong id="stats-total">0</strong>"#));
    assert!(past.contains("이 기간에 접수된 신고가 없습니다."));

    // Bad filters: a Korean message, 422, the form kept.
    let bad = console
        .page(
            "/admin/stats?since=%EC%96%B4%EC%A0%9C",
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(bad.contains("날짜 형식이 올바르지 않습니다"), "{bad}");
    assert!(bad.contains(r#"role="alert""#));
    assert!(bad.contains(r#"name="since" value="어제""#));
    let backwards = console
        .page(
            "/admin/stats?since=2026-12-01&until=2026-11-01",
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(backwards.contains("종료 시점은 시작 시점보다 뒤여야 합니다"));
}

#[tokio::test]
async fn the_csv_download_is_the_apis_with_the_same_filters() {
    let fixture = fixture().await;
    let console = signed_in(&fixture.app, "manager@jeonbuk.go.kr").await;
    let response = console.get("/admin/stats.csv?jurisdiction=35010").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CONTENT_TYPE], "text/csv; charset=utf-8");
    assert_eq!(
        response.headers()[CONTENT_DISPOSITION],
        "attachment; filename=\"sinmungo-stats.csv\""
    );
    let bytes = response.bytes().await.expect("CSV");
    assert!(
        bytes.starts_with("\u{feff}section,key,measure,value\r\n".as_bytes()),
        "a BOM so that spreadsheets read the UTF-8 (Korean) right, then the header"
    );
    let text = std::str::from_utf8(&bytes).expect("UTF-8");
    assert!(text.contains("\r\ntotal,,count,4\r\n"), "{text}");
    assert!(text.contains("\r\nby_category,road_damage,count,4\r\n"));
    assert!(!text.contains("by_category,streetlight"), "군산시 left out");

    // The same bytes as the API's CSV for the same filters.
    let manager = fixture
        .app
        .login("manager@jeonbuk.go.kr", "officer-pass-2026")
        .await;
    let api = fixture
        .app
        .get(
            "/api/v1/stats?jurisdiction=35010&format=csv",
            Some(&manager.access_token),
        )
        .await
        .bytes()
        .await
        .expect("API CSV");
    assert_eq!(bytes, api);

    let bad = console.get("/admin/stats.csv?jurisdiction=99990").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad
        .text()
        .await
        .expect("HTML")
        .contains("서비스 지역의 시·군이 아닙니다"));
}

#[tokio::test]
async fn only_officials_reach_the_map_and_statistics() {
    let fixture = fixture().await;
    let app = &fixture.app;
    // Nobody signed in: sent to sign in.
    let anonymous = Console::new(app);
    for path in [
        "/admin/stats",
        "/admin/stats.csv",
        "/admin/map",
        "/admin/map/reports.json",
    ] {
        let response = anonymous.get(path).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(response.headers()[LOCATION], "/admin/login", "{path}");
    }
    // A citizen cannot sign in to the console at all.
    let mut citizen = Console::new(app);
    let refused = citizen.sign_in("citizen@example.kr", "jeonbuk2026!").await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(citizen.cookie.is_none());
    assert_eq!(
        citizen.get("/admin/stats").await.status(),
        StatusCode::SEE_OTHER
    );
    // The permission table lets every official read statistics (in full),
    // as the API does: plain staff see the page and the nav entry.
    let staff = signed_in(app, "staff@jeonbuk.go.kr").await;
    let page = staff.page("/admin/stats", StatusCode::OK).await;
    assert!(page.contains(r#"<a href="/admin/stats">통계</a>"#));
    assert!(page.contains(r#"<strong id="stats-total">5</strong>"#));
}

/// The reports of the map's JSON for `query`, as `(id, lat, lng, url)`.
async fn pins(console: &Console<'_>, query: &str) -> Vec<(String, f64, f64, String)> {
    let response = console
        .get(&format!("/admin/map/reports.json{query}"))
        .await;
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["truncated"], false);
    let mut pins: Vec<_> = body["reports"]
        .as_array()
        .expect("reports")
        .iter()
        .map(|r| {
            (
                r["id"].as_str().expect("id").to_owned(),
                r["lat"].as_f64().expect("lat"),
                r["lng"].as_f64().expect("lng"),
                r["url"].as_str().expect("url").to_owned(),
            )
        })
        .collect();
    pins.sort_by(|a, b| a.0.cmp(&b.0));
    pins
}

fn ids(pins: &[(String, f64, f64, String)]) -> Vec<&str> {
    pins.iter().map(|p| p.0.as_str()).collect()
}

fn sorted(ids: &[&String]) -> Vec<String> {
    let mut ids: Vec<String> = ids.iter().map(|id| (*id).clone()).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn the_map_page_takes_its_tiles_from_the_config_and_lists_the_queue() {
    let fixture = fixture().await;
    let console = signed_in(&fixture.app, "staff@jeonbuk.go.kr").await;
    let response = console.get("/admin/map").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-security-policy"],
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https://*.tiles.example.kr; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        "images from the configured tile server, nothing else widened"
    );
    let page = response.text().await.expect("HTML");
    assert!(page.contains(r#"data-tiles="https://{s}.tiles.example.kr/base/{z}/{x}/{y}.png""#));
    assert!(
        page.contains(r#"data-attribution="© 예시 지도 &lt;제공&gt;""#),
        "the attribution, escaped"
    );
    assert!(page.contains(r#"data-lat="35.72" data-lng="127.15" data-zoom="9""#));
    assert!(page.contains(r#"data-reports="/admin/map/reports.json""#));
    assert!(page.contains(r#"<script src="/admin/assets/leaflet.js" defer></script>"#));
    assert!(page.contains(r#"<script src="/admin/assets/map.js" defer></script>"#));
    assert!(
        page.contains(r#"<a href="/admin/map">지도</a>"#),
        "nav entry"
    );
    assert!(!page.contains("<script>") && !page.contains(" style="));
    // The table beneath lists the department's open reports, as the queue.
    for open in &fixture.potholes[1..] {
        assert!(page.contains(&format!(r#"data-report="{open}""#)), "{open}");
    }
    assert!(
        !page.contains(&format!(r#"data-report="{}""#, fixture.potholes[0])),
        "resolved"
    );
    assert!(
        !page.contains(&format!(r#"data-report="{}""#, fixture.streetlight)),
        "another department's"
    );
    assert!(page.contains("지도에 표시되는 신고 3건"));
    // Other pages keep the strict policy.
    let queue = console.get("/admin").await;
    assert!(!queue.headers()["content-security-policy"]
        .to_str()
        .expect("ASCII")
        .contains("example.kr"));
    // Filters: the form keeps them and the script's endpoint carries them.
    let filtered = console
        .page("/admin/map?status=in_progress&overdue=on", StatusCode::OK)
        .await;
    assert!(filtered
        .contains(r#"data-reports="/admin/map/reports.json?status=in_progress&amp;overdue=on""#));
    assert!(filtered.contains(r#"<option value="in_progress" selected>처리중</option>"#));
    assert!(
        filtered.contains("조건에 맞는 신고가 없습니다."),
        "none is overdue"
    );
    let bad = console
        .page("/admin/map?status=lost", StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(
        bad.contains(r#"role="alert""#) && bad.contains("알 수 없는 상태입니다."),
        "{bad}"
    );
    // The vendored Leaflet is served with its licence.
    let leaflet = console.get("/admin/assets/leaflet.js").await;
    assert_eq!(leaflet.status(), StatusCode::OK);
    assert!(leaflet.text().await.expect("JS").contains("1.9.4"));
    for asset in ["leaflet.css", "leaflet-LICENSE.txt", "map.js"] {
        let response = console.get(&format!("/admin/assets/{asset}")).await;
        assert_eq!(response.status(), StatusCode::OK, "{asset}");
    }
}

#[tokio::test]
async fn the_maps_reports_are_the_departments_within_the_box() {
    let fixture = fixture().await;
    let jeonbuk = "?bbox=125.9,35.2,128.0,36.2";
    let staff = signed_in(&fixture.app, "staff@jeonbuk.go.kr").await;
    let road = pins(&staff, jeonbuk).await;
    assert_eq!(
        ids(&road),
        sorted(&fixture.potholes[1..].iter().collect::<Vec<_>>())
    );
    for (id, lat, lng, url) in &road {
        assert!((lat - JEONJU.0).abs() < 1e-9 && (lng - JEONJU.1).abs() < 1e-9);
        assert_eq!(url, &format!("/admin/reports/{id}"));
    }
    // A box around Gunsan holds none of the road department's.
    assert!(pins(&staff, "?bbox=126.6,35.9,126.9,36.0").await.is_empty());
    // Filters apply as in the queue.
    let started = pins(&staff, &format!("{jeonbuk}&status=in_progress")).await;
    assert_eq!(ids(&started), [fixture.potholes[1].as_str()]);
    assert!(pins(&staff, &format!("{jeonbuk}&category=streetlight"))
        .await
        .is_empty());
    assert!(pins(&staff, &format!("{jeonbuk}&overdue=on"))
        .await
        .is_empty());
    let bad = staff.get("/admin/map/reports.json?bbox=1,2,3").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = bad.json().await.expect("JSON");
    assert_eq!(
        body["errors"],
        json!(["지도 범위(bbox)가 올바르지 않습니다."])
    );

    // The streetlight team sees its own report, in Gunsan.
    let light = signed_in(&fixture.app, "light@jeonbuk.go.kr").await;
    let theirs = pins(&light, jeonbuk).await;
    assert_eq!(ids(&theirs), [fixture.streetlight.as_str()]);
    assert!((theirs[0].1 - GUNSAN.0).abs() < 1e-9);
    assert!(pins(&light, "?bbox=126.6,35.9,126.9,36.0").await.len() == 1);

    // An administrator's map holds every report, closed ones included.
    let admin = signed_in(&fixture.app, "admin@jeonbuk.go.kr").await;
    let all = pins(&admin, jeonbuk).await;
    let mut every: Vec<&String> = fixture.potholes.iter().collect();
    every.push(&fixture.streetlight);
    assert_eq!(ids(&all), sorted(&every));
}
