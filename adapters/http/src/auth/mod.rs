//! Authentication: argon2id password hashing, JWT access tokens, opaque
//! refresh tokens, sign-in through identity providers (OAuth), and the
//! extractor that turns a bearer token into an [`Actor`].

pub mod api_keys;
mod caller;
mod digest;
pub mod oauth;
mod password;
mod sealer;
mod tokens;

pub use caller::{Caller, CallerSession};
pub use oauth::{
    ClientSecret, OAuthClient, OAuthConfig, OAuthConfigError, OAuthError, OAuthProviderConfig,
};
pub use password::Argon2Hasher;
pub use sealer::{BadSecretsKey, XChaChaSealer};
pub use tokens::{IssuedTokens, TokenConfig, TokenError, TokenService, VerifiedToken};

#[doc(no_inline)]
pub use sinmungo_core::domain::Actor;
