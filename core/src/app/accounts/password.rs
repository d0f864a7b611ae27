//! A signed-in person changes their password.

use crate::domain::access::Actor;
use crate::domain::permission::Permission;
use crate::domain::user::{Password, User};
use crate::domain::validation::Invalid;
use crate::ports::{Push, StoreError};

use super::Accounts;

/// Why changing a password failed.
#[derive(Debug, thiserror::Error)]
pub enum PasswordChangeError {
    /// The new password breaks the policy.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The current password is wrong.
    #[error("the current password is incorrect (현재 비밀번호가 올바르지 않습니다)")]
    WrongPassword,
    /// Not signed in.
    #[error("sign in to change your password (로그인이 필요합니다)")]
    SignInRequired,
    /// An account without a password of its own (service accounts).
    #[error("{0}")]
    Forbidden(&'static str),
    /// The store is down.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A bug.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

impl From<StoreError> for PasswordChangeError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(reason) => Self::Unavailable(reason),
            other => Self::Unknown(other.into()),
        }
    }
}

impl Accounts {
    /// A signed-in person changes their password: the current one is
    /// checked, and every session of theirs ends (other devices included;
    /// the caller opens a fresh one for this device).
    pub async fn change_password(
        &self,
        actor: &Actor,
        current: &str,
        new: &str,
    ) -> Result<User, PasswordChangeError> {
        let id = actor.user_id().ok_or(PasswordChangeError::SignInRequired)?;
        actor.may_do(Permission::ChangePassword).map_err(|_| {
            PasswordChangeError::Forbidden("service accounts have no password to change")
        })?;
        let mut user = self
            .users
            .get(id)
            .await?
            .ok_or(PasswordChangeError::Forbidden(
                "the account no longer exists",
            ))?;
        let new = Password::new(new).map_err(Invalid::from)?;
        if let Some(hash) = &user.password_hash {
            let current = Password::presented(current).ok_or(PasswordChangeError::WrongPassword)?;
            match self.hasher.verify(&current, hash).await {
                Ok(true) => {}
                Ok(false) => return Err(PasswordChangeError::WrongPassword),
                Err(error) => return Err(PasswordChangeError::Unknown(error.into())),
            }
        }
        // A provider-only account sets its first password here: it proved
        // itself by signing in through the provider.
        user.password_hash = Some(
            self.hasher
                .hash(&new)
                .await
                .map_err(|e| PasswordChangeError::Unknown(e.into()))?,
        );
        self.users.update(&user).await?;
        let ended = self.sessions.revoke_all(user.id).await?;
        self.fanout
            .publish(Push::SignedOutEverywhere { user: user.id })
            .await;
        self.record(
            actor,
            "user.password_change",
            &user,
            serde_json::Value::Null,
            serde_json::json!({ "sessions_ended": ended }),
        )
        .await?;
        Ok(user)
    }
}
