//! Reference data: `/api/v1/categories`, `/api/v1/departments`.

use axum::extract::State;
use sinmungo_core::domain::{Category, Department};

use crate::dto::ItemsDto;
use crate::problem::ApiError;
use crate::state::AppState;

/// `GET /api/v1/categories`
#[tracing::instrument(skip_all)]
pub async fn categories(
    State(state): State<AppState>,
) -> Result<axum::Json<ItemsDto<Category>>, ApiError> {
    let items = state.use_cases().directory.categories().await?;
    Ok(axum::Json(ItemsDto { items }))
}

/// `GET /api/v1/departments`
#[tracing::instrument(skip_all)]
pub async fn departments(
    State(state): State<AppState>,
) -> Result<axum::Json<ItemsDto<Department>>, ApiError> {
    let items = state.use_cases().directory.departments().await?;
    Ok(axum::Json(ItemsDto { items }))
}
