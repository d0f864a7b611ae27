//! `ReportStore::stats`: the shared statistics queries (`sinmungo_sql::stats`)
//! with SQLite's date and seconds arithmetic on its RFC 3339 texts.

use chrono::{DateTime, Utc};
use sinmungo_core::domain::stats::{Stats, StatsGroup, StatsQuery};
use sinmungo_core::ports::StoreError;
use sinmungo_sql::stats::{BothDurations, DayCount, StatsDialect, StatsPlan};
use sinmungo_sql::Fetch as _;
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

use crate::codec::{SqliteDialect, Writer};
use crate::error::store_error;
use crate::SqliteStore;

impl StatsDialect for SqliteDialect {
    // `date` reads the stored text (`…T…Z`) as UTC.
    const KOREAN_DATE: &'static str = "date(r.created_at, '+9 hours')";

    fn seconds_between(later: &str, earlier: &str) -> String {
        // Times are stored with exactly six fractional digits (`codec::time_text`):
        // whole seconds from the first 19 characters, microseconds from 21–26,
        // so the difference is exact (julianday's floating point is not), then
        // truncated to whole seconds like chrono's `num_seconds`.
        format!(
            "(((unixepoch(substr({later}, 1, 19)) - unixepoch(substr({earlier}, 1, 19))) * 1000000 \
             + CAST(substr({later}, 21, 6) AS INTEGER) - CAST(substr({earlier}, 21, 6) AS INTEGER)) / 1000000)"
        )
    }
}

/// The three statements of a plan, for running or explaining.
fn statements(plan: &StatsPlan, prefix: &str) -> [QueryBuilder<'static, Sqlite>; 3] {
    let mut groups = QueryBuilder::new(prefix);
    plan.write_groups(&mut Writer(&mut groups));
    let mut days = QueryBuilder::new(prefix);
    plan.write_days::<SqliteDialect>(&mut Writer(&mut days));
    let mut durations = QueryBuilder::new(prefix);
    plan.write_durations::<SqliteDialect>(&mut Writer(&mut durations));
    [groups, days, durations]
}

/// Computes the statistics on `pool`.
pub(crate) async fn stats(
    pool: &SqlitePool,
    query: &StatsQuery,
    now: DateTime<Utc>,
) -> Result<Stats, StoreError> {
    let plan = StatsPlan::new(query, now);
    let [mut groups, mut days, mut durations] = statements(&plan, "");
    let groups: Vec<StatsGroup> = SqliteDialect::fetch_all(groups.build(), pool).await?;
    let days: Vec<DayCount> = SqliteDialect::fetch_all(days.build(), pool).await?;
    let durations: BothDurations = SqliteDialect::fetch_one(durations.build(), pool).await?;
    Ok(Stats::assemble(
        &groups,
        days.into_iter().map(|DayCount(day, n)| (day, n)).collect(),
        durations.first_response,
        durations.resolution,
    ))
}

impl SqliteStore {
    /// The `EXPLAIN QUERY PLAN` lines of the statistics queries for `query`, to check their index use.
    pub async fn stats_query_plan(
        &self,
        query: &StatsQuery,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError> {
        let mut lines = Vec::new();
        for mut statement in statements(&StatsPlan::new(query, now), "EXPLAIN QUERY PLAN ") {
            for row in statement
                .build()
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?
            {
                lines.push(row.try_get::<String, _>("detail").map_err(store_error)?);
            }
        }
        Ok(lines)
    }
}
