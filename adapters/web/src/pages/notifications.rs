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

use crate::error::PageError;
use crate::format;
use crate::forms::TokenOnly;
use crate::lang::Lang;
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
    let lang = Lang::current();
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
        h1 { (lang.pick("알림", "Notifications")) }
        @if query.done.as_deref() == Some("all-read") {
            p.notice role="status" { (lang.pick("모든 알림을 읽음으로 표시했습니다.", "All notifications are marked as read.")) }
        }
        (content(&officer, &list, unread_only))
    };
    Ok(layout::page(lang.pick("알림", "Notifications"), Some(&officer), &body).into_response())
}

fn content(officer: &Officer, list: &NotificationList, unread_only: bool) -> Markup {
    let lang = Lang::current();
    let now = Utc::now();
    html! {
        p { (lang.pick("읽지 않은 알림 ", "Unread notifications: ")) strong { (list.unread_count) } (lang.pick("건", "")) }
        div.toolbar {
            @if unread_only {
                a href="/admin/notifications" { (lang.pick("모든 알림 보기", "Show all notifications")) }
            } @else {
                a href="/admin/notifications?unread=on" { (lang.pick("읽지 않은 알림만 보기", "Show unread only")) }
            }
            @if list.unread_count > 0 {
                form method="post" action="/admin/notifications/read-all" {
                    input type="hidden" name="csrf" value=(officer.form_token);
                    button type="submit" { (lang.pick("모두 읽음으로 표시", "Mark all as read")) }
                }
            }
        }
        @if list.page.items.is_empty() {
            p.empty { (lang.pick("알림이 없습니다.", "No notifications.")) }
        } @else {
            ul.notifications aria-label=(lang.pick("알림 목록", "Notifications")) {
                @for n in &list.page.items {
                    li.unread[n.read_at.is_none()] {
                        a href={ "/admin/notifications/" (n.id.0) } {
                            @if n.read_at.is_none() { span.tag { (lang.pick("새 알림", "New")) } " " }
                            strong { (n.title) }
                        }
                        p { (n.body) }
                        p.meta {
                            time datetime=(n.created_at.to_rfc3339()) { (format::time(n.created_at)) }
                            " (" (format::age(n.created_at, now)) (lang.pick(" 전)", " ago)"))
                        }
                    }
                }
            }
        }
        @if let Some(next) = list.page.next {
            nav aria-label=(lang.pick("페이지", "Pages")) {
                a rel="next" href={
                    "/admin/notifications?cursor=" (next.0)
                    @if unread_only { "&unread=on" }
                } { (lang.pick("다음 페이지", "Next page")) }
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
