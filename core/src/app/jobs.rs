//! The scheduled jobs: the product's rules that run on time rather than on
//! a request.
//!
//! - **Auto-close**: a report `resolved` for 7 days is closed, as the
//!   system's transition, with a timeline entry (the reporter hears of it).
//! - **SLA breaches**: a report still `received` past its first-response
//!   time, or open past its resolution time, is flagged once per clock and a
//!   `report.sla_breached` event tells the department's managers.
//! - **Purges**: notifications older than the retention period, and expired
//!   refresh tokens.
//!
//! Each job runs on one instance at a time: [`Jobs::tick`] runs a job only
//! if this instance takes its lease ([`JobLease`]) for the job's interval,
//! so with many servers each job still runs about once per interval. Every
//! step is idempotent (a report already closed or flagged is no longer
//! found), so a job cut off halfway is simply finished by its next run.
//! Time is the [`Clock`] port's: tests move it instead of waiting.

use std::sync::Arc;

use chrono::TimeDelta;
use uuid::Uuid;

use crate::app::recorder::Recorder;
use crate::app::Ports;
use crate::domain::access::Actor;
use crate::domain::event::{ReportEvent, SlaClock};
use crate::domain::report::Report;
use crate::domain::status::ReportStatus;
use crate::domain::timeline::TimelineKind;
use crate::ports::{
    Clock, Due, IdGenerator, JobLease, NotificationStore, ReportQuery, ReportStore, Scope,
    SessionStore, StoreError, MAX_PAGE_SIZE,
};

/// How long a report stays `resolved` before it is closed (the product's rule).
pub const AUTO_CLOSE_AFTER: TimeDelta = TimeDelta::days(7);

/// The note of the system's closing transition.
pub const AUTO_CLOSE_NOTE: &str = "처리완료 후 7일 동안 이의가 없어 자동 종결되었습니다";

/// The most reports one run of a job changes (the next run goes on).
const BATCH: usize = 1_000;

/// When the jobs run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// How often resolved reports are checked for closing.
    pub close_every: TimeDelta,
    /// How often the SLA clocks are checked.
    pub sla_every: TimeDelta,
    /// How often old notifications and expired sessions are purged.
    pub purge_every: TimeDelta,
    /// How long notifications are kept.
    pub keep_notifications: TimeDelta,
}

impl Default for Schedule {
    /// Closing hourly, the SLA every minute, purges daily, notifications kept 180 days.
    fn default() -> Self {
        Self {
            close_every: TimeDelta::hours(1),
            sla_every: TimeDelta::minutes(1),
            purge_every: TimeDelta::days(1),
            keep_notifications: TimeDelta::days(180),
        }
    }
}

/// What one [`Jobs::tick`] did; a job this instance did not run is `None`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TickOutcome {
    /// Reports closed.
    pub closed: Option<u64>,
    /// SLA clocks flagged as missed.
    pub breaches: Option<u64>,
    /// Notifications and refresh tokens removed.
    pub purged: Option<(u64, u64)>,
}

/// Why a job did not finish; it runs again next time.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The store cannot be reached now.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// Anything else.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

impl From<StoreError> for JobError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(reason) => Self::Unavailable(reason),
            other => Self::Unknown(other.into()),
        }
    }
}

/// The scheduled jobs of one instance.
#[derive(Clone)]
pub struct Jobs {
    reports: Arc<dyn ReportStore>,
    notifications: Arc<dyn NotificationStore>,
    sessions: Arc<dyn SessionStore>,
    leases: Arc<dyn JobLease>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    holder: Uuid,
    schedule: Schedule,
}

impl std::fmt::Debug for Jobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jobs")
            .field("holder", &self.holder)
            .field("schedule", &self.schedule)
            .finish_non_exhaustive()
    }
}

impl Jobs {
    /// The jobs of an instance, known to the leases as `holder`.
    pub fn new(ports: &Ports, schedule: Schedule, holder: Uuid) -> Self {
        Self {
            reports: ports.reports.clone(),
            notifications: ports.notifications.clone(),
            sessions: ports.sessions.clone(),
            leases: ports.leases.clone(),
            clock: ports.clock.clone(),
            ids: ports.ids.clone(),
            holder,
            schedule,
        }
    }

    /// The schedule.
    pub fn schedule(&self) -> Schedule {
        self.schedule
    }

    /// Runs each job whose lease this instance takes now: a job whose
    /// lease (one interval long) has not ended — whoever took it, this
    /// instance included — is skipped, so each runs once per interval. Call it about as often as the shortest
    /// interval. A failing job does not stop the others; the first error is
    /// returned after all have had their turn.
    pub async fn tick(&self) -> Result<TickOutcome, JobError> {
        let mut outcome = TickOutcome::default();
        let mut first_error = None;
        if self
            .lease("close_resolved", self.schedule.close_every)
            .await?
        {
            match self.close_resolved().await {
                Ok(closed) => outcome.closed = Some(closed),
                Err(error) => first_error = first_error.or(Some(error)),
            }
        }
        if self.lease("sla_breaches", self.schedule.sla_every).await? {
            match self.flag_breaches().await {
                Ok(flagged) => outcome.breaches = Some(flagged),
                Err(error) => first_error = first_error.or(Some(error)),
            }
        }
        if self.lease("purge", self.schedule.purge_every).await? {
            match self.purge().await {
                Ok(purged) => outcome.purged = Some(purged),
                Err(error) => first_error = first_error.or(Some(error)),
            }
        }
        first_error.map_or(Ok(outcome), Err)
    }

    /// Takes the lease of `job` for `every`, unless another instance holds it.
    async fn lease(&self, job: &str, every: TimeDelta) -> Result<bool, JobError> {
        Ok(self
            .leases
            .acquire(job, self.holder, self.clock.now(), every)
            .await?)
    }

    /// Closes the reports resolved for [`AUTO_CLOSE_AFTER`]; returns how many.
    pub async fn close_resolved(&self) -> Result<u64, JobError> {
        let now = self.clock.now();
        let due = self
            .due(Due::ResolvedBefore(now - AUTO_CLOSE_AFTER))
            .await?;
        let mut closed = 0;
        for report in due {
            let mut updated = report.clone();
            updated.change_status(ReportStatus::Closed, now);
            let mut change = Recorder::new(self.ids.as_ref(), &Actor::Anonymous, now);
            change.system_timeline(
                report.id,
                TimelineKind::StatusChanged {
                    from: ReportStatus::Resolved,
                    to: ReportStatus::Closed,
                    note: Some(AUTO_CLOSE_NOTE.to_owned()),
                },
            );
            change.event(
                report.id,
                ReportEvent::StatusChanged {
                    from: ReportStatus::Resolved,
                    to: ReportStatus::Closed,
                },
            );
            change.audit(
                "report.auto_close",
                report.id,
                serde_json::json!({ "status": "resolved", "version": report.version }),
                serde_json::json!({ "status": "closed", "after_days": AUTO_CLOSE_AFTER.num_days() }),
            );
            change.update(updated);
            if self.applied(change.finish()).await? {
                closed += 1;
            }
        }
        Ok(closed)
    }

    /// Flags the SLA clocks missed by now, once each; returns how many.
    pub async fn flag_breaches(&self) -> Result<u64, JobError> {
        let now = self.clock.now();
        let mut flagged = 0;
        for (due, clock) in [
            (Due::ResponseOverdue(now), SlaClock::Respond),
            (Due::ResolutionOverdue(now), SlaClock::Resolve),
        ] {
            for report in self.due(due).await? {
                let mut updated = report.clone();
                let due_at = match clock {
                    SlaClock::Respond => {
                        updated.response_breached_at = Some(now);
                        report.respond_by
                    }
                    SlaClock::Resolve => {
                        updated.resolution_breached_at = Some(now);
                        report.due_at
                    }
                };
                let mut change = Recorder::new(self.ids.as_ref(), &Actor::Anonymous, now);
                change.event(report.id, ReportEvent::SlaBreached { clock, due: due_at });
                change.update(updated);
                if self.applied(change.finish()).await? {
                    flagged += 1;
                }
            }
        }
        Ok(flagged)
    }

    /// Removes notifications older than the retention period and expired
    /// refresh tokens; returns how many of each.
    pub async fn purge(&self) -> Result<(u64, u64), JobError> {
        let now = self.clock.now();
        let notifications = self
            .notifications
            .purge_created_before(now - self.schedule.keep_notifications)
            .await?;
        let sessions = self.sessions.purge_expired(now).await?;
        Ok((notifications, sessions))
    }

    /// Every report `due` finds, up to [`BATCH`].
    async fn due(&self, due: Due) -> Result<Vec<Report>, JobError> {
        let mut query = ReportQuery::new(Scope::All);
        query.due = Some(due);
        query.limit = MAX_PAGE_SIZE;
        let mut found = Vec::new();
        loop {
            let page = self.reports.list(&query).await?;
            found.extend(page.items);
            match page.next {
                Some(next) if found.len() < BATCH => query.after = Some(next),
                _ => return Ok(found),
            }
        }
    }

    /// Applies a job's change; `false` when the report changed meanwhile
    /// (someone acted on it: the next run looks again).
    async fn applied(&self, change: crate::ports::ReportChange) -> Result<bool, JobError> {
        match self.reports.apply(change).await {
            Ok(()) => Ok(true),
            Err(StoreError::VersionConflict) => Ok(false),
            Err(error) => Err(error.into()),
        }
    }
}

/// How often a runner should call [`Jobs::tick`]: the shortest interval
/// (when each job last ran is its lease's business).
pub fn tick_interval(schedule: &Schedule) -> TimeDelta {
    schedule
        .close_every
        .min(schedule.sla_every)
        .min(schedule.purge_every)
}
