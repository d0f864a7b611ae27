//! Stored secrets (outside services' API keys, OAuth client secrets):
//! administrators set them, the platform reads them, nobody reads them back
//! through the API, and the settings table holds them sealed.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::app::Ports;
use crate::domain::access::{Actor, Denied};
use crate::domain::audit::AuditEntry;
use crate::domain::identity::{SealedSecret, SecretName, SecretValue};
use crate::domain::permission::Permission;
use crate::domain::user::UserId;
use crate::domain::validation::Invalid;
use crate::ports::{
    AuditLog, Clock, IdGenerator, SealError, SecretSealer, SettingsStore, StoreError,
};

/// What may be known about a secret without opening it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretInfo {
    /// Its name.
    pub name: SecretName,
    /// When it was last set.
    pub updated_at: DateTime<Utc>,
    /// Who set it.
    pub updated_by: Option<UserId>,
}

impl From<&SealedSecret> for SecretInfo {
    fn from(secret: &SealedSecret) -> Self {
        Self {
            name: secret.name.clone(),
            updated_at: secret.updated_at,
            updated_by: secret.updated_by,
        }
    }
}

/// Why a secret operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// A bad name or value.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// Not signed in.
    #[error("sign in first (로그인이 필요합니다)")]
    SignInRequired,
    /// Not an administrator.
    #[error("only administrators manage secrets")]
    Forbidden,
    /// No secret of that name.
    #[error("no such secret")]
    NotFound,
    /// The stored secret cannot be opened (wrong key, altered row).
    #[error(transparent)]
    Sealing(#[from] SealError),
    /// The store is down.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A bug.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

impl From<StoreError> for SecretError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(reason) => Self::Unavailable(reason),
            other => Self::Unknown(other.into()),
        }
    }
}

/// Stored secrets.
#[derive(Clone)]
pub struct Secrets {
    settings: Arc<dyn SettingsStore>,
    sealer: Arc<dyn SecretSealer>,
    audit: Arc<dyn AuditLog>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets").finish_non_exhaustive()
    }
}

impl Secrets {
    pub(crate) fn new(ports: &Ports) -> Self {
        Self {
            settings: ports.settings.clone(),
            sealer: ports.sealer.clone(),
            audit: ports.audit.clone(),
            clock: ports.clock.clone(),
            ids: ports.ids.clone(),
        }
    }

    /// An administrator sets a secret. The audit log records that it
    /// changed, never the value.
    pub async fn set(
        &self,
        actor: &Actor,
        name: &str,
        value: String,
    ) -> Result<SecretInfo, SecretError> {
        self.authorise(actor)?;
        self.put(actor, name, value).await
    }

    /// The operator sets a secret from the server's command line, which runs
    /// with direct access to the database.
    pub async fn set_by_operator(
        &self,
        name: &str,
        value: String,
    ) -> Result<SecretInfo, SecretError> {
        self.put(&Actor::Anonymous, name, value).await
    }

    async fn put(
        &self,
        actor: &Actor,
        name: &str,
        value: String,
    ) -> Result<SecretInfo, SecretError> {
        let name = SecretName::new(name).map_err(Invalid::from)?;
        let value = SecretValue::new(value).map_err(Invalid::from)?;
        let secret = SealedSecret {
            sealed: self.sealer.seal(&name, &value)?,
            name,
            updated_at: self.clock.now(),
            updated_by: actor.user_id(),
        };
        let replaced = self.settings.put_secret(&secret).await?;
        let before = replaced.as_ref().map_or(
            serde_json::Value::Null,
            |old| serde_json::json!({ "set": true, "updated_at": old.updated_at }),
        );
        self.record(
            actor,
            "secret.set",
            &secret.name,
            before,
            serde_json::json!({ "set": true }),
        )
        .await?;
        Ok(SecretInfo::from(&secret))
    }

    /// An administrator removes a secret.
    pub async fn delete(&self, actor: &Actor, name: &str) -> Result<(), SecretError> {
        self.authorise(actor)?;
        let name = SecretName::new(name).map_err(Invalid::from)?;
        if !self.settings.delete_secret(&name).await? {
            return Err(SecretError::NotFound);
        }
        self.record(
            actor,
            "secret.delete",
            &name,
            serde_json::json!({ "set": true }),
            serde_json::json!({ "set": false }),
        )
        .await?;
        Ok(())
    }

    /// Names and times of every secret, for administrators.
    pub async fn list(&self, actor: &Actor) -> Result<Vec<SecretInfo>, SecretError> {
        self.authorise(actor)?;
        Ok(self
            .settings
            .secrets()
            .await?
            .iter()
            .map(SecretInfo::from)
            .collect())
    }

    /// The plain value, for the platform itself (an adapter about to call a
    /// provider); never exposed through the API.
    pub async fn reveal(&self, name: &SecretName) -> Result<Option<SecretValue>, SecretError> {
        match self.settings.secret(name).await? {
            Some(secret) => Ok(Some(self.sealer.open(&secret.name, &secret.sealed)?)),
            None => Ok(None),
        }
    }

    fn authorise(&self, actor: &Actor) -> Result<(), SecretError> {
        actor
            .may_do(Permission::ManageSecrets)
            .map_err(|denied| match denied {
                Denied::SignInRequired => SecretError::SignInRequired,
                Denied::Forbidden(_) => SecretError::Forbidden,
            })
    }

    async fn record(
        &self,
        actor: &Actor,
        action: &str,
        name: &SecretName,
        before: serde_json::Value,
        after: serde_json::Value,
    ) -> Result<(), StoreError> {
        let entry = AuditEntry::new(
            self.ids.new_id(),
            self.clock.now(),
            actor,
            action,
            format!("secret:{name}"),
            before,
            after,
        );
        self.audit.record(&entry).await
    }
}
