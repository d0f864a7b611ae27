//! Who works in a department: the officers a manager may assign its
//! reports to.

use crate::domain::access::Actor;
use crate::domain::department::DepartmentCode;
use crate::domain::permission::{Grant, Permission};
use crate::domain::user::User;

use super::{AccountAdminError, Accounts};

impl Accounts {
    /// The staff and managers of `department` (in no particular order), for someone
    /// who may assign that department's reports: its managers, and admins.
    pub async fn officials_of(
        &self,
        actor: &Actor,
        department: &DepartmentCode,
    ) -> Result<Vec<User>, AccountAdminError> {
        let principal = actor.principal()?;
        let allowed = match actor.grant(Permission::AssignReport) {
            Grant::Everywhere => true,
            Grant::Department => principal.department.as_ref() == Some(department),
            _ => false,
        };
        if !allowed {
            return Err(AccountAdminError::Forbidden);
        }
        Ok(self.users.officials_of(department).await?)
    }
}
