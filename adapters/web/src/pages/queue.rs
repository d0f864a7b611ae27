//! `GET /admin`: the department's open reports — missed clocks first, then
//! priority, then due time — with badges per status, filters and paging.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use maud::{html, Markup};
use serde::Deserialize;
use sinmungo_core::app::{ListRequest, ReportList};
use sinmungo_core::domain::{ReportStatus, UserId};
use sinmungo_http::AppState;

use crate::error::PageError;
use crate::format;
use crate::lang::Lang;
use crate::pages::filters::{self, FilterForm, ReportFilters, OPEN};
use crate::pages::layout;
use crate::session::Officer;

/// Reports on one page of the queue.
const PAGE_SIZE: u32 = 50;

/// The queue's filters and cursor, as the GET form sends them.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct QueueQuery {
    #[serde(flatten)]
    filters: ReportFilters,
    #[serde(default)]
    cursor: Option<String>,
}

/// `GET /admin`.
#[tracing::instrument(skip_all)]
pub(crate) async fn show(
    State(state): State<AppState>,
    officer: Officer,
    Query(query): Query<QueueQuery>,
) -> Result<Response, PageError> {
    let lang = Lang::current();
    let use_cases = state.use_cases();
    let request = ListRequest {
        queue: Some("department".to_owned()),
        status: query.filters.status.clone(),
        category: query.filters.category.clone(),
        overdue: query.filters.overdue(),
        cursor: query.cursor.clone(),
        limit: Some(PAGE_SIZE),
        ..ListRequest::default()
    };
    let categories: HashMap<String, String> = use_cases
        .directory
        .categories()
        .await
        .map_err(|error| PageError::internal(&error))?
        .into_iter()
        .map(|c| (c.code.to_string(), format::name(c.name, c.name_en)))
        .collect();
    let department = match &officer.user.department {
        Some(code) => use_cases
            .directory
            .departments()
            .await
            .map_err(|error| PageError::internal(&error))?
            .into_iter()
            .find(|d| &d.code == code)
            .map_or_else(|| code.to_string(), |d| format::name(d.name, d.name_en)),
        None => String::new(),
    };
    let (status, content) = match use_cases.read.list(&officer.actor, request).await {
        Ok(list) => {
            let names = assignee_names(&state, &list).await?;
            (StatusCode::OK, table(&list, &query, &categories, &names))
        }
        Err(error) => filters::refused(error, (
            "소속 부서가 없어 부서 대기열을 볼 수 없습니다. 관리자에게 부서 지정을 요청하세요.",
            "You have no department, so there is no department queue to show. Ask an administrator to assign you one.",
        ))?,
    };
    let heading = if department.is_empty() {
        lang.pick("부서 대기열", "Department queue").to_owned()
    } else {
        format!(
            "{} — {department}",
            lang.pick("부서 대기열", "Department queue")
        )
    };
    // The page follows its department live (console.js): a change there
    // reloads the table in place.
    let topic = officer
        .user
        .department
        .as_ref()
        .map(|code| format!("department:{code}"));
    let body = html! {
        h1 { (heading) }
        div.queue-area data-live-topic=[topic] {
            (filters(&query, &categories))
            (content)
        }
    };
    Ok((
        status,
        layout::page(
            lang.pick("부서 대기열", "Department queue"),
            Some(&officer),
            &body,
        ),
    )
        .into_response())
}

/// The names of the assignees on this page.
async fn assignee_names(
    state: &AppState,
    list: &ReportList,
) -> Result<HashMap<UserId, String>, PageError> {
    let lang = Lang::current();
    let mut names = HashMap::new();
    for id in list.items.iter().filter_map(|v| v.report.assignee) {
        if names.contains_key(&id) {
            continue;
        }
        let user = state
            .use_cases()
            .accounts
            .user(id)
            .await
            .map_err(|error| PageError::internal(&error))?;
        names.insert(
            id,
            user.map_or_else(
                || (lang.pick("(알 수 없음)", "(unknown)")).to_owned(),
                |u| u.display_name.as_str().to_owned(),
            ),
        );
    }
    Ok(names)
}

fn filters(query: &QueueQuery, categories: &HashMap<String, String>) -> Markup {
    let lang = Lang::current();
    let mut sorted: Vec<(String, String)> = categories
        .iter()
        .map(|(code, name)| (code.clone(), name.clone()))
        .collect();
    sorted.sort_by(|a, b| a.1.cmp(&b.1));
    query.filters.form(&FilterForm {
        action: "/admin",
        id: "filter",
        label: (lang.pick("대기열 검색 조건", "Queue filters")),
        statuses: &OPEN,
        categories: &sorted,
    })
}

fn table(
    list: &ReportList,
    query: &QueueQuery,
    categories: &HashMap<String, String>,
    names: &HashMap<UserId, String>,
) -> Markup {
    let lang = Lang::current();
    let now = Utc::now();
    let counts: Vec<(ReportStatus, u64)> = list.counts.clone().unwrap_or_default();
    let filters = query.filters.query_string();
    let refresh = if filters.is_empty() {
        "/admin".to_owned()
    } else {
        format!("/admin?{filters}")
    };
    html! {
        section #queue aria-labelledby="queue-heading" data-refresh=(refresh) {
            h2 #queue-heading { (lang.pick("처리할 신고", "Reports to handle")) }
            ul.badges aria-label=(lang.pick("상태별 건수", "Count by status")) {
                @for status in OPEN {
                    @let count = counts.iter().find(|(s, _)| *s == status).map_or(0, |(_, n)| *n);
                    li.badge { (format::status(status)) " " strong.count data-status=(status.as_str()) { (count) } }
                }
            }
            p {
                button.refresh type="button" hx-get=(refresh) hx-select="#queue" hx-target="#queue" hx-swap="outerHTML" {
                    (lang.pick("새로 고침", "Refresh"))
                }
            }
            @if list.items.is_empty() {
                p.empty { (lang.pick("처리할 신고가 없습니다.", "No reports to handle.")) }
            } @else {
                table.queue {
                    caption { (lang.pick("기한을 넘긴 신고, 우선순위, 처리 기한 순", "Overdue reports first, then by priority, then by due time")) }
                    thead {
                        tr {
                            th scope="col" { (lang.pick("접수번호", "Number")) }
                            th scope="col" { (lang.pick("제목", "Title")) }
                            th scope="col" { (lang.pick("상태", "Status")) }
                            th scope="col" { (lang.pick("우선순위", "Priority")) }
                            th scope="col" { (lang.pick("분류", "Category")) }
                            th scope="col" { (lang.pick("관할", "Jurisdiction")) }
                            th scope="col" { (lang.pick("경과", "Age")) }
                            th scope="col" { (lang.pick("처리 기한", "Due")) }
                            th scope="col" { (lang.pick("담당자", "Assignee")) }
                        }
                    }
                    tbody {
                        @for view in &list.items {
                            @let report = &view.report;
                            @let breached = view.overdue || report.resolution_breached_at.is_some() || report.response_breached_at.is_some();
                            tr.breached[breached] data-report=(report.id) {
                                th scope="row" { (report.number) }
                                td { a href={ "/admin/reports/" (report.id) } { (view.title) } }
                                td { span.status data-status=(report.status.as_str()) { (format::status(report.status)) } }
                                td { (format::priority(report.priority)) }
                                td { (categories.get(report.category.as_str()).map_or(report.category.as_str(), String::as_str)) }
                                td { (report.jurisdiction.name) }
                                td { (format::age(report.created_at, now)) }
                                td {
                                    (format::time(report.due_at))
                                    @if breached { " " span.late { (lang.pick("기한 초과", "Overdue")) } }
                                }
                                td {
                                    @match report.assignee.and_then(|id| names.get(&id)) {
                                        Some(name) => (name),
                                        None => span.none { (lang.pick("미배정", "Unassigned")) },
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(next) = list.next {
                nav aria-label=(lang.pick("페이지", "Pages")) {
                    a rel="next" href={ "/admin?" (filters) @if !filters.is_empty() { "&" } "cursor=" (next) } { (lang.pick("다음 페이지", "Next page")) }
                }
            }
        }
    }
}
