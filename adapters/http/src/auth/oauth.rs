//! Signing in through an outside identity provider: OAuth 2.0 authorization
//! code flow with PKCE (S256) for Google (OpenID Connect), Kakao (카카오
//! 로그인) and Naver (네이버 로그인).
//!
//! [`OAuthClient::start`] makes the provider's authorize URL and the
//! [`PendingLogin`] (random `state`, PKCE verifier, and a `nonce` for OpenID
//! Connect) that travels, sealed, in the `sinmungo_oauth` cookie until the
//! provider sends the person back; [`OAuthClient::finish`] checks the
//! callback against it, exchanges the code, and reads who signed in:
//!
//! - **Google**: the `id_token` of the token response (its `iss`, `aud`,
//!   `exp` and `nonce` are checked; see [`OAuthClient::finish`] on why its
//!   signature is not).
//! - **Kakao**: `GET https://kapi.kakao.com/v2/user/me` with the access token:
//!   `id` (a number), `kakao_account.email`, `is_email_verified`,
//!   `is_email_valid`, `kakao_account.profile.nickname` (or
//!   `properties.nickname`).
//! - **Naver**: `GET https://openapi.naver.com/v1/nid/me`:
//!   `{"resultcode":"00","message":"success","response":{"id","email","nickname","name"}}`;
//!   Naver says nothing about verification, so [`OAuthProviderConfig::trust_email`]
//!   decides.
//!
//! Every endpoint is configurable (tests, self-hosted identity providers),
//! but must be `https` unless it is on the loopback interface. The client
//! secret never appears in `Debug` output, logs or errors.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::Utc;
use rand::RngCore as _;
use reqwest::Url;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use sinmungo_core::domain::{ExternalProfile, Provider, SecretName, SecretValue};
use sinmungo_core::ports::SecretSealer;

/// Google's issuer, as its ID tokens' `iss` carries it.
pub const GOOGLE_ISSUER: &str = "https://accounts.google.com";

/// The name of the cookie the pending sign-in travels in.
pub const COOKIE_NAME: &str = "sinmungo_oauth";

/// The path the cookie is sent to: the `start` and `callback` routes.
pub const COOKIE_PATH: &str = "/api/v1/auth/oauth";

/// How long a person has at the provider before the sign-in expires
/// (the cookie's `Max-Age`, and the expiry sealed inside it).
pub const PENDING_TTL: Duration = Duration::from_secs(600);

/// The most bytes read of a provider's answer.
const MAX_ANSWER_BYTES: usize = 256 * 1024;

/// Seconds of clock difference tolerated on an ID token's `exp`.
const EXP_LEEWAY_SECONDS: i64 = 60;

/// An OAuth client secret: never printed (`Debug` shows `<redacted>`, and it
/// has no `Display`).
#[derive(Clone, PartialEq, Eq)]
pub struct ClientSecret(String);

impl ClientSecret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself, for the token request.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientSecret(<redacted>)")
    }
}

/// One identity provider: our registration there and its endpoints.
#[derive(Debug, Clone)]
pub struct OAuthProviderConfig {
    /// Which provider (decides how its answers are read).
    pub provider: Provider,
    /// Our client id there.
    pub client_id: String,
    /// Our client secret there.
    pub client_secret: ClientSecret,
    /// Where the browser is sent to sign in.
    pub authorize_url: String,
    /// Where the code is exchanged for tokens.
    pub token_url: String,
    /// Where the person's profile is read with the access token (Kakao,
    /// Naver; `None` for Google, whose ID token says it all).
    pub userinfo_url: Option<String>,
    /// The `iss` an OpenID Connect ID token must carry (Google); a nonce is
    /// sent and checked when it is set.
    pub issuer: Option<String>,
    /// The scopes asked for (none for Naver, whose consent items are set in
    /// its developer console).
    pub scopes: Vec<String>,
    /// For a provider that does not say whether it verified the e-mail it
    /// returns (Naver): whether to count that e-mail as verified. Accounts are
    /// linked and created only on verified e-mails, so `false` means a
    /// Naver sign-in only reaches accounts it is already linked to.
    /// Ignored for Google and Kakao, which say per person.
    pub trust_email: bool,
}

impl OAuthProviderConfig {
    /// Google (OpenID Connect) at its production endpoints, asking for
    /// `openid email profile`.
    pub fn google(client_id: impl Into<String>, client_secret: ClientSecret) -> Self {
        Self {
            provider: Provider::Google,
            client_id: client_id.into(),
            client_secret,
            authorize_url: "https://accounts.google.com/o/oauth2/v2/auth".to_owned(),
            token_url: "https://oauth2.googleapis.com/token".to_owned(),
            userinfo_url: None,
            issuer: Some(GOOGLE_ISSUER.to_owned()),
            scopes: vec!["openid".into(), "email".into(), "profile".into()],
            trust_email: false,
        }
    }

    /// Kakao at its production endpoints, asking for `account_email
    /// profile_nickname` (both must be enabled as consent items in Kakao's
    /// developer console).
    pub fn kakao(client_id: impl Into<String>, client_secret: ClientSecret) -> Self {
        Self {
            provider: Provider::Kakao,
            client_id: client_id.into(),
            client_secret,
            authorize_url: "https://kauth.kakao.com/oauth/authorize".to_owned(),
            token_url: "https://kauth.kakao.com/oauth/token".to_owned(),
            userinfo_url: Some("https://kapi.kakao.com/v2/user/me".to_owned()),
            issuer: None,
            scopes: vec!["account_email".into(), "profile_nickname".into()],
            trust_email: false,
        }
    }

    /// Naver at its production endpoints. Naver's profile API returns the
    /// member's contact e-mail (연락처 이메일) with no verified flag, and its
    /// documentation does not say the address was confirmed; so by default
    /// it is *not* trusted (`trust_email: false`) and a Naver sign-in links
    /// or creates no account on it. An operator who accepts Naver's address
    /// as verified sets `trust_email` (`SINMUNGO_OAUTH_NAVER_TRUST_EMAIL`);
    /// the risk is someone entering another person's address at Naver and
    /// being linked to that person's account here.
    pub fn naver(client_id: impl Into<String>, client_secret: ClientSecret) -> Self {
        Self {
            provider: Provider::Naver,
            client_id: client_id.into(),
            client_secret,
            authorize_url: "https://nid.naver.com/oauth2.0/authorize".to_owned(),
            token_url: "https://nid.naver.com/oauth2.0/token".to_owned(),
            userinfo_url: Some("https://openapi.naver.com/v1/nid/me".to_owned()),
            issuer: None,
            scopes: Vec::new(),
            trust_email: false,
        }
    }

    /// The production configuration of `provider`.
    pub fn for_provider(
        provider: Provider,
        client_id: impl Into<String>,
        client_secret: ClientSecret,
    ) -> Self {
        match provider {
            Provider::Google => Self::google(client_id, client_secret),
            Provider::Kakao => Self::kakao(client_id, client_secret),
            Provider::Naver => Self::naver(client_id, client_secret),
        }
    }
}

/// Every configured provider and where they send people back.
#[derive(Debug, Clone)]
pub struct OAuthConfig {
    /// The providers people may sign in with (at most one of each).
    pub providers: Vec<OAuthProviderConfig>,
    /// The public base URL of the API (`https://sinmungo.example.kr`): the
    /// callback is `{redirect_base}/api/v1/auth/oauth/{provider}/callback`,
    /// and the cookie is `Secure` when this is `https`.
    pub redirect_base: String,
    /// How long one call to a provider may take.
    pub timeout: Duration,
}

impl OAuthConfig {
    /// Providers calling back to `redirect_base`, with 10-second calls.
    pub fn new(redirect_base: impl Into<String>, providers: Vec<OAuthProviderConfig>) -> Self {
        Self {
            providers,
            redirect_base: redirect_base.into(),
            timeout: Duration::from_secs(10),
        }
    }
}

/// Why an [`OAuthConfig`] cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum OAuthConfigError {
    /// A URL does not parse, or is not `http(s)`.
    #[error("{what} is not an absolute http(s) URL: {url}")]
    InvalidUrl {
        /// Which setting.
        what: String,
        /// Its value (URLs hold no secrets).
        url: String,
    },
    /// A provider endpoint is plain `http` away from the loopback interface.
    #[error("{what} must be https (plain http is only for loopback test servers): {url}")]
    Insecure {
        /// Which setting.
        what: String,
        /// Its value.
        url: String,
    },
    /// A provider that needs a setting lacks it.
    #[error("{provider} needs {what}")]
    Missing {
        /// The provider.
        provider: Provider,
        /// The setting.
        what: &'static str,
    },
    /// A provider is configured twice.
    #[error("{0} is configured twice")]
    Duplicate(Provider),
    /// The client id is empty.
    #[error("{0} has no client id")]
    NoClientId(Provider),
    /// The HTTP client could not be built.
    #[error("could not build the HTTP client: {0}")]
    Client(String),
}

/// A sign-in started and not finished: kept (sealed) in the browser's cookie
/// between [`OAuthClient::start`] and [`OAuthClient::finish`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLogin {
    /// The provider it was started with.
    pub provider: Provider,
    /// The `state` sent to the provider (256 random bits, base64url).
    pub state: String,
    /// The PKCE verifier (256 random bits, base64url); the provider was sent
    /// its S256 challenge.
    pub code_verifier: String,
    /// The `nonce` sent to an OpenID Connect provider (Google).
    pub nonce: Option<String>,
}

impl std::fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingLogin")
            .field("provider", &self.provider)
            .finish_non_exhaustive()
    }
}

/// What is sealed in the cookie: the pending sign-in and when it expires.
#[derive(Serialize, Deserialize)]
struct Envelope {
    #[serde(flatten)]
    pending: PendingLogin,
    /// Expiry, in seconds since the epoch.
    exp: i64,
}

/// The query a provider calls back with: `code` and `state`, or `error`
/// (`access_denied`, …) and `state`.
#[derive(Clone, Default, Deserialize)]
pub struct CallbackQuery {
    /// The authorization code.
    pub code: Option<String>,
    /// The `state` we sent.
    pub state: Option<String>,
    /// An OAuth error code (RFC 6749 §4.1.2.1).
    pub error: Option<String>,
    /// The provider's words on the error.
    pub error_description: Option<String>,
}

impl std::fmt::Debug for CallbackQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackQuery")
            .field("code", &self.code.as_ref().map(|_| "<redacted>"))
            .field("error", &self.error)
            .field("error_description", &self.error_description)
            .finish_non_exhaustive()
    }
}

/// Which provider endpoint an error came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// The token endpoint.
    Token,
    /// The profile (userinfo) endpoint.
    UserInfo,
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Token => "token",
            Self::UserInfo => "userinfo",
        })
    }
}

/// Why a sign-in through a provider failed. No variant carries a secret.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// No such provider, or it is not configured.
    #[error("no identity provider `{0}` is configured")]
    UnknownProvider(String),
    /// The callback's `state` is not the one this browser's sign-in sent, or
    /// the sign-in cookie is missing, tampered with or expired.
    #[error("the callback does not belong to a sign-in started in this browser, or it expired")]
    StateMismatch,
    /// The person refused (or could not complete) the sign-in at the provider.
    #[error("the sign-in was refused at the provider ({code})")]
    Denied {
        /// The OAuth error code (`access_denied`, …).
        code: String,
    },
    /// The provider called back with another OAuth error.
    #[error("the provider called back with the error `{code}`")]
    Authorization {
        /// The OAuth error code.
        code: String,
    },
    /// The callback carries neither a code nor an error.
    #[error("the callback carries no authorization code")]
    MissingCode,
    /// The provider could not be reached, or did not answer in time.
    #[error("could not reach the provider's {endpoint} endpoint: {reason}")]
    Unreachable {
        /// Which endpoint.
        endpoint: Endpoint,
        /// What went wrong (timed out, connection refused, …).
        reason: String,
    },
    /// The provider answered with an HTTP error status.
    #[error("the provider's {endpoint} endpoint answered HTTP {status}{}", .error.as_deref().map(|e| format!(" ({e})")).unwrap_or_default())]
    Status {
        /// Which endpoint.
        endpoint: Endpoint,
        /// The status.
        status: u16,
        /// The OAuth error code in its answer, if any.
        error: Option<String>,
    },
    /// The provider answered 2xx with an error in the body (Naver does).
    #[error("the provider's {endpoint} endpoint refused: {error}")]
    Refused {
        /// Which endpoint.
        endpoint: Endpoint,
        /// Its error code and message.
        error: String,
    },
    /// The provider's answer is not what its documentation says.
    #[error("the provider's {endpoint} answer is malformed: {reason}")]
    Malformed {
        /// Which endpoint.
        endpoint: Endpoint,
        /// What is wrong with it.
        reason: String,
    },
    /// The ID token's claims do not check out (issuer, audience, expiry, nonce).
    #[error("the ID token was refused: {0}")]
    IdToken(&'static str),
    /// The pending sign-in could not be sealed.
    #[error("could not seal the pending sign-in: {0}")]
    Sealing(String),
}

/// The OAuth client: makes authorize URLs, seals pending sign-ins, and
/// finishes them with the provider. Cheap to clone.
#[derive(Clone)]
pub struct OAuthClient {
    inner: Arc<Inner>,
}

struct Inner {
    providers: Vec<OAuthProviderConfig>,
    redirect_base: String,
    secure_cookie: bool,
    http: reqwest::Client,
    sealer: Arc<dyn SecretSealer>,
}

impl std::fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthClient")
            .field("providers", &self.inner.providers)
            .field("redirect_base", &self.inner.redirect_base)
            .finish_non_exhaustive()
    }
}

/// Whether `url` is an absolute http(s) URL, and https unless on loopback.
fn check_url(what: String, url: &str, require_tls: bool) -> Result<Url, OAuthConfigError> {
    let invalid = || OAuthConfigError::InvalidUrl {
        what: what.clone(),
        url: url.to_owned(),
    };
    let parsed = Url::parse(url).map_err(|_| invalid())?;
    let host = parsed.host_str().ok_or_else(invalid)?;
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if loopback || !require_tls => Ok(parsed),
        "http" => Err(OAuthConfigError::Insecure {
            what,
            url: url.to_owned(),
        }),
        _ => Err(invalid()),
    }
}

/// 256 random bits, base64url without padding (43 characters).
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The PKCE S256 challenge of a verifier (RFC 7636 §4.2).
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Compares without stopping at the first difference.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// OAuth error codes that mean the person did not (or could not) consent,
/// rather than a fault of ours or the provider's.
fn is_refusal(code: &str) -> bool {
    matches!(
        code,
        "access_denied"
            | "consent_required"
            | "login_required"
            | "interaction_required"
            | "account_selection_required"
    )
}

/// The name the cookie is sealed under: a cookie made for one provider does
/// not open for another.
fn seal_name(provider: Provider) -> Result<SecretName, OAuthError> {
    SecretName::new(&format!("oauth.pending.{provider}"))
        .map_err(|_| OAuthError::Sealing("bad seal name".to_owned()))
}

impl OAuthClient {
    /// A client for the configured providers; `sealer` seals the pending
    /// sign-in cookie (use the server's secrets sealer, so that every
    /// instance behind a load balancer opens the others' cookies).
    pub fn new(
        config: OAuthConfig,
        sealer: Arc<dyn SecretSealer>,
    ) -> Result<Self, OAuthConfigError> {
        let redirect_base = config.redirect_base.trim_end_matches('/').to_owned();
        let base = check_url("the OAuth redirect base".to_owned(), &redirect_base, false)?;
        let mut providers: Vec<OAuthProviderConfig> = Vec::new();
        for provider in config.providers {
            let name = provider.provider;
            if providers.iter().any(|p| p.provider == name) {
                return Err(OAuthConfigError::Duplicate(name));
            }
            if provider.client_id.trim().is_empty() {
                return Err(OAuthConfigError::NoClientId(name));
            }
            check_url(
                format!("{name}'s authorize URL"),
                &provider.authorize_url,
                true,
            )?;
            check_url(format!("{name}'s token URL"), &provider.token_url, true)?;
            match (name, &provider.userinfo_url, &provider.issuer) {
                (Provider::Google, _, None) => {
                    return Err(OAuthConfigError::Missing {
                        provider: name,
                        what: "an issuer",
                    })
                }
                (Provider::Kakao | Provider::Naver, None, _) => {
                    return Err(OAuthConfigError::Missing {
                        provider: name,
                        what: "a userinfo URL",
                    })
                }
                (_, Some(url), _) => {
                    check_url(format!("{name}'s userinfo URL"), url, true)?;
                }
                _ => {}
            }
            providers.push(provider);
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.timeout.min(Duration::from_secs(5)))
            .timeout(config.timeout)
            .user_agent(concat!("sinmungo/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| OAuthConfigError::Client(e.without_url().to_string()))?;
        Ok(Self {
            inner: Arc::new(Inner {
                providers,
                secure_cookie: base.scheme() == "https",
                redirect_base,
                http,
                sealer,
            }),
        })
    }

    /// The configured providers.
    pub fn providers(&self) -> impl Iterator<Item = Provider> + '_ {
        self.inner.providers.iter().map(|p| p.provider)
    }

    /// The configuration of a provider by its wire name (`google`, …).
    fn provider(&self, name: &str) -> Result<&OAuthProviderConfig, OAuthError> {
        Provider::parse(name)
            .and_then(|provider| self.inner.providers.iter().find(|p| p.provider == provider))
            .ok_or_else(|| OAuthError::UnknownProvider(name.chars().take(40).collect()))
    }

    /// Whether `name` is a configured provider.
    pub fn is_configured(&self, name: &str) -> bool {
        self.provider(name).is_ok()
    }

    /// Where `provider` sends people back.
    pub fn callback_url(&self, provider: Provider) -> String {
        format!(
            "{}/api/v1/auth/oauth/{provider}/callback",
            self.inner.redirect_base
        )
    }

    /// Whether the cookie is `Secure` (the redirect base is https).
    pub fn secure_cookie(&self) -> bool {
        self.inner.secure_cookie
    }

    /// Starts a sign-in: the provider's authorize URL to send the browser
    /// to, and the pending sign-in to keep until it comes back.
    pub fn start(&self, name: &str) -> Result<(String, PendingLogin), OAuthError> {
        let config = self.provider(name)?;
        let pending = PendingLogin {
            provider: config.provider,
            state: random_token(),
            code_verifier: random_token(),
            nonce: config.issuer.is_some().then(random_token),
        };
        // Checked in `new`.
        let mut url = Url::parse(&config.authorize_url)
            .map_err(|_| OAuthError::UnknownProvider(name.to_owned()))?;
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", &config.client_id)
                .append_pair("redirect_uri", &self.callback_url(config.provider))
                .append_pair("state", &pending.state)
                .append_pair("code_challenge", &pkce_challenge(&pending.code_verifier))
                .append_pair("code_challenge_method", "S256");
            if !config.scopes.is_empty() {
                query.append_pair("scope", &config.scopes.join(" "));
            }
            if let Some(nonce) = &pending.nonce {
                query.append_pair("nonce", nonce);
            }
        }
        Ok((url.into(), pending))
    }

    /// The cookie value carrying `pending`: sealed (encrypted and
    /// authenticated) with an expiry [`PENDING_TTL`] from now, base64url.
    pub fn seal(&self, pending: &PendingLogin) -> Result<String, OAuthError> {
        let envelope = Envelope {
            pending: pending.clone(),
            exp: Utc::now().timestamp() + PENDING_TTL.as_secs() as i64,
        };
        let json =
            serde_json::to_string(&envelope).map_err(|e| OAuthError::Sealing(e.to_string()))?;
        let value = SecretValue::new(json).map_err(|e| OAuthError::Sealing(e.message))?;
        let sealed = self
            .inner
            .sealer
            .seal(&seal_name(pending.provider)?, &value)
            .map_err(|e| OAuthError::Sealing(e.to_string()))?;
        Ok(URL_SAFE_NO_PAD.encode(sealed))
    }

    /// Opens a cookie made by [`seal`](Self::seal) for the provider named
    /// `name`: a cookie tampered with, made for another provider or expired
    /// is a [`OAuthError::StateMismatch`].
    pub fn open(&self, name: &str, cookie: &str) -> Result<PendingLogin, OAuthError> {
        self.open_at(name, cookie, Utc::now().timestamp())
    }

    fn open_at(&self, name: &str, cookie: &str, now: i64) -> Result<PendingLogin, OAuthError> {
        let provider = self.provider(name)?.provider;
        let sealed = URL_SAFE_NO_PAD
            .decode(cookie.trim())
            .map_err(|_| OAuthError::StateMismatch)?;
        let value = self
            .inner
            .sealer
            .open(&seal_name(provider)?, &sealed)
            .map_err(|_| OAuthError::StateMismatch)?;
        let envelope: Envelope =
            serde_json::from_str(value.expose()).map_err(|_| OAuthError::StateMismatch)?;
        if envelope.exp < now || envelope.pending.provider != provider {
            return Err(OAuthError::StateMismatch);
        }
        Ok(envelope.pending)
    }

    /// Finishes a sign-in: checks the callback's `state` against the pending
    /// sign-in, turns a provider error into [`OAuthError::Denied`] or
    /// [`OAuthError::Authorization`], exchanges the code (with the PKCE
    /// verifier and our client secret) and reads who signed in.
    ///
    /// For Google the person is read from the token response's `id_token`:
    /// its `iss`, `aud` (our client id; `azp` too when present), `exp` and
    /// `nonce` are checked, but **not its signature**. OpenID Connect Core
    /// 1.0 §3.1.3.7 item 6 allows this: an ID token received directly from
    /// the token endpoint over TLS is vouched for by the TLS server
    /// validation of that endpoint. [`OAuthClient::new`] therefore refuses a
    /// token URL that is not https (loopback test servers aside), and the
    /// client follows no redirects. An ID token from anywhere else (a browser,
    /// another app) must never be read with this code.
    pub async fn finish(
        &self,
        pending: &PendingLogin,
        callback: &CallbackQuery,
    ) -> Result<ExternalProfile, OAuthError> {
        let config = self.provider(pending.provider.as_str())?;
        let state = callback.state.as_deref().unwrap_or_default();
        if !same(state, &pending.state) {
            return Err(OAuthError::StateMismatch);
        }
        if let Some(code) = callback.error.as_deref() {
            let code: String = code.chars().take(64).collect();
            return Err(if is_refusal(&code) {
                OAuthError::Denied { code }
            } else {
                OAuthError::Authorization { code }
            });
        }
        let code = callback
            .code
            .as_deref()
            .filter(|c| !c.is_empty())
            .ok_or(OAuthError::MissingCode)?;
        let tokens = self.exchange(config, pending, code).await?;
        match config.provider {
            Provider::Google => google_profile(config, pending, &tokens),
            Provider::Kakao => {
                let me = self.userinfo(config, &tokens).await?;
                kakao_profile(&me)
            }
            Provider::Naver => {
                let me = self.userinfo(config, &tokens).await?;
                naver_profile(config, &me)
            }
        }
    }

    /// The token request (RFC 6749 §4.1.3 with RFC 7636's `code_verifier`;
    /// Naver also takes the `state`).
    async fn exchange(
        &self,
        config: &OAuthProviderConfig,
        pending: &PendingLogin,
        code: &str,
    ) -> Result<Value, OAuthError> {
        let redirect_uri = self.callback_url(config.provider);
        let mut form: Vec<(&str, &str)> = vec![
            ("grant_type", "authorization_code"),
            ("client_id", &config.client_id),
            ("client_secret", config.client_secret.expose()),
            ("code", code),
            ("redirect_uri", &redirect_uri),
            ("code_verifier", &pending.code_verifier),
        ];
        if config.provider == Provider::Naver {
            form.push(("state", &pending.state));
        }
        let request = self
            .inner
            .http
            .post(&config.token_url)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form);
        let answer = send(request, Endpoint::Token).await?;
        // Naver answers token errors with 200 and an `error` field.
        if let Some(error) = answer.get("error").and_then(Value::as_str) {
            return Err(OAuthError::Refused {
                endpoint: Endpoint::Token,
                error: error.chars().take(64).collect(),
            });
        }
        Ok(answer)
    }

    /// `GET` the provider's profile with the access token.
    async fn userinfo(
        &self,
        config: &OAuthProviderConfig,
        tokens: &Value,
    ) -> Result<Value, OAuthError> {
        let access_token = tokens
            .get("access_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| OAuthError::Malformed {
                endpoint: Endpoint::Token,
                reason: "no access_token".to_owned(),
            })?;
        let url = config
            .userinfo_url
            .as_deref()
            .ok_or_else(|| OAuthError::UnknownProvider(config.provider.to_string()))?;
        let request = self
            .inner
            .http
            .get(url)
            .bearer_auth(access_token)
            .header(reqwest::header::ACCEPT, "application/json");
        send(request, Endpoint::UserInfo).await
    }
}

/// Sends a request and reads a JSON object back (at most
/// [`MAX_ANSWER_BYTES`]); transport failures, non-2xx and non-JSON answers
/// are typed errors.
async fn send(request: reqwest::RequestBuilder, endpoint: Endpoint) -> Result<Value, OAuthError> {
    let unreachable = |error: reqwest::Error| OAuthError::Unreachable {
        endpoint,
        reason: if error.is_timeout() {
            "timed out".to_owned()
        } else if error.is_connect() {
            "could not connect".to_owned()
        } else {
            error.without_url().to_string()
        },
    };
    let mut response = request.send().await.map_err(unreachable)?;
    let status = response.status();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(OAuthError::Malformed {
                endpoint,
                reason: format!("the answer is larger than {MAX_ANSWER_BYTES} bytes"),
            });
        }
        body.extend_from_slice(&chunk);
    }
    let json = serde_json::from_slice::<Value>(&body).ok();
    if !status.is_success() {
        let error = json
            .as_ref()
            .and_then(|v| v.get("error"))
            .and_then(Value::as_str)
            .map(|e| e.chars().take(64).collect());
        return Err(OAuthError::Status {
            endpoint,
            status: status.as_u16(),
            error,
        });
    }
    match json {
        Some(value @ Value::Object(_)) => Ok(value),
        _ => Err(OAuthError::Malformed {
            endpoint,
            reason: "the answer is not a JSON object".to_owned(),
        }),
    }
}

fn malformed(endpoint: Endpoint, reason: &str) -> OAuthError {
    OAuthError::Malformed {
        endpoint,
        reason: reason.to_owned(),
    }
}

/// A non-empty string, trimmed.
fn text(value: Option<&Value>) -> Option<String> {
    value
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A provider's id of a person: a number (Kakao) or a string (Naver).
fn subject(value: Option<&Value>, endpoint: Endpoint) -> Result<String, OAuthError> {
    match value {
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(n.to_string()),
        Some(Value::String(s)) if !s.trim().is_empty() && s.len() <= 255 => Ok(s.trim().to_owned()),
        _ => Err(malformed(endpoint, "no usable id")),
    }
}

/// The claims of an ID token (its middle part), unverified.
fn id_token_claims(token: &str) -> Result<Value, OAuthError> {
    let bad = || malformed(Endpoint::Token, "the id_token is not a JWT");
    let mut parts = token.split('.');
    let (Some(_header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| bad())?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(claims @ Value::Object(_)) => Ok(claims),
        _ => Err(bad()),
    }
}

/// Google: who signed in, from the token response's ID token (see
/// [`OAuthClient::finish`] on why its signature is not checked).
fn google_profile(
    config: &OAuthProviderConfig,
    pending: &PendingLogin,
    tokens: &Value,
) -> Result<ExternalProfile, OAuthError> {
    let token = tokens
        .get("id_token")
        .and_then(Value::as_str)
        .ok_or_else(|| malformed(Endpoint::Token, "no id_token"))?;
    let claims = id_token_claims(token)?;
    check_id_token(config, pending, &claims, Utc::now().timestamp())?;
    let subject = text(claims.get("sub")).ok_or(OAuthError::IdToken("no subject"))?;
    // A boolean; some older tokens carry the string "true".
    let email_verified = match claims.get("email_verified") {
        Some(Value::Bool(verified)) => *verified,
        Some(Value::String(verified)) => verified == "true",
        _ => false,
    };
    Ok(ExternalProfile {
        provider: config.provider,
        subject,
        email: text(claims.get("email")),
        email_verified,
        name: text(claims.get("name")),
    })
}

/// The checks of OpenID Connect Core 1.0 §3.1.3.7 items 2–3, 9 and 11
/// (issuer, audience and authorized party, expiry, nonce).
fn check_id_token(
    config: &OAuthProviderConfig,
    pending: &PendingLogin,
    claims: &Value,
    now: i64,
) -> Result<(), OAuthError> {
    let issuer = config
        .issuer
        .as_deref()
        .ok_or(OAuthError::IdToken("no issuer is configured"))?;
    let iss = claims
        .get("iss")
        .and_then(Value::as_str)
        .unwrap_or_default();
    // Google documents `accounts.google.com` (no scheme) as a legacy form of its issuer.
    let legacy =
        config.provider == Provider::Google && issuer.strip_prefix("https://") == Some(iss);
    if iss != issuer && !legacy {
        return Err(OAuthError::IdToken("it was issued by someone else (iss)"));
    }
    let client_id = config.client_id.as_str();
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(aud)) => vec![aud.as_str()],
        Some(Value::Array(auds)) => auds.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !audiences.contains(&client_id) {
        return Err(OAuthError::IdToken("it is meant for another client (aud)"));
    }
    let azp = claims.get("azp").and_then(Value::as_str);
    if (audiences.len() > 1 && azp.is_none()) || azp.is_some_and(|azp| azp != client_id) {
        return Err(OAuthError::IdToken("it was issued to another client (azp)"));
    }
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or(OAuthError::IdToken("it has no expiry (exp)"))?;
    if exp + EXP_LEEWAY_SECONDS < now {
        return Err(OAuthError::IdToken("it has expired (exp)"));
    }
    let nonce = claims.get("nonce").and_then(Value::as_str);
    match (nonce, pending.nonce.as_deref()) {
        (Some(got), Some(sent)) if same(got, sent) => Ok(()),
        _ => Err(OAuthError::IdToken(
            "it does not carry this sign-in's nonce",
        )),
    }
}

/// Kakao's `/v2/user/me`: the e-mail counts as verified only when Kakao
/// says it is both verified and still valid (`is_email_valid` turns false
/// when the address has since been taken by another Kakao account).
fn kakao_profile(me: &Value) -> Result<ExternalProfile, OAuthError> {
    let subject = subject(me.get("id"), Endpoint::UserInfo)?;
    let account = me.get("kakao_account");
    let flag = |name: &str| {
        account
            .and_then(|a| a.get(name))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    let name = text(
        account
            .and_then(|a| a.get("profile"))
            .and_then(|p| p.get("nickname")),
    )
    .or_else(|| text(me.get("properties").and_then(|p| p.get("nickname"))));
    Ok(ExternalProfile {
        provider: Provider::Kakao,
        subject,
        email: text(account.and_then(|a| a.get("email"))),
        email_verified: flag("is_email_verified") && flag("is_email_valid"),
        name,
    })
}

/// Naver's `/v1/nid/me`: `resultcode` `"00"` or a refusal. The nickname
/// (what the member chose to show) is preferred over the legal name.
fn naver_profile(config: &OAuthProviderConfig, me: &Value) -> Result<ExternalProfile, OAuthError> {
    let code = me.get("resultcode").and_then(Value::as_str);
    if code != Some("00") {
        let message = me.get("message").and_then(Value::as_str).unwrap_or("");
        return Err(OAuthError::Refused {
            endpoint: Endpoint::UserInfo,
            error: format!("resultcode {} {}", code.unwrap_or("missing"), message)
                .chars()
                .take(120)
                .collect(),
        });
    }
    let profile = me
        .get("response")
        .filter(|r| r.is_object())
        .ok_or_else(|| malformed(Endpoint::UserInfo, "no response object"))?;
    let email = text(profile.get("email"));
    Ok(ExternalProfile {
        provider: Provider::Naver,
        subject: subject(profile.get("id"), Endpoint::UserInfo)?,
        email_verified: email.is_some() && config.trust_email,
        email,
        name: text(profile.get("nickname")).or_else(|| text(profile.get("name"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    struct Sealer;

    /// Seals by prefixing the name (enough to test the envelope; the real
    /// sealer has its own tests).
    impl SecretSealer for Sealer {
        fn seal(
            &self,
            name: &SecretName,
            value: &SecretValue,
        ) -> Result<Vec<u8>, sinmungo_core::ports::SealError> {
            Ok(format!("{name}|{}", value.expose()).into_bytes())
        }

        fn open(
            &self,
            name: &SecretName,
            sealed: &[u8],
        ) -> Result<SecretValue, sinmungo_core::ports::SealError> {
            let text = String::from_utf8(sealed.to_vec()).unwrap();
            let rest = text
                .strip_prefix(&format!("{name}|"))
                .ok_or_else(|| sinmungo_core::ports::SealError::Unopenable(name.to_string()))?;
            Ok(SecretValue::new(rest.to_owned()).unwrap())
        }
    }

    fn client(providers: Vec<OAuthProviderConfig>) -> OAuthClient {
        OAuthClient::new(
            OAuthConfig::new("https://sinmungo.example.kr/", providers),
            Arc::new(Sealer),
        )
        .unwrap()
    }

    fn secret() -> ClientSecret {
        ClientSecret::new("very-secret-value")
    }

    #[test]
    fn pkce_matches_rfc_7636_appendix_b() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn secrets_never_print() {
        let config = OAuthConfig::new(
            "https://sinmungo.example.kr",
            vec![OAuthProviderConfig::google("id", secret())],
        );
        assert!(!format!("{config:?}").contains("very-secret"));
        let client = OAuthClient::new(config, Arc::new(Sealer)).unwrap();
        assert!(!format!("{client:?}").contains("very-secret"));
        let (_, pending) = client.start("google").unwrap();
        assert!(!format!("{pending:?}").contains(&pending.code_verifier));
    }

    #[test]
    fn start_makes_an_authorize_url_with_pkce_and_a_nonce_for_google_only() {
        let client = client(vec![
            OAuthProviderConfig::google("g-id", secret()),
            OAuthProviderConfig::kakao("k-id", secret()),
        ]);
        let (url, pending) = client.start("google").unwrap();
        let url = Url::parse(&url).unwrap();
        assert_eq!(url.host_str(), Some("accounts.google.com"));
        let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(query["client_id"], "g-id");
        assert_eq!(
            query["redirect_uri"],
            "https://sinmungo.example.kr/api/v1/auth/oauth/google/callback"
        );
        assert_eq!(query["state"], pending.state);
        assert_eq!(
            query["code_challenge"],
            pkce_challenge(&pending.code_verifier)
        );
        assert_eq!(query["code_challenge_method"], "S256");
        assert_eq!(query["scope"], "openid email profile");
        assert_eq!(Some(&query["nonce"]), pending.nonce.as_ref());
        assert!(!url.as_str().contains("very-secret"));
        assert_eq!(pending.state.len(), 43);

        let (url, pending) = client.start("kakao").unwrap();
        assert!(pending.nonce.is_none());
        assert!(!url.contains("nonce="));
        assert!(url.starts_with("https://kauth.kakao.com/oauth/authorize?"));
        assert!(matches!(
            client.start("naver"),
            Err(OAuthError::UnknownProvider(_))
        ));
        assert!(matches!(
            client.start("facebook"),
            Err(OAuthError::UnknownProvider(_))
        ));
    }

    #[test]
    fn sealed_pending_logins_open_for_their_provider_until_they_expire() {
        let client = client(vec![
            OAuthProviderConfig::google("g-id", secret()),
            OAuthProviderConfig::kakao("k-id", secret()),
        ]);
        let (_, pending) = client.start("google").unwrap();
        let cookie = client.seal(&pending).unwrap();
        assert_eq!(client.open("google", &cookie).unwrap(), pending);
        assert!(matches!(
            client.open("kakao", &cookie),
            Err(OAuthError::StateMismatch)
        ));
        let later = Utc::now().timestamp() + PENDING_TTL.as_secs() as i64 + 5;
        assert!(matches!(
            client.open_at("google", &cookie, later),
            Err(OAuthError::StateMismatch)
        ));
        assert!(matches!(
            client.open("google", "not base64!"),
            Err(OAuthError::StateMismatch)
        ));
    }

    #[test]
    fn endpoints_must_be_https_except_on_loopback() {
        let mut google = OAuthProviderConfig::google("id", secret());
        google.token_url = "http://oauth.example.kr/token".into();
        let refused = OAuthClient::new(
            OAuthConfig::new("https://sinmungo.example.kr", vec![google.clone()]),
            Arc::new(Sealer),
        );
        assert!(matches!(refused, Err(OAuthConfigError::Insecure { .. })));
        google.token_url = "http://127.0.0.1:8080/token".into();
        assert!(OAuthClient::new(
            OAuthConfig::new("http://localhost:8080", vec![google.clone()]),
            Arc::new(Sealer),
        )
        .is_ok());
        let twice = OAuthClient::new(
            OAuthConfig::new("https://x.kr", vec![google.clone(), google]),
            Arc::new(Sealer),
        );
        assert!(matches!(twice, Err(OAuthConfigError::Duplicate(_))));
        assert!(OAuthClient::new(OAuthConfig::new("not a url", vec![]), Arc::new(Sealer)).is_err());
    }

    fn pending(nonce: &str) -> PendingLogin {
        PendingLogin {
            provider: Provider::Google,
            state: "s".into(),
            code_verifier: "v".into(),
            nonce: Some(nonce.into()),
        }
    }

    #[test]
    fn id_token_claims_are_checked() {
        let config = OAuthProviderConfig::google("me", secret());
        let now = 1_700_000_000;
        let good =
            json!({"iss": GOOGLE_ISSUER, "aud": "me", "exp": now + 300, "nonce": "n", "sub": "1"});
        assert!(check_id_token(&config, &pending("n"), &good, now).is_ok());
        let mut legacy = good.clone();
        legacy["iss"] = json!("accounts.google.com");
        assert!(check_id_token(&config, &pending("n"), &legacy, now).is_ok());
        let mut multi = good.clone();
        multi["aud"] = json!(["other", "me"]);
        assert!(check_id_token(&config, &pending("n"), &multi, now).is_err());
        multi["azp"] = json!("me");
        assert!(check_id_token(&config, &pending("n"), &multi, now).is_ok());
        for (claim, value) in [
            ("iss", json!("https://evil.example")),
            ("aud", json!("other")),
            ("azp", json!("other")),
            ("exp", json!(now - 3600)),
            ("exp", json!("soon")),
            ("nonce", json!("m")),
        ] {
            let mut bad = good.clone();
            bad[claim] = value;
            assert!(
                check_id_token(&config, &pending("n"), &bad, now).is_err(),
                "{claim}"
            );
        }
        let mut no_nonce = good;
        no_nonce.as_object_mut().unwrap().remove("nonce");
        assert!(check_id_token(&config, &pending("n"), &no_nonce, now).is_err());
    }

    #[test]
    fn provider_profiles_are_read_as_documented() {
        let kakao = json!({
            "id": 123_456_789_u64,
            "kakao_account": {
                "profile": {"nickname": "홍길동"},
                "email": "hong@kakao.com",
                "is_email_valid": true,
                "is_email_verified": true
            }
        });
        let profile = kakao_profile(&kakao).unwrap();
        assert_eq!(profile.subject, "123456789");
        assert!(profile.email_verified);
        assert_eq!(profile.name.as_deref(), Some("홍길동"));
        let invalid = json!({"id": 1, "kakao_account": {"email": "a@b.kr", "is_email_valid": false, "is_email_verified": true}, "properties": {"nickname": "길동"}});
        let profile = kakao_profile(&invalid).unwrap();
        assert!(!profile.email_verified);
        assert_eq!(profile.name.as_deref(), Some("길동"));
        assert!(kakao_profile(&json!({"id": null})).is_err());

        let naver_config = OAuthProviderConfig {
            trust_email: true,
            ..OAuthProviderConfig::naver("id", secret())
        };
        assert!(
            !OAuthProviderConfig::naver("id", secret()).trust_email,
            "untrusted by default"
        );
        let naver = json!({"resultcode": "00", "message": "success", "response": {"id": "abc-DEF_123", "email": "hong@naver.com", "name": "홍길동", "nickname": "길동이"}});
        let profile = naver_profile(&naver_config, &naver).unwrap();
        assert_eq!(profile.subject, "abc-DEF_123");
        assert!(profile.email_verified);
        assert_eq!(profile.name.as_deref(), Some("길동이"));
        let untrusted = OAuthProviderConfig {
            trust_email: false,
            ..naver_config.clone()
        };
        assert!(!naver_profile(&untrusted, &naver).unwrap().email_verified);
        let refused = json!({"resultcode": "024", "message": "Authentication failed"});
        assert!(matches!(
            naver_profile(&naver_config, &refused),
            Err(OAuthError::Refused { .. })
        ));
    }

    #[test]
    fn ids_tokens_must_be_three_part_jwts() {
        assert!(id_token_claims("a.b").is_err());
        assert!(id_token_claims("a.b.c.d").is_err());
        assert!(id_token_claims("a.!!!.c").is_err());
        let payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"1"}"#);
        assert_eq!(
            id_token_claims(&format!("e30.{payload}.")).unwrap(),
            json!({"sub": "1"})
        );
    }
}
