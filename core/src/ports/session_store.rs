//! Refresh-token sessions. Only a hash of each token is stored.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::user::UserId;
use crate::ports::StoreError;

/// A refresh token's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshSession {
    /// A hash of the token (the token itself is never stored).
    pub token_hash: String,
    /// Whose session.
    pub user_id: UserId,
    /// When it stops being accepted.
    pub expires_at: DateTime<Utc>,
}

/// Stores refresh sessions.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Records a new session.
    async fn insert(&self, session: &RefreshSession) -> Result<(), StoreError>;

    /// Removes and returns the session with this hash, atomically, so a token is used once.
    async fn take(&self, token_hash: &str) -> Result<Option<RefreshSession>, StoreError>;

    /// Removes every session of a user (password change, "log out everywhere").
    async fn revoke_all(&self, user_id: UserId) -> Result<u64, StoreError>;
}
