//! The audit log: every privileged act, with who, when, what, before and after.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::domain::user::{Role, UserId};

/// One privileged act.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    /// Identity.
    pub id: Uuid,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (absent for the system itself).
    pub actor: Option<UserId>,
    /// In which role.
    pub actor_role: Option<Role>,
    /// What kind of act (`report.transition`, `user.create`, …).
    pub action: String,
    /// What it was done to (`report:<id>`, `user:<id>`).
    pub target: String,
    /// State before, as JSON.
    pub before: serde_json::Value,
    /// State after, as JSON.
    pub after: serde_json::Value,
}

impl AuditEntry {
    /// An entry of `action` on `target` by `actor` (anonymous: the system
    /// or the operator at the command line).
    pub fn new(
        id: Uuid,
        at: DateTime<Utc>,
        actor: &crate::domain::access::Actor,
        action: &str,
        target: String,
        before: serde_json::Value,
        after: serde_json::Value,
    ) -> Self {
        Self {
            id,
            at,
            actor: actor.user_id(),
            actor_role: actor.role(),
            action: action.to_owned(),
            target,
            before,
            after,
        }
    }
}
