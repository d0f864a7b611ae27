//! The statistics queries, once for both SQL stores (definitions:
//! [`sinmungo_core::domain::stats`]). Three round trips, each one scan of
//! the selected reports:
//!
//! 1. **groups**: counts grouped by status, category, department, city or
//!    county and (open reports) age band, with the resolutions and those in
//!    time summed — every count, the backlog and the compliance figures are
//!    sums of these few hundred rows ([`Stats::assemble`]);
//! 2. **days**: counts by Korean date (the date expression is the dialect's);
//! 3. **durations**: the count, median and 90th percentile of both
//!    durations, by nearest rank over `ROW_NUMBER()` (the seconds expression
//!    is the dialect's).
//!
//! The filters are the same plain SQL in all three; a city or county
//! matches its districts as the code range `35010`–`35019`, which the
//! `(jurisdiction_code, …)` index can search.

use chrono::{DateTime, NaiveDate, Utc};
use sinmungo_core::domain::category::CategoryCode;
use sinmungo_core::domain::department::DepartmentCode;
use sinmungo_core::domain::geo::MunicipalityCode;
use sinmungo_core::domain::stats::{AgeBand, Compliance, Durations, StatsGroup, StatsQuery};
use sinmungo_core::domain::status::ReportStatus;
use sinmungo_core::ports::StoreError;

use crate::dialect::Dialect;
use crate::report_list::Piece;
use crate::row::{FromSqlRow, RowReader};
use crate::value::{SqlValue, SqlWriter};

/// Resolved or closed, with a resolution time: the base of the resolution figures.
const RESOLVED: &str = "r.status IN ('resolved', 'closed') AND r.resolved_at IS NOT NULL";

/// What a dialect writes itself.
pub trait StatsDialect {
    /// The Korean (UTC+9) date of `r.created_at`, as `YYYY-MM-DD` text.
    const KOREAN_DATE: &'static str;

    /// The whole seconds (truncated) from `earlier` to `later`, two time
    /// columns of `r`, as a 64-bit integer.
    fn seconds_between(later: &str, earlier: &str) -> String;
}

/// The statistics queries of one [`StatsQuery`] at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct StatsPlan {
    conditions: Vec<Vec<Piece>>,
    cuts: [DateTime<Utc>; 4],
}

impl StatsPlan {
    /// The plan of `query`, the backlog aged at `now`.
    pub fn new(query: &StatsQuery, now: DateTime<Utc>) -> Self {
        use Piece::{Bind, Sql};
        let mut conditions = Vec::new();
        if let Some(since) = query.since {
            conditions.push(vec![
                Sql("r.created_at >= "),
                Bind(SqlValue::Time(Some(since))),
            ]);
        }
        if let Some(until) = query.until {
            conditions.push(vec![
                Sql("r.created_at < "),
                Bind(SqlValue::Time(Some(until))),
            ]);
        }
        if let Some(city) = &query.jurisdiction {
            let prefix = city.as_str().get(..4).unwrap_or_default();
            conditions.push(vec![
                Sql("r.jurisdiction_code BETWEEN "),
                Bind(SqlValue::text(format!("{prefix}0"))),
                Sql(" AND "),
                Bind(SqlValue::text(format!("{prefix}9"))),
                Sql(" AND length(r.jurisdiction_code) = 5"),
            ]);
        }
        if let Some(department) = &query.department {
            conditions.push(vec![
                Sql("r.department = "),
                Bind(SqlValue::text(department.as_str())),
            ]);
        }
        if let Some(category) = &query.category {
            conditions.push(vec![
                Sql("r.category = "),
                Bind(SqlValue::text(category.as_str())),
            ]);
        }
        Self {
            conditions,
            cuts: AgeBand::cuts(now),
        }
    }

    /// ` FROM reports AS r WHERE …`, the filters and `extra` (plain SQL) joined with AND.
    fn write_from(&self, sql: &mut impl SqlWriter, extra: Option<&str>) {
        sql.push(" FROM reports AS r");
        let mut keyword = " WHERE ";
        for condition in &self.conditions {
            sql.push(keyword);
            keyword = " AND ";
            for piece in condition {
                match piece {
                    Piece::Sql(text) => sql.push(text),
                    Piece::Bind(value) => sql.bind(value.clone()),
                }
            }
        }
        if let Some(extra) = extra {
            sql.push(keyword);
            sql.push(extra);
        }
    }

    /// The grouped counts, read with [`StatsGroup`]'s [`FromSqlRow`].
    pub fn write_groups(&self, sql: &mut impl SqlWriter) {
        sql.push(
            "SELECT r.status AS status, r.category AS category, r.department AS department, \
             substr(r.jurisdiction_code, 1, 4) || '0' AS jurisdiction, \
             CAST(CASE WHEN r.status IN ('received', 'assigned', 'in_progress') THEN CASE",
        );
        for (i, cut) in self.cuts.iter().enumerate() {
            sql.push(" WHEN r.created_at > ");
            sql.bind(SqlValue::Time(Some(*cut)));
            sql.push(&format!(" THEN {i}"));
        }
        sql.push(&format!(
            " ELSE {} END END AS BIGINT) AS band, \
             COUNT(*) AS reports, \
             SUM(CASE WHEN {RESOLVED} THEN 1 ELSE 0 END) AS resolved, \
             SUM(CASE WHEN {RESOLVED} AND r.resolved_at <= r.due_at THEN 1 ELSE 0 END) AS in_time",
            self.cuts.len()
        ));
        self.write_from(sql, None);
        sql.push(" GROUP BY 1, 2, 3, 4, 5");
    }

    /// The counts per Korean day, read with [`DayCount`].
    pub fn write_days<S: StatsDialect>(&self, sql: &mut impl SqlWriter) {
        sql.push(&format!(
            "SELECT {} AS day, COUNT(*) AS reports",
            S::KOREAN_DATE
        ));
        self.write_from(sql, None);
        sql.push(" GROUP BY 1");
    }

    /// Both durations' counts and percentiles, one row read with [`BothDurations`].
    pub fn write_durations<S: StatsDialect>(&self, sql: &mut impl SqlWriter) {
        sql.push("SELECT a.n AS response_count, a.median AS response_median, a.p90 AS response_p90, \
                  b.n AS resolution_count, b.median AS resolution_median, b.p90 AS resolution_p90 FROM ");
        self.write_ranked(
            sql,
            &S::seconds_between("r.responded_at", "r.created_at"),
            "r.responded_at IS NOT NULL",
        );
        sql.push(" AS a CROSS JOIN ");
        self.write_ranked(
            sql,
            &S::seconds_between("r.resolved_at", "r.created_at"),
            RESOLVED,
        );
        sql.push(" AS b");
    }

    /// One duration's count, median and 90th percentile: the values
    /// numbered in order, the one at each nearest rank ⌈p·n/100⌉ picked
    /// (in integers, as [`rank`](sinmungo_core::domain::stats::rank) does).
    fn write_ranked(&self, sql: &mut impl SqlWriter, seconds: &str, only: &str) {
        sql.push(
            "(SELECT COUNT(*) AS n, \
             MAX(CASE WHEN rn = (total * 50 + 99) / 100 THEN secs END) AS median, \
             MAX(CASE WHEN rn = (total * 90 + 99) / 100 THEN secs END) AS p90 \
             FROM (SELECT secs, ROW_NUMBER() OVER (ORDER BY secs) AS rn, COUNT(*) OVER () AS total \
             FROM (SELECT ",
        );
        sql.push(seconds);
        sql.push(" AS secs");
        self.write_from(sql, Some(only));
        sql.push(") AS d) AS ranked)");
    }
}

impl<D: Dialect> FromSqlRow<D> for StatsGroup {
    fn from_row(row: &D::Row) -> Result<Self, StoreError> {
        let r = RowReader::<D>::new(row, "reports");
        let band: Option<i64> = r.get("band")?;
        Ok(Self {
            status: r.parse("status", ReportStatus::parse)?,
            category: r.parse("category", CategoryCode::new)?,
            department: r.parse_optional("department", DepartmentCode::new)?,
            jurisdiction: r.parse("jurisdiction", MunicipalityCode::new)?,
            band: band
                .map(|b| AgeBand::from_index(b).ok_or_else(|| r.corrupt("band", b)))
                .transpose()?,
            reports: r.count("reports")?,
            compliance: Compliance {
                resolved: r.count("resolved")?,
                in_time: r.count("in_time")?,
            },
        })
    }
}

/// Reports of one Korean day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayCount(pub NaiveDate, pub u64);

impl<D: Dialect> FromSqlRow<D> for DayCount {
    fn from_row(row: &D::Row) -> Result<Self, StoreError> {
        let r = RowReader::<D>::new(row, "reports");
        Ok(Self(
            r.parse("day", |raw| NaiveDate::parse_from_str(raw, "%Y-%m-%d"))?,
            r.count("reports")?,
        ))
    }
}

/// Time to first response and to resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BothDurations {
    /// To first response.
    pub first_response: Durations,
    /// To resolution.
    pub resolution: Durations,
}

impl<D: Dialect> FromSqlRow<D> for BothDurations {
    fn from_row(row: &D::Row) -> Result<Self, StoreError> {
        let r = RowReader::<D>::new(row, "reports");
        let durations = |prefix: &str| -> Result<Durations, StoreError> {
            Ok(Durations {
                count: r.count(&format!("{prefix}_count"))?,
                median_seconds: r.get(&format!("{prefix}_median"))?,
                p90_seconds: r.get(&format!("{prefix}_p90"))?,
            })
        };
        Ok(Self {
            first_response: durations("response")?,
            resolution: durations("resolution")?,
        })
    }
}
