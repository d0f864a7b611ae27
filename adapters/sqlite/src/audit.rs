//! `AuditLog`: privileged acts, appended directly or by report changes.

use async_trait::async_trait;
use sinmungo_core::domain::audit::AuditEntry;
use sinmungo_core::domain::user::Role;
use sinmungo_core::ports::{AuditLog, AuditQuery, StoreError};
use sinmungo_sql::audit::entry_from_row;
use sinmungo_sql::value::json_text;
use sqlx::{Executor, QueryBuilder, Sqlite};

use crate::codec::{id_text, time_text, SqliteDialect};
use crate::error::store_error;
use crate::SqliteStore;

/// Appends one entry (on the pool, or inside `apply`'s transaction).
pub(crate) async fn insert<'e, E>(executor: E, entry: &AuditEntry) -> Result<(), StoreError>
where
    E: Executor<'e, Database = Sqlite>,
{
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor, actor_role, action, target, before, after) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id_text(entry.id))
    .bind(time_text(entry.at))
    .bind(entry.actor.map(|u| id_text(u.0)))
    .bind(entry.actor_role.map(Role::as_str))
    .bind(entry.action.clone())
    .bind(entry.target.clone())
    .bind(json_text(&entry.before, "an audit state")?)
    .bind(json_text(&entry.after, "an audit state")?)
    .execute(executor)
    .await
    .map_err(store_error)?;
    Ok(())
}

#[async_trait]
impl AuditLog for SqliteStore {
    #[tracing::instrument(skip_all)]
    async fn record(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        insert(&self.writer, entry).await
    }

    #[tracing::instrument(skip_all)]
    async fn list(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        let mut builder = QueryBuilder::<Sqlite>::new(
            "SELECT id, at, actor, actor_role, action, target, before, after FROM audit_log",
        );
        if let Some(target) = &query.target {
            builder.push(" WHERE target = ").push_bind(target.clone());
        }
        // Entries of one change share a time; the later-appended one is newer.
        builder
            .push(" ORDER BY at DESC, seq DESC LIMIT ")
            .push_bind(i64::from(query.limit));
        builder
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?
            .iter()
            .map(entry_from_row::<SqliteDialect>)
            .collect()
    }
}
