//! Writing a [`ReportChange`]: what it writes, in which order, and what a
//! lost version check means. The dialect supplies the statements' SQL.

use sinmungo_core::domain::report::Report;
use sinmungo_core::ports::{ReportChange, ReportWrite, StoreError};
use sqlx::{Database, Executor, Transaction};

use crate::audit::audit_values;
use crate::correction::correction_values;
use crate::dialect::Dialect;
use crate::fetch::Fetch as _;
use crate::outbox::event_values;
use crate::report::{report_values, rewritten_timeline_values, supporter_values, timeline_values};
use crate::value::{integer, SqlValue};

/// The statements of a change in a dialect's SQL, each taking its values in
/// the order given.
#[derive(Debug, Clone, Copy)]
pub struct ChangeStatements<'a> {
    /// Inserts a report: its id, then [`report_values`].
    pub insert_report: &'a str,
    /// Replaces a report if its version is still the expected one:
    /// [`report_values`], its id, the expected version.
    pub update_report: &'a str,
    /// Selects a report's id if it is stored: the id.
    pub report_exists: &'a str,
    /// Appends a timeline entry: [`timeline_values`].
    pub insert_timeline: &'a str,
    /// Replaces a timeline entry's kind: [`rewritten_timeline_values`].
    pub rewrite_timeline: &'a str,
    /// Records a supporter: [`supporter_values`].
    pub insert_supporter: &'a str,
    /// Appends an event to the outbox, unpublished: [`event_values`].
    pub append_event: &'a str,
    /// Appends an audit entry: [`audit_values`].
    pub insert_audit: &'a str,
    /// Keeps an officer's correction of triage: [`correction_values`].
    pub insert_correction: &'a str,
}

/// Writes every part of a change on `conn`, inside the caller's transaction:
/// reports, timeline entries (appended, then rewritten), supporters,
/// events, audit entries, corrections. An update whose version check fails
/// is `VersionConflict` if the report exists, `NotFound` otherwise; a
/// rewrite of an entry that is not there is `NotFound`.
pub async fn write_change<D: Dialect>(
    sql: &ChangeStatements<'_>,
    conn: &mut <D::Database as Database>::Connection,
    change: &ReportChange,
) -> Result<(), StoreError>
where
    for<'c> &'c mut <D::Database as Database>::Connection: Executor<'c, Database = D::Database>,
{
    for write in &change.writes {
        match write {
            ReportWrite::Create(report) => {
                let id = SqlValue::Uuid(Some(report.id.0));
                let values = std::iter::once(id).chain(report_values(report)?);
                D::execute(D::statement(sql.insert_report, values), &mut *conn).await?;
            }
            ReportWrite::Update {
                report,
                expected_version,
            } => update_report::<D>(sql, conn, report, *expected_version).await?,
        }
    }
    for entry in &change.timeline {
        let values = timeline_values(entry)?;
        D::execute(D::statement(sql.insert_timeline, values), &mut *conn).await?;
    }
    for entry in &change.rewritten_timeline {
        let values = rewritten_timeline_values(entry)?;
        let rewritten = D::statement(sql.rewrite_timeline, values)
            .execute(&mut *conn)
            .await
            .map_err(D::store_error)?;
        if D::rows_affected(&rewritten) != 1 {
            return Err(StoreError::NotFound);
        }
    }
    for supporter in &change.supporters {
        let values = supporter_values(supporter);
        D::execute(D::statement(sql.insert_supporter, values), &mut *conn).await?;
    }
    for event in &change.events {
        let values = event_values(event)?;
        D::execute(D::statement(sql.append_event, values), &mut *conn).await?;
    }
    for entry in &change.audit {
        let values = audit_values(entry)?;
        D::execute(D::statement(sql.insert_audit, values), &mut *conn).await?;
    }
    for correction in &change.corrections {
        let values = correction_values(correction)?;
        D::execute(D::statement(sql.insert_correction, values), &mut *conn).await?;
    }
    Ok(())
}

/// Replaces `report` if its stored version is `expected_version`.
async fn update_report<D: Dialect>(
    sql: &ChangeStatements<'_>,
    conn: &mut <D::Database as Database>::Connection,
    report: &Report,
    expected_version: u64,
) -> Result<(), StoreError>
where
    for<'c> &'c mut <D::Database as Database>::Connection: Executor<'c, Database = D::Database>,
{
    let id = SqlValue::Uuid(Some(report.id.0));
    let version = SqlValue::Integer(Some(integer(expected_version, "expected version")?));
    let values = report_values(report)?
        .into_iter()
        .chain([id.clone(), version]);
    let updated = D::statement(sql.update_report, values)
        .execute(&mut *conn)
        .await
        .map_err(D::store_error)?;
    if D::rows_affected(&updated) == 1 {
        return Ok(());
    }
    let exists = D::statement(sql.report_exists, [id])
        .fetch_optional(&mut *conn)
        .await
        .map_err(D::store_error)?
        .is_some();
    Err(if exists {
        StoreError::VersionConflict
    } else {
        StoreError::NotFound
    })
}

/// Ends a transaction: commits it if what it wrote succeeded, else rolls it
/// back (a failed rollback is logged; the write's error is the answer).
pub async fn commit_or_roll_back<DB: Database>(
    tx: Transaction<'_, DB>,
    written: Result<(), StoreError>,
    store_error: fn(sqlx::Error) -> StoreError,
) -> Result<(), StoreError> {
    match written {
        Ok(()) => tx.commit().await.map_err(store_error),
        Err(error) => {
            if let Err(rollback) = tx.rollback().await {
                tracing::warn!(error = %rollback, "rolling back a failed change failed");
            }
            Err(error)
        }
    }
}
