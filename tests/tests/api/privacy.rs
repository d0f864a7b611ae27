//! Private reports, masking and the reporter's anonymity.

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::TestApp;

#[tokio::test]
async fn another_citizen_cannot_see_a_private_report() {
    let app = TestApp::spawn().await;
    let (owner, staff) = app.reporter_and_staff("owner@example.kr").await;
    let other = app.citizen("other@example.kr").await;
    let report = app
        .submit(
            &owner.access_token,
            "포트홀",
            "우리 집 앞 포트홀",
            "private",
        )
        .await;
    let path = format!("/api/v1/reports/{}", report["id"].as_str().unwrap());

    assert_eq!(
        app.get(&path, Some(&other.access_token)).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get(&path, None).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&path, Some(&owner.access_token)).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get(&path, Some(&staff.access_token)).await.status(),
        StatusCode::OK
    );

    let listed = app
        .get_json("/api/v1/reports", Some(&other.access_token))
        .await;
    assert!(listed["items"].as_array().unwrap().is_empty());
    let mine = app
        .get_json("/api/v1/reports?mine=true", Some(&owner.access_token))
        .await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    let timeline = app
        .get(&format!("{path}/timeline"), Some(&other.access_token))
        .await;
    assert_eq!(timeline.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn public_views_mask_phone_numbers_and_never_show_the_reporter() {
    let app = TestApp::spawn().await;
    let (owner, staff) = app.reporter_and_staff("owner@example.kr").await;
    let other = app.citizen("other@example.kr").await;
    let report = app
        .submit(
            &owner.access_token,
            "포트홀",
            "포트홀이 깊어요. 010-1234-5678로 연락주세요",
            "public",
        )
        .await;
    let path = format!("/api/v1/reports/{}", report["id"].as_str().unwrap());

    for token in [None, Some(other.access_token.as_str())] {
        let public = app.get_json(&path, token).await;
        let description = public["description"].as_str().unwrap();
        assert!(!description.contains("1234-5678"), "{description}");
        assert!(description.contains("[전화번호 비공개]"), "{description}");
        assert!(
            public.get("reporter").is_none(),
            "the reporter is hidden: {public}"
        );
        let listed = app.get_json("/api/v1/reports", token).await;
        let text = listed.to_string();
        assert!(
            !text.contains("1234-5678") && !text.contains(&owner.id),
            "{text}"
        );
        let timeline = app.get_json(&format!("{path}/timeline"), token).await;
        assert!(!timeline.to_string().contains(&owner.id), "{timeline}");
    }
    for token in [&owner.access_token, &staff.access_token] {
        let full = app.get_json(&path, Some(token)).await;
        assert!(full["description"]
            .as_str()
            .unwrap()
            .contains("010-1234-5678"));
        assert_eq!(full["reporter"]["id"], owner.id.as_str());
    }
}

#[tokio::test]
async fn internal_comments_never_reach_citizens() {
    let app = TestApp::spawn().await;
    let (owner, staff) = app.reporter_and_staff("owner@example.kr").await;
    let report = app
        .submit(&owner.access_token, "포트홀", "포트홀이 있어요", "public")
        .await;
    let path = format!("/api/v1/reports/{}", report["id"].as_str().unwrap());

    let internal = app
        .post(
            &format!("{path}/comments"),
            Some(&staff.access_token),
            json!({"body": "예산 확인 필요", "internal": true}),
        )
        .await;
    assert_eq!(internal.status(), StatusCode::CREATED);
    let public = app
        .post(
            &format!("{path}/comments"),
            Some(&staff.access_token),
            json!({"body": "현장 확인 예정입니다"}),
        )
        .await;
    assert_eq!(public.status(), StatusCode::CREATED);
    let citizen_internal = app
        .post(
            &format!("{path}/comments"),
            Some(&owner.access_token),
            json!({"body": "몰래", "internal": true}),
        )
        .await;
    assert_eq!(citizen_internal.status(), StatusCode::FORBIDDEN);

    let seen_by_owner = app
        .get(&format!("{path}/timeline"), Some(&owner.access_token))
        .await
        .text()
        .await
        .unwrap();
    assert!(seen_by_owner.contains("현장 확인 예정입니다"));
    assert!(!seen_by_owner.contains("예산 확인 필요"));
    let seen_by_staff = app
        .get(&format!("{path}/timeline"), Some(&staff.access_token))
        .await
        .text()
        .await
        .unwrap();
    assert!(seen_by_staff.contains("예산 확인 필요"));
}
