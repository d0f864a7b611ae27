//! Users.

use async_trait::async_trait;

use crate::domain::user::{Email, User, UserId};
use crate::ports::StoreError;

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

    /// Replaces a user's role, department, name and password hash.
    async fn update(&self, user: &User) -> Result<(), StoreError>;
}
