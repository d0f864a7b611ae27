//! `ReportStore::stats`: the shared statistics queries (`sinmungo_sql::stats`)
//! with SQLite's date and seconds arithmetic on its RFC 3339 texts.

use chrono::{DateTime, Utc};
use sinmungo_core::domain::stats::{Stats, StatsGroup, StatsQuery};
use sinmungo_core::ports::StoreError;
use sinmungo_sql::stats::{assemble, counts, DayCount, Percentiles, StatsDialect, StatsPlan};
use sinmungo_sql::Fetch as _;
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

use crate::codec::{SqliteDialect, Writer};
use crate::error::store_error;
use crate::SqliteStore;

impl StatsDialect for SqliteDialect {
    // The generated column `date(created_at, '+9 hours')`, which the
    // `reports_by_korean_day` index keeps in order (see the migration).
    const KOREAN_DATE: &'static str = "r.created_on_kst";
}

/// The groups and days statements of a plan (the percentiles need the
/// counts the groups give).
fn statements(plan: &StatsPlan, prefix: &str) -> [QueryBuilder<'static, Sqlite>; 2] {
    let mut groups = QueryBuilder::new(prefix);
    plan.write_groups(&mut Writer(&mut groups));
    let mut days = QueryBuilder::new(prefix);
    plan.write_days::<SqliteDialect>(&mut Writer(&mut days));
    [groups, days]
}

fn percentiles(
    plan: &StatsPlan,
    prefix: &str,
    groups: &[StatsGroup],
) -> QueryBuilder<'static, Sqlite> {
    let (responded, resolved) = counts(groups);
    let mut percentiles = QueryBuilder::new(prefix);
    plan.write_percentiles(&mut Writer(&mut percentiles), responded, resolved);
    percentiles
}

/// Computes the statistics on `pool`.
pub(crate) async fn stats(
    pool: &SqlitePool,
    query: &StatsQuery,
    now: DateTime<Utc>,
) -> Result<Stats, StoreError> {
    let plan = StatsPlan::new(query, now);
    let [mut groups, mut days] = statements(&plan, "");
    // One read transaction: both round trips see the same snapshot (WAL),
    // so the ranks taken from the counts fit the rows ranked.
    let mut tx = pool.begin().await.map_err(store_error)?;
    let groups: Vec<StatsGroup> = SqliteDialect::fetch_all(groups.build(), &mut *tx).await?;
    let days: Vec<DayCount> = SqliteDialect::fetch_all(days.build(), &mut *tx).await?;
    let mut ranked = percentiles(&plan, "", &groups);
    let ranked: Percentiles = SqliteDialect::fetch_one(ranked.build(), &mut *tx).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(assemble(&groups, days, ranked))
}

impl SqliteStore {
    /// The `EXPLAIN QUERY PLAN` lines of the statistics queries for `query`, to check their index use.
    pub async fn stats_query_plan(
        &self,
        query: &StatsQuery,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError> {
        let mut lines = Vec::new();
        let plan = StatsPlan::new(query, now);
        let [mut groups, days] = statements(&plan, "");
        let groups: Vec<StatsGroup> = SqliteDialect::fetch_all(groups.build(), &self.pool).await?;
        let [explain_groups, explain_days] = statements(&plan, "EXPLAIN QUERY PLAN ");
        drop(days);
        for mut statement in [
            explain_groups,
            explain_days,
            percentiles(&plan, "EXPLAIN QUERY PLAN ", &groups),
        ] {
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
