//! The outbox: events appended by `apply`, in commit order, claimed by relays
//! that publish them. Each claim is one `UPDATE … RETURNING` statement, which
//! SQLite runs under its write lock, so two claims never take the same event.

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use sinmungo_core::domain::event::EventEnvelope;
use sinmungo_core::ports::{ClaimedEvent, Outbox, StoreError};
use sinmungo_sql::change::Insert;
use sinmungo_sql::outbox::claimed_events;
use sinmungo_sql::value::json_text;
use sinmungo_sql::Fetch as _;
use sinmungo_sql::RowReader;
use sqlx::Row;
use uuid::Uuid;

use crate::codec::{id_text, time_text, SqliteDialect};
use crate::error::store_error;
use crate::SqliteStore;

/// Appends events, unpublished (with `event_values`, inside `apply`).
pub(crate) const APPEND: Insert<'static> = Insert {
    into: "outbox (id, event_type, version, occurred_at, report_id, payload)",
    casts: &[""; 6],
};

impl SqliteStore {
    /// Every event `apply` appended, published or not, in the order they were appended.
    #[tracing::instrument(skip_all)]
    pub async fn outbox_events(&self) -> Result<Vec<EventEnvelope>, StoreError> {
        SqliteDialect::fetch_all(
            sqlx::query(
                "SELECT id, event_type, version, occurred_at, report_id, payload FROM outbox \
                 ORDER BY seq",
            ),
            &self.pool,
        )
        .await
    }
}

/// Claims the oldest claimable events. An event is claimable when it is
/// unpublished, nobody holds it, and no earlier unpublished event of its
/// report is held: such an earlier event, when free, is itself a candidate
/// with a lower `seq`, so a batch always starts each report at its first
/// unpublished event.
const CLAIM: &str = "\
    UPDATE outbox SET claimed_until = ?1 \
    WHERE seq IN ( \
        SELECT o.seq FROM outbox AS o \
        WHERE o.published_at IS NULL \
          AND (o.claimed_until IS NULL OR o.claimed_until <= ?2) \
          AND NOT EXISTS ( \
              SELECT 1 FROM outbox AS earlier \
              WHERE earlier.report_id = o.report_id AND earlier.published_at IS NULL \
                AND earlier.seq < o.seq AND earlier.claimed_until > ?2) \
        ORDER BY o.seq LIMIT ?3) \
    RETURNING seq, id, event_type, version, occurred_at, report_id, payload, attempts";

/// The oldest unpublished event's time (by the `outbox_pending` index).
const OLDEST_PENDING: &str =
    "SELECT occurred_at FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT 1";

/// Ids as the JSON array `json_each` reads.
fn id_list(ids: &[Uuid]) -> Result<String, StoreError> {
    let texts: Vec<String> = ids.iter().copied().map(id_text).collect();
    json_text(&texts, "event ids")
}

#[async_trait]
impl Outbox for SqliteStore {
    #[tracing::instrument(skip_all, fields(limit))]
    async fn claim(
        &self,
        now: DateTime<Utc>,
        lease: TimeDelta,
        limit: u32,
    ) -> Result<Vec<ClaimedEvent>, StoreError> {
        let rows = sqlx::query(CLAIM)
            .bind(time_text(now + lease))
            .bind(time_text(now))
            .bind(i64::from(limit))
            .fetch_all(&self.writer)
            .await
            .map_err(store_error)?;
        claimed_events::<SqliteDialect>(&rows)
    }

    #[tracing::instrument(skip_all, fields(count = ids.len()))]
    async fn mark_published(&self, ids: &[Uuid], at: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE outbox SET published_at = coalesce(published_at, ?), claimed_until = NULL \
             WHERE id IN (SELECT value FROM json_each(?))",
        )
        .bind(time_text(at))
        .bind(id_list(ids)?)
        .execute(&self.writer)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(count = ids.len()))]
    async fn release(&self, ids: &[Uuid], error: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE outbox SET claimed_until = NULL, attempts = attempts + 1, last_error = ? \
             WHERE id IN (SELECT value FROM json_each(?)) \
             AND published_at IS NULL AND claimed_until IS NOT NULL",
        )
        .bind(error)
        .bind(id_list(ids)?)
        .execute(&self.writer)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn pending(&self) -> Result<u64, StoreError> {
        let count: i64 =
            sqlx::query("SELECT count(*) AS pending FROM outbox WHERE published_at IS NULL")
                .fetch_one(&self.pool)
                .await
                .map_err(store_error)?
                .try_get("pending")
                .map_err(store_error)?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    #[tracing::instrument(skip_all)]
    async fn oldest_pending(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let row = sqlx::query(OLDEST_PENDING)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        row.map(|row| RowReader::<SqliteDialect>::new(&row, "outbox").time("occurred_at"))
            .transpose()
    }
}
