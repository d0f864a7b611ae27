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
