//! A report's timeline: every status change, assignment, classification, comment and added photo.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::photo::{PhotoId, PhotoKind};
use crate::domain::report::{DecidedBy, ReportId};
use crate::domain::status::ReportStatus;
use crate::domain::user::{Role, UserId};

/// One thing that happened to a report, as recorded (already validated text).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// Identity (also a comment's id).
    pub id: Uuid,
    /// The report.
    pub report_id: ReportId,
    /// When.
    pub at: DateTime<Utc>,
    /// Who, if a person (absent for automatic steps).
    pub actor: Option<UserId>,
    /// In which role they acted.
    pub actor_role: Option<Role>,
    /// What happened.
    pub kind: TimelineKind,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TimelineKind {
    /// The report was submitted.
    Submitted,
    /// The report was classified (by rules, AI or a person).
    Classified {
        /// Category code.
        category: String,
        /// Priority name.
        priority: String,
        /// Who decided.
        decided_by: DecidedBy,
        /// The rule that fired.
        rule: Option<String>,
    },
    /// The status changed.
    StatusChanged {
        /// Before.
        from: ReportStatus,
        /// After.
        to: ReportStatus,
        /// Resolution note or rejection reason.
        note: Option<String>,
    },
    /// The report was routed or assigned.
    Assigned {
        /// Department code.
        department: Option<String>,
        /// Officer.
        assignee: Option<UserId>,
    },
    /// Someone commented.
    Comment {
        /// The text.
        body: String,
        /// Officials only.
        internal: bool,
    },
    /// Marked as a duplicate of another report.
    MarkedDuplicate {
        /// The original.
        original: ReportId,
    },
    /// A duplicate was merged into this report.
    DuplicateMerged {
        /// The duplicate.
        duplicate: ReportId,
    },
    /// Photos were added after submission: the reporter's, or officials'
    /// resolution photos (처리 사진).
    PhotosAdded {
        /// Report or resolution photos.
        kind: PhotoKind,
        /// The photos added, in upload order.
        photos: Vec<PhotoId>,
    },
}

/// The first line of the internal note that keeps the contact details a
/// reporter gave through an integration (Open311's `email`, `phone`, …):
/// officials read it, the public never does, and anonymising the report
/// removes it.
pub const CONTACT_NOTE_HEADING: &str = "Open311 신고인 정보 (공개되지 않음, not published)";

/// What a contact note says once its report has been anonymised.
pub const CONTACT_NOTE_REMOVED: &str =
    "신고인 정보 삭제됨 (removed when the report was anonymised)";

impl TimelineKind {
    /// The internal note keeping `contact` (one detail a line).
    pub fn contact_note(contact: &str) -> String {
        format!("{CONTACT_NOTE_HEADING}\n{contact}")
    }

    /// Whether this is a reporter's contact note ([`CONTACT_NOTE_HEADING`]).
    pub fn is_contact_note(&self) -> bool {
        matches!(self, Self::Comment { body, internal: true } if body.starts_with(CONTACT_NOTE_HEADING))
    }
}
