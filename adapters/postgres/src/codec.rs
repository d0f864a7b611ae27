//! How domain values are written to and read from columns. Reading parses
//! through the domain constructors, so a corrupt row is an error naming its
//! column, never an invalid value.

use std::fmt::Debug;

use anyhow::anyhow;
use chrono::{DateTime, SubsecRound as _, Utc};
use sinmungo_core::ports::StoreError;
use sqlx::postgres::PgRow;
use sqlx::{Decode, Postgres, Row, Type};
use uuid::Uuid;

/// A time as stored: truncated to whole microseconds, `timestamptz`'s
/// precision. Binding a finer time would let PostgreSQL round it instead.
pub(crate) fn micros(time: DateTime<Utc>) -> DateTime<Utc> {
    time.trunc_subsecs(6)
}

/// A JSON value as the text bound to a `$n::jsonb` parameter.
pub(crate) fn json_text<T: serde::Serialize + ?Sized>(
    value: &T,
    what: &str,
) -> Result<String, StoreError> {
    serde_json::to_string(value)
        .map_err(|e| StoreError::Unknown(anyhow!("cannot serialise {what} as JSON: {e}")))
}

/// An unsigned count as a `bigint`.
pub(crate) fn bigint(value: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(value)
        .map_err(|_| StoreError::Unknown(anyhow!("{what} {value} does not fit in a bigint")))
}

/// Reads the columns of one row of `table`, naming `table.column` in every error.
pub(crate) struct RowReader<'r> {
    row: &'r PgRow,
    table: &'static str,
}

impl<'r> RowReader<'r> {
    pub(crate) fn new(row: &'r PgRow, table: &'static str) -> Self {
        Self { row, table }
    }

    /// The error of a column whose value the domain refuses.
    pub(crate) fn corrupt(&self, column: &str, problem: impl Debug) -> StoreError {
        StoreError::Unknown(anyhow!(
            "{}.{column} holds an invalid value: {problem:?}",
            self.table
        ))
    }

    /// A column as its PostgreSQL type (`text`, `uuid`, `timestamptz`, `float8`, `bool`).
    pub(crate) fn get<T>(&self, column: &str) -> Result<T, StoreError>
    where
        T: Decode<'r, Postgres> + Type<Postgres>,
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

    /// A `jsonb` column, selected as `column::text`, deserialised.
    pub(crate) fn json<T: serde::de::DeserializeOwned>(
        &self,
        column: &str,
    ) -> Result<T, StoreError> {
        self.parse(column, |raw| serde_json::from_str(raw))
    }

    /// A `bigint` column that must fit `T` (counts, versions).
    pub(crate) fn count<T: TryFrom<i64>>(&self, column: &str) -> Result<T, StoreError> {
        let raw: i64 = self.get(column)?;
        T::try_from(raw).map_err(|_| self.corrupt(column, raw))
    }

    /// A nullable `bigint` column that must fit `T`.
    pub(crate) fn count_optional<T: TryFrom<i64>>(
        &self,
        column: &str,
    ) -> Result<Option<T>, StoreError> {
        let raw: Option<i64> = self.get(column)?;
        raw.map(|raw| T::try_from(raw).map_err(|_| self.corrupt(column, raw)))
            .transpose()
    }

    /// A `uuid` column.
    pub(crate) fn uuid(&self, column: &str) -> Result<Uuid, StoreError> {
        self.get(column)
    }

    /// A nullable `uuid` column.
    pub(crate) fn uuid_optional(&self, column: &str) -> Result<Option<Uuid>, StoreError> {
        self.get(column)
    }

    /// A `timestamptz` column.
    pub(crate) fn time(&self, column: &str) -> Result<DateTime<Utc>, StoreError> {
        self.get(column)
    }

    /// A nullable `timestamptz` column.
    pub(crate) fn time_optional(&self, column: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.get(column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone};

    #[test]
    fn times_are_truncated_not_rounded() {
        let whole = Utc.with_ymd_and_hms(2026, 5, 1, 9, 30, 0).unwrap();
        assert_eq!(
            micros(whole + TimeDelta::nanoseconds(123_456_999)),
            whole + TimeDelta::microseconds(123_456)
        );
        assert_eq!(micros(whole), whole);
    }
}
