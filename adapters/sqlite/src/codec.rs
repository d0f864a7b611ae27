//! How SQLite keeps the values the two SQL stores keep differently: ids and
//! times as text. Everything else about rows is `sinmungo-sql`'s.

use chrono::{DateTime, SecondsFormat, Utc};
use sinmungo_core::ports::StoreError;
use sinmungo_sql::{Dialect, SqlValue, SqlWriter};
use sqlx::query::Query;
use sqlx::sqlite::{SqliteArguments, SqliteQueryResult, SqliteRow};
use sqlx::{QueryBuilder, Sqlite};
use uuid::Uuid;

use crate::error;

/// The SQLite dialect of the row layer.
#[derive(Debug)]
pub(crate) enum SqliteDialect {}

/// Reads one SQLite row.
pub(crate) type RowReader<'r> = sinmungo_sql::RowReader<'r, SqliteDialect>;

impl Dialect for SqliteDialect {
    type Database = Sqlite;
    type Row = SqliteRow;

    type Arguments<'q> = SqliteArguments<'q>;

    fn store_error(error: sqlx::Error) -> StoreError {
        error::store_error(error)
    }

    fn rows_affected(result: &SqliteQueryResult) -> u64 {
        result.rows_affected()
    }

    fn query(sql: &str) -> Query<'_, Sqlite, SqliteArguments<'_>> {
        sqlx::query(sql)
    }

    fn bind<'q>(
        query: Query<'q, Sqlite, SqliteArguments<'q>>,
        value: SqlValue,
    ) -> Query<'q, Sqlite, SqliteArguments<'q>> {
        match value {
            SqlValue::Text(text) => query.bind(text),
            SqlValue::Integer(integer) => query.bind(integer),
            SqlValue::Real(real) => query.bind(real),
            SqlValue::Bool(boolean) => query.bind(boolean),
            SqlValue::Uuid(id) => query.bind(id.map(id_text)),
            SqlValue::Time(time) => query.bind(time.map(time_text)),
        }
    }

    const SKIP_LOCKED: &'static str = "";

    const INSERTS_IN_WITH: bool = false;

    fn placeholder(_index: usize) -> String {
        "?".to_owned()
    }

    fn uuid(r: &RowReader<'_>, column: &str) -> Result<Uuid, StoreError> {
        r.parse(column, Uuid::parse_str)
    }

    fn uuid_optional(r: &RowReader<'_>, column: &str) -> Result<Option<Uuid>, StoreError> {
        r.parse_optional(column, Uuid::parse_str)
    }

    fn time(r: &RowReader<'_>, column: &str) -> Result<DateTime<Utc>, StoreError> {
        r.parse(column, parse_time)
    }

    fn time_optional(r: &RowReader<'_>, column: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        r.parse_optional(column, parse_time)
    }
}

/// A time as stored: RFC 3339 in UTC with exactly six fractional digits, so
/// texts sort like the times they hold. Nanoseconds are truncated.
pub(crate) fn time_text(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// An id as stored: lowercase and hyphenated, so UUIDv7 texts sort by time.
pub(crate) fn id_text(id: Uuid) -> String {
    id.hyphenated().to_string()
}

fn parse_time(raw: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    DateTime::parse_from_rfc3339(raw).map(|time| time.with_timezone(&Utc))
}

/// A statement being built, written by the row layer.
pub(crate) struct Writer<'q, 'b>(pub(crate) &'b mut QueryBuilder<'q, Sqlite>);

impl SqlWriter for Writer<'_, '_> {
    fn push(&mut self, sql: &str) {
        self.0.push(sql);
    }

    fn bind(&mut self, value: SqlValue) {
        match value {
            SqlValue::Text(text) => self.0.push_bind(text),
            SqlValue::Integer(integer) => self.0.push_bind(integer),
            SqlValue::Real(real) => self.0.push_bind(real),
            SqlValue::Bool(boolean) => self.0.push_bind(boolean),
            SqlValue::Uuid(id) => self.0.push_bind(id.map(id_text)),
            SqlValue::Time(time) => self.0.push_bind(time.map(time_text)),
        };
    }
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
