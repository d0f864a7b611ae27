//! `ReportStore::stats`: the shared statistics queries (`sinmungo_sql::stats`)
//! with PostgreSQL's date and interval arithmetic, on the reader pool.

use chrono::{DateTime, Utc};
use sinmungo_core::domain::stats::{Stats, StatsGroup, StatsQuery};
use sinmungo_core::ports::StoreError;
use sinmungo_sql::stats::{assemble, counts, DayCount, Percentiles, StatsDialect, StatsPlan};
use sinmungo_sql::Fetch as _;
use sqlx::{PgPool, Postgres, QueryBuilder, Row};

use crate::codec::{PgDialect, Writer};
use crate::error::store_error;
use crate::PostgresStore;

impl StatsDialect for PgDialect {
    // A fixed offset: Korea keeps no daylight saving time. (PostgreSQL
    // groups by hashing; no index is needed for the days.)
    const KOREAN_DATE: &'static str =
        "((r.created_at AT TIME ZONE 'UTC') + interval '9 hours')::date::text";
}

/// The groups and days statements of a plan (the percentiles need the
/// counts the groups give).
fn statements(plan: &StatsPlan, prefix: &str) -> [QueryBuilder<'static, Postgres>; 2] {
    let mut groups = QueryBuilder::new(prefix);
    plan.write_groups(&mut Writer(&mut groups));
    let mut days = QueryBuilder::new(prefix);
    plan.write_days::<PgDialect>(&mut Writer(&mut days));
    [groups, days]
}

fn percentiles(
    plan: &StatsPlan,
    prefix: &str,
    groups: &[StatsGroup],
) -> QueryBuilder<'static, Postgres> {
    let (responded, resolved) = counts(groups);
    let mut percentiles = QueryBuilder::new(prefix);
    plan.write_percentiles(&mut Writer(&mut percentiles), responded, resolved);
    percentiles
}

/// Computes the statistics on `pool`.
pub(crate) async fn stats(
    pool: &PgPool,
    query: &StatsQuery,
    now: DateTime<Utc>,
) -> Result<Stats, StoreError> {
    let plan = StatsPlan::new(query, now);
    let [mut groups, mut days] = statements(&plan, "");
    // One REPEATABLE READ snapshot for both round trips, so the ranks
    // taken from the counts fit the rows ranked.
    let mut tx = pool.begin().await.map_err(store_error)?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
    let groups: Vec<StatsGroup> = PgDialect::fetch_all(groups.build(), &mut *tx).await?;
    let days: Vec<DayCount> = PgDialect::fetch_all(days.build(), &mut *tx).await?;
    let mut ranked = percentiles(&plan, "", &groups);
    let ranked: Percentiles = PgDialect::fetch_one(ranked.build(), &mut *tx).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(assemble(&groups, days, ranked))
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
        let plan = StatsPlan::new(query, now);
        let [mut groups, days] = statements(&plan, "");
        let groups: Vec<StatsGroup> = PgDialect::fetch_all(groups.build(), &self.reader).await?;
        let [explain_groups, explain_days] = statements(&plan, "EXPLAIN ");
        drop(days);
        for mut statement in [
            explain_groups,
            explain_days,
            percentiles(&plan, "EXPLAIN ", &groups),
        ] {
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
