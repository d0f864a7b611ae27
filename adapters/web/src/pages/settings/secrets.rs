//! 비밀 값: the names of stored secrets and when (and by whom) each was
//! last set — never a value —; setting or replacing one (the value typed in
//! a password field and never echoed back) and deleting one (the `Secrets`
//! use cases, as `/admin/secrets…`).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use maud::html;
use serde::Deserialize;
use sinmungo_core::app::SecretError;
use sinmungo_core::domain::Permission;
use sinmungo_http::AppState;

use crate::error::PageError;
use crate::format;
use crate::lang::{Lang, Text};
use crate::pages::settings::{done, head, names, require, respond, DoneQuery, Notice};
use crate::session::Officer;

const TITLE: Text = Text("비밀 값", "Secrets");
const PATH: &str = "/admin/settings/secrets";

/// What the form's fields are called on the page.
const LABELS: [(&str, Text); 2] = [
    ("name", Text("이름", "Name")),
    ("value", Text("값", "Value")),
];

/// The set form (the delete form sends the token alone).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct SecretForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    value: String,
}

fn refusal(error: SecretError) -> Result<Notice, PageError> {
    let lang = Lang::current();
    match error {
        SecretError::Invalid(invalid) => Ok(Notice::invalid(&invalid, &LABELS)),
        SecretError::SignInRequired | SecretError::Forbidden => Err(super::forbidden()),
        SecretError::NotFound => Ok(Notice::new(
            StatusCode::NOT_FOUND,
            vec![(lang.pick(
                "그 이름의 비밀 값이 없습니다. 이미 삭제되었을 수 있습니다.",
                "There is no secret of that name. It may have been deleted already.",
            ))
            .to_owned()],
        )),
        SecretError::Unavailable(reason) => Err(PageError::unavailable(&reason)),
        SecretError::Sealing(error) => Err(PageError::internal(&error)),
        SecretError::Unknown(error) => Err(PageError::internal(&error)),
    }
}

/// `GET /admin/settings/secrets`.
#[tracing::instrument(skip_all)]
pub(crate) async fn list(
    State(state): State<AppState>,
    officer: Officer,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let lang = Lang::current();
    require(&officer, Permission::ManageSecrets)?;
    let notice = query.notice(&[
        (
            "set",
            (lang.pick(
                "비밀 값을 저장했습니다. 저장한 값은 다시 볼 수 없습니다.",
                "The secret was stored. It cannot be shown again.",
            )),
        ),
        (
            "deleted",
            (lang.pick("비밀 값을 삭제했습니다.", "The secret was deleted.")),
        ),
    ]);
    render(&state, &officer, "", notice).await
}

/// `POST /admin/settings/secrets`: set or replace one.
#[tracing::instrument(skip_all)]
pub(crate) async fn set(
    State(state): State<AppState>,
    officer: Officer,
    Form(form): Form<SecretForm>,
) -> Result<Response, PageError> {
    require(&officer, Permission::ManageSecrets)?;
    officer.check_form(&state, &form.csrf)?;
    let name = form.name.trim();
    match state
        .use_cases()
        .secrets
        .set(&officer.actor, name, form.value)
        .await
    {
        Ok(_) => Ok(done(PATH, "set")),
        Err(error) => {
            let notice = refusal(error)?;
            render(&state, &officer, name, Some(notice)).await
        }
    }
}

/// `POST /admin/settings/secrets/{name}/delete`.
#[tracing::instrument(skip_all)]
pub(crate) async fn delete(
    State(state): State<AppState>,
    officer: Officer,
    Path(name): Path<String>,
    Form(form): Form<SecretForm>,
) -> Result<Response, PageError> {
    require(&officer, Permission::ManageSecrets)?;
    officer.check_form(&state, &form.csrf)?;
    match state
        .use_cases()
        .secrets
        .delete(&officer.actor, &name)
        .await
    {
        Ok(()) => Ok(done(PATH, "deleted")),
        Err(error) => {
            let notice = refusal(error)?;
            render(&state, &officer, "", Some(notice)).await
        }
    }
}

async fn render(
    state: &AppState,
    officer: &Officer,
    name: &str,
    notice: Option<Notice>,
) -> Result<Response, PageError> {
    let lang = Lang::current();
    let secrets = state
        .use_cases()
        .secrets
        .list(&officer.actor)
        .await
        .or_else(|error| refusal(error).map(|_| Vec::new()))?;
    let names = names(state, secrets.iter().filter_map(|s| s.updated_by).collect()).await?;
    let body = html! {
        p { (lang.pick("저장한 비밀 값은 암호화되어 보관되며, 이 화면에서도 다시 볼 수 없습니다. 이름과 바꾼 때만 보입니다.", "Stored secrets are kept encrypted and cannot be shown again, here either. Only their names and when they changed are shown.")) }
        @if secrets.is_empty() {
            p.empty { (lang.pick("저장된 비밀 값이 없습니다.", "No secrets are stored.")) }
        } @else {
            table.queue.secrets {
                caption { (lang.pick("저장된 비밀 값", "Stored secrets")) }
                (head(&[(lang.pick("이름", "Name")), (lang.pick("바꾼 때", "Changed")), (lang.pick("바꾼 사람", "Changed by")), (lang.pick("삭제", "Delete"))]))
                tbody {
                    @for secret in &secrets {
                        tr data-secret=(secret.name.as_str()) {
                            th scope="row" { code { (secret.name.as_str()) } }
                            td { (format::time(secret.updated_at)) }
                            td {
                                @match secret.updated_by {
                                    Some(id) => (names.get(&id).map_or(lang.pick("(알 수 없음)", "(unknown)"), String::as_str)),
                                    None => span.none { (lang.pick("운영자 (명령줄)", "Operator (command line)")) },
                                }
                            }
                            td {
                                form method="post" action={ (PATH) "/" (secret.name.as_str()) "/delete" } {
                                    input type="hidden" name="csrf" value=(officer.form_token);
                                    button.danger type="submit" aria-label={ (secret.name.as_str()) (lang.pick(" 삭제", " delete")) } { (lang.pick("삭제", "Delete")) }
                                }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="set-secret-heading" {
            h2 #set-secret-heading { (lang.pick("비밀 값 저장 또는 교체", "Store or replace a secret")) }
            form.settings method="post" action=(PATH) autocomplete="off" {
                input type="hidden" name="csrf" value=(officer.form_token);
                p {
                    label for="secret-name" { (lang.pick("이름", "Name")) }
                    input #secret-name type="text" name="name" required maxlength="100" value=(name) aria-describedby="secret-name-hint";
                    span #secret-name-hint .hint { (lang.pick("영문 소문자, 숫자, '.', '_', '-'. 같은 이름이 있으면 값을 교체합니다.", "Lower-case letters, digits, '.', '_', '-'. A secret of the same name is replaced.")) }
                }
                p {
                    label for="secret-value" { (lang.pick("값", "Value")) }
                    input #secret-value type="password" name="value" required autocomplete="new-password";
                }
                p { button type="submit" { (lang.pick("저장", "Save")) } }
            }
        }
    };
    Ok(respond(officer, TITLE.get(), notice, &body))
}
