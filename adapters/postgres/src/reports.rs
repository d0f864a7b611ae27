//! `ReportStore`: reports, their timelines and supporters, and the outbox,
//! each change written in one transaction on the primary.
//!
//! Transactions run at READ COMMITTED: an update carries its version check in
//! its `WHERE`, so of two changes from one version the second finds no row
//! to update once the first commits (0 rows: `VersionConflict` if the report
//! exists, `NotFound` otherwise).

use std::collections::BTreeSet;
use std::sync::LazyLock;

use anyhow::anyhow;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sinmungo_core::domain::correction::{Correction, RulePrecision};
use sinmungo_core::domain::receipt::ReceiptNumber;
use sinmungo_core::domain::report::{Report, ReportId};
use sinmungo_core::domain::stats::{Stats, StatsQuery};
use sinmungo_core::domain::status::ReportStatus;
use sinmungo_core::domain::timeline::TimelineEntry;
use sinmungo_core::domain::user::UserId;
use sinmungo_core::ports::{
    CorrectionPage, CorrectionQuery, Page, ReportChange, ReportQuery, ReportSketch, ReportStore,
    ReportWrite, StoreError,
};
use sinmungo_sql::change::{
    commit_or_roll_back, is_one_statement, write_change, ChangeStatements, Insert,
};
use sinmungo_sql::correction::{
    correction_page, correction_select, write_correction_list, RULE_PRECISION,
};
use sinmungo_sql::report::{
    report_column_names, report_select_list, SupportingUser, REPORT_COLUMNS,
};
use sinmungo_sql::Fetch as _;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};
use tracing::Instrument as _;
use uuid::Uuid;

use crate::codec::{PgDialect, Writer};
use crate::error::store_error;
use crate::{audit, outbox, report_query, PostgresStore};

/// The select list of a report read from `reports AS r`, `jsonb` columns as text.
pub(crate) static SELECT_REPORT: LazyLock<String> = LazyLock::new(|| report_select_list("::text"));

/// `$first, $first+1, …` for [`REPORT_COLUMNS`], with `::jsonb` casts.
fn report_placeholders(first: usize) -> String {
    REPORT_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, column)| {
            let n = first + i;
            if column.json {
                format!("${n}::jsonb")
            } else {
                format!("${n}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `reports` with its columns, for an insert: the id, then [`REPORT_COLUMNS`].
static REPORT_INTO: LazyLock<String> =
    LazyLock::new(|| format!("reports (id, {})", report_column_names()));

/// The casts of [`REPORT_INTO`]'s values: `::jsonb` for the JSON columns.
static REPORT_CASTS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    std::iter::once("")
        .chain(
            REPORT_COLUMNS
                .iter()
                .map(|column| if column.json { "::jsonb" } else { "" }),
        )
        .collect()
});

static UPDATE_REPORT: LazyLock<String> = LazyLock::new(|| {
    let n = REPORT_COLUMNS.len();
    format!(
        "UPDATE reports SET ({}) = ROW({}) WHERE id = ${} AND version = ${}",
        report_column_names(),
        report_placeholders(1),
        n + 1,
        n + 2
    )
});

static SELECT_BY_ID: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {} FROM reports AS r WHERE r.id = $1",
        *SELECT_REPORT
    )
});

/// The existing reports a change touches: everything it names but creates.
fn touched_reports(change: &ReportChange) -> Vec<Uuid> {
    let created: BTreeSet<Uuid> = change
        .writes
        .iter()
        .filter_map(|write| match write {
            ReportWrite::Create(report) => Some(report.id.0),
            ReportWrite::Update { .. } => None,
        })
        .collect();
    let updated = change.writes.iter().filter_map(|write| match write {
        ReportWrite::Update { report, .. } => Some(report.id.0),
        ReportWrite::Create(_) => None,
    });
    let named: BTreeSet<Uuid> = updated
        .chain(change.timeline.iter().map(|e| e.report_id.0))
        .chain(change.rewritten_timeline.iter().map(|e| e.report_id.0))
        .chain(change.supporters.iter().map(|s| s.report_id.0))
        .chain(change.events.iter().map(|e| e.report_id.0))
        .chain(change.corrections.iter().map(|c| c.report_id.0))
        .collect();
    named.difference(&created).copied().collect()
}

/// Locks the rows of the existing reports a change touches, in id order.
///
/// Two reasons. Every change takes its locks in one global order before it
/// writes, so two changes of the same reports queue instead of deadlocking
/// (an update alone would lock in the change's own write order). And events
/// of an existing report are appended under its lock, so that report's
/// events get their `seq` in commit order: a relay never sees a later event
/// of a report committed before an earlier one, which its per-report order
/// rule relies on. (A new report's events are appended by the change that
/// creates it, which nobody else can name before it commits.)
async fn lock_reports(conn: &mut PgConnection, ids: &[Uuid]) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query("SELECT id FROM reports WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE")
        .bind(ids)
        .fetch_all(&mut *conn)
        .await
        .map_err(store_error)?;
    Ok(())
}

/// The statements of a change.
static CHANGE: LazyLock<ChangeStatements<'static>> = LazyLock::new(|| ChangeStatements {
    insert_report: Insert {
        into: &REPORT_INTO,
        casts: &REPORT_CASTS,
    },
    update_report: &UPDATE_REPORT,
    report_exists: "SELECT 1 FROM reports WHERE id = $1",
    insert_timeline: Insert {
        into: "timeline (id, report_id, at, actor, actor_role, kind)",
        casts: &["", "", "", "", "", "::jsonb"],
    },
    rewrite_timeline: "UPDATE timeline SET kind = $1::jsonb WHERE id = $2 AND report_id = $3",
    insert_supporter: Insert {
        into: "supporters (report_id, user_id, at)",
        casts: &["", "", ""],
    },
    append_event: outbox::APPEND,
    insert_audit: audit::INSERT,
    insert_correction: Insert {
        into: "triage_corrections (id, report_id, triage_category, triage_priority, \
               decided_by, rule, matched, category, priority, officer, at)",
        casts: &["", "", "", "", "", "", "::jsonb", "", "", "", ""],
    },
});

/// A correction with its report's number and text.
static SELECT_CORRECTION: LazyLock<String> = LazyLock::new(|| correction_select("::text"));

/// Writes a change in one transaction on the primary, its reports locked
/// first; or, when it only appends rows that name no existing report (a
/// submit), in one statement, which is a transaction by itself: no
/// `BEGIN` and `COMMIT` round trips.
async fn apply_in_transaction(primary: PgPool, change: ReportChange) -> Result<(), StoreError> {
    if touched_reports(&change).is_empty() && is_one_statement::<PgDialect>(&CHANGE, &change) {
        let mut conn = primary.acquire().await.map_err(store_error)?;
        return write_change::<PgDialect>(&CHANGE, &mut conn, &change).await;
    }
    let mut tx = primary.begin().await.map_err(store_error)?;
    let written = async {
        lock_reports(&mut tx, &touched_reports(&change)).await?;
        write_change::<PgDialect>(&CHANGE, &mut tx, &change).await
    }
    .await;
    commit_or_roll_back(tx, written, store_error).await
}

/// The receipt number a year's sequence value stands for.
fn receipt_number(year: i32, sequence: i64) -> Result<ReceiptNumber, StoreError> {
    let sequence = u32::try_from(sequence).map_err(|_| {
        StoreError::Unknown(anyhow!(
            "receipt sequence {sequence} of {year} is out of range"
        ))
    })?;
    Ok(ReceiptNumber::new(year, sequence))
}

#[async_trait]
impl ReportStore for PostgresStore {
    #[tracing::instrument(skip_all, fields(year = year))]
    async fn next_receipt_number(&self, year: i32) -> Result<ReceiptNumber, StoreError> {
        // The year's sequence (migration 0009): no lock held to a commit, so
        // concurrent submits do not queue behind each other's disk writes.
        // Numbers are never reused; a failed submit leaves a gap.
        let last: i64 = sqlx::query_scalar("SELECT next_receipt($1)")
            .bind(year)
            .fetch_one(&self.primary)
            .await
            .map_err(store_error)?;
        receipt_number(year, last)
    }

    #[tracing::instrument(skip_all, fields(year = year, count = count))]
    async fn next_receipt_numbers(
        &self,
        year: i32,
        count: u32,
    ) -> Result<Vec<ReceiptNumber>, StoreError> {
        // The same sequence, drawn `count` times in one statement; another
        // caller's draws may interleave, so they need not be consecutive.
        let drawn: Vec<i64> =
            sqlx::query_scalar("SELECT next_receipt($1) FROM generate_series(1, $2::bigint)")
                .bind(year)
                .bind(i64::from(count))
                .fetch_all(&self.primary)
                .await
                .map_err(store_error)?;
        let mut numbers = drawn
            .into_iter()
            .map(|last| receipt_number(year, last))
            .collect::<Result<Vec<_>, _>>()?;
        numbers.sort_unstable();
        Ok(numbers)
    }

    #[tracing::instrument(skip_all, fields(writes = change.writes.len(), events = change.events.len()))]
    async fn apply(&self, change: ReportChange) -> Result<(), StoreError> {
        // The transaction runs on its own task: when a client hangs up, axum
        // drops the request's future, and the change must still end in a
        // commit or a rollback, with its row locks held no longer than the
        // transaction. (sqlx 0.8 alone would be safe too — a dropped
        // `Transaction` queues a ROLLBACK that the pool flushes, with a ping,
        // before it hands the connection out again — but only on a later
        // task, with the locks held until then, and a commit cut short would
        // leave the caller not knowing whether it happened.)
        let primary = self.primary.clone();
        tokio::spawn(apply_in_transaction(primary, change).in_current_span())
            .await
            .map_err(|e| StoreError::Unknown(anyhow!("the write task failed: {e}")))?
    }

    #[tracing::instrument(skip_all, fields(report_id = %id))]
    async fn get(&self, id: ReportId) -> Result<Option<Report>, StoreError> {
        PgDialect::fetch_optional(sqlx::query(&SELECT_BY_ID).bind(id.0), &self.reader).await
    }

    #[tracing::instrument(skip_all)]
    async fn list(&self, query: &ReportQuery) -> Result<Page<Report>, StoreError> {
        report_query::list(&self.reader, query).await
    }

    #[tracing::instrument(skip_all)]
    async fn sketches(&self, query: &ReportQuery) -> Result<Vec<ReportSketch>, StoreError> {
        report_query::sketches(&self.reader, query).await
    }

    #[tracing::instrument(skip_all)]
    async fn count_by_status(
        &self,
        query: &ReportQuery,
    ) -> Result<Vec<(ReportStatus, u64)>, StoreError> {
        report_query::count_by_status(&self.reader, query).await
    }

    #[tracing::instrument(skip_all, fields(report_id = %id))]
    async fn timeline(&self, id: ReportId) -> Result<Vec<TimelineEntry>, StoreError> {
        PgDialect::fetch_all(
            sqlx::query(
                "SELECT id, report_id, at, actor, actor_role, kind::text AS kind FROM timeline \
                 WHERE report_id = $1 ORDER BY at, seq",
            )
            .bind(id.0),
            &self.reader,
        )
        .await
    }

    #[tracing::instrument(skip_all, fields(report_id = %id))]
    async fn supporters(&self, id: ReportId) -> Result<Vec<UserId>, StoreError> {
        let supporters: Vec<SupportingUser> = PgDialect::fetch_all(
            sqlx::query("SELECT user_id FROM supporters WHERE report_id = $1 ORDER BY at, user_id")
                .bind(id.0),
            &self.reader,
        )
        .await?;
        Ok(supporters.into_iter().map(|s| s.0).collect())
    }

    #[tracing::instrument(skip_all)]
    async fn stats(&self, query: &StatsQuery, now: DateTime<Utc>) -> Result<Stats, StoreError> {
        crate::stats::stats(&self.reader, query, now).await
    }

    #[tracing::instrument(skip_all)]
    async fn corrections(&self, query: &CorrectionQuery) -> Result<CorrectionPage, StoreError> {
        let mut builder = QueryBuilder::<Postgres>::new(SELECT_CORRECTION.as_str());
        write_correction_list(query, &mut Writer(&mut builder));
        let rows: Vec<Correction> = PgDialect::fetch_all(builder.build(), &self.reader).await?;
        Ok(correction_page(query, rows))
    }

    #[tracing::instrument(skip_all)]
    async fn rule_precision(&self) -> Result<Vec<RulePrecision>, StoreError> {
        let rows: Vec<RulePrecision> =
            PgDialect::fetch_all(sqlx::query(RULE_PRECISION), &self.reader).await?;
        Ok(RulePrecision::merge(rows))
    }

    #[tracing::instrument(skip_all)]
    async fn ping(&self) -> Result<(), StoreError> {
        PostgresStore::ping(self).await
    }
}
