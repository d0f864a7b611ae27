//! The audit log. Report changes append to it inside [`crate::ports::ReportStore::apply`];
//! other privileged acts (accounts, settings) record here directly.

use async_trait::async_trait;

use crate::domain::audit::AuditEntry;
use crate::ports::StoreError;

/// Which entries to read, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only entries about this target (`report:<id>`).
    pub target: Option<String>,
    /// At most this many.
    pub limit: u32,
}

impl Default for AuditQuery {
    /// Every target, the newest 50 entries.
    fn default() -> Self {
        Self {
            target: None,
            limit: 50,
        }
    }
}

/// Appends and reads audit entries.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// Appends one entry.
    async fn record(&self, entry: &AuditEntry) -> Result<(), StoreError>;

    /// Reads entries, newest first.
    async fn list(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError>;

    /// Of `targets`, those with at least one entry, in no particular order:
    /// one query for a batch (an import's ledger check), answered from
    /// what is committed now (never a lagging replica).
    async fn recorded_targets(&self, targets: &[String]) -> Result<Vec<String>, StoreError>;
}
