//! Our registrations at the providers, and their endpoints.

use std::net::IpAddr;
use std::time::Duration;

use reqwest::Url;
use sinmungo_core::domain::Provider;

use crate::google::GOOGLE_ISSUER;

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

/// Every configured provider, and how long one call to one may take.
#[derive(Debug, Clone)]
pub struct IdentityConfig {
    /// The providers people may sign in with (at most one of each).
    pub providers: Vec<OAuthProviderConfig>,
    /// How long one call to a provider may take.
    pub timeout: Duration,
}

impl IdentityConfig {
    /// These providers, with 10-second calls.
    pub fn new(providers: Vec<OAuthProviderConfig>) -> Self {
        Self {
            providers,
            timeout: Duration::from_secs(10),
        }
    }
}

/// Why an [`IdentityConfig`] cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum IdentityConfigError {
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

/// Whether `url` is an absolute http(s) URL, and https unless on loopback.
pub(crate) fn check_url(what: String, url: &str) -> Result<Url, IdentityConfigError> {
    let invalid = || IdentityConfigError::InvalidUrl {
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
        "http" if loopback => Ok(parsed),
        "http" => Err(IdentityConfigError::Insecure {
            what,
            url: url.to_owned(),
        }),
        _ => Err(invalid()),
    }
}
