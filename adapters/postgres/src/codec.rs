//! How PostgreSQL keeps the values the two SQL stores keep differently: ids
//! as `uuid`, times as `timestamptz`. Everything else about rows is
//! `sinmungo-sql`'s.

use chrono::{DateTime, SubsecRound as _, Utc};
use sinmungo_core::ports::StoreError;
use sinmungo_sql::{Dialect, SqlValue, SqlWriter};
use sqlx::postgres::{PgArguments, PgQueryResult, PgRow};
use sqlx::query::Query;
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use crate::error;

/// The PostgreSQL dialect of the row layer.
#[derive(Debug)]
pub(crate) enum PgDialect {}

/// Reads one PostgreSQL row.
pub(crate) type RowReader<'r> = sinmungo_sql::RowReader<'r, PgDialect>;

impl Dialect for PgDialect {
    type Database = Postgres;
    type Row = PgRow;

    type Arguments<'q> = PgArguments;

    fn store_error(error: sqlx::Error) -> StoreError {
        error::store_error(error)
    }

    fn rows_affected(result: &PgQueryResult) -> u64 {
        result.rows_affected()
    }

    fn query(sql: &str) -> Query<'_, Postgres, PgArguments> {
        sqlx::query(sql)
    }

    fn bind<'q>(
        query: Query<'q, Postgres, PgArguments>,
        value: SqlValue,
    ) -> Query<'q, Postgres, PgArguments> {
        match value {
            SqlValue::Text(text) => query.bind(text),
            SqlValue::Integer(integer) => query.bind(integer),
            SqlValue::Real(real) => query.bind(real),
            SqlValue::Bool(boolean) => query.bind(boolean),
            SqlValue::Uuid(id) => query.bind(id),
            SqlValue::Time(time) => query.bind(time.map(micros)),
        }
    }

    const SKIP_LOCKED: &'static str = " FOR UPDATE SKIP LOCKED";

    const INSERTS_IN_WITH: bool = true;

    fn placeholder(index: usize) -> String {
        format!("${index}")
    }

    fn uuid(r: &RowReader<'_>, column: &str) -> Result<Uuid, StoreError> {
        r.get(column)
    }

    fn uuid_optional(r: &RowReader<'_>, column: &str) -> Result<Option<Uuid>, StoreError> {
        r.get(column)
    }

    fn time(r: &RowReader<'_>, column: &str) -> Result<DateTime<Utc>, StoreError> {
        r.get(column)
    }

    fn time_optional(r: &RowReader<'_>, column: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        r.get(column)
    }
}

/// A time as stored: truncated to whole microseconds, `timestamptz`'s
/// precision. Binding a finer time would let PostgreSQL round it instead.
pub(crate) fn micros(time: DateTime<Utc>) -> DateTime<Utc> {
    time.trunc_subsecs(6)
}

/// A statement being built, written by the row layer.
pub(crate) struct Writer<'q, 'b>(pub(crate) &'b mut QueryBuilder<'q, Postgres>);

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
            SqlValue::Uuid(id) => self.0.push_bind(id),
            SqlValue::Time(time) => self.0.push_bind(time.map(micros)),
        };
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
