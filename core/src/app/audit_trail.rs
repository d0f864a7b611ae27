//! Reading the audit log (administrators).

use std::sync::Arc;

use crate::app::Ports;
use crate::domain::access::{Actor, Denied};
use crate::domain::audit::AuditEntry;
use crate::domain::permission::Permission;
use crate::ports::{AuditLog, AuditQuery, StoreError};

/// Why the audit log could not be read.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// Not allowed.
    #[error(transparent)]
    Denied(#[from] Denied),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The audit log, read.
#[derive(Clone)]
pub struct AuditTrail {
    audit: Arc<dyn AuditLog>,
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
        }
    }

    /// Entries, newest first, at most 200 at a time.
    pub async fn list(
        &self,
        actor: &Actor,
        mut query: AuditQuery,
    ) -> Result<Vec<AuditEntry>, AuditError> {
        actor.may_do(Permission::ViewAudit)?;
        query.limit = query.limit.clamp(1, 200);
        Ok(self.audit.list(&query).await?)
    }
}
