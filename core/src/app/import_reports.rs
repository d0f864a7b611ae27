//! Importing reports from a legacy system (the staff CLI): each one is
//! submitted like a citizen's — located, classified by the rules, routed —
//! with the operator as its reporter, and an audit entry naming where it came
//! from written in the same transaction. That entry (`report.import` on
//! target `import:<external_id>`) is the import ledger: an import killed
//! half-way is run again and skips what is already there, without duplicates.
//! Rows are imported in batches, each one change — its reports, their
//! timelines, events and ledger entries, and receipt numbers drawn in one
//! round trip — so a batch that fails leaves nothing of itself, and the
//! ledger is asked once a batch which of its rows are already there.
//!
//! What the legacy system says of a report's past (its `created_at`, its
//! `status`) is kept in that audit entry, not replayed: an imported report
//! starts `received` now, so receipt numbers, ids, due times and the
//! lifecycle's rules stay those of the platform. Staff move it on with
//! the usual transitions.

use std::collections::HashSet;
use std::sync::Arc;

use crate::app::submit_report::{SubmitError, SubmitReport, SubmitRequest};
use crate::app::Ports;
use crate::domain::access::Actor;
use crate::domain::report::Report;
use crate::domain::user::Role;
use crate::ports::{AuditLog, StoreError};

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

/// What the ledger's audit targets start with.
const LEDGER_PREFIX: &str = "import:";

/// The audit target recording that `external_id` was imported.
fn ledger_target(external_id: &str) -> String {
    format!("{LEDGER_PREFIX}{external_id}")
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

    /// Checks rows as submitting them would, writing nothing: the problem
    /// of each row that has one, by its index in `rows`. Only the store
    /// failing is an error of the call.
    pub async fn check(
        &self,
        rows: &[ImportRow],
    ) -> Result<Vec<(usize, SubmitError)>, ImportError> {
        let outcomes = self
            .submit
            .check_each(rows.iter().map(|row| &row.request))
            .await?;
        Ok(outcomes
            .into_iter()
            .enumerate()
            .filter_map(|(index, outcome)| outcome.err().map(|error| (index, error)))
            .collect())
    }

    /// Of `external_ids`, those already imported: one query for a batch.
    pub async fn imported_among(
        &self,
        external_ids: &[String],
    ) -> Result<HashSet<String>, ImportError> {
        let targets: Vec<String> = external_ids.iter().map(|id| ledger_target(id)).collect();
        let recorded = self.audit.recorded_targets(&targets).await?;
        Ok(recorded
            .into_iter()
            .filter_map(|target| target.strip_prefix(LEDGER_PREFIX).map(str::to_owned))
            .collect())
    }

    /// Imports `rows` as `actor` in one transaction, all of them or none;
    /// `via` names the channel in their audit entries. Rows whose
    /// `external_id` is already imported are the caller's to leave out
    /// ([`imported_among`](Self::imported_among)).
    pub async fn import(
        &self,
        actor: &Actor,
        rows: Vec<ImportRow>,
        via: &str,
    ) -> Result<Vec<Report>, ImportError> {
        Self::authorize(actor)?;
        let submissions = rows
            .into_iter()
            .map(|row| {
                // The submission adds the report's id and number to the entry.
                let target = row.external_id.as_deref().map(ledger_target);
                let after = serde_json::json!({
                    "external_id": row.external_id,
                    "legacy": row.legacy,
                    "via": via,
                });
                (row.request, ("report.import", target, after))
            })
            .collect();
        Ok(self.submit.submit_all(actor, submissions).await?)
    }
}
