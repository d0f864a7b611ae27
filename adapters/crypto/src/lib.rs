//! Sinmungo's cryptography behind the core's ports: argon2id password
//! hashing ([`Argon2Hasher`], a `PasswordHasher`), sealing stored secrets
//! with XChaCha20-Poly1305 ([`XChaChaSealer`], a `SecretSealer`), and the
//! SHA-256 digest that high-entropy tokens (refresh tokens, API keys) are
//! stored as.

#![forbid(unsafe_code)]

mod digest;
mod password;
mod sealer;

pub use digest::{hex, sha256_hex};
pub use password::Argon2Hasher;
pub use sealer::{BadSecretsKey, XChaChaSealer};
