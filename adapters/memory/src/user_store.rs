//! Accounts in memory.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use sinmungo_core::domain::user::{Email, User, UserId};
use sinmungo_core::ports::{StoreError, Uniqueness, UserStore};

use crate::faults::Faults;
use crate::time::stored;

/// A [`UserStore`] in memory.
#[derive(Debug, Default)]
pub struct MemoryUserStore {
    users: Mutex<BTreeMap<UserId, User>>,
    faults: Faults,
}

impl MemoryUserStore {
    /// An empty store that fails when `faults` says so.
    pub fn new(faults: Faults) -> Self {
        Self {
            users: Mutex::default(),
            faults,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<UserId, User>> {
        self.users.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl UserStore for MemoryUserStore {
    async fn create(&self, user: &User) -> Result<(), StoreError> {
        self.faults.check()?;
        let mut users = self.lock();
        if users.values().any(|u| u.email == user.email) {
            return Err(StoreError::AlreadyExists(Uniqueness::Email));
        }
        if users.contains_key(&user.id) {
            return Err(StoreError::AlreadyExists(Uniqueness::Identity));
        }
        let mut user = user.clone();
        user.created_at = stored(user.created_at);
        users.insert(user.id, user);
        Ok(())
    }

    async fn get(&self, id: UserId) -> Result<Option<User>, StoreError> {
        self.faults.check()?;
        Ok(self.lock().get(&id).cloned())
    }

    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, StoreError> {
        self.faults.check()?;
        Ok(self.lock().values().find(|u| &u.email == email).cloned())
    }

    async fn update(&self, user: &User) -> Result<(), StoreError> {
        self.faults.check()?;
        let mut users = self.lock();
        let stored = users.get_mut(&user.id).ok_or(StoreError::NotFound)?;
        // Only what the port says `update` replaces; e-mail and creation time stay.
        stored.role = user.role;
        stored.department = user.department.clone();
        stored.display_name = user.display_name.clone();
        stored.password_hash = user.password_hash.clone();
        Ok(())
    }
}
