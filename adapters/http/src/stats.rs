//! Statistics as the API answers them: JSON, or CSV for spreadsheets.

use chrono::NaiveDate;
use serde::Serialize;

use crate::csv_text::CsvText;
use sinmungo_core::domain::stats::{Cell, PublishedCompliance, PublishedDurations, StatsReport};
use utoipa::ToSchema;

/// The JSON answer of `GET /api/v1/stats`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Stats)]
pub struct StatsDto {
    /// `official` (every figure) or `public`.
    audience: &'static str,
    suppression: SuppressionDto,
    /// `null` when withheld (fewer than the threshold).
    #[schema(value_type = Option<u64>)]
    total: Cell,
    by_status: Vec<CountDto>,
    by_category: Vec<CountDto>,
    by_department: Vec<CountDto>,
    by_jurisdiction: Vec<CountDto>,
    first_response: DurationsDto,
    resolution: DurationsDto,
    sla_compliance: ComplianceDto,
    sla_compliance_by_department: Vec<DepartmentComplianceDto>,
    backlog: Vec<CountDto>,
    per_day: Vec<CountDto>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Suppression)]
struct SuppressionDto {
    /// Whether counts under the threshold are withheld (`null`).
    applies: bool,
    threshold: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Count)]
struct CountDto {
    key: Option<String>,
    /// `null` when withheld (fewer than the threshold).
    #[schema(value_type = Option<u64>)]
    count: Cell,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Durations)]
struct DurationsDto {
    /// `null` when withheld (fewer than the threshold).
    #[schema(value_type = Option<u64>)]
    count: Cell,
    median_seconds: Option<i64>,
    p90_seconds: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Compliance)]
struct ComplianceDto {
    /// `null` when withheld (fewer than the threshold).
    #[schema(value_type = Option<u64>)]
    resolved: Cell,
    /// `null` when withheld (fewer than the threshold).
    #[schema(value_type = Option<u64>)]
    in_time: Cell,
    percent: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DepartmentCompliance)]
struct DepartmentComplianceDto {
    department: Option<String>,
    #[serde(flatten)]
    compliance: ComplianceDto,
}

fn counts<K>(cells: Vec<(K, Cell)>, key: impl Fn(K) -> Option<String>) -> Vec<CountDto> {
    cells
        .into_iter()
        .map(|(k, count)| CountDto { key: key(k), count })
        .collect()
}

impl From<PublishedDurations> for DurationsDto {
    fn from(d: PublishedDurations) -> Self {
        Self {
            count: d.count,
            median_seconds: d.median_seconds,
            p90_seconds: d.p90_seconds,
        }
    }
}

impl From<PublishedCompliance> for ComplianceDto {
    fn from(c: PublishedCompliance) -> Self {
        Self {
            resolved: c.resolved,
            in_time: c.in_time,
            percent: c.percent,
        }
    }
}

fn day(date: NaiveDate) -> Option<String> {
    Some(date.format("%Y-%m-%d").to_string())
}

impl From<StatsReport> for StatsDto {
    fn from(report: StatsReport) -> Self {
        Self {
            audience: if report.suppression_threshold.is_some() {
                "public"
            } else {
                "official"
            },
            suppression: SuppressionDto {
                applies: report.suppression_threshold.is_some(),
                threshold: report.suppression_threshold,
            },
            total: report.total,
            by_status: counts(report.by_status, Some),
            by_category: counts(report.by_category, Some),
            by_department: counts(report.by_department, |k| k),
            by_jurisdiction: counts(report.by_jurisdiction, Some),
            first_response: report.first_response.into(),
            resolution: report.resolution.into(),
            sla_compliance: report.compliance.into(),
            sla_compliance_by_department: report
                .compliance_by_department
                .into_iter()
                .map(|(department, c)| DepartmentComplianceDto {
                    department,
                    compliance: c.into(),
                })
                .collect(),
            backlog: counts(report.backlog, |k| Some(k.to_owned())),
            per_day: counts(report.per_day, day),
        }
    }
}

/// The CSV header: one row per figure.
const CSV_HEADER: [&str; 4] = ["section", "key", "measure", "value"];

/// One figure's row.
fn figure(rows: &mut CsvText, section: &str, key: &str, measure: &str, value: &str) {
    rows.row(&[section, key, measure, value]);
}

/// The statistics as CSV (UTF-8 with a byte-order mark, so that Excel reads
/// Korean right; CRLF line ends): `section,key,measure,value`, one row per
/// figure, a withheld or missing figure an empty value.
pub fn csv(dto: &StatsDto) -> String {
    let mut rows = CsvText::new(&CSV_HEADER);
    figure(&mut rows, "audience", "", "", dto.audience);
    figure(
        &mut rows,
        "suppression",
        "",
        "threshold",
        &number(dto.suppression.threshold),
    );
    figure(&mut rows, "total", "", "count", &number(dto.total));
    for (section, cells) in [
        ("by_status", &dto.by_status),
        ("by_category", &dto.by_category),
        ("by_department", &dto.by_department),
        ("by_jurisdiction", &dto.by_jurisdiction),
        ("backlog", &dto.backlog),
        ("per_day", &dto.per_day),
    ] {
        for cell in cells {
            figure(
                &mut rows,
                section,
                cell.key.as_deref().unwrap_or_default(),
                "count",
                &number(cell.count),
            );
        }
    }
    for (section, d) in [
        ("first_response", &dto.first_response),
        ("resolution", &dto.resolution),
    ] {
        figure(&mut rows, section, "", "count", &number(d.count));
        figure(
            &mut rows,
            section,
            "",
            "median_seconds",
            &number(d.median_seconds),
        );
        figure(
            &mut rows,
            section,
            "",
            "p90_seconds",
            &number(d.p90_seconds),
        );
    }
    let compliance = |rows: &mut CsvText, section: &str, key: &str, c: &ComplianceDto| {
        figure(rows, section, key, "resolved", &number(c.resolved));
        figure(rows, section, key, "in_time", &number(c.in_time));
        figure(rows, section, key, "percent", &number(c.percent));
    };
    compliance(&mut rows, "sla_compliance", "", &dto.sla_compliance);
    for d in &dto.sla_compliance_by_department {
        compliance(
            &mut rows,
            "sla_compliance_by_department",
            d.department.as_deref().unwrap_or_default(),
            &d.compliance,
        );
    }
    rows.finish()
}

fn number<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}
