//! The outbox: events appended by `apply`, in commit order, for a relay to publish.

use sinmungo_core::domain::event::EventEnvelope;
use sinmungo_core::domain::report::ReportId;
use sinmungo_core::ports::StoreError;
use sqlx::sqlite::SqliteRow;
use sqlx::{Executor, Sqlite};

use crate::codec::{id_text, json_text, time_text, RowReader};
use crate::error::store_error;
use crate::SqliteStore;

/// Appends one event, unpublished; `seq` gives it its place in the order.
pub(crate) async fn append<'e, E>(executor: E, event: &EventEnvelope) -> Result<(), StoreError>
where
    E: Executor<'e, Database = Sqlite>,
{
    sqlx::query(
        "INSERT INTO outbox (id, event_type, version, occurred_at, report_id, payload) \
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(id_text(event.id))
    .bind(event.event_type.clone())
    .bind(i64::from(event.version))
    .bind(time_text(event.occurred_at))
    .bind(id_text(event.report_id.0))
    .bind(json_text(&event.payload, "an event payload")?)
    .execute(executor)
    .await
    .map_err(store_error)?;
    Ok(())
}

fn event_from_row(row: &SqliteRow) -> Result<EventEnvelope, StoreError> {
    let r = RowReader::new(row, "outbox");
    Ok(EventEnvelope {
        id: r.uuid("id")?,
        event_type: r.get("event_type")?,
        version: r.count("version")?,
        occurred_at: r.time("occurred_at")?,
        report_id: ReportId(r.uuid("report_id")?),
        payload: r.json("payload")?,
    })
}

impl SqliteStore {
    /// The events not yet published, in the order they were appended.
    #[tracing::instrument(skip_all)]
    pub async fn outbox_events(&self) -> Result<Vec<EventEnvelope>, StoreError> {
        sqlx::query(
            "SELECT id, event_type, version, occurred_at, report_id, payload FROM outbox \
             WHERE published_at IS NULL ORDER BY seq",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?
        .iter()
        .map(event_from_row)
        .collect()
    }
}
