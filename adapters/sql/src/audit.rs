//! Audit entries as rows of `audit_log`, and the audit list query.

use sinmungo_core::domain::audit::AuditEntry;
use sinmungo_core::domain::user::{Role, UserId};
use sinmungo_core::ports::{AuditQuery, StoreError};

use crate::dialect::Dialect;
use crate::row::{FromSqlRow, RowReader};
use crate::value::{json_text, SqlValue, SqlWriter};

/// Parses a row of `audit_log` (`id, at, actor, actor_role, action, target, before, after`).
impl<D: Dialect> FromSqlRow<D> for AuditEntry {
    fn from_row(row: &D::Row) -> Result<Self, StoreError> {
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
}

/// An entry's values for `audit_log (id, at, actor, actor_role, action,
/// target, before, after)`, in that order.
pub fn audit_values(entry: &AuditEntry) -> Result<[SqlValue; 8], StoreError> {
    Ok([
        SqlValue::Uuid(Some(entry.id)),
        SqlValue::Time(Some(entry.at)),
        SqlValue::Uuid(entry.actor.map(|u| u.0)),
        SqlValue::Text(entry.actor_role.map(|role| role.as_str().to_owned())),
        SqlValue::text(entry.action.as_str()),
        SqlValue::text(entry.target.as_str()),
        SqlValue::text(json_text(&entry.before, "an audit state")?),
        SqlValue::text(json_text(&entry.after, "an audit state")?),
    ])
}

/// Writes the audit list query after its `FROM audit_log`: the target
/// filter, newest first, the limit.
pub fn write_audit_list(query: &AuditQuery, sql: &mut impl SqlWriter) {
    if let Some(target) = &query.target {
        sql.push(" WHERE target = ");
        sql.bind(SqlValue::text(target.as_str()));
    }
    // Entries of one change share a time; the later-appended one is newer.
    sql.push(" ORDER BY at DESC, seq DESC LIMIT ");
    sql.bind(SqlValue::Integer(Some(i64::from(query.limit))));
}

/// The most targets one recorded-targets query binds (well below either
/// database's parameter limit); a longer list is asked in several.
pub const MAX_TARGETS_PER_QUERY: usize = 10_000;

/// The query of which of `targets` (at most [`MAX_TARGETS_PER_QUERY`]) have
/// entries, each once: `SELECT DISTINCT target FROM audit_log WHERE target IN (…)`,
/// found through the index on `target`.
pub fn write_recorded_targets(targets: &[String], sql: &mut impl SqlWriter) {
    sql.push("SELECT DISTINCT target FROM audit_log WHERE target IN (");
    for (i, target) in targets.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind(SqlValue::text(target.as_str()));
    }
    sql.push(")");
}

/// A target that has entries: a row of the recorded-targets query (`target`).
#[derive(Debug)]
pub struct RecordedTarget(pub String);

impl<D: Dialect> FromSqlRow<D> for RecordedTarget {
    fn from_row(row: &D::Row) -> Result<Self, StoreError> {
        Ok(Self(RowReader::<D>::new(row, "audit_log").get("target")?))
    }
}
