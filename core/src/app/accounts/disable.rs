//! An administrator lists accounts, and disables or re-enables one. A
//! disabled account cannot sign in (password or identity provider), and its
//! sessions end when it is disabled.

use crate::domain::access::Actor;
use crate::domain::permission::Permission;
use crate::domain::user::{Email, Role, User, UserId};
use crate::domain::validation::{FieldError, Invalid};
use crate::ports::{Account, Push};

use super::{AccountAdminError, Accounts};

/// The most accounts one page lists.
pub const MAX_ACCOUNTS_PAGE: u32 = 500;

impl Accounts {
    /// A page of accounts in id order, after `after` (administrators).
    pub async fn list(
        &self,
        actor: &Actor,
        after: Option<UserId>,
        limit: u32,
    ) -> Result<Vec<Account>, AccountAdminError> {
        actor.may_do(Permission::ManageUsers)?;
        Ok(self
            .users
            .list(after, limit.clamp(1, MAX_ACCOUNTS_PAGE))
            .await?)
    }

    /// One account, and whether it is disabled (administrators).
    pub async fn account(
        &self,
        actor: &Actor,
        id: UserId,
    ) -> Result<Option<Account>, AccountAdminError> {
        actor.may_do(Permission::ManageUsers)?;
        let Some(user) = self.users.get(id).await? else {
            return Ok(None);
        };
        let disabled_at = self.users.disabled_at(id).await?;
        Ok(Some(Account { user, disabled_at }))
    }

    /// The account with this e-mail (administrators).
    pub async fn find_by_email(
        &self,
        actor: &Actor,
        email: &Email,
    ) -> Result<Option<User>, AccountAdminError> {
        actor.may_do(Permission::ManageUsers)?;
        Ok(self.users.find_by_email(email).await?)
    }

    /// Disables (`disabled = true`) or re-enables an account. Disabling ends
    /// every session of the account; administrators cannot disable themselves
    /// (someone must be left to undo it). `via` names the channel in the
    /// audit entry (`cli`, `api`).
    pub async fn set_disabled(
        &self,
        actor: &Actor,
        id: UserId,
        disabled: bool,
        via: &str,
    ) -> Result<Account, AccountAdminError> {
        actor.may_do(Permission::ManageUsers)?;
        if disabled && actor.user_id() == Some(id) {
            return Err(Invalid::from(FieldError::new(
                "user",
                "self_disable",
                "administrators cannot disable their own account (본인 계정은 비활성화할 수 없습니다)",
            ))
            .into());
        }
        let user = self
            .users
            .get(id)
            .await?
            .ok_or(AccountAdminError::NotFound)?;
        if user.role == Role::Service {
            // Service accounts sign in with API keys, not passwords.
            return Err(Invalid::from(FieldError::new(
                "user",
                "service_account",
                "a service account is stopped by revoking its keys",
            ))
            .into());
        }
        let before = self.users.disabled_at(id).await?;
        let now = self.clock.now();
        self.users.set_disabled(id, disabled.then_some(now)).await?;
        let ended = if disabled {
            let ended = self.sessions.revoke_all(id).await?;
            self.fanout
                .publish(Push::SignedOutEverywhere { user: id })
                .await;
            ended
        } else {
            0
        };
        let disabled_at = self.users.disabled_at(id).await?;
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        self.record(
            actor,
            action,
            &user,
            serde_json::json!({ "disabled_at": before }),
            serde_json::json!({
                "disabled_at": disabled_at,
                "sessions_ended": ended,
                "via": via,
            }),
        )
        .await?;
        Ok(Account { user, disabled_at })
    }
}
