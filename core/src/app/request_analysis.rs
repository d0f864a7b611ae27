//! An official's request for a fresh analysis of a report (after a rule file
//! changed, or when an AI provider was down at submission). The request is a
//! `report.analysis_requested` event in the outbox, written with its audit
//! entry like any other change; triage consumes it wherever it runs (the
//! embedded bus, or the workers over Kafka), so the request answers at once
//! and the analysis follows. An officer's classification still stands: see
//! [`AnalyzeReport`](crate::app::AnalyzeReport).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::app::action::ActionError;
use crate::app::classify::load_open_to_triage;
use crate::app::recorder::Recorder;
use crate::app::Ports;
use crate::domain::access::Actor;
use crate::domain::event::ReportEvent;
use crate::domain::report::ReportId;
use crate::ports::{Clock, IdGenerator, ReportStore};

/// A request for analysis, accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalysisRequested {
    /// The report.
    pub report_id: ReportId,
    /// The event that asks for it: the analysis it produces carries this id
    /// as its trigger.
    pub event_id: Uuid,
    /// When it was asked for.
    pub requested_at: DateTime<Utc>,
}

/// Asks triage to analyse a report again.
#[derive(Clone)]
pub struct RequestAnalysis {
    reports: Arc<dyn ReportStore>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
}

impl std::fmt::Debug for RequestAnalysis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestAnalysis").finish_non_exhaustive()
    }
}

impl RequestAnalysis {
    pub(crate) fn new(ports: &Ports) -> Self {
        Self {
            reports: ports.reports.clone(),
            clock: ports.clock.clone(),
            ids: ports.ids.clone(),
        }
    }

    /// Records the request. Those who may reclassify a report may ask for
    /// its analysis; a report no longer open is not analysed again (its
    /// category is history by then).
    pub async fn execute(
        &self,
        actor: &Actor,
        id: ReportId,
    ) -> Result<AnalysisRequested, ActionError> {
        let report = load_open_to_triage(self.reports.as_ref(), actor, id).await?;
        let now = self.clock.now();
        let mut change = Recorder::new(self.ids.as_ref(), actor, now);
        let event_id = change.event(id, ReportEvent::AnalysisRequested {});
        let previous = report.analysis.as_ref().map(|a| {
            serde_json::json!({
                "category": a.category,
                "priority": a.priority,
                "decided_by": a.decided_by.as_str(),
                "decided_at": a.decided_at,
            })
        });
        change.audit(
            "report.analysis_requested",
            id,
            serde_json::json!({ "analysis": previous }),
            serde_json::json!({ "event_id": event_id }),
        );
        self.reports.apply(change.finish()).await?;
        Ok(AnalysisRequested {
            report_id: id,
            event_id,
            requested_at: now,
        })
    }
}
