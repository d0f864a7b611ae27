//! `GET /admin/reports/{id}/photos/{photo}/{variant}`: a report's photos for
//! the signed-in officer. The API's photo URLs need a bearer token, which a
//! browser with a cookie does not send; this serves the same files through
//! the same use case (originals for officials only, as there).

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use sinmungo_core::domain::{PhotoId, PhotoVariant};
use sinmungo_http::AppState;
use uuid::Uuid;

use crate::error::PageError;
use crate::pages::report::report_id;
use crate::session::Officer;

/// `GET /admin/reports/{id}/photos/{photo}/{variant}`.
#[tracing::instrument(skip_all)]
pub(crate) async fn file(
    State(state): State<AppState>,
    officer: Officer,
    Path((id, photo, variant)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let id = report_id(&id)?;
    let photo = Uuid::parse_str(&photo)
        .map(PhotoId)
        .map_err(|_| PageError::not_found())?;
    let variant = PhotoVariant::parse(&variant).ok_or_else(PageError::not_found)?;
    let photos = &state.use_cases().photo_files;
    let file = photos.find(&officer.actor, id, photo, variant).await?;
    let bytes = photos.bytes(&file).await?;
    let content_type =
        HeaderValue::from_str(&file.content_type).map_err(|error| PageError::internal(&error))?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            // The officer's own browser only: originals carry EXIF.
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=3600"),
            ),
        ],
        bytes,
    )
        .into_response())
}
