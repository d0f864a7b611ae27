//! Authentication over HTTP: JWT access tokens, opaque refresh tokens and
//! API keys, the browser's half of signing in through identity providers
//! (OAuth), and the extractor that turns a bearer token into an [`Actor`].
//! Password hashing and secret sealing are `sinmungo-crypto`'s; the
//! provider clients are `sinmungo-identity`'s.

pub mod api_keys;
mod caller;
pub(crate) mod digest;
pub mod oauth;
mod tokens;

pub(crate) use caller::authenticate_bearer;
pub use caller::{Caller, CallerSession};
pub use oauth::{CallbackQuery, Flow, InvalidRedirectBase, OAuthClient, OAuthError};
pub use tokens::{
    BrowserSession, IssuedTokens, TokenConfig, TokenError, TokenService, VerifiedToken,
};

#[doc(no_inline)]
pub use sinmungo_core::domain::Actor;
