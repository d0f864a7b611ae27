//! Requests that two readers could understand differently are refused
//! before anything reads them: a header that must be single (the body's
//! media type, the credentials, the host) sent more than once, where one
//! part of a stack would take the first and another the last — the start
//! of confused-deputy bugs.
//!
//! A body with both `Content-Length` and `Transfer-Encoding` never gets
//! here: hyper reads it as chunked, drops the `Content-Length` and closes
//! the connection after the answer (RFC 9112 §6.3), so nothing smuggled
//! after the body is read as another request.

use axum::extract::Request;
use axum::http::{header, HeaderName};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::problem::ApiError;

/// Headers a request may carry at most once.
const SINGLE: [HeaderName; 3] = [header::CONTENT_TYPE, header::AUTHORIZATION, header::HOST];

/// 400 `ambiguous_request` for a request with a [`SINGLE`] header twice.
pub(crate) async fn refuse_ambiguous(request: Request, next: Next) -> Response {
    let headers = request.headers();
    if let Some(name) = SINGLE
        .iter()
        .find(|name| headers.get_all(*name).iter().nth(1).is_some())
    {
        return ApiError::bad_request(
            "ambiguous_request",
            format!("the request has more than one {name} header; send exactly one"),
        )
        .into_response();
    }
    next.run(request).await
}
