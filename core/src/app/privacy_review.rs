//! An officer's look at a report's personal data: the public reads the
//! description again (`publish`), or never (`keep_hidden`). The LLM only
//! flags; a person decides, and who and when are kept in the analysis, the
//! staff-only timeline and the audit log.

use std::sync::Arc;

use crate::app::action::{load_visible, retrying_races, ActionError};
use crate::app::read_reports::{view, ReportView};
use crate::app::recorder::Recorder;
use crate::app::{Policy, Ports};
use crate::domain::access::Actor;
use crate::domain::masking::Masking;
use crate::domain::report::{PrivacyDecision, PrivacyReview, ReportId};
use crate::domain::timeline::TimelineKind;
use crate::domain::validation::{FieldError, Invalid};
use crate::ports::{Clock, IdGenerator, ReportStore};

/// A review as the client sent it.
#[derive(Debug, Clone, Default)]
pub struct PrivacyReviewRequest {
    /// `publish` or `keep_hidden`.
    pub decision: String,
}

/// Records officers' privacy reviews.
#[derive(Clone)]
pub struct ReviewPrivacy {
    reports: Arc<dyn ReportStore>,
    clock: Arc<dyn Clock>,
    masking: Arc<Masking>,
    ids: Arc<dyn IdGenerator>,
}

impl std::fmt::Debug for ReviewPrivacy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReviewPrivacy").finish_non_exhaustive()
    }
}

impl ReviewPrivacy {
    pub(crate) fn new(ports: &Ports, policy: &Policy) -> Self {
        Self {
            reports: ports.reports.clone(),
            clock: ports.clock.clone(),
            masking: policy.masking.clone(),
            ids: ports.ids.clone(),
        }
    }

    /// Records `request`'s decision on report `id`. Those who may reclassify
    /// a report may decide; the last decision stands. A report the LLM did
    /// not flag may be kept hidden too (it may have missed something).
    pub async fn execute(
        &self,
        actor: &Actor,
        id: ReportId,
        request: PrivacyReviewRequest,
    ) -> Result<ReportView, ActionError> {
        let decision = PrivacyDecision::parse(request.decision.trim()).map_err(Invalid::from)?;
        retrying_races(|| self.review_once(actor, id, decision)).await
    }

    async fn review_once(
        &self,
        actor: &Actor,
        id: ReportId,
        decision: PrivacyDecision,
    ) -> Result<ReportView, ActionError> {
        let report = load_visible(self.reports.as_ref(), actor, id).await?;
        actor.may_reclassify(&report)?;
        let Some(officer) = actor.user_id() else {
            return Err(ActionError::SignInRequired);
        };
        let Some(analysis) = report.analysis.as_ref() else {
            return Err(Invalid::from(FieldError::new(
                "decision",
                "not_analysed",
                "the report has no analysis yet (아직 분석되지 않은 신고입니다)",
            ))
            .into());
        };
        let now = self.clock.now();
        let mut updated = report.clone();
        let mut privacy = analysis.privacy.clone();
        privacy.review = Some(PrivacyReview {
            decision,
            by: officer,
            at: now,
        });
        if let Some(analysis) = updated.analysis.as_mut() {
            analysis.privacy = privacy.clone();
        }

        let mut change = Recorder::new(self.ids.as_ref(), actor, now);
        change.timeline(
            id,
            TimelineKind::Comment {
                body: review_note(decision),
                internal: true,
            },
        );
        change.audit(
            "report.privacy_review",
            id,
            serde_json::json!({
                "personal_data": analysis.privacy.personal_data,
                "review": analysis.privacy.review.as_ref().map(|r| r.decision.as_str()),
            }),
            serde_json::json!({
                "personal_data": privacy.personal_data,
                "review": decision.as_str(),
            }),
        );
        let updated = change.update(updated);
        self.reports.apply(change.finish()).await?;
        Ok(view(actor, updated, now, &self.masking))
    }
}

/// The staff-only timeline note of a decision.
fn review_note(decision: PrivacyDecision) -> String {
    match decision {
        PrivacyDecision::Publish => {
            "개인정보 검토: 내용 공개 (privacy review: description published)".to_owned()
        }
        PrivacyDecision::KeepHidden => {
            "개인정보 검토: 내용 비공개 유지 (privacy review: description kept hidden)".to_owned()
        }
    }
}
