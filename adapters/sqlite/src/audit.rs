//! `AuditLog`: privileged acts, appended directly or by report changes.

use std::sync::LazyLock;

use async_trait::async_trait;
use sinmungo_core::domain::audit::AuditEntry;
use sinmungo_core::ports::{AuditLog, AuditQuery, StoreError};
use sinmungo_sql::audit::{
    audit_values, write_audit_list, write_recorded_targets, RecordedTarget, MAX_TARGETS_PER_QUERY,
};
use sinmungo_sql::change::Insert;
use sinmungo_sql::{Dialect as _, Fetch as _};
use sqlx::{Executor, QueryBuilder, Sqlite};

use crate::codec::{SqliteDialect, Writer};
use crate::SqliteStore;

/// Appends audit entries (with `audit_values`).
pub(crate) const INSERT: Insert<'static> = Insert {
    into: "audit_log (id, at, actor, actor_role, action, target, before, after)",
    casts: &[""; 8],
};

/// Appends one audit entry.
static INSERT_ONE: LazyLock<String> = LazyLock::new(|| INSERT.one_row::<SqliteDialect>());

/// Appends one entry (on the pool, or inside `apply`'s transaction).
pub(crate) async fn insert<'e>(
    executor: impl Executor<'e, Database = Sqlite>,
    entry: &AuditEntry,
) -> Result<(), StoreError> {
    SqliteDialect::execute(
        SqliteDialect::statement(&INSERT_ONE, audit_values(entry)?),
        executor,
    )
    .await
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
        write_audit_list(query, &mut Writer(&mut builder));
        SqliteDialect::fetch_all(builder.build(), &self.pool).await
    }

    #[tracing::instrument(skip_all, fields(targets = targets.len()))]
    async fn recorded_targets(&self, targets: &[String]) -> Result<Vec<String>, StoreError> {
        let mut recorded = Vec::new();
        for chunk in targets.chunks(MAX_TARGETS_PER_QUERY) {
            let mut builder = QueryBuilder::<Sqlite>::new("");
            write_recorded_targets(chunk, &mut Writer(&mut builder));
            let rows: Vec<RecordedTarget> =
                SqliteDialect::fetch_all(builder.build(), &self.pool).await?;
            recorded.extend(rows.into_iter().map(|row| row.0));
        }
        Ok(recorded)
    }
}
