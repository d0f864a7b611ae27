//! Roles and departments: which ones an account may have, and an
//! administrator's changes to them.

use crate::domain::access::{Actor, Denied};
use crate::domain::department::DepartmentCode;
use crate::domain::permission::Permission;
use crate::domain::user::{Role, User, UserId};
use crate::domain::validation::{Collector, FieldError, Invalid};
use crate::ports::{Push, StoreError};

use super::Accounts;

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

impl Accounts {
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
        self.fanout
            .publish(Push::SignedOutEverywhere { user: user.id })
            .await;
        let after = serde_json::json!({
            "role": user.role,
            "department": user.department,
            "sessions_ended": ended,
        });
        self.record(actor, "user.role_change", &user, before, after)
            .await?;
        Ok(user)
    }

    /// Parses a role (not `service`: service accounts have their own route)
    /// and a department, which staff and managers need and must exist.
    pub(super) async fn role_and_department(
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
}
