//! Sinmungo's cryptography behind the core's ports: argon2id password
//! hashing ([`Argon2Hasher`], a `PasswordHasher`), sealing stored secrets
//! with XChaCha20-Poly1305 ([`XChaChaSealer`], a `SecretSealer`). The SHA-256
//! digest that high-entropy tokens are stored as stays with the bearer-token
//! format in `sinmungo-http` (an adapter depends on no other adapter).

mod password;
mod sealer;

pub use password::Argon2Hasher;
pub use sealer::{BadSecretsKey, XChaChaSealer};
