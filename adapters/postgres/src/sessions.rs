//! `SessionStore`: refresh tokens by hash, in families. A token is used once
//! and kept, marked used, until it expires, so a second use is recognised.
//! Every call writes or decides whether a session is still good (a
//! revocation must count at once), so all go to the primary.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sinmungo_core::domain::identity::SessionId;
use sinmungo_core::domain::user::UserId;
use sinmungo_core::ports::{Consumed, RefreshSession, SessionStore, StoreError};
use sinmungo_sql::Fetch as _;

use crate::codec::{micros, PgDialect, RowReader};
use crate::error::store_error;
use crate::PostgresStore;

/// Marks the token used if it was not, and returns it with whether this
/// statement did: `fresh` is true for the one caller whose UPDATE changed
/// the row. The UPDATE's `used_at IS NULL` is re-checked on the newest row
/// version when it waits for a concurrent consumer (READ COMMITTED), so of
/// concurrent callers exactly one matches; the others get the row from the
/// statement's snapshot with `fresh` false (a row revoked meanwhile too:
/// reuse, which revokes its family again, harmlessly). No row: unknown.
const CONSUME: &str = "\
    WITH fresh AS ( \
        UPDATE sessions SET used_at = now() \
        WHERE token_hash = $1 AND used_at IS NULL \
        RETURNING token_hash, family, user_id, expires_at \
    ) \
    SELECT token_hash, family, user_id, expires_at, true AS fresh FROM fresh \
    UNION ALL \
    SELECT token_hash, family, user_id, expires_at, false AS fresh FROM sessions \
    WHERE token_hash = $1 AND NOT EXISTS (SELECT 1 FROM fresh)";

#[async_trait]
impl SessionStore for PostgresStore {
    #[tracing::instrument(skip_all, fields(user_id = %session.user_id, family = %session.family))]
    async fn insert(&self, session: &RefreshSession) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, family, user_id, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(session.token_hash.as_str())
        .bind(session.family.0)
        .bind(session.user_id.0)
        .bind(micros(session.expires_at))
        .execute(&self.primary)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn consume(&self, token_hash: &str) -> Result<Consumed, StoreError> {
        let Some(row) = sqlx::query(CONSUME)
            .bind(token_hash)
            .fetch_optional(&self.primary)
            .await
            .map_err(store_error)?
        else {
            return Ok(Consumed::Unknown);
        };
        let session = PgDialect::parse(&row)?;
        let fresh: bool = RowReader::new(&row, "sessions").get("fresh")?;
        Ok(if fresh {
            Consumed::Fresh(session)
        } else {
            Consumed::Reused(session)
        })
    }

    #[tracing::instrument(skip_all, fields(family = %family))]
    async fn is_active(&self, family: SessionId, now: DateTime<Utc>) -> Result<bool, StoreError> {
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM sessions WHERE family = $1 AND expires_at > $2)",
        )
        .bind(family.0)
        .bind(micros(now))
        .fetch_one(&self.primary)
        .await
        .map_err(store_error)
    }

    #[tracing::instrument(skip_all, fields(family = %family))]
    async fn revoke_family(&self, family: SessionId) -> Result<u64, StoreError> {
        Ok(sqlx::query("DELETE FROM sessions WHERE family = $1")
            .bind(family.0)
            .execute(&self.primary)
            .await
            .map_err(store_error)?
            .rows_affected())
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

    #[tracing::instrument(skip_all)]
    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(micros(now))
            .execute(&self.primary)
            .await
            .map_err(store_error)?
            .rows_affected())
    }
}
