//! The audit log in memory. The report store appends the audit entries of its
//! changes here too (when built with [`crate::MemoryReportStore::with_audit_log`]),
//! as a database's `apply` writes them to the same table.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use sinmungo_core::domain::audit::AuditEntry;
use sinmungo_core::ports::{AuditLog, AuditQuery, StoreError};

use crate::faults::Faults;
use crate::time::stored;

/// An [`AuditLog`] in memory; clones share the same entries.
#[derive(Debug, Clone, Default)]
pub struct MemoryAuditLog {
    entries: Arc<Mutex<Vec<AuditEntry>>>,
    faults: Faults,
}

impl MemoryAuditLog {
    /// An empty log that fails when `faults` says so.
    pub fn new(faults: Faults) -> Self {
        Self {
            entries: Arc::default(),
            faults,
        }
    }

    /// Every entry, in the order recorded (for assertions).
    pub fn entries(&self) -> Vec<AuditEntry> {
        self.lock().clone()
    }

    /// Appends entries without fault checks (the report store has checked already).
    pub(crate) fn append(&self, entries: impl IntoIterator<Item = AuditEntry>) {
        self.lock().extend(entries.into_iter().map(normalised));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<AuditEntry>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn normalised(mut entry: AuditEntry) -> AuditEntry {
    entry.at = stored(entry.at);
    entry
}

#[async_trait]
impl AuditLog for MemoryAuditLog {
    async fn record(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        self.faults.check()?;
        self.append([entry.clone()]);
        Ok(())
    }

    async fn list(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        self.faults.check()?;
        let entries = self.lock();
        // Newest first; entries of the same instant, last recorded first.
        let mut matching: Vec<(usize, &AuditEntry)> = entries
            .iter()
            .enumerate()
            .filter(|(_, e)| query.target.as_ref().is_none_or(|t| &e.target == t))
            .collect();
        matching.sort_by(|(i, a), (j, b)| b.at.cmp(&a.at).then(j.cmp(i)));
        Ok(matching
            .into_iter()
            .take(usize::try_from(query.limit).unwrap_or(usize::MAX))
            .map(|(_, e)| e.clone())
            .collect())
    }

    async fn recorded_targets(&self, targets: &[String]) -> Result<Vec<String>, StoreError> {
        self.faults.check()?;
        let entries = self.lock();
        let recorded: HashSet<&str> = entries.iter().map(|e| e.target.as_str()).collect();
        let asked: HashSet<&String> = targets.iter().collect();
        Ok(asked
            .into_iter()
            .filter(|t| recorded.contains(t.as_str()))
            .cloned()
            .collect())
    }
}
