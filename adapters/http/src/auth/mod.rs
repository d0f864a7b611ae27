//! Authentication: argon2id password hashing, JWT access tokens, opaque
//! refresh tokens, and the extractor that turns a bearer token into an [`Actor`].

mod caller;
mod password;
mod tokens;

pub use caller::Caller;
pub use password::Argon2Hasher;
pub use tokens::{IssuedTokens, TokenConfig, TokenError, TokenService};

#[doc(no_inline)]
pub use sinmungo_core::domain::Actor;
