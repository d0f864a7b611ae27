//! The directory: `/api/v1/categories`, `/api/v1/departments`, and their
//! administration under `/api/v1/admin/` (routing by place, SLA per category).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sinmungo_core::app::{CategoryChange, DepartmentRequest, SlaRequest};
use sinmungo_core::domain::{Category, Department, Priority};

use crate::auth::Caller;
use crate::dto::ItemsDto;
use crate::extract::{Json, Path};
use crate::problem::ApiError;
use crate::state::AppState;

/// A category with its SLA in force at every priority.
#[derive(Debug, Serialize)]
pub struct CategoryDto {
    code: String,
    name: String,
    name_en: String,
    /// Where its reports go when no department claims the category.
    department: String,
    default_priority: &'static str,
    duplicate_radius_m: u32,
    /// Per priority: the targets in force and whether an administrator set them.
    sla: BTreeMap<&'static str, SlaDto>,
}

/// One priority's SLA targets.
#[derive(Debug, Serialize)]
struct SlaDto {
    first_response_hours: i64,
    resolution_hours: i64,
    /// `false`: the product's default.
    overridden: bool,
}

impl From<Category> for CategoryDto {
    fn from(category: Category) -> Self {
        let sla = Priority::ALL
            .into_iter()
            .map(|priority| {
                let targets = category.sla(priority);
                (
                    priority.as_str(),
                    SlaDto {
                        first_response_hours: targets.first_response.num_hours(),
                        resolution_hours: targets.resolution.num_hours(),
                        overridden: category.sla.hours(priority).is_some(),
                    },
                )
            })
            .collect();
        Self {
            code: category.code.to_string(),
            name: category.name,
            name_en: category.name_en,
            department: category.department.to_string(),
            default_priority: category.default_priority.as_str(),
            duplicate_radius_m: category.duplicate_radius_m,
            sla,
        }
    }
}

/// `POST /admin/departments` and `PUT /admin/departments/{code}`.
#[derive(Debug, Deserialize)]
pub struct DepartmentBody {
    /// Only in `POST` (the path names it in `PUT`).
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    name_en: Option<String>,
    jurisdiction: Option<String>,
    #[serde(default)]
    categories: Vec<String>,
}

impl DepartmentBody {
    fn into_request(self) -> DepartmentRequest {
        DepartmentRequest {
            name: self.name,
            name_en: self.name_en,
            jurisdiction: self.jurisdiction,
            categories: self.categories,
        }
    }
}

/// `PUT /admin/categories/{code}`: what is absent is kept.
#[derive(Debug, Deserialize)]
pub struct CategoryBody {
    name: Option<String>,
    name_en: Option<String>,
    default_priority: Option<String>,
    department: Option<String>,
    /// Per priority: `{first_response_hours, resolution_hours}`, or `null`
    /// for the product's default.
    #[serde(default)]
    sla: BTreeMap<String, Option<SlaBody>>,
    duplicate_radius_m: Option<u32>,
}

/// One priority's SLA as sent.
#[derive(Debug, Deserialize)]
pub struct SlaBody {
    first_response_hours: u32,
    resolution_hours: u32,
}

/// `GET /api/v1/categories`
#[tracing::instrument(skip_all)]
pub async fn categories(
    State(state): State<AppState>,
) -> Result<axum::Json<ItemsDto<CategoryDto>>, ApiError> {
    let items = state.use_cases().directory.categories().await?;
    Ok(axum::Json(ItemsDto {
        items: items.into_iter().map(CategoryDto::from).collect(),
    }))
}

/// `GET /api/v1/departments`
#[tracing::instrument(skip_all)]
pub async fn departments(
    State(state): State<AppState>,
) -> Result<axum::Json<ItemsDto<Department>>, ApiError> {
    let items = state.use_cases().directory.departments().await?;
    Ok(axum::Json(ItemsDto { items }))
}

/// `POST /api/v1/admin/departments` → 201 with the department.
#[tracing::instrument(skip_all)]
pub async fn create_department(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Json(body): Json<DepartmentBody>,
) -> Result<(StatusCode, axum::Json<Department>), ApiError> {
    let code = body.code.clone();
    let department = state
        .use_cases()
        .directory
        .create_department(&actor, &code, body.into_request())
        .await?;
    Ok((StatusCode::CREATED, axum::Json(department)))
}

/// `PUT /api/v1/admin/departments/{code}`: name, place and categories replaced.
#[tracing::instrument(skip_all)]
pub async fn update_department(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(code): Path<String>,
    Json(body): Json<DepartmentBody>,
) -> Result<axum::Json<Department>, ApiError> {
    let department = state
        .use_cases()
        .directory
        .update_department(&actor, &code, body.into_request())
        .await?;
    Ok(axum::Json(department))
}

/// `PUT /api/v1/admin/categories/{code}`: names, default priority and
/// department, SLA per priority, duplicate radius.
#[tracing::instrument(skip_all)]
pub async fn update_category(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(code): Path<String>,
    Json(body): Json<CategoryBody>,
) -> Result<axum::Json<CategoryDto>, ApiError> {
    let change = CategoryChange {
        name: body.name,
        name_en: body.name_en,
        default_priority: body.default_priority,
        department: body.department,
        sla: body
            .sla
            .into_iter()
            .map(|(priority, sla)| {
                let sla = sla.map(|s| SlaRequest {
                    first_response_hours: s.first_response_hours,
                    resolution_hours: s.resolution_hours,
                });
                (priority, sla)
            })
            .collect(),
        duplicate_radius_m: body.duplicate_radius_m,
    };
    let category = state
        .use_cases()
        .directory
        .update_category(&actor, &code, change)
        .await?;
    Ok(axum::Json(CategoryDto::from(category)))
}
