//! How SQLite keeps the values the two SQL stores keep differently: ids and
//! times as text. Everything else about rows is `sinmungo-sql`'s.

use chrono::{DateTime, SecondsFormat, Utc};
use sinmungo_core::ports::StoreError;
use sinmungo_sql::{Dialect, SqlValue};
use sqlx::query::Query;
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{QueryBuilder, Sqlite};
use uuid::Uuid;

/// The SQLite dialect of the row layer.
#[derive(Debug)]
pub(crate) enum SqliteDialect {}

/// Reads one SQLite row.
pub(crate) type RowReader<'r> = sinmungo_sql::RowReader<'r, SqliteDialect>;

impl Dialect for SqliteDialect {
    type Row = SqliteRow;

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

pub(crate) type SqliteQuery<'q> = Query<'q, Sqlite, SqliteArguments<'q>>;

/// Binds `values` to the next parameters of `query`, in order.
pub(crate) fn bind_all<'q>(
    query: SqliteQuery<'q>,
    values: impl IntoIterator<Item = SqlValue>,
) -> SqliteQuery<'q> {
    values.into_iter().fold(query, |query, value| match value {
        SqlValue::Text(text) => query.bind(text),
        SqlValue::Integer(integer) => query.bind(integer),
        SqlValue::Real(real) => query.bind(real),
        SqlValue::Bool(boolean) => query.bind(boolean),
        SqlValue::Uuid(id) => query.bind(id.map(id_text)),
        SqlValue::Time(time) => query.bind(time.map(time_text)),
    })
}

/// Pushes `value` as the next parameter of `builder`.
pub(crate) fn push_value(builder: &mut QueryBuilder<'_, Sqlite>, value: SqlValue) {
    match value {
        SqlValue::Text(text) => builder.push_bind(text),
        SqlValue::Integer(integer) => builder.push_bind(integer),
        SqlValue::Real(real) => builder.push_bind(real),
        SqlValue::Bool(boolean) => builder.push_bind(boolean),
        SqlValue::Uuid(id) => builder.push_bind(id.map(id_text)),
        SqlValue::Time(time) => builder.push_bind(time.map(time_text)),
    };
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
