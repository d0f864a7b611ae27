//! Accounts: citizens register themselves; officials are created by an
//! administrator or by the operator at installation.

use std::sync::Arc;

use crate::app::Ports;
use crate::domain::access::{Actor, Denied};
use crate::domain::audit::AuditEntry;
use crate::domain::department::DepartmentCode;
use crate::domain::identity::{verified_email, ExternalIdentity, ExternalProfile};
use crate::domain::permission::Permission;
use crate::domain::text::DisplayName;
use crate::domain::user::{Email, Password, Role, User, UserId};
use crate::domain::validation::{Collector, FieldError, Invalid};
use crate::ports::{
    AuditLog, Clock, DirectoryStore, IdGenerator, PasswordHasher, SessionStore, StoreError,
    Uniqueness, UserStore,
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

/// Why an administrator's change to an account failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountAdminError {
    /// A field is invalid.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// Not signed in.
    #[error("sign in first (로그인이 필요합니다)")]
    SignInRequired,
    /// Not an administrator.
    #[error("only administrators may change accounts")]
    Forbidden,
    /// No such user.
    #[error("no such user")]
    NotFound,
    /// The store is down.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A bug.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

/// Why signing in through an identity provider failed.
#[derive(Debug, thiserror::Error)]
pub enum ExternalLoginError {
    /// The provider shared no e-mail, or did not say it verified it: we
    /// neither link nor create an account on an address nobody proved.
    #[error("the provider did not share a verified e-mail address; allow e-mail sharing or sign in with a password (인증된 이메일 제공에 동의해 주세요)")]
    EmailNotVerified,
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

impl From<Denied> for AccountAdminError {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::SignInRequired => Self::SignInRequired,
            Denied::Forbidden(_) => Self::Forbidden,
        }
    }
}

impl From<StoreError> for AccountAdminError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => Self::NotFound,
            StoreError::Unavailable(reason) => Self::Unavailable(reason),
            other => Self::Unknown(other.into()),
        }
    }
}

impl From<StoreError> for ExternalLoginError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(reason) => Self::Unavailable(reason),
            other => Self::Unknown(other.into()),
        }
    }
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
    sessions: Arc<dyn SessionStore>,
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

    /// Parses a role (not `service`: service accounts have their own route)
    /// and a department, which staff and managers need and must exist.
    async fn role_and_department(
        &self,
        role: &str,
        department: Option<&str>,
    ) -> Result<Result<(Role, Option<DepartmentCode>), Invalid>, StoreError> {
        let mut fields = Collector::default();
        let role = fields.take(Role::parse(role).and_then(|role| {
            if role == Role::Service {
                Err(FieldError::new(
                    "role",
                    "unknown_role",
                    "service accounts are created under /api/v1/admin/service-accounts",
                ))
            } else {
                Ok(role)
            }
        }));
        let given = department.map(str::trim).filter(|d| !d.is_empty());
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
        Ok(fields
            .finish()
            .map(|()| (role.unwrap_or(Role::Citizen), department)))
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
            Ok(true) => Ok(user),
            Ok(false) => Err(LoginError::InvalidCredentials),
            Err(error) => Err(LoginError::Unknown(error.into())),
        }
    }

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

    /// An administrator changes someone's role and department. Their
    /// sessions end, so no access token keeps the old role.
    pub async fn set_role(
        &self,
        actor: &Actor,
        id: UserId,
        role: &str,
        department: Option<&str>,
    ) -> Result<User, AccountAdminError> {
        actor.may_do(Permission::ManageUsers)?;
        let (role, department) = self.role_and_department(role, department).await??;
        let mut user = self
            .users
            .get(id)
            .await?
            .ok_or(AccountAdminError::NotFound)?;
        if user.role == Role::Service {
            return Err(Invalid::from(FieldError::new(
                "role",
                "service_account",
                "a service account keeps its role; revoke its keys instead",
            ))
            .into());
        }
        let before = serde_json::json!({ "role": user.role, "department": user.department });
        user.role = role;
        user.department = department;
        self.users.update(&user).await?;
        let ended = self.sessions.revoke_all(user.id).await?;
        let after = serde_json::json!({
            "role": user.role,
            "department": user.department,
            "sessions_ended": ended,
        });
        self.record(actor, "user.role_change", &user, before, after)
            .await?;
        Ok(user)
    }

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
            return Ok(user);
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
        Ok(user)
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
