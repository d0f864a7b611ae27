//! Signing in through Google, Kakao and Naver, end to end: the API served on
//! a loopback port over the in-memory fakes, and one fake provider per
//! provider on wiremock answering in the shapes each provider documents.
//!
//! Google's ID tokens are made here as HS256 JWTs under a key Google never
//! had: the client checks the claims (`iss`, `aud`, `exp`, `nonce`) and, as
//! OpenID Connect Core §3.1.3.7 item 6 allows for a token taken straight
//! from the token endpoint over TLS, not the signature, so these tests
//! exercise the claims and nothing would be gained from real RSA keys.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{StatusCode, Url};
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};
use sinmungo_core::app::{Policy, UseCases};
use sinmungo_core::domain::{Email, Permission};
use sinmungo_core::ports::{MockPhotoProcessor, UserStore};
use sinmungo_http::auth::oauth::GOOGLE_ISSUER;
use sinmungo_http::auth::{
    ClientSecret, OAuthClient, OAuthConfig, OAuthProviderConfig, TokenConfig, TokenService,
    XChaChaSealer,
};
use sinmungo_http::{AppState, HttpConfig};
use sinmungo_memory::MemoryHandles;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const GOOGLE_ID: &str = "google-client.apps.googleusercontent.com";
const KAKAO_ID: &str = "kakao-rest-api-key";
const NAVER_ID: &str = "naver-client-id";

fn secret_of(provider: &str) -> String {
    format!("{provider}-client-secret-0123456789")
}

/// The API with all three providers configured against fakes.
struct Harness {
    base: String,
    http: reqwest::Client,
    handles: MemoryHandles,
    google: MockServer,
    kakao: MockServer,
    naver: MockServer,
}

async fn harness() -> Harness {
    harness_with(|_| {}).await
}

async fn harness_with(tweak: impl FnOnce(&mut OAuthConfig)) -> Harness {
    let (google, kakao, naver) = (
        MockServer::start().await,
        MockServer::start().await,
        MockServer::start().await,
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());

    let mut google_config =
        OAuthProviderConfig::google(GOOGLE_ID, ClientSecret::new(secret_of("google")));
    google_config.authorize_url = format!("{}/o/oauth2/v2/auth", google.uri());
    google_config.token_url = format!("{}/token", google.uri());
    let mut kakao_config =
        OAuthProviderConfig::kakao(KAKAO_ID, ClientSecret::new(secret_of("kakao")));
    kakao_config.authorize_url = format!("{}/oauth/authorize", kakao.uri());
    kakao_config.token_url = format!("{}/oauth/token", kakao.uri());
    kakao_config.userinfo_url = Some(format!("{}/v2/user/me", kakao.uri()));
    let mut naver_config =
        OAuthProviderConfig::naver(NAVER_ID, ClientSecret::new(secret_of("naver")));
    naver_config.authorize_url = format!("{}/oauth2.0/authorize", naver.uri());
    naver_config.token_url = format!("{}/oauth2.0/token", naver.uri());
    naver_config.userinfo_url = Some(format!("{}/v1/nid/me", naver.uri()));
    // Trusted here, as an operator would opt in (Naver gives no verified flag).
    naver_config.trust_email = true;
    let mut config = OAuthConfig::new(
        base.clone(),
        vec![google_config, kakao_config, naver_config],
    );
    tweak(&mut config);

    let (ports, handles) = sinmungo_memory::memory_ports();
    let sealer = Arc::new(XChaChaSealer::new(&[7; 32]));
    let oauth = OAuthClient::new(config, sealer).unwrap();
    let state = AppState::new(
        UseCases::new(ports, &Policy::default()),
        TokenService::new(TokenConfig::with_secret(vec![42; 32])),
        Arc::new(MockPhotoProcessor::new()),
    )
    .with_oauth(oauth);
    serve(listener, state);
    Harness {
        base,
        http: client(),
        handles,
        google,
        kakao,
        naver,
    }
}

fn serve(listener: tokio::net::TcpListener, state: AppState) {
    let router = sinmungo_http::router(state, HttpConfig::default());
    tokio::spawn(sinmungo_http::serve(
        listener,
        router,
        std::future::pending(),
    ));
}

/// A client that shows redirects instead of following them.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// What `start` sent the browser.
struct Started {
    query: HashMap<String, String>,
    /// `sinmungo_oauth=…`, as the browser would send it back.
    cookie: String,
    set_cookie: String,
    location: Url,
}

impl Started {
    fn state(&self) -> &str {
        &self.query["state"]
    }
}

impl Harness {
    async fn start(&self, provider: &str) -> Started {
        let response = self
            .http
            .get(format!("{}/api/v1/auth/oauth/{provider}/start", self.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FOUND);
        let location = Url::parse(response.headers()[LOCATION].to_str().unwrap()).unwrap();
        let set_cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
        let cookie = set_cookie.split(';').next().unwrap().to_owned();
        assert!(cookie.starts_with("sinmungo_oauth="), "{set_cookie}");
        Started {
            query: location.query_pairs().into_owned().collect(),
            cookie,
            set_cookie,
            location,
        }
    }

    /// Calls the callback as the provider's redirect would: `query`, and the cookie.
    async fn callback(
        &self,
        provider: &str,
        query: &str,
        cookie: Option<&str>,
    ) -> (StatusCode, Value, String) {
        let mut request = self.http.get(format!(
            "{}/api/v1/auth/oauth/{provider}/callback?{query}",
            self.base
        ));
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let set_cookie = response
            .headers()
            .get(SET_COOKIE)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = response.json::<Value>().await.unwrap_or(Value::Null);
        (status, body, set_cookie)
    }

    /// The callback with `code` and the state and cookie from `started`.
    async fn finish(&self, provider: &str, started: &Started) -> (StatusCode, Value) {
        let (status, body, set_cookie) = self
            .callback(
                provider,
                &format!("code=the-code-{provider}&state={}", started.state()),
                Some(&started.cookie),
            )
            .await;
        assert!(
            set_cookie.starts_with("sinmungo_oauth=;") && set_cookie.contains("Max-Age=0"),
            "the callback clears the cookie: {set_cookie}"
        );
        (status, body)
    }

    async fn me(&self, access_token: &str) -> Value {
        let response = self
            .http
            .get(format!("{}/api/v1/me", self.base))
            .bearer_auth(access_token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    async fn user_exists(&self, email: &str) -> bool {
        self.handles
            .users
            .find_by_email(&Email::new(email).unwrap())
            .await
            .unwrap()
            .is_some()
    }

    fn fake(&self, provider: &str) -> &MockServer {
        match provider {
            "google" => &self.google,
            "kakao" => &self.kakao,
            _ => &self.naver,
        }
    }

    /// The form the fake's token endpoint last received.
    async fn token_request(&self, provider: &str) -> HashMap<String, String> {
        let token_path = match provider {
            "google" => "/token",
            "kakao" => "/oauth/token",
            _ => "/oauth2.0/token",
        };
        let requests = self.fake(provider).received_requests().await.unwrap();
        let request = requests
            .iter()
            .rev()
            .find(|r| r.url.path() == token_path)
            .expect("the token endpoint was called");
        assert_eq!(request.method.as_str(), "POST");
        let body = String::from_utf8(request.body.clone()).unwrap();
        Url::parse(&format!("http://form/?{body}"))
            .unwrap()
            .query_pairs()
            .into_owned()
            .collect()
    }
}

/// `fake` answers `verb route` once with `answer`.
async fn once(fake: &MockServer, verb: &str, route: &str, answer: ResponseTemplate) {
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(answer)
        .up_to_n_times(1)
        .mount(fake)
        .await;
}

/// Google's token endpoint answering once with an ID token of `claims`.
async fn google_answers(fake: &MockServer, claims: &Value) {
    let id_token = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(b"not google's key"),
    )
    .unwrap();
    once(fake, "POST", "/token", ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "ya29.google-access",
            "expires_in": 3599,
            "id_token": id_token,
            "scope": "openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile",
            "token_type": "Bearer"
        }))).await;
}

/// The claims Google's ID token carries for the sign-in `started`.
fn google_claims(started: &Started, sub: &str, email: &str, verified: bool) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "iss": GOOGLE_ISSUER,
        "azp": GOOGLE_ID,
        "aud": GOOGLE_ID,
        "sub": sub,
        "email": email,
        "email_verified": verified,
        "at_hash": "HK6E_P6Dh8Y93mRNtsDB1Q",
        "nonce": started.query["nonce"],
        "name": "김민지",
        "iat": now,
        "exp": now + 3600
    })
}

/// Kakao's token endpoint and `/v2/user/me` answering once.
async fn kakao_answers(fake: &MockServer, id: u64, email: &str, verified: bool) {
    once(
        fake,
        "POST",
        "/oauth/token",
        ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "bearer",
            "access_token": "kakao-access-token",
            "expires_in": 21599,
            "refresh_token": "kakao-refresh-token",
            "refresh_token_expires_in": 5_183_999,
            "scope": "account_email profile_nickname"
        })),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/v2/user/me"))
        .and(header("authorization", "Bearer kakao-access-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": id,
            "connected_at": "2025-03-01T02:14:41Z",
            "properties": {"nickname": "이준호"},
            "kakao_account": {
                "profile_nickname_needs_agreement": false,
                "profile": {"nickname": "이준호", "is_default_nickname": false},
                "has_email": true,
                "email_needs_agreement": false,
                "is_email_valid": true,
                "is_email_verified": verified,
                "email": email
            }
        })))
        .up_to_n_times(1)
        .mount(fake)
        .await;
}

/// Naver's token endpoint and `/v1/nid/me` answering once.
async fn naver_answers(fake: &MockServer, id: &str, email: &str) {
    once(
        fake,
        "POST",
        "/oauth2.0/token",
        ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "naver-access-token",
            "refresh_token": "naver-refresh-token",
            "token_type": "bearer",
            "expires_in": "3600"
        })),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/v1/nid/me"))
        .and(header("authorization", "Bearer naver-access-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "resultcode": "00",
            "message": "success",
            "response": {
                "id": id,
                "nickname": "서연",
                "name": "박서연",
                "email": email
            }
        })))
        .up_to_n_times(1)
        .mount(fake)
        .await;
}

/// The authorize URL carries our client, callback, state and S256 challenge;
/// the token request carried the verifier of that challenge and our secret.
async fn check_pkce_and_secret(h: &Harness, provider: &str, client_id: &str, started: &Started) {
    let query = &started.query;
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["client_id"], client_id);
    let callback = format!("{}/api/v1/auth/oauth/{provider}/callback", h.base);
    assert_eq!(query["redirect_uri"], callback);
    assert!(started.state().len() >= 22, "at least 128 bits of state");
    assert_eq!(query["code_challenge_method"], "S256");
    assert!(!started.location.as_str().contains("client-secret"));

    let form = h.token_request(provider).await;
    assert_eq!(form["grant_type"], "authorization_code");
    assert_eq!(form["code"], format!("the-code-{provider}"));
    assert_eq!(form["client_id"], client_id);
    assert_eq!(form["client_secret"], secret_of(provider));
    assert_eq!(form["redirect_uri"], callback);
    assert_eq!(s256(&form["code_verifier"]), query["code_challenge"]);
}

/// The sign-in answer: a citizen with `email`, and tokens that work.
async fn check_signed_in(h: &Harness, body: &Value, email: &str) -> String {
    assert_eq!(body["user"]["email"], email, "{body}");
    assert_eq!(body["user"]["role"], "citizen");
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["refresh_token"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));
    let me = h.me(body["access_token"].as_str().unwrap()).await;
    assert_eq!(me["email"], email);
    assert_eq!(me["role"], "citizen");
    assert_eq!(me["id"], body["user"]["id"]);
    body["user"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn google_sign_in_creates_a_citizen_with_pkce_a_nonce_and_the_client_secret() {
    let h = harness().await;
    let started = h.start("google").await;
    assert_eq!(started.location.path(), "/o/oauth2/v2/auth");
    assert_eq!(started.query["scope"], "openid email profile");
    assert!(started.query["nonce"].len() >= 22);
    google_answers(
        &h.google,
        &google_claims(&started, "1093847561029384756", "minji.kim@gmail.com", true),
    )
    .await;
    let (status, body) = h.finish("google", &started).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    check_pkce_and_secret(&h, "google", GOOGLE_ID, &started).await;
    check_signed_in(&h, &body, "minji.kim@gmail.com").await;
    assert_eq!(body["user"]["display_name"], "김민지");
}

#[tokio::test]
async fn kakao_sign_in_creates_a_citizen_with_pkce_and_the_client_secret() {
    let h = harness().await;
    let started = h.start("kakao").await;
    assert_eq!(started.location.path(), "/oauth/authorize");
    assert!(!started.query.contains_key("nonce"));
    kakao_answers(&h.kakao, 3_012_345_678, "junho.lee@kakao.com", true).await;
    let (status, body) = h.finish("kakao", &started).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    check_pkce_and_secret(&h, "kakao", KAKAO_ID, &started).await;
    check_signed_in(&h, &body, "junho.lee@kakao.com").await;
    assert_eq!(body["user"]["display_name"], "이준호");
}

#[tokio::test]
async fn naver_sign_in_creates_a_citizen_with_pkce_the_state_and_the_client_secret() {
    let h = harness().await;
    let started = h.start("naver").await;
    assert_eq!(started.location.path(), "/oauth2.0/authorize");
    naver_answers(
        &h.naver,
        "32742776_aBcDeFgHiJkLmNoPqRsTuVwXyZ-012345",
        "seoyeon@naver.com",
    )
    .await;
    let (status, body) = h.finish("naver", &started).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    check_pkce_and_secret(&h, "naver", NAVER_ID, &started).await;
    assert_eq!(
        h.token_request("naver").await["state"],
        started.state(),
        "Naver's token request takes the state"
    );
    check_signed_in(&h, &body, "seoyeon@naver.com").await;
    assert_eq!(body["user"]["display_name"], "서연");
}

#[tokio::test]
async fn start_sets_a_sealed_http_only_cookie_and_refuses_unknown_providers() {
    let h = harness().await;
    let started = h.start("google").await;
    let set_cookie = &started.set_cookie;
    for attribute in [
        "Path=/api/v1/auth/oauth",
        "Max-Age=600",
        "HttpOnly",
        "SameSite=Lax",
    ] {
        assert!(
            set_cookie.contains(attribute),
            "{attribute} in {set_cookie}"
        );
    }
    assert!(
        !set_cookie.contains("Secure"),
        "plain http base: {set_cookie}"
    );
    // The cookie hides the state, the verifier and the nonce.
    assert!(!started.cookie.contains(started.state()));
    assert!(!started.cookie.contains(&started.query["nonce"]));

    for unknown in ["facebook", "GOOGLE", "google%2F..%2Fkakao"] {
        let response = h
            .http
            .get(format!("{}/api/v1/auth/oauth/{unknown}/start", h.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{unknown}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "unknown_provider");
    }
    let (status, body, _) = h.callback("facebook", "code=x&state=y", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "unknown_provider");
}

#[tokio::test]
async fn a_provider_left_unconfigured_is_unknown_and_https_bases_get_secure_cookies() {
    let h = harness_with(|config| {
        config.providers.retain(|p| p.provider.as_str() != "naver");
        config.redirect_base = "https://sinmungo.example.kr/".into();
    })
    .await;
    let response = h
        .http
        .get(format!("{}/api/v1/auth/oauth/naver/start", h.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "unknown_provider");

    let started = h.start("kakao").await;
    assert!(
        started.set_cookie.contains("; Secure"),
        "{}",
        started.set_cookie
    );
    assert_eq!(
        started.query["redirect_uri"],
        "https://sinmungo.example.kr/api/v1/auth/oauth/kakao/callback"
    );
}

#[tokio::test]
async fn without_oauth_configured_every_provider_is_unknown() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (ports, _handles) = sinmungo_memory::memory_ports();
    serve(
        listener,
        AppState::new(
            UseCases::new(ports, &Policy::default()),
            TokenService::new(TokenConfig::with_secret(vec![42; 32])),
            Arc::new(MockPhotoProcessor::new()),
        ),
    );
    for route in ["start", "callback?code=a&state=b"] {
        let response = client()
            .get(format!("{base}/api/v1/auth/oauth/google/{route}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "unknown_provider");
    }
}

#[tokio::test]
async fn a_callback_with_another_state_or_without_a_good_cookie_is_a_state_mismatch() {
    let h = harness().await;
    let started = h.start("kakao").await;
    kakao_answers(&h.kakao, 7, "someone@kakao.com", true).await;
    let mismatch = |(status, body, set_cookie): (StatusCode, Value, String)| {
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["code"], "oauth_state_mismatch");
        assert!(set_cookie.contains("Max-Age=0"), "cleared: {set_cookie}");
    };
    // Another state (a forged callback), with this browser's cookie.
    mismatch(
        h.callback("kakao", "code=c&state=forged-state", Some(&started.cookie))
            .await,
    );
    // No state at all.
    mismatch(h.callback("kakao", "code=c", Some(&started.cookie)).await);
    // The right state but no cookie (another browser).
    let query = format!("code=c&state={}", started.state());
    mismatch(h.callback("kakao", &query, None).await);
    // A tampered cookie.
    let mut tampered = started.cookie.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    mismatch(h.callback("kakao", &query, Some(&tampered)).await);
    // Kakao's cookie brought to Google's callback.
    mismatch(h.callback("google", &query, Some(&started.cookie)).await);
    // None of these reached the provider or made an account.
    assert!(h.kakao.received_requests().await.unwrap().is_empty());
    assert!(!h.user_exists("someone@kakao.com").await);
}

#[tokio::test]
async fn access_denied_at_the_provider_is_oauth_denied() {
    let h = harness().await;
    for provider in ["google", "kakao", "naver"] {
        let started = h.start(provider).await;
        let query = format!(
            "error=access_denied&error_description=User%20denied%20access&state={}",
            started.state()
        );
        let (status, body, set_cookie) = h.callback(provider, &query, Some(&started.cookie)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{provider}: {body}");
        assert_eq!(body["code"], "oauth_denied");
        let detail = body["detail"].as_str().unwrap();
        assert!(
            detail.contains("not allowed") && detail.contains("취소"),
            "{detail}"
        );
        assert!(set_cookie.contains("Max-Age=0"));
        assert!(h
            .fake(provider)
            .received_requests()
            .await
            .unwrap()
            .is_empty());
    }
}

#[tokio::test]
async fn unverified_google_and_kakao_emails_create_no_account() {
    let h = harness().await;
    let started = h.start("google").await;
    google_answers(
        &h.google,
        &google_claims(&started, "555", "unverified@example.kr", false),
    )
    .await;
    let (status, body) = h.finish("google", &started).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["code"], "email_not_verified");
    assert!(!h.user_exists("unverified@example.kr").await);

    let started = h.start("kakao").await;
    kakao_answers(&h.kakao, 556, "unverified@kakao.com", false).await;
    let (status, body) = h.finish("kakao", &started).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["code"], "email_not_verified");
    assert!(!h.user_exists("unverified@kakao.com").await);
}

#[tokio::test]
async fn a_second_sign_in_with_the_same_provider_account_is_the_same_user() {
    let h = harness().await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let started = h.start("google").await;
        google_answers(
            &h.google,
            &google_claims(&started, "42", "again@gmail.com", true),
        )
        .await;
        let (status, body) = h.finish("google", &started).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        ids.push(check_signed_in(&h, &body, "again@gmail.com").await);
    }
    assert_eq!(ids[0], ids[1]);

    let mut ids = Vec::new();
    for _ in 0..2 {
        let started = h.start("kakao").await;
        kakao_answers(&h.kakao, 9_000_001, "again@kakao.com", true).await;
        let (status, body) = h.finish("kakao", &started).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        ids.push(check_signed_in(&h, &body, "again@kakao.com").await);
    }
    assert_eq!(ids[0], ids[1]);
}

#[tokio::test]
async fn a_password_account_with_the_same_verified_email_is_linked() {
    let h = harness().await;
    let response = h
        .http
        .post(format!("{}/api/v1/auth/register", h.base))
        .json(&json!({
            "email": "hyejin@example.kr",
            "password": "Sinmungo-2025!",
            "display_name": "최혜진"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let registered: Value = response.json().await.unwrap();
    let id = registered["user"]["id"].as_str().unwrap();

    let started = h.start("google").await;
    google_answers(
        &h.google,
        &google_claims(&started, "777", "HyeJin@Example.kr", true),
    )
    .await;
    let (status, body) = h.finish("google", &started).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["id"], id);
    assert_eq!(body["user"]["display_name"], "최혜진");
    check_signed_in(&h, &body, "hyejin@example.kr").await;

    let started = h.start("naver").await;
    naver_answers(&h.naver, "naver-777", "hyejin@example.kr").await;
    let (status, body) = h.finish("naver", &started).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["id"], id);
}

#[tokio::test]
async fn id_tokens_for_another_client_issuer_nonce_or_time_are_refused() {
    let h = harness().await;
    let cases: [(&str, Value); 5] = [
        (
            "aud",
            json!("someone-elses-client.apps.googleusercontent.com"),
        ),
        ("nonce", json!("a-nonce-from-another-sign-in")),
        ("iss", json!("https://accounts.evil.example")),
        ("exp", json!(chrono::Utc::now().timestamp() - 3600)),
        ("azp", json!("someone-elses-client")),
    ];
    for (claim, value) in cases {
        let started = h.start("google").await;
        let mut claims = google_claims(&started, "31337", "victim@gmail.com", true);
        claims[claim] = value;
        google_answers(&h.google, &claims).await;
        let (status, body) = h.finish("google", &started).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{claim}: {body}");
        assert_eq!(body["code"], "oauth_id_token_invalid", "{claim}");
        assert!(!h.user_exists("victim@gmail.com").await, "{claim}");
    }
}

#[tokio::test]
async fn a_failing_provider_is_a_502_that_names_no_secret() {
    let h = harness().await;
    let bad_gateway = |(status, body): (StatusCode, Value)| {
        assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
        assert_eq!(body["code"], "oauth_provider_error");
        assert!(!body.to_string().contains("client-secret"), "{body}");
    };

    // Google's token endpoint fails.
    once(
        &h.google,
        "POST",
        "/token",
        ResponseTemplate::new(500).set_body_string("backend error"),
    )
    .await;
    let started = h.start("google").await;
    bad_gateway(h.finish("google", &started).await);

    // Google answers 200 with something that is not a token response.
    once(
        &h.google,
        "POST",
        "/token",
        ResponseTemplate::new(200).set_body_string("<html>maintenance</html>"),
    )
    .await;
    let started = h.start("google").await;
    bad_gateway(h.finish("google", &started).await);

    // Kakao refuses the code (invalid_grant, KOE320).
    once(
        &h.kakao,
        "POST",
        "/oauth/token",
        ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_grant",
            "error_description": "authorization code not found for code=…",
            "error_code": "KOE320"
        })),
    )
    .await;
    let started = h.start("kakao").await;
    bad_gateway(h.finish("kakao", &started).await);

    // Kakao's token works but /v2/user/me fails.
    once(
        &h.kakao,
        "POST",
        "/oauth/token",
        ResponseTemplate::new(200)
            .set_body_json(json!({"access_token": "k", "token_type": "bearer"})),
    )
    .await;
    once(&h.kakao, "GET", "/v2/user/me", ResponseTemplate::new(500)).await;
    let started = h.start("kakao").await;
    bad_gateway(h.finish("kakao", &started).await);

    // Naver answers token errors with 200 and an `error` field.
    once(
        &h.naver,
        "POST",
        "/oauth2.0/token",
        ResponseTemplate::new(200).set_body_json(json!({
            "error": "invalid_request",
            "error_description": "no valid data in session"
        })),
    )
    .await;
    let started = h.start("naver").await;
    bad_gateway(h.finish("naver", &started).await);

    // Naver's profile API refuses the token (resultcode 024).
    once(
        &h.naver,
        "POST",
        "/oauth2.0/token",
        ResponseTemplate::new(200)
            .set_body_json(json!({"access_token": "n", "token_type": "bearer"})),
    )
    .await;
    once(
        &h.naver,
        "GET",
        "/v1/nid/me",
        ResponseTemplate::new(200).set_body_json(json!({
            "resultcode": "024",
            "message": "Authentication failed (인증 실패하였습니다.)"
        })),
    )
    .await;
    let started = h.start("naver").await;
    bad_gateway(h.finish("naver", &started).await);

    // A provider error other than a refusal, in the callback.
    let started = h.start("google").await;
    let query = format!("error=server_error&state={}", started.state());
    let (status, body, _) = h.callback("google", &query, Some(&started.cookie)).await;
    bad_gateway((status, body));
}

#[tokio::test]
async fn a_provider_that_does_not_answer_in_time_is_a_502() {
    let h = harness_with(|config| config.timeout = Duration::from_millis(500)).await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": "k"}))
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&h.kakao)
        .await;
    let started = h.start("kakao").await;
    let (status, body) = h.finish("kakao", &started).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body["code"], "oauth_provider_error");
    assert!(
        body["detail"].as_str().unwrap().contains("timed out"),
        "{body}"
    );
}

#[test]
fn both_routes_are_in_the_permission_table_as_sign_in() {
    for path in [
        "/auth/oauth/{provider}/start",
        "/auth/oauth/{provider}/callback",
    ] {
        assert!(
            sinmungo_http::ROUTES
                .iter()
                .any(|r| r.method == "GET" && r.path == path && r.permission == Permission::SignIn),
            "{path}"
        );
    }
}
