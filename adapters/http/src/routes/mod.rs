//! The route table.

mod auth;
mod ops;
mod photos;
mod reference;
mod reports;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

use crate::problem::ApiError;
use crate::state::AppState;
use crate::HttpConfig;

/// Every route of the API, without middleware. The routes that take photos
/// accept bodies up to the upload limit (JSON bodies keep the smaller one).
pub fn routes(config: &HttpConfig) -> Router<AppState> {
    let uploads = DefaultBodyLimit::max(config.uploads.upload_max_bytes);
    let api = Router::new()
        .route("/auth/register", post(auth::register))
        .route("/auth/login", post(auth::login))
        .route("/auth/refresh", post(auth::refresh))
        .route("/auth/logout", post(auth::logout))
        .route("/me", get(auth::me))
        .route(
            "/reports",
            post(reports::submit).layer(uploads).get(reports::list),
        )
        .route("/reports/{id}", get(reports::get))
        .route("/reports/{id}/transitions", post(reports::transition))
        .route("/reports/{id}/assignment", post(reports::assign))
        .route(
            "/reports/{id}/classification",
            axum::routing::put(reports::reclassify),
        )
        .route("/reports/{id}/comments", post(reports::comment))
        .route("/reports/{id}/support", post(reports::support))
        .route("/reports/{id}/timeline", get(reports::timeline))
        .route("/reports/{id}/photos", post(photos::add).layer(uploads))
        .route(
            "/reports/{id}/photos/{photo_id}/{variant}",
            get(photos::file),
        )
        .route("/categories", get(reference::categories))
        .route("/departments", get(reference::departments));
    Router::new()
        .nest("/api/v1", api)
        .route("/health", get(ops::health))
        .route("/ready", get(ops::ready))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "Method not allowed",
        "this route does not accept that method",
    )
}
