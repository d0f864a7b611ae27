//! "Me too" (공감): other citizens confirm a problem, once each.

use std::sync::Arc;

use crate::app::action::{load_visible, ActionError, ConflictReason};
use crate::app::read_reports::{view, ReportView};
use crate::app::recorder::Recorder;
use crate::app::Ports;
use crate::domain::access::Actor;
use crate::domain::report::ReportId;
use crate::ports::{Clock, IdGenerator, ReportStore};

/// A guard against a bug, not a limit anyone meets: every round of racing
/// supports lets at least one of them win, so `n` people supporting at once
/// are all counted within `n` rounds.
const ATTEMPTS: usize = 1_000;

/// Records support.
#[derive(Clone)]
pub struct Support {
    reports: Arc<dyn ReportStore>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
}

impl std::fmt::Debug for Support {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Support").finish_non_exhaustive()
    }
}

impl Support {
    pub(crate) fn new(ports: &Ports) -> Self {
        Self {
            reports: ports.reports.clone(),
            clock: ports.clock.clone(),
            ids: ports.ids.clone(),
        }
    }

    /// Adds the actor's support to an open report.
    pub async fn execute(&self, actor: &Actor, id: ReportId) -> Result<ReportView, ActionError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.try_once(actor, id).await {
                // Popular reports get many supports at once; each is
                // independent, so every one is retried until it counts.
                Err(ActionError::Conflict(ConflictReason::ConcurrentChange))
                    if attempt < ATTEMPTS =>
                {
                    continue
                }
                outcome => return outcome,
            }
        }
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
        Ok(view(actor, updated, now))
    }
}
