//! Signing in through outside identity providers: the provider's half of the
//! OAuth 2.0 authorization code flow with PKCE (S256), for Google (OpenID
//! Connect), Kakao (카카오 로그인) and Naver (네이버 로그인), behind the core's
//! [`IdentityProvider`](sinmungo_core::ports::IdentityProvider) port.
//!
//! [`OAuthProviders::authorize`](sinmungo_core::ports::IdentityProvider::authorize)
//! makes the provider's authorize URL with a fresh PKCE verifier (and a
//! `nonce` for OpenID Connect); `exchange` trades the code for tokens and
//! reads who signed in — one module per provider:
//!
//! - [`google`]: the `id_token` of the token response (its `iss`, `aud`,
//!   `exp` and `nonce` are checked; see [`OAuthProviders`] on why its
//!   signature is not).
//! - [`kakao`]: `GET https://kapi.kakao.com/v2/user/me` with the access token.
//! - [`naver`]: `GET https://openapi.naver.com/v1/nid/me`; Naver says nothing
//!   about verification, so [`OAuthProviderConfig::trust_email`] decides.
//!
//! Every endpoint is configurable (tests, self-hosted identity providers),
//! but must be `https` unless it is on the loopback interface. The client
//! secret never appears in `Debug` output, logs or errors.
//!
//! The browser's half (the `state`, the sealed cookie, the callback route)
//! is the HTTP adapter's.

mod client;
mod config;
pub mod google;
pub mod kakao;
pub mod naver;
mod profile;

pub use client::{pkce_challenge, OAuthProviders};
pub use config::{ClientSecret, IdentityConfig, IdentityConfigError, OAuthProviderConfig};
pub use google::GOOGLE_ISSUER;
