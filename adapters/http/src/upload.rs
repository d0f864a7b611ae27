//! Receiving photos. A `multipart/form-data` body is read part by part, each
//! part with a running byte count that stops at its limit (nothing larger
//! than a limit is ever buffered). Each photo is judged by its content and
//! its header ([`PhotoProcessor::inspect`]: format, pixel count) as soon as it
//! has arrived, then processed on the blocking pool while the next part arrives,
//! no more photos at once than there are processing slots, so eight
//! concurrent uploads cannot exhaust memory.
//!
//! Processing is inline: the answer comes after every photo is processed and
//! stored, so there is no `processing` state to poll and nothing to lose if
//! the process dies after answering. A 12-megapixel JPEG takes about a third
//! of a second of one core; five of them cost a second or two of waiting,
//! mostly hidden behind the upload itself.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{header, HeaderMap, StatusCode};
use futures::StreamExt;
use serde::de::DeserializeOwned;
use sinmungo_core::app::{PreparedPhoto, SubmitRequest, MAX_PHOTOS_PER_REQUEST};
use sinmungo_core::domain::{FieldError, Invalid};
use sinmungo_core::ports::{PhotoProcessor, PhotoRejection};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::dto::SubmitBody;
use crate::extract::{
    json_problem, INVALID_BODY, MALFORMED_JSON, PAYLOAD_TOO_LARGE, UNREADABLE_BODY,
};
use crate::openapi::problems::{problem, Answers, Problem};
use crate::problem::ApiError;
use crate::{HttpConfig, UploadConfig};

/// The text fields of a report sent as a form (or one `report` part holding
/// the JSON body instead).
pub(crate) const TEXT_FIELDS: [&str; 7] = [
    "title",
    "description",
    "lat",
    "lng",
    "address",
    "category",
    "visibility",
];

/// Part names that carry a photo.
pub(crate) const PHOTO_PARTS: [&str; 3] = ["photos", "photo", "photos[]"];

/// Receives uploaded photos within the configured byte limits and has them
/// checked and processed (within its own pixel limits) by the processor.
pub struct PhotoIntake {
    config: UploadConfig,
    /// Largest JSON body or text part.
    text_limit: usize,
    processor: Arc<dyn PhotoProcessor>,
    slots: Arc<Semaphore>,
}

/// What an upload answers besides the JSON body's problems (a report's
/// `report` part, or a JSON submission, is read as a JSON body).
impl Answers for PhotoIntake {
    const PROBLEMS: &'static [Problem] = &[
        MALFORMED_JSON,
        UNREADABLE_BODY,
        PAYLOAD_TOO_LARGE,
        INVALID_BODY,
        problem(
            StatusCode::BAD_REQUEST,
            "malformed_multipart",
            "`multipart/form-data` 본문을 읽을 수 없습니다",
        ),
        problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "photo_too_large",
            "사진 한 장이 허용 크기보다 큽니다",
        ),
        problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "upload_too_large",
            "한 번에 올린 양이 허용 크기보다 큽니다",
        ),
        problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "JSON이나 `multipart/form-data`가 아니거나, 사진이 JPEG, PNG, WebP가 아닙니다 (HEIC 불가)",
        ),
        problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "image_too_large",
            "사진의 화소 수나 긴 변이 한도를 넘습니다",
        ),
        problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "corrupt_image",
            "사진을 이미지로 읽을 수 없습니다",
        ),
        problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "사진이 너무 많거나(`too_many_photos`), 항목이 겹치거나 숫자가 아닙니다 (`errors`에 항목별 이유)",
        ),
    ];
}

impl std::fmt::Debug for PhotoIntake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhotoIntake")
            .field("config", &self.config)
            .field("text_limit", &self.text_limit)
            .finish_non_exhaustive()
    }
}

/// Which text parts a form may carry besides its photos.
#[derive(Debug, Clone, Copy)]
enum TextParts {
    /// None: photos only.
    None,
    /// A report's fields, or one `report` part holding the JSON body.
    Report,
    /// These named fields.
    Named(&'static [&'static str]),
}

/// What a part of a form is.
enum Part {
    Photo,
    Text(&'static str),
    Report,
}

/// The text of a form, before it is checked.
#[derive(Default)]
struct FormText {
    report: Option<Vec<u8>>,
    fields: BTreeMap<&'static str, String>,
}

/// A photo part that has arrived and passed the header checks.
struct Arrived {
    index: usize,
    label: String,
}

impl PhotoIntake {
    pub(crate) fn new(config: HttpConfig, processor: Arc<dyn PhotoProcessor>) -> Self {
        let uploads = config.uploads;
        Self {
            config: uploads,
            text_limit: config.body_limit,
            processor,
            slots: Arc::new(Semaphore::new(uploads.processing_slots.max(1))),
        }
    }

    /// The processor photos go through.
    pub(crate) fn processor(&self) -> &Arc<dyn PhotoProcessor> {
        &self.processor
    }

    /// A JSON body of at most the JSON limit (413 `payload_too_large` above it).
    pub(crate) async fn json<T: DeserializeOwned>(&self, request: Request) -> Result<T, ApiError> {
        if !is_json(request.headers()) {
            return Err(unsupported_body());
        }
        let bytes = read_limited(request.into_body(), self.text_limit)
            .await?
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "Payload too large",
                    "the request body is larger than the server accepts",
                )
            })?;
        axum::Json::<T>::from_bytes(&bytes)
            .map(|axum::Json(value)| value)
            .map_err(|rejection| json_problem(&rejection))
    }

    /// A report sent as `multipart/form-data`: its text fields (or one
    /// `report` part holding the JSON body) and up to five photos.
    pub(crate) async fn report_form(&self, request: Request) -> Result<SubmitRequest, ApiError> {
        let (text, photos) = self.form(request, TextParts::Report).await?;
        let mut submit = match text.report {
            Some(_) if !text.fields.is_empty() => {
                return Err(ApiError::validation(Invalid::from(FieldError::new(
                    "report",
                    "conflicting_fields",
                    "send the report as one `report` JSON part or as separate fields, not both",
                ))))
            }
            Some(json) => axum::Json::<SubmitBody>::from_bytes(&json)
                .map_err(|rejection| json_problem(&rejection))?
                .0
                .into_domain(),
            None => from_fields(text.fields)?,
        };
        submit.photos = photos;
        Ok(submit)
    }

    /// Photos sent as `multipart/form-data` parts named `photos`, and nothing else.
    pub(crate) async fn photos_form(
        &self,
        request: Request,
    ) -> Result<Vec<PreparedPhoto>, ApiError> {
        let (_, photos) = self.form(request, TextParts::None).await?;
        Ok(photos)
    }

    /// Photos sent as `multipart/form-data` parts named `photos` beside the
    /// text fields `fields` (any other part is refused), within the same
    /// limits as the API's: for another front end's forms, such as the
    /// officers' console resolving a report with photos.
    ///
    /// # Errors
    ///
    /// The problems the API answers for the same upload: `unsupported_body`,
    /// `malformed_multipart`, `unknown_field`, `photo_too_large`,
    /// `upload_too_large`, `too_many_photos`, `unsupported_media_type`,
    /// `image_too_large`, `corrupt_image`.
    pub async fn fields_and_photos(
        &self,
        request: Request,
        fields: &'static [&'static str],
    ) -> Result<(BTreeMap<&'static str, String>, Vec<PreparedPhoto>), ApiError> {
        let (text, photos) = self.form(request, TextParts::Named(fields)).await?;
        Ok((text.fields, photos))
    }

    async fn form(
        &self,
        request: Request,
        text_parts: TextParts,
    ) -> Result<(FormText, Vec<PreparedPhoto>), ApiError> {
        if !is_multipart(request.headers()) {
            return Err(unsupported_body());
        }
        // A body announced as too large is refused before any of it is read.
        let announced = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if announced.is_some_and(|length| length > self.config.upload_max_bytes as u64) {
            return Err(self.upload_too_large());
        }
        let mut multipart = Multipart::from_request(request, &())
            .await
            .map_err(|rejection| {
                ApiError::bad_request("malformed_multipart", rejection.body_text())
            })?;
        let mut text = FormText::default();
        let mut processing = JoinSet::new();
        let mut photos = 0;
        let mut total = 0;
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| self.multipart_problem(&e))?
        {
            match part(field.name(), text_parts)? {
                Part::Photo => {
                    let file_name = field.file_name().unwrap_or_default().to_owned();
                    if photos == MAX_PHOTOS_PER_REQUEST && !file_name.is_empty() {
                        return Err(too_many_photos());
                    }
                    let label = label(photos, &file_name);
                    let bytes = self.photo_bytes(field, &label, &mut total).await?;
                    if bytes.is_empty() && file_name.is_empty() {
                        // A file input left empty: browsers still send the part.
                        continue;
                    }
                    if photos == MAX_PHOTOS_PER_REQUEST {
                        return Err(too_many_photos());
                    }
                    self.processor
                        .inspect(&bytes)
                        .map_err(|e| photo_problem(e, &label))?;
                    let arrived = Arrived {
                        index: photos,
                        label,
                    };
                    self.process(&mut processing, arrived, bytes);
                    photos += 1;
                }
                Part::Text(name) => {
                    let bytes = self.text_bytes(field).await?;
                    let value = String::from_utf8(bytes).map_err(|_| {
                        ApiError::validation(Invalid::from(FieldError::new(
                            name,
                            "not_text",
                            "the field is not UTF-8 text",
                        )))
                    })?;
                    text.fields.insert(name, value);
                }
                Part::Report => text.report = Some(self.text_bytes(field).await?),
            }
        }
        let mut prepared = Vec::with_capacity(photos);
        while let Some(done) = processing.join_next().await {
            let (arrived, outcome) = done.map_err(|e| {
                ApiError::internal(&anyhow::anyhow!("photo processing stopped: {e}"))
            })?;
            let photo = outcome.map_err(|e| photo_problem(e, &arrived.label))?;
            prepared.push((arrived.index, photo));
        }
        prepared.sort_by_key(|(index, _)| *index);
        Ok((text, prepared.into_iter().map(|(_, photo)| photo).collect()))
    }

    /// Processes one photo on the blocking pool once a slot is free; the
    /// slot is held until the work is done, even if the request is gone.
    fn process(
        &self,
        processing: &mut JoinSet<(Arrived, Result<PreparedPhoto, PhotoRejection>)>,
        arrived: Arrived,
        bytes: Vec<u8>,
    ) {
        let slots = self.slots.clone();
        let processor = self.processor.clone();
        processing.spawn(async move {
            let outcome = match slots.acquire_owned().await {
                Ok(slot) => tokio::task::spawn_blocking(move || {
                    let processed = processor.process(&bytes);
                    drop(slot);
                    processed
                })
                .await
                .unwrap_or_else(|e| {
                    Err(PhotoRejection::Corrupt(format!("processing failed: {e}")))
                }),
                Err(closed) => Err(PhotoRejection::Corrupt(closed.to_string())),
            };
            (arrived, outcome)
        });
    }

    /// A photo part's bytes, counted as they arrive against the photo and request limits.
    async fn photo_bytes(
        &self,
        mut field: Field<'_>,
        label: &str,
        total: &mut usize,
    ) -> Result<Vec<u8>, ApiError> {
        let mut bytes = Vec::new();
        while let Some(chunk) = field
            .chunk()
            .await
            .map_err(|e| self.multipart_problem(&e))?
        {
            *total += chunk.len();
            if *total > self.config.upload_max_bytes {
                return Err(self.upload_too_large());
            }
            if bytes.len() + chunk.len() > self.config.photo_max_bytes {
                return Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "photo_too_large",
                    "Photo too large",
                    format!(
                        "{label} is larger than {} per photo (사진 한 장은 최대 {})",
                        size(self.config.photo_max_bytes),
                        size(self.config.photo_max_bytes)
                    ),
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    /// A text part's bytes, at most the JSON limit.
    async fn text_bytes(&self, mut field: Field<'_>) -> Result<Vec<u8>, ApiError> {
        let name = field.name().unwrap_or_default().to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = field
            .chunk()
            .await
            .map_err(|e| self.multipart_problem(&e))?
        {
            if bytes.len() + chunk.len() > self.text_limit {
                return Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "Payload too large",
                    format!("the `{name}` part is larger than the server accepts"),
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    fn upload_too_large(&self) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "upload_too_large",
            "Upload too large",
            format!(
                "the upload is larger than {} in all (한 번에 최대 {})",
                size(self.config.upload_max_bytes),
                size(self.config.upload_max_bytes)
            ),
        )
    }

    fn multipart_problem(&self, error: &MultipartError) -> ApiError {
        match error.status() {
            StatusCode::PAYLOAD_TOO_LARGE => self.upload_too_large(),
            StatusCode::BAD_REQUEST => {
                ApiError::bad_request("malformed_multipart", error.body_text())
            }
            _ => ApiError::bad_request(
                "unreadable_body",
                "the request body could not be read to its end",
            ),
        }
    }
}

/// The answer to a photo the processor refused.
fn photo_problem(error: PhotoRejection, label: &str) -> ApiError {
    let (status, code, title, detail) = match error {
        PhotoRejection::Unsupported { found } => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
            format!(
                "{label} is not a JPEG, PNG or WebP image by its content (it looks like {found}); \
                 photos must be JPEG, PNG or WebP, and HEIC is not supported: send JPEG \
                 (사진은 JPEG, PNG, WebP만 올릴 수 있습니다)"
            ),
        ),
        PhotoRejection::TooLarge {
            width,
            height,
            max_pixels,
            max_edge,
        } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "image_too_large",
            "Image too large",
            format!(
                "{label} is {width}×{height} pixels; a photo may have at most {max_pixels} pixels and {max_edge} on its longer side"
            ),
        ),
        PhotoRejection::Corrupt(reason) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "corrupt_image",
            "Corrupt image",
            format!("{label} cannot be read as an image ({reason}) (손상된 사진입니다)"),
        ),
    };
    ApiError::new(status, code, title, detail)
}

/// Reads a body to its end, or `None` as soon as it passes `limit` bytes.
async fn read_limited(body: Body, limit: usize) -> Result<Option<Vec<u8>>, ApiError> {
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| {
            ApiError::bad_request(
                "unreadable_body",
                "the request body could not be read to its end",
            )
        })?;
        if bytes.len() + chunk.len() > limit {
            return Ok(None);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Some(bytes))
}

fn part(name: Option<&str>, text_parts: TextParts) -> Result<Part, ApiError> {
    let name = name.unwrap_or_default();
    if PHOTO_PARTS.contains(&name) {
        return Ok(Part::Photo);
    }
    let fields: &'static [&'static str] = match text_parts {
        TextParts::None => &[],
        TextParts::Report if name == "report" => return Ok(Part::Report),
        TextParts::Report => &TEXT_FIELDS,
        TextParts::Named(fields) => fields,
    };
    if let Some(field) = fields.iter().find(|f| **f == name) {
        return Ok(Part::Text(field));
    }
    let expected = match text_parts {
        TextParts::None => "only `photos` parts".to_owned(),
        TextParts::Report => "title, description, lat, lng, address, category, visibility (or one `report` JSON part) and photos".to_owned(),
        TextParts::Named(fields) => format!("{} and photos", fields.join(", ")),
    };
    Err(ApiError::validation(Invalid::from(FieldError::new(
        name,
        "unknown_field",
        format!("unknown part {name:?}; this route takes {expected}"),
    ))))
}

/// The submission a form's text fields describe; an empty field is an absent one.
fn from_fields(mut fields: BTreeMap<&'static str, String>) -> Result<SubmitRequest, ApiError> {
    let mut take = |name: &str| fields.remove(name).filter(|v| !v.trim().is_empty());
    let mut errors = Vec::new();
    let mut degrees = |raw: Option<String>, field: &str| {
        let value = raw?;
        match value.trim().parse::<f64>() {
            Ok(number) => Some(number),
            Err(_) => {
                errors.push(FieldError::new(
                    field,
                    "not_a_number",
                    "a number of degrees is expected",
                ));
                None
            }
        }
    };
    let lat = degrees(take("lat"), "location.lat");
    let lng = degrees(take("lng"), "location.lng");
    if !errors.is_empty() {
        return Err(ApiError::validation(Invalid(errors)));
    }
    Ok(SubmitRequest {
        title: take("title").unwrap_or_default(),
        description: take("description").unwrap_or_default(),
        lat,
        lng,
        address: take("address"),
        category: take("category"),
        visibility: take("visibility"),
        photos: Vec::new(),
    })
}

fn too_many_photos() -> ApiError {
    ApiError::validation(Invalid::from(FieldError::new(
        "photos",
        "too_many_photos",
        format!("send at most {MAX_PHOTOS_PER_REQUEST} photos at once (사진은 한 번에 {MAX_PHOTOS_PER_REQUEST}장까지)"),
    )))
}

/// How a photo is named in answers: its position, and its file name if it had one.
fn label(index: usize, file_name: &str) -> String {
    if file_name.is_empty() {
        format!("photos[{index}]")
    } else {
        format!("photos[{index}] ({file_name:?})")
    }
}

/// Bytes in MiB when whole, else in bytes.
fn size(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

fn unsupported_body() -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "Unsupported media type",
        "send the body as application/json, or as multipart/form-data with photos",
    )
}

/// The media type of the body, without parameters, in lowercase.
fn essence(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = value.split(';').next().unwrap_or_default().trim();
    Some(essence.to_ascii_lowercase())
}

/// Whether the body is `multipart/form-data`.
pub(crate) fn is_multipart(headers: &HeaderMap) -> bool {
    essence(headers).as_deref() == Some("multipart/form-data")
}

/// Whether the body is JSON (`application/json` or `application/…+json`).
fn is_json(headers: &HeaderMap) -> bool {
    essence(headers).is_some_and(|essence| {
        essence == "application/json"
            || (essence.starts_with("application/") && essence.ends_with("+json"))
    })
}
