//! Writing a [`ReportChange`]: what it writes, in which order, and what a
//! lost version check means. The dialect supplies the statements.

use std::future::Future;

use sinmungo_core::domain::audit::AuditEntry;
use sinmungo_core::domain::event::EventEnvelope;
use sinmungo_core::domain::report::{Report, ReportId};
use sinmungo_core::domain::timeline::TimelineEntry;
use sinmungo_core::ports::{ReportChange, ReportWrite, StoreError, Supporter};
use sqlx::{Database, Transaction};

/// The statements of a change, each run on one connection inside the
/// transaction of the whole change.
pub trait ChangeWriter: Send {
    /// Inserts a new report.
    fn insert_report(
        &mut self,
        report: &Report,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Replaces a report if its stored version is `expected_version`;
    /// answers how many rows it replaced.
    fn update_report(
        &mut self,
        report: &Report,
        expected_version: u64,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Whether a report is stored.
    fn report_exists(
        &mut self,
        id: ReportId,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Appends a timeline entry.
    fn insert_timeline(
        &mut self,
        entry: &TimelineEntry,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Records a supporter.
    fn insert_supporter(
        &mut self,
        supporter: &Supporter,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Appends an event to the outbox, unpublished.
    fn append_event(
        &mut self,
        event: &EventEnvelope,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Appends an audit entry.
    fn insert_audit(
        &mut self,
        entry: &AuditEntry,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Writes every part of a change: reports, timeline entries, supporters,
/// events, audit entries. An update whose version check fails is
/// `VersionConflict` if the report exists, `NotFound` otherwise.
pub async fn write_change<W: ChangeWriter>(
    writer: &mut W,
    change: &ReportChange,
) -> Result<(), StoreError> {
    for write in &change.writes {
        match write {
            ReportWrite::Create(report) => writer.insert_report(report).await?,
            ReportWrite::Update {
                report,
                expected_version,
            } => {
                let updated = writer.update_report(report, *expected_version).await?;
                if updated != 1 {
                    return Err(if writer.report_exists(report.id).await? {
                        StoreError::VersionConflict
                    } else {
                        StoreError::NotFound
                    });
                }
            }
        }
    }
    for entry in &change.timeline {
        writer.insert_timeline(entry).await?;
    }
    for supporter in &change.supporters {
        writer.insert_supporter(supporter).await?;
    }
    for event in &change.events {
        writer.append_event(event).await?;
    }
    for entry in &change.audit {
        writer.insert_audit(entry).await?;
    }
    Ok(())
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
