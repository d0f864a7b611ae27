//! Officers' corrections of triage. Every classification override is kept
//! as a labelled example — the report's text, what triage had decided and
//! why, what the officer chose — so a city can measure its rules on its own
//! reports and improve them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::domain::category::CategoryCode;
use crate::domain::priority::Priority;
use crate::domain::receipt::ReceiptNumber;
use crate::domain::report::{DecidedBy, Report, ReportId};
use crate::domain::status::ReportStatus;
use crate::domain::user::UserId;

/// One officer's override of a report's classification, as a labelled example.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Correction {
    /// Identity (time-ordered: the newest correction has the highest id).
    pub id: Uuid,
    /// The report.
    pub report_id: ReportId,
    /// Its receipt number.
    pub number: ReceiptNumber,
    /// Its title. Stores keep no copy: they read the report's text as it is
    /// stored now, so what retention anonymises is anonymised here too.
    pub title: String,
    /// Its description (read from the report, like the title).
    pub description: String,
    /// The category in force before the override.
    pub triage_category: CategoryCode,
    /// The priority in force before the override.
    pub triage_priority: Priority,
    /// Who had decided it (`None` for a report stored without an analysis).
    pub decided_by: Option<DecidedBy>,
    /// The rule that had fired, if a rule decided.
    pub rule: Option<String>,
    /// The words that rule had matched.
    pub matched: Vec<String>,
    /// The category the officer chose.
    pub category: CategoryCode,
    /// The priority the officer chose.
    pub priority: Priority,
    /// The officer.
    pub officer: UserId,
    /// When.
    pub at: DateTime<Utc>,
}

impl Correction {
    /// The correction of `report` (as it was before) to `category` and `priority`.
    pub fn of(
        id: Uuid,
        report: &Report,
        category: CategoryCode,
        priority: Priority,
        officer: UserId,
        at: DateTime<Utc>,
    ) -> Self {
        let analysis = report.analysis.as_ref();
        Self {
            id,
            report_id: report.id,
            number: report.number,
            title: report.title.as_str().to_owned(),
            description: report.description.as_str().to_owned(),
            triage_category: report.category.clone(),
            triage_priority: report.priority,
            decided_by: analysis.map(|a| a.decided_by),
            rule: analysis.and_then(|a| a.rule.clone()),
            matched: analysis.map(|a| a.matched.clone()).unwrap_or_default(),
            category,
            priority,
            officer,
            at,
        }
    }

    /// The rule whose decision this corrects, if a rule (on its own or on
    /// what the AI found) had decided; an officer correcting an officer
    /// judges no rule.
    pub fn judged_rule(&self) -> Option<&str> {
        match self.decided_by {
            Some(DecidedBy::Rules | DecidedBy::Ai) => self.rule.as_deref(),
            Some(DecidedBy::Human) | None => None,
        }
    }

    /// Whether the officer kept the category triage had chosen (and changed
    /// only the priority).
    pub fn kept_category(&self) -> bool {
        self.category == self.triage_category
    }
}

/// How often one rule's category was kept by officers and how often overridden.
///
/// A report counts for the rule that decided its category when an officer
/// has acted on it: *kept* when an officer moved it on from `received`
/// without changing its category, or overrode only its priority;
/// *overridden* when an officer changed its category. Reports nobody has
/// looked at yet count for neither, so a rule is not praised for reports
/// still waiting in the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RulePrecision {
    /// The rule's name (or `reporter_category`).
    pub rule: String,
    /// Decisions officers kept.
    pub kept: u64,
    /// Decisions officers overrode.
    pub overridden: u64,
}

impl RulePrecision {
    /// kept / (kept + overridden); `None` before any officer acted.
    pub fn precision(&self) -> Option<f64> {
        let judged = self.kept + self.overridden;
        (judged > 0).then(|| self.kept as f64 / judged as f64)
    }

    /// Rows of the same rule summed, one row per rule, by name.
    pub fn merge(rows: impl IntoIterator<Item = Self>) -> Vec<Self> {
        let mut rules: BTreeMap<String, Self> = BTreeMap::new();
        for row in rows {
            let sum = rules.entry(row.rule.clone()).or_insert_with(|| Self {
                rule: row.rule.clone(),
                kept: 0,
                overridden: 0,
            });
            sum.kept += row.kept;
            sum.overridden += row.overridden;
        }
        rules.into_values().collect()
    }
}

/// The rule a report counts as *kept* for, if any: one decided its
/// category (by rules or on what the AI found), no officer overrode it, and
/// an officer has acted on the report (it is no longer `received`).
pub fn kept_rule(report: &Report) -> Option<&str> {
    let analysis = report.analysis.as_ref()?;
    let by_rule = matches!(analysis.decided_by, DecidedBy::Rules | DecidedBy::Ai);
    (by_rule && report.status != ReportStatus::Received)
        .then_some(analysis.rule.as_deref())
        .flatten()
}
