//! Status changes along the lifecycle.

use std::collections::BTreeSet;
use std::sync::Arc;

use uuid::Uuid;

use crate::app::action::{check_version, load_visible, ActionError, ConflictReason};
use crate::app::read_reports::{view, ReportView};
use crate::app::recorder::Recorder;
use crate::app::{Policy, Ports};
use crate::domain::access::Actor;
use crate::domain::event::ReportEvent;
use crate::domain::masking::Masking;
use crate::domain::photo::{Photo, PhotoId, PhotoKind};
use crate::domain::report::{Report, ReportId, Visibility};
use crate::domain::status::ReportStatus;
use crate::domain::text::Note;
use crate::domain::timeline::TimelineKind;
use crate::domain::user::UserId;
use crate::domain::validation::{FieldError, Invalid};
use crate::ports::{Clock, IdGenerator, ReportStore};

/// A status change as the client sent it.
#[derive(Debug, Clone, Default)]
pub struct TransitionRequest {
    /// The target status.
    pub to: String,
    /// Resolution note or rejection reason (required for those).
    pub note: Option<String>,
    /// The original, when marking a duplicate.
    pub duplicate_of: Option<Uuid>,
    /// The version the client saw; a different current version is a conflict.
    pub expected_version: Option<u64>,
}

/// Changes statuses.
#[derive(Clone)]
pub struct Transition {
    reports: Arc<dyn ReportStore>,
    clock: Arc<dyn Clock>,
    masking: Arc<Masking>,
    ids: Arc<dyn IdGenerator>,
}

impl std::fmt::Debug for Transition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transition").finish_non_exhaustive()
    }
}

impl Transition {
    pub(crate) fn new(ports: &Ports, policy: &Policy) -> Self {
        Self {
            reports: ports.reports.clone(),
            clock: ports.clock.clone(),
            masking: policy.masking.clone(),
            ids: ports.ids.clone(),
        }
    }

    /// Moves a report to another status, if the lifecycle and the policy allow it.
    pub async fn execute(
        &self,
        actor: &Actor,
        id: ReportId,
        request: TransitionRequest,
    ) -> Result<ReportView, ActionError> {
        let to = ReportStatus::parse(request.to.trim()).map_err(|e| {
            Invalid(vec![FieldError {
                field: "to".into(),
                ..e
            }])
        })?;
        let report = load_visible(self.reports.as_ref(), actor, id).await?;
        check_version(&report, request.expected_version)?;
        let from = report.status;
        if !from.can_become(to) {
            return Err(ActionError::Conflict(ConflictReason::InvalidTransition {
                from,
                to,
            }));
        }
        let now = self.clock.now();
        actor.may_transition(&report, to, now)?;

        let note = match request
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            Some(raw) => Some(Note::new(raw)?),
            None => None,
        };
        match to {
            ReportStatus::Resolved if note.is_none() => {
                return Err(missing_note(
                    "a resolution note is required (처리 내용을 입력해 주세요)",
                ))
            }
            ReportStatus::Rejected if note.is_none() => {
                return Err(missing_note(
                    "a reason is required (반려 사유를 입력해 주세요)",
                ))
            }
            _ => {}
        }

        let mut change = Recorder::new(self.ids.as_ref(), actor, now);
        let mut updated = report.clone();
        updated.change_status(to, now);
        if to == ReportStatus::Duplicate {
            let original_id = request.duplicate_of.map(ReportId).ok_or_else(|| {
                Invalid::from(FieldError::new(
                    "duplicate_of",
                    "required",
                    "name the original report in duplicate_of",
                ))
            })?;
            if original_id == id {
                return Err(Invalid::from(FieldError::new(
                    "duplicate_of",
                    "self_reference",
                    "a report cannot duplicate itself",
                ))
                .into());
            }
            let mut original = match load_visible(self.reports.as_ref(), actor, original_id).await {
                Err(ActionError::NotFound) => {
                    return Err(Invalid::from(FieldError::new(
                        "duplicate_of",
                        "not_found",
                        "no such original report",
                    ))
                    .into())
                }
                other => other?,
            };
            if original.status == ReportStatus::Duplicate {
                return Err(Invalid::from(FieldError::new(
                    "duplicate_of",
                    "is_duplicate",
                    "the original is itself a duplicate; name its original instead",
                ))
                .into());
            }
            updated.duplicate_of = Some(original_id);
            self.merge(&mut change, &report, &mut original).await?;
            change.timeline(original_id, TimelineKind::DuplicateMerged { duplicate: id });
            change.timeline(
                id,
                TimelineKind::MarkedDuplicate {
                    original: original_id,
                },
            );
            change.event(id, ReportEvent::Merged { into: original_id });
            let _ = change.update(original);
        }
        change.timeline(
            id,
            TimelineKind::StatusChanged {
                from,
                to,
                note: note.as_ref().map(|n| n.as_str().to_owned()),
            },
        );
        change.event(id, ReportEvent::StatusChanged { from, to });
        change.audit(
            "report.transition",
            id,
            serde_json::json!({ "status": from, "version": report.version }),
            serde_json::json!({ "status": to, "note": note, "duplicate_of": updated.duplicate_of }),
        );
        let updated = change.update(updated);
        self.reports.apply(change.finish()).await?;
        Ok(view(actor, updated, now, &self.masking))
    }
}

impl Transition {
    /// What merging `duplicate` into `original` moves: the duplicate's
    /// reporter and supporters become supporters of the original (each
    /// person once, never the original's own reporter), so they count in its
    /// support and follow its progress; and the duplicate's photos, if the
    /// duplicate is public, are shown on the original too (their blobs stay
    /// where they are: see [`Photo::merged_from`]).
    async fn merge(
        &self,
        change: &mut Recorder<'_>,
        duplicate: &Report,
        original: &mut Report,
    ) -> Result<(), ActionError> {
        let mut supporting: BTreeSet<UserId> = self
            .reports
            .supporters(original.id)
            .await?
            .into_iter()
            .collect();
        supporting.insert(original.reporter);
        let moving =
            std::iter::once(duplicate.reporter).chain(self.reports.supporters(duplicate.id).await?);
        for user in moving {
            if supporting.insert(user) {
                change.supporter_of(original.id, user);
                original.support_count += 1;
            }
        }
        if duplicate.visibility == Visibility::Public {
            let shown: BTreeSet<PhotoId> = original.photos.iter().map(|p| p.id).collect();
            let merged = duplicate
                .photos
                .iter()
                .filter(|p| p.kind == PhotoKind::Report && !shown.contains(&p.id))
                .map(|p| Photo {
                    merged_from: Some(p.merged_from.unwrap_or(duplicate.id)),
                    ..p.clone()
                })
                .collect::<Vec<_>>();
            original.photos.extend(merged);
        }
        Ok(())
    }
}

fn missing_note(message: &str) -> ActionError {
    Invalid::from(FieldError::new("note", "required", message)).into()
}
