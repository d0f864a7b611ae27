//! Operations: `/health` (the process is alive) and `/ready` (its dependencies answer).

use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::problem::ApiError;
use crate::state::AppState;

/// `GET /health`: always 200 while the process serves.
pub async fn health() -> axum::Json<Value> {
    axum::Json(json!({ "status": "ok" }))
}

/// `GET /ready`: 200 when the stores answer (the database; Redis when
/// sessions live there) and every added check passes (with Kafka: its
/// topics exist), 503 otherwise, naming what is wrong.
pub async fn ready(State(state): State<AppState>) -> Result<axum::Json<Value>, ApiError> {
    if !state.use_cases().ready().await {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_ready",
            "Not ready",
            "a dependency (the database, or Redis) does not answer",
        ));
    }
    match crate::readiness::first_failure(state.readiness()).await {
        Some(problem) => Err(problem),
        None => Ok(axum::Json(json!({ "status": "ready" }))),
    }
}
