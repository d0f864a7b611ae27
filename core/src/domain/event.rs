//! Domain events: what happened to a report, published to the bus through the
//! outbox in a versioned JSON envelope.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::category::CategoryCode;
use crate::domain::department::DepartmentCode;
use crate::domain::photo::{PhotoId, PhotoKind};
use crate::domain::priority::Priority;
use crate::domain::report::{DecidedBy, Report, ReportId};
use crate::domain::status::ReportStatus;
use crate::domain::user::UserId;

/// Something that happened to a report. The reporter's identity never appears here.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ReportEvent {
    /// `report.submitted`
    Submitted {
        /// Receipt number.
        number: String,
        /// Category at submission.
        category: CategoryCode,
        /// Priority at submission.
        priority: Priority,
        /// Routed department.
        department: Option<DepartmentCode>,
        /// City or county code.
        jurisdiction: String,
        /// Latitude.
        lat: f64,
        /// Longitude.
        lng: f64,
    },
    /// `report.classified`
    Classified {
        /// New category.
        category: CategoryCode,
        /// New priority.
        priority: Priority,
        /// Who decided.
        decided_by: DecidedBy,
        /// Department after re-routing.
        department: Option<DepartmentCode>,
    },
    /// `report.analyzed`: triage ran on the submitted report.
    Analyzed {
        /// Decided category.
        category: CategoryCode,
        /// Decided priority.
        priority: Priority,
        /// 0–1.
        confidence: f64,
        /// Rules alone, or rules on the AI's findings.
        decided_by: DecidedBy,
        /// The rule that fired.
        rule: Option<String>,
        /// Flagged for an officer to check.
        needs_review: bool,
        /// Department after routing.
        department: Option<DepartmentCode>,
    },
    /// `report.assigned`
    Assigned {
        /// Department.
        department: Option<DepartmentCode>,
        /// Officer.
        assignee: Option<UserId>,
    },
    /// `report.status_changed`
    StatusChanged {
        /// Before.
        from: ReportStatus,
        /// After.
        to: ReportStatus,
    },
    /// `report.commented`
    Commented {
        /// The comment's id.
        comment_id: Uuid,
        /// Staff-only comment.
        internal: bool,
    },
    /// `report.merged`: this report was marked a duplicate of `into`.
    Merged {
        /// The original.
        into: ReportId,
    },
    /// `report.sla_breached`: a clock of the SLA ran out before the report
    /// moved on (found by the scheduled job, once per report and clock).
    SlaBreached {
        /// Which clock.
        clock: SlaClock,
        /// When it was due.
        due: DateTime<Utc>,
    },
    /// `report.photos_added`: photos were added after submission (a
    /// submission's own photos are part of `report.submitted`'s report).
    PhotosAdded {
        /// Report or resolution photos.
        kind: PhotoKind,
        /// The photos added, in upload order.
        photos: Vec<PhotoId>,
    },
    /// `report.analysis_requested`: an official asked for a fresh analysis
    /// (triage consumes it; an officer's classification still stands).
    AnalysisRequested {},
}

impl ReportEvent {
    /// The envelope's `type`.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::Submitted { .. } => "report.submitted",
            Self::Analyzed { .. } => "report.analyzed",
            Self::Classified { .. } => "report.classified",
            Self::Assigned { .. } => "report.assigned",
            Self::StatusChanged { .. } => "report.status_changed",
            Self::Commented { .. } => "report.commented",
            Self::Merged { .. } => "report.merged",
            Self::PhotosAdded { .. } => "report.photos_added",
            Self::SlaBreached { .. } => "report.sla_breached",
            Self::AnalysisRequested {} => "report.analysis_requested",
        }
    }

    /// The submission event of a new report.
    pub fn submitted(report: &Report) -> Self {
        Self::Submitted {
            number: report.number.to_string(),
            category: report.category.clone(),
            priority: report.priority,
            department: report.department.clone(),
            jurisdiction: report.jurisdiction.code.clone(),
            lat: report.location.lat(),
            lng: report.location.lng(),
        }
    }

    /// Wraps the event for the outbox.
    pub fn into_envelope(
        self,
        id: Uuid,
        report_id: ReportId,
        occurred_at: DateTime<Utc>,
    ) -> EventEnvelope {
        EventEnvelope {
            id,
            event_type: self.event_type().to_owned(),
            version: EventEnvelope::VERSION,
            occurred_at,
            report_id,
            // Serialising plain data to a JSON value cannot fail.
            payload: serde_json::to_value(&self).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// The SLA's two clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaClock {
    /// First response: the report must leave `received`.
    Respond,
    /// Resolution: the report must be resolved (or closed otherwise).
    Resolve,
}

impl SlaClock {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Respond => "respond",
            Self::Resolve => "resolve",
        }
    }
}

/// The wire form of an event: `{id, type, version, occurred_at, report_id, payload}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventEnvelope {
    /// Unique id; consumers use it to drop redeliveries.
    pub id: Uuid,
    /// `report.submitted`, …
    #[serde(rename = "type")]
    pub event_type: String,
    /// Schema version of the payload.
    pub version: u32,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// The report concerned (the partition key).
    pub report_id: ReportId,
    /// Type-specific data.
    pub payload: serde_json::Value,
}

impl EventEnvelope {
    /// The current payload schema version.
    pub const VERSION: u32 = 1;
}
