//! Reading one row: every column through the domain constructors, so a
//! corrupt row is an error naming its column, never an invalid value.
//!
//! The reader is generic over the [`Dialect`], which says how its database
//! keeps the two values the dialects store differently: ids and times.

use std::fmt::Debug;

use anyhow::anyhow;
use chrono::{DateTime, Utc};
use sinmungo_core::ports::StoreError;
use sqlx::{ColumnIndex, Decode, Row, Type};

use crate::dialect::Dialect;
use uuid::Uuid;

/// A row whose `column` can be read as a `T`: any sqlx row and any type its
/// database decodes. (A trait of its own, so that [`SqlRow`] can promise
/// several of them to generic code.)
pub trait ReadAs<T> {
    /// The value of `column`, as the driver decodes it.
    fn read_as(&self, column: &str) -> Result<T, sqlx::Error>;
}

impl<R, T> ReadAs<T> for R
where
    R: Row,
    for<'c> &'c str: ColumnIndex<R>,
    T: for<'r> Decode<'r, R::Database> + Type<R::Database>,
{
    fn read_as(&self, column: &str) -> Result<T, sqlx::Error> {
        self.try_get(column)
    }
}

/// A row with the column types both dialects share: text, integers, floats,
/// booleans and bytes, nullable or not.
pub trait SqlRow:
    ReadAs<String>
    + ReadAs<Option<String>>
    + ReadAs<i64>
    + ReadAs<Option<i64>>
    + ReadAs<f64>
    + ReadAs<Option<f64>>
    + ReadAs<bool>
    + ReadAs<Option<bool>>
    + ReadAs<Vec<u8>>
{
}

impl<R> SqlRow for R where
    R: ReadAs<String>
        + ReadAs<Option<String>>
        + ReadAs<i64>
        + ReadAs<Option<i64>>
        + ReadAs<f64>
        + ReadAs<Option<f64>>
        + ReadAs<bool>
        + ReadAs<Option<bool>>
        + ReadAs<Vec<u8>>
{
}

/// A domain value stored as one row of a table, read back through the
/// domain constructors.
pub trait FromSqlRow<D: Dialect>: Sized {
    /// Parses `row`.
    fn from_row(row: &D::Row) -> Result<Self, StoreError>;
}

/// Reads the columns of one row of `table`, naming `table.column` in every error.
pub struct RowReader<'r, D: Dialect> {
    row: &'r D::Row,
    table: &'static str,
}

impl<D: Dialect> Debug for RowReader<'_, D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowReader")
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}

impl<'r, D: Dialect> RowReader<'r, D> {
    /// A reader of `row`, a row of `table`.
    pub fn new(row: &'r D::Row, table: &'static str) -> Self {
        Self { row, table }
    }

    /// The error of a column whose value the domain refuses.
    pub fn corrupt(&self, column: &str, problem: impl Debug) -> StoreError {
        StoreError::Unknown(anyhow!(
            "{}.{column} holds an invalid value: {problem:?}",
            self.table
        ))
    }

    /// A column as the driver decodes it.
    pub fn get<T>(&self, column: &str) -> Result<T, StoreError>
    where
        D::Row: ReadAs<T>,
    {
        self.row
            .read_as(column)
            .map_err(|e| self.corrupt(column, e.to_string()))
    }

    /// A text column parsed by a domain constructor.
    pub fn parse<T, E: Debug>(
        &self,
        column: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, StoreError> {
        let raw: String = self.get(column)?;
        parse(&raw).map_err(|e| self.corrupt(column, e))
    }

    /// A nullable text column parsed by a domain constructor.
    pub fn parse_optional<T, E: Debug>(
        &self,
        column: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<Option<T>, StoreError> {
        let raw: Option<String> = self.get(column)?;
        raw.map(|raw| parse(&raw).map_err(|e| self.corrupt(column, e)))
            .transpose()
    }

    /// A UUID column.
    pub fn uuid(&self, column: &str) -> Result<Uuid, StoreError> {
        D::uuid(self, column)
    }

    /// A nullable UUID column.
    pub fn uuid_optional(&self, column: &str) -> Result<Option<Uuid>, StoreError> {
        D::uuid_optional(self, column)
    }

    /// A time column.
    pub fn time(&self, column: &str) -> Result<DateTime<Utc>, StoreError> {
        D::time(self, column)
    }

    /// A nullable time column.
    pub fn time_optional(&self, column: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        D::time_optional(self, column)
    }

    /// A JSON column deserialised (PostgreSQL's `jsonb` selected as `column::text`).
    pub fn json<T: serde::de::DeserializeOwned>(&self, column: &str) -> Result<T, StoreError> {
        self.parse(column, |raw| serde_json::from_str(raw))
    }

    /// An integer column that must fit `T` (counts, versions).
    pub fn count<T: TryFrom<i64>>(&self, column: &str) -> Result<T, StoreError> {
        let raw: i64 = self.get(column)?;
        T::try_from(raw).map_err(|_| self.corrupt(column, raw))
    }

    /// A nullable integer column that must fit `T`.
    pub fn count_optional<T: TryFrom<i64>>(&self, column: &str) -> Result<Option<T>, StoreError> {
        let raw: Option<i64> = self.get(column)?;
        raw.map(|raw| T::try_from(raw).map_err(|_| self.corrupt(column, raw)))
            .transpose()
    }
}
