//! Refresh-token sessions: opened at sign-in, rotated on refresh, closed at
//! sign-out. Tokens are made and hashed by the HTTP adapter; only hashes reach
//! the store.
//!
//! The tokens rotated from one sign-in form a family ([`SessionId`]), which
//! access tokens carry too. A refresh token is used once; presenting one that
//! was used already revokes its whole family (OAuth 2.0 Security BCP §4.14:
//! either the thief or the rightful client is locked out, and both must sign
//! in again), and the audit log says so.

use std::sync::Arc;

use chrono::TimeDelta;

use crate::app::Ports;
use crate::domain::audit::AuditEntry;
use crate::domain::identity::SessionId;
use crate::domain::user::{User, UserId};
use crate::ports::{
    AuditLog, Clock, Consumed, Fanout, IdGenerator, Push, RefreshSession, SessionStore, StoreError,
    UserStore,
};

/// Why a session operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The refresh token is unknown, revoked, or expired.
    #[error("the refresh token is invalid or expired; sign in again (다시 로그인해 주세요)")]
    InvalidToken,
    /// The refresh token had been used already: its whole family is now revoked.
    #[error("this refresh token was used before, so every session of that sign-in has been ended; sign in again (보안을 위해 로그아웃되었습니다)")]
    Reused,
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
    fanout: Arc<dyn Fanout>,
    users: Arc<dyn UserStore>,
    audit: Arc<dyn AuditLog>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
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
            fanout: ports.fanout.clone(),
            users: ports.users.clone(),
            audit: ports.audit.clone(),
            clock: ports.clock.clone(),
            ids: ports.ids.clone(),
        }
    }

    /// Opens a new family for `user_id` with its first token, valid for `lifetime`.
    pub async fn open(
        &self,
        user_id: UserId,
        token_hash: String,
        lifetime: TimeDelta,
    ) -> Result<SessionId, SessionError> {
        let family = SessionId(self.ids.new_id());
        self.insert(user_id, family, token_hash, lifetime).await?;
        Ok(family)
    }

    async fn insert(
        &self,
        user_id: UserId,
        family: SessionId,
        token_hash: String,
        lifetime: TimeDelta,
    ) -> Result<(), SessionError> {
        let session = RefreshSession {
            token_hash,
            family,
            user_id,
            expires_at: self.clock.now() + lifetime,
        };
        Ok(self.sessions.insert(&session).await?)
    }

    /// Uses a refresh token once: it is spent, and the next token of its
    /// family is stored under `new_hash`. A spent token presented again
    /// revokes the family ([`SessionError::Reused`]).
    pub async fn rotate(
        &self,
        old_hash: &str,
        new_hash: String,
        lifetime: TimeDelta,
    ) -> Result<(User, SessionId), SessionError> {
        let session = match self.sessions.consume(old_hash).await? {
            Consumed::Fresh(session) => session,
            Consumed::Reused(session) => {
                self.revoke(session.family).await?;
                self.record_reuse(&session).await?;
                return Err(SessionError::Reused);
            }
            Consumed::Unknown => return Err(SessionError::InvalidToken),
        };
        if session.expires_at <= self.clock.now() {
            return Err(SessionError::InvalidToken);
        }
        let Some(user) = self.users.get(session.user_id).await? else {
            self.revoke(session.family).await?;
            return Err(SessionError::InvalidToken);
        };
        self.insert(user.id, session.family, new_hash, lifetime)
            .await?;
        Ok((user, session.family))
    }

    async fn record_reuse(&self, session: &RefreshSession) -> Result<(), SessionError> {
        let entry = AuditEntry::new(
            self.ids.new_id(),
            self.clock.now(),
            &crate::domain::access::Actor::Anonymous,
            "session.token_reused",
            format!("user:{}", session.user_id),
            serde_json::json!({ "session": session.family }),
            serde_json::json!({ "session": session.family, "revoked": true }),
        );
        Ok(self.audit.record(&entry).await?)
    }

    /// Ends the family of a refresh token (sign-out). An unknown token is
    /// not an error: signing out is idempotent.
    pub async fn close(&self, token_hash: &str) -> Result<(), SessionError> {
        match self.sessions.consume(token_hash).await? {
            Consumed::Fresh(session) | Consumed::Reused(session) => {
                self.revoke(session.family).await?;
            }
            Consumed::Unknown => {}
        }
        Ok(())
    }

    /// Ends a family by its id (sign-out with an access token alone).
    pub async fn end(&self, family: SessionId) -> Result<(), SessionError> {
        self.revoke(family).await?;
        Ok(())
    }

    /// Revokes a family and closes the live connections opened with it.
    async fn revoke(&self, family: SessionId) -> Result<(), SessionError> {
        self.sessions.revoke_family(family).await?;
        self.fanout
            .publish(Push::SessionEnded { session: family })
            .await;
        Ok(())
    }

    /// Whether access tokens of this family are still good.
    pub async fn is_active(&self, family: SessionId) -> Result<bool, SessionError> {
        Ok(self.sessions.is_active(family, self.clock.now()).await?)
    }

    /// Removes expired tokens; returns how many.
    pub async fn purge_expired(&self) -> Result<u64, SessionError> {
        Ok(self.sessions.purge_expired(self.clock.now()).await?)
    }
}
