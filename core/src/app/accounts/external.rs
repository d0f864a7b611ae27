//! Signing in through an identity provider: the linked account, else the
//! account with the same verified e-mail (linked now), else a new citizen.

use crate::domain::access::Actor;
use crate::domain::identity::{verified_email, ExternalIdentity, ExternalProfile};
use crate::domain::text::DisplayName;
use crate::domain::user::{Role, User, UserId};
use crate::ports::{StoreError, Uniqueness};

use super::Accounts;

/// Why signing in through an identity provider failed.
#[derive(Debug, thiserror::Error)]
pub enum ExternalLoginError {
    /// The provider shared no e-mail, or did not say it verified it: we
    /// neither link nor create an account on an address nobody proved.
    #[error("the provider did not share a verified e-mail address; allow e-mail sharing or sign in with a password (인증된 이메일 제공에 동의해 주세요)")]
    EmailNotVerified,
    /// An administrator disabled the account.
    #[error("this account is disabled; ask an administrator (비활성화된 계정입니다. 관리자에게 문의하세요)")]
    Disabled,
    /// The store is down.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A bug.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

impl From<StoreError> for ExternalLoginError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(reason) => Self::Unavailable(reason),
            other => Self::Unknown(other.into()),
        }
    }
}

impl Accounts {
    /// Someone signed in through an identity provider: the account linked
    /// to that provider's account; else the account with the same e-mail,
    /// if the provider verified it (linked now); else a new citizen.
    pub async fn sign_in_external(
        &self,
        profile: &ExternalProfile,
    ) -> Result<User, ExternalLoginError> {
        if let Some(user) = self
            .users
            .find_by_identity(profile.provider, &profile.subject)
            .await?
        {
            return self.unless_disabled(user).await;
        }
        let email = verified_email(profile).ok_or(ExternalLoginError::EmailNotVerified)?;
        let now = self.clock.now();
        let (user, created) = match self.users.find_by_email(&email).await? {
            Some(user) => (user, false),
            None => {
                let name = profile
                    .name
                    .as_deref()
                    .and_then(|n| DisplayName::new(n).ok())
                    .or_else(|| DisplayName::new(email.as_str().split('@').next()?).ok())
                    .ok_or_else(|| {
                        ExternalLoginError::Unknown(anyhow::anyhow!("no usable name"))
                    })?;
                let user = User {
                    id: UserId(self.ids.new_id()),
                    email,
                    display_name: name,
                    role: Role::Citizen,
                    department: None,
                    password_hash: None,
                    created_at: now,
                };
                match self.users.create(&user).await {
                    Ok(()) => (user, true),
                    // Two first sign-ins at once: the other one created it.
                    Err(StoreError::AlreadyExists(Uniqueness::Email)) => {
                        let existing = self.users.find_by_email(&user.email).await?;
                        (existing.ok_or(ExternalLoginError::EmailNotVerified)?, false)
                    }
                    Err(other) => return Err(other.into()),
                }
            }
        };
        let identity = ExternalIdentity {
            provider: profile.provider,
            subject: profile.subject.clone(),
            user_id: user.id,
            linked_at: now,
        };
        match self.users.link_identity(&identity).await {
            Ok(()) | Err(StoreError::AlreadyExists(Uniqueness::Identity)) => {}
            Err(other) => return Err(other.into()),
        }
        let actor = Actor::User((&user).into());
        let action = if created {
            "user.create"
        } else {
            "user.link_identity"
        };
        self.record(
            &actor,
            action,
            &user,
            serde_json::Value::Null,
            serde_json::json!({ "provider": profile.provider, "email": user.email.as_str() }),
        )
        .await?;
        self.unless_disabled(user).await
    }

    async fn unless_disabled(&self, user: User) -> Result<User, ExternalLoginError> {
        if self.users.disabled_at(user.id).await?.is_some() {
            return Err(ExternalLoginError::Disabled);
        }
        Ok(user)
    }
}
