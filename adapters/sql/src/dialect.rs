//! What differs between the SQL stores beyond their SQL text: the driver's
//! database and rows, what its errors mean, and how ids and times are kept
//! (SQLite: text; PostgreSQL: `uuid`, `timestamptz`).

use chrono::{DateTime, Utc};
use sinmungo_core::ports::StoreError;
use sqlx::query::Query;
use sqlx::{Database, IntoArguments};
use uuid::Uuid;

use crate::row::{RowReader, SqlRow};
use crate::value::SqlValue;

/// A SQL store's dialect, a type of its own crate that the row layer is
/// generic over.
pub trait Dialect: Sized + 'static {
    /// The driver's database.
    type Database: Database<Row = Self::Row>;

    /// The driver's row.
    type Row: SqlRow;

    /// The driver's statement parameters.
    type Arguments<'q>: IntoArguments<'q, Self::Database>;

    /// The port error of a driver error.
    fn store_error(error: sqlx::Error) -> StoreError;

    /// A statement of `sql`, parameters still to bind.
    fn query(sql: &str) -> Query<'_, Self::Database, Self::Arguments<'_>>;

    /// Binds `value` to the next parameter of `query`, encoded as the
    /// dialect keeps it.
    fn bind<'q>(
        query: Query<'q, Self::Database, Self::Arguments<'q>>,
        value: SqlValue,
    ) -> Query<'q, Self::Database, Self::Arguments<'q>>;

    /// How many rows a statement changed.
    fn rows_affected(result: &<Self::Database as Database>::QueryResult) -> u64;

    /// A statement of `sql` with `values` bound to its parameters, in order.
    fn statement(
        sql: &str,
        values: impl IntoIterator<Item = SqlValue>,
    ) -> Query<'_, Self::Database, Self::Arguments<'_>> {
        values.into_iter().fold(Self::query(sql), Self::bind)
    }

    /// What ends a `SELECT` that claims rows for a lease: PostgreSQL's
    /// `FOR UPDATE SKIP LOCKED` (rows another claim is taking are skipped,
    /// never waited for); nothing in SQLite, whose one writer runs each
    /// claim alone.
    const SKIP_LOCKED: &'static str;

    /// Whether one statement may append to several tables, each `INSERT`
    /// but the last in a `WITH` clause: PostgreSQL's data-modifying `WITH`
    /// (its foreign keys are checked at the end of the statement, so a
    /// report and its timeline go in together). SQLite has none; it runs an
    /// `INSERT` a table, each a call into the same process.
    const INSERTS_IN_WITH: bool;

    /// The text of the `index`-th parameter (from 1): `?` or `$1`.
    fn placeholder(index: usize) -> String;

    /// A UUID column.
    fn uuid(r: &RowReader<'_, Self>, column: &str) -> Result<Uuid, StoreError>;

    /// A nullable UUID column.
    fn uuid_optional(r: &RowReader<'_, Self>, column: &str) -> Result<Option<Uuid>, StoreError>;

    /// A time column.
    fn time(r: &RowReader<'_, Self>, column: &str) -> Result<DateTime<Utc>, StoreError>;

    /// A nullable time column.
    fn time_optional(
        r: &RowReader<'_, Self>,
        column: &str,
    ) -> Result<Option<DateTime<Utc>>, StoreError>;
}
