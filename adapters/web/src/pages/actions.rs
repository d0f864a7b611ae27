//! The report page's forms: each checks the form token first, calls its use
//! case, and answers 303 back to the page on success, or the page again with
//! the refusal next to the form (409 on a conflict — the report as it is
//! now, with its new version —, 422 on invalid input, 403 when the role may
//! not). Never a 500 for what a user can cause.

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use sinmungo_core::app::{
    ActionError, AssignRequest, CommentRequest, ConflictReason, ReclassifyRequest, ReportView,
    TransitionRequest,
};
use sinmungo_core::domain::{FieldError, Invalid, ReportId};
use sinmungo_http::AppState;
use uuid::Uuid;

use crate::error::PageError;
use crate::format;
use crate::forms::{self, AssignForm, CommentForm, ReclassifyForm, StatusForm};
use crate::lang::{Lang, Text};
use crate::pages::report::{self, FormName, Notice};
use crate::session::{NoOfficer, Officer};

/// What an officer is told when someone changed the report first.
pub(crate) const CONFLICT: Text = Text(
    "다른 사람이 먼저 이 신고를 변경했습니다. 새로 고친 뒤 다시 시도해 주세요",
    "Someone else changed this report first. Reload the page and try again",
);

/// The answer to an action: back to the page, or the page with the refusal.
async fn answer<T>(
    state: &AppState,
    officer: &Officer,
    id: ReportId,
    form: FormName,
    done: &str,
    outcome: Result<T, ActionError>,
) -> Response {
    let lang = Lang::current();
    let error = match outcome {
        Ok(_) => return Redirect::to(&format!("/admin/reports/{id}?done={done}")).into_response(),
        Err(error) => error.into_parts().0,
    };
    let (status, messages) = match error {
        ActionError::Conflict(
            ConflictReason::VersionMismatch { .. } | ConflictReason::ConcurrentChange,
        ) => (StatusCode::CONFLICT, vec![CONFLICT.get().to_owned()]),
        ActionError::Conflict(ConflictReason::InvalidTransition { from, to }) => (
            StatusCode::CONFLICT,
            vec![lang.pick_string(
                || format!(
                    "지금 상태({})에서는 '{}'(으)로 바꿀 수 없습니다. 새로 고친 뒤 다시 확인해 주세요.",
                    format::status(from),
                    format::status(to)
                ),
                || format!(
                    "A report that is '{}' cannot become '{}'. Reload the page and check again.",
                    format::status(from),
                    format::status(to)
                ),
            )],
        ),
        ActionError::Conflict(ConflictReason::NotOpen(status)) => (
            StatusCode::CONFLICT,
            vec![lang.pick_string(
                || format!(
                    "'{}' 상태인 신고는 더 이상 이렇게 바꿀 수 없습니다.",
                    format::status(status)
                ),
                || format!(
                    "A report that is '{}' can no longer be changed this way.",
                    format::status(status)
                ),
            )],
        ),
        ActionError::Conflict(ConflictReason::AlreadySupported) => {
            (StatusCode::CONFLICT, vec![CONFLICT.get().to_owned()])
        }
        ActionError::Invalid(invalid) => {
            (StatusCode::UNPROCESSABLE_ENTITY, forms::messages(&invalid))
        }
        ActionError::Forbidden(reason) => (
            StatusCode::FORBIDDEN,
            vec![forms::korean(reason)
                .unwrap_or(lang.pick(
                    "이 신고에 이 처리를 할 권한이 없습니다.",
                    "You may not do this to this report.",
                ))
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

/// `POST /admin/reports/{id}/status`: start, reject with a reason, mark a
/// duplicate of another report — with the version the officer saw.
#[tracing::instrument(skip_all)]
pub(crate) async fn status(
    State(state): State<AppState>,
    officer: Officer,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> Result<Response, PageError> {
    let lang = Lang::current();
    officer.check_form(&state, &form.csrf)?;
    let id = report::report_id(&id)?;
    let duplicate_of = match form.duplicate_of.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(raw) => Uuid::parse_str(raw).map(Some).map_err(|_| {
            invalid(
                "duplicate_of",
                "invalid",
                lang.pick(
                    "원래 신고를 다시 선택해 주세요",
                    "Please choose the original report again",
                ),
            )
        }),
    };
    let outcome = match duplicate_of {
        Ok(duplicate_of) => {
            transition(
                &state,
                &officer,
                id,
                TransitionRequest {
                    to: form.to,
                    note: form.note,
                    duplicate_of,
                    expected_version: None,
                },
                form.expected_version.as_deref(),
            )
            .await
        }
        Err(error) => Err(error),
    };
    Ok(answer(&state, &officer, id, FormName::Status, "status", outcome).await)
}

/// Changes the status with the version the page showed (`expected`).
async fn transition(
    state: &AppState,
    officer: &Officer,
    id: ReportId,
    mut request: TransitionRequest,
    expected: Option<&str>,
) -> Result<ReportView, ActionError> {
    let lang = Lang::current();
    request.expected_version = match expected.map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(raw.parse::<u64>().map_err(|_| {
            invalid(
                "expected_version",
                "invalid_version",
                lang.pick(
                    "페이지 정보가 올바르지 않습니다. 새로 고친 뒤 다시 시도해 주세요",
                    "The page’s details are not valid. Reload the page and try again",
                ),
            )
        })?),
    };
    state
        .use_cases()
        .transition
        .execute(&officer.actor, id, request)
        .await
}

/// The text fields of the resolution form (beside its `photos`).
const RESOLVE_FIELDS: [&str; 3] = ["csrf", "note", "expected_version"];

/// `POST /admin/reports/{id}/resolve` (`multipart/form-data`): resolves
/// with a note and, optionally, photos of the work done. The photos are
/// received and checked first (a bad one changes nothing), the report is
/// resolved with the version the page showed, then the photos are added
/// to it as resolution photos.
#[tracing::instrument(skip_all)]
pub(crate) async fn resolve(
    State(state): State<AppState>,
    officer: Officer,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, PageError> {
    let id = report::report_id(&id)?;
    let (fields, photos) = match state
        .uploads()
        .fields_and_photos(request, &RESOLVE_FIELDS)
        .await
    {
        Ok(form) => form,
        Err(problem) => {
            let outcome: Result<(), _> =
                Err(invalid("photos", problem.code(), &photo_message(&problem)));
            return Ok(answer(&state, &officer, id, FormName::Status, "status", outcome).await);
        }
    };
    officer.check_form(&state, fields.get("csrf").map_or("", String::as_str))?;
    let resolved = transition(
        &state,
        &officer,
        id,
        TransitionRequest {
            to: "resolved".to_owned(),
            note: fields.get("note").cloned(),
            duplicate_of: None,
            expected_version: None,
        },
        fields.get("expected_version").map(String::as_str),
    )
    .await;
    if resolved.is_err() || photos.is_empty() {
        return Ok(answer(&state, &officer, id, FormName::Status, "status", resolved).await);
    }
    let added = state
        .use_cases()
        .add_photos
        .execute(&officer.actor, id, photos)
        .await;
    if let Ok(added) = &added {
        for leftover in &added.leftover_blobs {
            tracing::warn!(?leftover, "an uploaded photo's blob could not be removed");
        }
    }
    Ok(answer(
        &state,
        &officer,
        id,
        FormName::Status,
        "resolved-with-photos",
        added,
    )
    .await)
}

/// What an officer is told about a refused upload, in Korean.
fn photo_message(problem: &sinmungo_http::ApiError) -> String {
    let lang = Lang::current();
    match problem.code() {
        "unsupported_media_type" => (lang.pick(
            "사진은 JPEG, PNG, WebP 파일만 올릴 수 있습니다 (HEIC는 JPEG로 바꿔 주세요).",
            "Photos must be JPEG, PNG or WebP files (convert HEIC to JPEG).",
        ))
        .to_owned(),
        "photo_too_large" | "upload_too_large" | "image_too_large" => (lang.pick(
            "사진이 너무 큽니다. 더 작은 사진을 올려 주세요.",
            "The photo is too large. Please upload a smaller one.",
        ))
        .to_owned(),
        "too_many_photos" => (lang.pick(
            "사진은 한 번에 5장까지 올릴 수 있습니다.",
            "You can upload up to 5 photos at a time.",
        ))
        .to_owned(),
        "corrupt_image" => (lang.pick(
            "사진 파일이 손상되어 읽을 수 없습니다.",
            "The photo file is damaged and cannot be read.",
        ))
        .to_owned(),
        _ => (lang.pick(
            "사진을 받지 못했습니다. 다시 시도해 주세요.",
            "The photos did not arrive. Please try again.",
        ))
        .to_owned(),
    }
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
    let lang = Lang::current();
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
        Err(_) => Err(invalid(
            "assignee",
            "required",
            lang.pick("담당자를 선택해 주세요", "Please choose an assignee"),
        )),
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
