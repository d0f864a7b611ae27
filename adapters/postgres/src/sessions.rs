//! `SessionStore`: refresh sessions by token hash, each taken at most once.
//! Every call writes, so all go to the primary.

use async_trait::async_trait;
use sinmungo_core::domain::user::UserId;
use sinmungo_core::ports::{RefreshSession, SessionStore, StoreError};
use sqlx::postgres::PgRow;

use crate::codec::{micros, RowReader};
use crate::error::store_error;
use crate::PostgresStore;

fn session_from_row(row: &PgRow) -> Result<RefreshSession, StoreError> {
    let r = RowReader::new(row, "sessions");
    Ok(RefreshSession {
        token_hash: r.get("token_hash")?,
        user_id: UserId(r.uuid("user_id")?),
        expires_at: r.time("expires_at")?,
    })
}

#[async_trait]
impl SessionStore for PostgresStore {
    #[tracing::instrument(skip_all, fields(user_id = %session.user_id))]
    async fn insert(&self, session: &RefreshSession) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, $3)")
            .bind(session.token_hash.as_str())
            .bind(session.user_id.0)
            .bind(micros(session.expires_at))
            .execute(&self.primary)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn take(&self, token_hash: &str) -> Result<Option<RefreshSession>, StoreError> {
        // One statement: of two concurrent takes, the second finds the row
        // deleted once the first commits, and gets nothing.
        sqlx::query(
            "DELETE FROM sessions WHERE token_hash = $1 \
             RETURNING token_hash, user_id, expires_at",
        )
        .bind(token_hash)
        .fetch_optional(&self.primary)
        .await
        .map_err(store_error)?
        .as_ref()
        .map(session_from_row)
        .transpose()
    }

    #[tracing::instrument(skip_all, fields(user_id = %user_id))]
    async fn revoke_all(&self, user_id: UserId) -> Result<u64, StoreError> {
        Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id.0)
            .execute(&self.primary)
            .await
            .map_err(store_error)?
            .rows_affected())
    }
}
