//! Signing in through Google, Kakao and Naver against the server as it is
//! deployed: the `SINMUNGO_OAUTH_*` settings of `ServerConfig`, a SQLite
//! store, and one fake provider per provider on wiremock answering in the
//! documented shapes (the protocol edge cases are covered per adapter: the
//! browser's flow — state mismatch, denied consent, unverified e-mails — in
//! `adapters/http/tests/oauth.rs`, the providers' side — PKCE, bad ID
//! tokens, failing providers — in `adapters/identity/tests/providers.rs`;
//! this checks the wiring end to end).
//!
//! Google's ID token is an HS256 JWT under a made-up key: the server checks
//! its claims, not its signature, as OpenID Connect allows for a token taken
//! straight from the token endpoint over TLS.

use std::collections::HashMap;

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{StatusCode, Url};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::harness::{expect_problem, TestApp};

/// What `/start` answered: the provider's authorize URL and our cookie.
struct Started {
    query: HashMap<String, String>,
    cookie: String,
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

async fn start(app: &TestApp, provider: &str) -> Started {
    let response = no_redirects()
        .get(app.url(&format!("/api/v1/auth/oauth/{provider}/start")))
        .send()
        .await
        .expect("start");
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = Url::parse(
        response.headers()[LOCATION]
            .to_str()
            .expect("Location header"),
    )
    .expect("a URL");
    let cookie = response.headers()[SET_COOKIE]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("name=value")
        .to_owned();
    Started {
        query: location.query_pairs().into_owned().collect(),
        cookie,
    }
}

async fn finish(app: &TestApp, provider: &str, started: &Started) -> reqwest::Response {
    no_redirects()
        .get(app.url(&format!(
            "/api/v1/auth/oauth/{provider}/callback?code=code-{provider}&state={}",
            started.query["state"]
        )))
        .header(COOKIE, &started.cookie)
        .send()
        .await
        .expect("callback")
}

async fn me(app: &TestApp, session: &Value) -> Value {
    app.get("/api/v1/me", session["access_token"].as_str())
        .await
        .json()
        .await
        .expect("me")
}

#[tokio::test]
async fn google_sign_in_through_the_configured_server_makes_a_citizen() {
    let google = MockServer::start().await;
    let uri = google.uri();
    let app = TestApp::spawn_with(move |config| {
        config.oauth.oauth_redirect_base = Some("http://127.0.0.1:8080".to_owned());
        config.oauth.oauth_google_client_id =
            Some("sinmungo.apps.googleusercontent.com".to_owned());
        config.oauth.oauth_google_client_secret =
            Some("google-secret-value".parse().expect("secret"));
        config.oauth.oauth_google_authorize_url = Some(format!("{uri}/auth"));
        config.oauth.oauth_google_token_url = Some(format!("{uri}/token"));
    })
    .await;
    let started = start(&app, "google").await;
    assert_eq!(started.query["code_challenge_method"], "S256");
    let now = chrono::Utc::now().timestamp();
    let claims = json!({
        "iss": "https://accounts.google.com", "aud": "sinmungo.apps.googleusercontent.com",
        "azp": "sinmungo.apps.googleusercontent.com", "sub": "109876543210",
        "email": "minji@gmail.com", "email_verified": true, "name": "김민지",
        "nonce": started.query["nonce"], "iat": now, "exp": now + 3600
    });
    let id_token = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(b"not google's key"),
    )
    .expect("id token");
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "ya29.access", "expires_in": 3599, "id_token": id_token,
            "scope": "openid email profile", "token_type": "Bearer"
        })))
        .mount(&google)
        .await;
    let response = finish(&app, "google", &started).await;
    assert_eq!(response.status(), StatusCode::OK);
    let session: Value = response.json().await.expect("session");
    let user = me(&app, &session).await;
    assert_eq!(user["email"], "minji@gmail.com");
    assert_eq!(user["role"], "citizen");
    let token_form = String::from_utf8(
        google.received_requests().await.expect("requests")[0]
            .body
            .clone(),
    )
    .expect("form");
    assert!(token_form.contains("client_secret=google-secret-value"));
    assert!(token_form.contains("code_verifier="));
}

/// Kakao's client secret is a stored secret, sealed in the settings table
/// and read at start; the person already has a password account, which the
/// verified e-mail links.
#[tokio::test]
async fn kakao_sign_in_with_the_client_secret_from_the_sealed_settings_links_the_account() {
    let kakao = MockServer::start().await;
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let existing = app.citizen("junho@kakao.com").await;
    let set = app
        .send(
            reqwest::Method::PUT,
            "/api/v1/admin/secrets/oauth.kakao.client_secret",
            Some(&admin.access_token),
            Some(json!({"value": "kakao-secret-from-settings"})),
        )
        .await;
    assert_eq!(set.status(), StatusCode::OK);
    let uri = kakao.uri();
    let app = app
        .restart_with(move |config| {
            config.oauth.oauth_redirect_base = Some("http://127.0.0.1:8080".to_owned());
            config.oauth.oauth_kakao_client_id = Some("kakao-rest-api-key".to_owned());
            config.oauth.oauth_kakao_authorize_url = Some(format!("{uri}/oauth/authorize"));
            config.oauth.oauth_kakao_token_url = Some(format!("{uri}/oauth/token"));
            config.oauth.oauth_kakao_userinfo_url = Some(format!("{uri}/v2/user/me"));
        })
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "bearer", "access_token": "kakao-access", "expires_in": 21599,
            "refresh_token": "kakao-refresh", "refresh_token_expires_in": 5_183_999
        })))
        .mount(&kakao)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/user/me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 3_141_592_653_u64,
            "connected_at": "2026-11-01T02:14:41Z",
            "properties": {"nickname": "이준호"},
            "kakao_account": {
                "profile": {"nickname": "이준호", "is_default_nickname": false},
                "has_email": true, "email_needs_agreement": false,
                "is_email_valid": true, "is_email_verified": true, "email": "junho@kakao.com"
            }
        })))
        .mount(&kakao)
        .await;
    let started = start(&app, "kakao").await;
    let response = finish(&app, "kakao", &started).await;
    assert_eq!(response.status(), StatusCode::OK);
    let session: Value = response.json().await.expect("session");
    assert_eq!(
        me(&app, &session).await["id"],
        existing.id.as_str(),
        "linked, not a new account"
    );
    let token_form = String::from_utf8(
        kakao.received_requests().await.expect("requests")[0]
            .body
            .clone(),
    )
    .expect("form");
    assert!(token_form.contains("client_secret=kakao-secret-from-settings"));
}

/// Naver gives no verified flag: without the operator's opt-in a new
/// person is refused; with it, they become a citizen.
#[tokio::test]
async fn naver_sign_in_needs_the_operators_trust_in_its_e_mail() {
    let naver = MockServer::start().await;
    let configure = |uri: String, trust: bool| {
        move |config: &mut sinmungo_server::ServerConfig| {
            config.oauth.oauth_redirect_base = Some("http://127.0.0.1:8080".to_owned());
            config.oauth.oauth_naver_client_id = Some("naver-client-id".to_owned());
            config.oauth.oauth_naver_client_secret = Some("naver-secret".parse().expect("secret"));
            config.oauth.oauth_naver_authorize_url = Some(format!("{uri}/oauth2.0/authorize"));
            config.oauth.oauth_naver_token_url = Some(format!("{uri}/oauth2.0/token"));
            config.oauth.oauth_naver_userinfo_url = Some(format!("{uri}/v1/nid/me"));
            config.oauth.oauth_naver_trust_email = trust;
        }
    };
    Mock::given(method("POST"))
        .and(path("/oauth2.0/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "naver-access", "refresh_token": "naver-refresh",
            "token_type": "bearer", "expires_in": "3600"
        })))
        .mount(&naver)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/nid/me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "resultcode": "00", "message": "success",
            "response": {"id": "AbC-123_xyz", "nickname": "서연", "name": "박서연", "email": "seoyeon@naver.com"}
        })))
        .mount(&naver)
        .await;

    let untrusting = TestApp::spawn_with(configure(naver.uri(), false)).await;
    let started = start(&untrusting, "naver").await;
    expect_problem(
        finish(&untrusting, "naver", &started).await,
        StatusCode::FORBIDDEN,
        "email_not_verified",
    )
    .await;

    let trusting = TestApp::spawn_with(configure(naver.uri(), true)).await;
    let started = start(&trusting, "naver").await;
    let response = finish(&trusting, "naver", &started).await;
    assert_eq!(response.status(), StatusCode::OK);
    let session: Value = response.json().await.expect("session");
    let user = me(&trusting, &session).await;
    assert_eq!(user["email"], "seoyeon@naver.com");
    assert_eq!(user["display_name"], "서연");
}

/// A provider's own error text goes to the log, never to the client: the
/// client reads a fixed sentence and the stable code.
#[tokio::test]
async fn a_providers_error_message_does_not_reach_the_client() {
    let naver = MockServer::start().await;
    let uri = naver.uri();
    let app = TestApp::spawn_with(move |config| {
        config.oauth.oauth_redirect_base = Some("http://127.0.0.1:8080".to_owned());
        config.oauth.oauth_naver_client_id = Some("naver-client-id".to_owned());
        config.oauth.oauth_naver_client_secret = Some("naver-secret".parse().expect("secret"));
        config.oauth.oauth_naver_authorize_url = Some(format!("{uri}/oauth2.0/authorize"));
        config.oauth.oauth_naver_token_url = Some(format!("{uri}/oauth2.0/token"));
        config.oauth.oauth_naver_userinfo_url = Some(format!("{uri}/v1/nid/me"));
    })
    .await;
    Mock::given(method("POST"))
        .and(path("/oauth2.0/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "naver-access", "token_type": "bearer", "expires_in": "3600"
        })))
        .mount(&naver)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/nid/me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "resultcode": "024",
            "message": "Authentication failed: session 7f3a-naver-internal expired"
        })))
        .mount(&naver)
        .await;
    let started = start(&app, "naver").await;
    let body = expect_problem(
        finish(&app, "naver", &started).await,
        StatusCode::BAD_GATEWAY,
        "oauth_provider_error",
    )
    .await;
    let detail = body["detail"].as_str().expect("detail");
    for words in ["7f3a-naver-internal", "Authentication failed", "024"] {
        assert!(!detail.contains(words), "{words} in {detail}");
    }
    assert!(detail.contains("identity provider failed"), "{detail}");
}

#[tokio::test]
async fn a_server_without_oauth_settings_knows_no_provider() {
    let app = TestApp::spawn().await;
    let response = no_redirects()
        .get(app.url("/api/v1/auth/oauth/google/start"))
        .send()
        .await
        .expect("start");
    expect_problem(response, StatusCode::NOT_FOUND, "unknown_provider").await;
}
