//! Adding photos to an existing report: the reporter's, until an official
//! takes the report up, and officials' resolution photos (처리 사진) at any time.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::app::action::{load_visible, ActionError, ConflictReason};
use crate::app::photo_blobs::{self, LeftoverBlob, PutBlobs, PutFailed};
use crate::app::read_reports::{view, ReportView};
use crate::app::recorder::Recorder;
use crate::app::{Policy, Ports};
use crate::domain::access::Actor;
use crate::domain::event::ReportEvent;
use crate::domain::masking::Masking;
use crate::domain::photo::{Photo, PhotoId, PhotoKind};
use crate::domain::report::{Report, ReportId};
use crate::domain::timeline::TimelineKind;
use crate::domain::user::UserId;
use crate::domain::validation::{Collector, FieldError};
use crate::ports::{
    Clock, IdGenerator, MediaError, MediaStore, PreparedPhoto, ReportChange, ReportStore,
    StoreError,
};

/// How often adding photos is tried again when the report changed meanwhile
/// (triage writing its analysis, a comment): the blobs are already stored,
/// so a retry is cheap and the citizen need not upload again.
const ATTEMPTS: usize = 3;

/// The media types of originals the core stores.
const ORIGINAL_TYPES: [&str; 3] = ["image/jpeg", "image/png", "image/webp"];

impl PreparedPhoto {
    /// Checks what the core can check without decoding anything.
    pub(crate) fn check(&self, field: &str) -> Result<(), FieldError> {
        let invalid = |message: &str| FieldError::new(field, "invalid_photo", message);
        if !ORIGINAL_TYPES.contains(&self.content_type.as_str()) {
            return Err(invalid("a photo is a JPEG, PNG or WebP image"));
        }
        let renditions = [
            &self.original,
            &self.public,
            &self.thumbnail_1280,
            &self.thumbnail_320,
        ];
        if renditions.iter().any(|bytes| bytes.is_empty()) || self.width == 0 || self.height == 0 {
            return Err(invalid("the photo is empty"));
        }
        let hex = |c: char| c.is_ascii_digit() || ('a'..='f').contains(&c);
        if self.sha256.len() != 64 || !self.sha256.chars().all(hex) {
            return Err(invalid(
                "the photo's SHA-256 is not 64 lowercase hex digits",
            ));
        }
        Ok(())
    }

    /// What the report remembers of it once stored.
    pub(crate) fn record(
        &self,
        id: PhotoId,
        kind: PhotoKind,
        by: UserId,
        at: DateTime<Utc>,
    ) -> Photo {
        Photo {
            id,
            kind,
            content_type: self.content_type.clone(),
            width: self.width,
            height: self.height,
            size: u64::try_from(self.original.len()).unwrap_or(u64::MAX),
            sha256: self.sha256.clone(),
            uploaded_by: by,
            uploaded_at: at,
            merged_from: None,
        }
    }
}

/// What adding photos did.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotosAdded {
    /// The report as the actor now sees it.
    pub view: ReportView,
    /// The photos stored; empty when every upload was one the report already had.
    pub added: Vec<PhotoId>,
    /// Blobs of uploads that turned out to be ones the report already had
    /// (added by someone else meanwhile) and that could not be deleted:
    /// orphans, for the caller to log. Usually empty.
    pub leftover_blobs: Vec<LeftoverBlob>,
}

/// Adds photos to reports.
#[derive(Clone)]
pub struct AddPhotos {
    reports: Arc<dyn ReportStore>,
    media: Arc<dyn MediaStore>,
    clock: Arc<dyn Clock>,
    masking: Arc<Masking>,
    ids: Arc<dyn IdGenerator>,
}

impl std::fmt::Debug for AddPhotos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AddPhotos").finish_non_exhaustive()
    }
}

impl From<MediaError> for ActionError {
    fn from(error: MediaError) -> Self {
        match error {
            MediaError::Unavailable(reason) => Self::Unavailable(reason),
            MediaError::Unknown(error) => Self::Unknown(error),
        }
    }
}

impl AddPhotos {
    pub(crate) fn new(ports: &Ports, policy: &Policy) -> Self {
        Self {
            reports: ports.reports.clone(),
            media: ports.media.clone(),
            clock: ports.clock.clone(),
            masking: policy.masking.clone(),
            ids: ports.ids.clone(),
        }
    }

    /// Whether the actor may add photos to the report now, and of which kind:
    /// for adapters to refuse before receiving and processing the uploads.
    /// [`execute`](Self::execute) asks again.
    pub async fn check(&self, actor: &Actor, id: ReportId) -> Result<PhotoKind, ActionError> {
        let report = load_visible(self.reports.as_ref(), actor, id).await?;
        Ok(actor.may_add_photos(&report)?)
    }

    /// Stores the photos (every blob first), then records them on the report
    /// with a timeline entry and a `report.photos_added` event, in one
    /// version-checked change; if that change fails, the blobs are removed.
    /// Uploads the report already holds (same SHA-256) are skipped.
    pub async fn execute(
        &self,
        actor: &Actor,
        id: ReportId,
        photos: Vec<PreparedPhoto>,
    ) -> Result<PhotosAdded, ActionError> {
        let mut fields = Collector::default();
        if photos.is_empty() {
            fields.push(FieldError::new(
                "photos",
                "required",
                "send at least one photo (사진을 첨부해 주세요)",
            ));
        }
        photo_blobs::check_uploads(&photos, &mut fields);
        fields.finish()?;

        let mut report = load_visible(self.reports.as_ref(), actor, id).await?;
        let kind = actor.may_add_photos(&report)?;
        let now = self.clock.now();
        let uploader = actor.principal()?.id;
        let new = photo_blobs::distinct(photos, Some(&report));
        if new.is_empty() {
            return Ok(PhotosAdded {
                view: view(actor, report, now, &self.masking),
                added: Vec::new(),
                leftover_blobs: Vec::new(),
            });
        }
        photo_blobs::check_room(&report, new.len())?;

        let records: Vec<(Photo, PreparedPhoto)> = new
            .into_iter()
            .map(|prepared| {
                let photo = prepared.record(PhotoId(self.ids.new_id()), kind, uploader, now);
                (photo, prepared)
            })
            .collect();
        let mut photos: Vec<Photo> = records.iter().map(|(photo, _)| photo.clone()).collect();
        let mut blobs = PutBlobs::put(self.media.as_ref(), id, records)
            .await
            .map_err(|PutFailed { error, left }| ActionError::from(error).leaving(left))?;
        // Blobs of photos dropped on the way that could not be deleted.
        let mut left = Vec::new();

        let mut attempt = 1;
        loop {
            let Some(first) = photos.first().map(|p| p.id) else {
                // Someone added the very same photos meanwhile.
                blobs.keep();
                return Ok(PhotosAdded {
                    view: view(actor, report, now, &self.masking),
                    added: Vec::new(),
                    leftover_blobs: left,
                });
            };
            let (change, updated) = self.change(actor, &report, &photos, kind, now);
            let error = match self.reports.apply(change).await {
                Ok(()) => {
                    blobs.keep();
                    return Ok(PhotosAdded {
                        view: view(actor, updated, now, &self.masking),
                        added: photos.iter().map(|p| p.id).collect(),
                        leftover_blobs: left,
                    });
                }
                Err(error) => error,
            };
            if matches!(error, StoreError::VersionConflict) && attempt < ATTEMPTS {
                attempt += 1;
                let reloaded = self
                    .reload(actor, id, kind, &mut photos, &mut blobs, &mut left)
                    .await;
                match reloaded {
                    Ok(current) => {
                        report = current;
                        continue;
                    }
                    Err(refused) => {
                        left.extend(blobs.discard(self.media.as_ref()).await);
                        return Err(refused.leaving(left));
                    }
                }
            }
            let landed = photo_blobs::was_applied(self.reports.as_ref(), &error, id, |stored| {
                stored.photos.iter().any(|p| p.id == first)
            })
            .await;
            match landed {
                Some(true) => {
                    blobs.keep();
                    let current = load_visible(self.reports.as_ref(), actor, id)
                        .await
                        .map_err(|error| error.leaving(std::mem::take(&mut left)))?;
                    return Ok(PhotosAdded {
                        view: view(actor, current, now, &self.masking),
                        added: photos.iter().map(|p| p.id).collect(),
                        leftover_blobs: left,
                    });
                }
                Some(false) => left.extend(blobs.discard(self.media.as_ref()).await),
                None => left.extend(blobs.keep_unsure(&error)),
            }
            return Err(ActionError::from(error).leaving(left));
        }
    }

    /// The change recording `photos` on `report`.
    fn change(
        &self,
        actor: &Actor,
        report: &Report,
        photos: &[Photo],
        kind: PhotoKind,
        now: DateTime<Utc>,
    ) -> (ReportChange, Report) {
        let id = report.id;
        let ids: Vec<PhotoId> = photos.iter().map(|p| p.id).collect();
        let mut change = Recorder::new(self.ids.as_ref(), actor, now);
        change.timeline(
            id,
            TimelineKind::PhotosAdded {
                kind,
                photos: ids.clone(),
            },
        );
        change.event(
            id,
            ReportEvent::PhotosAdded {
                kind,
                photos: ids.clone(),
            },
        );
        if kind == PhotoKind::Resolution {
            change.audit(
                "report.photos_added",
                id,
                serde_json::json!({ "photos": report.photos.len() }),
                serde_json::json!({ "photos": report.photos.len() + photos.len(), "added": ids, "kind": kind }),
            );
        }
        let mut updated = report.clone();
        updated.photos.extend(photos.iter().cloned());
        let updated = change.update(updated);
        (change.finish(), updated)
    }

    /// The report as it is now, after a concurrent change, with the policy
    /// and the limits asked again; photos it gained meanwhile are dropped
    /// from `photos` (and their blobs deleted; those that cannot be are
    /// added to `left`).
    async fn reload(
        &self,
        actor: &Actor,
        id: ReportId,
        kind: PhotoKind,
        photos: &mut Vec<Photo>,
        blobs: &mut PutBlobs,
        left: &mut Vec<LeftoverBlob>,
    ) -> Result<Report, ActionError> {
        let current = load_visible(self.reports.as_ref(), actor, id).await?;
        if actor.may_add_photos(&current)? != kind {
            return Err(ActionError::Conflict(ConflictReason::ConcurrentChange));
        }
        let (kept, known): (Vec<Photo>, Vec<Photo>) = std::mem::take(photos)
            .into_iter()
            .partition(|photo| !current.photos.iter().any(|p| p.sha256 == photo.sha256));
        for photo in &known {
            left.extend(blobs.discard_photo(self.media.as_ref(), id, photo).await);
        }
        *photos = kept;
        photo_blobs::check_room(&current, photos.len())?;
        Ok(current)
    }
}
