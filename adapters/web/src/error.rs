//! Failures shown as pages in the request's language (Korean first): never a stack trace, never a store's
//! error text; internal failures are logged and answered with a plain
//! apology.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;
use sinmungo_core::app::{NotificationError, PhotoFileError, ViewError};

use crate::lang::Lang;
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
        let lang = Lang::current();
        Self::new(
            StatusCode::NOT_FOUND,
            lang.pick("찾을 수 없습니다", "Not found"),
            lang.pick(
                "요청한 신고나 페이지가 없습니다.",
                "The report or page you asked for does not exist.",
            ),
        )
    }

    /// 403 for a signed-in account that is not an official's.
    pub(crate) fn not_an_official() -> Self {
        let lang = Lang::current();
        Self::new(
            StatusCode::FORBIDDEN,
            lang.pick("접근 권한이 없습니다", "Access denied"),
            lang.pick(
                "관리 콘솔은 담당 공무원, 부서 관리자, 관리자만 사용할 수 있습니다. 시민 계정으로는 열 수 없습니다.",
                "The console is for officers, department managers and administrators only. A citizen's account cannot open it.",
            ),
        )
    }

    /// 403 for a form posted without the sign-in's form token.
    pub(crate) fn bad_form_token() -> Self {
        let lang = Lang::current();
        Self::new(
            StatusCode::FORBIDDEN,
            lang.pick(
                "요청을 확인할 수 없습니다",
                "The request could not be verified",
            ),
            lang.pick(
                "보안 확인 값이 없거나 맞지 않습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.",
                "The security token is missing or does not match. Reload the page and try again.",
            ),
        )
    }

    /// 503: a store is down.
    pub(crate) fn unavailable(reason: &str) -> Self {
        tracing::warn!(reason, "console: a store is unavailable");
        let lang = Lang::current();
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            lang.pick("잠시 후 다시 시도해 주세요", "Please try again shortly"),
            lang.pick(
                "서비스를 일시적으로 사용할 수 없습니다.",
                "The service is temporarily unavailable.",
            ),
        )
    }

    /// 500: a bug. The cause is logged, not shown.
    pub(crate) fn internal(error: &dyn std::fmt::Display) -> Self {
        tracing::error!(%error, "console: internal error");
        let lang = Lang::current();
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            lang.pick("문제가 발생했습니다", "Something went wrong"),
            lang.pick(
                "요청을 처리하지 못했습니다. 문제가 계속되면 관리자에게 알려 주세요.",
                "The request could not be completed. If this keeps happening, tell an administrator.",
            ),
        )
    }

    /// 422 listing what is wrong with the input.
    pub(crate) fn invalid(invalid: &sinmungo_core::domain::Invalid) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            Lang::current().pick("입력값을 확인해 주세요", "Please check your input"),
            crate::forms::messages(invalid).join(" "),
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
                p { a href="/admin" { (Lang::current().pick("대기열로 돌아가기", "Back to the queue")) } }
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
            ViewError::Invalid(invalid) => Self::invalid(&invalid),
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
            NotificationError::Invalid(invalid) => Self::invalid(&invalid),
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
