//! Users, the outside identities linked to them, and service accounts' API keys.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::department::DepartmentCode;
use crate::domain::identity::{ApiKey, ExternalIdentity, Provider};
use crate::domain::mail::EmailPreference;
use crate::domain::user::{Email, User, UserId};
use crate::ports::StoreError;

/// An account as an administrator lists it: the user, and whether it is disabled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The user.
    pub user: User,
    /// When it was disabled (it cannot sign in); none while it is active.
    pub disabled_at: Option<DateTime<Utc>>,
}

/// Stores accounts.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Adds a user; an existing e-mail is [`StoreError::AlreadyExists`]`(`[`crate::ports::Uniqueness::Email`]`)`.
    async fn create(&self, user: &User) -> Result<(), StoreError>;

    /// The user with this id.
    async fn get(&self, id: UserId) -> Result<Option<User>, StoreError>;

    /// The user with this e-mail.
    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, StoreError>;

    /// The staff and managers of `department` (whom its new work concerns),
    /// in no particular order.
    async fn officials_of(&self, department: &DepartmentCode) -> Result<Vec<User>, StoreError>;

    /// Replaces a user's role, department, name and password hash
    /// ([`StoreError::NotFound`] if there is no such user).
    async fn update(&self, user: &User) -> Result<(), StoreError>;

    /// Accounts in id order, those after `after` (a cursor), at most `limit`.
    async fn list(&self, after: Option<UserId>, limit: u32) -> Result<Vec<Account>, StoreError>;

    /// Disables an account from `at` (`Some`), or enables it again (`None`);
    /// [`StoreError::NotFound`] if there is no such user. Disabling one
    /// already disabled keeps its first time.
    async fn set_disabled(&self, id: UserId, at: Option<DateTime<Utc>>) -> Result<(), StoreError>;

    /// When the account was disabled; `None` while it is active (or does not exist).
    async fn disabled_at(&self, id: UserId) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// The e-mail preference `id` chose; `None` when they never chose (or
    /// there is no such user): the role's default applies.
    async fn email_preference(&self, id: UserId) -> Result<Option<EmailPreference>, StoreError>;

    /// Sets (`Some`) or clears (`None`: back to the role's default) the
    /// e-mail preference of `id`; [`StoreError::NotFound`] if there is no such user.
    async fn set_email_preference(
        &self,
        id: UserId,
        preference: Option<EmailPreference>,
    ) -> Result<(), StoreError>;

    /// Links an account at a provider to a user; a (provider, subject) pair
    /// already linked is [`StoreError::AlreadyExists`]`(`[`crate::ports::Uniqueness::Identity`]`)`.
    async fn link_identity(&self, identity: &ExternalIdentity) -> Result<(), StoreError>;

    /// The user linked to this account at this provider.
    async fn find_by_identity(
        &self,
        provider: Provider,
        subject: &str,
    ) -> Result<Option<User>, StoreError>;

    /// Stores a new API key (its hash); a hash already stored is
    /// [`StoreError::AlreadyExists`]`(`[`crate::ports::Uniqueness::Identity`]`)`.
    async fn add_api_key(&self, key: &ApiKey) -> Result<(), StoreError>;

    /// The key with this hash, revoked or not.
    async fn find_api_key(&self, key_hash: &str) -> Result<Option<ApiKey>, StoreError>;

    /// The keys of a service account, newest first.
    async fn api_keys(&self, user_id: UserId) -> Result<Vec<ApiKey>, StoreError>;

    /// Marks a key revoked at `at` (a key revoked before keeps its first time);
    /// [`StoreError::NotFound`] if there is no such key.
    async fn revoke_api_key(&self, id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError>;
}
