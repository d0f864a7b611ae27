//! Extractors whose rejections are problem details, not axum's plain text.

use axum::extract::rejection::{JsonDataError, JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use sinmungo_core::domain::FieldError;

use crate::openapi::problems::{problem, Answers, Problem, INVALID, NOT_FOUND};
use crate::problem::ApiError;

/// 400 `malformed_json`.
pub(crate) const MALFORMED_JSON: Problem = problem(
    StatusCode::BAD_REQUEST,
    "malformed_json",
    "본문이 올바른 JSON이 아닙니다",
);
/// 400 `unreadable_body`.
pub(crate) const UNREADABLE_BODY: Problem = problem(
    StatusCode::BAD_REQUEST,
    "unreadable_body",
    "본문을 끝까지 읽을 수 없습니다",
);
/// 413 `payload_too_large`.
pub(crate) const PAYLOAD_TOO_LARGE: Problem = problem(
    StatusCode::PAYLOAD_TOO_LARGE,
    "payload_too_large",
    "본문이 서버가 받는 크기보다 큽니다",
);
/// 422 `invalid_body`.
pub(crate) const INVALID_BODY: Problem = problem(
    StatusCode::UNPROCESSABLE_ENTITY,
    "invalid_body",
    "JSON의 모양이 다릅니다: 빠진 항목, 틀린 형식, 모르는 항목 (`errors`에 항목별 이유)",
);

/// What a JSON body that cannot be taken answers ([`json_problem`]).
const JSON_BODY_PROBLEMS: &[Problem] = &[
    MALFORMED_JSON,
    UNREADABLE_BODY,
    problem(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "본문은 `application/json`으로 보내야 합니다",
    ),
    PAYLOAD_TOO_LARGE,
    INVALID_BODY,
];

impl<T> Answers for Json<T> {
    const PROBLEMS: &'static [Problem] = JSON_BODY_PROBLEMS;
}

/// Query parameters: unreadable, or a value the route refuses.
impl<T> Answers for Query<T> {
    const PROBLEMS: &'static [Problem] = &[
        problem(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            "쿼리 문자열을 `이름=값` 쌍으로 읽을 수 없습니다 (같은 매개변수를 두 번 보냄 등)",
        ),
        INVALID,
    ];
}

impl<T> Answers for Path<T> {
    const PROBLEMS: &'static [Problem] = &[NOT_FOUND];
}

/// axum's own extractors, where a route still uses them: their plain-text
/// rejection becomes the problem of its status (`bare_errors_as_problems`).
const AXUM_REJECTION: &[Problem] = &[problem(
    StatusCode::BAD_REQUEST,
    "bad_request",
    "경로나 쿼리 문자열을 읽을 수 없습니다 (ID가 UUID가 아님 등)",
)];

impl<T> Answers for axum::extract::Path<T> {
    const PROBLEMS: &'static [Problem] = AXUM_REJECTION;
}

impl<T> Answers for axum::extract::Query<T> {
    const PROBLEMS: &'static [Problem] = AXUM_REJECTION;
}

/// A JSON body; malformed → 400, wrong shape → 422, wrong media type → 415, too large → 413.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_problem(&rejection)),
        }
    }
}

/// An optional JSON body: absent when the request has no `Content-Type`.
impl<S, T> axum::extract::OptionalFromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Option<Self>, Self::Rejection> {
        if !request
            .headers()
            .contains_key(axum::http::header::CONTENT_TYPE)
        {
            return Ok(None);
        }
        <Self as FromRequest<S>>::from_request(request, state)
            .await
            .map(Some)
    }
}

/// The problem answering a JSON body that could not be taken.
pub(crate) fn json_problem(rejection: &JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(error) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            "Invalid body",
            "the JSON body does not have the expected fields; see errors (입력값을 확인해 주세요)",
        )
        .with_errors(vec![body_field_error(error)]),
        JsonRejection::JsonSyntaxError(_) => {
            ApiError::bad_request("malformed_json", "the body is not valid JSON")
        }
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
            "send the body as application/json",
        ),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "Payload too large",
            "the request body is larger than the server accepts",
        ),
        other => ApiError::bad_request("unreadable_body", other.body_text()),
    }
}

/// What is wrong with a JSON body, field by field, in the API's words: serde
/// speaks of Rust types (`expected struct LoginBody`, `expected u32`), which
/// are never shown to clients.
fn body_field_error(error: &JsonDataError) -> FieldError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if let Some(found) = current.downcast_ref::<serde_path_to_error::Error<serde_json::Error>>()
        {
            let path = found.path().to_string();
            let path = if path == "." { String::new() } else { path };
            return describe_data_error(&path, &found.inner().to_string());
        }
        source = current.source();
    }
    describe_data_error("", "")
}

/// A field error from serde_json's message about the value at `path` (empty
/// for the body itself).
fn describe_data_error(path: &str, message: &str) -> FieldError {
    let message = message
        .rfind(" at line ")
        .map_or(message, |end| &message[..end]);
    let join = |name: &str| {
        if path.is_empty() {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    let quoted = |text: &str| {
        text.split('`')
            .nth(1)
            .map(str::to_owned)
            .unwrap_or_default()
    };
    if let Some(rest) = message.strip_prefix("missing field ") {
        let field = join(&quoted(rest));
        let text = format!("{field} is required (필수 입력 항목입니다)");
        return FieldError::new(field, "required", text);
    }
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let field = join(&quoted(rest));
        let text = format!("{field} is not a field of this request");
        return FieldError::new(field, "unknown_field", text);
    }
    let field = if path.is_empty() { "body" } else { path }.to_owned();
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let allowed = rest
            .split_once("expected ")
            .map(|(_, list)| list.trim_start_matches("one of ").replace('`', ""))
            .unwrap_or_default();
        let text = format!("{field} must be one of: {allowed}");
        return FieldError::new(field, "invalid_value", text);
    }
    let expected = message.split_once(", expected ").map(|(_, wanted)| wanted);
    let (code, wanted) = match expected {
        Some(wanted) if message.starts_with("invalid type:") => ("invalid_type", wanted),
        Some(wanted) => ("invalid_value", wanted),
        None => ("invalid_value", ""),
    };
    let text = match api_word(wanted) {
        Some(word) if field == "body" => format!("the body must be {word}"),
        Some(word) => format!("{field} must be {word}"),
        None => format!("{field} does not have a valid value"),
    };
    FieldError::new(field, code, text)
}

/// What serde expected, as the API documentation says it.
fn api_word(expected: &str) -> Option<&'static str> {
    let word = match expected {
        "a string" | "a borrowed string" | "a character" | "string" => "a string",
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a whole number of 0 or more",
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "a whole number",
        "f32" | "f64" => "a number",
        "a boolean" => "true or false",
        "a map" => "a JSON object",
        _ if expected.starts_with("struct ") || expected.starts_with("tuple struct ") => {
            "a JSON object"
        }
        _ if expected.starts_with("a sequence") || expected.starts_with("tuple of ") => "a list",
        _ if expected.starts_with("enum ") || expected.starts_with("variant ") => {
            "one of the documented values"
        }
        _ if expected.contains("UUID") => "an id (a UUID)",
        _ if expected.contains("date") => "a date and time (RFC 3339)",
        _ => return None,
    };
    Some(word)
}

/// Query parameters (each read as text, and judged by its route: 422 for a
/// refused value); a query string that cannot be read → 400 `invalid_query`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Self(value))
            .map_err(|rejection: QueryRejection| {
                let text = rejection.body_text();
                let reason = text
                    .strip_prefix("Failed to deserialize query string: ")
                    .unwrap_or(&text);
                ApiError::bad_request(
                    "invalid_query",
                    format!("the query string cannot be read: {reason}"),
                )
            })
    }
}

/// Path parameters; an id that is not a UUID → 404, as no such resource can exist.
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Self(value))
            .map_err(|_: PathRejection| {
                ApiError::not_found("no such resource: the id is not a valid UUID")
            })
    }
}
