//! Serving a report's photos: the public copy and thumbnails to whoever may
//! see the report, the original (EXIF and all) to officials only.

use std::sync::Arc;

use crate::app::action::{load_visible, ActionError};
use crate::app::photo_blobs;
use crate::app::Ports;
use crate::domain::access::{Actor, Denied};
use crate::domain::photo::{PhotoId, PhotoVariant};
use crate::domain::report::{ReportId, Visibility};
use crate::ports::{MediaError, MediaKey, MediaStore, ReportStore};

/// One stored form of a photo the viewer may fetch; its bytes come from
/// [`PhotoFiles::bytes`]. Only [`PhotoFiles::find`] makes one, so holding one
/// means the policy said yes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoFile {
    key: MediaKey,
    /// Its media type.
    pub content_type: String,
    /// A tag that changes whenever the bytes could: the original's SHA-256
    /// and the variant (a photo's bytes never change once stored).
    pub tag: String,
    /// Whether anyone may see it (a public report's public copy or
    /// thumbnail), so shared caches may keep it; otherwise only the viewer may.
    pub public: bool,
}

/// Why a photo cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum PhotoFileError {
    /// No such photo or variant, or a report this viewer may not see.
    #[error("photo not found")]
    NotFound,
    /// Originals need a signed-in official.
    #[error("sign in required")]
    SignInRequired,
    /// The viewer may see the report but not this variant.
    #[error("{0}")]
    Forbidden(&'static str),
    /// A store is down.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A bug, or a photo whose blob is missing.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

impl From<ActionError> for PhotoFileError {
    fn from(error: ActionError) -> Self {
        match error {
            ActionError::NotFound => Self::NotFound,
            ActionError::SignInRequired => Self::SignInRequired,
            ActionError::Forbidden(reason) => Self::Forbidden(reason),
            ActionError::Unavailable(reason) => Self::Unavailable(reason),
            // Reading leaves no blobs behind; the failure is what counts.
            ActionError::BlobsLeftBehind { error, .. } => Self::from(*error),
            other => Self::Unknown(anyhow::anyhow!(other.to_string())),
        }
    }
}

impl From<Denied> for PhotoFileError {
    fn from(denied: Denied) -> Self {
        ActionError::from(denied).into()
    }
}

impl From<MediaError> for PhotoFileError {
    fn from(error: MediaError) -> Self {
        match error {
            MediaError::Unavailable(reason) => Self::Unavailable(reason),
            MediaError::Unknown(error) => Self::Unknown(error),
        }
    }
}

/// Finds and reads photos for viewers.
#[derive(Clone)]
pub struct PhotoFiles {
    reports: Arc<dyn ReportStore>,
    media: Arc<dyn MediaStore>,
}

impl std::fmt::Debug for PhotoFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhotoFiles").finish_non_exhaustive()
    }
}

impl PhotoFiles {
    pub(crate) fn new(ports: &Ports) -> Self {
        Self {
            reports: ports.reports.clone(),
            media: ports.media.clone(),
        }
    }

    /// One variant of one photo of a report, if the viewer may fetch it: a
    /// report the viewer may not see is "not found" (as for
    /// [`ReadReports::get`](crate::app::ReadReports::get)), and so is a photo
    /// it does not have; an original is refused to anyone but officials.
    /// Nothing is read from the media store yet, so a client revalidating
    /// its cached copy costs no blob read.
    pub async fn find(
        &self,
        actor: &Actor,
        report: ReportId,
        photo: PhotoId,
        variant: PhotoVariant,
    ) -> Result<PhotoFile, PhotoFileError> {
        let report = load_visible(self.reports.as_ref(), actor, report).await?;
        let photo = report
            .photos
            .iter()
            .find(|p| p.id == photo)
            .ok_or(PhotoFileError::NotFound)?;
        actor.may_view_photo(variant)?;
        Ok(PhotoFile {
            key: photo_blobs::key(report.id, photo, variant)?,
            content_type: photo.media_type(variant).to_owned(),
            tag: format!("{}-{}", photo.sha256, variant.as_str()),
            public: report.visibility == Visibility::Public && !variant.staff_only(),
        })
    }

    /// The bytes of a file [`find`](Self::find) allowed.
    pub async fn bytes(&self, file: &PhotoFile) -> Result<Vec<u8>, PhotoFileError> {
        match self.media.get(&file.key).await? {
            Some(blob) => Ok(blob.bytes),
            None => Err(PhotoFileError::Unknown(anyhow::anyhow!(
                "the report names a photo whose blob {} is missing",
                file.key
            ))),
        }
    }
}
