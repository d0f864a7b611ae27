//! `SessionStore`: refresh tokens by hash, in families. A token is used once
//! and kept, marked used, until it expires, so a second use is recognised.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sinmungo_core::domain::identity::SessionId;
use sinmungo_core::domain::user::UserId;
use sinmungo_core::ports::{Consumed, RefreshSession, SessionStore, StoreError};
use sinmungo_sql::Fetch as _;

use crate::codec::{id_text, time_text, SqliteDialect};
use crate::error::store_error;
use crate::SqliteStore;

#[async_trait]
impl SessionStore for SqliteStore {
    #[tracing::instrument(skip_all, fields(user_id = %session.user_id, family = %session.family))]
    async fn insert(&self, session: &RefreshSession) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, family, user_id, expires_at) VALUES (?, ?, ?, ?)",
        )
        .bind(session.token_hash.clone())
        .bind(id_text(session.family.0))
        .bind(id_text(session.user_id.0))
        .bind(time_text(session.expires_at))
        .execute(&self.writer)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn consume(&self, token_hash: &str) -> Result<Consumed, StoreError> {
        // The UPDATE decides alone: of concurrent consumers, SQLite's write
        // lock lets one mark the token used; the others match no unused row
        // and then find it used. (Between the two statements the token can
        // only disappear — a revocation — which reads as Unknown, as it
        // would a moment later anyway.)
        let fresh = sqlx::query(
            "UPDATE sessions SET used_at = ? WHERE token_hash = ? AND used_at IS NULL \
             RETURNING token_hash, family, user_id, expires_at",
        )
        .bind(time_text(Utc::now()))
        .bind(token_hash.to_owned())
        .fetch_optional(&self.writer)
        .await
        .map_err(store_error)?;
        if let Some(row) = fresh {
            return Ok(Consumed::Fresh(SqliteDialect::parse(&row)?));
        }
        Ok(SqliteDialect::fetch_optional(
            sqlx::query(
                "SELECT token_hash, family, user_id, expires_at FROM sessions WHERE token_hash = ?",
            )
            .bind(token_hash.to_owned()),
            &self.writer,
        )
        .await?
        .map_or(Consumed::Unknown, Consumed::Reused))
    }

    #[tracing::instrument(skip_all, fields(family = %family))]
    async fn is_active(&self, family: SessionId, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let active: i64 = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM sessions WHERE family = ? AND expires_at > ?)",
        )
        .bind(id_text(family.0))
        .bind(time_text(now))
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(active != 0)
    }

    #[tracing::instrument(skip_all, fields(family = %family))]
    async fn revoke_family(&self, family: SessionId) -> Result<u64, StoreError> {
        Ok(sqlx::query("DELETE FROM sessions WHERE family = ?")
            .bind(id_text(family.0))
            .execute(&self.writer)
            .await
            .map_err(store_error)?
            .rows_affected())
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

    #[tracing::instrument(skip_all)]
    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= ?")
            .bind(time_text(now))
            .execute(&self.writer)
            .await
            .map_err(store_error)?
            .rows_affected())
    }
}
