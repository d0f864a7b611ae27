//! Signing in with an e-mail and password, and recording bursts of failed attempts.

use crate::domain::access::Actor;
use crate::domain::audit::AuditEntry;
use crate::domain::user::{Email, Password, User};
use crate::ports::StoreError;

use super::Accounts;

/// Why login failed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Unknown e-mail or wrong password (deliberately not told apart).
    #[error("e-mail or password is incorrect (이메일 또는 비밀번호가 올바르지 않습니다)")]
    InvalidCredentials,
    /// The password is right, but an administrator disabled the account.
    #[error("this account is disabled; ask an administrator (비활성화된 계정입니다. 관리자에게 문의하세요)")]
    Disabled,
    /// The store is down.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A bug.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

impl From<StoreError> for LoginError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(reason) => Self::Unavailable(reason),
            other => Self::Unknown(other.into()),
        }
    }
}

impl Accounts {
    /// Checks an e-mail and password.
    pub async fn login(&self, email: &str, password: &str) -> Result<User, LoginError> {
        let (Ok(email), Some(password)) = (Email::new(email), Password::presented(password)) else {
            return Err(LoginError::InvalidCredentials);
        };
        let found = self.users.find_by_email(&email).await?;
        let Some((user, hash)) = found.and_then(|u| u.password_hash.clone().map(|h| (u, h))) else {
            // Spend the same time as a real check, so timing does not reveal
            // which e-mails exist (or sign in only through a provider).
            let _ = self.hasher.hash(&password).await;
            return Err(LoginError::InvalidCredentials);
        };
        match self.hasher.verify(&password, &hash).await {
            // A disabled account is told apart from a wrong password only
            // after the password is right, so it reveals nothing more.
            Ok(true) if self.users.disabled_at(user.id).await?.is_some() => {
                Err(LoginError::Disabled)
            }
            Ok(true) => Ok(user),
            Ok(false) => Err(LoginError::InvalidCredentials),
            Err(error) => Err(LoginError::Unknown(error.into())),
        }
    }

    /// Records a burst of failed sign-ins on one e-mail (the HTTP layer counts
    /// them and calls this once the per-account limit is reached).
    pub async fn record_failed_logins(
        &self,
        email: &str,
        failures: u32,
        window_seconds: u64,
        ip: Option<String>,
    ) -> Result<(), LoginError> {
        let user = match Email::new(email) {
            Ok(email) => self.users.find_by_email(&email).await?,
            Err(_) => None,
        };
        let target = user.map_or_else(|| "email:unknown".to_owned(), |u| format!("user:{}", u.id));
        let entry = AuditEntry::new(
            self.ids.new_id(),
            self.clock.now(),
            &Actor::Anonymous,
            "auth.login_failures",
            target,
            serde_json::Value::Null,
            serde_json::json!({
                "failures": failures,
                "window_seconds": window_seconds,
                "ip": ip,
            }),
        );
        Ok(self.audit.record(&entry).await?)
    }
}
