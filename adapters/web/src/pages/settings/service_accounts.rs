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

use crate::error::PageError;
use crate::format;
use crate::lang::{Lang, Text};
use crate::pages::settings::accounts::{refusal, user_id};
use crate::pages::settings::{done, head, require, respond, DoneQuery, Notice};
use crate::session::Officer;

const TITLE: Text = Text("서비스 계정과 API 키", "Service accounts and API keys");
const PATH: &str = "/admin/settings/service-accounts";

/// What the forms' fields are called on the page.
const LABELS: [(&str, Text); 3] = [
    ("display_name", Text("이름", "Name")),
    ("email", Text("연락처 이메일", "Contact e-mail")),
    ("label", Text("키 이름(용도)", "Key name (purpose)")),
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
    let lang = Lang::current();
    let accounts = state
        .use_cases()
        .service_accounts
        .list(&officer.actor)
        .await
        .or_else(|error| refusal(error, &LABELS).map(|_| Vec::new()))?;
    let body = html! {
        @if accounts.is_empty() {
            p.empty { (lang.pick("서비스 계정이 없습니다.", "No service accounts.")) }
        } @else {
            table.queue.service-accounts {
                caption { (lang.pick("서비스 계정", "Service accounts")) }
                (head(&[(lang.pick("이름", "Name")), (lang.pick("연락처 이메일", "Contact e-mail")), (lang.pick("만든 때", "Created"))]))
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
            h2 #new-service-heading { (lang.pick("서비스 계정 만들기", "Create a service account")) }
            form.settings method="post" action=(PATH) {
                input type="hidden" name="csrf" value=(officer.form_token);
                p {
                    label for="service-name" { (lang.pick("이름", "Name")) }
                    input #service-name type="text" name="name" required maxlength="100" value=(form.name) aria-describedby="service-name-hint";
                    span #service-name-hint .hint { (lang.pick("예: 120 콜센터 연계", "e.g. 120 call centre link")) }
                }
                p {
                    label for="service-email" { (lang.pick("연락처 이메일", "Contact e-mail")) }
                    input #service-email type="email" name="contact_email" required value=(form.contact_email);
                }
                p { button type="submit" { (lang.pick("서비스 계정 만들기", "Create a service account")) } }
            }
        }
    };
    Ok(respond(officer, TITLE.get(), notice, &body))
}

/// `GET /admin/settings/service-accounts/{id}`: the account and its keys.
#[tracing::instrument(skip_all)]
pub(crate) async fn show(
    State(state): State<AppState>,
    officer: Officer,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let lang = Lang::current();
    require(&officer, Permission::ManageServiceAccounts)?;
    let id = user_id(&id)?;
    let notice = query.notice(&[
        (
            "created",
            (lang.pick(
                "서비스 계정을 만들었습니다. 이제 API 키를 발급하세요.",
                "The service account was created. Now issue an API key.",
            )),
        ),
        (
            "revoked",
            (lang.pick(
                "API 키를 폐기했습니다. 이 키로는 더 이상 접속할 수 없습니다.",
                "The API key was revoked. It can no longer be used.",
            )),
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
    let lang = Lang::current();
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
                vec![(lang.pick("API 키를 발급했습니다.", "The API key was issued.")).to_owned()],
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
    let lang = Lang::current();
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
                h2 #issued-heading { (lang.pick("새 API 키", "New API key")) }
                p.warning role="alert" {
                    strong { (lang.pick("이 키는 지금 한 번만 보입니다.", "This key is shown only now, once.")) }
                    (lang.pick(" 안전한 곳에 복사해 두세요. 이 페이지를 떠나면 다시 볼 수 없으며, 잃어버리면 새 키를 발급하고 이 키를 폐기해야 합니다.", " Copy it somewhere safe. Once you leave this page it cannot be shown again; if it is lost, issue a new key and revoke this one."))
                }
                p {
                    label for="issued-key" { (lang.pick("API 키", "API keys")) }
                    input #issued-key.secret type="text" readonly value=(key) autocomplete="off" spellcheck="false";
                }
            }
        }
        dl.account {
            dt { (lang.pick("이름", "Name")) } dd { (account.display_name.as_str()) }
            dt { (lang.pick("연락처 이메일", "Contact e-mail")) } dd { (account.email.as_str()) }
            dt { (lang.pick("만든 때", "Created")) } dd { (format::time(account.created_at)) }
        }
        section aria-labelledby="keys-heading" {
            h2 #keys-heading { (lang.pick("API 키", "API keys")) }
            @if keys.is_empty() {
                p.empty { (lang.pick("발급한 키가 없습니다.", "No keys issued.")) }
            } @else {
                table.queue.keys {
                    caption { (lang.pick("API 키 (최근 발급 순). 키 자체는 저장되지 않아 다시 볼 수 없습니다.", "API keys (newest first). The keys themselves are not stored and cannot be shown again.")) }
                    (head(&[(lang.pick("키 이름(용도)", "Key name (purpose)")), (lang.pick("앞자리", "Prefix")), (lang.pick("발급", "Issued")), (lang.pick("상태", "Status")), (lang.pick("폐기", "Revoke"))]))
                    tbody {
                        @for key in &keys {
                            tr data-key=(key.id) {
                                th scope="row" { (key.label) }
                                td { code { (key.prefix) "…" } }
                                td { (format::time(key.created_at)) }
                                td {
                                    @match key.revoked_at {
                                        Some(at) => span.late { (lang.pick("폐기됨 (", "Revoked (")) (format::time(at)) ")" },
                                        None => (lang.pick("사용 중", "Active")),
                                    }
                                }
                                td {
                                    @if key.revoked_at.is_none() {
                                        form method="post" action={ (base) "/keys/" (key.id) "/revoke" } {
                                            input type="hidden" name="csrf" value=(officer.form_token);
                                            button.danger type="submit" aria-label={ (key.label) (lang.pick(" 키 폐기", " key revoke")) } { (lang.pick("폐기", "Revoke")) }
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
                    label for="key-label" { (lang.pick("키 이름(용도)", "Key name (purpose)")) }
                    input #key-label type="text" name="label" required maxlength="100" aria-describedby="key-label-hint";
                    span #key-label-hint .hint { (lang.pick("예: 운영 서버, 시험 서버", "e.g. production server, test server")) }
                }
                p { button type="submit" { (lang.pick("새 키 발급", "Issue a new key")) } }
            }
        }
        p { a href=(PATH) { (lang.pick("서비스 계정 목록으로", "Back to the service accounts")) } }
    };
    Ok(respond(officer, &title, notice, &body))
}
