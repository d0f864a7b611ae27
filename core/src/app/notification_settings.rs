//! One's e-mail settings: whether notifications are also mailed, at once or
//! in a daily digest. Each person reads and changes only their own.

use std::sync::Arc;

use crate::app::notifications::NotificationError;
use crate::app::Ports;
use crate::domain::access::Actor;
use crate::domain::mail::EmailPreference;
use crate::domain::permission::Permission;
use crate::domain::user::UserId;
use crate::domain::validation::Invalid;
use crate::ports::UserStore;

/// A person's e-mail setting as they see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmailSetting {
    /// The preference in force.
    pub email: EmailPreference,
    /// Whether it is their role's default (they never chose, or chose to
    /// go back to it).
    pub default: bool,
}

/// Reading and changing one's e-mail setting.
#[derive(Clone)]
pub struct NotificationSettings {
    users: Arc<dyn UserStore>,
}

impl std::fmt::Debug for NotificationSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotificationSettings")
            .finish_non_exhaustive()
    }
}

impl NotificationSettings {
    pub(crate) fn new(ports: &Ports) -> Self {
        Self {
            users: ports.users.clone(),
        }
    }

    /// The caller's setting.
    pub async fn get(&self, actor: &Actor) -> Result<EmailSetting, NotificationError> {
        let (id, role) = self.caller(actor)?;
        let chosen = self.users.email_preference(id).await?;
        Ok(EmailSetting {
            email: EmailPreference::effective(chosen, role),
            default: chosen.is_none(),
        })
    }

    /// Sets the caller's preference to `email` (`none`, `immediate`,
    /// `daily`), or back to the role's default (`None`). It applies to
    /// notifications made from now on.
    pub async fn set(
        &self,
        actor: &Actor,
        email: Option<&str>,
    ) -> Result<EmailSetting, NotificationError> {
        let (id, role) = self.caller(actor)?;
        let chosen = email
            .map(EmailPreference::parse)
            .transpose()
            .map_err(|error| Invalid(vec![error]))?;
        self.users.set_email_preference(id, chosen).await?;
        Ok(EmailSetting {
            email: EmailPreference::effective(chosen, role),
            default: chosen.is_none(),
        })
    }

    fn caller(
        &self,
        actor: &Actor,
    ) -> Result<(UserId, crate::domain::user::Role), NotificationError> {
        actor
            .may_do(Permission::ManageNotificationSettings)
            .map_err(|_| NotificationError::SignInRequired)?;
        match (actor.user_id(), actor.role()) {
            (Some(id), Some(role)) => Ok((id, role)),
            _ => Err(NotificationError::SignInRequired),
        }
    }
}
