//! Refresh-token sessions: opened at login, rotated on refresh, closed at logout.
//! Tokens are made and hashed by the HTTP adapter; only hashes reach the store.

use std::sync::Arc;

use chrono::TimeDelta;

use crate::app::Ports;
use crate::domain::user::{User, UserId};
use crate::ports::{Clock, RefreshSession, SessionStore, StoreError, UserStore};

/// Why a session operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The refresh token is unknown, used, or expired.
    #[error("the refresh token is invalid or expired; sign in again")]
    InvalidToken,
    /// The store is down.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A bug.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

impl From<StoreError> for SessionError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(reason) => Self::Unavailable(reason),
            other => Self::Unknown(other.into()),
        }
    }
}

/// Refresh sessions.
#[derive(Clone)]
pub struct Sessions {
    sessions: Arc<dyn SessionStore>,
    users: Arc<dyn UserStore>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions").finish_non_exhaustive()
    }
}

impl Sessions {
    pub(crate) fn new(ports: &Ports) -> Self {
        Self {
            sessions: ports.sessions.clone(),
            users: ports.users.clone(),
            clock: ports.clock.clone(),
        }
    }

    /// Opens a session for `user_id` under a token hash, valid for `lifetime`.
    pub async fn open(
        &self,
        user_id: UserId,
        token_hash: String,
        lifetime: TimeDelta,
    ) -> Result<(), SessionError> {
        let session = RefreshSession {
            token_hash,
            user_id,
            expires_at: self.clock.now() + lifetime,
        };
        Ok(self.sessions.insert(&session).await?)
    }

    /// Uses a refresh token once: its session ends and a new one opens under `new_hash`.
    pub async fn rotate(
        &self,
        old_hash: &str,
        new_hash: String,
        lifetime: TimeDelta,
    ) -> Result<User, SessionError> {
        let session = self
            .sessions
            .take(old_hash)
            .await?
            .ok_or(SessionError::InvalidToken)?;
        if session.expires_at <= self.clock.now() {
            return Err(SessionError::InvalidToken);
        }
        let user = self
            .users
            .get(session.user_id)
            .await?
            .ok_or(SessionError::InvalidToken)?;
        self.open(user.id, new_hash, lifetime).await?;
        Ok(user)
    }

    /// Ends the session of a token; an unknown token is not an error (logout is idempotent).
    pub async fn close(&self, token_hash: &str) -> Result<(), SessionError> {
        self.sessions.take(token_hash).await?;
        Ok(())
    }
}
