//! `AuditLog`: privileged acts, appended directly or by report changes.

use async_trait::async_trait;
use sinmungo_core::domain::audit::AuditEntry;
use sinmungo_core::domain::user::Role;
use sinmungo_core::ports::{AuditLog, AuditQuery, StoreError};
use sinmungo_sql::audit::entry_from_row;
use sinmungo_sql::value::json_text;
use sqlx::{Executor, Postgres, QueryBuilder};

use crate::codec::{micros, PgDialect};
use crate::error::store_error;
use crate::PostgresStore;

/// Appends one entry (on the primary, or inside `apply`'s transaction).
pub(crate) async fn insert<'e, E>(executor: E, entry: &AuditEntry) -> Result<(), StoreError>
where
    E: Executor<'e, Database = Postgres>,
{
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor, actor_role, action, target, before, after) \
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb)",
    )
    .bind(entry.id)
    .bind(micros(entry.at))
    .bind(entry.actor.map(|u| u.0))
    .bind(entry.actor_role.map(Role::as_str))
    .bind(entry.action.as_str())
    .bind(entry.target.as_str())
    .bind(json_text(&entry.before, "an audit state")?)
    .bind(json_text(&entry.after, "an audit state")?)
    .execute(executor)
    .await
    .map_err(store_error)?;
    Ok(())
}

#[async_trait]
impl AuditLog for PostgresStore {
    #[tracing::instrument(skip_all)]
    async fn record(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        insert(&self.primary, entry).await
    }

    #[tracing::instrument(skip_all)]
    async fn list(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        let mut builder = QueryBuilder::<Postgres>::new(
            "SELECT id, at, actor, actor_role, action, target, \
             before::text AS before, after::text AS after FROM audit_log",
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
            .fetch_all(&self.reader)
            .await
            .map_err(store_error)?
            .iter()
            .map(entry_from_row::<PgDialect>)
            .collect()
    }
}
