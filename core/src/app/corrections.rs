//! Officers' corrections of triage, read by administrators: the labelled
//! examples a city measures and improves its rules with, and each rule's
//! precision over them.

use std::sync::Arc;

use crate::app::audit_trail::AuditError;
use crate::app::paging;
use crate::app::Ports;
use crate::domain::access::Actor;
use crate::domain::correction::{Correction, RulePrecision};
use crate::domain::permission::Permission;
use crate::domain::validation::Collector;
use crate::ports::{CorrectionPage, CorrectionQuery, ReportStore, MAX_PAGE_SIZE};

/// A page of corrections as the client asked for it.
#[derive(Debug, Clone, Default)]
pub struct CorrectionListRequest {
    /// `rule`: only corrections of this rule's decisions.
    pub rule: Option<String>,
    /// `cursor`: a `next_cursor` of an earlier page.
    pub cursor: Option<String>,
    /// `limit`: 1–[`MAX_PAGE_SIZE`](crate::ports::MAX_PAGE_SIZE).
    pub limit: Option<u32>,
}

/// A page of corrections, and every rule's precision.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrectionList {
    /// The page, newest first.
    pub page: CorrectionPage,
    /// One row per rule that decided a report an officer has acted on.
    pub rules: Vec<RulePrecision>,
}

/// Why the corrections could not be read: as for the audit log, not an
/// administrator, a bad cursor or page size, or the store.
pub type CorrectionsError = AuditError;

/// Officers' corrections of triage, read.
#[derive(Clone)]
pub struct TriageCorrections {
    reports: Arc<dyn ReportStore>,
}

impl std::fmt::Debug for TriageCorrections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TriageCorrections").finish_non_exhaustive()
    }
}

impl TriageCorrections {
    pub(crate) fn new(ports: &Ports) -> Self {
        Self {
            reports: ports.reports.clone(),
        }
    }

    /// A page of corrections, newest first, with every rule's precision.
    pub async fn list(
        &self,
        actor: &Actor,
        request: CorrectionListRequest,
    ) -> Result<CorrectionList, CorrectionsError> {
        actor.may_do(Permission::ViewTriageCorrections)?;
        let mut query = CorrectionQuery {
            rule: rule_filter(request.rule),
            ..CorrectionQuery::default()
        };
        let mut fields = Collector::default();
        if let Some(raw) = request.cursor.as_deref().filter(|c| !c.trim().is_empty()) {
            query.before = fields.take(paging::cursor(raw));
        }
        if let Some(limit) = request.limit {
            query.limit = fields.take(paging::limit(limit)).unwrap_or(query.limit);
        }
        fields.finish()?;
        let page = self.reports.corrections(&query).await?;
        let rules = self.reports.rule_precision().await?;
        Ok(CorrectionList { page, rules })
    }

    /// Every correction (of `rule`, if given), newest first: for a file a
    /// city measures its rules with.
    pub async fn export(
        &self,
        actor: &Actor,
        rule: Option<String>,
    ) -> Result<Vec<Correction>, CorrectionsError> {
        actor.may_do(Permission::ViewTriageCorrections)?;
        let mut query = CorrectionQuery {
            rule: rule_filter(rule),
            limit: MAX_PAGE_SIZE,
            before: None,
        };
        let mut all = Vec::new();
        loop {
            let page = self.reports.corrections(&query).await?;
            all.extend(page.items);
            match page.next {
                Some(next) => query.before = Some(next),
                None => return Ok(all),
            }
        }
    }
}

/// A `rule` filter as given: blank means every rule.
fn rule_filter(rule: Option<String>) -> Option<String> {
    rule.map(|rule| rule.trim().to_owned())
        .filter(|rule| !rule.is_empty())
}
