//! `POST /analyze`: what triage would decide for a text and photos; nothing is stored.

use super::WorkerState;
use crate::ApiError;
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sinmungo_core::app::Preview;
use sinmungo_core::app::{AnalyzeError, PreviewRequest, MAX_PHOTOS_ANALYZED};
use sinmungo_core::domain::{Description, FieldError, Invalid, ReportTitle};
use sinmungo_core::ports::{Detection, ImageInput};

/// The request body.
#[derive(Debug, Deserialize)]
pub(crate) struct AnalyzeBody {
    title: String,
    description: String,
    /// Base64 images (JPEG, PNG or WebP), optionally as `data:` URLs.
    #[serde(default)]
    photos: Vec<String>,
    /// City or county code, for rules limited to some places.
    jurisdiction: Option<String>,
}

impl AnalyzeBody {
    /// Parses the body into the use case's request, collecting every field error.
    fn try_into_request(self) -> Result<PreviewRequest, Invalid> {
        let mut errors = Vec::new();
        let title = ReportTitle::new(&self.title)
            .map_err(|e| errors.push(e))
            .ok();
        let description = Description::new(&self.description)
            .map_err(|e| errors.push(e))
            .ok();
        if self.photos.len() > MAX_PHOTOS_ANALYZED {
            errors.push(FieldError::new(
                "photos",
                "too_many",
                format!(
                    "at most {MAX_PHOTOS_ANALYZED} photos are analysed, got {}",
                    self.photos.len()
                ),
            ));
        }
        let images: Vec<ImageInput> = self
            .photos
            .iter()
            .enumerate()
            .take(MAX_PHOTOS_ANALYZED)
            .filter_map(|(n, photo)| decode_photo(n, photo).map_err(|e| errors.push(e)).ok())
            .collect();
        let jurisdiction = self
            .jurisdiction
            .map(|code| code.trim().to_owned())
            .filter(|code| !code.is_empty());
        match (title, description) {
            (Some(title), Some(description)) if errors.is_empty() => Ok(PreviewRequest {
                title: title.as_str().to_owned(),
                description: description.as_str().to_owned(),
                images,
                jurisdiction,
            }),
            _ => Err(Invalid(errors)),
        }
    }
}

/// A base64 photo (or `data:` URL) → its bytes and media type, from its magic bytes.
fn decode_photo(n: usize, photo: &str) -> Result<ImageInput, FieldError> {
    let field = format!("photos[{n}]");
    let encoded = match photo.split_once(";base64,") {
        Some((prefix, data)) if prefix.starts_with("data:") => data,
        _ => photo,
    };
    let compact: String = encoded.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| FieldError::new(&field, "invalid_base64", "not valid base64"))?;
    let content_type = sniff(&bytes).ok_or_else(|| {
        FieldError::new(
            &field,
            "unsupported_type",
            "only JPEG, PNG and WebP photos are analysed",
        )
    })?;
    Ok(ImageInput {
        bytes,
        content_type: content_type.to_owned(),
    })
}

fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && bytes[8..12] == *b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// The answer: the decision as an analysis, and what the providers saw.
#[derive(Debug, Serialize)]
pub(crate) struct PreviewDto {
    category: String,
    priority: &'static str,
    confidence: f64,
    decided_by: &'static str,
    rule: Option<String>,
    matched: Vec<String>,
    needs_review: bool,
    models: Vec<String>,
    latency_ms: u32,
    note: Option<String>,
    summary: Option<String>,
    /// The LLM's verdict on personal data (`null`: unknown), and what it pointed at.
    personal_data: Option<bool>,
    personal_data_spans: Vec<String>,
    detections: Vec<DetectionDto>,
}

#[derive(Debug, Serialize)]
struct DetectionDto {
    label: String,
    confidence: f64,
    x: f64,
    y: f64,
    width: f64,
    height: f64,
}

impl From<Preview> for PreviewDto {
    fn from(preview: Preview) -> Self {
        let analysis = preview.analysis;
        Self {
            category: analysis.category.to_string(),
            priority: analysis.priority.as_str(),
            confidence: analysis.confidence,
            decided_by: analysis.decided_by.as_str(),
            rule: analysis.rule,
            matched: analysis.matched,
            needs_review: analysis.needs_review,
            models: analysis.models,
            latency_ms: analysis.latency_ms,
            note: analysis.note,
            summary: preview.summary,
            personal_data: analysis.privacy.personal_data,
            personal_data_spans: analysis.privacy.spans,
            detections: preview
                .detections
                .into_iter()
                .map(DetectionDto::from)
                .collect(),
        }
    }
}

impl From<Detection> for DetectionDto {
    fn from(d: Detection) -> Self {
        Self {
            label: d.label,
            confidence: d.confidence,
            x: d.x,
            y: d.y,
            width: d.width,
            height: d.height,
        }
    }
}

/// A body axum could not read as JSON, as a problem; a body of the wrong
/// shape as the API answers it (422 `invalid_body`, the field named in the
/// API's words, never serde's Rust types).
fn unreadable(rejection: &JsonRejection) -> ApiError {
    if let JsonRejection::JsonDataError(_) = rejection {
        return crate::extract::json_problem(rejection);
    }
    let (code, title) = match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ("body_too_large", "Payload too large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "Unsupported media type"),
        _ => ("invalid_json", "Bad request"),
    };
    ApiError::new(rejection.status(), code, title, rejection.body_text())
}

/// `POST /analyze`.
#[tracing::instrument(skip_all)]
pub(crate) async fn analyze(
    State(state): State<WorkerState>,
    body: Result<Json<AnalyzeBody>, JsonRejection>,
) -> Result<Json<PreviewDto>, ApiError> {
    let Json(body) = body.map_err(|rejection| unreadable(&rejection))?;
    let request = body.try_into_request().map_err(ApiError::validation)?;
    match state.analyze.preview(request).await {
        Ok(preview) => Ok(Json(PreviewDto::from(preview))),
        Err(AnalyzeError::Unavailable(reason)) => {
            tracing::warn!(%reason, "analysis unavailable");
            Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "service_unavailable",
                "Service unavailable",
                "the service is temporarily unavailable; try again shortly (잠시 후 다시 시도해 주세요)",
            ))
        }
        Err(AnalyzeError::Unknown(error)) => Err(ApiError::internal(&error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(photos: Vec<String>) -> AnalyzeBody {
        AnalyzeBody {
            title: " 가로등 고장 ".to_owned(),
            description: "골목이 어두워요".to_owned(),
            photos,
            jurisdiction: Some(" ".to_owned()),
        }
    }

    #[test]
    fn photos_are_decoded_and_typed_by_their_bytes() {
        let png = base64::engine::general_purpose::STANDARD.encode(b"\x89PNG\r\n\x1a\n....");
        let request = body(vec![format!("data:image/png;base64,{png}")])
            .try_into_request()
            .unwrap();
        assert_eq!(request.title, "가로등 고장");
        assert_eq!(request.images[0].content_type, "image/png");
        assert_eq!(request.jurisdiction, None);
    }

    #[test]
    fn every_bad_field_is_reported() {
        let invalid = AnalyzeBody {
            title: String::new(),
            ..body(vec!["@@@".to_owned(), "aGVsbG8=".to_owned()])
        }
        .try_into_request()
        .unwrap_err();
        let codes: Vec<(&str, &str)> = invalid
            .0
            .iter()
            .map(|e| (e.field.as_str(), e.code))
            .collect();
        assert_eq!(
            codes,
            [
                ("title", "required"),
                ("photos[0]", "invalid_base64"),
                ("photos[1]", "unsupported_type")
            ]
        );
    }
}
