//! `GET /admin/notifications`: the officer's notifications, newest first,
//! unread ones marked; opening one marks it read and goes to its report.
//! The bell in every page's header counts the unread ones and is kept
//! current over the live connection (`console.js`).

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::Utc;
use maud::{html, Markup};
use serde::Deserialize;
use sinmungo_core::app::{NotificationList, NotificationListRequest};
use sinmungo_core::domain::NotificationId;
use sinmungo_http::AppState;
use uuid::Uuid;

use crate::lang::Lang;
use crate::error::PageError;
use crate::format;
use crate::forms::TokenOnly;
use crate::pages::layout;
use crate::session::Officer;

/// Notifications on one page.
const PAGE_SIZE: u32 = 30;

/// The list's paging and filter.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    unread: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

/// `GET /admin/notifications`.
#[tracing::instrument(skip_all)]
pub(crate) async fn list(
    State(state): State<AppState>,
    officer: Officer,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    let unread_only = query.unread.as_deref() == Some("on");
    let list = state
        .use_cases()
        .notifications
        .list(
            &officer.actor,
            NotificationListRequest {
                unread_only,
                cursor: query.cursor.clone(),
                limit: Some(PAGE_SIZE),
            },
        )
        .await?;
    let body = html! {
        h1 { "알림" }
        @if query.done.as_deref() == Some("all-read") {
            p.notice role="status" { "모든 알림을 읽음으로 표시했습니다." }
        }
        (content(&officer, &list, unread_only))
    };
    Ok(layout::page("알림", Some(&officer), &body).into_response())
}

fn content(officer: &Officer, list: &NotificationList, unread_only: bool) -> Markup {
    let now = Utc::now();
    html! {
        p { "읽지 않은 알림 " strong { (list.unread_count) } "건" }
        div.toolbar {
            @if unread_only {
                a href="/admin/notifications" { "모든 알림 보기" }
            } @else {
                a href="/admin/notifications?unread=on" { "읽지 않은 알림만 보기" }
            }
            @if list.unread_count > 0 {
                form method="post" action="/admin/notifications/read-all" {
                    input type="hidden" name="csrf" value=(officer.form_token);
                    button type="submit" { "모두 읽음으로 표시" }
                }
            }
        }
        @if list.page.items.is_empty() {
            p.empty { "알림이 없습니다." }
        } @else {
            ul.notifications aria-label="알림 목록" {
                @for n in &list.page.items {
                    li.unread[n.read_at.is_none()] {
                        a href={ "/admin/notifications/" (n.id.0) } {
                            @if n.read_at.is_none() { span.tag { "새 알림" } " " }
                            strong { (n.title) }
                        }
                        p { (n.body) }
                        p.meta {
                            time datetime=(n.created_at.to_rfc3339()) { (format::time(n.created_at)) }
                            " (" (format::age(n.created_at, now)) " 전)"
                        }
                    }
                }
            }
        }
        @if let Some(next) = list.page.next {
            nav aria-label="페이지" {
                a rel="next" href={
                    "/admin/notifications?cursor=" (next.0)
                    @if unread_only { "&unread=on" }
                } { "다음 페이지" }
            }
        }
    }
}

/// `GET /admin/notifications/{id}`: marks it read and opens its report.
#[tracing::instrument(skip_all)]
pub(crate) async fn open(
    State(state): State<AppState>,
    officer: Officer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = Uuid::parse_str(id.trim()).map_err(|_| PageError::not_found())?;
    let notification = state
        .use_cases()
        .notifications
        .mark_read(&officer.actor, NotificationId(id))
        .await?;
    Ok(Redirect::to(&format!("/admin/reports/{}", notification.report_id)).into_response())
}

/// `POST /admin/notifications/read-all`.
#[tracing::instrument(skip_all)]
pub(crate) async fn read_all(
    State(state): State<AppState>,
    officer: Officer,
    Form(form): Form<TokenOnly>,
) -> Result<Response, PageError> {
    officer.check_form(&state, &form.csrf)?;
    state
        .use_cases()
        .notifications
        .mark_all_read(&officer.actor)
        .await?;
    Ok(Redirect::to("/admin/notifications?done=all-read").into_response())
}
