//! The settings table's secrets (API keys of outside services, OAuth client
//! secrets), stored sealed, and the sealer that seals them.

use async_trait::async_trait;

use crate::domain::identity::{SealedSecret, SecretName, SecretValue};
use crate::ports::StoreError;

/// Stores sealed secrets by name. It never sees a plain value.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait SettingsStore: Send + Sync {
    /// Sets a secret, replacing any of the same name; returns the one replaced.
    async fn put_secret(&self, secret: &SealedSecret) -> Result<Option<SealedSecret>, StoreError>;

    /// The secret of this name.
    async fn secret(&self, name: &SecretName) -> Result<Option<SealedSecret>, StoreError>;

    /// Every secret, by name (for listing names and times; values stay sealed).
    async fn secrets(&self) -> Result<Vec<SealedSecret>, StoreError>;

    /// Removes a secret; returns whether there was one.
    async fn delete_secret(&self, name: &SecretName) -> Result<bool, StoreError>;
}

/// Why a secret could not be sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The sealed bytes are not what this key sealed under this name
    /// (another key, a tampered row, a row moved to another name).
    #[error("the secret {0} cannot be opened with the configured key (wrong SINMUNGO_SECRETS_KEY, or the row was altered)")]
    Unopenable(String),
    /// Anything else.
    #[error("sealing failed: {0}")]
    Failed(String),
}

/// Authenticated encryption of secrets (AES-256-GCM or XChaCha20-Poly1305 in
/// production), with the secret's name bound in as associated data.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
pub trait SecretSealer: Send + Sync {
    /// Seals a value under its name: a fresh nonce each time.
    fn seal(&self, name: &SecretName, value: &SecretValue) -> Result<Vec<u8>, SealError>;

    /// Opens what [`SecretSealer::seal`] sealed under the same name.
    fn open(&self, name: &SecretName, sealed: &[u8]) -> Result<SecretValue, SealError>;
}
