//! `SessionStore`: refresh sessions by token hash, each taken at most once.

use async_trait::async_trait;
use sinmungo_core::domain::user::UserId;
use sinmungo_core::ports::{RefreshSession, SessionStore, StoreError};
use sqlx::sqlite::SqliteRow;

use crate::codec::{id_text, time_text, RowReader};
use crate::error::store_error;
use crate::SqliteStore;

fn session_from_row(row: &SqliteRow) -> Result<RefreshSession, StoreError> {
    let r = RowReader::new(row, "sessions");
    Ok(RefreshSession {
        token_hash: r.get("token_hash")?,
        user_id: UserId(r.uuid("user_id")?),
        expires_at: r.time("expires_at")?,
    })
}

#[async_trait]
impl SessionStore for SqliteStore {
    #[tracing::instrument(skip_all, fields(user_id = %session.user_id))]
    async fn insert(&self, session: &RefreshSession) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (?, ?, ?)")
            .bind(session.token_hash.clone())
            .bind(id_text(session.user_id.0))
            .bind(time_text(session.expires_at))
            .execute(&self.writer)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn take(&self, token_hash: &str) -> Result<Option<RefreshSession>, StoreError> {
        // One statement: of two concurrent takes, exactly one gets the row.
        sqlx::query(
            "DELETE FROM sessions WHERE token_hash = ? \
             RETURNING token_hash, user_id, expires_at",
        )
        .bind(token_hash.to_owned())
        .fetch_optional(&self.writer)
        .await
        .map_err(store_error)?
        .as_ref()
        .map(session_from_row)
        .transpose()
    }

    #[tracing::instrument(skip_all, fields(user_id = %user_id))]
    async fn revoke_all(&self, user_id: UserId) -> Result<u64, StoreError> {
        Ok(sqlx::query("DELETE FROM sessions WHERE user_id = ?")
            .bind(id_text(user_id.0))
            .execute(&self.writer)
            .await
            .map_err(store_error)?
            .rows_affected())
    }
}
