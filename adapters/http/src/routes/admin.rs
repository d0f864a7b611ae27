//! `/api/v1/admin/*`: accounts and roles, service accounts and their API
//! keys, stored secrets, the audit log. Administrators only — the use cases
//! ask the permission table; these handlers only translate.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sinmungo_core::app::{KeyToIssue, NewAccount, NewServiceAccount, RegisterRequest};
use sinmungo_core::domain::{ApiKey, AuditEntry, UserId};
use sinmungo_core::ports::AuditQuery;
use uuid::Uuid;

use crate::auth::{api_keys, Caller};
use crate::dto::UserDto;
use crate::extract::{Json, Path, Query};
use crate::problem::ApiError;
use crate::state::AppState;

/// `POST /admin/users`
#[derive(Debug, Deserialize)]
pub struct NewUserBody {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    department: Option<String>,
}

/// `PUT /admin/users/{id}/role`
#[derive(Debug, Deserialize)]
pub struct RoleBody {
    #[serde(default)]
    role: String,
    department: Option<String>,
}

/// `POST /admin/service-accounts`
#[derive(Debug, Deserialize)]
pub struct ServiceAccountBody {
    #[serde(default)]
    name: String,
    #[serde(default)]
    contact_email: String,
}

/// `POST /admin/service-accounts/{id}/keys`
#[derive(Debug, Deserialize)]
pub struct KeyBody {
    #[serde(default)]
    label: String,
}

/// `PUT /admin/secrets/{name}`
#[derive(Debug, Deserialize)]
pub struct SecretBody {
    #[serde(default)]
    value: String,
}

/// `GET /admin/audit`
#[derive(Debug, Deserialize)]
pub struct AuditParams {
    target: Option<String>,
    limit: Option<String>,
}

/// An API key as shown to administrators: never its hash; the key itself
/// only once, in the answer that issued it.
#[derive(Debug, Serialize)]
pub struct ApiKeyDto {
    id: Uuid,
    prefix: String,
    label: String,
    created_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
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
#[derive(Debug, Serialize)]
pub struct SecretDto {
    name: String,
    updated_at: DateTime<Utc>,
    updated_by: Option<Uuid>,
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
#[tracing::instrument(skip_all)]
pub async fn delete_secret(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.use_cases().secrets.delete(&actor, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/admin/audit?target=&limit=`: newest first.
#[tracing::instrument(skip_all)]
pub async fn audit(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(params): Query<AuditParams>,
) -> Result<axum::Json<Vec<AuditEntry>>, ApiError> {
    let query = AuditQuery {
        target: params.target,
        limit: super::query_limit(params.limit)?.unwrap_or(50),
    };
    let entries = state.use_cases().audit.list(&actor, query).await?;
    Ok(axum::Json(entries))
}
