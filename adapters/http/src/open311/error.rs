//! Open311's error answers: `<errors><error><code/><description/></error></errors>`
//! (JSON `[{"code": …, "description": …}]`), the code being the HTTP status.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use super::format::{Document, Format, Node};
use crate::problem::ApiError;

/// An error in the format the client asked for.
#[derive(Debug)]
pub struct Open311Error {
    format: Format,
    status: StatusCode,
    description: String,
    /// The API's problem this one translates, for its headers (`Retry-After`).
    problem: Option<Box<ApiError>>,
}

impl Open311Error {
    /// An error with a status and a description (English, Korean in parentheses).
    pub fn new(format: Format, status: StatusCode, description: impl Into<String>) -> Self {
        Self {
            format,
            status,
            description: description.into(),
            problem: None,
        }
    }

    /// 400: a parameter is missing or wrong.
    pub fn bad_request(format: Format, description: impl Into<String>) -> Self {
        Self::new(format, StatusCode::BAD_REQUEST, description)
    }

    /// 403: `api_key` missing or not valid.
    pub fn forbidden(format: Format, description: impl Into<String>) -> Self {
        Self::new(format, StatusCode::FORBIDDEN, description)
    }

    /// 404: no such request, service, jurisdiction or resource.
    pub fn not_found(format: Format, description: impl Into<String>) -> Self {
        Self::new(format, StatusCode::NOT_FOUND, description)
    }

    /// The API's problem in Open311's shape: validation failures are the
    /// specification's 400, bad credentials its 403; the rest keep their status.
    pub fn from_api(format: Format, problem: ApiError) -> Self {
        let status = match problem.status() {
            StatusCode::UNPROCESSABLE_ENTITY | StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                StatusCode::BAD_REQUEST
            }
            StatusCode::UNAUTHORIZED => StatusCode::FORBIDDEN,
            other => other,
        };
        let mut description = problem.detail().to_owned();
        for field in problem.field_errors() {
            description.push_str(&format!("; {}: {}", field.field, field.message));
        }
        Self {
            format,
            status,
            description,
            problem: Some(Box::new(problem)),
        }
    }
}

impl IntoResponse for Open311Error {
    fn into_response(self) -> Response {
        let document = Document {
            root: "errors",
            body: Node::List(
                "error",
                vec![Node::Record(vec![
                    ("code", Node::Integer(i64::from(self.status.as_u16()))),
                    ("description", Node::Text(self.description)),
                ])],
            ),
        };
        let mut response = document.respond(self.format, self.status);
        if let Some(problem) = self.problem {
            if let Some(retry_after) = problem.into_response().headers().get(header::RETRY_AFTER) {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, retry_after.clone());
            }
        }
        response
    }
}
