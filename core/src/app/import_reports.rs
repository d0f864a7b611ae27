//! Importing reports from a legacy system (the staff CLI): each one is
//! submitted like a citizen's — located, classified by the rules, routed —
//! with the operator as its reporter, and an audit entry naming where it came
//! from written in the same transaction. That entry (`report.import` on
//! target `import:<external_id>`) is the import ledger: an import killed
//! half-way is run again and skips what is already there, without duplicates.
//!
//! What the legacy system says of a report's past (its `created_at`, its
//! `status`) is kept in that audit entry, not replayed: an imported report
//! starts `received` now, so receipt numbers, ids, due times and the
//! lifecycle's rules stay those of the platform. Staff move it on with
//! the usual transitions.

use std::sync::Arc;

use crate::app::submit_report::{SubmitError, SubmitReport, SubmitRequest};
use crate::app::Ports;
use crate::domain::access::Actor;
use crate::domain::report::{Report, ReportId};
use crate::domain::user::Role;
use crate::ports::{AuditLog, AuditQuery, StoreError};

/// One report to import.
#[derive(Debug, Clone, Default)]
pub struct ImportRow {
    /// The legacy system's id; a re-run skips rows whose id is imported.
    pub external_id: Option<String>,
    /// The report, as a citizen would submit it.
    pub request: SubmitRequest,
    /// What the legacy system said that is not replayed (`created_at`,
    /// `status`), kept in the audit entry.
    pub legacy: serde_json::Value,
}

/// Why an import failed.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Only managers and administrators import.
    #[error(
        "only managers and administrators may import reports (관리자만 가져오기를 할 수 있습니다)"
    )]
    Forbidden,
    /// The report itself was refused.
    #[error(transparent)]
    Submit(#[from] SubmitError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Imports reports.
#[derive(Clone)]
pub struct ImportReports {
    submit: SubmitReport,
    audit: Arc<dyn AuditLog>,
}

impl std::fmt::Debug for ImportReports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportReports").finish_non_exhaustive()
    }
}

/// The audit target recording that `external_id` was imported.
fn ledger_target(external_id: &str) -> String {
    format!("import:{external_id}")
}

impl ImportReports {
    pub(crate) fn new(ports: &Ports, submit: SubmitReport) -> Self {
        Self {
            submit,
            audit: ports.audit.clone(),
        }
    }

    /// Whether `actor` may import (managers and administrators).
    pub fn authorize(actor: &Actor) -> Result<(), ImportError> {
        match actor.role() {
            Some(Role::Manager | Role::Admin) => Ok(()),
            _ => Err(ImportError::Forbidden),
        }
    }

    /// Checks a row as submitting it would, writing nothing.
    pub async fn check(&self, row: &ImportRow) -> Result<(), ImportError> {
        Ok(self.submit.check(&row.request).await?)
    }

    /// The report imported under `external_id`, if one was.
    pub async fn imported(&self, external_id: &str) -> Result<Option<ReportId>, ImportError> {
        let entries = self
            .audit
            .list(&AuditQuery {
                target: Some(ledger_target(external_id)),
                limit: 1,
            })
            .await?;
        Ok(entries.first().and_then(|entry| {
            entry
                .after
                .get("report_id")
                .and_then(serde_json::Value::as_str)
                .and_then(|id| uuid::Uuid::parse_str(id).ok())
                .map(ReportId)
        }))
    }

    /// Imports one row as `actor`; `via` names the channel in the audit entry.
    pub async fn import(
        &self,
        actor: &Actor,
        row: ImportRow,
        via: &str,
    ) -> Result<Report, ImportError> {
        Self::authorize(actor)?;
        // The submission adds the report's id and number to the entry.
        let target = row.external_id.as_deref().map(ledger_target);
        let after = serde_json::json!({
            "external_id": row.external_id,
            "legacy": row.legacy,
            "via": via,
        });
        Ok(self
            .submit
            .submit(
                actor,
                row.request,
                Some(("report.import", target, after)),
                None,
            )
            .await?)
    }
}
