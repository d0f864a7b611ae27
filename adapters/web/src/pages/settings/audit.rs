//! 감사 기록: the audit log, newest first, optionally of one target
//! (`user:<id>`, `report:<id>`, `secret:<name>`…) — what the audit use case
//! reads (as `GET /admin/audit?target=&limit=`). It reads the newest
//! entries only, so "더 보기" shows a longer list, up to the largest page
//! any list gives.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::Response;
use maud::{html, Markup};
use serde::Deserialize;
use sinmungo_core::app::AuditError;
use sinmungo_core::domain::access::Denied;
use sinmungo_core::domain::{AuditEntry, Permission, UserId};
use sinmungo_core::ports::{AuditQuery, MAX_PAGE_SIZE};
use sinmungo_http::AppState;

use crate::lang::Lang;
use crate::error::PageError;
use crate::format;
use crate::pages::encode;
use crate::pages::settings::{head, invalid, names, require, respond, Notice};
use crate::session::Officer;

const TITLE: &str = "감사 기록";
const PATH: &str = "/admin/settings/audit";

/// Entries shown first, and added by "더 보기".
const STEP: u32 = 50;

/// What the filter's fields are called on the page.
const LABELS: [(&str, &str); 2] = [("target", "대상"), ("limit", "표시 개수")];

/// The filter and the length of the list.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct AuditParams {
    #[serde(default)]
    target: Option<String>,
    #[serde(default)]
    limit: Option<String>,
}

/// Korean names of the acts the platform records.
fn action_label(action: &str) -> Option<&'static str> {
    Some(match action {
        "user.create" => "계정 생성",
        "user.role_change" => "역할·부서 변경",
        "user.disable" => "계정 비활성화",
        "user.enable" => "계정 다시 사용",
        "user.password_change" => "비밀번호 변경",
        "user.link_identity" => "외부 계정 연결",
        "auth.login_failures" => "로그인 실패 반복",
        "service_account.create" => "서비스 계정 생성",
        "api_key.issue" => "API 키 발급",
        "api_key.revoke" => "API 키 폐기",
        "secret.set" => "비밀 값 저장",
        "secret.delete" => "비밀 값 삭제",
        "directory.department.create" => "부서 생성",
        "directory.department.update" => "부서 변경",
        "directory.category.update" => "분류 변경",
        "report.transition" => "신고 상태 변경",
        "report.assign" => "신고 배정",
        "report.reclassify" => "신고 분류 변경",
        "report.anonymise" => "신고 익명화",
        "report.bulk_close" => "신고 일괄 종결",
        "report.bulk_reassign" => "신고 일괄 재배정",
        "report.export_personal_data" => "개인정보 포함 내보내기",
        "report.import" => "신고 가져오기",
        "report.auto_close" => "신고 자동 종결",
        _ => return None,
    })
}

/// `GET /admin/settings/audit`.
#[tracing::instrument(skip_all)]
pub(crate) async fn list(
    State(state): State<AppState>,
    officer: Officer,
    Query(params): Query<AuditParams>,
) -> Result<Response, PageError> {
    require(&officer, Permission::ViewAudit)?;
    let target = params
        .target
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let limit = match params.limit.as_deref().map(str::trim) {
        None | Some("") => Ok(STEP),
        Some(raw) => raw
            .parse::<u32>()
            .map_err(|_| invalid("limit", "not_a_number", "limit must be a whole number")),
    };
    let outcome = match limit {
        Ok(limit) => state
            .use_cases()
            .audit
            .list(
                &officer.actor,
                AuditQuery {
                    target: target.map(str::to_owned),
                    limit,
                },
            )
            .await
            .map(|entries| (entries, limit)),
        Err(invalid) => Err(AuditError::Invalid(invalid)),
    };
    let (entries, limit, notice) = match outcome {
        Ok((entries, limit)) => (entries, limit, None),
        Err(AuditError::Invalid(invalid)) => {
            (Vec::new(), STEP, Some(Notice::invalid(&invalid, &LABELS)))
        }
        Err(AuditError::Denied(Denied::SignInRequired | Denied::Forbidden(_))) => {
            return Err(super::forbidden())
        }
        Err(AuditError::Store(error)) => return Err(PageError::internal(&error)),
    };
    let names = names(&state, entries.iter().filter_map(|e| e.actor).collect()).await?;
    let more = (entries.len() >= limit as usize && limit < MAX_PAGE_SIZE)
        .then(|| (limit + STEP).min(MAX_PAGE_SIZE));
    let body = html! {
        form.filters method="get" action=(PATH) role="search" aria-label="감사 기록 검색" {
            p {
                label for="audit-target" { "대상" }
                input #audit-target type="text" name="target" value=(target.unwrap_or_default()) aria-describedby="audit-target-hint";
                span #audit-target-hint .hint { "예: user:<계정 ID>, report:<신고 ID>, secret:<이름>, department:<코드>" }
            }
            p { button type="submit" { "찾기" } }
            @if target.is_some() { p { a href=(PATH) { "전체 기록" } } }
        }
        (table(&entries, &names))
        @if let Some(more) = more {
            nav aria-label="더 보기" {
                a href={
                    (PATH) "?limit=" (more)
                    @if let Some(target) = target { "&target=" (encode(target)) }
                } { "더 보기" }
            }
        }
    };
    Ok(respond(&officer, TITLE, notice, &body))
}

/// A link to the console's page about `target`, where there is one.
fn target_link(target: &str) -> Option<String> {
    let (kind, id) = target.split_once(':')?;
    match kind {
        "report" => Some(format!("/admin/reports/{id}")),
        "user" => Some(format!("/admin/settings/accounts/{id}")),
        "department" => Some(format!("/admin/settings/departments/{id}")),
        "category" => Some(format!("/admin/settings/categories/{id}")),
        _ => None,
    }
}

fn table(entries: &[AuditEntry], names: &HashMap<UserId, String>) -> Markup {
    html! {
        @if entries.is_empty() {
            p.empty { "기록이 없습니다." }
        } @else {
            table.queue.audit {
                caption { "감사 기록 (최근 순, " (entries.len()) "건)" }
                (head(&["때", "한 사람", "행동", "대상", "내용"]))
                tbody {
                    @for entry in entries {
                        tr data-action=(entry.action) {
                            th scope="row" { (format::time(entry.at)) }
                            td {
                                @match entry.actor {
                                    Some(id) => {
                                        (names.get(&id).map_or("(알 수 없음)", String::as_str))
                                        @if let Some(role) = entry.actor_role { " (" (format::role(role)) ")" }
                                    }
                                    None => span.none { "시스템·운영자" },
                                }
                            }
                            td {
                                @match action_label(&entry.action) {
                                    Some(label) => { (label) " " code.action { (entry.action) } },
                                    None => code.action { (entry.action) },
                                }
                            }
                            td {
                                @match target_link(&entry.target) {
                                    Some(href) => a href=(href) { code { (entry.target) } },
                                    None => code { (entry.target) },
                                }
                            }
                            td {
                                @if !entry.before.is_null() || !entry.after.is_null() {
                                    details {
                                        summary { "자세히" }
                                        dl.change {
                                            @if !entry.before.is_null() {
                                                dt { "이전" } dd { code { (entry.before) } }
                                            }
                                            @if !entry.after.is_null() {
                                                dt { "이후" } dd { code { (entry.after) } }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_link_to_their_console_pages() {
        assert_eq!(
            target_link("user:0190a5a0-0000-7000-8000-000000000000").as_deref(),
            Some("/admin/settings/accounts/0190a5a0-0000-7000-8000-000000000000")
        );
        assert_eq!(
            target_link("department:parks").as_deref(),
            Some("/admin/settings/departments/parks")
        );
        assert_eq!(target_link("secret:llm.api_key"), None);
        assert_eq!(target_link("nothing"), None);
    }
}
