//! An officer's classification override. It is recorded as decided by a
//! human, and a later analysis never undoes it; what triage had decided and
//! what the officer chose are kept as a correction (a labelled example).

use std::sync::Arc;

use crate::app::action::{load_visible, retrying_races, ActionError, ConflictReason};
use crate::app::read_reports::{view, ReportView};
use crate::app::recorder::Recorder;
use crate::app::{Policy, Ports};
use crate::domain::access::Actor;
use crate::domain::category::{Category, CategoryCode};
use crate::domain::event::ReportEvent;
use crate::domain::masking::Masking;
use crate::domain::priority::Priority;
use crate::domain::report::{Analysis, DecidedBy, Report, ReportId};
use crate::domain::routing;
use crate::domain::timeline::TimelineKind;
use crate::domain::validation::{Collector, FieldError, Invalid};
use crate::ports::{Clock, DirectoryStore, IdGenerator, ReportStore};

/// An override as the client sent it.
#[derive(Debug, Clone, Default)]
pub struct ReclassifyRequest {
    /// Category code.
    pub category: String,
    /// Priority name.
    pub priority: String,
}

/// Overrides classifications.
#[derive(Clone)]
pub struct Reclassify {
    reports: Arc<dyn ReportStore>,
    directory: Arc<dyn DirectoryStore>,
    clock: Arc<dyn Clock>,
    masking: Arc<Masking>,
    ids: Arc<dyn IdGenerator>,
}

impl std::fmt::Debug for Reclassify {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reclassify").finish_non_exhaustive()
    }
}

impl Reclassify {
    pub(crate) fn new(ports: &Ports, policy: &Policy) -> Self {
        Self {
            reports: ports.reports.clone(),
            directory: ports.directory.clone(),
            clock: ports.clock.clone(),
            masking: policy.masking.clone(),
            ids: ports.ids.clone(),
        }
    }

    /// Sets the category and priority. A new category re-routes the report to
    /// its department (clearing the assignee); the due time follows the new priority.
    pub async fn execute(
        &self,
        actor: &Actor,
        id: ReportId,
        request: ReclassifyRequest,
    ) -> Result<ReportView, ActionError> {
        let mut fields = Collector::default();
        let category = fields.take(CategoryCode::new(request.category.trim()));
        let priority = fields.take(Priority::parse(request.priority.trim()));
        fields.finish()?;
        let (Some(category), Some(priority)) = (category, priority) else {
            return Err(ActionError::Unknown(anyhow::anyhow!(
                "validated fields missing"
            )));
        };
        let categories = self.directory.categories().await?;
        let category = categories
            .into_iter()
            .find(|c| c.code == category)
            .ok_or_else(|| {
                Invalid::from(FieldError::new(
                    "category",
                    "unknown_category",
                    format!("no category {category}"),
                ))
            })?;

        // No version is asked for: the last override wins, so an override
        // that raced another is simply made again on top of it.
        retrying_races(|| self.override_once(actor, id, &category, priority)).await
    }

    async fn override_once(
        &self,
        actor: &Actor,
        id: ReportId,
        category: &Category,
        priority: Priority,
    ) -> Result<ReportView, ActionError> {
        let report = load_open_to_triage(self.reports.as_ref(), actor, id).await?;

        let now = self.clock.now();
        let mut updated = report.clone();
        updated.category = category.code.clone();
        updated.priority = priority;
        updated.set_sla(category.sla(priority));
        // A new category is routed afresh; a new priority alone keeps the department.
        let mut routed = report.analysis.as_ref().and_then(|a| a.routing);
        if report.category != category.code {
            let departments = self.directory.departments().await?;
            let route = routing::route(category, &report.jurisdiction, &departments);
            if report.department.as_ref() != Some(&route.department) {
                updated.department = Some(route.department);
                updated.assignee = None;
            }
            routed = Some(route.rule);
        }
        updated.analysis = Some(Analysis {
            category: category.code.clone(),
            priority,
            confidence: 1.0,
            decided_by: DecidedBy::Human,
            rule: None,
            matched: Vec::new(),
            needs_review: false,
            decided_at: now,
            models: Vec::new(),
            latency_ms: 0,
            note: None,
            trigger: None,
            routing: routed,
            // What triage found about personal data, and any review, stand.
            privacy: report
                .analysis
                .as_ref()
                .map(|a| a.privacy.clone())
                .unwrap_or_default(),
        });

        let mut change = Recorder::new(self.ids.as_ref(), actor, now);
        change.correction(&report, category.code.clone(), priority);
        change.timeline(
            id,
            TimelineKind::Classified {
                category: category.code.to_string(),
                priority: priority.to_string(),
                decided_by: DecidedBy::Human,
                rule: None,
            },
        );
        change.event(
            id,
            ReportEvent::Classified {
                category: category.code.clone(),
                priority,
                decided_by: DecidedBy::Human,
                department: updated.department.clone(),
            },
        );
        change.audit(
            "report.reclassify",
            id,
            serde_json::json!({ "category": report.category, "priority": report.priority, "department": report.department }),
            serde_json::json!({ "category": updated.category, "priority": updated.priority, "department": updated.department }),
        );
        let updated = change.update(updated);
        self.reports.apply(change.finish()).await?;
        Ok(view(actor, updated, now, &self.masking))
    }
}

/// Report `id`, if `actor` may act on its triage (reclassify it, ask for its
/// analysis) and it is still open.
pub(crate) async fn load_open_to_triage(
    reports: &dyn ReportStore,
    actor: &Actor,
    id: ReportId,
) -> Result<Report, ActionError> {
    let report = load_visible(reports, actor, id).await?;
    actor.may_reclassify(&report)?;
    if !report.status.is_open() {
        return Err(ActionError::Conflict(ConflictReason::NotOpen(
            report.status,
        )));
    }
    Ok(report)
}
