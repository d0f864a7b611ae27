//! "Me too" (공감): other citizens confirm a problem, once each.

use std::sync::Arc;

use crate::app::action::{load_visible, retrying_races, ActionError, ConflictReason};
use crate::app::read_reports::{view, ReportView};
use crate::app::recorder::Recorder;
use crate::app::{Policy, Ports};
use crate::domain::access::Actor;
use crate::domain::masking::Masking;
use crate::domain::report::ReportId;
use crate::ports::{Clock, IdGenerator, ReportStore};

/// Records support.
#[derive(Clone)]
pub struct Support {
    reports: Arc<dyn ReportStore>,
    clock: Arc<dyn Clock>,
    masking: Arc<Masking>,
    ids: Arc<dyn IdGenerator>,
}

impl std::fmt::Debug for Support {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Support").finish_non_exhaustive()
    }
}

impl Support {
    pub(crate) fn new(ports: &Ports, policy: &Policy) -> Self {
        Self {
            reports: ports.reports.clone(),
            clock: ports.clock.clone(),
            masking: policy.masking.clone(),
            ids: ports.ids.clone(),
        }
    }

    /// Adds the actor's support to an open report. Popular reports get many
    /// supports at once; each is independent, so each is retried until it counts.
    pub async fn execute(&self, actor: &Actor, id: ReportId) -> Result<ReportView, ActionError> {
        retrying_races(|| self.try_once(actor, id)).await
    }

    async fn try_once(&self, actor: &Actor, id: ReportId) -> Result<ReportView, ActionError> {
        let report = load_visible(self.reports.as_ref(), actor, id).await?;
        actor.may_support(&report)?;
        if !report.status.is_open() {
            return Err(ActionError::Conflict(ConflictReason::NotOpen(
                report.status,
            )));
        }
        let now = self.clock.now();
        let mut updated = report;
        updated.support_count += 1;
        let mut change = Recorder::new(self.ids.as_ref(), actor, now);
        change.supporter(id);
        let updated = change.update(updated);
        self.reports.apply(change.finish()).await?;
        Ok(view(actor, updated, now, &self.masking))
    }
}
