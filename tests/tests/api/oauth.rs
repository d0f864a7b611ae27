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

/// A fake Google on wiremock and a server configured with it.
async fn with_google() -> (MockServer, TestApp) {
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
    (google, app)
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
    let (google, app) = with_google().await;
    let started = start(&app, "google").await;
    assert_eq!(started.query["code_challenge_method"], "S256");
    google_for(
        &google,
        "109876543210",
        "minji@gmail.com",
        &started.query["nonce"],
    )
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

/// A server with Google on wiremock answering every code with an ID token
/// for `email` (the nonce taken from the authorize URL at each start).
async fn google_for(google: &MockServer, sub: &str, email: &str, nonce: &str) {
    let now = chrono::Utc::now().timestamp();
    let claims = json!({
        "iss": "https://accounts.google.com", "aud": "sinmungo.apps.googleusercontent.com",
        "azp": "sinmungo.apps.googleusercontent.com", "sub": sub,
        "email": email, "email_verified": true, "name": "이주무관",
        "nonce": nonce, "iat": now, "exp": now + 3600
    });
    let id_token = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(b"not google's key"),
    )
    .expect("id token");
    google.reset().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "ya29.access", "expires_in": 3599, "id_token": id_token,
            "scope": "openid email profile", "token_type": "Bearer"
        })))
        .mount(google)
        .await;
}

/// `GET /admin/login/oauth/{provider}` as a browser: the provider's
/// authorize URL (its query) and the console's pending-sign-in cookie.
async fn console_start(app: &TestApp, provider: &str) -> Started {
    let response = no_redirects()
        .get(app.url(&format!("/admin/login/oauth/{provider}")))
        .send()
        .await
        .expect("start");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location =
        Url::parse(response.headers()[LOCATION].to_str().expect("Location")).expect("a URL");
    let set = response.headers()[SET_COOKIE].to_str().expect("cookie");
    assert!(set.contains("Path=/admin/login/oauth") && set.contains("HttpOnly"));
    assert!(
        set.contains("SameSite=Lax"),
        "the provider's redirect back must carry it"
    );
    Started {
        query: location.query_pairs().into_owned().collect(),
        cookie: set.split(';').next().expect("name=value").to_owned(),
    }
}

async fn console_finish(app: &TestApp, started: &Started) -> reqwest::Response {
    no_redirects()
        .get(app.url(&format!(
            "/admin/login/oauth/google/callback?code=code-google&state={}",
            started.query["state"]
        )))
        .header(COOKIE, &started.cookie)
        .send()
        .await
        .expect("callback")
}

#[tokio::test]
async fn an_official_signs_in_to_the_console_with_google_and_a_citizen_does_not() {
    let (google, app) = with_google().await;
    app.official("officer@jeonbuk.go.kr", "staff", "road_management")
        .await;

    // The sign-in page offers the configured provider, and only it.
    let login = no_redirects()
        .get(app.url("/admin/login"))
        .send()
        .await
        .expect("login page")
        .text()
        .await
        .expect("HTML");
    assert!(
        login.contains(r#"href="/admin/login/oauth/google""#),
        "{login}"
    );
    assert!(login.contains("Google 계정으로 로그인"));
    assert!(
        !login.contains("카카오 계정으로 로그인"),
        "Kakao is not configured"
    );

    let started = console_start(&app, "google").await;
    assert_eq!(
        started.query["redirect_uri"], "http://127.0.0.1:8080/admin/login/oauth/google/callback",
        "the console's own callback"
    );
    google_for(
        &google,
        "1001",
        "officer@jeonbuk.go.kr",
        &started.query["nonce"],
    )
    .await;
    let signed_in = console_finish(&app, &started).await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    assert_eq!(signed_in.headers()[LOCATION], "/admin");
    let cookies: Vec<&str> = signed_in
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("sinmungo_console="))
        .expect("the console's session cookie");
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("sinmungo_console_oauth=;") && c.contains("Max-Age=0")),
        "the pending sign-in is cleared: {cookies:?}"
    );
    let queue = no_redirects()
        .get(app.url("/admin"))
        .header(COOKIE, session.split(';').next().expect("pair"))
        .send()
        .await
        .expect("queue");
    assert_eq!(queue.status(), StatusCode::OK);
    assert!(queue.text().await.expect("HTML").contains("부서 대기열"));
    let token_form = String::from_utf8(
        google.received_requests().await.expect("requests")[0]
            .body
            .clone(),
    )
    .expect("form");
    assert!(
        token_form.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fadmin%2Flogin%2Foauth%2Fgoogle%2Fcallback"),
        "the code is exchanged for the console's callback: {token_form}"
    );

    // A citizen's Google account gets no console session.
    let started = console_start(&app, "google").await;
    google_for(&google, "2002", "minji@gmail.com", &started.query["nonce"]).await;
    let refused = console_finish(&app, &started).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(refused.headers().get_all(SET_COOKIE).iter().all(|c| !c
        .to_str()
        .unwrap_or_default()
        .starts_with("sinmungo_console=")));
    assert!(refused
        .text()
        .await
        .expect("HTML")
        .contains("관리 콘솔은 담당 공무원, 부서 관리자, 관리자만 사용할 수 있습니다"));

    // A sign-in started for the API does not finish at the console's callback.
    let api_started = start(&app, "google").await;
    let crossed = no_redirects()
        .get(app.url(&format!(
            "/admin/login/oauth/google/callback?code=code-google&state={}",
            api_started.query["state"]
        )))
        .header(
            COOKIE,
            api_started
                .cookie
                .replace("sinmungo_oauth=", "sinmungo_console_oauth="),
        )
        .send()
        .await
        .expect("callback");
    assert_eq!(crossed.status(), StatusCode::BAD_REQUEST);
    assert!(crossed
        .text()
        .await
        .expect("HTML")
        .contains("로그인 요청이 만료되었거나 이 브라우저에서 시작되지 않았습니다"));

    let unknown = no_redirects()
        .get(app.url("/admin/login/oauth/naver"))
        .send()
        .await
        .expect("start");
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}
