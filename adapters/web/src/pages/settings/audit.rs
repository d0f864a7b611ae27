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

use crate::error::PageError;
use crate::format;
use crate::lang::{Lang, Text};
use crate::pages::encode;
use crate::pages::settings::{head, invalid, names, require, respond, Notice};
use crate::session::Officer;

const TITLE: Text = Text("감사 기록", "Audit log");
const PATH: &str = "/admin/settings/audit";

/// Entries shown first, and added by "더 보기".
const STEP: u32 = 50;

/// What the filter's fields are called on the page.
const LABELS: [(&str, Text); 2] = [
    ("target", Text("대상", "Target")),
    ("limit", Text("표시 개수", "Entries shown")),
];

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
    let lang = Lang::current();
    Some(match action {
        "user.create" => lang.pick("계정 생성", "Account created"),
        "user.role_change" => lang.pick("역할·부서 변경", "Role or department changed"),
        "user.disable" => lang.pick("계정 비활성화", "Account disabled"),
        "user.enable" => lang.pick("계정 다시 사용", "Account enabled"),
        "user.password_change" => lang.pick("비밀번호 변경", "Password changed"),
        "user.link_identity" => lang.pick("외부 계정 연결", "External account linked"),
        "auth.login_failures" => lang.pick("로그인 실패 반복", "Repeated failed sign-ins"),
        "service_account.create" => lang.pick("서비스 계정 생성", "Service account created"),
        "api_key.issue" => lang.pick("API 키 발급", "API key issued"),
        "api_key.revoke" => lang.pick("API 키 폐기", "API key revoked"),
        "secret.set" => lang.pick("비밀 값 저장", "Secret stored"),
        "secret.delete" => lang.pick("비밀 값 삭제", "Secret deleted"),
        "directory.department.create" => lang.pick("부서 생성", "Department created"),
        "directory.department.update" => lang.pick("부서 변경", "Department changed"),
        "directory.category.update" => lang.pick("분류 변경", "Reclassify"),
        "report.transition" => lang.pick("신고 상태 변경", "Report status changed"),
        "report.assign" => lang.pick("신고 배정", "Report assigned"),
        "report.reclassify" => lang.pick("신고 분류 변경", "Report reclassified"),
        "report.anonymise" => lang.pick("신고 익명화", "Report anonymised"),
        "report.bulk_close" => lang.pick("신고 일괄 종결", "Reports closed in bulk"),
        "report.bulk_reassign" => lang.pick("신고 일괄 재배정", "Reports reassigned in bulk"),
        "report.export_personal_data" => {
            lang.pick("개인정보 포함 내보내기", "Export with personal data")
        }
        "report.import" => lang.pick("신고 가져오기", "Reports imported"),
        "report.auto_close" => lang.pick("신고 자동 종결", "Report closed automatically"),
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
    let lang = Lang::current();
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
        form.filters method="get" action=(PATH) role="search" aria-label=(lang.pick("감사 기록 검색", "Search the audit log")) {
            p {
                label for="audit-target" { (lang.pick("대상", "Target")) }
                input #audit-target type="text" name="target" value=(target.unwrap_or_default()) aria-describedby="audit-target-hint";
                span #audit-target-hint .hint { (lang.pick("예: user:<계정 ID>, report:<신고 ID>, secret:<이름>, department:<코드>", "e.g. user:<account id>, report:<report id>, secret:<name>, department:<code>")) }
            }
            p { button type="submit" { (lang.pick("찾기", "Find")) } }
            @if target.is_some() { p { a href=(PATH) { (lang.pick("전체 기록", "All entries")) } } }
        }
        (table(&entries, &names))
        @if let Some(more) = more {
            nav aria-label=(lang.pick("더 보기", "Show more")) {
                a href={
                    (PATH) "?limit=" (more)
                    @if let Some(target) = target { "&target=" (encode(target)) }
                } { (lang.pick("더 보기", "Show more")) }
            }
        }
    };
    Ok(respond(&officer, TITLE.get(), notice, &body))
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
    let lang = Lang::current();
    html! {
        @if entries.is_empty() {
            p.empty { (lang.pick("기록이 없습니다.", "No entries.")) }
        } @else {
            table.queue.audit {
                caption { (lang.pick("감사 기록 (최근 순, ", "Audit log (newest first, ")) (entries.len()) (lang.pick("건)", ")")) }
                (head(&[(lang.pick("때", "When")), (lang.pick("한 사람", "Who")), (lang.pick("행동", "Action")), (lang.pick("대상", "Target")), (lang.pick("내용", "Text"))]))
                tbody {
                    @for entry in entries {
                        tr data-action=(entry.action) {
                            th scope="row" { (format::time(entry.at)) }
                            td {
                                @match entry.actor {
                                    Some(id) => {
                                        (names.get(&id).map_or(lang.pick("(알 수 없음)", "(unknown)"), String::as_str))
                                        @if let Some(role) = entry.actor_role { " (" (format::role(role)) ")" }
                                    }
                                    None => span.none { (lang.pick("시스템·운영자", "System or operator")) },
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
                                        summary { (lang.pick("자세히", "Details")) }
                                        dl.change {
                                            @if !entry.before.is_null() {
                                                dt { (lang.pick("이전", "Earlier")) } dd { code { (entry.before) } }
                                            }
                                            @if !entry.after.is_null() {
                                                dt { (lang.pick("이후", "Later")) } dd { code { (entry.after) } }
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
