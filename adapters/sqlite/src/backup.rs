//! `DatabaseBackup`: `VACUUM INTO` writes a consistent copy from one read
//! transaction (WAL: writers carry on meanwhile), then the copy is opened on
//! its own and checked with `PRAGMA integrity_check`.

use std::path::Path;
use std::str::FromStr as _;

use anyhow::anyhow;
use async_trait::async_trait;
use sinmungo_core::ports::{BackupReport, DatabaseBackup, StoreError};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions as _, Connection as _};

use crate::error::store_error;
use crate::SqliteStore;

#[async_trait]
impl DatabaseBackup for SqliteStore {
    #[tracing::instrument(skip_all, fields(target = %target.display()))]
    async fn backup_to(&self, target: &Path) -> Result<BackupReport, StoreError> {
        if target.exists() {
            return Err(StoreError::Unknown(anyhow!(
                "{} exists already; choose a new file",
                target.display()
            )));
        }
        let target_text = target
            .to_str()
            .ok_or_else(|| StoreError::Unknown(anyhow!("the backup path is not UTF-8")))?;
        sqlx::query("VACUUM INTO ?")
            .bind(target_text.to_owned())
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        self.check_backup(target).await
    }

    #[tracing::instrument(skip_all, fields(file = %file.display()))]
    async fn check_backup(&self, file: &Path) -> Result<BackupReport, StoreError> {
        let bytes = std::fs::metadata(file)
            .map_err(|e| StoreError::Unknown(anyhow!("reading {}: {e}", file.display())))?
            .len();
        let url = format!("sqlite://{}", file.display());
        let mut conn = SqliteConnectOptions::from_str(&url)
            .map_err(|e| StoreError::Unknown(anyhow!("{e}")))?
            .read_only(true)
            .connect()
            .await
            .map_err(store_error)?;
        let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&mut conn)
            .await
            .map_err(store_error)?;
        let integrity = rows.join("; ");
        let reports = if integrity == "ok" {
            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM reports")
                .fetch_one(&mut conn)
                .await
                .map_err(store_error)?
        } else {
            0
        };
        conn.close().await.map_err(store_error)?;
        Ok(BackupReport {
            bytes,
            integrity,
            reports: u64::try_from(reports).unwrap_or(0),
        })
    }
}
