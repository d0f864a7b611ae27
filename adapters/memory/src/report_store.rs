//! Reports, timelines, supporters and the outbox in memory, with the same
//! all-or-nothing `apply` and optimistic version check a database gives.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use sinmungo_core::domain::audit::AuditEntry;
use sinmungo_core::domain::correction::{kept_rule, Correction, RulePrecision};
use sinmungo_core::domain::event::EventEnvelope;
use sinmungo_core::domain::receipt::ReceiptNumber;
use sinmungo_core::domain::report::{Report, ReportId, Visibility};
use sinmungo_core::domain::stats::{Stats, StatsQuery};
use sinmungo_core::domain::status::ReportStatus;
use sinmungo_core::domain::text::fold_for_search;
use sinmungo_core::domain::timeline::TimelineEntry;
use sinmungo_core::domain::user::UserId;
use sinmungo_core::ports::{
    ClaimedEvent, CorrectionPage, CorrectionQuery, Outbox, Page, ReportChange, ReportQuery,
    ReportSketch, ReportStore, ReportWrite, Scope, StoreError, Supporter, Uniqueness,
    MAX_PAGE_SIZE,
};
use uuid::Uuid;

use crate::audit_log::MemoryAuditLog;
use crate::faults::Faults;
use crate::time::stored;

/// A [`ReportStore`] in memory. Events appended by `apply` stay in an outbox
/// that tests read with [`MemoryReportStore::outbox`].
#[derive(Debug, Default)]
pub struct MemoryReportStore {
    state: Mutex<State>,
    audit: MemoryAuditLog,
    faults: Faults,
}

#[derive(Debug, Default)]
struct State {
    reports: BTreeMap<ReportId, Report>,
    timeline: Vec<TimelineEntry>,
    supporters: Vec<Supporter>,
    outbox: Vec<OutboxRow>,
    last_receipt: HashMap<i32, u32>,
    /// Officers' corrections of triage, by id (time-ordered).
    corrections: BTreeMap<Uuid, Correction>,
}

/// An outbox event and its relay bookkeeping.
#[derive(Debug)]
struct OutboxRow {
    event: EventEnvelope,
    published_at: Option<DateTime<Utc>>,
    claimed_until: Option<DateTime<Utc>>,
    attempts: u32,
    last_error: Option<String>,
}

impl MemoryReportStore {
    /// An empty store with its own audit list, failing when `faults` says so.
    pub fn new(faults: Faults) -> Self {
        Self::with_audit_log(faults, MemoryAuditLog::default())
    }

    /// An empty store whose changes append their audit entries to `audit`, as
    /// a database's reports and audit log share one transaction.
    pub fn with_audit_log(faults: Faults, audit: MemoryAuditLog) -> Self {
        Self {
            state: Mutex::default(),
            audit,
            faults,
        }
    }

    /// Every event appended by `apply`, in order (none is ever removed).
    pub fn outbox(&self) -> Vec<EventEnvelope> {
        self.lock()
            .outbox
            .iter()
            .map(|row| row.event.clone())
            .collect()
    }

    /// The events a relay has not yet marked published, in order.
    pub fn unpublished(&self) -> Vec<EventEnvelope> {
        self.lock()
            .outbox
            .iter()
            .filter(|row| row.published_at.is_none())
            .map(|row| row.event.clone())
            .collect()
    }

    /// The error the last failed publish of an event left, if any.
    pub fn last_publish_error(&self, id: Uuid) -> Option<String> {
        self.lock()
            .outbox
            .iter()
            .find(|row| row.event.id == id)
            .and_then(|row| row.last_error.clone())
    }

    /// The audit entries of every applied change, in order (plus any recorded
    /// directly on a shared [`MemoryAuditLog`]).
    pub fn audit_entries(&self) -> Vec<AuditEntry> {
        self.audit.entries()
    }

    /// Every supporter recorded, in order.
    pub fn supporters(&self) -> Vec<Supporter> {
        self.lock().supporters.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    /// Checks a whole change against the current state and returns the
    /// reports it writes; nothing is modified, so a refused change leaves no trace.
    fn stage(&self, change: &ReportChange) -> Result<BTreeMap<ReportId, Report>, StoreError> {
        let mut staged: BTreeMap<ReportId, Report> = BTreeMap::new();
        let current = |staged: &BTreeMap<ReportId, Report>, id: &ReportId| -> Option<u64> {
            staged
                .get(id)
                .or_else(|| self.reports.get(id))
                .map(|r| r.version)
        };
        for write in &change.writes {
            match write {
                ReportWrite::Create(report) => {
                    let number_taken = self
                        .reports
                        .values()
                        .chain(staged.values())
                        .any(|r| r.number == report.number);
                    if current(&staged, &report.id).is_some() || number_taken {
                        return Err(StoreError::AlreadyExists(Uniqueness::Identity));
                    }
                    staged.insert(report.id, normalised(report.clone()));
                }
                ReportWrite::Update {
                    report,
                    expected_version,
                } => match current(&staged, &report.id) {
                    None => return Err(StoreError::NotFound),
                    Some(version) if version != *expected_version => {
                        return Err(StoreError::VersionConflict)
                    }
                    Some(_) => {
                        staged.insert(report.id, normalised(report.clone()));
                    }
                },
            }
        }
        let exists = |id: &ReportId| staged.contains_key(id) || self.reports.contains_key(id);
        let referenced = change
            .timeline
            .iter()
            .map(|t| &t.report_id)
            .chain(change.supporters.iter().map(|s| &s.report_id))
            .chain(change.events.iter().map(|e| &e.report_id))
            .chain(change.corrections.iter().map(|c| &c.report_id));
        for id in referenced {
            if !exists(id) {
                return Err(StoreError::NotFound);
            }
        }
        let present = |entry: &TimelineEntry| {
            self.timeline
                .iter()
                .any(|e| e.id == entry.id && e.report_id == entry.report_id)
                || change
                    .timeline
                    .iter()
                    .any(|e| e.id == entry.id && e.report_id == entry.report_id)
        };
        if !change.rewritten_timeline.iter().all(present) {
            return Err(StoreError::NotFound);
        }
        let mut seen: HashSet<(ReportId, UserId)> = self
            .supporters
            .iter()
            .map(|s| (s.report_id, s.user_id))
            .collect();
        for supporter in &change.supporters {
            if !seen.insert((supporter.report_id, supporter.user_id)) {
                return Err(StoreError::AlreadyExists(Uniqueness::Supporter));
            }
        }
        let mut ids: HashSet<Uuid> = HashSet::new();
        for correction in &change.corrections {
            if self.corrections.contains_key(&correction.id) || !ids.insert(correction.id) {
                return Err(StoreError::AlreadyExists(Uniqueness::Identity));
            }
        }
        Ok(staged)
    }
}

/// A report as a database would hand it back (times to the microsecond).
fn normalised(mut report: Report) -> Report {
    report.due_at = stored(report.due_at);
    report.respond_by = stored(report.respond_by);
    report.response_breached_at = report.response_breached_at.map(stored);
    report.resolution_breached_at = report.resolution_breached_at.map(stored);
    report.responded_at = report.responded_at.map(stored);
    report.reopened_at = report.reopened_at.map(stored);
    report.created_at = stored(report.created_at);
    report.updated_at = stored(report.updated_at);
    report.resolved_at = report.resolved_at.map(stored);
    report.status_changed_at = stored(report.status_changed_at);
    if let Some(analysis) = &mut report.analysis {
        analysis.decided_at = stored(analysis.decided_at);
    }
    for photo in &mut report.photos {
        photo.uploaded_at = stored(photo.uploaded_at);
    }
    report
}

fn in_scope(scope: Scope, report: &Report) -> bool {
    let public = report.visibility == Visibility::Public;
    match scope {
        Scope::Public => public,
        Scope::PublicAndOwn(user) => public || report.reporter == user,
        Scope::Own(user) => report.reporter == user,
        Scope::All => true,
    }
}

fn matches(query: &ReportQuery, text: Option<&str>, report: &Report) -> bool {
    in_scope(query.scope, report)
        && query.status.is_none_or(|s| report.status == s)
        && query
            .category
            .as_ref()
            .is_none_or(|c| &report.category == c)
        && query.priority.is_none_or(|p| report.priority == p)
        && query
            .department
            .as_ref()
            .is_none_or(|d| report.department.as_ref() == Some(d))
        && query.bbox.is_none_or(|b| b.contains(report.location))
        && query.near.is_none_or(|c| c.contains(report.location))
        && text.is_none_or(|needle| {
            fold_for_search(report.title.as_str()).contains(needle)
                || fold_for_search(report.description.as_str()).contains(needle)
        })
        && query.due.is_none_or(|due| due.covers(report))
        && (!query.open_only || report.status.is_open())
        && (!query.closed_only || !report.status.is_open())
        && query
            .created_since
            .is_none_or(|since| report.created_at >= since)
        && query
            .created_until
            .is_none_or(|until| report.created_at <= until)
        && (query.numbers.is_empty() || query.numbers.contains(&report.number))
        && (query.ids.is_empty() || query.ids.contains(&report.id))
        && query.assignee.is_none_or(|a| report.assignee == Some(a))
        && query
            .overdue_at
            .is_none_or(|at| report.status.is_open() && report.due_at < at)
}

#[async_trait]
impl ReportStore for MemoryReportStore {
    async fn next_receipt_number(&self, year: i32) -> Result<ReceiptNumber, StoreError> {
        self.faults.check()?;
        let mut state = self.lock();
        let last = state.last_receipt.entry(year).or_insert(0);
        *last = last.checked_add(1).ok_or_else(|| {
            StoreError::Unknown(anyhow::anyhow!("the receipt numbers of {year} ran out"))
        })?;
        Ok(ReceiptNumber::new(year, *last))
    }

    async fn next_receipt_numbers(
        &self,
        year: i32,
        count: u32,
    ) -> Result<Vec<ReceiptNumber>, StoreError> {
        self.faults.check()?;
        let mut state = self.lock();
        let last = state.last_receipt.entry(year).or_insert(0);
        let first = *last;
        *last = last.checked_add(count).ok_or_else(|| {
            StoreError::Unknown(anyhow::anyhow!("the receipt numbers of {year} ran out"))
        })?;
        Ok((first + 1..=*last)
            .map(|sequence| ReceiptNumber::new(year, sequence))
            .collect())
    }

    async fn apply(&self, change: ReportChange) -> Result<(), StoreError> {
        self.faults.check()?;
        let mut state = self.lock();
        let staged = state.stage(&change)?;
        state.reports.extend(staged);
        state
            .timeline
            .extend(change.timeline.into_iter().map(|mut entry| {
                entry.at = stored(entry.at);
                entry
            }));
        for rewrite in change.rewritten_timeline {
            if let Some(entry) = state
                .timeline
                .iter_mut()
                .find(|e| e.id == rewrite.id && e.report_id == rewrite.report_id)
            {
                entry.kind = rewrite.kind;
            }
        }
        state
            .supporters
            .extend(change.supporters.into_iter().map(|mut supporter| {
                supporter.at = stored(supporter.at);
                supporter
            }));
        state
            .outbox
            .extend(change.events.into_iter().map(|mut event| {
                event.occurred_at = stored(event.occurred_at);
                OutboxRow {
                    event,
                    published_at: None,
                    claimed_until: None,
                    attempts: 0,
                    last_error: None,
                }
            }));
        state
            .corrections
            .extend(change.corrections.into_iter().map(|mut correction| {
                correction.at = stored(correction.at);
                (correction.id, correction)
            }));
        // Still under the report lock, so no reader sees the reports without their audit.
        self.audit.append(change.audit);
        Ok(())
    }

    async fn get(&self, id: ReportId) -> Result<Option<Report>, StoreError> {
        self.faults.check()?;
        Ok(self.lock().reports.get(&id).cloned())
    }

    async fn sketches(&self, query: &ReportQuery) -> Result<Vec<ReportSketch>, StoreError> {
        Ok(self
            .list(query)
            .await?
            .items
            .iter()
            .map(ReportSketch::of)
            .collect())
    }

    async fn list(&self, query: &ReportQuery) -> Result<Page<Report>, StoreError> {
        self.faults.check()?;
        let limit = usize::try_from(query.limit.clamp(1, MAX_PAGE_SIZE)).unwrap_or(1);
        let text = query.text.as_deref().map(fold_for_search);
        let state = self.lock();
        // A cursor report that no longer exists ends the list, as in SQL.
        let after = match query.after {
            Some(id) => match state.reports.get(&id) {
                Some(cursor) => Some(cursor),
                None => {
                    return Ok(Page {
                        items: Vec::new(),
                        next: None,
                    })
                }
            },
            None => None,
        };
        let mut items: Vec<Report> = state
            .reports
            .values()
            .filter(|r| matches(query, text.as_deref(), r))
            .filter(|r| after.is_none_or(|c| query.order.compare(r, c).is_gt()))
            .cloned()
            .collect();
        items.sort_by(|a, b| query.order.compare(a, b));
        items.truncate(limit + 1);
        let next = if items.len() > limit {
            items.truncate(limit);
            items.last().map(|r| r.id)
        } else {
            None
        };
        Ok(Page { items, next })
    }

    async fn count_by_status(
        &self,
        query: &ReportQuery,
    ) -> Result<Vec<(ReportStatus, u64)>, StoreError> {
        self.faults.check()?;
        let query = ReportQuery {
            status: None,
            ..query.clone()
        };
        let text = query.text.as_deref().map(fold_for_search);
        let mut counts: BTreeMap<&'static str, (ReportStatus, u64)> = BTreeMap::new();
        for report in self
            .lock()
            .reports
            .values()
            .filter(|r| matches(&query, text.as_deref(), r))
        {
            counts
                .entry(report.status.as_str())
                .or_insert((report.status, 0))
                .1 += 1;
        }
        Ok(counts.into_values().collect())
    }

    async fn timeline(&self, id: ReportId) -> Result<Vec<TimelineEntry>, StoreError> {
        self.faults.check()?;
        let mut entries: Vec<TimelineEntry> = self
            .lock()
            .timeline
            .iter()
            .filter(|e| e.report_id == id)
            .cloned()
            .collect();
        // Oldest first; a stable sort keeps the order entries of one instant were appended in.
        entries.sort_by_key(|e| e.at);
        Ok(entries)
    }

    async fn supporters(&self, id: ReportId) -> Result<Vec<UserId>, StoreError> {
        self.faults.check()?;
        let mut supporters: Vec<Supporter> = self
            .lock()
            .supporters
            .iter()
            .filter(|s| s.report_id == id)
            .cloned()
            .collect();
        supporters.sort_by_key(|s| (s.at, s.user_id));
        Ok(supporters.into_iter().map(|s| s.user_id).collect())
    }

    async fn stats(&self, query: &StatsQuery, now: DateTime<Utc>) -> Result<Stats, StoreError> {
        self.faults.check()?;
        Ok(Stats::of_reports(self.lock().reports.values(), query, now))
    }

    async fn corrections(&self, query: &CorrectionQuery) -> Result<CorrectionPage, StoreError> {
        self.faults.check()?;
        let size = usize::try_from(query.limit.clamp(1, MAX_PAGE_SIZE)).unwrap_or(usize::MAX);
        let state = self.lock();
        // The report's text as it is now, as the SQL stores join it.
        let mut items: Vec<Correction> = state
            .corrections
            .values()
            .rev()
            .filter(|c| query.rule.is_none() || c.rule == query.rule)
            .filter(|c| query.before.is_none_or(|before| c.id < before))
            .take(size + 1)
            .filter_map(|c| {
                let report = state.reports.get(&c.report_id)?;
                Some(Correction {
                    number: report.number,
                    title: report.title.as_str().to_owned(),
                    description: report.description.as_str().to_owned(),
                    ..c.clone()
                })
            })
            .collect();
        let next = if items.len() > size {
            items.truncate(size);
            items.last().map(|c| c.id)
        } else {
            None
        };
        Ok(CorrectionPage { items, next })
    }

    async fn rule_precision(&self) -> Result<Vec<RulePrecision>, StoreError> {
        self.faults.check()?;
        let state = self.lock();
        let kept = state
            .reports
            .values()
            .filter_map(kept_rule)
            .map(|rule| RulePrecision {
                rule: rule.to_owned(),
                kept: 1,
                overridden: 0,
            });
        let judged = state.corrections.values().filter_map(|c| {
            let kept = c.kept_category();
            c.judged_rule().map(|rule| RulePrecision {
                rule: rule.to_owned(),
                kept: u64::from(kept),
                overridden: u64::from(!kept),
            })
        });
        Ok(RulePrecision::merge(kept.chain(judged)))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.faults.check()
    }
}

#[async_trait]
impl Outbox for MemoryReportStore {
    async fn claim(
        &self,
        now: DateTime<Utc>,
        lease: TimeDelta,
        limit: u32,
    ) -> Result<Vec<ClaimedEvent>, StoreError> {
        self.faults.check()?;
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let until = stored(now + lease);
        let mut state = self.lock();
        // A report whose earliest unpublished event is not in this batch is
        // skipped whole, so its events never overtake one another.
        let mut blocked: HashSet<ReportId> = HashSet::new();
        let mut claimed = Vec::new();
        for row in state
            .outbox
            .iter_mut()
            .filter(|row| row.published_at.is_none())
        {
            let report = row.event.report_id;
            let held = row.claimed_until.is_some_and(|until| until > now);
            if blocked.contains(&report) || held || claimed.len() == limit {
                blocked.insert(report);
                continue;
            }
            row.claimed_until = Some(until);
            claimed.push(ClaimedEvent {
                event: row.event.clone(),
                attempts: row.attempts,
            });
        }
        Ok(claimed)
    }

    async fn mark_published(&self, ids: &[Uuid], at: DateTime<Utc>) -> Result<(), StoreError> {
        self.faults.check()?;
        let mut state = self.lock();
        for row in state
            .outbox
            .iter_mut()
            .filter(|row| ids.contains(&row.event.id))
        {
            row.published_at.get_or_insert(stored(at));
            row.claimed_until = None;
        }
        Ok(())
    }

    async fn release(&self, ids: &[Uuid], error: &str) -> Result<(), StoreError> {
        self.faults.check()?;
        let mut state = self.lock();
        for row in state.outbox.iter_mut().filter(|row| {
            ids.contains(&row.event.id) && row.published_at.is_none() && row.claimed_until.is_some()
        }) {
            row.claimed_until = None;
            row.attempts = row.attempts.saturating_add(1);
            row.last_error = Some(error.to_owned());
        }
        Ok(())
    }

    async fn pending(&self) -> Result<u64, StoreError> {
        self.faults.check()?;
        let state = self.lock();
        let pending = state
            .outbox
            .iter()
            .filter(|row| row.published_at.is_none())
            .count();
        Ok(u64::try_from(pending).unwrap_or(u64::MAX))
    }

    async fn oldest_pending(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.faults.check()?;
        let state = self.lock();
        Ok(state
            .outbox
            .iter()
            .find(|row| row.published_at.is_none())
            .map(|row| row.event.occurred_at))
    }
}
