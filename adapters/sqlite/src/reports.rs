//! `ReportStore`: reports, their timelines and supporters, and the outbox,
//! each change written in one `BEGIN IMMEDIATE` transaction.

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
    StoreError,
};
use sinmungo_sql::change::{commit_or_roll_back, write_change, ChangeStatements, Insert};
use sinmungo_sql::correction::{
    correction_page, correction_select, write_correction_list, RULE_PRECISION,
};
use sinmungo_sql::report::{
    report_column_names, report_select_list, SupportingUser, REPORT_COLUMNS,
};
use sinmungo_sql::Fetch as _;
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};
use tracing::Instrument as _;

use crate::codec::{id_text, SqliteDialect, Writer};
use crate::error::store_error;
use crate::{audit, outbox, report_query, SqliteStore};

/// The select list of a report read from `reports AS r`.
pub(crate) static SELECT_REPORT: LazyLock<String> = LazyLock::new(|| report_select_list(""));

/// `reports` with its columns, for an insert: the id, then [`REPORT_COLUMNS`].
static REPORT_INTO: LazyLock<String> =
    LazyLock::new(|| format!("reports (id, {})", report_column_names()));

/// No casts: SQLite keeps JSON as text.
static REPORT_CASTS: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| vec![""; REPORT_COLUMNS.len() + 1]);

static UPDATE_REPORT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE reports SET ({}) = ({}) WHERE id = ? AND version = ?",
        report_column_names(),
        vec!["?"; REPORT_COLUMNS.len()].join(", ")
    )
});

static SELECT_BY_ID: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {} FROM reports AS r WHERE r.id = ?", *SELECT_REPORT));

/// The statements of a change.
static CHANGE: LazyLock<ChangeStatements<'static>> = LazyLock::new(|| ChangeStatements {
    insert_report: Insert {
        into: &REPORT_INTO,
        casts: &REPORT_CASTS,
    },
    update_report: &UPDATE_REPORT,
    report_exists: "SELECT 1 FROM reports WHERE id = ?",
    insert_timeline: Insert {
        into: "timeline (id, report_id, at, actor, actor_role, kind)",
        casts: &[""; 6],
    },
    rewrite_timeline: "UPDATE timeline SET kind = ? WHERE id = ? AND report_id = ?",
    insert_supporter: Insert {
        into: "supporters (report_id, user_id, at)",
        casts: &[""; 3],
    },
    append_event: outbox::APPEND,
    insert_audit: audit::INSERT,
    insert_correction: Insert {
        into: "triage_corrections (id, report_id, triage_category, triage_priority, \
               decided_by, rule, matched, category, priority, officer, at)",
        casts: &[""; 11],
    },
});

/// A correction with its report's number and text.
static SELECT_CORRECTION: LazyLock<String> = LazyLock::new(|| correction_select(""));

/// Writes a change in one transaction on the writer connection.
async fn apply_in_transaction(writer: SqlitePool, change: ReportChange) -> Result<(), StoreError> {
    // IMMEDIATE takes the write lock up front, so the transaction cannot fail
    // half-way on a lock upgrade (another process, such as `create-user`, may write too).
    let mut tx = writer
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(store_error)?;
    let written = write_change::<SqliteDialect>(&CHANGE, &mut tx, &change).await;
    commit_or_roll_back(tx, written, store_error).await
}

/// Moves `year`'s counter on by `count` (at least 1) and returns the last
/// sequence number drawn: the caller's are the `count` up to it.
async fn draw_receipt_numbers(
    writer: &SqlitePool,
    year: i32,
    count: u32,
) -> Result<u32, StoreError> {
    // One statement, so concurrent callers serialise on SQLite's write lock
    // and each gets its own numbers.
    let last: i64 = sqlx::query(
        "INSERT INTO receipt_counters (year, last) VALUES (?, ?) \
         ON CONFLICT (year) DO UPDATE SET last = last + excluded.last \
         RETURNING last",
    )
    .bind(year)
    .bind(i64::from(count))
    .fetch_one(writer)
    .await
    .map_err(store_error)?
    .try_get("last")
    .map_err(store_error)?;
    u32::try_from(last).map_err(|_| {
        StoreError::Unknown(anyhow!("receipt sequence {last} of {year} is out of range"))
    })
}

#[async_trait]
impl ReportStore for SqliteStore {
    #[tracing::instrument(skip_all, fields(year))]
    async fn next_receipt_number(&self, year: i32) -> Result<ReceiptNumber, StoreError> {
        let last = draw_receipt_numbers(&self.writer, year, 1).await?;
        Ok(ReceiptNumber::new(year, last))
    }

    #[tracing::instrument(skip_all, fields(year, count))]
    async fn next_receipt_numbers(
        &self,
        year: i32,
        count: u32,
    ) -> Result<Vec<ReceiptNumber>, StoreError> {
        if count == 0 {
            return Ok(Vec::new());
        }
        let last = draw_receipt_numbers(&self.writer, year, count).await?;
        let first = last.checked_sub(count - 1).ok_or_else(|| {
            StoreError::Unknown(anyhow!("the receipt counter of {year} went backwards"))
        })?;
        Ok((first..=last)
            .map(|sequence| ReceiptNumber::new(year, sequence))
            .collect())
    }

    #[tracing::instrument(skip_all)]
    async fn apply(&self, change: ReportChange) -> Result<(), StoreError> {
        // The transaction runs on its own task: when a client hangs up, axum
        // drops the request's future, and a transaction abandoned between two
        // awaits would go back to the pool still open. On its own task it
        // always ends in a commit or a rollback.
        let writer = self.writer.clone();
        tokio::spawn(apply_in_transaction(writer, change).in_current_span())
            .await
            .map_err(|e| StoreError::Unknown(anyhow!("the write task failed: {e}")))?
    }

    #[tracing::instrument(skip_all, fields(report_id = %id))]
    async fn get(&self, id: ReportId) -> Result<Option<Report>, StoreError> {
        SqliteDialect::fetch_optional(sqlx::query(&SELECT_BY_ID).bind(id_text(id.0)), &self.pool)
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn list(&self, query: &ReportQuery) -> Result<Page<Report>, StoreError> {
        report_query::list(&self.pool, query).await
    }

    #[tracing::instrument(skip_all)]
    async fn sketches(&self, query: &ReportQuery) -> Result<Vec<ReportSketch>, StoreError> {
        report_query::sketches(&self.pool, query).await
    }

    #[tracing::instrument(skip_all)]
    async fn count_by_status(
        &self,
        query: &ReportQuery,
    ) -> Result<Vec<(ReportStatus, u64)>, StoreError> {
        report_query::count_by_status(&self.pool, query).await
    }

    #[tracing::instrument(skip_all, fields(report_id = %id))]
    async fn timeline(&self, id: ReportId) -> Result<Vec<TimelineEntry>, StoreError> {
        SqliteDialect::fetch_all(
            sqlx::query(
                "SELECT id, report_id, at, actor, actor_role, kind FROM timeline \
                 WHERE report_id = ? ORDER BY at, seq",
            )
            .bind(id_text(id.0)),
            &self.pool,
        )
        .await
    }

    #[tracing::instrument(skip_all, fields(report_id = %id))]
    async fn supporters(&self, id: ReportId) -> Result<Vec<UserId>, StoreError> {
        let supporters: Vec<SupportingUser> = SqliteDialect::fetch_all(
            sqlx::query("SELECT user_id FROM supporters WHERE report_id = ? ORDER BY at, user_id")
                .bind(id_text(id.0)),
            &self.pool,
        )
        .await?;
        Ok(supporters.into_iter().map(|s| s.0).collect())
    }

    #[tracing::instrument(skip_all)]
    async fn stats(&self, query: &StatsQuery, now: DateTime<Utc>) -> Result<Stats, StoreError> {
        crate::stats::stats(&self.pool, query, now).await
    }

    #[tracing::instrument(skip_all)]
    async fn corrections(&self, query: &CorrectionQuery) -> Result<CorrectionPage, StoreError> {
        let mut builder = QueryBuilder::<Sqlite>::new(SELECT_CORRECTION.as_str());
        write_correction_list(query, &mut Writer(&mut builder));
        let rows: Vec<Correction> = SqliteDialect::fetch_all(builder.build(), &self.pool).await?;
        Ok(correction_page(query, rows))
    }

    #[tracing::instrument(skip_all)]
    async fn rule_precision(&self) -> Result<Vec<RulePrecision>, StoreError> {
        let rows: Vec<RulePrecision> =
            SqliteDialect::fetch_all(sqlx::query(RULE_PRECISION), &self.pool).await?;
        Ok(RulePrecision::merge(rows))
    }

    #[tracing::instrument(skip_all)]
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }
}
