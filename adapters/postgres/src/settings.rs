//! `SettingsStore`: sealed secrets by name, as `bytea`, exactly as the sealer
//! wrote them. Secrets are few and read rarely: everything runs on the
//! primary, so an administrator's change counts at once.

use std::sync::LazyLock;

use anyhow::anyhow;
use async_trait::async_trait;
use sinmungo_core::domain::identity::{SealedSecret, SecretName};
use sinmungo_core::ports::{SettingsStore, StoreError};
use sinmungo_sql::settings::SECRET_COLUMNS;
use sinmungo_sql::Fetch as _;

use crate::codec::{micros, PgDialect};
use crate::error::store_error;
use crate::PostgresStore;

static SELECT_SECRET: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {SECRET_COLUMNS} FROM settings_secrets"));

/// Replaces a stored secret and returns the row it replaced: the sub-select
/// locks the row (`FOR UPDATE`, which waits for a concurrent writer and then
/// reads its version), so each of two concurrent puts returns what it really
/// replaced.
const REPLACE: &str = "\
    UPDATE settings_secrets AS s \
    SET sealed = $2, updated_at = $3, updated_by = $4 \
    FROM (SELECT name, sealed, updated_at, updated_by FROM settings_secrets \
          WHERE name = $1 FOR UPDATE) AS old \
    WHERE s.name = old.name \
    RETURNING old.name, old.sealed, old.updated_at, old.updated_by";

/// How often `put_secret` tries to replace, then insert, before giving up:
/// each round fails only if another writer inserts, or deletes, the same
/// name in between.
const PUT_ATTEMPTS: usize = 5;

#[async_trait]
impl SettingsStore for PostgresStore {
    #[tracing::instrument(skip_all, fields(name = %secret.name))]
    async fn put_secret(&self, secret: &SealedSecret) -> Result<Option<SealedSecret>, StoreError> {
        // Single statements, no transaction: replace the row if there is one
        // (returning it), else insert unless someone just did, else again.
        for _ in 0..PUT_ATTEMPTS {
            let replaced = sqlx::query(REPLACE)
                .bind(secret.name.as_str())
                .bind(secret.sealed.as_slice())
                .bind(micros(secret.updated_at))
                .bind(secret.updated_by.map(|u| u.0))
                .fetch_optional(&self.primary)
                .await
                .map_err(store_error)?;
            if let Some(row) = replaced {
                return PgDialect::parse(&row).map(Some);
            }
            let inserted = sqlx::query(
                "INSERT INTO settings_secrets (name, sealed, updated_at, updated_by) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING",
            )
            .bind(secret.name.as_str())
            .bind(secret.sealed.as_slice())
            .bind(micros(secret.updated_at))
            .bind(secret.updated_by.map(|u| u.0))
            .execute(&self.primary)
            .await
            .map_err(store_error)?
            .rows_affected();
            if inserted == 1 {
                return Ok(None);
            }
        }
        Err(StoreError::Unknown(anyhow!(
            "the secret {} kept changing under {PUT_ATTEMPTS} attempts to set it",
            secret.name
        )))
    }

    #[tracing::instrument(skip_all, fields(name = %name))]
    async fn secret(&self, name: &SecretName) -> Result<Option<SealedSecret>, StoreError> {
        PgDialect::fetch_optional(
            sqlx::query(&format!("{} WHERE name = $1", *SELECT_SECRET)).bind(name.as_str()),
            &self.primary,
        )
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn secrets(&self) -> Result<Vec<SealedSecret>, StoreError> {
        // COLLATE "C": byte order, as every store sorts names.
        PgDialect::fetch_all(
            sqlx::query(&format!("{} ORDER BY name COLLATE \"C\"", *SELECT_SECRET)),
            &self.primary,
        )
        .await
    }

    #[tracing::instrument(skip_all, fields(name = %name))]
    async fn delete_secret(&self, name: &SecretName) -> Result<bool, StoreError> {
        let deleted = sqlx::query("DELETE FROM settings_secrets WHERE name = $1")
            .bind(name.as_str())
            .execute(&self.primary)
            .await
            .map_err(store_error)?
            .rows_affected();
        Ok(deleted > 0)
    }
}
