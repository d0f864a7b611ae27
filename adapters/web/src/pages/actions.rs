//! The report page's forms: each checks the form token first, calls its use
//! case, and answers 303 back to the page on success, or the page again with
//! the refusal next to the form (409 on a conflict — the report as it is
//! now, with its new version —, 422 on invalid input, 403 when the role may
//! not). Never a 500 for what a user can cause.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use sinmungo_core::app::{
    ActionError, AssignRequest, CommentRequest, ConflictReason, ReclassifyRequest,
    TransitionRequest,
};
use sinmungo_core::domain::{FieldError, Invalid, ReportId};
use sinmungo_http::AppState;
use uuid::Uuid;

use crate::error::PageError;
use crate::forms::{self, AssignForm, CommentForm, ReclassifyForm, StatusForm};
use crate::pages::report::{self, FormName, Notice};
use crate::session::{NoOfficer, Officer};

/// What an officer is told when someone changed the report first.
pub(crate) const CONFLICT: &str =
    "다른 사람이 먼저 이 신고를 변경했습니다. 새로 고친 뒤 다시 시도해 주세요";

/// The answer to an action: back to the page, or the page with the refusal.
async fn answer<T>(
    state: &AppState,
    officer: &Officer,
    id: ReportId,
    form: FormName,
    done: &str,
    outcome: Result<T, ActionError>,
) -> Response {
    let error = match outcome {
        Ok(_) => return Redirect::to(&format!("/admin/reports/{id}?done={done}")).into_response(),
        Err(error) => error.into_parts().0,
    };
    let (status, messages) = match error {
        ActionError::Conflict(
            ConflictReason::VersionMismatch { .. } | ConflictReason::ConcurrentChange,
        ) => (StatusCode::CONFLICT, vec![CONFLICT.to_owned()]),
        ActionError::Conflict(ConflictReason::InvalidTransition { from, to }) => (
            StatusCode::CONFLICT,
            vec![format!(
                "지금 상태({})에서는 '{}'(으)로 바꿀 수 없습니다. 새로 고친 뒤 다시 확인해 주세요.",
                from.label_ko(),
                to.label_ko()
            )],
        ),
        ActionError::Conflict(ConflictReason::NotOpen(status)) => (
            StatusCode::CONFLICT,
            vec![format!(
                "'{}' 상태인 신고는 더 이상 이렇게 바꿀 수 없습니다.",
                status.label_ko()
            )],
        ),
        ActionError::Conflict(ConflictReason::AlreadySupported) => {
            (StatusCode::CONFLICT, vec![CONFLICT.to_owned()])
        }
        ActionError::Invalid(invalid) => {
            (StatusCode::UNPROCESSABLE_ENTITY, forms::messages(&invalid))
        }
        ActionError::Forbidden(reason) => (
            StatusCode::FORBIDDEN,
            vec![forms::korean(reason)
                .unwrap_or("이 신고에 이 처리를 할 권한이 없습니다.")
                .to_owned()],
        ),
        ActionError::NotFound => return PageError::not_found().into_response(),
        ActionError::SignInRequired => return NoOfficer::SignIn.into_response(),
        ActionError::Unavailable(reason) => return PageError::unavailable(&reason).into_response(),
        ActionError::Unknown(error) => return PageError::internal(&error).into_response(),
        ActionError::BlobsLeftBehind { error, .. } => {
            return PageError::internal(&error).into_response()
        }
    };
    let notice = Notice {
        status,
        form: Some(form),
        error: true,
        messages,
    };
    match report::render(state, officer, id, Some(notice)).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

/// An invalid field as an action error.
fn invalid(field: &str, code: &'static str, message: &str) -> ActionError {
    ActionError::Invalid(Invalid::from(FieldError::new(field, code, message)))
}

/// `POST /admin/reports/{id}/status`: start, resolve with a note, reject
/// with a reason — with the version the officer saw.
#[tracing::instrument(skip_all)]
pub(crate) async fn status(
    State(state): State<AppState>,
    officer: Officer,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> Result<Response, PageError> {
    officer.check_form(&state, &form.csrf)?;
    let id = report::report_id(&id)?;
    let expected = match form.expected_version.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(raw) => raw.parse::<u64>().map(Some).map_err(|_| {
            invalid(
                "expected_version",
                "invalid_version",
                "페이지 정보가 올바르지 않습니다. 새로 고친 뒤 다시 시도해 주세요",
            )
        }),
    };
    let outcome = match expected {
        Ok(expected_version) => {
            state
                .use_cases()
                .transition
                .execute(
                    &officer.actor,
                    id,
                    TransitionRequest {
                        to: form.to,
                        note: form.note,
                        duplicate_of: None,
                        expected_version,
                    },
                )
                .await
        }
        Err(error) => Err(error),
    };
    Ok(answer(&state, &officer, id, FormName::Status, "status", outcome).await)
}

/// `POST /admin/reports/{id}/assign`: to an officer of the report's
/// department (managers and admins).
#[tracing::instrument(skip_all)]
pub(crate) async fn assign(
    State(state): State<AppState>,
    officer: Officer,
    Path(id): Path<String>,
    Form(form): Form<AssignForm>,
) -> Result<Response, PageError> {
    officer.check_form(&state, &form.csrf)?;
    let id = report::report_id(&id)?;
    let outcome = match Uuid::parse_str(form.assignee.trim()) {
        Ok(assignee) => {
            state
                .use_cases()
                .assign
                .execute(
                    &officer.actor,
                    id,
                    AssignRequest {
                        department: None,
                        assignee: Some(assignee),
                    },
                )
                .await
        }
        Err(_) => Err(invalid("assignee", "required", "담당자를 선택해 주세요")),
    };
    Ok(answer(&state, &officer, id, FormName::Assign, "assign", outcome).await)
}

/// `POST /admin/reports/{id}/comments`: an internal note or a public comment.
#[tracing::instrument(skip_all)]
pub(crate) async fn comment(
    State(state): State<AppState>,
    officer: Officer,
    Path(id): Path<String>,
    Form(form): Form<CommentForm>,
) -> Result<Response, PageError> {
    officer.check_form(&state, &form.csrf)?;
    let id = report::report_id(&id)?;
    let outcome = state
        .use_cases()
        .comment
        .execute(
            &officer.actor,
            id,
            CommentRequest {
                body: form.body,
                internal: form.visibility != "public",
            },
        )
        .await;
    Ok(answer(&state, &officer, id, FormName::Comment, "comment", outcome).await)
}

/// `POST /admin/reports/{id}/classification`: category and priority.
#[tracing::instrument(skip_all)]
pub(crate) async fn reclassify(
    State(state): State<AppState>,
    officer: Officer,
    Path(id): Path<String>,
    Form(form): Form<ReclassifyForm>,
) -> Result<Response, PageError> {
    officer.check_form(&state, &form.csrf)?;
    let id = report::report_id(&id)?;
    let outcome = state
        .use_cases()
        .reclassify
        .execute(
            &officer.actor,
            id,
            ReclassifyRequest {
                category: form.category,
                priority: form.priority,
            },
        )
        .await;
    Ok(answer(
        &state,
        &officer,
        id,
        FormName::Reclassify,
        "classification",
        outcome,
    )
    .await)
}
