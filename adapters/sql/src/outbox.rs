//! Outbox events as rows of `outbox`.

use sinmungo_core::domain::event::EventEnvelope;
use sinmungo_core::domain::report::ReportId;
use sinmungo_core::ports::{ClaimedEvent, StoreError};

use crate::dialect::Dialect;
use crate::fetch::Fetch as _;
use crate::row::{FromSqlRow, RowReader};
use crate::value::{json_text, SqlValue};

/// An event's values for `outbox (id, event_type, version, occurred_at,
/// report_id, payload)`, in that order: appended unpublished.
pub fn event_values(event: &EventEnvelope) -> Result<[SqlValue; 6], StoreError> {
    Ok([
        SqlValue::Uuid(Some(event.id)),
        SqlValue::text(event.event_type.as_str()),
        SqlValue::Integer(Some(i64::from(event.version))),
        SqlValue::Time(Some(event.occurred_at)),
        SqlValue::Uuid(Some(event.report_id.0)),
        SqlValue::text(json_text(&event.payload, "an event payload")?),
    ])
}

/// Parses a row of `outbox` (`id, event_type, version, occurred_at, report_id, payload`).
impl<D: Dialect> FromSqlRow<D> for EventEnvelope {
    fn from_row(row: &D::Row) -> Result<Self, StoreError> {
        let r = RowReader::<D>::new(row, "outbox");
        Ok(EventEnvelope {
            id: r.uuid("id")?,
            event_type: r.get("event_type")?,
            version: r.count("version")?,
            occurred_at: r.time("occurred_at")?,
            report_id: ReportId(r.uuid("report_id")?),
            payload: r.json("payload")?,
        })
    }
}

/// The events a claim returned (an event's columns with `seq` and
/// `attempts`), in `seq` order: `RETURNING` gives no order, and the relay
/// publishes in `seq` order.
pub fn claimed_events<D: Dialect>(rows: &[D::Row]) -> Result<Vec<ClaimedEvent>, StoreError> {
    let mut claimed = rows
        .iter()
        .map(|row| {
            let r = RowReader::<D>::new(row, "outbox");
            let seq: i64 = r.get("seq")?;
            let attempts = r.count("attempts")?;
            Ok((
                seq,
                ClaimedEvent {
                    event: D::parse(row)?,
                    attempts,
                },
            ))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    claimed.sort_by_key(|(seq, _)| *seq);
    Ok(claimed.into_iter().map(|(_, event)| event).collect())
}
