//! One's notifications: `/api/v1/notifications`, read and marked read.

use axum::extract::{Path, Query, State};
use serde::Deserialize;
use sinmungo_core::app::{NotificationError, NotificationListRequest};
use sinmungo_core::domain::notification::NotificationId;
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::{
    NotificationDto, NotificationPageDto, NotificationSettingsDto, NotificationSettingsRequest,
    ReadAllDto,
};
use crate::openapi::problems::Problems;
use crate::problem::ApiError;
use crate::state::AppState;

/// `GET /api/v1/notifications` query: `unread`, `cursor`, `limit`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationParams {
    /// Only the unread ones.
    #[param(value_type = Option<bool>)]
    unread: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// 1–100 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    limit: Option<String>,
}

impl NotificationParams {
    fn into_domain(self) -> Result<NotificationListRequest, ApiError> {
        let unread_only = super::query_flag("unread", self.unread.as_deref().map(str::trim))?;
        let limit = super::query_limit(self.limit)?;
        Ok(NotificationListRequest {
            unread_only,
            cursor: self.cursor,
            limit,
        })
    }
}

/// `GET /api/v1/notifications`
#[utoipa::path(
    get,
    path = "/notifications",
    operation_id = "list_notifications",
    tag = "알림",
    summary = "내 알림 (새것부터)",
    params(NotificationParams),
    responses(
        (status = 200, description = "한 쪽의 알림과 읽지 않은 수", body = NotificationPageDto),
        Problems<Caller, Query<NotificationParams>, NotificationError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn list(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(params): Query<NotificationParams>,
) -> Result<axum::Json<NotificationPageDto>, ApiError> {
    let list = state
        .use_cases()
        .notifications
        .list(&actor, params.into_domain()?)
        .await?;
    Ok(axum::Json(NotificationPageDto {
        items: list
            .page
            .items
            .into_iter()
            .map(NotificationDto::from)
            .collect(),
        next_cursor: list.page.next.map(|id| id.0),
        unread_count: list.unread_count,
    }))
}

/// `POST /api/v1/notifications/{id}/read`
#[utoipa::path(
    post,
    path = "/notifications/{id}/read",
    tag = "알림",
    summary = "알림 하나 읽음 표시",
    params(("id" = Uuid, Path, description = "알림 ID")),
    responses(
        (status = 200, description = "읽은 알림", body = NotificationDto),
        Problems<Caller, Path<Uuid>, NotificationError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn read(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<NotificationDto>, ApiError> {
    let notification = state
        .use_cases()
        .notifications
        .mark_read(&actor, NotificationId(id))
        .await?;
    Ok(axum::Json(notification.into()))
}

/// `POST /api/v1/notifications/read-all`
#[utoipa::path(
    post,
    path = "/notifications/read-all",
    tag = "알림",
    summary = "알림 모두 읽음 표시",
    responses(
        (status = 200, description = "읽음으로 바꾼 수", body = ReadAllDto),
        Problems<Caller, NotificationError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn read_all(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> Result<axum::Json<ReadAllDto>, ApiError> {
    let notifications = &state.use_cases().notifications;
    let marked = notifications.mark_all_read(&actor).await?;
    let unread_count = notifications.unread_count(&actor).await?;
    Ok(axum::Json(ReadAllDto {
        marked,
        unread_count,
    }))
}

/// `GET /api/v1/me/notification-settings`
#[utoipa::path(
    get,
    path = "/me/notification-settings",
    tag = "알림",
    summary = "내 알림 이메일 설정",
    responses(
        (status = 200, description = "지금 설정", body = NotificationSettingsDto),
        Problems<Caller, NotificationError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn settings(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> Result<axum::Json<NotificationSettingsDto>, ApiError> {
    let setting = state.use_cases().notification_settings.get(&actor).await?;
    Ok(axum::Json(setting.into()))
}

/// `PUT /api/v1/me/notification-settings`
#[utoipa::path(
    put,
    path = "/me/notification-settings",
    tag = "알림",
    summary = "알림 이메일 설정 바꾸기 (`null`이면 역할의 기본값)",
    request_body = NotificationSettingsRequest,
    responses(
        (status = 200, description = "바뀐 설정", body = NotificationSettingsDto),
        Problems<Caller, crate::extract::Json<NotificationSettingsRequest>, NotificationError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn change_settings(
    State(state): State<AppState>,
    Caller(actor): Caller,
    crate::extract::Json(request): crate::extract::Json<NotificationSettingsRequest>,
) -> Result<axum::Json<NotificationSettingsDto>, ApiError> {
    let setting = state
        .use_cases()
        .notification_settings
        .set(&actor, request.email.as_deref())
        .await?;
    Ok(axum::Json(setting.into()))
}
