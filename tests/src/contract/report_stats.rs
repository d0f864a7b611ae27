//! `ReportStore::stats`: exact figures over a fixture of 20 known reports,
//! the window and the filters (definitions: `sinmungo_core::domain::stats`).

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use sinmungo_core::domain::category::CategoryCode;
use sinmungo_core::domain::department::DepartmentCode;
use sinmungo_core::domain::geo::{Jurisdiction, MunicipalityCode};
use sinmungo_core::domain::stats::{AgeBand, Compliance, Durations, Stats, StatsQuery};
use sinmungo_core::domain::status::ReportStatus;

use crate::contract::fixtures::{category, department, parsed, t, t0, World};
use crate::contract::{CheckResult, Stores};

const H: i64 = 3600;
const D: i64 = 86_400;

/// The moment the statistics are taken: 40 days after `t0`.
fn now() -> DateTime<Utc> {
    t(40 * D)
}

/// One fixture report: when it was made (seconds after `t0`), its status,
/// category, department, district, and its first response, resolution and
/// resolution deadline (microseconds after its creation).
struct Known {
    n: u64,
    created: i64,
    status: ReportStatus,
    streetlight: bool,
    routed: bool,
    district: &'static str,
    responded_us: Option<i64>,
    resolved_us: Option<i64>,
    due_us: i64,
}

const S: i64 = 1_000_000;

fn known() -> Vec<Known> {
    use ReportStatus::*;
    let k = |n,
             created,
             status,
             streetlight,
             district,
             responded: Option<i64>,
             resolved: Option<i64>,
             due: i64| Known {
        n,
        created,
        status,
        streetlight,
        routed: true,
        district,
        responded_us: responded.map(|s| s * S),
        resolved_us: resolved.map(|s| s * S),
        due_us: due * S,
    };
    let mut reports = vec![
        k(1, 0, Received, false, "35011", None, None, 7 * D),
        k(2, H, Assigned, false, "35012", Some(2 * H), None, 7 * D),
        k(
            3,
            35 * D,
            InProgress,
            false,
            "35011",
            Some(1800),
            None,
            7 * D,
        ),
        k(4, 38 * D + H, Received, false, "35011", None, None, 7 * D),
        k(5, 40 * D - H, Received, true, "35011", None, None, 7 * D),
        k(6, 20 * D, InProgress, false, "35012", Some(D), None, 7 * D),
        k(7, D, Resolved, false, "35011", Some(H), Some(10 * H), 7 * D),
        k(
            8,
            D + 2 * H,
            Resolved,
            false,
            "35011",
            Some(3 * H),
            Some(3 * D),
            7 * D,
        ),
        k(
            9,
            2 * D,
            Closed,
            false,
            "35012",
            Some(1800),
            Some(8 * D),
            7 * D,
        ),
        k(
            10,
            2 * D,
            Closed,
            true,
            "35011",
            Some(1200),
            Some(2 * D),
            7 * D,
        ),
        // Resolved exactly at its deadline: in time.
        k(11, 3 * D, Resolved, false, "35011", Some(5 * H), Some(D), D),
        k(12, 3 * D, Resolved, false, "35011", None, None, 7 * D),
        k(
            13,
            4 * D,
            Rejected,
            false,
            "35011",
            Some(6 * H),
            None,
            7 * D,
        ),
        k(14, 4 * D, Duplicate, false, "35011", None, None, 7 * D),
        // Closed without a resolution: no resolution figures.
        k(15, 5 * D, Closed, false, "35011", Some(2 * H), None, 7 * D),
        k(
            16,
            6 * D,
            Resolved,
            true,
            "35020",
            Some(4 * H),
            Some(5 * D),
            3 * D,
        ),
        k(
            17,
            39 * D + 12 * H,
            Received,
            false,
            "35020",
            None,
            None,
            7 * D,
        ),
        k(
            18,
            39 * D + 20 * H,
            Received,
            true,
            "35011",
            None,
            None,
            7 * D,
        ),
        // 00:00 on 26 November in Korea, still the 25th in UTC.
        k(
            19,
            -10 * H,
            Resolved,
            false,
            "35011",
            Some(H),
            Some(2 * H),
            7 * D,
        ),
        // Exactly 30 days old, and routed nowhere.
        k(20, 10 * D, Received, false, "35011", None, None, 7 * D),
    ];
    // Fractions of a second: 1.9 s and 100.5 s count as 1 and 100.
    reports[11].responded_us = Some(1_900_000);
    reports[11].resolved_us = Some(100_500_000);
    reports[19].routed = false;
    reports
}

/// Creates the fixture reports.
async fn seed(w: &World<'_>) -> anyhow::Result<()> {
    let streetlight = category("streetlight")?;
    let streetlight_department = department("streetlight_management")?;
    for known in known() {
        let created = t(known.created);
        let at = |us: i64| created + TimeDelta::microseconds(us);
        w.create(known.n, |r| {
            r.created_at = created;
            r.updated_at = created;
            r.status_changed_at = created;
            r.status = known.status;
            if known.streetlight {
                r.category = streetlight.clone();
                r.department = Some(streetlight_department.clone());
            }
            if !known.routed {
                r.department = None;
            }
            r.jurisdiction = Jurisdiction {
                code: known.district.to_owned(),
                name: "fixture".to_owned(),
            };
            r.respond_by = created + TimeDelta::days(1);
            r.due_at = at(known.due_us);
            r.responded_at = known.responded_us.map(at);
            r.resolved_at = known.resolved_us.map(at);
        })
        .await?;
    }
    Ok(())
}

fn city(code: &str) -> anyhow::Result<MunicipalityCode> {
    parsed(MunicipalityCode::new(code))
}

fn date(y: i32, m: u32, d: u32) -> anyhow::Result<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| anyhow::anyhow!("bad date"))
}

fn statuses(counts: [u64; 7]) -> Vec<(ReportStatus, u64)> {
    ReportStatus::ALL.into_iter().zip(counts).collect()
}

fn bands(counts: [u64; 5]) -> Vec<(AgeBand, u64)> {
    AgeBand::ALL.into_iter().zip(counts).collect()
}

fn codes() -> anyhow::Result<(CategoryCode, CategoryCode, DepartmentCode, DepartmentCode)> {
    Ok((
        category("road_damage")?,
        category("streetlight")?,
        department("road_management")?,
        department("streetlight_management")?,
    ))
}

/// Every figure over every report: counts, durations by nearest rank,
/// compliance, backlog bands, Korean days.
pub async fn stats_count_every_figure_of_known_reports(stores: &Stores) -> CheckResult {
    let w = World::new(stores).await?;
    seed(&w).await?;
    let (road, light, road_dept, light_dept) = codes()?;
    let stats = w.reports().stats(&StatsQuery::default(), now()).await?;
    let expected = Stats {
        total: 20,
        // received, assigned, in_progress, resolved, rejected, closed, duplicate
        by_status: statuses([6, 1, 2, 6, 1, 3, 1]),
        by_category: vec![(road, 16), (light, 4)],
        by_department: vec![
            (None, 1),
            (Some(road_dept.clone()), 15),
            (Some(light_dept.clone()), 4),
        ],
        by_jurisdiction: vec![(city("35010")?, 18), (city("35020")?, 2)],
        // 1, 1200, 1800, 1800, 3600, 3600, 7200 | 7200, 10800, 14400, 18000, 21600, 86400
        first_response: Durations {
            count: 13,
            median_seconds: Some(7200),
            p90_seconds: Some(21_600),
        },
        // 100, 7200, 36000, 86400 | 172800, 259200, 432000, 691200
        resolution: Durations {
            count: 8,
            median_seconds: Some(86_400),
            p90_seconds: Some(691_200),
        },
        compliance: Compliance {
            resolved: 8,
            in_time: 6,
        },
        compliance_by_department: vec![
            (
                Some(road_dept),
                Compliance {
                    resolved: 6,
                    in_time: 5,
                },
            ),
            (
                Some(light_dept),
                Compliance {
                    resolved: 2,
                    in_time: 1,
                },
            ),
        ],
        backlog: bands([3, 1, 1, 1, 3]),
        per_day: vec![
            (date(2026, 11, 26)?, 3),
            (date(2026, 11, 27)?, 2),
            (date(2026, 11, 28)?, 2),
            (date(2026, 11, 29)?, 2),
            (date(2026, 11, 30)?, 2),
            (date(2026, 12, 1)?, 1),
            (date(2026, 12, 2)?, 1),
            (date(2026, 12, 6)?, 1),
            (date(2026, 12, 16)?, 1),
            (date(2026, 12, 31)?, 1),
            (date(2027, 1, 3)?, 1),
            (date(2027, 1, 4)?, 1),
            (date(2027, 1, 5)?, 2),
        ],
    };
    assert_eq!(stats, expected);
    assert_eq!(stats.compliance.percent(), Some(75.0));
    Ok(())
}

/// `[since, until)` on the creation time; a city or county takes in its
/// districts; department and category narrow; nothing matching is all zeros.
pub async fn stats_filters_by_window_jurisdiction_department_and_category(
    stores: &Stores,
) -> CheckResult {
    let w = World::new(stores).await?;
    seed(&w).await?;
    let (_, light, road_dept, light_dept) = codes()?;
    let w = &w;
    let stats = |query: StatsQuery| async move { w.reports().stats(&query, now()).await };

    let window = stats(StatsQuery {
        since: Some(t0()),
        until: Some(t(3 * D)),
        ..StatsQuery::default()
    })
    .await?;
    assert_eq!(window.total, 6, "reports 1, 2, 7, 8, 9, 10");
    assert_eq!(window.by_status, statuses([1, 1, 0, 2, 0, 2, 0]));
    assert_eq!(
        window.first_response,
        Durations {
            count: 5,
            median_seconds: Some(3600),
            p90_seconds: Some(10_800),
        }
    );
    assert_eq!(
        window.resolution,
        Durations {
            count: 4,
            median_seconds: Some(172_800),
            p90_seconds: Some(691_200),
        }
    );
    assert_eq!(
        window.compliance,
        Compliance {
            resolved: 4,
            in_time: 3
        }
    );
    assert_eq!(window.backlog, bands([0, 0, 0, 0, 2]));
    assert_eq!(
        window.per_day,
        vec![
            (date(2026, 11, 26)?, 2),
            (date(2026, 11, 27)?, 2),
            (date(2026, 11, 28)?, 2)
        ]
    );

    let jeonju = stats(StatsQuery {
        jurisdiction: Some(city("35010")?),
        ..StatsQuery::default()
    })
    .await?;
    assert_eq!(jeonju.total, 18, "both districts of 전주시");
    assert_eq!(jeonju.by_jurisdiction, vec![(city("35010")?, 18)]);

    let gunsan_streetlights = stats(StatsQuery {
        jurisdiction: Some(city("35020")?),
        category: Some(light.clone()),
        ..StatsQuery::default()
    })
    .await?;
    assert_eq!(gunsan_streetlights.total, 1, "report 16");
    assert_eq!(
        gunsan_streetlights.compliance_by_department,
        vec![(
            Some(light_dept.clone()),
            Compliance {
                resolved: 1,
                in_time: 0
            }
        )]
    );

    let by_department = stats(StatsQuery {
        department: Some(light_dept),
        ..StatsQuery::default()
    })
    .await?;
    assert_eq!(by_department.total, 4);
    assert_eq!(by_department.by_category, vec![(light, 4)]);
    assert_eq!(by_department.backlog, bands([2, 0, 0, 0, 0]));
    let roads = stats(StatsQuery {
        department: Some(road_dept),
        ..StatsQuery::default()
    })
    .await?;
    assert_eq!(roads.total, 15);

    let nowhere = stats(StatsQuery {
        jurisdiction: Some(city("35030")?),
        ..StatsQuery::default()
    })
    .await?;
    assert_eq!(
        nowhere,
        Stats {
            by_status: statuses([0; 7]),
            backlog: bands([0; 5]),
            ..Stats::default()
        }
    );
    Ok(())
}
