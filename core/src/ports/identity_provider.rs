//! Signing people in at outside identity providers (Google, Kakao, Naver):
//! the provider's half of the OAuth 2.0 authorization code flow with PKCE.
//!
//! The browser's half — the `state`, the cookie it travels in, the callback
//! route — belongs to the HTTP adapter; this port makes the authorize URL
//! (with a fresh PKCE verifier, and a nonce for OpenID Connect) and, when the
//! person comes back, exchanges the code and reads who signed in. No
//! transport type crosses it: every failure is an [`IdentityError`].

use async_trait::async_trait;

use crate::domain::identity::{ExternalProfile, Provider};

/// What the provider's side of a sign-in needs kept until the person comes
/// back: the PKCE verifier and, for OpenID Connect, the nonce. Secret:
/// `Debug` shows neither.
#[derive(Clone, PartialEq, Eq)]
pub struct ProviderChallenge {
    /// The PKCE verifier (RFC 7636); the provider was sent its S256 challenge.
    pub code_verifier: String,
    /// The `nonce` sent to an OpenID Connect provider (Google), checked in its ID token.
    pub nonce: Option<String>,
}

impl std::fmt::Debug for ProviderChallenge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderChallenge")
            .field("nonce", &self.nonce.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

/// A sign-in started at a provider: where to send the browser, and what to
/// keep for [`IdentityProvider::exchange`].
#[derive(Debug, Clone)]
pub struct Authorization {
    /// The provider's authorize URL, with our client, callback, state and challenge.
    pub url: String,
    /// What to keep until the person comes back.
    pub challenge: ProviderChallenge,
}

/// A provider called back with a code: what the exchange needs.
#[derive(Clone)]
pub struct CodeExchange {
    /// The authorization code.
    pub code: String,
    /// The callback URL the authorize request named (sent again, RFC 6749 §4.1.3).
    pub redirect_uri: String,
    /// The `state` the authorize request carried (Naver's token request takes it).
    pub state: String,
    /// What [`IdentityProvider::authorize`] made for this sign-in.
    pub challenge: ProviderChallenge,
}

impl std::fmt::Debug for CodeExchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeExchange")
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

/// Which provider endpoint a failure came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderEndpoint {
    /// The token endpoint.
    Token,
    /// The profile (userinfo) endpoint.
    UserInfo,
}

impl std::fmt::Display for ProviderEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Token => "token",
            Self::UserInfo => "userinfo",
        })
    }
}

/// Why a provider could not tell who signed in. No variant carries a secret;
/// the texts are the provider's or the transport's, for the log only.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// The provider is not configured here.
    #[error("no identity provider `{0}` is configured")]
    NotConfigured(Provider),
    /// The provider could not be reached, or did not answer in time.
    #[error("could not reach the provider's {endpoint} endpoint: {reason}")]
    Unreachable {
        /// Which endpoint.
        endpoint: ProviderEndpoint,
        /// What went wrong (timed out, connection refused, …).
        reason: String,
    },
    /// The provider answered with an HTTP error status.
    #[error("the provider's {endpoint} endpoint answered HTTP {status}{}", .error.as_deref().map(|e| format!(" ({e})")).unwrap_or_default())]
    Status {
        /// Which endpoint.
        endpoint: ProviderEndpoint,
        /// The status.
        status: u16,
        /// The OAuth error code in its answer, if any.
        error: Option<String>,
    },
    /// The provider answered 2xx with an error in the body (Naver does).
    #[error("the provider's {endpoint} endpoint refused: {error}")]
    Refused {
        /// Which endpoint.
        endpoint: ProviderEndpoint,
        /// Its error code and message.
        error: String,
    },
    /// The provider's answer is not what its documentation says.
    #[error("the provider's {endpoint} answer is malformed: {reason}")]
    Malformed {
        /// Which endpoint.
        endpoint: ProviderEndpoint,
        /// What is wrong with it.
        reason: String,
    },
    /// The ID token's claims do not check out (issuer, audience, expiry, nonce).
    #[error("the ID token was refused: {0}")]
    IdToken(&'static str),
}

/// The identity providers people may sign in with.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait IdentityProvider: Send + Sync {
    /// The configured providers.
    fn providers(&self) -> Vec<Provider>;

    /// Starts a sign-in at `provider`, to call back to `redirect_uri` with
    /// `state`: the authorize URL and a fresh [`ProviderChallenge`].
    fn authorize(
        &self,
        provider: Provider,
        redirect_uri: &str,
        state: &str,
    ) -> Result<Authorization, IdentityError>;

    /// Exchanges the code the provider called back with, and reads who signed in.
    async fn exchange(
        &self,
        provider: Provider,
        exchange: &CodeExchange,
    ) -> Result<ExternalProfile, IdentityError>;
}
