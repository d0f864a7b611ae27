//! `GET /api/v1/stats`.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sinmungo_core::app::{StatsError, StatsRequest};

use crate::auth::Caller;
use crate::extract::Query;
use crate::openapi::problems::Problems;
use crate::problem::ApiError;
use crate::state::AppState;
use crate::stats::{csv, StatsDto};

/// The query string of `GET /api/v1/stats`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsParams {
    /// From (RFC 3339, or `YYYY-MM-DD` in Korean time).
    #[param(example = "2026-01-01")]
    since: Option<String>,
    /// Until, exclusive (a date takes in its day); at most 1096 days after `since`.
    #[param(example = "2026-12-31")]
    until: Option<String>,
    /// A city or county code, its districts included.
    #[param(example = "35010")]
    jurisdiction: Option<String>,
    /// A department code.
    department: Option<String>,
    /// A category code.
    category: Option<String>,
    /// `json` (the default) or `csv`.
    #[param(example = "json")]
    format: Option<String>,
}

/// `GET /api/v1/stats`: JSON, or `format=csv`.
#[utoipa::path(
    get,
    path = "/stats",
    tag = "통계",
    summary = "통계: 건수, 처리 시간, SLA 준수율, 미처리, 일별 (공무원은 전부, 그 밖은 공개본)",
    params(StatsParams),
    responses(
        (status = 200, description = "통계 (`format=csv`이면 엑셀에서 읽히는 UTF-8 CSV)", content(
            (StatsDto = "application/json"),
            (String = "text/csv"),
        )),
        Problems<Caller, Query<StatsParams>, StatsError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn stats(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(params): Query<StatsParams>,
) -> Result<Response, ApiError> {
    let as_csv = super::wants_csv(params.format.as_deref())?;
    let request = StatsRequest {
        since: params.since,
        until: params.until,
        jurisdiction: params.jurisdiction,
        department: params.department,
        category: params.category,
    };
    let report = state.use_cases().stats.report(&actor, &request).await?;
    let dto = StatsDto::from(report);
    Ok(if as_csv {
        super::csv_file("attachment; filename=\"sinmungo-stats.csv\"", csv(&dto))
    } else {
        axum::Json(dto).into_response()
    })
}
