//! The report (신고): what a citizen saw, where, and what is being done about it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::category::CategoryCode;
use crate::domain::department::DepartmentCode;
use crate::domain::geo::{GeoPoint, Jurisdiction};
use crate::domain::photo::Photo;
use crate::domain::priority::{Priority, Sla};
use crate::domain::receipt::ReceiptNumber;
use crate::domain::routing::RoutingRule;
use crate::domain::status::ReportStatus;
use crate::domain::text::{Address, Description, ReportTitle};
use crate::domain::user::UserId;
use crate::domain::validation::FieldError;

/// A report's identity (a UUIDv7, so ids sort by creation time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReportId(pub Uuid);

impl std::fmt::Display for ReportId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Who may see a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Everyone, with personal data masked.
    Public,
    /// Only the reporter and officials.
    Private,
}

impl Visibility {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Private => "private",
        }
    }

    /// Parses the wire name.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw {
            "public" => Ok(Self::Public),
            "private" => Ok(Self::Private),
            _ => Err(FieldError::new(
                "visibility",
                "unknown_visibility",
                "visibility must be public or private",
            )),
        }
    }
}

/// Who made a classification decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecidedBy {
    /// The classification rules alone.
    Rules,
    /// The rules, on the AI's findings.
    Ai,
    /// An officer's override; never undone by a later analysis.
    Human,
}

impl DecidedBy {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rules => "rules",
            Self::Ai => "ai",
            Self::Human => "human",
        }
    }

    /// Parses the wire name.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "rules" => Some(Self::Rules),
            "ai" => Some(Self::Ai),
            "human" => Some(Self::Human),
            _ => None,
        }
    }
}

/// The outcome of triage: what the report is, how urgent, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    /// The decided category.
    pub category: CategoryCode,
    /// The decided priority.
    pub priority: Priority,
    /// How sure the decision is, 0–1.
    pub confidence: f64,
    /// Who decided.
    pub decided_by: DecidedBy,
    /// The name of the rule that fired, if a rule decided.
    pub rule: Option<String>,
    /// Why that rule fired: the words it matched, as the rule file writes them
    /// (see [`Decision::matched`](crate::domain::rules::Decision::matched));
    /// empty when no rule decided, and on analyses stored before it was kept.
    pub matched: Vec<String>,
    /// Below the confidence threshold: an officer should look.
    pub needs_review: bool,
    /// When it was decided.
    pub decided_at: DateTime<Utc>,
    /// The AI models consulted, e.g. `roboflow:pothole-detection/3`; empty for rules alone.
    pub models: Vec<String>,
    /// How long triage took, in milliseconds (0 when it did not run).
    pub latency_ms: u32,
    /// Why the decision is what it is, when that is worth telling an officer
    /// (e.g. "the LLM was unavailable; decided by rules alone").
    pub note: Option<String>,
    /// The event whose handling produced this analysis (none at submission):
    /// a redelivered event finds itself here and changes nothing.
    pub trigger: Option<Uuid>,
    /// Which routing rule chose the department, kept from the decision that
    /// last routed the report (`None` on analyses stored before routing by
    /// place existed; a manager's reassignment is in the timeline instead).
    pub routing: Option<RoutingRule>,
    /// Whether the text holds personal data, by the LLM, and an officer's
    /// review of it: the public view withholds the description until an
    /// officer has looked. Carried from analysis to analysis (the text does
    /// not change), and kept when the LLM cannot answer.
    pub privacy: Privacy,
}

/// What the public reads instead of a description that may hold personal
/// data, until an officer has looked.
pub const DESCRIPTION_AWAITING_REVIEW: &str =
    "개인정보가 포함되어 있을 수 있어 담당자 확인 후 공개됩니다.";

/// What the public reads instead of a description an officer kept hidden.
pub const DESCRIPTION_KEPT_HIDDEN: &str =
    "개인정보가 포함되어 있어 담당자가 내용을 비공개로 유지했습니다.";

/// Personal data in a report's text: the LLM's verdict and an officer's review.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Privacy {
    /// The LLM's verdict: `None` when unknown (no LLM configured, it failed,
    /// or it did not say), which withholds nothing.
    #[serde(default)]
    pub personal_data: Option<bool>,
    /// The exact pieces of the text (as the LLM read it: masked) it pointed at.
    #[serde(default)]
    pub spans: Vec<String>,
    /// An officer's decision, once one has looked.
    #[serde(default)]
    pub review: Option<PrivacyReview>,
}

impl Privacy {
    /// What the public reads instead of the description, when it is withheld:
    /// flagged and not yet published by an officer, or kept hidden by one.
    pub fn withheld_description(&self) -> Option<&'static str> {
        match self.review.as_ref().map(|r| r.decision) {
            Some(PrivacyDecision::Publish) => None,
            Some(PrivacyDecision::KeepHidden) => Some(DESCRIPTION_KEPT_HIDDEN),
            None => (self.personal_data == Some(true)).then_some(DESCRIPTION_AWAITING_REVIEW),
        }
    }

    /// The LLM's new verdict, if it gave one; else what was known. An
    /// officer's review stands either way: the text is the same.
    #[must_use]
    pub fn updated(&self, verdict: Option<(bool, Vec<String>)>) -> Self {
        match verdict {
            Some((personal_data, spans)) => Self {
                personal_data: Some(personal_data),
                spans,
                review: self.review.clone(),
            },
            None => self.clone(),
        }
    }
}

/// An officer's look at a report's personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivacyReview {
    /// What they decided.
    pub decision: PrivacyDecision,
    /// Who.
    pub by: UserId,
    /// When.
    pub at: DateTime<Utc>,
}

/// Whether the public may read the description.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrivacyDecision {
    /// Shown to the public (masked as every public text is).
    Publish,
    /// Withheld from the public.
    KeepHidden,
}

impl PrivacyDecision {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Publish => "publish",
            Self::KeepHidden => "keep_hidden",
        }
    }

    /// Parses the wire name.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw {
            "publish" => Ok(Self::Publish),
            "keep_hidden" => Ok(Self::KeepHidden),
            _ => Err(FieldError::new(
                "decision",
                "unknown_decision",
                "decision must be publish or keep_hidden (공개 또는 비공개 유지)",
            )),
        }
    }
}

/// A report and everything known about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Identity.
    pub id: ReportId,
    /// Receipt number shown to people.
    pub number: ReceiptNumber,
    /// Short title.
    pub title: ReportTitle,
    /// What the citizen saw.
    pub description: Description,
    /// What kind of problem.
    pub category: CategoryCode,
    /// How urgent.
    pub priority: Priority,
    /// Where in the lifecycle.
    pub status: ReportStatus,
    /// Where it is.
    pub location: GeoPoint,
    /// The street address the citizen gave.
    pub address: Option<Address>,
    /// The city or county it falls in.
    pub jurisdiction: Jurisdiction,
    /// The department that owns it.
    pub department: Option<DepartmentCode>,
    /// The officer working it.
    pub assignee: Option<UserId>,
    /// Who reported it; never shown to other citizens.
    pub reporter: UserId,
    /// Who may see it.
    pub visibility: Visibility,
    /// How many other people said "me too".
    pub support_count: u32,
    /// The original this report duplicates.
    pub duplicate_of: Option<ReportId>,
    /// The latest triage outcome.
    pub analysis: Option<Analysis>,
    /// Photos, in upload order.
    pub photos: Vec<Photo>,
    /// When the SLA says it must first be acted on (leave `received`).
    pub respond_by: DateTime<Utc>,
    /// When the SLA says it must be resolved.
    pub due_at: DateTime<Utc>,
    /// When the first-response clock was found missed (once).
    pub response_breached_at: Option<DateTime<Utc>>,
    /// When the resolution clock was found missed (once).
    pub resolution_breached_at: Option<DateTime<Utc>>,
    /// When it first left `received`: the first response, which stops that clock.
    pub responded_at: Option<DateTime<Utc>>,
    /// When it was last taken up again after being resolved or rejected,
    /// which restarted the resolution clock.
    pub reopened_at: Option<DateTime<Utc>>,
    /// When it was submitted.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it was (last) resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// When its status last changed (starts the reopen and auto-close windows).
    pub status_changed_at: DateTime<Utc>,
    /// Optimistic concurrency: bumped by every change.
    pub version: u64,
}

impl Report {
    /// Past its due time and still open.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.status.is_open() && now > self.due_at
    }

    /// Sets both SLA clocks from `sla`: the first response counted from
    /// submission, the resolution from submission or the last reopening.
    pub fn set_sla(&mut self, sla: Sla) {
        self.respond_by = self.created_at + sla.first_response;
        self.due_at = self.reopened_at.unwrap_or(self.created_at) + sla.resolution;
    }

    /// Moves the report to `to` at `now`, keeping its clocks: leaving
    /// `received` is the first response; reaching `resolved` is noted; a
    /// report taken up again after it was resolved or rejected starts its
    /// resolution clock again, as long as it was (changing a category's SLA
    /// moves no report's clocks).
    pub fn change_status(&mut self, to: ReportStatus, now: DateTime<Utc>) {
        let from = self.status;
        self.status = to;
        self.status_changed_at = now;
        if from == ReportStatus::Received && self.responded_at.is_none() {
            self.responded_at = Some(now);
        }
        if to == ReportStatus::Resolved {
            self.resolved_at = Some(now);
        }
        if matches!(from, ReportStatus::Resolved | ReportStatus::Rejected) && to.is_open() {
            let window = self.due_at - self.reopened_at.unwrap_or(self.created_at);
            self.reopened_at = Some(now);
            self.due_at = now + window;
            self.resolution_breached_at = None;
        }
    }

    /// Whether a clock has been missed and flagged.
    pub fn breached(&self) -> bool {
        self.response_breached_at.is_some() || self.resolution_breached_at.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(decision: PrivacyDecision) -> Option<PrivacyReview> {
        Some(PrivacyReview {
            decision,
            by: UserId(Uuid::nil()),
            at: DateTime::<Utc>::UNIX_EPOCH,
        })
    }

    #[test]
    fn a_flagged_description_is_withheld_until_an_officer_publishes_it() {
        let flagged = Privacy {
            personal_data: Some(true),
            spans: vec!["김철수".to_owned()],
            review: None,
        };
        assert_eq!(
            flagged.withheld_description(),
            Some(DESCRIPTION_AWAITING_REVIEW)
        );
        let published = Privacy {
            review: review(PrivacyDecision::Publish),
            ..flagged.clone()
        };
        assert_eq!(published.withheld_description(), None);
        let kept = Privacy {
            personal_data: Some(false),
            review: review(PrivacyDecision::KeepHidden),
            ..flagged
        };
        assert_eq!(kept.withheld_description(), Some(DESCRIPTION_KEPT_HIDDEN));
        for unflagged in [None, Some(false)] {
            let privacy = Privacy {
                personal_data: unflagged,
                ..Privacy::default()
            };
            assert_eq!(privacy.withheld_description(), None, "{unflagged:?}");
        }
    }

    #[test]
    fn a_new_verdict_keeps_the_review_and_no_verdict_keeps_everything() {
        let reviewed = Privacy {
            personal_data: Some(true),
            spans: vec!["김철수".to_owned()],
            review: review(PrivacyDecision::Publish),
        };
        assert_eq!(
            reviewed.updated(None),
            reviewed,
            "an LLM outage reveals nothing"
        );
        let again = reviewed.updated(Some((false, Vec::new())));
        assert_eq!(again.personal_data, Some(false));
        assert!(again.spans.is_empty());
        assert_eq!(again.review, reviewed.review);
        assert!(PrivacyDecision::parse("publish").is_ok());
        assert!(PrivacyDecision::parse("keep_hidden").is_ok());
        assert!(PrivacyDecision::parse("hide").is_err());
    }
}
