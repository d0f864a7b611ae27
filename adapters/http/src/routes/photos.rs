//! `/api/v1/reports/{id}/photos/*`: adding photos, and serving them.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sinmungo_core::app::{ActionError, PhotoFileError};
use sinmungo_core::domain::{PhotoId, PhotoVariant, ReportId};
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::ReportDto;
use crate::extract::Path;
use crate::openapi::problems::Problems;
use crate::openapi::schemas::{Binary, PhotosForm};
use crate::problem::{log_leftover_blobs, ApiError};
use crate::state::AppState;
use crate::upload::PhotoIntake;

/// How long anyone may cache a public report's public copy or thumbnail: a
/// photo's bytes never change under its URL.
const SHARED: &str = "public, max-age=31536000, immutable";
/// Originals and private reports' photos: the viewer's own cache, for an hour.
const PRIVATE: &str = "private, max-age=3600";

/// `POST /api/v1/reports/{id}/photos` (multipart, `photos` parts only) → 201
/// with the report; 200 when every photo was one the report already had.
/// The reporter adds photos until an official takes the report up; officials
/// of its department add resolution photos at any time.
#[utoipa::path(
    post,
    path = "/reports/{id}/photos",
    tag = "신고",
    summary = "사진 추가 (시민은 접수 상태에서, 공무원은 처리 사진)",
    params(("id" = Uuid, Path, description = "신고 ID")),
    request_body(content = inline(PhotosForm), content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "사진이 더해진 신고", body = ReportDto),
        (status = 200, description = "보낸 사진이 모두 이미 있던 사진", body = ReportDto),
        Problems<Caller, Path<Uuid>, PhotoIntake, ActionError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn add(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<Uuid>,
    body: Request,
) -> Result<impl IntoResponse, ApiError> {
    let id = ReportId(id);
    // Refused before the uploads are received and processed.
    state.use_cases().add_photos.check(&actor, id).await?;
    let photos = state.uploads().photos_form(body).await?;
    let added = state
        .use_cases()
        .add_photos
        .execute(&actor, id, photos)
        .await?;
    log_leftover_blobs(&added.leftover_blobs);
    let status = if added.added.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, axum::Json(ReportDto::from(added.view))))
}

/// `GET /api/v1/reports/{id}/photos/{photo_id}/{variant}` with `variant` one
/// of `public`, `thumb-320`, `thumb-1280`, `original` (officials only).
#[utoipa::path(
    get,
    path = "/reports/{id}/photos/{photo_id}/{variant}",
    tag = "신고",
    summary = "사진 파일 (공개본, 미리보기, 원본)",
    params(
        ("id" = Uuid, Path, description = "신고 ID"),
        ("photo_id" = Uuid, Path, description = "사진 ID"),
        ("variant" = String, Path, description = "`public`, `thumb-1280`, `thumb-320` (EXIF 없는 JPEG) 또는 `original` (올린 그대로, 공무원만)", example = "thumb-320"),
        ("If-None-Match" = Option<String>, Header, description = "가진 사본의 `ETag`"),
    ),
    responses(
        (status = 200, description = "사진", content(
            (Binary = "image/jpeg"), (Binary = "image/png"), (Binary = "image/webp"),
        ), headers(
            ("ETag" = String),
            ("Cache-Control" = String, description = "공개 신고의 사본은 `public, max-age=31536000, immutable`, 그 밖은 `private, max-age=3600`"),
        )),
        (status = 304, description = "가진 사본 그대로 (`If-None-Match`)"),
        Problems<Caller, Path<(Uuid, Uuid, String)>, PhotoFileError>,
    ),
)]
#[tracing::instrument(skip_all)]
pub async fn file(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path((id, photo_id, variant)): Path<(Uuid, Uuid, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let variant = PhotoVariant::parse(&variant).ok_or_else(|| {
        ApiError::not_found("no such photo form; use public, thumb-320, thumb-1280 or original")
    })?;
    let photos = &state.use_cases().photo_files;
    let file = photos
        .find(&actor, ReportId(id), PhotoId(photo_id), variant)
        .await?;
    let etag = format!("\"{}\"", file.tag);
    let cache = if file.public { SHARED } else { PRIVATE };
    let fresh = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| matches_etag(value, &etag));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let bytes = photos.bytes(&file).await?;
        let mut response = Body::from(bytes).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(&file.content_type)
                .map_err(|e| ApiError::internal(&anyhow::Error::new(e)))?,
        );
        response
    };
    let headers = response.headers_mut();
    headers.insert(
        header::ETAG,
        HeaderValue::from_str(&etag).map_err(|e| ApiError::internal(&anyhow::Error::new(e)))?,
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

/// Whether an `If-None-Match` value names `etag` (weak comparison, as
/// RFC 9110 asks for this header) or is `*`.
pub(crate) fn matches_etag(value: &str, etag: &str) -> bool {
    value.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == etag
    })
}

#[cfg(test)]
mod tests {
    use super::matches_etag;

    #[test]
    fn if_none_match_lists_weak_tags_and_stars() {
        let etag = "\"abc-public\"";
        assert!(matches_etag("\"abc-public\"", etag));
        assert!(matches_etag("\"x\", W/\"abc-public\"", etag));
        assert!(matches_etag("*", etag));
        assert!(!matches_etag("\"abc-thumb-320\"", etag));
        assert!(!matches_etag("abc-public", etag));
    }
}
