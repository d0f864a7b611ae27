//! Photos attached to a report: the reporter's, and the "processing photos"
//! staff add while working it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::report::ReportId;
use crate::domain::user::UserId;

/// A photo's identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PhotoId(pub Uuid);

impl std::fmt::Display for PhotoId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Who took a photo, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhotoKind {
    /// Sent with the report, showing the problem.
    Report,
    /// Added by staff, showing the work done (처리 사진).
    Resolution,
}

impl PhotoKind {
    /// The stable code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Report => "report",
            Self::Resolution => "resolution",
        }
    }
}

/// One stored photo. The bytes live in the media store, under keys derived
/// from the report and photo ids; this is what the report remembers of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Photo {
    /// Identity.
    pub id: PhotoId,
    /// Report or resolution photo.
    pub kind: PhotoKind,
    /// The original's media type (`image/jpeg`, `image/png`, `image/webp`).
    pub content_type: String,
    /// Width after orientation, in pixels.
    pub width: u32,
    /// Height after orientation, in pixels.
    pub height: u32,
    /// The original's size in bytes.
    pub size: u64,
    /// SHA-256 of the original, lowercase hex: the same photo twice is stored once.
    pub sha256: String,
    /// Who uploaded it (never shown to other citizens).
    pub uploaded_by: UserId,
    /// When.
    pub uploaded_at: DateTime<Utc>,
    /// The duplicate it was uploaded to, for a photo shown on an original
    /// because that duplicate was merged into it; its blobs stay under the
    /// duplicate's keys. `None` for a report's own photos.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_from: Option<ReportId>,
}

/// The stored forms of a photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PhotoVariant {
    /// The upload as received, metadata and all: staff only.
    Original,
    /// Re-encoded as JPEG with no metadata, orientation applied: what the public sees.
    Public,
    /// A JPEG at most 320 px on its long side.
    Thumbnail320,
    /// A JPEG at most 1280 px on its long side.
    Thumbnail1280,
}

impl PhotoVariant {
    /// Every variant, original first.
    pub const ALL: [Self; 4] = [
        Self::Original,
        Self::Public,
        Self::Thumbnail320,
        Self::Thumbnail1280,
    ];

    /// The variant's name in URLs: `original`, `public`, `thumb-320`, `thumb-1280`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Original => "original",
            Self::Public => "public",
            Self::Thumbnail320 => "thumb-320",
            Self::Thumbnail1280 => "thumb-1280",
        }
    }

    /// Parses a URL name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == raw)
    }

    /// Whether only officials may fetch it (the original keeps its metadata).
    pub fn staff_only(self) -> bool {
        self == Self::Original
    }
}

/// The file extension of a photo format's media type.
fn extension(content_type: &str) -> &'static str {
    match content_type {
        "image/png" => "png",
        "image/webp" => "webp",
        _ => "jpg",
    }
}

impl Photo {
    /// Where a variant of this photo of `report` is kept in the media store:
    /// `reports/{report id}/{photo id}/{variant}.{extension}` — the original
    /// in its own format, every other variant a JPEG (media stores type a
    /// blob by its key's extension).
    ///
    /// A photo [`merged_from`](Self::merged_from) a duplicate keeps the
    /// duplicate's keys, whichever report it is shown on.
    pub fn media_key(&self, report: ReportId, variant: PhotoVariant) -> String {
        let report = self.merged_from.unwrap_or(report);
        let extension = match variant {
            PhotoVariant::Original => extension(&self.content_type),
            _ => "jpg",
        };
        format!(
            "reports/{}/{}/{}.{extension}",
            report.0,
            self.id,
            variant.as_str()
        )
    }

    /// The media type a variant is served with.
    pub fn media_type(&self, variant: PhotoVariant) -> &str {
        match variant {
            PhotoVariant::Original => &self.content_type,
            _ => "image/jpeg",
        }
    }
}
