//! `/api/v1/admin/*`: accounts and roles, service accounts and their API
//! keys, stored secrets, the audit log. Administrators only — the use cases
//! ask the permission table; these handlers only translate.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sinmungo_core::app::{
    AccountAdminError, AuditError, KeyToIssue, NewAccount, NewServiceAccount, RegisterError,
    RegisterRequest, SecretError,
};
use sinmungo_core::domain::{ApiKey, AuditEntry, Role, UserId};
use sinmungo_core::ports::AuditQuery;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::{api_keys, Caller};
use crate::dto::UserDto;
use crate::extract::{Json, Path, Query};
use crate::openapi::problems::{Answers, Problem, Problems, INVALID, UNAVAILABLE};
use crate::problem::ApiError;
use crate::state::AppState;

/// `POST /admin/users`
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = NewUser)]
pub struct NewUserBody {
    #[serde(default)]
    #[schema(example = "officer@jeonju.go.kr")]
    email: String,
    #[serde(default)]
    #[schema(example = "officer-pass-2026")]
    password: String,
    #[serde(default)]
    #[schema(example = "이담당")]
    display_name: String,
    /// Any role but `service`.
    #[serde(default)]
    #[schema(example = "staff")]
    role: String,
    /// Officials: their department's code.
    #[schema(example = "road_management")]
    department: Option<String>,
}

/// `PUT /admin/users/{id}/role`
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = RoleChange)]
pub struct RoleBody {
    #[serde(default)]
    #[schema(example = "manager")]
    role: String,
    #[schema(example = "road_management")]
    department: Option<String>,
}

/// `POST /admin/service-accounts`
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = NewServiceAccount)]
pub struct ServiceAccountBody {
    #[serde(default)]
    #[schema(example = "전주시 민원 연계 시스템")]
    name: String,
    #[serde(default)]
    #[schema(example = "it@jeonju.go.kr")]
    contact_email: String,
}

/// `POST /admin/service-accounts/{id}/keys`
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = NewApiKey)]
pub struct KeyBody {
    #[serde(default)]
    #[schema(example = "운영 서버")]
    label: String,
}

/// `PUT /admin/secrets/{name}`
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = SecretValue)]
pub struct SecretBody {
    /// Stored sealed; never shown again.
    #[serde(default)]
    value: String,
}

/// `GET /admin/audit`
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Only the acts on this target (`report:<id>`, `user:<id>`).
    target: Option<String>,
    /// 1–100 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    limit: Option<String>,
}

/// An API key as shown to administrators: never its hash; the key itself
/// only once, in the answer that issued it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ApiKey)]
pub struct ApiKeyDto {
    id: Uuid,
    /// The first characters, to tell keys apart.
    #[schema(example = "smk_Xq3v9a")]
    prefix: String,
    #[schema(example = "운영 서버")]
    label: String,
    created_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
    /// The key itself, only in the answer that issued it.
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
}

impl ApiKeyDto {
    fn new(key: &ApiKey, plain: Option<String>) -> Self {
        Self {
            id: key.id,
            prefix: key.prefix.clone(),
            label: key.label.clone(),
            created_at: key.created_at,
            revoked_at: key.revoked_at,
            key: plain,
        }
    }
}

/// A stored secret's name and times; never its value.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Secret)]
pub struct SecretDto {
    #[schema(example = "openrouter_api_key")]
    name: String,
    updated_at: DateTime<Utc>,
    updated_by: Option<Uuid>,
}

/// One privileged act, as the audit log shows it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AuditEntry)]
pub struct AuditEntryDto {
    id: Uuid,
    at: DateTime<Utc>,
    /// Who (absent for the system itself).
    actor: Option<Uuid>,
    /// In which role.
    #[schema(example = "admin")]
    actor_role: Option<&'static str>,
    /// What kind of act.
    #[schema(example = "report.transition")]
    action: String,
    /// What it was done to.
    #[schema(example = "report:0199a1b2-3c4d-7e5f-8a9b-0c1d2e3f4a5b")]
    target: String,
    /// State before, as JSON.
    before: serde_json::Value,
    /// State after, as JSON.
    after: serde_json::Value,
}

impl From<AuditEntry> for AuditEntryDto {
    fn from(entry: AuditEntry) -> Self {
        let AuditEntry {
            id,
            at,
            actor,
            actor_role,
            action,
            target,
            before,
            after,
        } = entry;
        Self {
            id,
            at,
            actor: actor.map(|a| a.0),
            actor_role: actor_role.map(Role::as_str),
            action,
            target,
            before,
            after,
        }
    }
}

impl From<sinmungo_core::app::SecretInfo> for SecretDto {
    fn from(info: sinmungo_core::app::SecretInfo) -> Self {
        Self {
            name: info.name.to_string(),
            updated_at: info.updated_at,
            updated_by: info.updated_by.map(|u| u.0),
        }
    }
}

/// `POST /api/v1/admin/users`: an administrator creates an account of any
/// role but `service` → 201.
#[utoipa::path(
    post,
    path = "/admin/users",
    tag = "관리",
    summary = "계정 만들기 (`service` 말고 모든 역할)",
    request_body = NewUserBody,
    responses(
        (status = 201, description = "만든 계정", body = UserDto),
        Problems<Caller, Json<NewUserBody>, RegisterError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn create_user(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Json(body): Json<NewUserBody>,
) -> Result<impl IntoResponse, ApiError> {
    let account = NewAccount {
        registration: RegisterRequest {
            email: body.email,
            password: body.password,
            display_name: body.display_name,
        },
        role: body.role,
        department: body.department,
    };
    let user = state
        .use_cases()
        .accounts
        .create_account(&actor, account)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(UserDto::from(&user))))
}

/// `PUT /api/v1/admin/users/{id}/role`: `{role, department}`; the user's
/// sessions end so no token keeps the old role.
#[utoipa::path(
    put,
    path = "/admin/users/{id}/role",
    tag = "관리",
    summary = "역할과 부서 바꾸기 (그 사람의 로그인은 모두 끝남)",
    params(("id" = Uuid, Path, description = "계정 ID")),
    request_body = RoleBody,
    responses(
        (status = 200, description = "바뀐 계정", body = UserDto),
        Problems<Caller, Path<Uuid>, Json<RoleBody>, AccountAdminError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn set_role(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<Uuid>,
    Json(body): Json<RoleBody>,
) -> Result<axum::Json<UserDto>, ApiError> {
    let user = state
        .use_cases()
        .accounts
        .set_role(&actor, UserId(id), &body.role, body.department.as_deref())
        .await?;
    Ok(axum::Json(UserDto::from(&user)))
}

/// `POST /api/v1/admin/service-accounts` → 201.
#[utoipa::path(
    post,
    path = "/admin/service-accounts",
    tag = "관리",
    summary = "서비스 계정 만들기 (연계 시스템용)",
    request_body = ServiceAccountBody,
    responses(
        (status = 201, description = "만든 서비스 계정", body = UserDto),
        Problems<Caller, Json<ServiceAccountBody>, AccountAdminError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn create_service_account(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Json(body): Json<ServiceAccountBody>,
) -> Result<impl IntoResponse, ApiError> {
    let user = state
        .use_cases()
        .service_accounts
        .create(
            &actor,
            NewServiceAccount {
                name: body.name,
                contact_email: body.contact_email,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(UserDto::from(&user))))
}

/// `POST /api/v1/admin/service-accounts/{id}/keys` → 201 with the key,
/// shown this once.
#[utoipa::path(
    post,
    path = "/admin/service-accounts/{id}/keys",
    tag = "관리",
    summary = "API 키 발급 (`key`는 이 답에서 한 번만 보임)",
    params(("id" = Uuid, Path, description = "서비스 계정 ID")),
    request_body = KeyBody,
    responses(
        (status = 201, description = "발급한 키", body = ApiKeyDto),
        Problems<Caller, Path<Uuid>, Json<KeyBody>, AccountAdminError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn issue_key(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<Uuid>,
    Json(body): Json<KeyBody>,
) -> Result<impl IntoResponse, ApiError> {
    let (key, prefix, key_hash) = api_keys::generate();
    let issued = state
        .use_cases()
        .service_accounts
        .issue_key(
            &actor,
            UserId(id),
            KeyToIssue {
                label: body.label,
                prefix,
                key_hash,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(ApiKeyDto::new(&issued, Some(key))),
    ))
}

/// `GET /api/v1/admin/service-accounts/{id}/keys`
#[utoipa::path(
    get,
    path = "/admin/service-accounts/{id}/keys",
    tag = "관리",
    summary = "서비스 계정의 API 키 목록 (앞부분, 이름, 시각)",
    params(("id" = Uuid, Path, description = "서비스 계정 ID")),
    responses(
        (status = 200, description = "키들 (키 자체는 없음)", body = Vec<ApiKeyDto>),
        Problems<Caller, Path<Uuid>, AccountAdminError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn keys(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<Vec<ApiKeyDto>>, ApiError> {
    let keys = state
        .use_cases()
        .service_accounts
        .keys(&actor, UserId(id))
        .await?;
    Ok(axum::Json(
        keys.iter().map(|k| ApiKeyDto::new(k, None)).collect(),
    ))
}

/// `DELETE /api/v1/admin/service-accounts/{id}/keys/{key_id}` → 204.
#[utoipa::path(
    delete,
    path = "/admin/service-accounts/{id}/keys/{key_id}",
    tag = "관리",
    summary = "API 키 폐기",
    params(
        ("id" = Uuid, Path, description = "서비스 계정 ID"),
        ("key_id" = Uuid, Path, description = "키 ID"),
    ),
    responses(
        (status = 204, description = "폐기함"),
        Problems<Caller, Path<(Uuid, Uuid)>, AccountAdminError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn revoke_key(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path((id, key)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    state
        .use_cases()
        .service_accounts
        .revoke_key(&actor, UserId(id), key)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/admin/secrets`: names and times.
#[utoipa::path(
    get,
    path = "/admin/secrets",
    tag = "관리",
    summary = "저장된 비밀 값 목록 (이름과 시각만)",
    responses(
        (status = 200, description = "비밀 값들", body = Vec<SecretDto>),
        Problems<Caller, SecretError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn secrets(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> Result<axum::Json<Vec<SecretDto>>, ApiError> {
    let list = state.use_cases().secrets.list(&actor).await?;
    Ok(axum::Json(list.into_iter().map(SecretDto::from).collect()))
}

/// `PUT /api/v1/admin/secrets/{name}`: `{value}`; stored sealed, never
/// shown again.
#[utoipa::path(
    put,
    path = "/admin/secrets/{name}",
    tag = "관리",
    summary = "비밀 값 저장 (봉인되어 다시 보이지 않음)",
    params(("name" = String, Path, description = "비밀 값의 이름", example = "openrouter_api_key")),
    request_body = SecretBody,
    responses(
        (status = 200, description = "저장한 비밀 값의 이름과 시각", body = SecretDto),
        Problems<Caller, Path<String>, Json<SecretBody>, SecretError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn set_secret(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(name): Path<String>,
    Json(body): Json<SecretBody>,
) -> Result<axum::Json<SecretDto>, ApiError> {
    let info = state
        .use_cases()
        .secrets
        .set(&actor, &name, body.value)
        .await?;
    Ok(axum::Json(SecretDto::from(info)))
}

/// `DELETE /api/v1/admin/secrets/{name}` → 204.
#[utoipa::path(
    delete,
    path = "/admin/secrets/{name}",
    tag = "관리",
    summary = "비밀 값 지우기",
    params(("name" = String, Path, description = "비밀 값의 이름", example = "openrouter_api_key")),
    responses(
        (status = 204, description = "지움"),
        Problems<Caller, Path<String>, SecretError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn delete_secret(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.use_cases().secrets.delete(&actor, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What reading the audit log answers ([`audit`] maps its errors itself).
impl Answers for AuditError {
    const PROBLEMS: &'static [Problem] = &[
        crate::openapi::problems::SIGN_IN_REQUIRED,
        crate::openapi::problems::FORBIDDEN,
        INVALID,
        UNAVAILABLE,
    ];
}

/// `GET /api/v1/admin/audit?target=&limit=`: newest first.
#[utoipa::path(
    get,
    path = "/admin/audit",
    tag = "관리",
    summary = "감사 기록 (새것부터: 누가, 언제, 무엇을, 전후)",
    params(AuditParams),
    responses(
        (status = 200, description = "감사 기록", body = Vec<AuditEntryDto>),
        Problems<Caller, Query<AuditParams>, AuditError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn audit(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(params): Query<AuditParams>,
) -> Result<axum::Json<Vec<AuditEntryDto>>, ApiError> {
    let query = AuditQuery {
        target: params.target,
        limit: super::query_limit(params.limit)?.unwrap_or(50),
    };
    let entries = state.use_cases().audit.list(&actor, query).await?;
    Ok(axum::Json(
        entries.into_iter().map(AuditEntryDto::from).collect(),
    ))
}
