//! Registration: citizens register themselves; administrators (and the
//! operator, at installation) create accounts of any role.

use crate::domain::access::{Actor, Denied};
use crate::domain::department::DepartmentCode;
use crate::domain::permission::Permission;
use crate::domain::text::DisplayName;
use crate::domain::user::{Email, Password, Role, User, UserId};
use crate::domain::validation::{Collector, Invalid};
use crate::ports::{StoreError, Uniqueness};

use super::Accounts;

/// A citizen's registration, as sent.
#[derive(Debug, Clone)]
pub struct RegisterRequest {
    /// Sign-in address.
    pub email: String,
    /// Password (checked against the policy).
    pub password: String,
    /// Display name.
    pub display_name: String,
}

/// An account created by an administrator or the operator.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// The registration fields.
    pub registration: RegisterRequest,
    /// Role (`citizen`, `staff`, `manager`, `admin`).
    pub role: String,
    /// Department code, required for staff and managers.
    pub department: Option<String>,
}

/// Why registration failed.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// A field is invalid.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The e-mail has an account already.
    #[error("an account with this e-mail exists (이미 가입된 이메일입니다)")]
    EmailTaken,
    /// Not signed in.
    #[error("sign in first (로그인이 필요합니다)")]
    SignInRequired,
    /// Only administrators create officials.
    #[error("only administrators may create accounts")]
    Forbidden,
    /// The store is down.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A bug.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

impl From<StoreError> for RegisterError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::AlreadyExists(Uniqueness::Email) => Self::EmailTaken,
            StoreError::Unavailable(reason) => Self::Unavailable(reason),
            other => Self::Unknown(other.into()),
        }
    }
}

impl Accounts {
    /// A citizen registers themselves.
    pub async fn register(&self, request: RegisterRequest) -> Result<User, RegisterError> {
        self.create(&request, Role::Citizen, None).await
    }

    /// An administrator creates an account of any role.
    pub async fn create_account(
        &self,
        actor: &Actor,
        account: NewAccount,
    ) -> Result<User, RegisterError> {
        actor
            .may_do(Permission::ManageUsers)
            .map_err(|denied| match denied {
                Denied::SignInRequired => RegisterError::SignInRequired,
                Denied::Forbidden(_) => RegisterError::Forbidden,
            })?;
        self.create_as_operator(account, actor.clone()).await
    }

    /// The operator creates an account from the server's command line, which
    /// runs with direct access to the database (used for the first admin).
    pub async fn create_by_operator(&self, account: NewAccount) -> Result<User, RegisterError> {
        self.create_as_operator(account, Actor::Anonymous).await
    }

    async fn create_as_operator(
        &self,
        account: NewAccount,
        actor: Actor,
    ) -> Result<User, RegisterError> {
        let (role, department) = self
            .role_and_department(&account.role, account.department.as_deref())
            .await??;
        let user = self.create(&account.registration, role, department).await?;
        let after = serde_json::json!({
            "email": user.email.as_str(),
            "role": user.role,
            "department": user.department,
        });
        self.record(&actor, "user.create", &user, serde_json::Value::Null, after)
            .await?;
        Ok(user)
    }

    async fn create(
        &self,
        request: &RegisterRequest,
        role: Role,
        department: Option<DepartmentCode>,
    ) -> Result<User, RegisterError> {
        let mut fields = Collector::default();
        let email = fields.take(Email::new(&request.email));
        let password = fields.take(Password::new(&request.password));
        let display_name = fields.take(DisplayName::new(&request.display_name));
        fields.finish()?;
        let (Some(email), Some(password), Some(display_name)) = (email, password, display_name)
        else {
            return Err(RegisterError::Unknown(anyhow::anyhow!(
                "validated fields missing"
            )));
        };
        if self.users.find_by_email(&email).await?.is_some() {
            return Err(RegisterError::EmailTaken);
        }
        let password_hash = self
            .hasher
            .hash(&password)
            .await
            .map_err(|e| RegisterError::Unknown(e.into()))?;
        let user = User {
            id: UserId(self.ids.new_id()),
            email,
            display_name,
            role,
            department,
            password_hash: Some(password_hash),
            created_at: self.clock.now(),
        };
        self.users.create(&user).await?;
        Ok(user)
    }
}
