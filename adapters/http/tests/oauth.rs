//! Signing in through Google, Kakao and Naver, the routes' half: the API
//! served on a loopback port over the in-memory fakes, with a fake
//! [`IdentityProvider`] in place of the providers. What is checked here is
//! the browser's flow — the sealed cookie, the `state`, the callback URL,
//! what the provider is handed and what the client is answered; the
//! provider clients themselves (PKCE, token requests, ID tokens, the
//! providers' answer shapes) are tested against wiremock fakes in
//! `adapters/identity/tests/providers.rs`, and the two together end to end
//! in `tests/tests/api/oauth.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{StatusCode, Url};
use serde_json::{json, Value};
use sinmungo_core::app::{Policy, UseCases};
use sinmungo_core::domain::{Email, ExternalProfile, Permission, Provider};
use sinmungo_core::ports::{
    Authorization, CodeExchange, IdentityError, IdentityProvider, MockPhotoProcessor,
    ProviderChallenge, ProviderEndpoint, UserStore,
};
use sinmungo_crypto::XChaChaSealer;
use sinmungo_http::auth::{OAuthClient, TokenConfig, TokenService};
use sinmungo_http::{AppState, HttpConfig};
use sinmungo_memory::MemoryHandles;

/// A fake identity provider: an authorize URL that shows what it was given,
/// a fresh challenge per sign-in, and answers to exchanges queued by the test.
#[derive(Default)]
struct FakeProviders {
    configured: Vec<Provider>,
    counter: Mutex<u64>,
    /// The challenge `authorize` made, by state.
    challenges: Mutex<HashMap<String, ProviderChallenge>>,
    answers: Mutex<HashMap<Provider, VecDeque<Result<ExternalProfile, IdentityError>>>>,
    /// Every exchange asked for.
    exchanges: Mutex<Vec<(Provider, CodeExchange)>>,
}

impl FakeProviders {
    /// `provider`'s next exchange answers `answer`.
    fn answer(&self, provider: Provider, answer: Result<ExternalProfile, IdentityError>) {
        self.answers
            .lock()
            .unwrap()
            .entry(provider)
            .or_default()
            .push_back(answer);
    }

    fn exchanges(&self, provider: Provider) -> Vec<CodeExchange> {
        self.exchanges
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| *p == provider)
            .map(|(_, e)| e.clone())
            .collect()
    }
}

#[async_trait]
impl IdentityProvider for FakeProviders {
    fn providers(&self) -> Vec<Provider> {
        self.configured.clone()
    }

    fn authorize(
        &self,
        provider: Provider,
        redirect_uri: &str,
        state: &str,
    ) -> Result<Authorization, IdentityError> {
        if !self.configured.contains(&provider) {
            return Err(IdentityError::NotConfigured(provider));
        }
        let n = {
            let mut counter = self.counter.lock().unwrap();
            *counter += 1;
            *counter
        };
        let challenge = ProviderChallenge {
            code_verifier: format!("verifier-{n}-0123456789abcdef0123456789abcdef"),
            nonce: (provider == Provider::Google).then(|| format!("nonce-{n}-0123456789abcdef")),
        };
        let mut url = Url::parse(&format!("https://{provider}.example/authorize")).unwrap();
        url.query_pairs_mut()
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("state", state);
        if let Some(nonce) = &challenge.nonce {
            url.query_pairs_mut().append_pair("nonce", nonce);
        }
        self.challenges
            .lock()
            .unwrap()
            .insert(state.to_owned(), challenge.clone());
        Ok(Authorization {
            url: url.into(),
            challenge,
        })
    }

    async fn exchange(
        &self,
        provider: Provider,
        exchange: &CodeExchange,
    ) -> Result<ExternalProfile, IdentityError> {
        self.exchanges
            .lock()
            .unwrap()
            .push((provider, exchange.clone()));
        self.answers
            .lock()
            .unwrap()
            .get_mut(&provider)
            .and_then(VecDeque::pop_front)
            .unwrap_or_else(|| panic!("no answer queued for {provider}"))
    }
}

/// Who the provider says signed in.
fn profile(provider: Provider, subject: &str, email: &str, verified: bool) -> ExternalProfile {
    let name = match provider {
        Provider::Google => "김민지",
        Provider::Kakao => "이준호",
        Provider::Naver => "서연",
    };
    ExternalProfile {
        provider,
        subject: subject.to_owned(),
        email: Some(email.to_owned()),
        email_verified: verified,
        name: Some(name.to_owned()),
    }
}

/// The API with all three providers configured against the fake.
struct Harness {
    base: String,
    http: reqwest::Client,
    handles: MemoryHandles,
    fake: Arc<FakeProviders>,
}

/// What the harness is built with (the tests change it).
struct Setup {
    providers: Vec<Provider>,
    redirect_base: Option<String>,
}

async fn harness() -> Harness {
    harness_with(|_| {}).await
}

async fn harness_with(tweak: impl FnOnce(&mut Setup)) -> Harness {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut setup = Setup {
        providers: Provider::ALL.to_vec(),
        redirect_base: None,
    };
    tweak(&mut setup);
    let fake = Arc::new(FakeProviders {
        configured: setup.providers,
        ..FakeProviders::default()
    });

    let (ports, handles) = sinmungo_memory::memory_ports();
    let sealer = Arc::new(XChaChaSealer::new(&[7; 32]));
    let oauth = OAuthClient::new(
        setup.redirect_base.unwrap_or_else(|| base.clone()),
        fake.clone(),
        sealer,
    )
    .unwrap();
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
        fake,
    }
}

fn serve(listener: tokio::net::TcpListener, state: AppState) {
    let router = sinmungo_http::router(state, HttpConfig::default());
    tokio::spawn(sinmungo_http::serve(
        listener,
        router,
        sinmungo_http::ConnectionLimits::default(),
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

    fn provider_requests(&self, provider: &str) -> Vec<CodeExchange> {
        self.fake.exchanges(Provider::parse(provider).unwrap())
    }
}

/// The authorize URL named our callback and the state; the exchange was
/// handed the code, that callback, the state, and the very challenge the
/// provider made at `start` (carried through the sealed cookie).
fn check_handed_to_the_provider(h: &Harness, provider: &str, started: &Started) {
    let callback = format!("{}/api/v1/auth/oauth/{provider}/callback", h.base);
    assert_eq!(started.query["redirect_uri"], callback);
    assert!(started.state().len() >= 22, "at least 128 bits of state");
    let exchanges = h.provider_requests(provider);
    let exchange = exchanges.last().expect("the provider was asked");
    assert_eq!(exchange.code, format!("the-code-{provider}"));
    assert_eq!(exchange.redirect_uri, callback);
    assert_eq!(exchange.state, started.state());
    let made = h.fake.challenges.lock().unwrap()[started.state()].clone();
    assert_eq!(exchange.challenge, made);
    assert_eq!(
        exchange.challenge.nonce.as_deref(),
        started.query.get("nonce").map(String::as_str)
    );
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
async fn google_sign_in_creates_a_citizen() {
    let h = harness().await;
    let started = h.start("google").await;
    assert_eq!(started.location.host_str(), Some("google.example"));
    assert!(started.query["nonce"].len() >= 22);
    h.fake.answer(
        Provider::Google,
        Ok(profile(
            Provider::Google,
            "1093847561029384756",
            "minji.kim@gmail.com",
            true,
        )),
    );
    let (status, body) = h.finish("google", &started).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    check_handed_to_the_provider(&h, "google", &started);
    check_signed_in(&h, &body, "minji.kim@gmail.com").await;
    assert_eq!(body["user"]["display_name"], "김민지");
}

#[tokio::test]
async fn kakao_sign_in_creates_a_citizen() {
    let h = harness().await;
    let started = h.start("kakao").await;
    assert_eq!(started.location.host_str(), Some("kakao.example"));
    assert!(!started.query.contains_key("nonce"));
    h.fake.answer(
        Provider::Kakao,
        Ok(profile(
            Provider::Kakao,
            "3012345678",
            "junho.lee@kakao.com",
            true,
        )),
    );
    let (status, body) = h.finish("kakao", &started).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    check_handed_to_the_provider(&h, "kakao", &started);
    check_signed_in(&h, &body, "junho.lee@kakao.com").await;
    assert_eq!(body["user"]["display_name"], "이준호");
}

#[tokio::test]
async fn naver_sign_in_creates_a_citizen_and_hands_the_provider_the_state() {
    let h = harness().await;
    let started = h.start("naver").await;
    assert_eq!(started.location.host_str(), Some("naver.example"));
    h.fake.answer(
        Provider::Naver,
        Ok(profile(
            Provider::Naver,
            "32742776_aBcDeFgHiJkLmNoPqRsTuVwXyZ-012345",
            "seoyeon@naver.com",
            true,
        )),
    );
    let (status, body) = h.finish("naver", &started).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    check_handed_to_the_provider(&h, "naver", &started);
    assert_eq!(
        h.provider_requests("naver")[0].state,
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
    let h = harness_with(|setup| {
        setup.providers.retain(|p| p.as_str() != "naver");
        setup.redirect_base = Some("https://sinmungo.example.kr/".into());
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
    h.fake.answer(
        Provider::Kakao,
        Ok(profile(Provider::Kakao, "7", "someone@kakao.com", true)),
    );
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
    assert!(h.provider_requests("kakao").is_empty());
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
        assert!(h.provider_requests(provider).is_empty());
    }
}

#[tokio::test]
async fn unverified_google_and_kakao_emails_create_no_account() {
    let h = harness().await;
    let started = h.start("google").await;
    h.fake.answer(
        Provider::Google,
        Ok(profile(
            Provider::Google,
            "555",
            "unverified@example.kr",
            false,
        )),
    );
    let (status, body) = h.finish("google", &started).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["code"], "email_not_verified");
    assert!(!h.user_exists("unverified@example.kr").await);

    let started = h.start("kakao").await;
    h.fake.answer(
        Provider::Kakao,
        Ok(profile(
            Provider::Kakao,
            "556",
            "unverified@kakao.com",
            false,
        )),
    );
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
        h.fake.answer(
            Provider::Google,
            Ok(profile(Provider::Google, "42", "again@gmail.com", true)),
        );
        let (status, body) = h.finish("google", &started).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        ids.push(check_signed_in(&h, &body, "again@gmail.com").await);
    }
    assert_eq!(ids[0], ids[1]);

    let mut ids = Vec::new();
    for _ in 0..2 {
        let started = h.start("kakao").await;
        h.fake.answer(
            Provider::Kakao,
            Ok(profile(Provider::Kakao, "9000001", "again@kakao.com", true)),
        );
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
    h.fake.answer(
        Provider::Google,
        Ok(profile(Provider::Google, "777", "HyeJin@Example.kr", true)),
    );
    let (status, body) = h.finish("google", &started).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["id"], id);
    assert_eq!(body["user"]["display_name"], "최혜진");
    check_signed_in(&h, &body, "hyejin@example.kr").await;

    let started = h.start("naver").await;
    h.fake.answer(
        Provider::Naver,
        Ok(profile(
            Provider::Naver,
            "naver-777",
            "hyejin@example.kr",
            true,
        )),
    );
    let (status, body) = h.finish("naver", &started).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["id"], id);
}

#[tokio::test]
async fn id_tokens_the_provider_refuses_are_oauth_id_token_invalid() {
    let h = harness().await;
    for reason in [
        "it is meant for another client (aud)",
        "it does not carry this sign-in's nonce",
        "it was issued by someone else (iss)",
        "it has expired (exp)",
        "it was issued to another client (azp)",
    ] {
        let started = h.start("google").await;
        h.fake
            .answer(Provider::Google, Err(IdentityError::IdToken(reason)));
        let (status, body) = h.finish("google", &started).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{reason}: {body}");
        assert_eq!(body["code"], "oauth_id_token_invalid", "{reason}");
        assert!(!h.user_exists("victim@gmail.com").await, "{reason}");
    }
}

/// A provider's own words, as its failures carry them.
const PROVIDER_WORDS: &str = "Authentication failed (인증 실패하였습니다.) trace=naver-7f3a";

#[tokio::test]
async fn a_failing_provider_is_a_502_that_names_no_secret_and_none_of_the_providers_words() {
    let h = harness().await;
    let bad_gateway = |(status, body): (StatusCode, Value)| {
        assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
        assert_eq!(body["code"], "oauth_provider_error");
        assert!(!body.to_string().contains("client-secret"), "{body}");
        let detail = body["detail"].as_str().unwrap();
        assert!(
            detail.contains("identity provider failed") && detail.contains("로그인 제공자"),
            "a fixed sentence: {detail}"
        );
        for words in [
            "trace=naver-7f3a",
            "invalid_grant",
            "backend error",
            "timed out",
        ] {
            assert!(!detail.contains(words), "{words} in {detail}");
        }
    };
    let failures = [
        (
            Provider::Google,
            IdentityError::Status {
                endpoint: ProviderEndpoint::Token,
                status: 500,
                error: Some("backend error".into()),
            },
        ),
        (
            Provider::Google,
            IdentityError::Malformed {
                endpoint: ProviderEndpoint::Token,
                reason: "the answer is not a JSON object".into(),
            },
        ),
        (
            Provider::Kakao,
            IdentityError::Status {
                endpoint: ProviderEndpoint::Token,
                status: 400,
                error: Some("invalid_grant".into()),
            },
        ),
        (
            Provider::Kakao,
            IdentityError::Unreachable {
                endpoint: ProviderEndpoint::UserInfo,
                reason: "error sending request: connection reset trace=naver-7f3a".into(),
            },
        ),
        (
            Provider::Naver,
            IdentityError::Refused {
                endpoint: ProviderEndpoint::Token,
                error: "invalid_request".into(),
            },
        ),
        (
            Provider::Naver,
            IdentityError::Refused {
                endpoint: ProviderEndpoint::UserInfo,
                error: format!("resultcode 024 {PROVIDER_WORDS}"),
            },
        ),
    ];
    for (provider, failure) in failures {
        let started = h.start(provider.as_str()).await;
        h.fake.answer(provider, Err(failure));
        bad_gateway(h.finish(provider.as_str(), &started).await);
    }

    // A provider error other than a refusal, in the callback.
    let started = h.start("google").await;
    let query = format!("error=server_error&state={}", started.state());
    let (status, body, _) = h.callback("google", &query, Some(&started.cookie)).await;
    bad_gateway((status, body));
}

#[tokio::test]
async fn a_provider_that_does_not_answer_in_time_is_a_502() {
    let h = harness().await;
    let started = h.start("kakao").await;
    h.fake.answer(
        Provider::Kakao,
        Err(IdentityError::Unreachable {
            endpoint: ProviderEndpoint::Token,
            reason: "timed out".into(),
        }),
    );
    let (status, body) = h.finish("kakao", &started).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body["code"], "oauth_provider_error");
    // The reason ("timed out") is logged, not shown: see
    // `adapters/identity/tests/providers.rs` for the timeout itself.
    assert!(
        !body["detail"].as_str().unwrap().contains("timed out"),
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
