//! 서비스 계정과 API 키: integrations' accounts; creating one; issuing a
//! key (shown once, on the answer page, never again) and revoking one (the
//! `ServiceAccounts` use cases, as `/admin/service-accounts…`).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use maud::html;
use serde::Deserialize;
use sinmungo_core::app::{KeyToIssue, NewServiceAccount};
use sinmungo_core::domain::{Permission, UserId};
use sinmungo_http::auth::api_keys;
use sinmungo_http::AppState;
use uuid::Uuid;

use crate::lang::Lang;
use crate::error::PageError;
use crate::format;
use crate::pages::settings::accounts::{refusal, user_id};
use crate::pages::settings::{done, head, require, respond, DoneQuery, Notice};
use crate::session::Officer;

const TITLE: &str = "서비스 계정과 API 키";
const PATH: &str = "/admin/settings/service-accounts";

/// What the forms' fields are called on the page.
const LABELS: [(&str, &str); 3] = [
    ("display_name", "이름"),
    ("email", "연락처 이메일"),
    ("label", "키 이름(용도)"),
];

/// The new service account form.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct NewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    contact_email: String,
}

/// The key forms (issue: a label; revoke: the token alone).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct KeyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    label: String,
}

/// `GET /admin/settings/service-accounts`.
#[tracing::instrument(skip_all)]
pub(crate) async fn list(
    State(state): State<AppState>,
    officer: Officer,
) -> Result<Response, PageError> {
    require(&officer, Permission::ManageServiceAccounts)?;
    render_list(&state, &officer, &NewForm::default(), None).await
}

/// `POST /admin/settings/service-accounts`.
#[tracing::instrument(skip_all)]
pub(crate) async fn create(
    State(state): State<AppState>,
    officer: Officer,
    Form(form): Form<NewForm>,
) -> Result<Response, PageError> {
    require(&officer, Permission::ManageServiceAccounts)?;
    officer.check_form(&state, &form.csrf)?;
    let outcome = state
        .use_cases()
        .service_accounts
        .create(
            &officer.actor,
            NewServiceAccount {
                name: form.name.clone(),
                contact_email: form.contact_email.clone(),
            },
        )
        .await;
    match outcome {
        Ok(user) => Ok(done(&format!("{PATH}/{}", user.id), "created")),
        Err(error) => {
            let notice = refusal(error, &LABELS)?;
            render_list(&state, &officer, &form, Some(notice)).await
        }
    }
}

async fn render_list(
    state: &AppState,
    officer: &Officer,
    form: &NewForm,
    notice: Option<Notice>,
) -> Result<Response, PageError> {
    let accounts = state
        .use_cases()
        .service_accounts
        .list(&officer.actor)
        .await
        .or_else(|error| refusal(error, &LABELS).map(|_| Vec::new()))?;
    let body = html! {
        @if accounts.is_empty() {
            p.empty { "서비스 계정이 없습니다." }
        } @else {
            table.queue.service-accounts {
                caption { "서비스 계정" }
                (head(&["이름", "연락처 이메일", "만든 때"]))
                tbody {
                    @for user in &accounts {
                        tr {
                            th scope="row" { a href={ (PATH) "/" (user.id) } { (user.display_name.as_str()) } }
                            td { (user.email.as_str()) }
                            td { (format::time(user.created_at)) }
                        }
                    }
                }
            }
        }
        section aria-labelledby="new-service-heading" {
            h2 #new-service-heading { "서비스 계정 만들기" }
            form.settings method="post" action=(PATH) {
                input type="hidden" name="csrf" value=(officer.form_token);
                p {
                    label for="service-name" { "이름" }
                    input #service-name type="text" name="name" required maxlength="100" value=(form.name) aria-describedby="service-name-hint";
                    span #service-name-hint .hint { "예: 120 콜센터 연계" }
                }
                p {
                    label for="service-email" { "연락처 이메일" }
                    input #service-email type="email" name="contact_email" required value=(form.contact_email);
                }
                p { button type="submit" { "서비스 계정 만들기" } }
            }
        }
    };
    Ok(respond(officer, TITLE, notice, &body))
}

/// `GET /admin/settings/service-accounts/{id}`: the account and its keys.
#[tracing::instrument(skip_all)]
pub(crate) async fn show(
    State(state): State<AppState>,
    officer: Officer,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    require(&officer, Permission::ManageServiceAccounts)?;
    let id = user_id(&id)?;
    let notice = query.notice(&[
        (
            "created",
            "서비스 계정을 만들었습니다. 이제 API 키를 발급하세요.",
        ),
        (
            "revoked",
            "API 키를 폐기했습니다. 이 키로는 더 이상 접속할 수 없습니다.",
        ),
    ]);
    render_account(&state, &officer, id, None, notice).await
}

/// `POST /admin/settings/service-accounts/{id}/keys`: a new key, shown on
/// the answer (201) and never again.
#[tracing::instrument(skip_all)]
pub(crate) async fn issue(
    State(state): State<AppState>,
    officer: Officer,
    Path(id): Path<String>,
    Form(form): Form<KeyForm>,
) -> Result<Response, PageError> {
    require(&officer, Permission::ManageServiceAccounts)?;
    officer.check_form(&state, &form.csrf)?;
    let id = user_id(&id)?;
    let (key, prefix, key_hash) = api_keys::generate();
    let outcome = state
        .use_cases()
        .service_accounts
        .issue_key(
            &officer.actor,
            id,
            KeyToIssue {
                label: form.label,
                prefix,
                key_hash,
            },
        )
        .await;
    match outcome {
        Ok(_) => {
            let notice = Notice::new(
                StatusCode::CREATED,
                vec!["API 키를 발급했습니다.".to_owned()],
            );
            render_account(&state, &officer, id, Some(&key), Some(notice)).await
        }
        Err(error) => {
            let notice = refusal(error, &LABELS)?;
            render_account(&state, &officer, id, None, Some(notice)).await
        }
    }
}

/// `POST /admin/settings/service-accounts/{id}/keys/{key}/revoke`.
#[tracing::instrument(skip_all)]
pub(crate) async fn revoke(
    State(state): State<AppState>,
    officer: Officer,
    Path((id, key)): Path<(String, String)>,
    Form(form): Form<KeyForm>,
) -> Result<Response, PageError> {
    require(&officer, Permission::ManageServiceAccounts)?;
    officer.check_form(&state, &form.csrf)?;
    let id = user_id(&id)?;
    let key = Uuid::parse_str(&key).map_err(|_| PageError::not_found())?;
    match state
        .use_cases()
        .service_accounts
        .revoke_key(&officer.actor, id, key)
        .await
    {
        Ok(()) => Ok(done(&format!("{PATH}/{id}"), "revoked")),
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
    issued: Option<&str>,
    notice: Option<Notice>,
) -> Result<Response, PageError> {
    let use_case = &state.use_cases().service_accounts;
    let account = use_case
        .get(&officer.actor, id)
        .await
        .or_else(|error| refusal(error, &LABELS).and(Err(PageError::not_found())))?;
    let keys = use_case
        .keys(&officer.actor, id)
        .await
        .or_else(|error| refusal(error, &LABELS).map(|_| Vec::new()))?;
    let title = format!("{TITLE} — {}", account.display_name.as_str());
    let base = format!("{PATH}/{}", account.id);
    let body = html! {
        @if let Some(key) = issued {
            section.issued-key aria-labelledby="issued-heading" {
                h2 #issued-heading { "새 API 키" }
                p.warning role="alert" {
                    strong { "이 키는 지금 한 번만 보입니다." }
                    " 안전한 곳에 복사해 두세요. 이 페이지를 떠나면 다시 볼 수 없으며, 잃어버리면 새 키를 발급하고 이 키를 폐기해야 합니다."
                }
                p {
                    label for="issued-key" { "API 키" }
                    input #issued-key.secret type="text" readonly value=(key) autocomplete="off" spellcheck="false";
                }
            }
        }
        dl.account {
            dt { "이름" } dd { (account.display_name.as_str()) }
            dt { "연락처 이메일" } dd { (account.email.as_str()) }
            dt { "만든 때" } dd { (format::time(account.created_at)) }
        }
        section aria-labelledby="keys-heading" {
            h2 #keys-heading { "API 키" }
            @if keys.is_empty() {
                p.empty { "발급한 키가 없습니다." }
            } @else {
                table.queue.keys {
                    caption { "API 키 (최근 발급 순). 키 자체는 저장되지 않아 다시 볼 수 없습니다." }
                    (head(&["키 이름(용도)", "앞자리", "발급", "상태", "폐기"]))
                    tbody {
                        @for key in &keys {
                            tr data-key=(key.id) {
                                th scope="row" { (key.label) }
                                td { code { (key.prefix) "…" } }
                                td { (format::time(key.created_at)) }
                                td {
                                    @match key.revoked_at {
                                        Some(at) => span.late { "폐기됨 (" (format::time(at)) ")" },
                                        None => "사용 중",
                                    }
                                }
                                td {
                                    @if key.revoked_at.is_none() {
                                        form method="post" action={ (base) "/keys/" (key.id) "/revoke" } {
                                            input type="hidden" name="csrf" value=(officer.form_token);
                                            button.danger type="submit" aria-label={ (key.label) " 키 폐기" } { "폐기" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            form.settings method="post" action={ (base) "/keys" } {
                input type="hidden" name="csrf" value=(officer.form_token);
                p {
                    label for="key-label" { "키 이름(용도)" }
                    input #key-label type="text" name="label" required maxlength="100" aria-describedby="key-label-hint";
                    span #key-label-hint .hint { "예: 운영 서버, 시험 서버" }
                }
                p { button type="submit" { "새 키 발급" } }
            }
        }
        p { a href=(PATH) { "서비스 계정 목록으로" } }
    };
    Ok(respond(officer, &title, notice, &body))
}
