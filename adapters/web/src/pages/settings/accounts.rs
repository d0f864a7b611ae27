//! 계정과 역할: the accounts, paged and found by e-mail; creating an
//! official's account; changing an account's role and department; disabling
//! and re-enabling it (the `Accounts` use cases, as `POST /admin/users` and
//! `PUT /admin/users/{id}/role` and the CLI's `users disable`).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;
use sinmungo_core::app::{AccountAdminError, NewAccount, RegisterError, RegisterRequest};
use sinmungo_core::domain::{Department, Email, Permission, Role, UserId};
use sinmungo_core::ports::Account;
use sinmungo_http::AppState;
use uuid::Uuid;

use crate::error::PageError;
use crate::format;
use crate::lang::{Lang, Text};
use crate::pages::encode;
use crate::pages::settings::{department_options, done, head, require, respond, DoneQuery, Notice};
use crate::session::Officer;

const TITLE: Text = Text("계정과 역할", "Accounts and roles");
const PATH: &str = "/admin/settings/accounts";

/// Accounts on one page of the list.
const PAGE_SIZE: u32 = 50;

/// What the account forms' fields are called on the page.
const LABELS: [(&str, Text); 6] = [
    ("email", Text("이메일", "E-mail")),
    ("password", Text("비밀번호", "Password")),
    ("display_name", Text("이름", "Name")),
    ("role", Text("역할", "Role")),
    ("department", Text("부서", "Department")),
    ("user", Text("계정", "Account")),
];

/// The roles an administrator gives here (service accounts have their own page).
const ROLES: [Role; 4] = [Role::Staff, Role::Manager, Role::Admin, Role::Citizen];

/// The list's cursor and search, and `?done=` after a change.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    after: Option<String>,
    #[serde(default)]
    email: Option<String>,
}

/// The new-account form.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct NewAccountForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    department: String,
}

/// The role form.
#[derive(Debug, Deserialize)]
pub(crate) struct RoleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    department: String,
}

/// The disable / enable form.
#[derive(Debug, Deserialize)]
pub(crate) struct StatusForm {
    #[serde(default)]
    csrf: String,
    /// `disable` or `enable`.
    #[serde(default)]
    action: String,
}

/// A refusal of an account change: shown on the page, or a page of its own.
pub(crate) fn refusal(
    error: AccountAdminError,
    labels: &[(&str, Text)],
) -> Result<Notice, PageError> {
    match error {
        AccountAdminError::Invalid(invalid) => Ok(Notice::invalid(&invalid, labels)),
        AccountAdminError::SignInRequired | AccountAdminError::Forbidden => Err(super::forbidden()),
        AccountAdminError::NotFound => Err(PageError::not_found()),
        AccountAdminError::Unavailable(reason) => Err(PageError::unavailable(&reason)),
        AccountAdminError::Unknown(error) => Err(PageError::internal(&error)),
    }
}

/// `GET /admin/settings/accounts`.
#[tracing::instrument(skip_all)]
pub(crate) async fn list(
    State(state): State<AppState>,
    officer: Officer,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    require(&officer, Permission::ManageUsers)?;
    render_list(&state, &officer, &query, &NewAccountForm::default(), None).await
}

/// `POST /admin/settings/accounts`: a new account (an official's, usually).
#[tracing::instrument(skip_all)]
pub(crate) async fn create(
    State(state): State<AppState>,
    officer: Officer,
    Form(form): Form<NewAccountForm>,
) -> Result<Response, PageError> {
    let lang = Lang::current();
    require(&officer, Permission::ManageUsers)?;
    officer.check_form(&state, &form.csrf)?;
    let account = NewAccount {
        registration: RegisterRequest {
            email: form.email.clone(),
            password: form.password.clone(),
            display_name: form.display_name.clone(),
        },
        role: form.role.clone(),
        department: Some(form.department.clone()),
    };
    let notice = match state
        .use_cases()
        .accounts
        .create_account(&officer.actor, account)
        .await
    {
        Ok(user) => return Ok(done(&format!("{PATH}/{}", user.id), "created")),
        Err(RegisterError::Invalid(invalid)) => Notice::invalid(&invalid, &LABELS),
        Err(RegisterError::EmailTaken) => Notice::new(
            StatusCode::CONFLICT,
            vec![(lang.pick(
                "이메일: 이미 가입된 이메일입니다.",
                "E-mail: an account with this e-mail already exists.",
            ))
            .to_owned()],
        ),
        Err(RegisterError::SignInRequired | RegisterError::Forbidden) => {
            return Err(super::forbidden())
        }
        Err(RegisterError::Unavailable(reason)) => return Err(PageError::unavailable(&reason)),
        Err(RegisterError::Unknown(error)) => return Err(PageError::internal(&error)),
    };
    render_list(&state, &officer, &ListQuery::default(), &form, Some(notice)).await
}

async fn departments(state: &AppState) -> Result<Vec<Department>, PageError> {
    state
        .use_cases()
        .directory
        .departments()
        .await
        .map_err(|error| PageError::internal(&error))
}

async fn render_list(
    state: &AppState,
    officer: &Officer,
    query: &ListQuery,
    form: &NewAccountForm,
    notice: Option<Notice>,
) -> Result<Response, PageError> {
    let lang = Lang::current();
    let accounts = &state.use_cases().accounts;
    let departments = departments(state).await?;
    let email = query.email.as_deref().map(str::trim).unwrap_or_default();
    let mut notice = notice;
    let (rows, next) = if email.is_empty() {
        let after = query
            .after
            .as_deref()
            .and_then(|raw| Uuid::parse_str(raw.trim()).ok())
            .map(UserId);
        let page = match accounts.list(&officer.actor, after, PAGE_SIZE).await {
            Ok(page) => page,
            Err(error) => {
                notice = Some(refusal(error, &LABELS)?);
                Vec::new()
            }
        };
        let next = (page.len() >= PAGE_SIZE as usize)
            .then(|| page.last().map(|a| a.user.id))
            .flatten();
        (page, next)
    } else {
        match Email::new(email) {
            Ok(email) => {
                let found = match accounts.find_by_email(&officer.actor, &email).await {
                    Ok(Some(user)) => accounts.account(&officer.actor, user.id).await,
                    Ok(None) => Ok(None),
                    Err(error) => Err(error),
                };
                match found {
                    Ok(found) => (found.into_iter().collect(), None),
                    Err(error) => {
                        notice = Some(refusal(error, &LABELS)?);
                        (Vec::new(), None)
                    }
                }
            }
            Err(error) => {
                notice = Some(Notice::invalid(&error.into(), &LABELS));
                (Vec::new(), None)
            }
        }
    };
    let body = html! {
        section aria-labelledby="accounts-heading" {
            h2 #accounts-heading { (lang.pick("계정 목록", "Accounts")) }
            form.filters method="get" action=(PATH) role="search" aria-label=(lang.pick("계정 찾기", "Find an account")) {
                p {
                    label for="search-email" { (lang.pick("이메일로 찾기", "Find by e-mail")) }
                    input #search-email type="email" name="email" value=(email) autocomplete="off";
                }
                p { button type="submit" { (lang.pick("찾기", "Find")) } }
                @if !email.is_empty() { p { a href=(PATH) { (lang.pick("전체 목록", "All accounts")) } } }
            }
            (table(&rows, &departments, !email.is_empty()))
            @if let Some(next) = next {
                nav aria-label=(lang.pick("페이지", "Pages")) {
                    a rel="next" href={ (PATH) "?after=" (next) } { (lang.pick("다음 페이지", "Next page")) }
                }
            }
        }
        (new_account_form(officer, form, &departments))
    };
    Ok(respond(officer, TITLE.get(), notice, &body))
}

fn department_name<'a>(departments: &'a [Department], account: &'a Account) -> &'a str {
    match &account.user.department {
        Some(code) => departments
            .iter()
            .find(|d| &d.code == code)
            .map_or(code.as_str(), |d| d.name.as_str()),
        None => "",
    }
}

fn table(rows: &[Account], departments: &[Department], searched: bool) -> Markup {
    let lang = Lang::current();
    html! {
        @if rows.is_empty() {
            p.empty { @if searched { (lang.pick("해당 이메일의 계정이 없습니다.", "No account has this e-mail.")) } @else { (lang.pick("계정이 없습니다.", "No accounts.")) } }
        } @else {
            table.queue.accounts {
                caption { (lang.pick("계정 (가입 순)", "Accounts (oldest first)")) }
                (head(&[(lang.pick("이름", "Name")), (lang.pick("이메일", "E-mail")), (lang.pick("역할", "Role")), (lang.pick("부서", "Department")), (lang.pick("상태", "Status")), (lang.pick("만든 때", "Created"))]))
                tbody {
                    @for account in rows {
                        @let user = &account.user;
                        tr data-account=(user.id) {
                            th scope="row" {
                                a href={ (PATH) "/" (user.id) } { (user.display_name.as_str()) }
                            }
                            td { (user.email.as_str()) }
                            td { (format::role(user.role)) }
                            td { (department_name(departments, account)) }
                            td { (state_label(account)) }
                            td { (format::time(user.created_at)) }
                        }
                    }
                }
            }
        }
    }
}

fn state_label(account: &Account) -> Markup {
    let lang = Lang::current();
    html! {
        @match account.disabled_at {
            Some(at) => span.late { (lang.pick("비활성화 (", "Disabled (")) (format::time(at)) ")" },
            None => (lang.pick("사용 중", "Active")),
        }
    }
}

fn role_options(selected: &str) -> Markup {
    html! {
        @for role in ROLES {
            option value=(role.as_str()) selected[selected == role.as_str()] { (format::role(role)) }
        }
    }
}

fn new_account_form(
    officer: &Officer,
    form: &NewAccountForm,
    departments: &[Department],
) -> Markup {
    let lang = Lang::current();
    let role = if form.role.is_empty() {
        "staff"
    } else {
        form.role.as_str()
    };
    html! {
        section aria-labelledby="new-account-heading" {
            h2 #new-account-heading { (lang.pick("공무원 계정 만들기", "Create an officer’s account")) }
            form.settings method="post" action=(PATH) {
                input type="hidden" name="csrf" value=(officer.form_token);
                p {
                    label for="new-email" { (lang.pick("이메일", "E-mail")) }
                    input #new-email type="email" name="email" required value=(form.email) autocomplete="off";
                }
                p {
                    label for="new-name" { (lang.pick("이름", "Name")) }
                    input #new-name type="text" name="display_name" required maxlength="100" value=(form.display_name);
                }
                p {
                    label for="new-password" { (lang.pick("처음 비밀번호", "Initial password")) }
                    input #new-password type="password" name="password" required minlength="10" autocomplete="new-password" aria-describedby="new-password-hint";
                    span #new-password-hint .hint { (lang.pick("10자 이상. 본인이 로그인한 뒤 바꾸도록 안내하세요.", "At least 10 characters. Ask the owner to change it after signing in.")) }
                }
                p {
                    label for="new-role" { (lang.pick("역할", "Role")) }
                    select #new-role name="role" { (role_options(role)) }
                }
                p {
                    label for="new-department" { (lang.pick("부서", "Department")) }
                    select #new-department name="department" aria-describedby="new-department-hint" {
                        (department_options(departments, &form.department, Some(lang.pick("(부서 없음)", "(no department)"))))
                    }
                    span #new-department-hint .hint { (lang.pick("담당 공무원과 부서 관리자는 부서가 필요합니다.", "Officers and department managers need a department.")) }
                }
                p { button type="submit" { (lang.pick("계정 만들기", "Create account")) } }
            }
        }
    }
}

/// The account id in a path; anything but a UUID is "not found".
pub(crate) fn user_id(raw: &str) -> Result<UserId, PageError> {
    Uuid::parse_str(raw)
        .map(UserId)
        .map_err(|_| PageError::not_found())
}

/// `GET /admin/settings/accounts/{id}`.
#[tracing::instrument(skip_all)]
pub(crate) async fn show(
    State(state): State<AppState>,
    officer: Officer,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let lang = Lang::current();
    require(&officer, Permission::ManageUsers)?;
    let id = user_id(&id)?;
    let notice = query.notice(&[
        (
            "created",
            (lang.pick("계정을 만들었습니다.", "The account was created.")),
        ),
        (
            "role",
            (lang.pick(
                "역할과 부서를 바꾸었습니다. 이 계정의 로그인은 모두 끝났습니다.",
                "The role and department were changed. All of this account’s sign-ins have ended.",
            )),
        ),
        (
            "disabled",
            (lang.pick(
                "계정을 비활성화했습니다. 이 계정의 로그인은 모두 끝났습니다.",
                "The account was disabled. All of its sign-ins have ended.",
            )),
        ),
        (
            "enabled",
            (lang.pick(
                "계정을 다시 사용할 수 있게 했습니다.",
                "The account can be used again.",
            )),
        ),
    ]);
    render_account(&state, &officer, id, None, notice).await
}

/// `POST /admin/settings/accounts/{id}/role`.
#[tracing::instrument(skip_all)]
pub(crate) async fn set_role(
    State(state): State<AppState>,
    officer: Officer,
    Path(id): Path<String>,
    Form(form): Form<RoleForm>,
) -> Result<Response, PageError> {
    require(&officer, Permission::ManageUsers)?;
    officer.check_form(&state, &form.csrf)?;
    let id = user_id(&id)?;
    match state
        .use_cases()
        .accounts
        .set_role(&officer.actor, id, &form.role, Some(&form.department))
        .await
    {
        Ok(_) => Ok(done(&format!("{PATH}/{id}"), "role")),
        Err(error) => {
            let notice = refusal(error, &LABELS)?;
            render_account(&state, &officer, id, Some(&form), Some(notice)).await
        }
    }
}

/// `POST /admin/settings/accounts/{id}/status`: disable or enable.
#[tracing::instrument(skip_all)]
pub(crate) async fn set_status(
    State(state): State<AppState>,
    officer: Officer,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> Result<Response, PageError> {
    let lang = Lang::current();
    require(&officer, Permission::ManageUsers)?;
    officer.check_form(&state, &form.csrf)?;
    let id = user_id(&id)?;
    let disable = match form.action.as_str() {
        "disable" => true,
        "enable" => false,
        _ => {
            let notice = Notice::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                vec![(lang.pick(
                    "비활성화 또는 다시 사용 중 하나를 골라 주세요.",
                    "Please choose to disable or to enable the account.",
                ))
                .to_owned()],
            );
            return render_account(&state, &officer, id, None, Some(notice)).await;
        }
    };
    match state
        .use_cases()
        .accounts
        .set_disabled(&officer.actor, id, disable, "console")
        .await
    {
        Ok(_) => Ok(done(
            &format!("{PATH}/{id}"),
            if disable { "disabled" } else { "enabled" },
        )),
        Err(error) => {
            let notice = refusal(error, &LABELS)?;
            render_account(&state, &officer, id, None, Some(notice)).await
        }
    }
}

async fn render_account(
    state: &AppState,
    officer: &Officer,
    id: UserId,
    form: Option<&RoleForm>,
    notice: Option<Notice>,
) -> Result<Response, PageError> {
    let lang = Lang::current();
    let account = state
        .use_cases()
        .accounts
        .account(&officer.actor, id)
        .await
        .or_else(|error| refusal(error, &LABELS).map(|_| None))?
        .ok_or_else(PageError::not_found)?;
    let departments = departments(state).await?;
    let user = &account.user;
    let role = form.map_or(user.role.as_str(), |f| f.role.as_str());
    let department = form.map_or_else(
        || {
            user.department
                .as_ref()
                .map(|d| d.as_str())
                .unwrap_or_default()
        },
        |f| f.department.as_str(),
    );
    let title = format!("{TITLE} — {}", user.display_name.as_str());
    let body = html! {
        dl.account {
            dt { (lang.pick("이름", "Name")) } dd { (user.display_name.as_str()) }
            dt { (lang.pick("이메일", "E-mail")) } dd { (user.email.as_str()) }
            dt { (lang.pick("역할", "Role")) } dd #account-role { (format::role(user.role)) }
            dt { (lang.pick("부서", "Department")) } dd #account-department { (department_name(&departments, &account)) }
            dt { (lang.pick("상태", "Status")) } dd #account-state { (state_label(&account)) }
            dt { (lang.pick("만든 때", "Created")) } dd { (format::time(user.created_at)) }
        }
        @if user.role == Role::Service {
            p.notice role="note" {
                (lang.pick("서비스 계정입니다. ", "This is a service account. "))
                a href={ "/admin/settings/service-accounts/" (user.id) } { (lang.pick("서비스 계정과 API 키", "Service accounts and API keys")) }
                (lang.pick("에서 키를 관리하세요.", " is where its keys are managed."))
            }
        } @else {
            section aria-labelledby="role-heading" {
                h2 #role-heading { (lang.pick("역할과 부서 바꾸기", "Change role and department")) }
                form.settings method="post" action={ (PATH) "/" (user.id) "/role" } {
                    input type="hidden" name="csrf" value=(officer.form_token);
                    p {
                        label for="role" { (lang.pick("역할", "Role")) }
                        select #role name="role" { (role_options(role)) }
                    }
                    p {
                        label for="department" { (lang.pick("부서", "Department")) }
                        select #department name="department" {
                            (department_options(&departments, department, Some(lang.pick("(부서 없음)", "(no department)"))))
                        }
                    }
                    p.hint { (lang.pick("바꾸면 이 계정의 모든 로그인이 끝나고, 새 역할로 다시 로그인해야 합니다.", "A change ends all of this account’s sign-ins; it must sign in again with the new role.")) }
                    p { button type="submit" { (lang.pick("바꾸기", "Change")) } }
                }
            }
            section aria-labelledby="status-heading" {
                h2 #status-heading { (lang.pick("계정 사용", "Account use")) }
                form.settings method="post" action={ (PATH) "/" (user.id) "/status" } {
                    input type="hidden" name="csrf" value=(officer.form_token);
                    @if account.disabled_at.is_some() {
                        input type="hidden" name="action" value="enable";
                        p { button type="submit" { (lang.pick("다시 사용하게 하기", "Enable again")) } }
                    } @else {
                        input type="hidden" name="action" value="disable";
                        p.hint { (lang.pick("비활성화하면 로그인할 수 없고, 지금 로그인한 곳에서도 모두 로그아웃됩니다.", "A disabled account cannot sign in, and is signed out everywhere at once.")) }
                        p { button.danger type="submit" { (lang.pick("비활성화", "Disable")) } }
                    }
                }
            }
        }
        p { a href={ (PATH) "?email=" (encode(user.email.as_str())) } { (lang.pick("계정 목록으로", "Back to the accounts")) } }
    };
    Ok(respond(officer, &title, notice, &body))
}
