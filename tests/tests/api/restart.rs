//! Data survives a restart.

use reqwest::StatusCode;
use serde_json::Value;

use crate::harness::TestApp;

#[tokio::test]
async fn everything_is_still_there_after_a_restart() {
    let app = TestApp::spawn().await;
    let citizen = app.citizen("citizen@example.kr").await;
    let report = app
        .submit(
            &citizen.access_token,
            "가로등",
            "가로등이 꺼졌어요",
            "private",
        )
        .await;
    let path = format!("/api/v1/reports/{}", report["id"].as_str().unwrap());

    let app = app.restart().await;

    // The same tokens still work: the signing secret was kept in the data directory.
    let again = app.get(&path, Some(&citizen.access_token)).await;
    assert_eq!(again.status(), StatusCode::OK);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["number"], report["number"]);
    assert_eq!(again["created_at"], report["created_at"]);
    assert_eq!(again["analysis"], report["analysis"]);
    // The account is still there, and numbering continues.
    let session = app.login("citizen@example.kr", "jeonbuk2026!").await;
    let next = app
        .submit(
            &session.access_token,
            "가로등",
            "보안등도 꺼졌어요",
            "public",
        )
        .await;
    assert_eq!(&next["number"].as_str().unwrap()[8..], "000002");
}
