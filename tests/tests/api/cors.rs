//! Cross-origin access: off unless origins are listed; then preflights are
//! answered for exactly those origins, with credentials, and the officers'
//! console never answers another origin.

use reqwest::{Method, StatusCode};

use crate::harness::TestApp;

const APP: &str = "https://app.jeonbuk.go.kr";

async fn preflight(app: &TestApp, path: &str, origin: &str) -> reqwest::Response {
    reqwest::Client::new()
        .request(Method::OPTIONS, app.url(path))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .send()
        .await
        .expect("preflight")
}

fn allowed(response: &reqwest::Response) -> Option<&str> {
    response
        .headers()
        .get("access-control-allow-origin")
        .and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn a_listed_web_app_may_call_the_api_and_no_other_origin() {
    let app = TestApp::spawn_with(|config| {
        config.cors_origins = vec![APP.to_owned(), "http://127.0.0.1:5173".to_owned()];
    })
    .await;

    let answer = preflight(&app, "/api/v1/reports", APP).await;
    assert!(answer.status().is_success(), "{}", answer.status());
    assert_eq!(allowed(&answer), Some(APP));
    let headers = answer.headers();
    assert_eq!(headers["access-control-allow-credentials"], "true");
    let allow_headers = headers["access-control-allow-headers"]
        .to_str()
        .unwrap_or_default()
        .to_lowercase();
    assert!(allow_headers.contains("authorization"), "{allow_headers}");
    assert!(headers["access-control-allow-methods"]
        .to_str()
        .unwrap_or_default()
        .contains("POST"));

    let get = reqwest::Client::new()
        .get(app.url("/api/v1/categories"))
        .header("origin", APP)
        .send()
        .await
        .expect("GET");
    assert_eq!(get.status(), StatusCode::OK);
    assert_eq!(allowed(&get), Some(APP));
    assert!(get.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap_or_default()
        .contains("x-request-id"));

    let other = preflight(&app, "/api/v1/reports", "https://evil.example").await;
    assert_eq!(allowed(&other), None, "an origin not listed gets no grant");
    let console = preflight(&app, "/admin/login", APP).await;
    assert_eq!(allowed(&console), None, "the console is same-origin only");
}

#[tokio::test]
async fn without_listed_origins_nothing_is_granted() {
    let app = TestApp::spawn().await;
    let answer = preflight(&app, "/api/v1/reports", APP).await;
    assert_eq!(allowed(&answer), None);
    let get = reqwest::Client::new()
        .get(app.url("/api/v1/categories"))
        .header("origin", APP)
        .send()
        .await
        .expect("GET");
    assert_eq!(get.status(), StatusCode::OK, "same answer, no grant");
    assert_eq!(allowed(&get), None);
}
