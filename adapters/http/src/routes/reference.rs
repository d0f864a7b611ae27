//! The directory: `/api/v1/categories`, `/api/v1/departments`, and their
//! administration under `/api/v1/admin/` (routing by place, SLA per category).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sinmungo_core::app::{CategoryChange, DepartmentRequest, DirectoryError, SlaRequest};
use sinmungo_core::domain::{Category, Department, Priority};

use utoipa::ToSchema;

use crate::auth::Caller;
use crate::dto::ItemsDto;
use crate::extract::{Json, Path};
use crate::openapi::problems::Problems;
use crate::problem::ApiError;
use crate::state::AppState;

/// A category with its SLA in force at every priority.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Category)]
pub struct CategoryDto {
    #[schema(example = "road_damage")]
    code: String,
    #[schema(example = "도로 파손")]
    name: String,
    #[schema(example = "Road damage")]
    name_en: String,
    /// Where its reports go when no department claims the category.
    #[schema(example = "road_management")]
    department: String,
    #[schema(schema_with = crate::openapi::schemas::priority)]
    default_priority: &'static str,
    /// How near another report must be to be offered as the same problem.
    #[schema(example = 100)]
    duplicate_radius_m: u32,
    /// Per priority: the targets in force and whether an administrator set them.
    sla: BTreeMap<&'static str, SlaDto>,
}

/// One priority's SLA targets.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Sla)]
struct SlaDto {
    #[schema(example = 4)]
    first_response_hours: i64,
    #[schema(example = 72)]
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

/// A department: who handles which categories where.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Department)]
pub struct DepartmentDto {
    #[schema(example = "gunsan_road")]
    code: String,
    #[schema(example = "군산시 도로과")]
    name: String,
    #[schema(example = "Gunsan Road Division")]
    name_en: String,
    /// The city or county it serves; `null` province-wide.
    #[schema(example = "35020")]
    jurisdiction: Option<String>,
    /// The categories it handles, by code.
    #[schema(example = json!(["road_damage"]))]
    categories: Vec<String>,
}

impl From<Department> for DepartmentDto {
    fn from(department: Department) -> Self {
        let Department {
            code,
            name,
            name_en,
            jurisdiction,
            categories,
        } = department;
        Self {
            code: code.to_string(),
            name,
            name_en,
            jurisdiction: jurisdiction.map(|j| j.as_str().to_owned()),
            categories: categories.iter().map(ToString::to_string).collect(),
        }
    }
}

/// `POST /admin/departments` and `PUT /admin/departments/{code}`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = DepartmentChange)]
pub struct DepartmentBody {
    /// Only in `POST` (the path names it in `PUT`).
    #[serde(default)]
    #[schema(example = "gunsan_road")]
    code: String,
    #[serde(default)]
    #[schema(example = "군산시 도로과")]
    name: String,
    #[schema(example = "Gunsan Road Division")]
    name_en: Option<String>,
    /// A city or county code of the service area, or `null` province-wide.
    #[schema(example = "35020")]
    jurisdiction: Option<String>,
    /// Category codes.
    #[serde(default)]
    #[schema(example = json!(["road_damage"]))]
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
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = CategoryChange)]
pub struct CategoryBody {
    #[schema(example = "도로 파손")]
    name: Option<String>,
    #[schema(example = "Road damage")]
    name_en: Option<String>,
    #[schema(example = "normal")]
    default_priority: Option<String>,
    #[schema(example = "road_management")]
    department: Option<String>,
    /// Per priority: `{first_response_hours, resolution_hours}`, or `null`
    /// for the product's default.
    #[serde(default)]
    #[schema(
        schema_with = sla_changes,
        example = json!({"urgent": {"first_response_hours": 1, "resolution_hours": 12}, "low": null})
    )]
    sla: BTreeMap<String, Option<SlaBody>>,
    /// 10–1,000.
    #[schema(example = 150)]
    duplicate_radius_m: Option<u32>,
}

/// One priority's SLA as sent (1–8,760 hours; the response no later than
/// the resolution).
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = SlaChange)]
pub struct SlaBody {
    first_response_hours: u32,
    resolution_hours: u32,
}

/// The schema of [`CategoryBody::sla`]: per priority, a [`SlaBody`] or `null`.
fn sla_changes() -> utoipa::openapi::Object {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
    let sla = OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .item(<SlaBody as utoipa::PartialSchema>::schema());
    ObjectBuilder::new()
        .additional_properties(Some(Schema::OneOf(sla.build())))
        .build()
}

/// `GET /api/v1/categories`
#[utoipa::path(
    get,
    path = "/categories",
    tag = "참조",
    summary = "신고 분야와 우선순위별 SLA",
    responses(
        (status = 200, description = "모든 분야", body = ItemsDto<CategoryDto>),
        Problems<DirectoryError>,
    ),
)]
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
#[utoipa::path(
    get,
    path = "/departments",
    tag = "참조",
    summary = "부서와 맡은 지역, 분야",
    responses(
        (status = 200, description = "모든 부서", body = ItemsDto<DepartmentDto>),
        Problems<DirectoryError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn departments(
    State(state): State<AppState>,
) -> Result<axum::Json<ItemsDto<DepartmentDto>>, ApiError> {
    let items = state.use_cases().directory.departments().await?;
    Ok(axum::Json(ItemsDto {
        items: items.into_iter().map(DepartmentDto::from).collect(),
    }))
}

/// `POST /api/v1/admin/departments` → 201 with the department.
#[utoipa::path(
    post,
    path = "/admin/departments",
    tag = "관리",
    summary = "부서 만들기 (지역과 맡을 분야)",
    request_body = DepartmentBody,
    responses(
        (status = 201, description = "만든 부서", body = DepartmentDto),
        Problems<Caller, Json<DepartmentBody>, DirectoryError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn create_department(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Json(body): Json<DepartmentBody>,
) -> Result<(StatusCode, axum::Json<DepartmentDto>), ApiError> {
    let code = body.code.clone();
    let department = state
        .use_cases()
        .directory
        .create_department(&actor, &code, body.into_request())
        .await?;
    Ok((StatusCode::CREATED, axum::Json(department.into())))
}

/// `PUT /api/v1/admin/departments/{code}`: name, place and categories replaced.
#[utoipa::path(
    put,
    path = "/admin/departments/{code}",
    tag = "관리",
    summary = "부서 바꾸기 (이름, 지역, 분야를 통째로)",
    params(("code" = String, Path, description = "부서 코드", example = "gunsan_road")),
    request_body = DepartmentBody,
    responses(
        (status = 200, description = "바뀐 부서", body = DepartmentDto),
        Problems<Caller, Path<String>, Json<DepartmentBody>, DirectoryError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn update_department(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(code): Path<String>,
    Json(body): Json<DepartmentBody>,
) -> Result<axum::Json<DepartmentDto>, ApiError> {
    let department = state
        .use_cases()
        .directory
        .update_department(&actor, &code, body.into_request())
        .await?;
    Ok(axum::Json(department.into()))
}

/// `PUT /api/v1/admin/categories/{code}`: names, default priority and
/// department, SLA per priority, duplicate radius.
#[utoipa::path(
    put,
    path = "/admin/categories/{code}",
    tag = "관리",
    summary = "분야 바꾸기 (이름, 기본 우선순위, 기본 부서, SLA, 중복 반경)",
    params(("code" = String, Path, description = "분야 코드", example = "road_damage")),
    request_body = CategoryBody,
    responses(
        (status = 200, description = "바뀐 분야", body = CategoryDto),
        Problems<Caller, Path<String>, Json<CategoryBody>, DirectoryError>,
    ),
)]
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
