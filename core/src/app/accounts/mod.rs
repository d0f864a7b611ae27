//! Accounts: citizens register themselves; officials are created by an
//! administrator or by the operator at installation. One module per idea:
//! [`register`] (registration and account creation), [`login`] (password
//! sign-in and failed attempts), [`password`] (changing one's password),
//! [`roles`] (an administrator's role changes), [`officials`] (a department's
//! officers, for assigning) and [`external`] (signing in through an identity
//! provider).

use std::sync::Arc;

use crate::app::Ports;
use crate::domain::access::Actor;
use crate::domain::audit::AuditEntry;
use crate::domain::user::{User, UserId};
use crate::ports::{
    AuditLog, Clock, DirectoryStore, Fanout, IdGenerator, PasswordHasher, SessionStore, StoreError,
    UserStore,
};

mod disable;
mod external;
mod login;
mod officials;
mod password;
mod register;
mod roles;

pub use disable::MAX_ACCOUNTS_PAGE;
pub use external::ExternalLoginError;
pub use login::LoginError;
pub use password::PasswordChangeError;
pub use register::{NewAccount, RegisterError, RegisterRequest};
pub use roles::AccountAdminError;

/// Registration, login, and account creation.
#[derive(Clone)]
pub struct Accounts {
    users: Arc<dyn UserStore>,
    directory: Arc<dyn DirectoryStore>,
    sessions: Arc<dyn SessionStore>,
    fanout: Arc<dyn Fanout>,
    audit: Arc<dyn AuditLog>,
    hasher: Arc<dyn PasswordHasher>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
}

impl std::fmt::Debug for Accounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Accounts").finish_non_exhaustive()
    }
}

impl Accounts {
    pub(crate) fn new(ports: &Ports) -> Self {
        Self {
            users: ports.users.clone(),
            directory: ports.directory.clone(),
            sessions: ports.sessions.clone(),
            fanout: ports.fanout.clone(),
            audit: ports.audit.clone(),
            hasher: ports.hasher.clone(),
            clock: ports.clock.clone(),
            ids: ports.ids.clone(),
        }
    }

    async fn record(
        &self,
        actor: &Actor,
        action: &str,
        user: &User,
        before: serde_json::Value,
        after: serde_json::Value,
    ) -> Result<(), StoreError> {
        let entry = AuditEntry::new(
            self.ids.new_id(),
            self.clock.now(),
            actor,
            action,
            format!("user:{}", user.id),
            before,
            after,
        );
        self.audit.record(&entry).await
    }

    /// The user behind a token, if the account still exists.
    pub async fn user(&self, id: UserId) -> Result<Option<User>, LoginError> {
        Ok(self.users.get(id).await?)
    }
}
