//! Accounts, linked identities and API keys in memory.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sinmungo_core::domain::department::DepartmentCode;
use sinmungo_core::domain::identity::{ApiKey, ExternalIdentity, Provider};
use sinmungo_core::domain::mail::EmailPreference;
use sinmungo_core::domain::user::{Email, Role, User, UserId};
use sinmungo_core::ports::{Account, StoreError, Uniqueness, UserStore};
use uuid::Uuid;

use crate::faults::Faults;
use crate::time::stored;

#[derive(Debug, Default)]
struct Tables {
    users: BTreeMap<UserId, User>,
    identities: HashMap<(Provider, String), ExternalIdentity>,
    keys: BTreeMap<Uuid, ApiKey>,
    disabled: HashMap<UserId, DateTime<Utc>>,
    email_preferences: HashMap<UserId, EmailPreference>,
}

/// A [`UserStore`] in memory.
#[derive(Debug, Default)]
pub struct MemoryUserStore {
    tables: Mutex<Tables>,
    faults: Faults,
}

impl MemoryUserStore {
    /// An empty store that fails when `faults` says so.
    pub fn new(faults: Faults) -> Self {
        Self {
            tables: Mutex::default(),
            faults,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tables> {
        self.tables.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl UserStore for MemoryUserStore {
    async fn create(&self, user: &User) -> Result<(), StoreError> {
        self.faults.check()?;
        let mut tables = self.lock();
        if tables.users.values().any(|u| u.email == user.email) {
            return Err(StoreError::AlreadyExists(Uniqueness::Email));
        }
        if tables.users.contains_key(&user.id) {
            return Err(StoreError::AlreadyExists(Uniqueness::Identity));
        }
        let mut user = user.clone();
        user.created_at = stored(user.created_at);
        tables.users.insert(user.id, user);
        Ok(())
    }

    async fn get(&self, id: UserId) -> Result<Option<User>, StoreError> {
        self.faults.check()?;
        Ok(self.lock().users.get(&id).cloned())
    }

    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, StoreError> {
        self.faults.check()?;
        Ok(self
            .lock()
            .users
            .values()
            .find(|u| &u.email == email)
            .cloned())
    }

    async fn officials_of(&self, department: &DepartmentCode) -> Result<Vec<User>, StoreError> {
        self.faults.check()?;
        Ok(self
            .lock()
            .users
            .values()
            .filter(|u| {
                matches!(u.role, Role::Staff | Role::Manager)
                    && u.department.as_ref() == Some(department)
            })
            .cloned()
            .collect())
    }

    async fn email_preference(&self, id: UserId) -> Result<Option<EmailPreference>, StoreError> {
        self.faults.check()?;
        Ok(self.lock().email_preferences.get(&id).copied())
    }

    async fn set_email_preference(
        &self,
        id: UserId,
        preference: Option<EmailPreference>,
    ) -> Result<(), StoreError> {
        self.faults.check()?;
        let mut tables = self.lock();
        if !tables.users.contains_key(&id) {
            return Err(StoreError::NotFound);
        }
        match preference {
            Some(preference) => tables.email_preferences.insert(id, preference),
            None => tables.email_preferences.remove(&id),
        };
        Ok(())
    }

    async fn update(&self, user: &User) -> Result<(), StoreError> {
        self.faults.check()?;
        let mut tables = self.lock();
        let stored = tables.users.get_mut(&user.id).ok_or(StoreError::NotFound)?;
        // Only what the port says `update` replaces; e-mail and creation time stay.
        stored.role = user.role;
        stored.department = user.department.clone();
        stored.display_name = user.display_name.clone();
        stored.password_hash = user.password_hash.clone();
        Ok(())
    }

    async fn list(&self, after: Option<UserId>, limit: u32) -> Result<Vec<Account>, StoreError> {
        self.faults.check()?;
        let tables = self.lock();
        let from = after.map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded);
        Ok(tables
            .users
            .range((from, std::ops::Bound::Unbounded))
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(|(id, user)| Account {
                user: user.clone(),
                disabled_at: tables.disabled.get(id).copied(),
            })
            .collect())
    }

    async fn set_disabled(&self, id: UserId, at: Option<DateTime<Utc>>) -> Result<(), StoreError> {
        self.faults.check()?;
        let mut tables = self.lock();
        if !tables.users.contains_key(&id) {
            return Err(StoreError::NotFound);
        }
        match at {
            Some(at) => {
                tables.disabled.entry(id).or_insert(stored(at));
            }
            None => {
                tables.disabled.remove(&id);
            }
        }
        Ok(())
    }

    async fn disabled_at(&self, id: UserId) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.faults.check()?;
        Ok(self.lock().disabled.get(&id).copied())
    }

    async fn link_identity(&self, identity: &ExternalIdentity) -> Result<(), StoreError> {
        self.faults.check()?;
        let mut tables = self.lock();
        if !tables.users.contains_key(&identity.user_id) {
            return Err(StoreError::NotFound);
        }
        let key = (identity.provider, identity.subject.clone());
        if tables.identities.contains_key(&key) {
            return Err(StoreError::AlreadyExists(Uniqueness::Identity));
        }
        let mut identity = identity.clone();
        identity.linked_at = stored(identity.linked_at);
        tables.identities.insert(key, identity);
        Ok(())
    }

    async fn find_by_identity(
        &self,
        provider: Provider,
        subject: &str,
    ) -> Result<Option<User>, StoreError> {
        self.faults.check()?;
        let tables = self.lock();
        Ok(tables
            .identities
            .get(&(provider, subject.to_owned()))
            .and_then(|identity| tables.users.get(&identity.user_id))
            .cloned())
    }

    async fn add_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        self.faults.check()?;
        let mut tables = self.lock();
        if !tables.users.contains_key(&key.user_id) {
            return Err(StoreError::NotFound);
        }
        if tables.keys.contains_key(&key.id)
            || tables.keys.values().any(|k| k.key_hash == key.key_hash)
        {
            return Err(StoreError::AlreadyExists(Uniqueness::Identity));
        }
        let mut key = key.clone();
        key.created_at = stored(key.created_at);
        key.revoked_at = key.revoked_at.map(stored);
        tables.keys.insert(key.id, key);
        Ok(())
    }

    async fn find_api_key(&self, key_hash: &str) -> Result<Option<ApiKey>, StoreError> {
        self.faults.check()?;
        Ok(self
            .lock()
            .keys
            .values()
            .find(|k| k.key_hash == key_hash)
            .cloned())
    }

    async fn api_keys(&self, user_id: UserId) -> Result<Vec<ApiKey>, StoreError> {
        self.faults.check()?;
        let mut keys: Vec<_> = self
            .lock()
            .keys
            .values()
            .filter(|k| k.user_id == user_id)
            .cloned()
            .collect();
        keys.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        Ok(keys)
    }

    async fn revoke_api_key(&self, id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.faults.check()?;
        let mut tables = self.lock();
        let key = tables.keys.get_mut(&id).ok_or(StoreError::NotFound)?;
        key.revoked_at.get_or_insert(stored(at));
        Ok(())
    }
}
