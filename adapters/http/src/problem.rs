//! RFC 9457 problem details: every error the API returns, with a stable `code`.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sinmungo_core::app::{
    AccountAdminError, ActionError, AuditError, ConflictReason, DirectoryError, ExternalLoginError,
    LeftoverBlob, LeftoverReason, LoginError, NotificationError, PasswordChangeError,
    PhotoFileError, RegisterError, SecretError, SessionError, StatsError, SubmitError, ViewError,
};
use sinmungo_core::domain::access::Denied;
use sinmungo_core::domain::{FieldError, Invalid};
use sinmungo_core::ports::{IdentityError, StoreError};
use utoipa::ToSchema;

use crate::auth::OAuthError;
use crate::openapi::problems::{
    problem, Answers, Problem, FORBIDDEN, INVALID, NOT_FOUND, SIGN_IN_REQUIRED, UNAVAILABLE,
};

/// Seconds a client should wait before retrying after a 503.
const RETRY_AFTER_SECONDS: &str = "5";

/// An error answer: status, stable code, human detail, and per-field errors.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    title: &'static str,
    detail: String,
    errors: Vec<FieldError>,
    retry_after: Option<u64>,
}

/// An RFC 9457 problem, as every error answer carries it.
#[derive(Serialize, ToSchema)]
#[schema(as = Problem)]
pub(crate) struct ProblemBody<'a> {
    /// `urn:sinmungo:problem:{code}`.
    #[serde(rename = "type")]
    #[schema(example = "urn:sinmungo:problem:validation_failed")]
    kind: String,
    /// A short summary of the problem type.
    #[schema(example = "Validation failed")]
    title: &'a str,
    /// The HTTP status.
    #[schema(example = 422)]
    status: u16,
    /// What went wrong this time (Korean in parentheses where a person reads it).
    #[schema(example = "some fields are invalid; see errors (입력값을 확인해 주세요)")]
    detail: &'a str,
    /// The stable code to act on.
    #[schema(example = "validation_failed")]
    code: &'a str,
    /// Per-field errors (`validation_failed`, `invalid_body`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<FieldErrorBody<'a>>,
}

/// One field's error in a problem.
#[derive(Serialize, ToSchema)]
#[schema(as = FieldError)]
struct FieldErrorBody<'a> {
    /// The field as the client sent it (`title`, `location.lat`, a query parameter).
    #[schema(example = "title")]
    field: &'a str,
    /// A stable code (`required`, `too_long`, `invalid_type`, …).
    #[schema(example = "required")]
    code: &'a str,
    /// A human explanation.
    #[schema(example = "title must not be empty (필수 입력 항목입니다)")]
    message: &'a str,
}

impl<'a> From<&'a FieldError> for FieldErrorBody<'a> {
    fn from(error: &'a FieldError) -> Self {
        let FieldError {
            field,
            code,
            message,
        } = error;
        Self {
            field,
            code,
            message,
        }
    }
}

impl ApiError {
    /// A problem with a status, a stable code, a short title and a detail.
    pub fn new(
        status: StatusCode,
        code: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            title,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
        }
    }

    /// 429 with `Retry-After` (whole seconds, at least 1).
    pub fn too_many_requests(retry_after: std::time::Duration) -> Self {
        let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
        Self {
            retry_after: Some(seconds.max(1)),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "Too many requests",
                format!(
                    "too many attempts; try again in {} seconds (잠시 후 다시 시도해 주세요)",
                    seconds.max(1)
                ),
            )
        }
    }

    /// The same problem with per-field `errors`.
    pub(crate) fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    /// 403 with a reason.
    pub fn forbidden(reason: &str) -> Self {
        forbidden(reason)
    }

    /// A store failure where no use case stood between (authentication).
    pub fn from_store(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(reason) => Self::unavailable(&reason),
            other => Self::internal(&anyhow::Error::new(other)),
        }
    }

    /// 400: the request is not understood.
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, "Bad request", detail)
    }

    /// 401: credentials missing or not valid.
    pub fn unauthenticated(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, "Unauthorized", detail)
    }

    /// 404.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "Not found", detail)
    }

    /// 422 `validation_failed` with per-field errors: a body's field or a
    /// query parameter that was read but is not accepted.
    pub fn validation(invalid: Invalid) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "validation_failed",
            title: "Validation failed",
            detail: "some fields are invalid; see errors (입력값을 확인해 주세요)".to_owned(),
            errors: invalid.0,
            retry_after: None,
        }
    }

    fn unavailable(reason: &str) -> Self {
        tracing::warn!(%reason, "dependency unavailable");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service_unavailable",
            "Service unavailable",
            "the service is temporarily unavailable; try again shortly (잠시 후 다시 시도해 주세요)",
        )
    }

    /// 500; the cause is logged here, never sent to the client.
    pub fn internal(error: &anyhow::Error) -> Self {
        tracing::error!(error = format!("{error:#}"), "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Internal server error",
            "Something went wrong",
        )
    }

    /// The problem for an answer a tower layer made with a bare status (a
    /// timeout's 408, a body limit's 413, …).
    fn for_status(status: StatusCode) -> Self {
        let (code, detail) = match status {
            StatusCode::REQUEST_TIMEOUT => (
                "request_timeout",
                "the request did not arrive in full, or was not answered, in time (요청 시간이 초과되었습니다)",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => (
                "payload_too_large",
                "the request body is larger than the server accepts",
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => (
                "unsupported_media_type",
                "the request body's media type is not accepted here",
            ),
            StatusCode::NOT_FOUND => ("not_found", "no such resource"),
            StatusCode::METHOD_NOT_ALLOWED => {
                ("method_not_allowed", "this method is not allowed here")
            }
            StatusCode::SERVICE_UNAVAILABLE => (
                "service_unavailable",
                "the service is temporarily unavailable; try again shortly (잠시 후 다시 시도해 주세요)",
            ),
            _ if status.is_server_error() => ("internal_error", "Something went wrong"),
            _ => ("bad_request", "the request cannot be served as sent"),
        };
        Self::new(
            status,
            code,
            status.canonical_reason().unwrap_or("Error"),
            detail,
        )
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable code (`photo_too_large`, …).
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The human detail.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The per-field errors of a validation problem.
    pub(crate) fn field_errors(&self) -> &[FieldError] {
        &self.errors
    }
}

impl ApiError {
    /// The problem's JSON body, and the headers that go with its status.
    fn problem(&self) -> (Vec<u8>, HeaderMap) {
        let body = ProblemBody {
            kind: format!("urn:sinmungo:problem:{}", self.code),
            title: self.title,
            status: self.status.as_u16(),
            detail: &self.detail,
            code: self.code,
            errors: self.errors.iter().map(FieldErrorBody::from).collect(),
        };
        let json = serde_json::to_vec(&body).unwrap_or_else(|_| b"{}".to_vec());
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        match self.status {
            StatusCode::SERVICE_UNAVAILABLE => {
                headers.insert(
                    header::RETRY_AFTER,
                    HeaderValue::from_static(RETRY_AFTER_SECONDS),
                );
            }
            StatusCode::TOO_MANY_REQUESTS => {
                let seconds = self.retry_after.unwrap_or(1).to_string();
                if let Ok(value) = HeaderValue::from_str(&seconds) {
                    headers.insert(header::RETRY_AFTER, value);
                }
            }
            StatusCode::UNAUTHORIZED => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"sinmungo\""),
                );
            }
            _ => {}
        }
        (json, headers)
    }

    /// The whole HTTP/1.1 answer, bytes to write on a socket that is then
    /// closed: for the accept loop, which refuses a connection before hyper
    /// serves it.
    pub(crate) fn closing_http1_answer(&self) -> Vec<u8> {
        let (body, headers) = self.problem();
        let mut answer = format!("HTTP/1.1 {}\r\n", self.status);
        for (name, value) in &headers {
            let value = String::from_utf8_lossy(value.as_bytes());
            answer.push_str(&format!("{name}: {value}\r\n"));
        }
        answer.push_str(&format!(
            "connection: close\r\ncontent-length: {}\r\n\r\n",
            body.len()
        ));
        let mut answer = answer.into_bytes();
        answer.extend(body);
        answer
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (json, headers) = self.problem();
        let mut response = (self.status, json).into_response();
        for (name, value) in headers {
            if let Some(name) = name {
                response.headers_mut().insert(name, value);
            }
        }
        response
    }
}

/// Turns an error answer that is not a problem — one a tower layer made
/// rather than a handler (the timeout's bare 408, a body limit's or axum's
/// plain-text rejections) — into the problem for its status, keeping its
/// other headers (`Allow`, `Retry-After`, …). A bare answer has no body
/// type or plain text; one a route formatted on purpose — a problem, or
/// Open311's XML and JSON errors in their specification's shape — is kept.
pub(crate) async fn bare_errors_as_problems(response: Response) -> Response {
    let status = response.status();
    let bare = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_none_or(|value| value.as_bytes().starts_with(b"text/plain"));
    if !bare || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let (problem, body) = ApiError::for_status(status).into_response().into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in problem.headers {
        if let Some(name) = name {
            parts.headers.insert(name, value);
        }
    }
    Response::from_parts(parts, body)
}

/// Logs the photo blobs a change stored and could not take back (the core
/// reports them instead of logging): orphans for an operator to remove.
pub(crate) fn log_leftover_blobs(blobs: &[LeftoverBlob]) {
    for blob in blobs {
        match &blob.reason {
            LeftoverReason::NotDeleted(error) => tracing::warn!(
                key = %blob.key,
                error = %error,
                "could not remove the blob of a photo that was not stored; it is an orphan now"
            ),
            LeftoverReason::Unsure(error) => tracing::warn!(
                key = %blob.key,
                error = %error,
                "the store failed and could not say whether the change was applied; keeping its photo's blob (an orphan if it was not)"
            ),
        }
    }
}

fn forbidden(reason: &str) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden", reason)
}

fn sign_in_required() -> ApiError {
    ApiError::unauthenticated(
        "unauthenticated",
        "sign in to do this (로그인이 필요합니다)",
    )
}

impl Answers for ActionError {
    const PROBLEMS: &'static [Problem] = &[
        NOT_FOUND,
        SIGN_IN_REQUIRED,
        FORBIDDEN,
        INVALID,
        problem(
            StatusCode::CONFLICT,
            "invalid_transition",
            "신고의 지금 상태에서는 그 상태로 바꿀 수 없습니다",
        ),
        problem(
            StatusCode::CONFLICT,
            "version_conflict",
            "그 사이 다른 사람이 신고를 바꾸었습니다 (`expected_version`이 다름)",
        ),
        problem(
            StatusCode::CONFLICT,
            "report_not_open",
            "처리가 끝난 신고에는 할 수 없습니다",
        ),
        problem(
            StatusCode::CONFLICT,
            "already_supported",
            "이미 공감한 신고입니다",
        ),
        UNAVAILABLE,
    ];
}

impl From<ActionError> for ApiError {
    fn from(error: ActionError) -> Self {
        match error {
            ActionError::NotFound => Self::not_found("no such report (신고를 찾을 수 없습니다)"),
            ActionError::SignInRequired => sign_in_required(),
            ActionError::Forbidden(reason) => forbidden(reason),
            ActionError::Invalid(invalid) => Self::validation(invalid),
            ActionError::Conflict(reason) => {
                let code = match reason {
                    ConflictReason::InvalidTransition { .. } => "invalid_transition",
                    ConflictReason::VersionMismatch { .. } | ConflictReason::ConcurrentChange => {
                        "version_conflict"
                    }
                    ConflictReason::NotOpen(_) => "report_not_open",
                    ConflictReason::AlreadySupported => "already_supported",
                };
                Self::new(StatusCode::CONFLICT, code, "Conflict", reason.to_string())
            }
            ActionError::Unavailable(reason) => Self::unavailable(&reason),
            ActionError::Unknown(error) => Self::internal(&error),
            // The client hears the failure itself; the blobs are for the log.
            ActionError::BlobsLeftBehind { error, blobs } => {
                log_leftover_blobs(&blobs);
                Self::from(*error)
            }
        }
    }
}

impl Answers for ViewError {
    const PROBLEMS: &'static [Problem] =
        &[NOT_FOUND, SIGN_IN_REQUIRED, FORBIDDEN, INVALID, UNAVAILABLE];
}

impl From<ViewError> for ApiError {
    fn from(error: ViewError) -> Self {
        match error {
            ViewError::NotFound => Self::not_found("no such report (신고를 찾을 수 없습니다)"),
            ViewError::SignInRequired => sign_in_required(),
            ViewError::Forbidden(reason) => forbidden(reason),
            ViewError::Invalid(invalid) => Self::validation(invalid),
            ViewError::Unavailable(reason) => Self::unavailable(&reason),
            ViewError::Unknown(error) => Self::internal(&error),
        }
    }
}

impl Answers for StatsError {
    const PROBLEMS: &'static [Problem] = &[INVALID, UNAVAILABLE];
}

impl From<StatsError> for ApiError {
    fn from(error: StatsError) -> Self {
        match error {
            StatsError::Invalid(invalid) => Self::validation(invalid),
            StatsError::Unavailable(reason) => Self::unavailable(&reason),
            StatsError::Unknown(error) => Self::internal(&error),
        }
    }
}

/// Reading an administrator's log: the audit log, triage corrections.
impl From<AuditError> for ApiError {
    fn from(error: AuditError) -> Self {
        match error {
            AuditError::Denied(denied) => denied.into(),
            AuditError::Invalid(invalid) => Self::validation(invalid),
            AuditError::Store(store) => Self::from_store(store),
        }
    }
}

impl Answers for NotificationError {
    const PROBLEMS: &'static [Problem] = &[
        problem(
            StatusCode::NOT_FOUND,
            "not_found",
            "내 알림 가운데 그런 알림이 없습니다",
        ),
        SIGN_IN_REQUIRED,
        INVALID,
        UNAVAILABLE,
    ];
}

impl From<NotificationError> for ApiError {
    fn from(error: NotificationError) -> Self {
        match error {
            NotificationError::NotFound => {
                Self::not_found("no such notification of yours (알림을 찾을 수 없습니다)")
            }
            NotificationError::SignInRequired => sign_in_required(),
            NotificationError::Invalid(invalid) => Self::validation(invalid),
            NotificationError::Unavailable(reason) => Self::unavailable(&reason),
            NotificationError::Unknown(error) => Self::internal(&error),
        }
    }
}

impl Answers for SubmitError {
    const PROBLEMS: &'static [Problem] = &[
        SIGN_IN_REQUIRED,
        INVALID,
        problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "outside_service_area",
            "위치가 서비스 지역(전북특별자치도) 밖입니다",
        ),
        UNAVAILABLE,
    ];
}

impl From<SubmitError> for ApiError {
    fn from(error: SubmitError) -> Self {
        match error {
            SubmitError::SignInRequired => sign_in_required(),
            SubmitError::Invalid(invalid) => Self::validation(invalid),
            SubmitError::OutsideServiceArea => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "outside_service_area",
                "Outside the service area",
                error.to_string(),
            ),
            SubmitError::Unavailable(reason) => Self::unavailable(&reason),
            SubmitError::Unknown(error) => Self::internal(&error),
            // The client hears the failure itself; the blobs are for the log.
            SubmitError::BlobsLeftBehind { error, blobs } => {
                log_leftover_blobs(&blobs);
                Self::from(*error)
            }
        }
    }
}

impl Answers for PhotoFileError {
    const PROBLEMS: &'static [Problem] = &[
        problem(
            StatusCode::NOT_FOUND,
            "not_found",
            "없는 사진이거나 볼 수 없는 신고의 사진입니다",
        ),
        SIGN_IN_REQUIRED,
        problem(
            StatusCode::FORBIDDEN,
            "forbidden",
            "원본 사진은 공무원만 받을 수 있습니다",
        ),
        UNAVAILABLE,
    ];
}

impl From<PhotoFileError> for ApiError {
    fn from(error: PhotoFileError) -> Self {
        match error {
            PhotoFileError::NotFound => Self::not_found("no such photo (사진을 찾을 수 없습니다)"),
            PhotoFileError::SignInRequired => sign_in_required(),
            PhotoFileError::Forbidden(reason) => forbidden(reason),
            PhotoFileError::Unavailable(reason) => Self::unavailable(&reason),
            PhotoFileError::Unknown(error) => Self::internal(&error),
        }
    }
}

impl Answers for RegisterError {
    const PROBLEMS: &'static [Problem] = &[
        INVALID,
        problem(
            StatusCode::CONFLICT,
            "email_taken",
            "이미 가입된 이메일입니다",
        ),
        SIGN_IN_REQUIRED,
        FORBIDDEN,
        UNAVAILABLE,
    ];
}

impl From<RegisterError> for ApiError {
    fn from(error: RegisterError) -> Self {
        match error {
            RegisterError::Invalid(invalid) => Self::validation(invalid),
            RegisterError::EmailTaken => Self::new(
                StatusCode::CONFLICT,
                "email_taken",
                "Conflict",
                error.to_string(),
            ),
            RegisterError::SignInRequired => sign_in_required(),
            RegisterError::Forbidden => forbidden("only administrators may create accounts"),
            RegisterError::Unavailable(reason) => Self::unavailable(&reason),
            RegisterError::Unknown(error) => Self::internal(&error),
        }
    }
}

/// What [`account_disabled`] answers.
const ACCOUNT_DISABLED: Problem = problem(
    StatusCode::FORBIDDEN,
    "account_disabled",
    "관리자가 사용을 중지한 계정입니다",
);

/// 403 `account_disabled`: an administrator disabled the account.
fn account_disabled(detail: String) -> ApiError {
    ApiError::new(
        ACCOUNT_DISABLED.status,
        ACCOUNT_DISABLED.code,
        "Forbidden",
        detail,
    )
}

impl Answers for LoginError {
    const PROBLEMS: &'static [Problem] = &[
        problem(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "이메일이나 비밀번호가 맞지 않습니다",
        ),
        ACCOUNT_DISABLED,
        UNAVAILABLE,
    ];
}

impl From<LoginError> for ApiError {
    fn from(error: LoginError) -> Self {
        match error {
            LoginError::InvalidCredentials => {
                Self::unauthenticated("invalid_credentials", error.to_string())
            }
            LoginError::Disabled => account_disabled(error.to_string()),
            LoginError::Unavailable(reason) => Self::unavailable(&reason),
            LoginError::Unknown(error) => Self::internal(&error),
        }
    }
}

impl Answers for SessionError {
    const PROBLEMS: &'static [Problem] = &[
        problem(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "토큰이 올바르지 않거나 만료되었습니다",
        ),
        problem(
            StatusCode::UNAUTHORIZED,
            "refresh_token_reused",
            "이미 쓴 갱신 토큰입니다: 그 로그인은 모두 끝났습니다",
        ),
        UNAVAILABLE,
    ];
}

impl From<SessionError> for ApiError {
    fn from(error: SessionError) -> Self {
        match error {
            SessionError::InvalidToken => Self::unauthenticated("invalid_token", error.to_string()),
            SessionError::Reused => {
                Self::unauthenticated("refresh_token_reused", error.to_string())
            }
            SessionError::Unavailable(reason) => Self::unavailable(&reason),
            SessionError::Unknown(error) => Self::internal(&error),
        }
    }
}

impl Answers for Denied {
    const PROBLEMS: &'static [Problem] = &[SIGN_IN_REQUIRED, FORBIDDEN];
}

impl From<Denied> for ApiError {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::SignInRequired => sign_in_required(),
            Denied::Forbidden(reason) => forbidden(reason),
        }
    }
}

impl Answers for PasswordChangeError {
    const PROBLEMS: &'static [Problem] = &[
        INVALID,
        problem(
            StatusCode::FORBIDDEN,
            "wrong_password",
            "지금 비밀번호가 맞지 않습니다",
        ),
        SIGN_IN_REQUIRED,
        FORBIDDEN,
        UNAVAILABLE,
    ];
}

impl From<PasswordChangeError> for ApiError {
    fn from(error: PasswordChangeError) -> Self {
        match error {
            PasswordChangeError::Invalid(invalid) => Self::validation(invalid),
            PasswordChangeError::WrongPassword => Self::new(
                StatusCode::FORBIDDEN,
                "wrong_password",
                "Forbidden",
                error.to_string(),
            ),
            PasswordChangeError::SignInRequired => sign_in_required(),
            PasswordChangeError::Forbidden(reason) => forbidden(reason),
            PasswordChangeError::Unavailable(reason) => Self::unavailable(&reason),
            PasswordChangeError::Unknown(error) => Self::internal(&error),
        }
    }
}

impl Answers for AccountAdminError {
    const PROBLEMS: &'static [Problem] = &[
        INVALID,
        SIGN_IN_REQUIRED,
        FORBIDDEN,
        problem(StatusCode::NOT_FOUND, "not_found", "없는 계정입니다"),
        UNAVAILABLE,
    ];
}

impl From<AccountAdminError> for ApiError {
    fn from(error: AccountAdminError) -> Self {
        match error {
            AccountAdminError::Invalid(invalid) => Self::validation(invalid),
            AccountAdminError::SignInRequired => sign_in_required(),
            AccountAdminError::Forbidden => forbidden("only administrators may do this"),
            AccountAdminError::NotFound => Self::not_found("no such account"),
            AccountAdminError::Unavailable(reason) => Self::unavailable(&reason),
            AccountAdminError::Unknown(error) => Self::internal(&error),
        }
    }
}

impl Answers for ExternalLoginError {
    const PROBLEMS: &'static [Problem] = &[
        problem(
            StatusCode::FORBIDDEN,
            "email_not_verified",
            "로그인 제공자가 확인하지 않은 이메일이라 기존 계정에 연결할 수 없습니다",
        ),
        ACCOUNT_DISABLED,
        UNAVAILABLE,
    ];
}

impl From<ExternalLoginError> for ApiError {
    fn from(error: ExternalLoginError) -> Self {
        match error {
            ExternalLoginError::EmailNotVerified => Self::new(
                StatusCode::FORBIDDEN,
                "email_not_verified",
                "Forbidden",
                error.to_string(),
            ),
            ExternalLoginError::Disabled => account_disabled(error.to_string()),
            ExternalLoginError::Unavailable(reason) => Self::unavailable(&reason),
            ExternalLoginError::Unknown(error) => Self::internal(&error),
        }
    }
}

impl Answers for SecretError {
    const PROBLEMS: &'static [Problem] = &[
        INVALID,
        SIGN_IN_REQUIRED,
        FORBIDDEN,
        problem(StatusCode::NOT_FOUND, "not_found", "없는 비밀 값입니다"),
        UNAVAILABLE,
    ];
}

impl From<SecretError> for ApiError {
    fn from(error: SecretError) -> Self {
        match error {
            SecretError::Invalid(invalid) => Self::validation(invalid),
            SecretError::SignInRequired => sign_in_required(),
            SecretError::Forbidden => forbidden("only administrators manage secrets"),
            SecretError::NotFound => Self::not_found("no such secret"),
            SecretError::Sealing(error) => Self::internal(&anyhow::Error::new(error)),
            SecretError::Unavailable(reason) => Self::unavailable(&reason),
            SecretError::Unknown(error) => Self::internal(&error),
        }
    }
}

impl Answers for DirectoryError {
    const PROBLEMS: &'static [Problem] = &[
        INVALID,
        SIGN_IN_REQUIRED,
        FORBIDDEN,
        problem(StatusCode::NOT_FOUND, "not_found", "없는 부서나 분야입니다"),
        problem(
            StatusCode::CONFLICT,
            "department_exists",
            "같은 코드의 부서가 이미 있습니다",
        ),
        problem(
            StatusCode::CONFLICT,
            "routing_conflict",
            "같은 지역에서 그 분야를 이미 다른 부서가 맡고 있습니다",
        ),
        UNAVAILABLE,
    ];
}

impl From<DirectoryError> for ApiError {
    fn from(error: DirectoryError) -> Self {
        let detail = error.to_string();
        match error {
            DirectoryError::Invalid(invalid) => Self::validation(invalid),
            DirectoryError::SignInRequired => sign_in_required(),
            DirectoryError::Forbidden => forbidden(&detail),
            DirectoryError::NotFound(_) => Self::not_found(detail),
            DirectoryError::DepartmentExists(_) => Self::new(
                StatusCode::CONFLICT,
                "department_exists",
                "Conflict",
                detail,
            ),
            DirectoryError::RoutingConflict { .. } => {
                Self::new(StatusCode::CONFLICT, "routing_conflict", "Conflict", detail)
            }
            DirectoryError::Unavailable(reason) => Self::unavailable(&reason),
            DirectoryError::Unknown(error) => Self::internal(&error),
        }
    }
}

impl Answers for OAuthError {
    const PROBLEMS: &'static [Problem] = &[
        problem(
            StatusCode::NOT_FOUND,
            "unknown_provider",
            "설정되지 않은 로그인 제공자입니다",
        ),
        problem(
            StatusCode::BAD_REQUEST,
            "oauth_state_mismatch",
            "이 브라우저에서 시작한 로그인이 아니거나 10분이 지났습니다",
        ),
        problem(
            StatusCode::BAD_REQUEST,
            "oauth_missing_code",
            "제공자가 code도 error도 보내지 않았습니다",
        ),
        problem(
            StatusCode::FORBIDDEN,
            "oauth_denied",
            "제공자에서 로그인이 취소되었거나 동의하지 않았습니다",
        ),
        problem(
            StatusCode::UNAUTHORIZED,
            "oauth_id_token_invalid",
            "제공자의 ID 토큰을 받아들일 수 없습니다",
        ),
        problem(
            StatusCode::BAD_GATEWAY,
            "oauth_provider_error",
            "로그인 제공자와 통신하지 못했습니다",
        ),
    ];
}

impl From<OAuthError> for ApiError {
    fn from(error: OAuthError) -> Self {
        match error {
            OAuthError::UnknownProvider(name) => Self::new(
                StatusCode::NOT_FOUND,
                "unknown_provider",
                "Not found",
                format!("no identity provider `{name}` is configured here (지원하지 않는 로그인 방식입니다)"),
            ),
            OAuthError::StateMismatch => Self::bad_request(
                "oauth_state_mismatch",
                "this sign-in was not started in this browser, or took longer than 10 minutes; start again (로그인을 처음부터 다시 시도해 주세요)",
            ),
            OAuthError::MissingCode => Self::bad_request(
                "oauth_missing_code",
                "the provider sent back neither a code nor an error (로그인을 처음부터 다시 시도해 주세요)",
            ),
            OAuthError::Denied { code } => Self::new(
                StatusCode::FORBIDDEN,
                "oauth_denied",
                "Forbidden",
                format!("the sign-in was not allowed at the provider ({code}) (로그인이 취소되었거나 동의하지 않았습니다)"),
            ),
            OAuthError::Provider(IdentityError::NotConfigured(provider)) => {
                Self::from(OAuthError::UnknownProvider(provider.to_string()))
            }
            OAuthError::Provider(IdentityError::IdToken(reason)) => {
                tracing::warn!(reason, "refused an ID token");
                Self::unauthenticated(
                    "oauth_id_token_invalid",
                    format!("the provider's ID token was refused: {reason} (로그인 정보를 확인할 수 없습니다)"),
                )
            }
            OAuthError::Sealing(reason) => Self::internal(&anyhow::anyhow!(reason)),
            // The provider's own words (and the transport's) go to the log,
            // never to the client: they are not ours to show, and may say
            // more about our registration than a client should read.
            provider @ (OAuthError::Authorization { .. } | OAuthError::Provider(_)) => {
                tracing::warn!(error = %provider, "identity provider failed");
                Self::new(
                    StatusCode::BAD_GATEWAY,
                    "oauth_provider_error",
                    "Bad gateway",
                    "the identity provider failed (로그인 제공자와 통신하지 못했습니다. 잠시 후 다시 시도해 주세요)",
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use sinmungo_core::domain::{CategoryCode, DepartmentCode, ReportStatus};

    use super::*;

    fn invalid() -> Invalid {
        Invalid::from(FieldError::new("title", "required", "title is required"))
    }

    /// Each error's answers are among what it says it answers (a 500 is
    /// every route's, so it is not listed per error).
    fn assert_listed<E: Answers>(errors: Vec<E>)
    where
        ApiError: From<E>,
    {
        for error in errors {
            let answer = ApiError::from(error);
            assert!(
                E::PROBLEMS
                    .iter()
                    .any(|p| p.status == answer.status() && p.code == answer.code()),
                "{} {} is not in the list of {}",
                answer.status(),
                answer.code(),
                std::any::type_name::<E>()
            );
        }
    }

    #[test]
    fn every_error_answers_what_the_api_description_lists() {
        use ConflictReason::*;
        let status = ReportStatus::Received;
        assert_listed(vec![
            ActionError::NotFound,
            ActionError::SignInRequired,
            ActionError::Forbidden("no"),
            ActionError::Invalid(invalid()),
            ActionError::Conflict(InvalidTransition {
                from: status,
                to: status,
            }),
            ActionError::Conflict(VersionMismatch {
                expected: 1,
                current: 2,
            }),
            ActionError::Conflict(ConcurrentChange),
            ActionError::Conflict(NotOpen(status)),
            ActionError::Conflict(AlreadySupported),
            ActionError::Unavailable("down".into()),
        ]);
        assert_listed(vec![
            ViewError::NotFound,
            ViewError::SignInRequired,
            ViewError::Forbidden("no"),
            ViewError::Invalid(invalid()),
            ViewError::Unavailable("down".into()),
        ]);
        assert_listed(vec![
            StatsError::Invalid(invalid()),
            StatsError::Unavailable("down".into()),
        ]);
        assert_listed(vec![
            NotificationError::NotFound,
            NotificationError::SignInRequired,
            NotificationError::Invalid(invalid()),
            NotificationError::Unavailable("down".into()),
        ]);
        assert_listed(vec![
            SubmitError::SignInRequired,
            SubmitError::Invalid(invalid()),
            SubmitError::OutsideServiceArea,
            SubmitError::Unavailable("down".into()),
        ]);
        assert_listed(vec![
            PhotoFileError::NotFound,
            PhotoFileError::SignInRequired,
            PhotoFileError::Forbidden("no"),
            PhotoFileError::Unavailable("down".into()),
        ]);
        assert_listed(vec![
            RegisterError::Invalid(invalid()),
            RegisterError::EmailTaken,
            RegisterError::SignInRequired,
            RegisterError::Forbidden,
            RegisterError::Unavailable("down".into()),
        ]);
        assert_listed(vec![
            LoginError::InvalidCredentials,
            LoginError::Disabled,
            LoginError::Unavailable("down".into()),
        ]);
        assert_listed(vec![
            SessionError::InvalidToken,
            SessionError::Reused,
            SessionError::Unavailable("down".into()),
        ]);
        assert_listed(vec![Denied::SignInRequired, Denied::Forbidden("no")]);
        assert_listed(vec![
            PasswordChangeError::Invalid(invalid()),
            PasswordChangeError::WrongPassword,
            PasswordChangeError::SignInRequired,
            PasswordChangeError::Forbidden("no"),
            PasswordChangeError::Unavailable("down".into()),
        ]);
        assert_listed(vec![
            AccountAdminError::Invalid(invalid()),
            AccountAdminError::SignInRequired,
            AccountAdminError::Forbidden,
            AccountAdminError::NotFound,
            AccountAdminError::Unavailable("down".into()),
        ]);
        assert_listed(vec![
            ExternalLoginError::EmailNotVerified,
            ExternalLoginError::Disabled,
            ExternalLoginError::Unavailable("down".into()),
        ]);
        assert_listed(vec![
            SecretError::Invalid(invalid()),
            SecretError::SignInRequired,
            SecretError::Forbidden,
            SecretError::NotFound,
            SecretError::Unavailable("down".into()),
        ]);
        let (Ok(department), Ok(category)) = (
            DepartmentCode::new("road_management"),
            CategoryCode::new("road_damage"),
        ) else {
            unreachable!("valid codes")
        };
        assert_listed(vec![
            DirectoryError::Invalid(invalid()),
            DirectoryError::SignInRequired,
            DirectoryError::Forbidden,
            DirectoryError::NotFound("department"),
            DirectoryError::DepartmentExists(department.clone()),
            DirectoryError::RoutingConflict {
                category,
                other: department,
            },
            DirectoryError::Unavailable("down".into()),
        ]);
        assert_listed(vec![
            OAuthError::UnknownProvider("line".into()),
            OAuthError::StateMismatch,
            OAuthError::MissingCode,
            OAuthError::Denied {
                code: "access_denied".into(),
            },
            OAuthError::Authorization {
                code: "server_error".into(),
            },
            OAuthError::Provider(IdentityError::IdToken("expired")),
        ]);
    }
}
