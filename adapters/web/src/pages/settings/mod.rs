//! `/admin/settings`: the administrators' pages — accounts and roles,
//! departments and routing, categories and their SLA, service accounts and
//! API keys, stored secrets, the audit log. Each page asks the permission
//! table first (403 for a role without it) and then calls the same use case
//! as the REST admin routes, with the signed-in officer as the actor.
//!
//! Every form carries the sign-in's form token; a change answers 303 back
//! to its page with `?done=…` (a Korean status message there), or the page
//! again with the refusal: 422 for invalid input, 409 for a conflict.

pub(crate) mod accounts;
pub(crate) mod audit;
pub(crate) mod categories;
pub(crate) mod departments;
pub(crate) mod secrets;
pub(crate) mod service_accounts;

use std::collections::HashMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde::Deserialize;
use sinmungo_core::domain::{FieldError, Invalid, Permission, UserId};
use sinmungo_http::AppState;

use crate::error::PageError;
use crate::forms;
use crate::lang::{Lang, Text};
use crate::pages::layout;
use crate::session::Officer;

/// One administration page: where it is, what it is called, what it needs.
struct Section {
    path: &'static str,
    title: Text,
    summary: Text,
    permission: Permission,
}

/// The six pages, in the order the index lists them.
const SECTIONS: [Section; 6] = [
    Section {
        path: "/admin/settings/accounts",
        title: Text("계정과 역할", "Accounts and roles"),
        summary: Text("공무원 계정을 만들고 역할과 부서를 바꾸거나 계정을 비활성화합니다.", "Create officers’ accounts, change their roles and departments, or disable accounts."),
        permission: Permission::ManageUsers,
    },
    Section {
        path: "/admin/settings/departments",
        title: Text("부서와 배정 규칙", "Departments and routing"),
        summary: Text("부서의 관할 시·군과 담당 분류를 정합니다. 신고는 이 규칙으로 부서에 배정됩니다.", "Set each department’s city or county and categories. Reports are routed to departments by these rules."),
        permission: Permission::ManageDirectory,
    },
    Section {
        path: "/admin/settings/categories",
        title: Text("분류와 처리 기한", "Categories and deadlines"),
        summary: Text("분류별 우선순위별 처리 기한(첫 응답, 처리 완료)과 중복 검색 반경을 정합니다.", "Set each category’s deadlines per priority (first response, resolution) and its duplicate search radius."),
        permission: Permission::ManageDirectory,
    },
    Section {
        path: "/admin/settings/service-accounts",
        title: Text("서비스 계정과 API 키", "Service accounts and API keys"),
        summary: Text("연계 시스템의 서비스 계정을 만들고 API 키를 발급하거나 폐기합니다.", "Create service accounts for connected systems, and issue or revoke their API keys."),
        permission: Permission::ManageServiceAccounts,
    },
    Section {
        path: "/admin/settings/secrets",
        title: Text("비밀 값", "Secrets"),
        summary: Text("외부 서비스의 API 키 같은 비밀 값을 저장합니다. 저장한 값은 다시 볼 수 없습니다.", "Store secrets such as external services’ API keys. A stored value cannot be shown again."),
        permission: Permission::ManageSecrets,
    },
    Section {
        path: "/admin/settings/audit",
        title: Text("감사 기록", "Audit log"),
        summary: Text("누가 언제 무엇을 바꾸었는지 최근 기록부터 봅니다.", "See who changed what and when, newest first."),
        permission: Permission::ViewAudit,
    },
];

/// Whether `officer` may use at least one administration page (the nav
/// shows "관리" only then).
pub(crate) fn visible_to(officer: &Officer) -> bool {
    SECTIONS
        .iter()
        .any(|s| officer.actor.grant(s.permission).is_granted())
}

/// 403 unless `officer`'s role has `permission`.
pub(crate) fn require(officer: &Officer, permission: Permission) -> Result<(), PageError> {
    if officer.actor.grant(permission).is_granted() {
        Ok(())
    } else {
        Err(forbidden())
    }
}

/// The page refusing a role without the permission.
pub(crate) fn forbidden() -> PageError {
    let lang = Lang::current();
    PageError::new(
        StatusCode::FORBIDDEN,
        lang.pick("접근 권한이 없습니다", "Access denied"),
        lang.pick(
            "이 관리 화면을 사용할 권한이 없습니다. 필요하면 관리자에게 요청하세요.",
            "You may not use this administration page. Ask an administrator if you need it.",
        ),
    )
}

/// `GET /admin/settings`: the pages this officer may use.
#[tracing::instrument(skip_all)]
pub(crate) async fn index(
    State(_state): State<AppState>,
    officer: Officer,
) -> Result<Response, PageError> {
    let lang = Lang::current();
    if !visible_to(&officer) {
        return Err(forbidden());
    }
    let body = html! {
        h1 { (lang.pick("관리", "Administration")) }
        ul.settings-index {
            @for section in SECTIONS.iter().filter(|s| officer.actor.grant(s.permission).is_granted()) {
                li {
                    h2 { a href=(section.path) { (section.title) } }
                    p { (section.summary) }
                }
            }
        }
    };
    Ok(layout::page(lang.pick("관리", "Administration"), Some(&officer), &body).into_response())
}

/// `?done=…`: which change just succeeded (post, redirect, get).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

impl DoneQuery {
    /// The success message `messages` gives for this `done`, if any.
    pub(crate) fn notice(&self, messages: &[(&str, &str)]) -> Option<Notice> {
        let done = self.done.as_deref()?;
        messages
            .iter()
            .find(|(key, _)| *key == done)
            .map(|(_, message)| Notice::done(message))
    }
}

/// What a page says after a form: a success (from `?done=`) or a refusal.
#[derive(Debug, Clone)]
pub(crate) struct Notice {
    /// The answer's status: 200 after a success, 4xx after a refusal.
    pub status: StatusCode,
    /// The sentences, in Korean.
    pub messages: Vec<String>,
}

impl Notice {
    /// A success message.
    pub(crate) fn done(message: &str) -> Self {
        Self {
            status: StatusCode::OK,
            messages: vec![message.to_owned()],
        }
    }

    /// A message with this status (a refusal unless it is a success).
    pub(crate) fn new(status: StatusCode, messages: Vec<String>) -> Self {
        Self { status, messages }
    }

    /// 422 with the invalid fields, each named by its Korean label.
    pub(crate) fn invalid(invalid: &Invalid, labels: &[(&str, Text)]) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            field_messages(invalid, labels),
        )
    }

    /// Whether it reports a failure.
    fn is_error(&self) -> bool {
        !self.status.is_success()
    }
}

/// The notice as a status or alert box (nothing without one).
fn notice(notice: Option<Notice>) -> Markup {
    html! {
        @if let Some(notice) = notice {
            @if notice.is_error() {
                div.error role="alert" {
                    @for message in notice.messages { p { (message) } }
                }
            } @else {
                div.notice role="status" {
                    @for message in notice.messages { p { (message) } }
                }
            }
        }
    }
}

/// A page of this section, with the notice's status.
pub(crate) fn respond(
    officer: &Officer,
    title: &str,
    notice: Option<Notice>,
    body: &Markup,
) -> Response {
    let lang = Lang::current();
    let status = notice.as_ref().map_or(StatusCode::OK, |n| n.status);
    let body = html! {
        p.crumbs { a href="/admin/settings" { (lang.pick("관리", "Administration")) } " › " (title) }
        h1 { (title) }
        (self::notice(notice))
        (body)
    };
    (status, layout::page(title, Some(officer), &body)).into_response()
}

/// 303 to `path` with `done` for its status message.
pub(crate) fn done(path: &str, done: &str) -> Response {
    let separator = if path.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{path}{separator}done={done}")).into_response()
}

/// An invalid field, built by the console itself (a number that is not one).
pub(crate) fn invalid(field: &str, code: &'static str, message: &str) -> Invalid {
    Invalid::from(FieldError::new(field, code, message))
}

/// Each field error in Korean, after the field's label when it has one.
pub(crate) fn field_messages(invalid: &Invalid, labels: &[(&str, Text)]) -> Vec<String> {
    invalid
        .0
        .iter()
        .map(|error| {
            let message = message(error);
            match labels.iter().find(|(field, _)| *field == error.field) {
                Some((_, label)) => format!("{label}: {message}"),
                None => message,
            }
        })
        .collect()
}

/// A field error in Korean: the domain's Korean when it wrote some, else a
/// sentence for the codes these pages meet, else the console's usual words.
fn message(error: &FieldError) -> String {
    let lang = Lang::current();
    if forms::korean(&error.message).is_some() {
        return forms::message(error);
    }
    let korean = match error.code {
        "invalid_email" => lang.pick("name@example.kr 같은 이메일 주소를 입력해 주세요.", "Please enter an e-mail address such as name@example.kr."),
        "too_long" if error.field == "password" => lang.pick("비밀번호는 128자 이하로 입력해 주세요.", "The password must be at most 128 characters."),
        "unknown_role" => lang.pick("역할을 목록에서 골라 주세요.", "Please choose a role from the list."),
        "required" if error.field == "department" => {
            lang.pick("담당 공무원과 부서 관리자는 부서를 지정해야 합니다.", "Officers and department managers must have a department.")
        }
        "unknown_department" => lang.pick("없는 부서입니다.", "No such department."),
        "invalid_code" => {
            lang.pick("코드는 영문 소문자로 시작하는 2–40자의 영문 소문자, 숫자, 밑줄(_)입니다.", "A code is 2–40 lower-case letters, digits or underscores (_), starting with a letter.")
        }
        "invalid_jurisdiction" => lang.pick("관할 시·군을 목록에서 골라 주세요.", "Please choose a city or county from the list."),
        "service_account" => {
            lang.pick("서비스 계정은 역할을 바꾸거나 비활성화할 수 없습니다. API 키를 폐기하세요.", "A service account’s role cannot be changed nor the account disabled. Revoke its API keys instead.")
        }
        "invalid_label" => lang.pick("키 이름(용도)은 1–100자로 입력해 주세요.", "The key’s name (purpose) must be 1–100 characters."),
        "invalid_secret_name" => {
            lang.pick("이름은 1–100자의 영문 소문자, 숫자, 마침표(.), 밑줄(_), 하이픈(-)입니다.", "A name is 1–100 lower-case letters, digits, dots (.), underscores (_) or hyphens (-).")
        }
        "invalid_secret_value" => {
            lang.pick("값은 1바이트에서 8KiB 사이의 텍스트여야 하며 제어 문자를 넣을 수 없습니다.", "The value must be text of 1 byte to 8 KiB, without control characters.")
        }
        "not_a_number" => lang.pick("숫자(정수)로 입력해 주세요.", "Please enter a whole number."),
        "out_of_range" if error.field == "limit" => lang.pick("1에서 100 사이의 숫자여야 합니다.", "It must be a number from 1 to 100."),
        "incomplete_sla" => lang.pick("첫 응답과 처리 완료 기한을 모두 입력하거나 모두 비워 주세요.", "Enter both the first-response and the resolution deadline, or leave both empty."),
        _ => return forms::message(error),
    };
    korean.to_owned()
}

/// The display names of these people (an unknown id is left out).
pub(crate) async fn names(
    state: &AppState,
    ids: Vec<UserId>,
) -> Result<HashMap<UserId, String>, PageError> {
    let mut names = HashMap::new();
    for id in ids {
        if names.contains_key(&id) {
            continue;
        }
        if let Some(user) = state
            .use_cases()
            .accounts
            .user(id)
            .await
            .map_err(|error| PageError::internal(&error))?
        {
            names.insert(id, user.display_name.as_str().to_owned());
        }
    }
    Ok(names)
}

/// A table's header row of these columns.
pub(crate) fn head(columns: &[&str]) -> Markup {
    html! {
        thead {
            tr {
                @for column in columns { th scope="col" { (column) } }
            }
        }
    }
}

/// A `<select>` of departments (`""`: none, when `none` names it).
pub(crate) fn department_options(
    departments: &[sinmungo_core::domain::Department],
    selected: &str,
    none: Option<&str>,
) -> Markup {
    html! {
        @if let Some(none) = none {
            option value="" selected[selected.is_empty()] { (none) }
        }
        @for department in departments {
            option value=(department.code) selected[selected == department.code.as_str()] {
                (department.name) " (" (department.code) ")"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_are_named_and_korean() {
        let invalid = Invalid(vec![
            FieldError::new("email", "invalid_email", "email must be an address"),
            FieldError::new(
                "display_name",
                "required",
                "display_name must not be empty (필수 입력 항목입니다)",
            ),
            FieldError::new("department", "required", "staff and managers belong"),
            FieldError::new("x", "odd", "x is odd"),
        ]);
        let labels = [
            ("email", Text("이메일", "E-mail")),
            ("display_name", Text("이름", "Name")),
            ("department", Text("부서", "Department")),
        ];
        assert_eq!(
            field_messages(&invalid, &labels),
            [
                "이메일: name@example.kr 같은 이메일 주소를 입력해 주세요.",
                "이름: 필수 입력 항목입니다",
                "부서: 담당 공무원과 부서 관리자는 부서를 지정해야 합니다.",
                "입력값을 확인해 주세요 (x is odd).",
            ]
        );
    }
}
