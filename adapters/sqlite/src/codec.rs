//! How domain values are written to and read from columns. Reading parses
//! through the domain constructors, so a corrupt row is an error naming its
//! column, never an invalid value.

use std::fmt::Debug;

use anyhow::anyhow;
use chrono::{DateTime, SecondsFormat, Utc};
use sinmungo_core::ports::StoreError;
use sqlx::sqlite::SqliteRow;
use sqlx::{Decode, Row, Sqlite, Type};
use uuid::Uuid;

/// A time as stored: RFC 3339 in UTC with exactly six fractional digits, so
/// texts sort like the times they hold. Nanoseconds are truncated.
pub(crate) fn time_text(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// An id as stored: lowercase and hyphenated, so UUIDv7 texts sort by time.
pub(crate) fn id_text(id: Uuid) -> String {
    id.hyphenated().to_string()
}

/// A JSON value as stored.
pub(crate) fn json_text<T: serde::Serialize + ?Sized>(
    value: &T,
    what: &str,
) -> Result<String, StoreError> {
    serde_json::to_string(value)
        .map_err(|e| StoreError::Unknown(anyhow!("cannot serialise {what} as JSON: {e}")))
}

/// An unsigned count as an SQLite integer.
pub(crate) fn integer(value: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(value)
        .map_err(|_| StoreError::Unknown(anyhow!("{what} {value} does not fit in SQLite")))
}

/// Reads the columns of one row of `table`, naming `table.column` in every error.
pub(crate) struct RowReader<'r> {
    row: &'r SqliteRow,
    table: &'static str,
}

impl<'r> RowReader<'r> {
    pub(crate) fn new(row: &'r SqliteRow, table: &'static str) -> Self {
        Self { row, table }
    }

    /// The error of a column whose value the domain refuses.
    pub(crate) fn corrupt(&self, column: &str, problem: impl Debug) -> StoreError {
        StoreError::Unknown(anyhow!(
            "{}.{column} holds an invalid value: {problem:?}",
            self.table
        ))
    }

    /// A column as its SQLite type.
    pub(crate) fn get<T>(&self, column: &str) -> Result<T, StoreError>
    where
        T: Decode<'r, Sqlite> + Type<Sqlite>,
    {
        self.row
            .try_get(column)
            .map_err(|e| self.corrupt(column, e.to_string()))
    }

    /// A text column parsed by a domain constructor.
    pub(crate) fn parse<T, E: Debug>(
        &self,
        column: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, StoreError> {
        let raw: String = self.get(column)?;
        parse(&raw).map_err(|e| self.corrupt(column, e))
    }

    /// A nullable text column parsed by a domain constructor.
    pub(crate) fn parse_optional<T, E: Debug>(
        &self,
        column: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<Option<T>, StoreError> {
        let raw: Option<String> = self.get(column)?;
        raw.map(|raw| parse(&raw).map_err(|e| self.corrupt(column, e)))
            .transpose()
    }

    /// A UUID column.
    pub(crate) fn uuid(&self, column: &str) -> Result<Uuid, StoreError> {
        self.parse(column, Uuid::parse_str)
    }

    /// A nullable UUID column.
    pub(crate) fn uuid_optional(&self, column: &str) -> Result<Option<Uuid>, StoreError> {
        self.parse_optional(column, Uuid::parse_str)
    }

    /// A time column.
    pub(crate) fn time(&self, column: &str) -> Result<DateTime<Utc>, StoreError> {
        self.parse(column, parse_time)
    }

    /// A nullable time column.
    pub(crate) fn time_optional(&self, column: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.parse_optional(column, parse_time)
    }

    /// A JSON column deserialised.
    pub(crate) fn json<T: serde::de::DeserializeOwned>(
        &self,
        column: &str,
    ) -> Result<T, StoreError> {
        self.parse(column, |raw| serde_json::from_str(raw))
    }

    /// An integer column that must fit `T` (counts, versions).
    pub(crate) fn count<T: TryFrom<i64>>(&self, column: &str) -> Result<T, StoreError> {
        let raw: i64 = self.get(column)?;
        T::try_from(raw).map_err(|_| self.corrupt(column, raw))
    }
}

fn parse_time(raw: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    DateTime::parse_from_rfc3339(raw).map(|time| time.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_keep_microseconds_and_sort_as_text() {
        let early = Utc.with_ymd_and_hms(2026, 5, 1, 9, 30, 0).unwrap()
            + chrono::TimeDelta::nanoseconds(123_456_789);
        let later = early + chrono::TimeDelta::microseconds(1);
        assert_eq!(time_text(early), "2026-05-01T09:30:00.123456Z");
        assert!(time_text(early) < time_text(later));
        assert_eq!(
            parse_time(&time_text(early)).unwrap(),
            early - chrono::TimeDelta::nanoseconds(789)
        );
    }
}
