//! Telling people: every domain event becomes the notifications it owes —
//! new work to a department, an assignment to its officer, progress to the
//! people who follow a report — stored first, then pushed live.
//!
//! Notifying is idempotent: each notification carries a dedupe key (the
//! event, the comment, or the report and the department it was routed to),
//! and the store keeps one per recipient and key, so an event delivered
//! twice tells no one twice, and a report routed to the same department by
//! its submission and again by its analysis is new work once.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use async_trait::async_trait;
use serde::Deserialize;
use uuid::Uuid;

use crate::app::events::{EventHandler, HandlerError};
use crate::app::{Policy, Ports};
use crate::domain::department::DepartmentCode;
use crate::domain::event::{EventEnvelope, SlaClock};
use crate::domain::mail::{EmailDelivery, EmailPreference};
use crate::domain::masking::Masking;
use crate::domain::notification::{Message, Notification, NotificationId};
use crate::domain::report::{Report, ReportId};
use crate::domain::status::ReportStatus;
use crate::domain::timeline::{TimelineEntry, TimelineKind};
use crate::domain::user::{Role, UserId};
use crate::ports::{
    Clock, DirectoryStore, Fanout, IdGenerator, NotificationStore, Push, ReportStore, UserStore,
};

/// Turns domain events into notifications.
#[derive(Clone)]
pub struct Notify {
    reports: Arc<dyn ReportStore>,
    users: Arc<dyn UserStore>,
    directory: Arc<dyn DirectoryStore>,
    notifications: Arc<dyn NotificationStore>,
    fanout: Arc<dyn Fanout>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    masking: Arc<Masking>,
}

impl std::fmt::Debug for Notify {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notify").finish_non_exhaustive()
    }
}

/// Who is told what.
type Plan = Vec<(Message, BTreeSet<UserId>)>;

/// A recipient, as notifying needs to know them.
#[derive(Debug, Clone, Copy)]
struct Recipient {
    /// How their notifications are mailed.
    delivery: EmailDelivery,
    /// Officials read personal data; other followers get the text masked.
    official: bool,
}

impl Notify {
    pub(crate) fn new(ports: &Ports, policy: &Policy) -> Self {
        Self {
            reports: ports.reports.clone(),
            users: ports.users.clone(),
            directory: ports.directory.clone(),
            notifications: ports.notifications.clone(),
            fanout: ports.fanout.clone(),
            clock: ports.clock.clone(),
            ids: ports.ids.clone(),
            masking: policy.masking.clone(),
        }
    }

    /// Stores the notifications `event` owes and pushes those that are new,
    /// then pushes the report's change to live views; returns the
    /// notifications stored now (none when the event was handled before).
    pub async fn notify(&self, event: &EventEnvelope) -> Result<Vec<Notification>, HandlerError> {
        let Some(report) = self.reports.get(event.report_id).await? else {
            // Nothing to tell about a report that is not there.
            return Ok(Vec::new());
        };
        let plan = self.plan(event, &report).await?;
        let now = self.clock.now();
        let mut recipients: BTreeMap<UserId, Recipient> = BTreeMap::new();
        let mut notifications = Vec::new();
        for (message, to) in &plan {
            // Followers other than the reporter read the report as the public does.
            let masked = message.masked(&self.masking);
            for &recipient in to {
                let who = match recipients.get(&recipient) {
                    Some(who) => *who,
                    None => {
                        let who = self.recipient(recipient).await?;
                        recipients.insert(recipient, who);
                        who
                    }
                };
                let entitled = who.official || recipient == report.reporter;
                let message = if entitled { message } else { &masked };
                let mut notification =
                    message.to(NotificationId(self.ids.new_id()), recipient, now);
                // Deciding to mail is part of the same write as storing: a
                // redelivered event stores nothing new, so it mails nothing twice.
                notification.email = who.delivery;
                notifications.push(notification);
            }
        }
        let stored = if notifications.is_empty() {
            Vec::new()
        } else {
            self.notifications.insert(&notifications).await?
        };
        for notification in &stored {
            self.fanout
                .publish(Push::Notification(notification.clone()))
                .await;
        }
        self.fanout
            .publish(Push::ReportChanged {
                report_id: event.report_id,
                event_type: event.event_type.clone(),
            })
            .await;
        Ok(stored)
    }

    /// What `event` owes, and to whom.
    async fn plan(&self, event: &EventEnvelope, report: &Report) -> Result<Plan, HandlerError> {
        match event.event_type.as_str() {
            "report.submitted" | "report.analyzed" | "report.classified" => {
                let routed: Routed = parse(event)?;
                self.routed(report, routed.department.as_deref()).await
            }
            "report.assigned" => {
                let assigned: Assigned = parse(event)?;
                match assigned.assignee {
                    Some(assignee) => {
                        let actor = self
                            .actor_of(report.id, event, |kind| {
                                matches!(kind, TimelineKind::Assigned { .. })
                            })
                            .await?;
                        let mut to = BTreeSet::from([assignee]);
                        to.remove(&actor.unwrap_or(UserId(Uuid::nil())));
                        Ok(vec![(Message::assigned(report, event.id), to)])
                    }
                    // Sent to the department as a whole: new work there.
                    None => self.routed(report, assigned.department.as_deref()).await,
                }
            }
            "report.status_changed" => {
                let changed: StatusChanged = parse(event)?;
                // A duplicate's reporter hears of it from `report.merged`.
                if changed.to == ReportStatus::Duplicate {
                    return Ok(Vec::new());
                }
                let entry = self
                    .entry(report.id, event, |kind| {
                        matches!(kind, TimelineKind::StatusChanged { to, .. } if *to == changed.to)
                    })
                    .await?;
                let note = match &entry.kind {
                    TimelineKind::StatusChanged { note, .. } => note.clone(),
                    _ => None,
                };
                let message =
                    Message::status_changed(report, changed.to, note.as_deref(), event.id);
                // Officials' and the system's changes (the 7-day close) are
                // news to the followers; the reporter's (closing, reopening)
                // to the officers handling it.
                let mut to = if entry.actor_role.is_none_or(Role::is_official) {
                    self.followers(report).await?
                } else {
                    self.handlers(report).await?
                };
                if let Some(actor) = entry.actor {
                    to.remove(&actor);
                }
                Ok(vec![(message, to)])
            }
            "report.commented" => {
                let commented: Commented = parse(event)?;
                if commented.internal {
                    return Ok(Vec::new());
                }
                let timeline = self.reports.timeline(report.id).await?;
                let Some(comment) = timeline.iter().find(|e| e.id == commented.comment_id) else {
                    return Err(not_yet_visible(event));
                };
                let TimelineKind::Comment { body, .. } = &comment.kind else {
                    return Ok(Vec::new());
                };
                let message = Message::commented(report, body, commented.comment_id);
                let mut to = if comment.actor_role.is_some_and(Role::is_official) {
                    self.followers(report).await?
                } else {
                    self.handlers(report).await?
                };
                if let Some(actor) = comment.actor {
                    to.remove(&actor);
                }
                Ok(vec![(message, to)])
            }
            "report.sla_breached" => {
                let breached: Breached = parse(event)?;
                let Some(department) = &report.department else {
                    return Ok(Vec::new());
                };
                let managers: BTreeSet<UserId> = self
                    .users
                    .officials_of(department)
                    .await?
                    .iter()
                    .filter(|u| u.role == Role::Manager)
                    .map(|u| u.id)
                    .collect();
                let message = Message::sla_breached(report, breached.clock, breached.due);
                Ok(vec![(message, managers)])
            }
            "report.merged" => {
                let merged: Merged = parse(event)?;
                let Some(original) = self.reports.get(merged.into).await? else {
                    return Ok(Vec::new());
                };
                let message = Message::marked_duplicate(report, &original.number, event.id);
                Ok(vec![(message, BTreeSet::from([report.reporter]))])
            }
            _ => Ok(Vec::new()),
        }
    }

    /// New work for the department an event routed a report to: its staff
    /// and managers hear, once per department, unless the report has been
    /// closed since.
    async fn routed(
        &self,
        report: &Report,
        department: Option<&str>,
    ) -> Result<Plan, HandlerError> {
        let Some(department) = department.and_then(|code| DepartmentCode::new(code).ok()) else {
            return Ok(Vec::new());
        };
        let department = &department;
        if !report.status.is_open() {
            return Ok(Vec::new());
        }
        let officials = self.users.officials_of(department).await?;
        if officials.is_empty() {
            return Ok(Vec::new());
        }
        let category = self
            .directory
            .categories()
            .await?
            .into_iter()
            .find(|c| c.code == report.category)
            .map_or_else(|| report.category.as_str().to_owned(), |c| c.name);
        let department_name = self
            .directory
            .departments()
            .await?
            .into_iter()
            .find(|d| &d.code == department)
            .map_or_else(|| department.as_str().to_owned(), |d| d.name);
        let message = Message::routed(report, department, &category, &department_name);
        Ok(vec![(message, officials.iter().map(|u| u.id).collect())])
    }

    /// Who `recipient` is, as notifying needs it: how their notifications
    /// are mailed (by the preference they chose, else their role's default;
    /// not at all to an unknown person), and whether they are an official.
    async fn recipient(&self, recipient: UserId) -> Result<Recipient, HandlerError> {
        let Some(user) = self.users.get(recipient).await? else {
            return Ok(Recipient {
                delivery: EmailDelivery::None,
                official: false,
            });
        };
        let chosen = self.users.email_preference(recipient).await?;
        Ok(Recipient {
            delivery: EmailPreference::effective(chosen, user.role).delivery(),
            official: user.role.is_official(),
        })
    }

    /// Who follows a report's progress: its reporter, the people who said
    /// "me too", and the reporters of duplicates merged into it.
    async fn followers(&self, report: &Report) -> Result<BTreeSet<UserId>, HandlerError> {
        let mut followers = BTreeSet::from([report.reporter]);
        followers.extend(self.reports.supporters(report.id).await?);
        for entry in self.reports.timeline(report.id).await? {
            if let TimelineKind::DuplicateMerged { duplicate } = entry.kind {
                if let Some(duplicate) = self.reports.get(duplicate).await? {
                    followers.insert(duplicate.reporter);
                }
            }
        }
        Ok(followers)
    }

    /// Who handles a report: its assignee, or else its department's officials.
    async fn handlers(&self, report: &Report) -> Result<BTreeSet<UserId>, HandlerError> {
        if let Some(assignee) = report.assignee {
            return Ok(BTreeSet::from([assignee]));
        }
        let Some(department) = &report.department else {
            return Ok(BTreeSet::new());
        };
        Ok(self
            .users
            .officials_of(department)
            .await?
            .iter()
            .map(|u| u.id)
            .collect())
    }

    /// Who made the change `event` records (its timeline entry's actor).
    async fn actor_of(
        &self,
        id: ReportId,
        event: &EventEnvelope,
        kind: impl Fn(&TimelineKind) -> bool,
    ) -> Result<Option<UserId>, HandlerError> {
        Ok(self.entry(id, event, kind).await?.actor)
    }

    /// The timeline entry the change `event` recorded: of the entries of
    /// its kind, the last one written with it (the same instant), else the
    /// latest.
    async fn entry(
        &self,
        id: ReportId,
        event: &EventEnvelope,
        kind: impl Fn(&TimelineKind) -> bool,
    ) -> Result<TimelineEntry, HandlerError> {
        let matching: Vec<TimelineEntry> = self
            .reports
            .timeline(id)
            .await?
            .into_iter()
            .filter(|e| kind(&e.kind))
            .collect();
        let same_instant = matching.iter().rposition(|e| e.at == event.occurred_at);
        let found = match same_instant {
            Some(at) => matching.into_iter().nth(at),
            None => matching.into_iter().last(),
        };
        // A read replica behind the primary may not show the entry yet: later.
        found.ok_or_else(|| not_yet_visible(event))
    }
}

#[async_trait]
impl EventHandler for Notify {
    async fn handle(&self, event: &EventEnvelope) -> Result<(), HandlerError> {
        self.notify(event).await.map(|_| ())
    }
}

fn not_yet_visible(event: &EventEnvelope) -> HandlerError {
    HandlerError::Unavailable(format!(
        "the change of event {} is not visible in the store yet",
        event.id
    ))
}

fn parse<T: serde::de::DeserializeOwned>(event: &EventEnvelope) -> Result<T, HandlerError> {
    serde_json::from_value(event.payload.clone()).map_err(|e| {
        HandlerError::Unknown(anyhow::anyhow!(
            "the payload of {} event {} is not as expected: {e}",
            event.event_type,
            event.id
        ))
    })
}

/// The department a `report.submitted`, `report.analyzed` or
/// `report.classified` event routed its report to.
#[derive(Deserialize)]
struct Routed {
    department: Option<String>,
}

/// `report.assigned`'s payload.
#[derive(Deserialize)]
struct Assigned {
    department: Option<String>,
    assignee: Option<UserId>,
}

/// `report.status_changed`'s payload.
#[derive(Deserialize)]
struct StatusChanged {
    to: ReportStatus,
}

/// `report.commented`'s payload.
#[derive(Deserialize)]
struct Commented {
    comment_id: Uuid,
    internal: bool,
}

/// `report.sla_breached`'s payload.
#[derive(Deserialize)]
struct Breached {
    clock: SlaClock,
    due: chrono::DateTime<chrono::Utc>,
}

/// `report.merged`'s payload.
#[derive(Deserialize)]
struct Merged {
    into: ReportId,
}
