//! `GET /api/v1/stats`.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sinmungo_core::app::StatsRequest;

use crate::auth::Caller;
use crate::extract::Query;
use crate::problem::ApiError;
use crate::state::AppState;
use crate::stats::{csv, StatsDto};

/// The query string of `GET /api/v1/stats`.
#[derive(Debug, Deserialize)]
pub struct StatsParams {
    since: Option<String>,
    until: Option<String>,
    jurisdiction: Option<String>,
    department: Option<String>,
    category: Option<String>,
    format: Option<String>,
}

/// `GET /api/v1/stats`: JSON, or `format=csv`.
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
