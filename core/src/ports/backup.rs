//! Online backups of the database, taken while servers keep writing.

use std::path::Path;

use async_trait::async_trait;

use crate::ports::StoreError;

/// What a backup wrote and how it checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    /// The size of the copy, in bytes.
    pub bytes: u64,
    /// The database's own integrity check of the copy (`ok` when sound).
    pub integrity: String,
    /// The reports the copy holds (0 when it is not sound).
    pub reports: u64,
}

/// Takes consistent copies of the database.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait DatabaseBackup: Send + Sync {
    /// Writes a consistent copy of the whole database to the new file
    /// `target` (which must not exist), while others keep writing, and runs
    /// the database's integrity check on the copy.
    async fn backup_to(&self, target: &Path) -> Result<BackupReport, StoreError>;

    /// Runs the integrity check on a backup file, without opening it as the
    /// store (or, where the database cannot check a file, by restoring it
    /// somewhere it can), and counts its reports.
    async fn check_backup(&self, file: &Path) -> Result<BackupReport, StoreError>;
}
