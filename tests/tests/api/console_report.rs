//! The report page's heavier actions over plain HTTP: resolving with photos
//! of the work (multipart, the API's photo checks), and possible duplicates
//! nearby with "mark as a duplicate of …".

use reqwest::StatusCode;
use serde_json::{json, Value};
use sinmungo_storage::samples::jpeg;

use crate::console::{form_token, Console};
use crate::harness::{created, Form, TestApp, JEONJU};

/// A citizen's road report at `(lat, lng)`.
async fn report_at(app: &TestApp, title: &str, lat: f64, lng: f64) -> Value {
    let citizen = app
        .citizen(&format!("{}@example.kr", uuid::Uuid::new_v4()))
        .await;
    created(
        app.post(
            "/api/v1/reports",
            Some(&citizen.access_token),
            json!({
                "title": title,
                "description": "도로에 큰 포트홀이 생겼어요",
                "location": {"lat": lat, "lng": lng},
                "visibility": "public",
            }),
        )
        .await,
    )
    .await
}

/// The version the page shows in its forms.
fn version(html: &str) -> String {
    let start = html
        .find(r#"name="expected_version" value=""#)
        .expect("a versioned form")
        + r#"name="expected_version" value=""#.len();
    html[start..].split('"').next().expect("value").to_owned()
}

async fn report_over_api(app: &TestApp, token: &str, id: &str) -> Value {
    app.get(&format!("/api/v1/reports/{id}"), Some(token))
        .await
        .json()
        .await
        .expect("report JSON")
}

async fn signed_in(app: &TestApp) -> (Console<'_>, String) {
    let staff = app
        .official("staff@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let mut console = Console::new(app);
    let answer = console
        .sign_in("staff@jeonbuk.go.kr", "officer-pass-2026")
        .await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    (console, staff.access_token)
}

#[tokio::test]
async fn an_officer_resolves_with_a_note_and_a_photo_of_the_work() {
    let app = TestApp::spawn().await;
    let (console, token) = signed_in(&app).await;
    let report = report_at(&app, "효자동 포트홀", JEONJU.0, JEONJU.1).await;
    let id = report["id"].as_str().expect("id");
    let path = format!("/admin/reports/{id}");
    let page = console.page(&path, StatusCode::OK).await;
    assert!(
        page.contains("<dt>근거 단어</dt><dd>포트홀</dd>"),
        "the analysis says which words made the rule decide"
    );
    let started = console
        .post(
            &format!("{path}/status"),
            &[
                ("csrf", form_token(&page).as_str()),
                ("to", "in_progress"),
                ("expected_version", &version(&page)),
            ],
        )
        .await;
    assert_eq!(started.status(), StatusCode::SEE_OTHER);

    let page = console.page(&path, StatusCode::OK).await;
    assert!(page.contains(r#"enctype="multipart/form-data""#));
    assert!(page.contains(r#"<label for="resolve-photos">"#));
    let done = console
        .post_form_data(
            &format!("{path}/resolve"),
            Form::new()
                .text("csrf", &form_token(&page))
                .text("expected_version", &version(&page))
                .text("note", "아스팔트로 메웠습니다")
                .photo("after.jpg", &jpeg(800, 600, 7)),
        )
        .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let page = console
        .page(&format!("{path}?done=resolved-with-photos"), StatusCode::OK)
        .await;
    assert!(page.contains("처리 완료로 바꾸고 처리 사진을 올렸습니다."));
    assert!(page.contains("처리 사진 1"), "the photo is on the page");
    assert!(
        page.contains("아스팔트로 메웠습니다"),
        "the note in the timeline"
    );

    let over_api = report_over_api(&app, &token, id).await;
    assert_eq!(over_api["status"], "resolved");
    let photos = over_api["photos"].as_array().expect("photos");
    assert_eq!(photos.len(), 1);
    assert_eq!(photos[0]["kind"], "resolution");
}

#[tokio::test]
async fn a_bad_photo_or_a_stale_page_changes_nothing() {
    let app = TestApp::spawn().await;
    let (console, token) = signed_in(&app).await;
    let report = report_at(&app, "효자동 포트홀", JEONJU.0, JEONJU.1).await;
    let id = report["id"].as_str().expect("id");
    let path = format!("/admin/reports/{id}");
    let page = console.page(&path, StatusCode::OK).await;

    let refused = console
        .post_form_data(
            &format!("{path}/resolve"),
            Form::new()
                .text("csrf", &form_token(&page))
                .text("expected_version", &version(&page))
                .text("note", "완료")
                .photo("notes.jpg", b"this is a text file, not a photo"),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.expect("HTML");
    assert!(
        html.contains("사진은 JPEG, PNG, WebP 파일만 올릴 수 있습니다"),
        "{html}"
    );
    let over_api = report_over_api(&app, &token, id).await;
    assert_eq!(over_api["status"], "received", "not resolved");
    assert_eq!(over_api["photos"].as_array().map(Vec::len), Some(0));

    // Someone starts it meanwhile: the page's version is stale.
    let started = app
        .post(
            &format!("/api/v1/reports/{id}/transitions"),
            Some(&token),
            json!({"to": "in_progress"}),
        )
        .await;
    assert!(started.status().is_success());
    let stale = console
        .post_form_data(
            &format!("{path}/resolve"),
            Form::new()
                .text("csrf", &form_token(&page))
                .text("expected_version", &version(&page))
                .text("note", "완료")
                .photo("after.jpg", &jpeg(640, 480, 3)),
        )
        .await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let html = stale.text().await.expect("HTML");
    assert!(html.contains("다른 사람이 먼저 이 신고를 변경했습니다"));
    let over_api = report_over_api(&app, &token, id).await;
    assert_eq!(over_api["status"], "in_progress");
    assert_eq!(
        over_api["photos"].as_array().map(Vec::len),
        Some(0),
        "no photo added to a report the officer did not resolve"
    );

    let forged = console
        .post_form_data(
            &format!("{path}/resolve"),
            Form::new()
                .text("csrf", "forged")
                .text("expected_version", &version(&page))
                .text("note", "완료"),
        )
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_report_30_m_from_another_is_offered_as_its_duplicate_and_merged() {
    let app = TestApp::spawn().await;
    let (console, token) = signed_in(&app).await;
    let original = report_at(&app, "효자동 도로 포트홀", JEONJU.0, JEONJU.1).await;
    // About 30 m north.
    let again = report_at(
        &app,
        "효자동 포트홀 또 있어요",
        JEONJU.0 + 0.00027,
        JEONJU.1,
    )
    .await;
    // About 330 m north: too far to be the same.
    let far = report_at(&app, "먼 곳 포트홀", JEONJU.0 + 0.003, JEONJU.1).await;
    let original_id = original["id"].as_str().expect("id");
    let again_id = again["id"].as_str().expect("id");
    let path = format!("/admin/reports/{again_id}");

    let page = console.page(&path, StatusCode::OK).await;
    assert!(page.contains("근처의 비슷한 신고"));
    let number = original["number"].as_str().expect("number");
    assert!(
        page.contains(&format!("{number}의 중복으로 표시")),
        "{page}"
    );
    assert!(
        !page.contains(far["number"].as_str().expect("number")),
        "330 m away is not offered"
    );

    let merged = console
        .post(
            &format!("{path}/status"),
            &[
                ("csrf", form_token(&page).as_str()),
                ("to", "duplicate"),
                ("duplicate_of", original_id),
                ("expected_version", &version(&page)),
            ],
        )
        .await;
    assert_eq!(merged.status(), StatusCode::SEE_OTHER);
    let over_api = report_over_api(&app, &token, again_id).await;
    assert_eq!(over_api["status"], "duplicate");
    assert_eq!(over_api["duplicate_of"], original_id);
    let original_page = console
        .page(&format!("/admin/reports/{original_id}"), StatusCode::OK)
        .await;
    assert!(
        original_page.contains("중복 신고 병합"),
        "the original's timeline says so"
    );

    let bad = console
        .post(
            &format!("/admin/reports/{original_id}/status"),
            &[
                ("csrf", form_token(&original_page).as_str()),
                ("to", "duplicate"),
                ("duplicate_of", "not-an-id"),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad
        .text()
        .await
        .expect("HTML")
        .contains("원래 신고를 다시 선택해 주세요"));
}
