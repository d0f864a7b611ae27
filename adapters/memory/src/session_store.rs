//! Refresh sessions in memory.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sinmungo_core::domain::identity::SessionId;
use sinmungo_core::domain::user::UserId;
use sinmungo_core::ports::{Consumed, RefreshSession, SessionStore, StoreError, Uniqueness};

use crate::faults::Faults;
use crate::time::stored;

#[derive(Debug, Clone)]
struct Row {
    session: RefreshSession,
    used: bool,
}

/// A [`SessionStore`] in memory.
#[derive(Debug, Default)]
pub struct MemorySessionStore {
    sessions: Mutex<HashMap<String, Row>>,
    faults: Faults,
}

impl MemorySessionStore {
    /// An empty store that fails when `faults` says so.
    pub fn new(faults: Faults) -> Self {
        Self {
            sessions: Mutex::default(),
            faults,
        }
    }

    /// How many tokens are stored, used or not (for assertions).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no token is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Row>> {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn remove_where(&self, mut doomed: impl FnMut(&RefreshSession) -> bool) -> u64 {
        let mut sessions = self.lock();
        let before = sessions.len();
        sessions.retain(|_, row| !doomed(&row.session));
        u64::try_from(before - sessions.len()).unwrap_or(u64::MAX)
    }
}

#[async_trait]
impl SessionStore for MemorySessionStore {
    async fn insert(&self, session: &RefreshSession) -> Result<(), StoreError> {
        self.faults.check()?;
        let mut sessions = self.lock();
        if sessions.contains_key(&session.token_hash) {
            // A token hash is the session's identity, as a primary key would make it.
            return Err(StoreError::AlreadyExists(Uniqueness::Identity));
        }
        let mut session = session.clone();
        session.expires_at = stored(session.expires_at);
        sessions.insert(
            session.token_hash.clone(),
            Row {
                session,
                used: false,
            },
        );
        Ok(())
    }

    async fn consume(&self, token_hash: &str) -> Result<Consumed, StoreError> {
        self.faults.check()?;
        let mut sessions = self.lock();
        Ok(match sessions.get_mut(token_hash) {
            None => Consumed::Unknown,
            Some(row) if row.used => Consumed::Reused(row.session.clone()),
            Some(row) => {
                row.used = true;
                Consumed::Fresh(row.session.clone())
            }
        })
    }

    async fn is_active(&self, family: SessionId, now: DateTime<Utc>) -> Result<bool, StoreError> {
        self.faults.check()?;
        Ok(self
            .lock()
            .values()
            .any(|row| row.session.family == family && row.session.expires_at > now))
    }

    async fn revoke_family(&self, family: SessionId) -> Result<u64, StoreError> {
        self.faults.check()?;
        Ok(self.remove_where(|s| s.family == family))
    }

    async fn revoke_all(&self, user_id: UserId) -> Result<u64, StoreError> {
        self.faults.check()?;
        Ok(self.remove_where(|s| s.user_id == user_id))
    }

    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        self.faults.check()?;
        Ok(self.remove_where(|s| s.expires_at <= now))
    }
}
