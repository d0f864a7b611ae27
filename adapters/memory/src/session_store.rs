//! Refresh sessions in memory.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use sinmungo_core::domain::user::UserId;
use sinmungo_core::ports::{RefreshSession, SessionStore, StoreError, Uniqueness};

use crate::faults::Faults;
use crate::time::stored;

/// A [`SessionStore`] in memory.
#[derive(Debug, Default)]
pub struct MemorySessionStore {
    sessions: Mutex<HashMap<String, RefreshSession>>,
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

    /// How many sessions are open (for assertions).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no session is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, RefreshSession>> {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
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
        sessions.insert(session.token_hash.clone(), session);
        Ok(())
    }

    async fn take(&self, token_hash: &str) -> Result<Option<RefreshSession>, StoreError> {
        self.faults.check()?;
        Ok(self.lock().remove(token_hash))
    }

    async fn revoke_all(&self, user_id: UserId) -> Result<u64, StoreError> {
        self.faults.check()?;
        let mut sessions = self.lock();
        let before = sessions.len();
        sessions.retain(|_, s| s.user_id != user_id);
        Ok(u64::try_from(before - sessions.len()).unwrap_or(u64::MAX))
    }
}
