//! Accounts: citizens register themselves; officials are created by an
//! administrator or by the operator at installation.

use std::sync::Arc;

use crate::app::Ports;
use crate::domain::access::Actor;
use crate::domain::audit::AuditEntry;
use crate::domain::department::DepartmentCode;
use crate::domain::text::DisplayName;
use crate::domain::user::{Email, Password, Role, User, UserId};
use crate::domain::validation::{Collector, FieldError, Invalid};
use crate::ports::{
    AuditLog, Clock, DirectoryStore, IdGenerator, PasswordHasher, StoreError, Uniqueness, UserStore,
};

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

/// Why login failed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Unknown e-mail or wrong password (deliberately not told apart).
    #[error("e-mail or password is incorrect (이메일 또는 비밀번호가 올바르지 않습니다)")]
    InvalidCredentials,
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

impl From<StoreError> for LoginError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(reason) => Self::Unavailable(reason),
            other => Self::Unknown(other.into()),
        }
    }
}

/// Registration, login, and account creation.
#[derive(Clone)]
pub struct Accounts {
    users: Arc<dyn UserStore>,
    directory: Arc<dyn DirectoryStore>,
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
            audit: ports.audit.clone(),
            hasher: ports.hasher.clone(),
            clock: ports.clock.clone(),
            ids: ports.ids.clone(),
        }
    }

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
        if actor.role() != Some(Role::Admin) {
            return Err(RegisterError::Forbidden);
        }
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
        let mut fields = Collector::default();
        let role = fields.take(Role::parse(&account.role));
        let given = account
            .department
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty());
        let department = given.and_then(|code| fields.take(DepartmentCode::new(code)));
        if let Some(department) = &department {
            let known = self
                .directory
                .departments()
                .await?
                .iter()
                .any(|d| &d.code == department);
            if !known {
                fields.push(FieldError::new(
                    "department",
                    "unknown_department",
                    format!("no department {department}"),
                ));
            }
        }
        if matches!(role, Some(Role::Staff | Role::Manager)) && given.is_none() {
            fields.push(FieldError::new(
                "department",
                "required",
                "staff and managers belong to a department",
            ));
        }
        fields.finish()?;
        let role = role.unwrap_or(Role::Citizen);
        let user = self.create(&account.registration, role, department).await?;
        let entry = AuditEntry {
            id: self.ids.new_id(),
            at: user.created_at,
            actor: actor.user_id(),
            actor_role: actor.role(),
            action: "user.create".to_owned(),
            target: format!("user:{}", user.id),
            before: serde_json::Value::Null,
            after: serde_json::json!({
                "email": user.email.as_str(),
                "role": user.role,
                "department": user.department,
            }),
        };
        self.audit.record(&entry).await?;
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
            password_hash,
            created_at: self.clock.now(),
        };
        self.users.create(&user).await?;
        Ok(user)
    }

    /// Checks an e-mail and password.
    pub async fn login(&self, email: &str, password: &str) -> Result<User, LoginError> {
        let (Ok(email), Some(password)) = (Email::new(email), Password::presented(password)) else {
            return Err(LoginError::InvalidCredentials);
        };
        let Some(user) = self.users.find_by_email(&email).await? else {
            // Spend the same time as a real check, so timing does not reveal which e-mails exist.
            let _ = self.hasher.hash(&password).await;
            return Err(LoginError::InvalidCredentials);
        };
        match self.hasher.verify(&password, &user.password_hash).await {
            Ok(true) => Ok(user),
            Ok(false) => Err(LoginError::InvalidCredentials),
            Err(error) => Err(LoginError::Unknown(error.into())),
        }
    }

    /// The user behind a token, if the account still exists.
    pub async fn user(&self, id: UserId) -> Result<Option<User>, LoginError> {
        Ok(self.users.get(id).await?)
    }
}
