//! Refresh-token sessions. Only a hash of each token is stored.
//!
//! Every refresh token belongs to a *family* (a [`SessionId`]): the tokens
//! rotated from one sign-in. A token is used once; presenting a used token
//! again means it was stolen (or the client is broken), so the whole family
//! is revoked. Access tokens carry their family, and a revoked or expired
//! family ends them too.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::identity::SessionId;
use crate::domain::user::UserId;
use crate::ports::StoreError;

/// A refresh token's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshSession {
    /// A hash of the token (the token itself is never stored).
    pub token_hash: String,
    /// The sign-in it was rotated from.
    pub family: SessionId,
    /// Whose session.
    pub user_id: UserId,
    /// When it stops being accepted.
    pub expires_at: DateTime<Utc>,
}

/// What presenting a refresh token found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Consumed {
    /// A live, unused token: it is now used, and the caller may rotate.
    Fresh(RefreshSession),
    /// The token had been used before: the caller revokes its family.
    Reused(RefreshSession),
    /// No such token: never issued, revoked, or forgotten after its expiry
    /// (a store may forget an expired token at any time; Redis does at once).
    Unknown,
}

/// Stores refresh sessions.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Records a new token (a new family at sign-in, or the next token of a family).
    async fn insert(&self, session: &RefreshSession) -> Result<(), StoreError>;

    /// Marks a token used and says what it was, atomically: of two
    /// concurrent calls with one token, exactly one sees [`Consumed::Fresh`].
    /// Expiry is the caller's to judge: an expired token is answered as it
    /// would have been before its expiry, or [`Consumed::Unknown`] once the
    /// store has forgotten it.
    async fn consume(&self, token_hash: &str) -> Result<Consumed, StoreError>;

    /// Whether the family is live: not revoked, and some token of it (used
    /// tokens are kept until they expire, to detect reuse) expires after `now`.
    async fn is_active(&self, family: SessionId, now: DateTime<Utc>) -> Result<bool, StoreError>;

    /// Removes every token of a family (sign-out, reuse detected); returns how many.
    async fn revoke_family(&self, family: SessionId) -> Result<u64, StoreError>;

    /// Removes every token of a user (password change, "sign out everywhere").
    async fn revoke_all(&self, user_id: UserId) -> Result<u64, StoreError>;

    /// Removes tokens that expired before `now`; returns how many.
    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;
}
