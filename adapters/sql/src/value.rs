//! Values as the SQL stores write them, before a dialect binds them.

use anyhow::anyhow;
use chrono::{DateTime, Utc};
use sinmungo_core::ports::StoreError;
use uuid::Uuid;

/// One value to bind to a statement's parameter, `None` for NULL. Each
/// dialect binds every kind as it keeps it; ids and times are the kinds the
/// dialects keep differently (SQLite: text; PostgreSQL: `uuid`, `timestamptz`
/// truncated to microseconds). JSON is bound as its text.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    /// Text (and JSON as text).
    Text(Option<String>),
    /// A 64-bit integer.
    Integer(Option<i64>),
    /// A 64-bit float.
    Real(Option<f64>),
    /// A boolean.
    Bool(Option<bool>),
    /// An id.
    Uuid(Option<Uuid>),
    /// A time.
    Time(Option<DateTime<Utc>>),
}

impl SqlValue {
    /// Text.
    pub fn text(value: impl Into<String>) -> Self {
        Self::Text(Some(value.into()))
    }
}

/// A statement a dialect is building: SQL text and bound values, in order.
pub trait SqlWriter {
    /// Appends SQL text.
    fn push(&mut self, sql: &str);

    /// Appends a parameter bound to `value`.
    fn bind(&mut self, value: SqlValue);
}

/// A JSON value as the text the stores keep (PostgreSQL casts it to `jsonb`).
pub fn json_text<T: serde::Serialize + ?Sized>(
    value: &T,
    what: &str,
) -> Result<String, StoreError> {
    serde_json::to_string(value)
        .map_err(|e| StoreError::Unknown(anyhow!("cannot serialise {what} as JSON: {e}")))
}

/// An unsigned count as a 64-bit SQL integer.
pub fn integer(value: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| {
        StoreError::Unknown(anyhow!("{what} {value} does not fit in a 64-bit integer"))
    })
}
