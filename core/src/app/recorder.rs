//! Builds a [`ReportChange`]: the writes of a use case plus the timeline
//! entries, events and audit entries that describe them, stamped with one
//! time and one actor.

use chrono::{DateTime, Utc};

use crate::domain::access::Actor;
use crate::domain::audit::AuditEntry;
use crate::domain::category::CategoryCode;
use crate::domain::correction::Correction;
use crate::domain::event::ReportEvent;
use crate::domain::priority::Priority;
use crate::domain::report::{Report, ReportId};
use crate::domain::timeline::{TimelineEntry, TimelineKind};
use crate::domain::user::UserId;
use crate::ports::{IdGenerator, ReportChange, ReportWrite, Supporter};

/// Accumulates one change.
pub(crate) struct Recorder<'a> {
    ids: &'a dyn IdGenerator,
    actor: &'a Actor,
    at: DateTime<Utc>,
    change: ReportChange,
}

impl<'a> Recorder<'a> {
    pub(crate) fn new(ids: &'a dyn IdGenerator, actor: &'a Actor, at: DateTime<Utc>) -> Self {
        Self {
            ids,
            actor,
            at,
            change: ReportChange::default(),
        }
    }

    /// The time every part of the change is stamped with.
    pub(crate) fn at(&self) -> DateTime<Utc> {
        self.at
    }

    pub(crate) fn create(&mut self, report: Report) {
        self.change.writes.push(ReportWrite::Create(report));
    }

    /// Records `report` as the next version of what was read, and returns that version.
    pub(crate) fn update(&mut self, mut report: Report) -> Report {
        let expected_version = report.version;
        report.version += 1;
        report.updated_at = self.at;
        self.change.writes.push(ReportWrite::Update {
            report: report.clone(),
            expected_version,
        });
        report
    }

    /// Adds `user_id`'s support to `report_id` (not the actor's: a merge
    /// moves other people's support).
    pub(crate) fn supporter_of(&mut self, report_id: ReportId, user_id: UserId) {
        self.change.supporters.push(Supporter {
            report_id,
            user_id,
            at: self.at,
        });
    }

    /// Adds the actor's support to `report_id`.
    pub(crate) fn supporter(&mut self, report_id: ReportId) {
        if let Some(user_id) = self.actor.user_id() {
            self.change.supporters.push(Supporter {
                report_id,
                user_id,
                at: self.at,
            });
        }
    }

    /// Appends a timeline entry by the acting user and returns its id.
    pub(crate) fn timeline(&mut self, report_id: ReportId, kind: TimelineKind) -> uuid::Uuid {
        self.timeline_by(report_id, kind, true)
    }

    /// Appends a timeline entry made by the system (rules, automation).
    pub(crate) fn system_timeline(&mut self, report_id: ReportId, kind: TimelineKind) {
        self.timeline_by(report_id, kind, false);
    }

    fn timeline_by(
        &mut self,
        report_id: ReportId,
        kind: TimelineKind,
        by_actor: bool,
    ) -> uuid::Uuid {
        let id = self.ids.new_id();
        self.change.timeline.push(TimelineEntry {
            id,
            report_id,
            at: self.at,
            actor: by_actor.then(|| self.actor.user_id()).flatten(),
            actor_role: by_actor.then(|| self.actor.role()).flatten(),
            kind,
        });
        id
    }

    /// Replaces a stored timeline entry's kind (retention only).
    pub(crate) fn rewrite(&mut self, entry: TimelineEntry) {
        self.change.rewritten_timeline.push(entry);
    }

    /// Appends an event for the outbox and returns its id.
    pub(crate) fn event(&mut self, report_id: ReportId, event: ReportEvent) -> uuid::Uuid {
        let envelope = event.into_envelope(self.ids.new_id(), report_id, self.at);
        let id = envelope.id;
        self.change.events.push(envelope);
        id
    }

    pub(crate) fn audit(
        &mut self,
        action: &str,
        report_id: ReportId,
        before: serde_json::Value,
        after: serde_json::Value,
    ) {
        self.audit_on(action, format!("report:{report_id}"), before, after);
    }

    /// An audit entry about another target than a report (`import:<id>`).
    pub(crate) fn audit_on(
        &mut self,
        action: &str,
        target: String,
        before: serde_json::Value,
        after: serde_json::Value,
    ) {
        self.change.audit.push(AuditEntry::new(
            self.ids.new_id(),
            self.at,
            self.actor,
            action,
            target,
            before,
            after,
        ));
    }

    /// Keeps the acting officer's override of `report` (as it was before)
    /// as a labelled example of triage.
    pub(crate) fn correction(
        &mut self,
        report: &Report,
        category: CategoryCode,
        priority: Priority,
    ) {
        if let Some(officer) = self.actor.user_id() {
            self.change.corrections.push(Correction::of(
                self.ids.new_id(),
                report,
                category,
                priority,
                officer,
                self.at,
            ));
        }
    }

    pub(crate) fn finish(self) -> ReportChange {
        self.change
    }
}
