//! One's notifications: `/api/v1/notifications`, read and marked read.

use axum::extract::{Path, Query, State};
use serde::Deserialize;
use sinmungo_core::app::NotificationListRequest;
use sinmungo_core::domain::notification::NotificationId;
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::{
    NotificationDto, NotificationPageDto, NotificationSettingsDto, NotificationSettingsRequest,
    ReadAllDto,
};
use crate::problem::ApiError;
use crate::state::AppState;

/// `GET /api/v1/notifications` query: `unread`, `cursor`, `limit`.
#[derive(Debug, Deserialize)]
pub struct NotificationParams {
    unread: Option<String>,
    cursor: Option<String>,
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
#[tracing::instrument(skip_all)]
pub async fn settings(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> Result<axum::Json<NotificationSettingsDto>, ApiError> {
    let setting = state.use_cases().notification_settings.get(&actor).await?;
    Ok(axum::Json(setting.into()))
}

/// `PUT /api/v1/me/notification-settings`
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
