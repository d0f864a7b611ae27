//! Failures shown as Korean pages: never a stack trace, never a store's
//! error text; internal failures are logged and answered with a plain
//! apology.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;
use sinmungo_core::app::{NotificationError, PhotoFileError, ViewError};

use crate::pages::layout;

/// A page that says what went wrong.
#[derive(Debug)]
pub(crate) struct PageError {
    status: StatusCode,
    title: &'static str,
    message: String,
}

impl PageError {
    /// An error page with this status, heading and explanation.
    pub(crate) fn new(status: StatusCode, title: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            title,
            message: message.into(),
        }
    }

    /// 404.
    pub(crate) fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "찾을 수 없습니다",
            "요청한 신고나 페이지가 없습니다.",
        )
    }

    /// 403 for a signed-in account that is not an official's.
    pub(crate) fn not_an_official() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "접근 권한이 없습니다",
            "관리 콘솔은 담당 공무원, 부서 관리자, 관리자만 사용할 수 있습니다. 시민 계정으로는 열 수 없습니다.",
        )
    }

    /// 403 for a form posted without the sign-in's form token.
    pub(crate) fn bad_form_token() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "요청을 확인할 수 없습니다",
            "보안 확인 값이 없거나 맞지 않습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.",
        )
    }

    /// 503: a store is down.
    pub(crate) fn unavailable(reason: &str) -> Self {
        tracing::warn!(reason, "console: a store is unavailable");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "잠시 후 다시 시도해 주세요",
            "서비스를 일시적으로 사용할 수 없습니다.",
        )
    }

    /// 500: a bug. The cause is logged, not shown.
    pub(crate) fn internal(error: &dyn std::fmt::Display) -> Self {
        tracing::error!(%error, "console: internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "문제가 발생했습니다",
            "요청을 처리하지 못했습니다. 문제가 계속되면 관리자에게 알려 주세요.",
        )
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let body = layout::page(
            self.title,
            None,
            &html! {
                h1 { (self.title) }
                p role="alert" { (self.message) }
                p { a href="/admin" { "대기열로 돌아가기" } }
            },
        );
        (self.status, body).into_response()
    }
}

impl From<ViewError> for PageError {
    fn from(error: ViewError) -> Self {
        match error {
            ViewError::NotFound => Self::not_found(),
            ViewError::SignInRequired | ViewError::Forbidden(_) => Self::not_an_official(),
            ViewError::Invalid(invalid) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "입력값을 확인해 주세요",
                crate::forms::messages(&invalid).join(" "),
            ),
            ViewError::Unavailable(reason) => Self::unavailable(&reason),
            ViewError::Unknown(error) => Self::internal(&error),
        }
    }
}

impl From<PhotoFileError> for PageError {
    fn from(error: PhotoFileError) -> Self {
        match error {
            PhotoFileError::NotFound => Self::not_found(),
            PhotoFileError::SignInRequired | PhotoFileError::Forbidden(_) => {
                Self::not_an_official()
            }
            PhotoFileError::Unavailable(reason) => Self::unavailable(&reason),
            PhotoFileError::Unknown(error) => Self::internal(&error),
        }
    }
}

impl From<NotificationError> for PageError {
    fn from(error: NotificationError) -> Self {
        match error {
            NotificationError::NotFound => Self::not_found(),
            NotificationError::SignInRequired => Self::not_an_official(),
            NotificationError::Invalid(invalid) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "입력값을 확인해 주세요",
                crate::forms::messages(&invalid).join(" "),
            ),
            NotificationError::Unavailable(reason) => Self::unavailable(&reason),
            NotificationError::Unknown(error) => Self::internal(&error),
        }
    }
}

/// A handler that panicked: a 500 page (the panic itself is logged by the
/// panic hook).
pub(crate) fn panicked(_: Box<dyn std::any::Any + Send>) -> Response {
    PageError::internal(&"a console handler panicked").into_response()
}
