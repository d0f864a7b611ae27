//! The blobs of new photos: written to the media store *before* the change
//! that records them, and removed again when that change does not happen, so
//! a report never names a photo whose bytes are missing and a failed request
//! leaves nothing behind (all or nothing across two stores without a
//! transaction spanning both).

use std::collections::HashSet;

use crate::domain::photo::{Photo, PhotoVariant};
use crate::domain::report::{Report, ReportId};
use crate::domain::validation::{Collector, FieldError, Invalid};
use crate::ports::{
    Blob, MediaError, MediaKey, MediaStore, PreparedPhoto, ReportStore, StoreError,
};

/// Most photos one request may carry.
pub const MAX_PHOTOS_PER_REQUEST: usize = 5;
/// Most photos one report may hold, the reporter's and officials' together.
pub const MAX_PHOTOS_PER_REPORT: usize = 20;

/// The uploads of one request that are new to the report: the first of
/// identical uploads (same SHA-256), and none the report already holds as
/// its own (a photo shown from a merged duplicate may be uploaded again).
pub(crate) fn distinct(photos: Vec<PreparedPhoto>, report: Option<&Report>) -> Vec<PreparedPhoto> {
    let mut seen: HashSet<String> = report
        .map(|r| own_photos(r).map(|p| p.sha256.clone()).collect())
        .unwrap_or_default();
    photos
        .into_iter()
        .filter(|photo| seen.insert(photo.sha256.clone()))
        .collect()
}

/// Checks what the core can check of uploads it cannot look inside: how many,
/// and that each is described consistently.
pub(crate) fn check_uploads(photos: &[PreparedPhoto], fields: &mut Collector) {
    if photos.len() > MAX_PHOTOS_PER_REQUEST {
        fields.push(too_many(format!(
            "send at most {MAX_PHOTOS_PER_REQUEST} photos at once (사진은 한 번에 {MAX_PHOTOS_PER_REQUEST}장까지)"
        )));
    }
    for (index, photo) in photos.iter().enumerate() {
        if let Err(error) = photo.check(&format!("photos[{index}]")) {
            fields.push(error);
        }
    }
}

/// Refuses a report that would hold more than [`MAX_PHOTOS_PER_REPORT`]
/// photos of its own (those shown from merged duplicates do not count: a
/// popular original must still take its resolution photos).
pub(crate) fn check_room(report: &Report, adding: usize) -> Result<(), Invalid> {
    let own = own_photos(report).count();
    if own + adding > MAX_PHOTOS_PER_REPORT {
        return Err(Invalid::from(too_many(format!(
            "a report holds at most {MAX_PHOTOS_PER_REPORT} photos; this one has {own} (사진은 신고당 {MAX_PHOTOS_PER_REPORT}장까지)"
        ))));
    }
    Ok(())
}

/// The photos uploaded to the report itself, not shown from a merged duplicate.
fn own_photos(report: &Report) -> impl Iterator<Item = &Photo> {
    report.photos.iter().filter(|p| p.merged_from.is_none())
}

fn too_many(message: String) -> FieldError {
    FieldError::new("photos", "too_many_photos", message)
}

/// Every stored form of one photo.
fn blobs(photo: &Photo, prepared: PreparedPhoto) -> Vec<(PhotoVariant, Blob)> {
    let jpeg = |bytes| Blob {
        bytes,
        content_type: photo.media_type(PhotoVariant::Public).to_owned(),
    };
    vec![
        (
            PhotoVariant::Original,
            Blob {
                bytes: prepared.original,
                content_type: photo.media_type(PhotoVariant::Original).to_owned(),
            },
        ),
        (PhotoVariant::Public, jpeg(prepared.public)),
        (PhotoVariant::Thumbnail1280, jpeg(prepared.thumbnail_1280)),
        (PhotoVariant::Thumbnail320, jpeg(prepared.thumbnail_320)),
    ]
}

/// The key of one variant of one photo.
pub(crate) fn key(
    report: ReportId,
    photo: &Photo,
    variant: PhotoVariant,
) -> Result<MediaKey, MediaError> {
    MediaKey::new(&photo.media_key(report, variant))
        .map_err(|invalid| MediaError::Unknown(invalid.into()))
}

/// A blob a change stored and could not take back: an orphan (bytes no
/// report names) unless the change was applied after all. The core reports
/// these, in its errors and outcomes, rather than logging them; whoever ran
/// the use case logs them for an operator to clean up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftoverBlob {
    /// Its key in the media store.
    pub key: MediaKey,
    /// Why it is still there.
    pub reason: LeftoverReason,
}

/// Why a [`LeftoverBlob`] is still in the media store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeftoverReason {
    /// The change was not applied, but deleting the blob failed with this
    /// media-store error: an orphan now.
    NotDeleted(String),
    /// Kept on purpose: the report store failed with this error and could
    /// not say whether the change naming the blob was applied, and a report
    /// without its photos' bytes would be worse than an orphan.
    Unsure(String),
}

/// Putting a change's blobs failed with `error`; the blobs put before it
/// were deleted again, except `left`.
#[derive(Debug)]
pub(crate) struct PutFailed {
    pub(crate) error: MediaError,
    pub(crate) left: Vec<LeftoverBlob>,
}

/// The blobs written for one change, to be kept when the change is applied
/// and discarded when it is not.
#[must_use = "discard the blobs unless the change that records them was applied"]
pub(crate) struct PutBlobs {
    keys: Vec<MediaKey>,
}

impl PutBlobs {
    /// Puts every variant of every photo of `report`; when one put fails, the
    /// blobs already put are deleted again before the error is returned.
    pub(crate) async fn put(
        media: &dyn MediaStore,
        report: ReportId,
        photos: Vec<(Photo, PreparedPhoto)>,
    ) -> Result<Self, PutFailed> {
        let mut put = Self { keys: Vec::new() };
        for (photo, prepared) in photos {
            for (variant, blob) in blobs(&photo, prepared) {
                let stored = match key(report, &photo, variant) {
                    Ok(key) => media.put(&key, blob).await.map(|()| key),
                    Err(error) => Err(error),
                };
                match stored {
                    Ok(key) => put.keys.push(key),
                    Err(error) => {
                        let left = put.discard(media).await;
                        return Err(PutFailed { error, left });
                    }
                }
            }
        }
        Ok(put)
    }

    /// Whether nothing was put (a change without photos).
    pub(crate) fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Deletes the blobs of one photo that turned out not to be needed, and
    /// returns those that could not be deleted.
    #[must_use = "report the blobs that could not be deleted"]
    pub(crate) async fn discard_photo(
        &mut self,
        media: &dyn MediaStore,
        report: ReportId,
        photo: &Photo,
    ) -> Vec<LeftoverBlob> {
        let prefix = format!("reports/{}/{}/", report.0, photo.id);
        let (gone, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut self.keys)
            .into_iter()
            .partition(|key| key.as_str().starts_with(&prefix));
        self.keys = kept;
        Self { keys: gone }.discard(media).await
    }

    /// Deletes every blob put, as well as it can, and returns those that
    /// could not be deleted (orphans: they take space but name no report),
    /// for the caller to report beside its own error.
    #[must_use = "report the blobs that could not be deleted"]
    pub(crate) async fn discard(self, media: &dyn MediaStore) -> Vec<LeftoverBlob> {
        let mut left = Vec::new();
        for key in self.keys {
            if let Err(error) = media.delete(&key).await {
                left.push(LeftoverBlob {
                    key,
                    reason: LeftoverReason::NotDeleted(error.to_string()),
                });
            }
        }
        left
    }

    /// Keeps every blob: the change that names them was applied.
    pub(crate) fn keep(self) {}

    /// Keeps every blob because nobody can tell whether the change that
    /// names them was applied (the store failed with `error`): a report
    /// without its photos' bytes would be worse than orphans. Returns them
    /// all, for the caller to report.
    #[must_use = "report the blobs kept"]
    pub(crate) fn keep_unsure(self, error: &StoreError) -> Vec<LeftoverBlob> {
        let reason = LeftoverReason::Unsure(error.to_string());
        self.keys
            .into_iter()
            .map(|key| LeftoverBlob {
                key,
                reason: reason.clone(),
            })
            .collect()
    }
}

/// After `apply` failed with `error`: whether the change may have been
/// applied all the same (a connection lost while committing), judged by
/// `applied`, a check of the stored report. `Some(true)`: it was;
/// `Some(false)`: it was not; `None`: nobody can tell.
pub(crate) async fn was_applied(
    reports: &dyn ReportStore,
    error: &StoreError,
    id: ReportId,
    applied: impl Fn(&Report) -> bool,
) -> Option<bool> {
    match error {
        // The store refused the change itself: nothing was written.
        StoreError::NotFound | StoreError::VersionConflict | StoreError::AlreadyExists(_) => {
            Some(false)
        }
        StoreError::Unavailable(_) | StoreError::Unknown(_) => match reports.get(id).await {
            Ok(stored) => Some(stored.is_some_and(|report| applied(&report))),
            Err(_) => None,
        },
    }
}
