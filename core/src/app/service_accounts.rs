//! Service accounts: integrations (a call centre, a GIS) that call the API
//! with API keys instead of signing in. Keys are made by the HTTP adapter
//! (random, high-entropy) and only their hashes reach the store.

use std::sync::Arc;

use uuid::Uuid;

use crate::app::accounts::{AccountAdminError, MAX_ACCOUNTS_PAGE};
use crate::app::Ports;
use crate::domain::access::{Actor, Principal};
use crate::domain::audit::AuditEntry;
use crate::domain::identity::ApiKey;
use crate::domain::permission::Permission;
use crate::domain::text::{check_characters, DisplayName};
use crate::domain::user::{Email, Role, User, UserId};
use crate::domain::validation::{Collector, FieldError, Invalid};
use crate::ports::{AuditLog, Clock, IdGenerator, StoreError, Uniqueness, UserStore};

/// A service account as an administrator asks for it.
#[derive(Debug, Clone)]
pub struct NewServiceAccount {
    /// What the integration is ("120 콜센터 연계").
    pub name: String,
    /// Who to write to about it (unique, like a person's e-mail).
    pub contact_email: String,
}

/// A key about to be issued: the adapter made the key and hashed it.
#[derive(Debug, Clone)]
pub struct KeyToIssue {
    /// What it is for.
    pub label: String,
    /// The key's first characters, shown to tell keys apart.
    pub prefix: String,
    /// The key's hash.
    pub key_hash: String,
}

/// Service accounts and their keys.
#[derive(Clone)]
pub struct ServiceAccounts {
    users: Arc<dyn UserStore>,
    audit: Arc<dyn AuditLog>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
}

impl std::fmt::Debug for ServiceAccounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccounts").finish_non_exhaustive()
    }
}

impl ServiceAccounts {
    pub(crate) fn new(ports: &Ports) -> Self {
        Self {
            users: ports.users.clone(),
            audit: ports.audit.clone(),
            clock: ports.clock.clone(),
            ids: ports.ids.clone(),
        }
    }

    /// An administrator creates a service account.
    pub async fn create(
        &self,
        actor: &Actor,
        account: NewServiceAccount,
    ) -> Result<User, AccountAdminError> {
        Self::authorise(actor)?;
        let mut fields = Collector::default();
        let name = fields.take(DisplayName::new(&account.name));
        let email = fields.take(Email::new(&account.contact_email));
        fields.finish()?;
        let (Some(display_name), Some(email)) = (name, email) else {
            return Err(AccountAdminError::Unknown(anyhow::anyhow!(
                "validated fields missing"
            )));
        };
        let user = User {
            id: UserId(self.ids.new_id()),
            email,
            display_name,
            role: Role::Service,
            department: None,
            password_hash: None,
            created_at: self.clock.now(),
        };
        match self.users.create(&user).await {
            Ok(()) => {}
            Err(StoreError::AlreadyExists(Uniqueness::Email)) => {
                return Err(Invalid::from(FieldError::new(
                    "contact_email",
                    "email_taken",
                    "an account with this e-mail exists (이미 사용 중인 이메일입니다)",
                ))
                .into())
            }
            Err(other) => return Err(other.into()),
        }
        let after = serde_json::json!({
            "name": user.display_name.as_str(),
            "email": user.email.as_str(),
            "role": user.role,
        });
        self.record(actor, "service_account.create", user.id, after)
            .await?;
        Ok(user)
    }

    /// An administrator issues a key for a service account.
    pub async fn issue_key(
        &self,
        actor: &Actor,
        account: UserId,
        key: KeyToIssue,
    ) -> Result<ApiKey, AccountAdminError> {
        Self::authorise(actor)?;
        self.service_account(account).await?;
        let label = key.label.trim();
        if label.is_empty() || label.chars().count() > 100 {
            return Err(Invalid::from(FieldError::new(
                "label",
                "invalid_label",
                "a key's label is 1–100 characters saying what it is for",
            ))
            .into());
        }
        check_characters("label", label).map_err(Invalid::from)?;
        let key = ApiKey {
            id: self.ids.new_id(),
            user_id: account,
            prefix: key.prefix,
            key_hash: key.key_hash,
            label: label.to_owned(),
            created_at: self.clock.now(),
            revoked_at: None,
        };
        self.users.add_api_key(&key).await?;
        let after = serde_json::json!({ "key": key.id, "prefix": key.prefix, "label": key.label });
        self.record(actor, "api_key.issue", account, after).await?;
        Ok(key)
    }

    /// An administrator revokes a key; it stops working at once.
    pub async fn revoke_key(
        &self,
        actor: &Actor,
        account: UserId,
        key: Uuid,
    ) -> Result<(), AccountAdminError> {
        Self::authorise(actor)?;
        let owned = self
            .users
            .api_keys(account)
            .await?
            .into_iter()
            .any(|k| k.id == key);
        if !owned {
            return Err(AccountAdminError::NotFound);
        }
        self.users.revoke_api_key(key, self.clock.now()).await?;
        self.record(
            actor,
            "api_key.revoke",
            account,
            serde_json::json!({ "key": key }),
        )
        .await?;
        Ok(())
    }

    /// The keys of a service account (hashes stay inside the core).
    pub async fn keys(
        &self,
        actor: &Actor,
        account: UserId,
    ) -> Result<Vec<ApiKey>, AccountAdminError> {
        Self::authorise(actor)?;
        self.service_account(account).await?;
        Ok(self.users.api_keys(account).await?)
    }

    /// Every service account, oldest first (administrators). The accounts
    /// are read a page at a time and the service accounts kept: an
    /// administrator's occasional look, like the CLI's `users list`.
    pub async fn list(&self, actor: &Actor) -> Result<Vec<User>, AccountAdminError> {
        Self::authorise(actor)?;
        let mut found = Vec::new();
        let mut after = None;
        loop {
            let page = self.users.list(after, MAX_ACCOUNTS_PAGE).await?;
            let full = page.len() >= MAX_ACCOUNTS_PAGE as usize;
            after = page.last().map(|a| a.user.id);
            found.extend(
                page.into_iter()
                    .map(|a| a.user)
                    .filter(|u| u.role == Role::Service),
            );
            if !full || after.is_none() {
                return Ok(found);
            }
        }
    }

    /// One service account (administrators).
    pub async fn get(&self, actor: &Actor, id: UserId) -> Result<User, AccountAdminError> {
        Self::authorise(actor)?;
        self.service_account(id).await
    }

    /// Who a presented key speaks for: a live key of an existing service account.
    pub async fn authenticate(&self, key_hash: &str) -> Result<Option<Principal>, StoreError> {
        let Some(key) = self.users.find_api_key(key_hash).await? else {
            return Ok(None);
        };
        if key.revoked_at.is_some() {
            return Ok(None);
        }
        let user = self.users.get(key.user_id).await?;
        Ok(user
            .filter(|u| u.role == Role::Service)
            .map(|u| Principal::from(&u)))
    }

    fn authorise(actor: &Actor) -> Result<(), AccountAdminError> {
        Ok(actor.may_do(Permission::ManageServiceAccounts)?)
    }

    async fn service_account(&self, id: UserId) -> Result<User, AccountAdminError> {
        self.users
            .get(id)
            .await?
            .filter(|u| u.role == Role::Service)
            .ok_or(AccountAdminError::NotFound)
    }

    async fn record(
        &self,
        actor: &Actor,
        action: &str,
        account: UserId,
        after: serde_json::Value,
    ) -> Result<(), StoreError> {
        let entry = AuditEntry::new(
            self.ids.new_id(),
            self.clock.now(),
            actor,
            action,
            format!("user:{account}"),
            serde_json::Value::Null,
            after,
        );
        self.audit.record(&entry).await
    }
}
