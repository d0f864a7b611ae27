//! `SettingsStore`: sealed secrets by name. The bytes are stored as a BLOB,
//! exactly as the sealer wrote them.

use std::sync::LazyLock;

use anyhow::anyhow;
use async_trait::async_trait;
use sinmungo_core::domain::identity::{SealedSecret, SecretName};
use sinmungo_core::ports::{SettingsStore, StoreError};
use sinmungo_sql::settings::SECRET_COLUMNS;
use sinmungo_sql::Fetch as _;
use sqlx::SqlitePool;
use tracing::Instrument as _;

use crate::codec::{id_text, time_text, SqliteDialect};
use crate::error::store_error;
use crate::SqliteStore;

static SELECT_SECRET: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {SECRET_COLUMNS} FROM settings_secrets"));

/// Reads the secret being replaced and writes the new one in one transaction,
/// so of two concurrent puts each returns what it really replaced.
async fn put_in_transaction(
    writer: SqlitePool,
    secret: SealedSecret,
) -> Result<Option<SealedSecret>, StoreError> {
    let mut tx = writer
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(store_error)?;
    let replaced = SqliteDialect::fetch_optional(
        sqlx::query(&format!("{} WHERE name = ?", *SELECT_SECRET))
            .bind(secret.name.as_str().to_owned()),
        &mut *tx,
    )
    .await?;
    sqlx::query(
        "INSERT INTO settings_secrets (name, sealed, updated_at, updated_by) VALUES (?, ?, ?, ?) \
         ON CONFLICT (name) DO UPDATE SET sealed = excluded.sealed, \
         updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(secret.name.as_str().to_owned())
    .bind(secret.sealed)
    .bind(time_text(secret.updated_at))
    .bind(secret.updated_by.map(|u| id_text(u.0)))
    .execute(&mut *tx)
    .await
    .map_err(store_error)?;
    tx.commit().await.map_err(store_error)?;
    Ok(replaced)
}

#[async_trait]
impl SettingsStore for SqliteStore {
    #[tracing::instrument(skip_all, fields(name = %secret.name))]
    async fn put_secret(&self, secret: &SealedSecret) -> Result<Option<SealedSecret>, StoreError> {
        // On its own task, like `apply`: a caller that goes away cannot
        // leave the transaction open. (A transaction dropped before its
        // commit rolls back.)
        let writer = self.writer.clone();
        tokio::spawn(put_in_transaction(writer, secret.clone()).in_current_span())
            .await
            .map_err(|e| StoreError::Unknown(anyhow!("the write task failed: {e}")))?
    }

    #[tracing::instrument(skip_all, fields(name = %name))]
    async fn secret(&self, name: &SecretName) -> Result<Option<SealedSecret>, StoreError> {
        SqliteDialect::fetch_optional(
            sqlx::query(&format!("{} WHERE name = ?", *SELECT_SECRET))
                .bind(name.as_str().to_owned()),
            &self.pool,
        )
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn secrets(&self) -> Result<Vec<SealedSecret>, StoreError> {
        // BINARY collation: byte order, as every store sorts names.
        SqliteDialect::fetch_all(
            sqlx::query(&format!("{} ORDER BY name", *SELECT_SECRET)),
            &self.pool,
        )
        .await
    }

    #[tracing::instrument(skip_all, fields(name = %name))]
    async fn delete_secret(&self, name: &SecretName) -> Result<bool, StoreError> {
        let deleted = sqlx::query("DELETE FROM settings_secrets WHERE name = ?")
            .bind(name.as_str().to_owned())
            .execute(&self.writer)
            .await
            .map_err(store_error)?
            .rows_affected();
        Ok(deleted > 0)
    }
}
