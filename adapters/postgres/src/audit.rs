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
use sqlx::{Executor, Postgres, QueryBuilder};

use crate::codec::{PgDialect, Writer};
use crate::PostgresStore;

/// Appends audit entries (with `audit_values`).
pub(crate) const INSERT: Insert<'static> = Insert {
    into: "audit_log (id, at, actor, actor_role, action, target, before, after)",
    casts: &["", "", "", "", "", "", "::jsonb", "::jsonb"],
};

/// Appends one audit entry.
static INSERT_ONE: LazyLock<String> = LazyLock::new(|| INSERT.one_row::<PgDialect>());

/// Appends one entry (on the primary, or inside `apply`'s transaction).
pub(crate) async fn insert<'e>(
    executor: impl Executor<'e, Database = Postgres>,
    entry: &AuditEntry,
) -> Result<(), StoreError> {
    PgDialect::execute(
        PgDialect::statement(&INSERT_ONE, audit_values(entry)?),
        executor,
    )
    .await
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
        write_audit_list(query, &mut Writer(&mut builder));
        PgDialect::fetch_all(builder.build(), &self.reader).await
    }

    #[tracing::instrument(skip_all, fields(targets = targets.len()))]
    async fn recorded_targets(&self, targets: &[String]) -> Result<Vec<String>, StoreError> {
        let mut recorded = Vec::new();
        for chunk in targets.chunks(MAX_TARGETS_PER_QUERY) {
            let mut builder = QueryBuilder::<Postgres>::new("");
            write_recorded_targets(chunk, &mut Writer(&mut builder));
            // The primary: the ledger check must see what a run just wrote,
            // or an import resumed at once would write its rows twice.
            let rows: Vec<RecordedTarget> =
                PgDialect::fetch_all(builder.build(), &self.primary).await?;
            recorded.extend(rows.into_iter().map(|row| row.0));
        }
        Ok(recorded)
    }
}
