//! Outbox events read back from rows.

use sinmungo_core::domain::event::EventEnvelope;
use sinmungo_core::domain::report::ReportId;
use sinmungo_core::ports::{ClaimedEvent, StoreError};

use crate::row::{Dialect, RowReader};

/// Parses a row of `outbox` (`id, event_type, version, occurred_at, report_id, payload`).
pub fn event_from_row<D: Dialect>(row: &D::Row) -> Result<EventEnvelope, StoreError> {
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
                    event: event_from_row::<D>(row)?,
                    attempts,
                },
            ))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    claimed.sort_by_key(|(seq, _)| *seq);
    Ok(claimed.into_iter().map(|(_, event)| event).collect())
}
