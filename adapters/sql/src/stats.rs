//! The statistics queries, once for both SQL stores (definitions:
//! [`sinmungo_core::domain::stats`]), in two round trips of one snapshot:
//!
//! 1. **groups**: counts grouped by the stored status, category, department
//!    and district, with the first responses, resolutions, those in time
//!    and the open reports of each age band summed — every count, the
//!    backlog and the compliance figures are sums of these few hundred rows
//!    ([`Stats::assemble`](sinmungo_core::domain::stats::Stats::assemble));
//!    and **days**: counts by Korean date (the date expression is the dialect's);
//! 2. **durations**: each percentile is the value at its nearest rank,
//!    `ORDER BY … LIMIT 1 OFFSET rank − 1`, the counts known from 1.
//!
//! Both stores keep the durations as generated columns, `response_seconds`
//! and `resolution_seconds` (whole seconds, truncated; see their
//! migrations), each with an index in its order, so a percentile walks an
//! index instead of sorting a million rows. The filters are the same plain
//! SQL everywhere; a city or county matches its districts as the code range
//! `35010`–`35019`.

use chrono::{DateTime, NaiveDate, Utc};
use sinmungo_core::domain::category::CategoryCode;
use sinmungo_core::domain::department::DepartmentCode;
use sinmungo_core::domain::geo::Jurisdiction;
use sinmungo_core::domain::stats::{
    rank, AgeBand, Compliance, Durations, Stats, StatsGroup, StatsQuery,
};
use sinmungo_core::domain::status::ReportStatus;
use sinmungo_core::ports::StoreError;

use crate::dialect::Dialect;
use crate::report_list::Piece;
use crate::row::{FromSqlRow, RowReader};
use crate::value::{SqlValue, SqlWriter};

/// [`ReportStatus::is_open`].
const OPEN: &str = "r.status IN ('received', 'assigned', 'in_progress')";

/// Resolved or closed, with a resolution time: the base of the resolution figures.
const RESOLVED: &str = "r.status IN ('resolved', 'closed') AND r.resolved_at IS NOT NULL";

/// What a dialect writes itself.
pub trait StatsDialect {
    /// The Korean (UTC+9) date of `r.created_at`, as `YYYY-MM-DD` text.
    const KOREAN_DATE: &'static str;
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

    /// The grouped counts, read with [`StatsGroup`]'s [`FromSqlRow`]:
    /// grouped by the stored columns themselves (districts become cities
    /// when read), the age bands summed, so that an index on the four
    /// columns delivers the groups in order without a sort.
    pub fn write_groups(&self, sql: &mut impl SqlWriter) {
        sql.push(&format!(
            "SELECT r.status AS status, r.category AS category, r.department AS department, \
             r.jurisdiction_code AS jurisdiction_code, COUNT(*) AS reports, \
             SUM(CASE WHEN {RESOLVED} THEN 1 ELSE 0 END) AS resolved, \
             SUM(CASE WHEN {RESOLVED} AND r.resolved_at <= r.due_at THEN 1 ELSE 0 END) AS in_time, \
             SUM(CASE WHEN r.responded_at IS NOT NULL THEN 1 ELSE 0 END) AS responded"
        ));
        for band in 0..=self.cuts.len() {
            sql.push(&format!(", SUM(CASE WHEN {OPEN}"));
            if let Some(younger) = band.checked_sub(1).and_then(|i| self.cuts.get(i)) {
                sql.push(" AND r.created_at <= ");
                sql.bind(SqlValue::Time(Some(*younger)));
            }
            if let Some(older) = self.cuts.get(band) {
                sql.push(" AND r.created_at > ");
                sql.bind(SqlValue::Time(Some(*older)));
            }
            sql.push(&format!(" THEN 1 ELSE 0 END) AS band{band}"));
        }
        self.write_from(sql, None);
        sql.push(" GROUP BY r.status, r.category, r.department, r.jurisdiction_code");
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

    /// The medians and 90th percentiles of both durations, one row read
    /// with [`Percentiles`], given how many reports had a first response
    /// and a resolution (from the groups).
    pub fn write_percentiles(&self, sql: &mut impl SqlWriter, responded: u64, resolved: u64) {
        let mut separator = "SELECT ";
        for (column, count) in [
            ("response_seconds", responded),
            ("resolution_seconds", resolved),
        ] {
            for percent in [50, 90] {
                sql.push(separator);
                separator = ", ";
                sql.push(&format!("(SELECT r.{column}"));
                self.write_from(sql, Some(&format!("r.{column} IS NOT NULL")));
                sql.push(&format!(" ORDER BY r.{column} LIMIT 1 OFFSET "));
                // No rank without values: the subquery then finds nothing.
                let offset = rank(count, percent).map_or(0, |r| r - 1);
                sql.bind(SqlValue::Integer(Some(
                    i64::try_from(offset).unwrap_or(i64::MAX),
                )));
                sql.push(&format!(") AS {column}_p{percent}"));
            }
        }
    }
}

impl<D: Dialect> FromSqlRow<D> for StatsGroup {
    fn from_row(row: &D::Row) -> Result<Self, StoreError> {
        let r = RowReader::<D>::new(row, "reports");
        let district: String = r.get("jurisdiction_code")?;
        let jurisdiction = Jurisdiction {
            code: district,
            name: String::new(),
        }
        .city_or_county();
        let mut backlog = [0; 5];
        for (i, count) in backlog.iter_mut().enumerate() {
            *count = r.count(&format!("band{i}"))?;
        }
        Ok(Self {
            status: r.parse("status", ReportStatus::parse)?,
            category: r.parse("category", CategoryCode::new)?,
            department: r.parse_optional("department", DepartmentCode::new)?,
            jurisdiction,
            reports: r.count("reports")?,
            responded: r.count("responded")?,
            compliance: Compliance {
                resolved: r.count("resolved")?,
                in_time: r.count("in_time")?,
            },
            backlog,
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

/// The medians and 90th percentiles of both durations, in whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Percentiles {
    /// Time to first response: median, 90th percentile.
    pub first_response: (Option<i64>, Option<i64>),
    /// Time to resolution: median, 90th percentile.
    pub resolution: (Option<i64>, Option<i64>),
}

impl<D: Dialect> FromSqlRow<D> for Percentiles {
    fn from_row(row: &D::Row) -> Result<Self, StoreError> {
        let r = RowReader::<D>::new(row, "reports");
        Ok(Self {
            first_response: (
                r.get("response_seconds_p50")?,
                r.get("response_seconds_p90")?,
            ),
            resolution: (
                r.get("resolution_seconds_p50")?,
                r.get("resolution_seconds_p90")?,
            ),
        })
    }
}

/// The statistics of the groups, days and percentiles read.
pub fn assemble(groups: &[StatsGroup], days: Vec<DayCount>, percentiles: Percentiles) -> Stats {
    let (responded, resolved) = counts(groups);
    let durations = |count, (median, p90): (Option<i64>, Option<i64>)| Durations {
        count,
        median_seconds: median,
        p90_seconds: p90,
    };
    Stats::assemble(
        groups,
        days.into_iter().map(|DayCount(day, n)| (day, n)).collect(),
        durations(responded, percentiles.first_response),
        durations(resolved, percentiles.resolution),
    )
}

/// How many reports of the groups had a first response, and a resolution.
pub fn counts(groups: &[StatsGroup]) -> (u64, u64) {
    groups.iter().fold((0, 0), |(responded, resolved), g| {
        (responded + g.responded, resolved + g.compliance.resolved)
    })
}
