//! `GET /api/v1/admin/triage/corrections`: officers' corrections of triage
//! (JSON pages, or every one as CSV) and each rule's precision over them.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sinmungo_core::app::{AuditError, CorrectionListRequest};
use sinmungo_core::domain::correction::{Correction, RulePrecision};
use uuid::Uuid;

use crate::auth::Caller;
use crate::csv_text::CsvText;
use crate::extract::Query;
use crate::openapi::problems::Problems;
use crate::problem::ApiError;
use crate::state::AppState;

/// The query string: `rule`, `cursor`, `limit`, `format`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CorrectionParams {
    /// Only the corrections of reports this rule had decided.
    #[param(example = "road_pothole")]
    rule: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// 1–100 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// `json` (the default) or `csv` (every correction, for `sinmungo rules eval`).
    #[param(example = "json")]
    format: Option<String>,
}

/// One correction, flat (the CSV has the same fields).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Correction)]
struct CorrectionDto {
    id: Uuid,
    at: DateTime<Utc>,
    report_id: Uuid,
    number: String,
    title: String,
    description: String,
    /// What triage had decided, and who.
    triage_category: String,
    triage_priority: &'static str,
    decided_by: Option<&'static str>,
    rule: Option<String>,
    matched: Vec<String>,
    /// What the officer chose.
    category: String,
    priority: &'static str,
    officer: Uuid,
}

impl From<Correction> for CorrectionDto {
    fn from(c: Correction) -> Self {
        Self {
            id: c.id,
            at: c.at,
            report_id: c.report_id.0,
            number: c.number.to_string(),
            title: c.title,
            description: c.description,
            triage_category: c.triage_category.to_string(),
            triage_priority: c.triage_priority.as_str(),
            decided_by: c.decided_by.map(|d| d.as_str()),
            rule: c.rule,
            matched: c.matched,
            category: c.category.to_string(),
            priority: c.priority.as_str(),
            officer: c.officer.0,
        }
    }
}

/// A rule's tally and precision (`null` before any officer acted).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = RulePrecision)]
struct RulePrecisionDto {
    rule: String,
    kept: u64,
    overridden: u64,
    precision: Option<f64>,
}

impl From<RulePrecision> for RulePrecisionDto {
    fn from(r: RulePrecision) -> Self {
        Self {
            precision: r.precision(),
            rule: r.rule,
            kept: r.kept,
            overridden: r.overridden,
        }
    }
}

/// The JSON answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = CorrectionPage)]
struct CorrectionPageDto {
    items: Vec<CorrectionDto>,
    next_cursor: Option<Uuid>,
    rules: Vec<RulePrecisionDto>,
}

/// The CSV header. Its first five columns are what `sinmungo rules eval`
/// reads (`category` is the officer's choice, the label), so a city can
/// measure a rule file on its own corrected reports.
const CSV_HEADER: [&str; 15] = [
    "id",
    "title",
    "description",
    "category",
    "also_acceptable",
    "number",
    "report_id",
    "at",
    "officer",
    "priority",
    "triage_category",
    "triage_priority",
    "decided_by",
    "rule",
    "matched",
];

fn csv(corrections: Vec<Correction>) -> String {
    let mut rows = CsvText::new(&CSV_HEADER);
    for c in corrections.into_iter().map(CorrectionDto::from) {
        rows.row(&[
            &c.id.to_string(),
            &c.title,
            &c.description,
            &c.category,
            "",
            &c.number,
            &c.report_id.to_string(),
            &c.at.to_rfc3339(),
            &c.officer.to_string(),
            c.priority,
            &c.triage_category,
            c.triage_priority,
            c.decided_by.unwrap_or_default(),
            c.rule.as_deref().unwrap_or_default(),
            &c.matched.join(";"),
        ]);
    }
    rows.finish()
}

/// `GET /api/v1/admin/triage/corrections`: a page of corrections, newest
/// first, with every rule's precision; `format=csv`: every correction (of
/// `rule`), newest first, in one file.
#[utoipa::path(
    get,
    path = "/admin/triage/corrections",
    tag = "관리",
    summary = "분류 정정 기록: 담당자가 바꾼 분류와 규칙별 정밀도 (`format=csv`이면 전부)",
    params(CorrectionParams),
    responses(
        (status = 200, description = "정정 기록 한 쪽과 규칙별 정밀도, 또는 CSV", content(
            (CorrectionPageDto = "application/json"),
            (String = "text/csv"),
        )),
        Problems<Caller, Query<CorrectionParams>, AuditError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn corrections(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(params): Query<CorrectionParams>,
) -> Result<Response, ApiError> {
    let corrections = &state.use_cases().corrections;
    if super::wants_csv(params.format.as_deref())? {
        let all = corrections.export(&actor, params.rule).await?;
        return Ok(super::csv_file(
            "attachment; filename=\"sinmungo-triage-corrections.csv\"",
            csv(all),
        ));
    }
    let request = CorrectionListRequest {
        rule: params.rule,
        cursor: params.cursor,
        limit: super::query_limit(params.limit)?,
    };
    let list = corrections.list(&actor, request).await?;
    Ok(axum::Json(CorrectionPageDto {
        items: list
            .page
            .items
            .into_iter()
            .map(CorrectionDto::from)
            .collect(),
        next_cursor: list.page.next,
        rules: list.rules.into_iter().map(RulePrecisionDto::from).collect(),
    })
    .into_response())
}
