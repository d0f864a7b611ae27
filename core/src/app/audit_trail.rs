//! Reading the audit log (administrators).

use std::sync::Arc;

use crate::app::paging;
use crate::app::Ports;
use crate::domain::access::{Actor, Denied};
use crate::domain::audit::AuditEntry;
use crate::domain::permission::Permission;
use crate::domain::user::Role;
use crate::domain::validation::Invalid;
use crate::ports::{AuditLog, AuditQuery, Clock, IdGenerator, StoreError};

/// Why the audit log could not be read.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// Not allowed.
    #[error(transparent)]
    Denied(#[from] Denied),
    /// The page size is out of range.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The audit log, read.
#[derive(Clone)]
pub struct AuditTrail {
    audit: Arc<dyn AuditLog>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
}

impl std::fmt::Debug for AuditTrail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditTrail").finish_non_exhaustive()
    }
}

impl AuditTrail {
    pub(crate) fn new(ports: &Ports) -> Self {
        Self {
            audit: ports.audit.clone(),
            clock: ports.clock.clone(),
            ids: ports.ids.clone(),
        }
    }

    /// Entries, newest first, at most [`MAX_PAGE_SIZE`](crate::ports::MAX_PAGE_SIZE)
    /// at a time, like every list (a larger `limit` is refused, not cut).
    pub async fn list(
        &self,
        actor: &Actor,
        mut query: AuditQuery,
    ) -> Result<Vec<AuditEntry>, AuditError> {
        actor.may_do(Permission::ViewAudit)?;
        query.limit = paging::limit(query.limit).map_err(Invalid::from)?;
        Ok(self.audit.list(&query).await?)
    }

    /// Records one run of a bulk job by a manager or administrator (an
    /// export with personal data, a bulk close): `action` on `target`, with
    /// what it did in `details` (which name the channel, `via`).
    pub async fn record_job(
        &self,
        actor: &Actor,
        action: &str,
        target: &str,
        details: serde_json::Value,
    ) -> Result<(), AuditError> {
        if !matches!(actor.role(), Some(Role::Manager | Role::Admin)) {
            return Err(AuditError::Denied(Denied::Forbidden(
                "only managers and administrators run bulk jobs (관리자만 실행할 수 있습니다)",
            )));
        }
        let entry = AuditEntry::new(
            self.ids.new_id(),
            self.clock.now(),
            actor,
            action,
            target.to_owned(),
            serde_json::Value::Null,
            details,
        );
        Ok(self.audit.record(&entry).await?)
    }
}
