//! Signing in through an outside identity provider, the browser's half:
//! the `state`, the pending sign-in sealed in the `sinmungo_oauth` cookie,
//! the callback URL, and the checks of the callback. The provider's half
//! (authorize URL with PKCE, code exchange, reading the profile) is behind
//! the core's [`IdentityProvider`] port.
//!
//! [`OAuthClient::start`] makes a random `state`, asks the provider for its
//! authorize URL, and returns the [`PendingLogin`] that travels, sealed, in
//! the cookie until the provider sends the person back;
//! [`OAuthClient::finish`] checks the callback against it and has the
//! provider exchange the code and say who signed in.

use std::sync::Arc;
use std::time::Duration;

use axum::http::Uri;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::Utc;
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use sinmungo_core::domain::{ExternalProfile, Provider, SecretName, SecretValue};
use sinmungo_core::ports::{
    CodeExchange, IdentityError, IdentityProvider, ProviderChallenge, SecretSealer,
};

/// The name of the cookie the pending sign-in travels in.
pub const COOKIE_NAME: &str = "sinmungo_oauth";

/// The path the cookie is sent to: the `start` and `callback` routes.
pub const COOKIE_PATH: &str = "/api/v1/auth/oauth";

/// How long a person has at the provider before the sign-in expires
/// (the cookie's `Max-Age`, and the expiry sealed inside it).
pub const PENDING_TTL: Duration = Duration::from_secs(600);

/// The OAuth redirect base is not an absolute http(s) URL.
#[derive(Debug, thiserror::Error)]
#[error("the OAuth redirect base is not an absolute http(s) URL: {0}")]
pub struct InvalidRedirectBase(pub String);

/// Which front end a sign-in through a provider is for: each has its own
/// callback URL (both registered with the provider), and a sign-in started
/// for one is refused by the other's callback.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flow {
    /// The REST API: `/api/v1/auth/oauth/{provider}/callback` answers with tokens.
    #[default]
    Api,
    /// The officers' console: `/admin/login/oauth/{provider}/callback` sets its cookie.
    Console,
}

/// A sign-in started and not finished: kept (sealed) in the browser's cookie
/// between [`OAuthClient::start`] and [`OAuthClient::finish`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLogin {
    /// The provider it was started with.
    pub provider: Provider,
    /// The front end it was started from.
    #[serde(default)]
    pub flow: Flow,
    /// The `state` sent to the provider (256 random bits, base64url).
    pub state: String,
    /// The PKCE verifier the provider made (see [`ProviderChallenge`]).
    pub code_verifier: String,
    /// The `nonce` sent to an OpenID Connect provider (Google).
    pub nonce: Option<String>,
}

impl PendingLogin {
    /// The provider's part of it.
    fn challenge(&self) -> ProviderChallenge {
        ProviderChallenge {
            code_verifier: self.code_verifier.clone(),
            nonce: self.nonce.clone(),
        }
    }
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
#[derive(Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
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
    /// The provider could not say who signed in.
    #[error(transparent)]
    Provider(#[from] IdentityError),
    /// The pending sign-in could not be sealed.
    #[error("could not seal the pending sign-in: {0}")]
    Sealing(String),
}

/// The OAuth flow: makes `state`s, seals pending sign-ins, checks callbacks
/// and has the [`IdentityProvider`] finish them. Cheap to clone.
#[derive(Clone)]
pub struct OAuthClient {
    inner: Arc<Inner>,
}

struct Inner {
    providers: Arc<dyn IdentityProvider>,
    redirect_base: String,
    secure_cookie: bool,
    sealer: Arc<dyn SecretSealer>,
}

impl std::fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthClient")
            .field("providers", &self.inner.providers.providers())
            .field("redirect_base", &self.inner.redirect_base)
            .finish_non_exhaustive()
    }
}

/// 256 random bits, base64url without padding (43 characters).
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
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
    /// The flow for `providers`, calling back to `redirect_base` (the public
    /// base URL of the API: the callback is
    /// `{redirect_base}/api/v1/auth/oauth/{provider}/callback`, and the
    /// cookie is `Secure` when it is `https`); `sealer` seals the pending
    /// sign-in cookie (use the server's secrets sealer, so that every
    /// instance behind a load balancer opens the others' cookies).
    pub fn new(
        redirect_base: impl Into<String>,
        providers: Arc<dyn IdentityProvider>,
        sealer: Arc<dyn SecretSealer>,
    ) -> Result<Self, InvalidRedirectBase> {
        let redirect_base = redirect_base.into().trim_end_matches('/').to_owned();
        let invalid = || InvalidRedirectBase(redirect_base.clone());
        let base: Uri = redirect_base.parse().map_err(|_| invalid())?;
        let scheme = base.scheme_str().ok_or_else(invalid)?;
        if !matches!(scheme, "http" | "https") || base.host().is_none_or(str::is_empty) {
            return Err(invalid());
        }
        Ok(Self {
            inner: Arc::new(Inner {
                secure_cookie: scheme == "https",
                providers,
                redirect_base,
                sealer,
            }),
        })
    }

    /// The configured providers.
    pub fn providers(&self) -> Vec<Provider> {
        self.inner.providers.providers()
    }

    /// A configured provider by its wire name (`google`, …).
    fn provider(&self, name: &str) -> Result<Provider, OAuthError> {
        Provider::parse(name)
            .filter(|provider| self.providers().contains(provider))
            .ok_or_else(|| OAuthError::UnknownProvider(name.chars().take(40).collect()))
    }

    /// Whether `name` is a configured provider.
    pub fn is_configured(&self, name: &str) -> bool {
        self.provider(name).is_ok()
    }

    /// Where `provider` sends people back to the API.
    pub fn callback_url(&self, provider: Provider) -> String {
        self.callback_url_for(provider, Flow::Api)
    }

    /// Where `provider` sends people back to `flow`'s front end.
    pub fn callback_url_for(&self, provider: Provider, flow: Flow) -> String {
        let path = match flow {
            Flow::Api => "/api/v1/auth/oauth",
            Flow::Console => "/admin/login/oauth",
        };
        format!("{}{path}/{provider}/callback", self.inner.redirect_base)
    }

    /// Whether the cookie is `Secure` (the redirect base is https).
    pub fn secure_cookie(&self) -> bool {
        self.inner.secure_cookie
    }

    /// Starts a sign-in: the provider's authorize URL to send the browser
    /// to, and the pending sign-in to keep until it comes back.
    pub fn start(&self, name: &str) -> Result<(String, PendingLogin), OAuthError> {
        self.start_for(name, Flow::Api)
    }

    /// [`start`](Self::start) for `flow`'s front end (its own callback URL).
    pub fn start_for(&self, name: &str, flow: Flow) -> Result<(String, PendingLogin), OAuthError> {
        let provider = self.provider(name)?;
        let state = random_token();
        let started = self.inner.providers.authorize(
            provider,
            &self.callback_url_for(provider, flow),
            &state,
        )?;
        let pending = PendingLogin {
            provider,
            flow,
            state,
            code_verifier: started.challenge.code_verifier,
            nonce: started.challenge.nonce,
        };
        Ok((started.url, pending))
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
        self.open_for(name, Flow::Api, cookie)
    }

    /// [`open`](Self::open) at `flow`'s callback: a sign-in started for the
    /// other front end is a [`OAuthError::StateMismatch`].
    pub fn open_for(
        &self,
        name: &str,
        flow: Flow,
        cookie: &str,
    ) -> Result<PendingLogin, OAuthError> {
        let pending = self.open_at(name, cookie, Utc::now().timestamp())?;
        if pending.flow == flow {
            Ok(pending)
        } else {
            Err(OAuthError::StateMismatch)
        }
    }

    fn open_at(&self, name: &str, cookie: &str, now: i64) -> Result<PendingLogin, OAuthError> {
        let provider = self.provider(name)?;
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
    /// [`OAuthError::Authorization`], and has the provider exchange the code
    /// and say who signed in.
    pub async fn finish(
        &self,
        pending: &PendingLogin,
        callback: &CallbackQuery,
    ) -> Result<ExternalProfile, OAuthError> {
        let provider = self.provider(pending.provider.as_str())?;
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
        let exchange = CodeExchange {
            code: code.to_owned(),
            redirect_uri: self.callback_url_for(provider, pending.flow),
            state: pending.state.clone(),
            challenge: pending.challenge(),
        };
        Ok(self.inner.providers.exchange(provider, &exchange).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sinmungo_core::ports::{Authorization, MockIdentityProvider, SealError};

    struct Sealer;

    /// Seals by prefixing the name (enough to test the envelope; the real
    /// sealer has its own tests).
    impl SecretSealer for Sealer {
        fn seal(&self, name: &SecretName, value: &SecretValue) -> Result<Vec<u8>, SealError> {
            Ok(format!("{name}|{}", value.expose()).into_bytes())
        }

        fn open(&self, name: &SecretName, sealed: &[u8]) -> Result<SecretValue, SealError> {
            let text = String::from_utf8(sealed.to_vec()).unwrap();
            let rest = text
                .strip_prefix(&format!("{name}|"))
                .ok_or_else(|| SealError::Unopenable(name.to_string()))?;
            Ok(SecretValue::new(rest.to_owned()).unwrap())
        }
    }

    /// Google and Kakao, answering `authorize` with the arguments they got.
    fn providers() -> Arc<dyn IdentityProvider> {
        let mut mock = MockIdentityProvider::new();
        mock.expect_providers()
            .returning(|| vec![Provider::Google, Provider::Kakao]);
        mock.expect_authorize()
            .returning(|provider, redirect_uri, state| {
                Ok(Authorization {
                    url: format!(
                        "https://{provider}.example/auth?redirect_uri={redirect_uri}&state={state}"
                    ),
                    challenge: ProviderChallenge {
                        code_verifier: random_token(),
                        nonce: (provider == Provider::Google).then(random_token),
                    },
                })
            });
        Arc::new(mock)
    }

    fn client() -> OAuthClient {
        OAuthClient::new(
            "https://sinmungo.example.kr/",
            providers(),
            Arc::new(Sealer),
        )
        .unwrap()
    }

    #[test]
    fn start_makes_a_state_and_asks_the_provider_for_its_url() {
        let client = client();
        let (url, pending) = client.start("google").unwrap();
        assert_eq!(pending.provider, Provider::Google);
        assert_eq!(pending.state.len(), 43);
        assert!(url.contains(&format!("state={}", pending.state)));
        assert!(url.contains(
            "redirect_uri=https://sinmungo.example.kr/api/v1/auth/oauth/google/callback"
        ));
        assert!(pending.nonce.is_some());
        assert!(!format!("{pending:?}").contains(&pending.code_verifier));
        assert!(!format!("{pending:?}").contains(&pending.state));
        let (_, kakao) = client.start("kakao").unwrap();
        assert!(kakao.nonce.is_none());
        assert_ne!(kakao.state, pending.state);
        for unknown in ["naver", "facebook", "GOOGLE"] {
            assert!(
                matches!(client.start(unknown), Err(OAuthError::UnknownProvider(_))),
                "{unknown}"
            );
        }
        assert!(client.secure_cookie());
    }

    #[test]
    fn sealed_pending_logins_open_for_their_provider_until_they_expire() {
        let client = client();
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
    fn the_redirect_base_must_be_an_absolute_http_url() {
        for bad in ["not a url", "ftp://x.kr", "/relative"] {
            assert!(
                OAuthClient::new(bad, providers(), Arc::new(Sealer)).is_err(),
                "{bad}"
            );
        }
        let plain = OAuthClient::new("http://localhost:8080", providers(), Arc::new(Sealer));
        assert!(!plain.unwrap().secure_cookie());
    }
}
