//! The provider clients against one fake provider per provider on
//! wiremock, answering in the shapes each provider documents: the authorize
//! URL, the token request (PKCE verifier, client secret, Naver's `state`),
//! the profile read back, and every way a provider can fail, as the port's
//! errors.
//!
//! Google's ID tokens are made here as HS256 JWTs under a key Google never
//! had: the client checks the claims (`iss`, `aud`, `exp`, `nonce`) and, as
//! OpenID Connect Core §3.1.3.7 item 6 allows for a token taken straight
//! from the token endpoint over TLS, not the signature, so these tests
//! exercise the claims and nothing would be gained from real RSA keys.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::time::Duration;

use reqwest::Url;
use serde_json::{json, Value};
use sinmungo_core::domain::{ExternalProfile, Provider};
use sinmungo_core::ports::{
    CodeExchange, IdentityError, IdentityProvider, ProviderChallenge, ProviderEndpoint,
};
use sinmungo_identity::{
    pkce_challenge, ClientSecret, IdentityConfig, OAuthProviderConfig, OAuthProviders,
    GOOGLE_ISSUER,
};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const GOOGLE_ID: &str = "google-client.apps.googleusercontent.com";
const KAKAO_ID: &str = "kakao-rest-api-key";
const NAVER_ID: &str = "naver-client-id";
const BASE: &str = "http://127.0.0.1:8080";

fn secret_of(provider: &str) -> String {
    format!("{provider}-client-secret-0123456789")
}

fn callback(provider: Provider) -> String {
    format!("{BASE}/api/v1/auth/oauth/{provider}/callback")
}

/// All three providers configured against fakes.
struct Harness {
    providers: OAuthProviders,
    google: MockServer,
    kakao: MockServer,
    naver: MockServer,
}

async fn harness() -> Harness {
    harness_with(|_| {}).await
}

async fn harness_with(tweak: impl FnOnce(&mut IdentityConfig)) -> Harness {
    let (google, kakao, naver) = (
        MockServer::start().await,
        MockServer::start().await,
        MockServer::start().await,
    );
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
    let mut config = IdentityConfig::new(vec![google_config, kakao_config, naver_config]);
    tweak(&mut config);
    Harness {
        providers: OAuthProviders::new(config).unwrap(),
        google,
        kakao,
        naver,
    }
}

/// What `authorize` made: the URL's query, and what to keep.
struct Started {
    provider: Provider,
    state: String,
    query: HashMap<String, String>,
    location: Url,
    challenge: ProviderChallenge,
}

impl Harness {
    fn start(&self, provider: Provider) -> Started {
        let state = format!("state-{provider}-0123456789abcdef0123456789");
        let started = self
            .providers
            .authorize(provider, &callback(provider), &state)
            .unwrap();
        let location = Url::parse(&started.url).unwrap();
        Started {
            provider,
            state,
            query: location.query_pairs().into_owned().collect(),
            location,
            challenge: started.challenge,
        }
    }

    /// The exchange of the code `the-code-{provider}` for `started`.
    async fn finish(&self, started: &Started) -> Result<ExternalProfile, IdentityError> {
        let provider = started.provider;
        self.providers
            .exchange(
                provider,
                &CodeExchange {
                    code: format!("the-code-{provider}"),
                    redirect_uri: callback(provider),
                    state: started.state.clone(),
                    challenge: started.challenge.clone(),
                },
            )
            .await
    }

    fn fake(&self, provider: Provider) -> &MockServer {
        match provider {
            Provider::Google => &self.google,
            Provider::Kakao => &self.kakao,
            Provider::Naver => &self.naver,
        }
    }

    /// The form the fake's token endpoint last received.
    async fn token_request(&self, provider: Provider) -> HashMap<String, String> {
        let token_path = match provider {
            Provider::Google => "/token",
            Provider::Kakao => "/oauth/token",
            Provider::Naver => "/oauth2.0/token",
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
async fn check_pkce_and_secret(h: &Harness, client_id: &str, started: &Started) {
    let provider = started.provider;
    let query = &started.query;
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["client_id"], client_id);
    assert_eq!(query["redirect_uri"], callback(provider));
    assert_eq!(query["state"], started.state);
    assert_eq!(query["code_challenge_method"], "S256");
    assert!(started.challenge.code_verifier.len() >= 43);
    assert!(!started.location.as_str().contains("client-secret"));

    let form = h.token_request(provider).await;
    assert_eq!(form["grant_type"], "authorization_code");
    assert_eq!(form["code"], format!("the-code-{provider}"));
    assert_eq!(form["client_id"], client_id);
    assert_eq!(form["client_secret"], secret_of(provider.as_str()));
    assert_eq!(form["redirect_uri"], callback(provider));
    assert_eq!(
        pkce_challenge(&form["code_verifier"]),
        query["code_challenge"]
    );
}

#[tokio::test]
async fn google_reads_the_id_token_with_pkce_a_nonce_and_the_client_secret() {
    let h = harness().await;
    let started = h.start(Provider::Google);
    assert_eq!(started.location.path(), "/o/oauth2/v2/auth");
    assert_eq!(started.query["scope"], "openid email profile");
    assert!(started.query["nonce"].len() >= 22);
    assert_eq!(
        started.challenge.nonce.as_deref(),
        Some(started.query["nonce"].as_str())
    );
    google_answers(
        &h.google,
        &google_claims(&started, "1093847561029384756", "minji.kim@gmail.com", true),
    )
    .await;
    let profile = h.finish(&started).await.unwrap();
    check_pkce_and_secret(&h, GOOGLE_ID, &started).await;
    assert_eq!(profile.provider, Provider::Google);
    assert_eq!(profile.subject, "1093847561029384756");
    assert_eq!(profile.email.as_deref(), Some("minji.kim@gmail.com"));
    assert!(profile.email_verified);
    assert_eq!(profile.name.as_deref(), Some("김민지"));
}

#[tokio::test]
async fn kakao_reads_user_me_with_pkce_and_the_client_secret() {
    let h = harness().await;
    let started = h.start(Provider::Kakao);
    assert_eq!(started.location.path(), "/oauth/authorize");
    assert!(!started.query.contains_key("nonce"));
    assert!(started.challenge.nonce.is_none());
    kakao_answers(&h.kakao, 3_012_345_678, "junho.lee@kakao.com", true).await;
    let profile = h.finish(&started).await.unwrap();
    check_pkce_and_secret(&h, KAKAO_ID, &started).await;
    assert_eq!(profile.subject, "3012345678");
    assert_eq!(profile.email.as_deref(), Some("junho.lee@kakao.com"));
    assert!(profile.email_verified);
    assert_eq!(profile.name.as_deref(), Some("이준호"));
}

#[tokio::test]
async fn naver_reads_nid_me_with_pkce_the_state_and_the_client_secret() {
    let h = harness().await;
    let started = h.start(Provider::Naver);
    assert_eq!(started.location.path(), "/oauth2.0/authorize");
    naver_answers(
        &h.naver,
        "32742776_aBcDeFgHiJkLmNoPqRsTuVwXyZ-012345",
        "seoyeon@naver.com",
    )
    .await;
    let profile = h.finish(&started).await.unwrap();
    check_pkce_and_secret(&h, NAVER_ID, &started).await;
    assert_eq!(
        h.token_request(Provider::Naver).await["state"],
        started.state,
        "Naver's token request takes the state"
    );
    assert_eq!(
        profile.subject,
        "32742776_aBcDeFgHiJkLmNoPqRsTuVwXyZ-012345"
    );
    assert!(profile.email_verified, "trusted by this configuration");
    assert_eq!(profile.name.as_deref(), Some("서연"));
}

#[tokio::test]
async fn unverified_google_and_kakao_emails_are_read_as_unverified() {
    let h = harness().await;
    let started = h.start(Provider::Google);
    google_answers(
        &h.google,
        &google_claims(&started, "555", "unverified@example.kr", false),
    )
    .await;
    let profile = h.finish(&started).await.unwrap();
    assert_eq!(profile.email.as_deref(), Some("unverified@example.kr"));
    assert!(!profile.email_verified);

    let started = h.start(Provider::Kakao);
    kakao_answers(&h.kakao, 556, "unverified@kakao.com", false).await;
    let profile = h.finish(&started).await.unwrap();
    assert_eq!(profile.email.as_deref(), Some("unverified@kakao.com"));
    assert!(!profile.email_verified);
}

#[tokio::test]
async fn a_provider_left_unconfigured_is_not_configured() {
    let h = harness_with(|config| config.providers.retain(|p| p.provider != Provider::Naver)).await;
    assert_eq!(
        h.providers.providers(),
        vec![Provider::Google, Provider::Kakao]
    );
    assert!(matches!(
        h.providers
            .authorize(Provider::Naver, &callback(Provider::Naver), "s"),
        Err(IdentityError::NotConfigured(Provider::Naver))
    ));
    let exchange = CodeExchange {
        code: "c".into(),
        redirect_uri: callback(Provider::Naver),
        state: "s".into(),
        challenge: ProviderChallenge {
            code_verifier: "v".into(),
            nonce: None,
        },
    };
    assert!(matches!(
        h.providers.exchange(Provider::Naver, &exchange).await,
        Err(IdentityError::NotConfigured(Provider::Naver))
    ));
    assert!(h.naver.received_requests().await.unwrap().is_empty());
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
        let started = h.start(Provider::Google);
        let mut claims = google_claims(&started, "31337", "victim@gmail.com", true);
        claims[claim] = value;
        google_answers(&h.google, &claims).await;
        let refused = h.finish(&started).await;
        assert!(
            matches!(refused, Err(IdentityError::IdToken(_))),
            "{claim}: {refused:?}"
        );
    }
}

/// The failure names no secret of ours.
fn names_no_secret(error: &IdentityError) {
    let text = format!("{error} {error:?}");
    assert!(!text.contains("client-secret"), "{text}");
}

#[tokio::test]
async fn a_failing_provider_is_a_typed_error_that_names_no_secret() {
    let h = harness().await;

    // Google's token endpoint fails.
    once(
        &h.google,
        "POST",
        "/token",
        ResponseTemplate::new(500).set_body_string("backend error"),
    )
    .await;
    let error = h.finish(&h.start(Provider::Google)).await.unwrap_err();
    assert!(
        matches!(
            error,
            IdentityError::Status {
                endpoint: ProviderEndpoint::Token,
                status: 500,
                error: None
            }
        ),
        "{error:?}"
    );
    names_no_secret(&error);

    // Google answers 200 with something that is not a token response.
    once(
        &h.google,
        "POST",
        "/token",
        ResponseTemplate::new(200).set_body_string("<html>maintenance</html>"),
    )
    .await;
    let error = h.finish(&h.start(Provider::Google)).await.unwrap_err();
    assert!(
        matches!(
            error,
            IdentityError::Malformed {
                endpoint: ProviderEndpoint::Token,
                ..
            }
        ),
        "{error:?}"
    );
    names_no_secret(&error);

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
    let error = h.finish(&h.start(Provider::Kakao)).await.unwrap_err();
    assert!(
        matches!(&error, IdentityError::Status { status: 400, error: Some(code), .. } if code == "invalid_grant"),
        "{error:?}"
    );
    names_no_secret(&error);

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
    let error = h.finish(&h.start(Provider::Kakao)).await.unwrap_err();
    assert!(
        matches!(
            error,
            IdentityError::Status {
                endpoint: ProviderEndpoint::UserInfo,
                status: 500,
                ..
            }
        ),
        "{error:?}"
    );
    names_no_secret(&error);

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
    let error = h.finish(&h.start(Provider::Naver)).await.unwrap_err();
    assert!(
        matches!(&error, IdentityError::Refused { endpoint: ProviderEndpoint::Token, error } if error == "invalid_request"),
        "{error:?}"
    );
    names_no_secret(&error);

    // Naver's profile API refuses the token (resultcode 024): its message is
    // kept for the log (the HTTP adapter keeps it from the client).
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
    let error = h.finish(&h.start(Provider::Naver)).await.unwrap_err();
    assert!(
        matches!(&error, IdentityError::Refused { endpoint: ProviderEndpoint::UserInfo, error } if error.contains("024")),
        "{error:?}"
    );
    names_no_secret(&error);
}

#[tokio::test]
async fn a_provider_that_does_not_answer_in_time_is_unreachable() {
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
    let error = h.finish(&h.start(Provider::Kakao)).await.unwrap_err();
    assert!(
        matches!(&error, IdentityError::Unreachable { endpoint: ProviderEndpoint::Token, reason } if reason == "timed out"),
        "{error:?}"
    );
    assert!(error.to_string().contains("timed out"), "{error}");
}
