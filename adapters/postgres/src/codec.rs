//! How PostgreSQL keeps the values the two SQL stores keep differently: ids
//! as `uuid`, times as `timestamptz`. Everything else about rows is
//! `sinmungo-sql`'s.

use chrono::{DateTime, SubsecRound as _, Utc};
use sinmungo_core::ports::StoreError;
use sinmungo_sql::{Dialect, SqlValue};
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::Query;
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

/// The PostgreSQL dialect of the row layer.
#[derive(Debug)]
pub(crate) enum PgDialect {}

/// Reads one PostgreSQL row.
pub(crate) type RowReader<'r> = sinmungo_sql::RowReader<'r, PgDialect>;

impl Dialect for PgDialect {
    type Row = PgRow;

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

pub(crate) type PgQuery<'q> = Query<'q, Postgres, PgArguments>;

/// Binds `values` to the next parameters of `query`, in order.
pub(crate) fn bind_all<'q>(
    query: PgQuery<'q>,
    values: impl IntoIterator<Item = SqlValue>,
) -> PgQuery<'q> {
    values.into_iter().fold(query, |query, value| match value {
        SqlValue::Text(text) => query.bind(text),
        SqlValue::Integer(integer) => query.bind(integer),
        SqlValue::Real(real) => query.bind(real),
        SqlValue::Bool(boolean) => query.bind(boolean),
        SqlValue::Uuid(id) => query.bind(id),
        SqlValue::Time(time) => query.bind(time.map(micros)),
    })
}

/// Pushes `value` as the next parameter of `builder`.
pub(crate) fn push_value(builder: &mut QueryBuilder<'_, Postgres>, value: SqlValue) {
    match value {
        SqlValue::Text(text) => builder.push_bind(text),
        SqlValue::Integer(integer) => builder.push_bind(integer),
        SqlValue::Real(real) => builder.push_bind(real),
        SqlValue::Bool(boolean) => builder.push_bind(boolean),
        SqlValue::Uuid(id) => builder.push_bind(id),
        SqlValue::Time(time) => builder.push_bind(time.map(micros)),
    };
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
