//! The outbox: events appended by `apply`, in `seq` order, claimed by relays
//! (one per server instance) that publish them.
//!
//! # How a claim works
//!
//! One statement, so its row locks last only as long as it runs:
//!
//! 1. `candidates`: the oldest unpublished events whose lease is over (or
//!    never taken) and that no *held* earlier event of their report blocks,
//!    `LIMIT n`, locked `FOR UPDATE SKIP LOCKED`. Rows another relay's claim
//!    is locking at this moment are skipped, never waited for; a row another
//!    relay claimed and committed since this statement's snapshot is
//!    re-checked by PostgreSQL on locking, sees its new lease, and drops out.
//! 2. The `UPDATE` leases a candidate only if **no earlier unpublished event
//!    of its report lies outside the candidates**. "No earlier *held* event"
//!    (step 1, and the SQLite store's whole rule) is not enough here: a
//!    concurrent relay's claim is invisible until it commits, so an earlier
//!    event it is taking right now looks free — but it is not among this
//!    claim's candidates (it was skipped as locked), which the outside rule
//!    catches. Whatever the interleaving, a report's events are handed out
//!    only as a prefix of its unpublished events, in one batch.
//!
//! Both rules are probes of `outbox_pending_by_report` per candidate. The
//! `OFFSET 0` in each `NOT EXISTS` keeps PostgreSQL from turning it into an
//! anti-join: the planner would then scan the whole table, published events
//! included, on every claim (58 ms a claim at 7,000 events under submit load,
//! growing with the table; probed, a claim of 100 costs ~3 ms at any size).
//!
//! Without a concurrent claim the second rule removes nothing: an earlier
//! unpublished sibling of a candidate is itself a candidate (it is not held,
//! nothing earlier blocks it, and it comes first in `seq` order). A claim
//! that loses every candidate to the rule answers empty and its relay polls
//! again later — a delay, never a loss: an event is unclaimable only while
//! another relay holds an earlier event of its report, and that relay
//! publishes or releases it, or its lease ends.

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use sinmungo_core::domain::event::EventEnvelope;
use sinmungo_core::ports::{ClaimedEvent, Outbox, StoreError};
use sinmungo_sql::change::Insert;
use sinmungo_sql::outbox::claimed_events;
use sinmungo_sql::Fetch as _;
use sqlx::Row;
use uuid::Uuid;

use crate::codec::{micros, PgDialect};
use crate::error::store_error;
use crate::PostgresStore;

/// The columns of an event, with the payload as text.
const EVENT_COLUMNS: &str =
    "id, event_type, version, occurred_at, report_id, payload::text AS payload";

/// Appends events, unpublished (with `event_values`, inside `apply`).
pub(crate) const APPEND: Insert<'static> = Insert {
    into: "outbox (id, event_type, version, occurred_at, report_id, payload)",
    casts: &["", "", "", "", "", "::jsonb"],
};

impl PostgresStore {
    /// Every event `apply` appended, published or not, in the order they were appended.
    #[tracing::instrument(skip_all)]
    pub async fn outbox_events(&self) -> Result<Vec<EventEnvelope>, StoreError> {
        PgDialect::fetch_all(
            sqlx::query(&format!("SELECT {EVENT_COLUMNS} FROM outbox ORDER BY seq")),
            &self.primary,
        )
        .await
    }
}

/// Claims events (see the module docs). `$1` now, `$2` the lease's end, `$3` the limit.
const CLAIM: &str = "\
    WITH candidates AS ( \
        SELECT o.seq, o.report_id FROM outbox AS o \
        WHERE o.published_at IS NULL \
          AND (o.claimed_until IS NULL OR o.claimed_until <= $1) \
          AND NOT EXISTS ( \
              SELECT 1 FROM outbox AS held \
              WHERE held.report_id = o.report_id AND held.published_at IS NULL \
                AND held.seq < o.seq AND held.claimed_until > $1 OFFSET 0) \
        ORDER BY o.seq \
        LIMIT $3 \
        FOR UPDATE OF o SKIP LOCKED) \
    UPDATE outbox AS e SET claimed_until = $2 \
    FROM candidates AS c \
    WHERE e.seq = c.seq \
      AND NOT EXISTS ( \
          SELECT 1 FROM outbox AS earlier \
          WHERE earlier.report_id = c.report_id AND earlier.published_at IS NULL \
            AND earlier.seq < c.seq \
            AND earlier.seq NOT IN (SELECT seq FROM candidates) OFFSET 0) \
    RETURNING e.seq, e.id, e.event_type, e.version, e.occurred_at, e.report_id, \
              e.payload::text AS payload, e.attempts";

#[async_trait]
impl Outbox for PostgresStore {
    #[tracing::instrument(skip_all, fields(limit = limit))]
    async fn claim(
        &self,
        now: DateTime<Utc>,
        lease: TimeDelta,
        limit: u32,
    ) -> Result<Vec<ClaimedEvent>, StoreError> {
        let rows = sqlx::query(CLAIM)
            .bind(micros(now))
            .bind(micros(now + lease))
            .bind(i64::from(limit))
            .fetch_all(&self.primary)
            .await
            .map_err(store_error)?;
        claimed_events::<PgDialect>(&rows)
    }

    #[tracing::instrument(skip_all, fields(count = ids.len()))]
    async fn mark_published(&self, ids: &[Uuid], at: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE outbox SET published_at = coalesce(published_at, $1), claimed_until = NULL \
             WHERE id = ANY($2)",
        )
        .bind(micros(at))
        .bind(ids)
        .execute(&self.primary)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(count = ids.len()))]
    async fn release(&self, ids: &[Uuid], error: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE outbox SET claimed_until = NULL, attempts = attempts + 1, last_error = $1 \
             WHERE id = ANY($2) AND published_at IS NULL AND claimed_until IS NOT NULL",
        )
        .bind(error)
        .bind(ids)
        .execute(&self.primary)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn pending(&self) -> Result<u64, StoreError> {
        let count: i64 =
            sqlx::query("SELECT count(*) AS pending FROM outbox WHERE published_at IS NULL")
                .fetch_one(&self.primary)
                .await
                .map_err(store_error)?
                .try_get("pending")
                .map_err(store_error)?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    #[tracing::instrument(skip_all)]
    async fn oldest_pending(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        // The primary: a replica may still show events already published.
        let row = sqlx::query(
            "SELECT occurred_at FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT 1",
        )
        .fetch_optional(&self.primary)
        .await
        .map_err(store_error)?;
        row.map(|row| sinmungo_sql::RowReader::<PgDialect>::new(&row, "outbox").time("occurred_at"))
            .transpose()
    }
}
