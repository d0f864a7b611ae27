//! Password hashing (argon2id in production), behind a port so the core stays
//! free of crypto crates and tests can hash cheaply.

use async_trait::async_trait;

use crate::domain::user::{Password, PasswordHash};

/// Hashing failed (not "wrong password": that is `Ok(false)`).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(pub String);

/// Hashes and verifies passwords. Implementations run the work off the async executor.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    /// A new salted hash of the password.
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError>;

    /// Whether the password matches the hash.
    async fn verify(&self, password: &Password, hash: &PasswordHash) -> Result<bool, HashError>;
}
