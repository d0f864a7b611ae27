//! Audit entries read back from rows.

use sinmungo_core::domain::audit::AuditEntry;
use sinmungo_core::domain::user::{Role, UserId};
use sinmungo_core::ports::StoreError;

use crate::row::{Dialect, RowReader};

/// Parses a row of `audit_log` (`id, at, actor, actor_role, action, target, before, after`).
pub fn entry_from_row<D: Dialect>(row: &D::Row) -> Result<AuditEntry, StoreError> {
    let r = RowReader::<D>::new(row, "audit_log");
    Ok(AuditEntry {
        id: r.uuid("id")?,
        at: r.time("at")?,
        actor: r.uuid_optional("actor")?.map(UserId),
        actor_role: r.parse_optional("actor_role", Role::parse)?,
        action: r.get("action")?,
        target: r.get("target")?,
        before: r.json("before")?,
        after: r.json("after")?,
    })
}
