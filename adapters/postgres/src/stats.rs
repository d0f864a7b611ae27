//! `ReportStore::stats`: the shared statistics queries (`sinmungo_sql::stats`)
//! with PostgreSQL's date and interval arithmetic, on the reader pool.

use chrono::{DateTime, Utc};
use sinmungo_core::domain::stats::{Stats, StatsGroup, StatsQuery};
use sinmungo_core::ports::StoreError;
use sinmungo_sql::stats::{BothDurations, DayCount, StatsDialect, StatsPlan};
use sinmungo_sql::Fetch as _;
use sqlx::{PgPool, Postgres, QueryBuilder, Row};

use crate::codec::{PgDialect, Writer};
use crate::error::store_error;
use crate::PostgresStore;

impl StatsDialect for PgDialect {
    // A fixed offset: Korea keeps no daylight saving time.
    const KOREAN_DATE: &'static str =
        "((r.created_at AT TIME ZONE 'UTC') + interval '9 hours')::date::text";

    fn seconds_between(later: &str, earlier: &str) -> String {
        // `extract` gives numeric (exact) seconds; truncated like chrono's `num_seconds`.
        format!("trunc(extract(epoch FROM ({later} - {earlier})))::bigint")
    }
}

/// The three statements of a plan, for running or explaining.
fn statements(plan: &StatsPlan, prefix: &str) -> [QueryBuilder<'static, Postgres>; 3] {
    let mut groups = QueryBuilder::new(prefix);
    plan.write_groups(&mut Writer(&mut groups));
    let mut days = QueryBuilder::new(prefix);
    plan.write_days::<PgDialect>(&mut Writer(&mut days));
    let mut durations = QueryBuilder::new(prefix);
    plan.write_durations::<PgDialect>(&mut Writer(&mut durations));
    [groups, days, durations]
}

/// Computes the statistics on `pool`.
pub(crate) async fn stats(
    pool: &PgPool,
    query: &StatsQuery,
    now: DateTime<Utc>,
) -> Result<Stats, StoreError> {
    let plan = StatsPlan::new(query, now);
    let [mut groups, mut days, mut durations] = statements(&plan, "");
    let groups: Vec<StatsGroup> = PgDialect::fetch_all(groups.build(), pool).await?;
    let days: Vec<DayCount> = PgDialect::fetch_all(days.build(), pool).await?;
    let durations: BothDurations = PgDialect::fetch_one(durations.build(), pool).await?;
    Ok(Stats::assemble(
        &groups,
        days.into_iter().map(|DayCount(day, n)| (day, n)).collect(),
        durations.first_response,
        durations.resolution,
    ))
}

impl PostgresStore {
    /// The `EXPLAIN` text of the statistics queries for `query`, on the
    /// pool `stats` reads from, to check their index use.
    pub async fn stats_query_plan(
        &self,
        query: &StatsQuery,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        let mut lines = Vec::new();
        for mut statement in statements(&StatsPlan::new(query, now), "EXPLAIN ") {
            for row in statement
                .build()
                .fetch_all(&self.reader)
                .await
                .map_err(store_error)?
            {
                lines.push(row.try_get::<String, _>(0).map_err(store_error)?);
            }
        }
        Ok(lines.join("\n"))
    }
}
