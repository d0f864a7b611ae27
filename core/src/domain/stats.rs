//! Statistics of reports (통계): what they count, how percentiles are taken,
//! and what the public may see of them.
//!
//! Every store computes the same [`Stats`] for a [`StatsQuery`]; the
//! definitions are here, once:
//! - a report is counted when its `created_at` is in `[since, until)` and it
//!   matches the jurisdiction (its city or county: `35010` covers `35011`
//!   and `35012`), department and category asked for;
//! - **time to first response** is `responded_at − created_at`, over reports
//!   with a `responded_at`; **time to resolution** is `resolved_at −
//!   created_at`, over reports resolved or closed with a `resolved_at`; both
//!   in whole seconds, truncated;
//! - **percentiles** are by nearest rank ([`nearest_rank`]): the smallest
//!   value such that at least p % of the values are ≤ it (PostgreSQL's
//!   `percentile_disc`); the median is the 50th;
//! - **SLA compliance** is, of the reports resolved or closed (with a
//!   `resolved_at`), the share resolved by their `due_at`;
//! - the **backlog** is the open reports (received, assigned, in progress)
//!   by their age at the time asked ([`AgeBand`]);
//! - **reports per day** are by the Korean (UTC+9) calendar date of `created_at`.
//!
//! The public see only counts and medians, and no count under
//! [`SUPPRESSION_THRESHOLD`] ([`StatsReport::public`]).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use crate::domain::category::CategoryCode;
use crate::domain::department::DepartmentCode;
use crate::domain::geo::MunicipalityCode;
use crate::domain::report::Report;
use crate::domain::status::ReportStatus;

/// The smallest count the public sees: a cell counting fewer reports is
/// withheld, so that no published number singles out a person.
pub const SUPPRESSION_THRESHOLD: u64 = 5;

/// The Korean calendar date of `time` (KST is UTC+9, with no daylight saving).
pub fn korean_date(time: DateTime<Utc>) -> NaiveDate {
    (time + TimeDelta::hours(9)).date_naive()
}

/// Which reports statistics are taken over; every filter is optional and they combine with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatsQuery {
    /// Only reports created at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only reports created before this time.
    pub until: Option<DateTime<Utc>>,
    /// Only reports in this city or county (its districts included).
    pub jurisdiction: Option<MunicipalityCode>,
    /// Only reports of this department.
    pub department: Option<DepartmentCode>,
    /// Only reports of this category.
    pub category: Option<CategoryCode>,
}

impl StatsQuery {
    /// Whether `report` is counted.
    pub fn covers(&self, report: &Report) -> bool {
        self.since.is_none_or(|since| report.created_at >= since)
            && self.until.is_none_or(|until| report.created_at < until)
            && self
                .jurisdiction
                .as_ref()
                .is_none_or(|j| &report.jurisdiction.city_or_county() == j)
            && self
                .department
                .as_ref()
                .is_none_or(|d| report.department.as_ref() == Some(d))
            && self.category.as_ref().is_none_or(|c| &report.category == c)
    }
}

/// How long an open report has been waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AgeBand {
    /// Under a day.
    UnderOneDay,
    /// One day to under three.
    OneToThreeDays,
    /// Three days to under seven.
    ThreeToSevenDays,
    /// Seven days to under thirty.
    SevenToThirtyDays,
    /// Thirty days or more.
    ThirtyDaysOrMore,
}

impl AgeBand {
    /// Every band, youngest first.
    pub const ALL: [Self; 5] = [
        Self::UnderOneDay,
        Self::OneToThreeDays,
        Self::ThreeToSevenDays,
        Self::SevenToThirtyDays,
        Self::ThirtyDaysOrMore,
    ];

    /// Where each band but the last ends, in days of age.
    pub const LIMITS_DAYS: [i64; 4] = [1, 3, 7, 30];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UnderOneDay => "under_1d",
            Self::OneToThreeDays => "1d_to_3d",
            Self::ThreeToSevenDays => "3d_to_7d",
            Self::SevenToThirtyDays => "7d_to_30d",
            Self::ThirtyDaysOrMore => "30d_or_more",
        }
    }

    /// The band of a report created at `created_at`, seen at `now` (a
    /// report from the future is under a day old).
    pub fn of(created_at: DateTime<Utc>, now: DateTime<Utc>) -> Self {
        Self::cuts(now)
            .iter()
            .position(|&cut| created_at > cut)
            .and_then(|i| Self::ALL.get(i).copied())
            .unwrap_or(Self::ThirtyDaysOrMore)
    }

    /// The creation times where the bands meet at `now`, youngest first: a
    /// report created after `cuts[i]` is in band `i` or a younger one.
    pub fn cuts(now: DateTime<Utc>) -> [DateTime<Utc>; 4] {
        Self::LIMITS_DAYS.map(|days| now - TimeDelta::days(days))
    }
}

/// The value at percentile `percent` (1–100) of `sorted` (ascending) by
/// nearest rank: the element at rank ⌈percent × n / 100⌉, the smallest value
/// such that at least `percent` % of the values are ≤ it. `None` when empty.
pub fn nearest_rank(sorted: &[i64], percent: u8) -> Option<i64> {
    let rank = rank(sorted.len() as u64, percent)?;
    usize::try_from(rank - 1)
        .ok()
        .and_then(|i| sorted.get(i).copied())
}

/// The 1-based rank [`nearest_rank`] takes of `n` values (`None` when `n` is 0).
pub fn rank(n: u64, percent: u8) -> Option<u64> {
    (n > 0).then(|| (n * u64::from(percent)).div_ceil(100).max(1))
}

/// How long something took, over the reports it happened to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Durations {
    /// How many reports.
    pub count: u64,
    /// The median, in whole seconds.
    pub median_seconds: Option<i64>,
    /// The 90th percentile, in whole seconds.
    pub p90_seconds: Option<i64>,
}

impl Durations {
    /// The durations of `seconds`, in any order.
    pub fn of(mut seconds: Vec<i64>) -> Self {
        seconds.sort_unstable();
        Self {
            count: seconds.len() as u64,
            median_seconds: nearest_rank(&seconds, 50),
            p90_seconds: nearest_rank(&seconds, 90),
        }
    }
}

/// Resolutions and how many of them met the deadline.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Compliance {
    /// Reports resolved or closed.
    pub resolved: u64,
    /// Of those, resolved by their `due_at`.
    pub in_time: u64,
}

impl Compliance {
    /// The share in time, in percent rounded to one decimal (`None` with no resolutions).
    pub fn percent(self) -> Option<f64> {
        (self.resolved > 0)
            .then(|| (self.in_time as f64 * 1000.0 / self.resolved as f64).round() / 10.0)
    }

    fn add(&mut self, other: Self) {
        self.resolved += other.resolved;
        self.in_time += other.in_time;
    }
}

/// One cell of the breakdown every store computes in one grouped query: the
/// reports sharing a status, category, department and city or county, with
/// their resolutions and (open reports) their ages summed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsGroup {
    /// Their status.
    pub status: ReportStatus,
    /// Their category.
    pub category: CategoryCode,
    /// Their department.
    pub department: Option<DepartmentCode>,
    /// Their city or county.
    pub jurisdiction: MunicipalityCode,
    /// How many reports.
    pub reports: u64,
    /// How many of them had a first response.
    pub responded: u64,
    /// Resolved or closed, with their resolution deadline ([`Compliance`]).
    pub compliance: Compliance,
    /// The open ones by age, in the order of [`AgeBand::ALL`].
    pub backlog: [u64; 5],
}

/// Statistics of the reports a [`StatsQuery`] selects, at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// Every report counted.
    pub total: u64,
    /// By status, every status (zeros included), in lifecycle order.
    pub by_status: Vec<(ReportStatus, u64)>,
    /// By category, by code.
    pub by_category: Vec<(CategoryCode, u64)>,
    /// By department (`None`: not routed), by code, `None` first.
    pub by_department: Vec<(Option<DepartmentCode>, u64)>,
    /// By city or county, by code.
    pub by_jurisdiction: Vec<(MunicipalityCode, u64)>,
    /// Time to first response.
    pub first_response: Durations,
    /// Time to resolution.
    pub resolution: Durations,
    /// SLA compliance of every resolution.
    pub compliance: Compliance,
    /// SLA compliance by department, those with resolutions only, by code.
    pub compliance_by_department: Vec<(Option<DepartmentCode>, Compliance)>,
    /// Open reports by age, every band (zeros included), youngest first.
    pub backlog: Vec<(AgeBand, u64)>,
    /// Reports by the Korean date they were made, days with reports only, oldest first.
    pub per_day: Vec<(NaiveDate, u64)>,
}

impl Stats {
    /// Assembles the statistics from the grouped counts, the days and the durations.
    pub fn assemble(
        groups: &[StatsGroup],
        per_day: Vec<(NaiveDate, u64)>,
        first_response: Durations,
        resolution: Durations,
    ) -> Self {
        let mut by_status: BTreeMap<usize, u64> = BTreeMap::new();
        let mut by_category: BTreeMap<&CategoryCode, u64> = BTreeMap::new();
        let mut by_department: BTreeMap<Option<&DepartmentCode>, u64> = BTreeMap::new();
        let mut by_jurisdiction: BTreeMap<&MunicipalityCode, u64> = BTreeMap::new();
        let mut by_band: BTreeMap<AgeBand, u64> = BTreeMap::new();
        let mut compliance = Compliance::default();
        let mut compliance_by_department: BTreeMap<Option<&DepartmentCode>, Compliance> =
            BTreeMap::new();
        let mut total = 0;
        for group in groups {
            total += group.reports;
            let status = ReportStatus::ALL
                .iter()
                .position(|&s| s == group.status)
                .unwrap_or(0);
            *by_status.entry(status).or_default() += group.reports;
            *by_category.entry(&group.category).or_default() += group.reports;
            *by_department.entry(group.department.as_ref()).or_default() += group.reports;
            *by_jurisdiction.entry(&group.jurisdiction).or_default() += group.reports;
            for (band, count) in AgeBand::ALL.into_iter().zip(group.backlog) {
                *by_band.entry(band).or_default() += count;
            }
            compliance.add(group.compliance);
            if group.compliance.resolved > 0 {
                compliance_by_department
                    .entry(group.department.as_ref())
                    .or_default()
                    .add(group.compliance);
            }
        }
        let mut per_day = per_day;
        per_day.sort_unstable();
        Self {
            total,
            by_status: ReportStatus::ALL
                .iter()
                .enumerate()
                .map(|(i, &s)| (s, by_status.get(&i).copied().unwrap_or(0)))
                .collect(),
            by_category: by_category
                .into_iter()
                .map(|(k, v)| (k.clone(), v))
                .collect(),
            by_department: by_department
                .into_iter()
                .map(|(k, v)| (k.cloned(), v))
                .collect(),
            by_jurisdiction: by_jurisdiction
                .into_iter()
                .map(|(k, v)| (k.clone(), v))
                .collect(),
            first_response,
            resolution,
            compliance,
            compliance_by_department: compliance_by_department
                .into_iter()
                .map(|(k, v)| (k.cloned(), v))
                .collect(),
            backlog: AgeBand::ALL
                .iter()
                .map(|&b| (b, by_band.get(&b).copied().unwrap_or(0)))
                .collect(),
            per_day,
        }
    }

    /// The statistics of `reports` that `query` selects, at `now`: the
    /// definitions of the module docs, computed one report at a time (the
    /// memory store's way, and the reference the SQL stores are checked against).
    pub fn of_reports<'a>(
        reports: impl IntoIterator<Item = &'a Report>,
        query: &StatsQuery,
        now: DateTime<Utc>,
    ) -> Self {
        let mut groups: BTreeMap<GroupKey, StatsGroup> = BTreeMap::new();
        let mut days: BTreeMap<NaiveDate, u64> = BTreeMap::new();
        let (mut responses, mut resolutions) = (Vec::new(), Vec::new());
        for report in reports.into_iter().filter(|r| query.covers(r)) {
            let resolved_at = report
                .resolved_at
                .filter(|_| matches!(report.status, ReportStatus::Resolved | ReportStatus::Closed));
            let group = StatsGroup {
                status: report.status,
                category: report.category.clone(),
                department: report.department.clone(),
                jurisdiction: report.jurisdiction.city_or_county(),
                reports: 0,
                responded: 0,
                compliance: Compliance::default(),
                backlog: [0; 5],
            };
            let key = GroupKey::of(&group);
            let entry = groups.entry(key).or_insert(group);
            entry.reports += 1;
            if report.status.is_open() {
                let band = AgeBand::of(report.created_at, now);
                if let Some(i) = AgeBand::ALL.iter().position(|&b| b == band) {
                    entry.backlog[i] += 1;
                }
            }
            if let Some(resolved_at) = resolved_at {
                entry.compliance.add(Compliance {
                    resolved: 1,
                    in_time: u64::from(resolved_at <= report.due_at),
                });
                resolutions.push((resolved_at - report.created_at).num_seconds());
            }
            if let Some(responded_at) = report.responded_at {
                entry.responded += 1;
                responses.push((responded_at - report.created_at).num_seconds());
            }
            *days.entry(korean_date(report.created_at)).or_default() += 1;
        }
        let groups: Vec<StatsGroup> = groups.into_values().collect();
        Self::assemble(
            &groups,
            days.into_iter().collect(),
            Durations::of(responses),
            Durations::of(resolutions),
        )
    }
}

/// What a [`StatsGroup`] is grouped by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct GroupKey(
    &'static str,
    CategoryCode,
    Option<DepartmentCode>,
    MunicipalityCode,
);

impl GroupKey {
    fn of(group: &StatsGroup) -> Self {
        Self(
            group.status.as_str(),
            group.category.clone(),
            group.department.clone(),
            group.jurisdiction.clone(),
        )
    }
}

/// A published count: `None` where it is withheld.
pub type Cell = Option<u64>;

/// Durations as published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishedDurations {
    /// How many reports.
    pub count: Cell,
    /// The median, in whole seconds.
    pub median_seconds: Option<i64>,
    /// The 90th percentile, in whole seconds (officials only).
    pub p90_seconds: Option<i64>,
}

/// SLA compliance as published.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PublishedCompliance {
    /// Reports resolved or closed.
    pub resolved: Cell,
    /// Of those, resolved in time.
    pub in_time: Cell,
    /// The share in time, in percent to one decimal.
    pub percent: Option<f64>,
}

/// Statistics as one audience may see them.
#[derive(Debug, Clone, PartialEq)]
pub struct StatsReport {
    /// The threshold under which counts are withheld, `None` for officials (nothing is).
    pub suppression_threshold: Option<u64>,
    /// Every report counted.
    pub total: Cell,
    /// By status (wire name).
    pub by_status: Vec<(String, Cell)>,
    /// By category code.
    pub by_category: Vec<(String, Cell)>,
    /// By department code (`None`: not routed).
    pub by_department: Vec<(Option<String>, Cell)>,
    /// By city or county code.
    pub by_jurisdiction: Vec<(String, Cell)>,
    /// Time to first response.
    pub first_response: PublishedDurations,
    /// Time to resolution.
    pub resolution: PublishedDurations,
    /// SLA compliance overall.
    pub compliance: PublishedCompliance,
    /// SLA compliance by department (officials only: empty for the public).
    pub compliance_by_department: Vec<(Option<String>, PublishedCompliance)>,
    /// Open reports by age band (wire name).
    pub backlog: Vec<(&'static str, Cell)>,
    /// Reports per Korean day.
    pub per_day: Vec<(NaiveDate, Cell)>,
}

impl StatsReport {
    /// Everything, for officials.
    pub fn full(stats: Stats) -> Self {
        Self::publish(stats, None)
    }

    /// What the public may see: counts and medians, every count under
    /// [`SUPPRESSION_THRESHOLD`] withheld, a median or a compliance share
    /// only over at least that many reports; no 90th percentiles and no
    /// compliance by department.
    pub fn public(stats: Stats) -> Self {
        Self::publish(stats, Some(SUPPRESSION_THRESHOLD))
    }

    fn publish(stats: Stats, threshold: Option<u64>) -> Self {
        let shown = |count: u64| suppress(count, threshold);
        let durations = |d: Durations| PublishedDurations {
            count: shown(d.count),
            median_seconds: d.median_seconds.filter(|_| shown(d.count).is_some()),
            p90_seconds: d.p90_seconds.filter(|_| threshold.is_none()),
        };
        let compliance = |c: Compliance| PublishedCompliance {
            resolved: shown(c.resolved),
            in_time: shown(c.in_time),
            percent: c.percent().filter(|_| shown(c.resolved).is_some()),
        };
        Self {
            suppression_threshold: threshold,
            total: shown(stats.total),
            by_status: stats
                .by_status
                .into_iter()
                .map(|(k, v)| (k.as_str().to_owned(), shown(v)))
                .collect(),
            by_category: stats
                .by_category
                .into_iter()
                .map(|(k, v)| (k.as_str().to_owned(), shown(v)))
                .collect(),
            by_department: stats
                .by_department
                .into_iter()
                .map(|(k, v)| (k.map(|d| d.as_str().to_owned()), shown(v)))
                .collect(),
            by_jurisdiction: stats
                .by_jurisdiction
                .into_iter()
                .map(|(k, v)| (k.as_str().to_owned(), shown(v)))
                .collect(),
            first_response: durations(stats.first_response),
            resolution: durations(stats.resolution),
            compliance: compliance(stats.compliance),
            compliance_by_department: if threshold.is_some() {
                Vec::new()
            } else {
                stats
                    .compliance_by_department
                    .into_iter()
                    .map(|(k, v)| (k.map(|d| d.as_str().to_owned()), compliance(v)))
                    .collect()
            },
            backlog: stats
                .backlog
                .into_iter()
                .map(|(k, v)| (k.as_str(), shown(v)))
                .collect(),
            per_day: stats
                .per_day
                .into_iter()
                .map(|(k, v)| (k, shown(v)))
                .collect(),
        }
    }
}

/// `count`, or `None` when a threshold is set and the count is under it
/// (zero included: that nobody reported is itself a small cell).
pub fn suppress(count: u64, threshold: Option<u64>) -> Cell {
    match threshold {
        Some(threshold) if count < threshold => None,
        _ => Some(count),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_is_the_smallest_value_covering_the_share() {
        let values: Vec<i64> = (1..=10).collect();
        assert_eq!(nearest_rank(&values, 50), Some(5));
        assert_eq!(nearest_rank(&values, 90), Some(9));
        assert_eq!(nearest_rank(&values, 100), Some(10));
        assert_eq!(nearest_rank(&[7], 50), Some(7));
        assert_eq!(nearest_rank(&[7], 90), Some(7));
        assert_eq!(nearest_rank(&[1, 2, 3], 50), Some(2));
        assert_eq!(nearest_rank(&[1, 2, 3, 4], 50), Some(2), "the lower median");
        assert_eq!(nearest_rank(&[1, 2, 3, 4], 90), Some(4));
        assert_eq!(nearest_rank(&[], 50), None);
        assert_eq!(rank(11, 90), Some(10));
        assert_eq!(rank(1_000_000, 90), Some(900_000));
    }

    #[test]
    fn age_bands_start_at_their_lower_limit() {
        let now = DateTime::UNIX_EPOCH + TimeDelta::days(100);
        let aged = |d: TimeDelta| AgeBand::of(now - d, now);
        assert_eq!(aged(TimeDelta::zero()), AgeBand::UnderOneDay);
        assert_eq!(aged(TimeDelta::hours(-5)), AgeBand::UnderOneDay);
        assert_eq!(
            aged(TimeDelta::days(1) - TimeDelta::microseconds(1)),
            AgeBand::UnderOneDay
        );
        assert_eq!(aged(TimeDelta::days(1)), AgeBand::OneToThreeDays);
        assert_eq!(aged(TimeDelta::days(3)), AgeBand::ThreeToSevenDays);
        assert_eq!(aged(TimeDelta::days(7)), AgeBand::SevenToThirtyDays);
        assert_eq!(aged(TimeDelta::days(29)), AgeBand::SevenToThirtyDays);
        assert_eq!(aged(TimeDelta::days(30)), AgeBand::ThirtyDaysOrMore);
        assert_eq!(aged(TimeDelta::days(400)), AgeBand::ThirtyDaysOrMore);
    }

    fn sample() -> Stats {
        let code = |c: &str| CategoryCode::new(c).unwrap_or_else(|e| panic!("{e:?}"));
        let dept = |c: &str| DepartmentCode::new(c).unwrap_or_else(|e| panic!("{e:?}"));
        let city = |c: &str| MunicipalityCode::new(c).unwrap_or_else(|e| panic!("{e:?}"));
        let group = |status, category: &str, reports, resolved, in_time| StatsGroup {
            status,
            category: code(category),
            department: Some(dept("road_management")),
            jurisdiction: city("35010"),
            reports,
            responded: resolved,
            compliance: Compliance { resolved, in_time },
            backlog: if status.is_open() {
                [reports, 0, 0, 0, 0]
            } else {
                [0; 5]
            },
        };
        let groups = [
            group(ReportStatus::Received, "road_damage", 4, 0, 0),
            group(ReportStatus::Resolved, "road_damage", 6, 6, 5),
            group(ReportStatus::Closed, "streetlight", 3, 3, 1),
        ];
        let day = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default();
        Stats::assemble(
            &groups,
            vec![(day, 13)],
            Durations::of(vec![10, 20, 30, 40]),
            Durations::of((1..=9).collect()),
        )
    }

    #[test]
    fn officials_see_every_number() {
        let report = StatsReport::full(sample());
        assert_eq!(report.suppression_threshold, None);
        assert_eq!(report.total, Some(13));
        assert_eq!(report.by_status[0], ("received".to_owned(), Some(4)));
        assert_eq!(report.by_status[1], ("assigned".to_owned(), Some(0)));
        assert_eq!(report.first_response.median_seconds, Some(20));
        assert_eq!(report.first_response.p90_seconds, Some(40));
        assert_eq!(report.compliance.percent, Some(66.7));
        assert_eq!(report.compliance_by_department.len(), 1);
        assert_eq!(report.backlog[0], ("under_1d", Some(4)));
    }

    #[test]
    fn the_public_see_no_count_under_five_and_no_tail_or_department_compliance() {
        let report = StatsReport::public(sample());
        assert_eq!(report.suppression_threshold, Some(5));
        assert_eq!(report.total, Some(13));
        let status = |name: &str| {
            report
                .by_status
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| *v)
        };
        assert_eq!(status("received"), Some(None), "4 is withheld");
        assert_eq!(status("resolved"), Some(Some(6)));
        assert_eq!(status("closed"), Some(None));
        assert_eq!(status("assigned"), Some(None), "0 is withheld too");
        assert_eq!(
            report.by_category,
            [
                ("road_damage".to_owned(), Some(10)),
                ("streetlight".to_owned(), None)
            ]
        );
        // A median over 4 reports is withheld; over 9 it is shown.
        assert_eq!(report.first_response.count, None);
        assert_eq!(report.first_response.median_seconds, None);
        assert_eq!(report.resolution.count, Some(9));
        assert_eq!(report.resolution.median_seconds, Some(5));
        assert_eq!(report.resolution.p90_seconds, None);
        assert_eq!(report.compliance.resolved, Some(9));
        assert_eq!(report.compliance.in_time, Some(6));
        assert_eq!(report.compliance.percent, Some(66.7));
        assert!(report.compliance_by_department.is_empty());
        assert_eq!(report.backlog[0], ("under_1d", None));
        assert_eq!(report.per_day[0].1, Some(13));
    }

    #[test]
    fn compliance_over_few_resolutions_is_withheld_from_the_public() {
        let mut stats = sample();
        stats.compliance = Compliance {
            resolved: 4,
            in_time: 4,
        };
        let report = StatsReport::public(stats);
        assert_eq!(report.compliance.percent, None);
        assert_eq!(report.compliance.resolved, None);
    }
}
