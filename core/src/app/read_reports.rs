//! Reading reports and timelines, as the viewer may see them: private reports
//! hidden from other citizens, personal data masked, reporters anonymous.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::app::action::{load_visible, ActionError};
use crate::app::paging;
use crate::app::{Policy, Ports};
use crate::domain::access::{Actor, Denied};
use crate::domain::category::CategoryCode;
use crate::domain::department::DepartmentCode;
use crate::domain::geo::{BoundingBox, Circle};
use crate::domain::masking::Masking;
use crate::domain::priority::Priority;
use crate::domain::receipt::ReceiptNumber;
use crate::domain::report::{Report, ReportId};
use crate::domain::status::ReportStatus;
use crate::domain::timeline::{TimelineEntry, TimelineKind};
use crate::domain::user::Role;
use crate::domain::validation::{Collector, FieldError, Invalid};
use crate::ports::{
    Clock, ReportOrder, ReportQuery, ReportStore, Scope, StoreError, MAX_PAGE_SIZE,
};

/// A report as one viewer sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportView {
    /// The stored report (its text fields unmasked: use the view's).
    pub report: Report,
    /// Title, masked for the public.
    pub title: String,
    /// Description, masked for the public; withheld from the public (a
    /// Korean placeholder instead) while it may hold personal data that no
    /// officer has looked at, or after one kept it hidden.
    pub description: String,
    /// Whether `description` is the placeholder.
    pub description_withheld: bool,
    /// Address, masked for the public.
    pub address: Option<String>,
    /// Whether the viewer may see who reported it.
    pub reporter_visible: bool,
    /// Whether the viewer is an official, who sees internal notes (such as
    /// why triage fell back to the rules).
    pub official: bool,
    /// Past due and still open.
    pub overdue: bool,
}

/// A timeline as one viewer sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineView {
    /// Entries, oldest first, with internal comments removed, text masked and
    /// citizens' identities hidden where the viewer may not see them.
    pub entries: Vec<TimelineEntry>,
}

/// A list request as the client sent it (query-string values).
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    /// `status`
    pub status: Option<String>,
    /// `category`
    pub category: Option<String>,
    /// `priority`
    pub priority: Option<String>,
    /// `department`
    pub department: Option<String>,
    /// `bbox=minLng,minLat,maxLng,maxLat`
    pub bbox: Option<String>,
    /// `near=lat,lng`
    pub near: Option<String>,
    /// `radius_m`
    pub radius_m: Option<f64>,
    /// `q`
    pub q: Option<String>,
    /// `mine=true`
    pub mine: bool,
    /// `overdue=true`: open reports past their resolution deadline.
    pub overdue: bool,
    /// `queue=mine|department`: an official's open work, with counts per status.
    pub queue: Option<String>,
    /// `sort=-created` (newest first, the default) or `sort=priority,due`.
    pub sort: Option<String>,
    /// `cursor`
    pub cursor: Option<String>,
    /// `limit`
    pub limit: Option<u32>,
}

/// A page of reports as one viewer sees them.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportList {
    /// The reports, in the list's order.
    pub items: Vec<ReportView>,
    /// The cursor of the next page.
    pub next: Option<ReportId>,
    /// For a queue: how many of its reports are in each status (the
    /// `status` filter aside), for the badges.
    pub counts: Option<Vec<(ReportStatus, u64)>>,
}

/// A window of reports, as standard 311 clients ask for them (Open311's
/// `GET requests`): by receipt number, or by category, submission time and
/// open/closed, newest first, without pages.
#[derive(Debug, Clone, Default)]
pub struct WindowRequest {
    /// Receipt numbers; when any is given the other filters are ignored, and
    /// one that is not a receipt number matches nothing.
    pub numbers: Vec<String>,
    /// A category code.
    pub category: Option<String>,
    /// Submitted at or after this time; default: 90 days before `until`.
    pub since: Option<DateTime<Utc>>,
    /// Submitted at or before this time; default: now.
    pub until: Option<DateTime<Utc>>,
    /// `Some(true)`: open reports only; `Some(false)`: closed ones only.
    pub open: Option<bool>,
}

/// The longest a [`WindowRequest`] looks back by default, in days.
pub const WINDOW_DAYS: i64 = 90;

/// The most reports a [`WindowRequest`] answers.
pub const WINDOW_MAX: usize = 1000;

/// Whose work a queue shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Queue {
    /// Assigned to the official.
    Mine,
    /// The official's department's.
    Department,
}

/// Why a read failed.
#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    /// No such report, or not one this viewer may see.
    #[error("report not found")]
    NotFound,
    /// `mine=true` needs a signed-in user.
    #[error("sign in required")]
    SignInRequired,
    /// The viewer's role may not read this list.
    #[error("{0}")]
    Forbidden(&'static str),
    /// A query parameter is invalid.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The store is down.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A bug.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

impl From<StoreError> for ViewError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => Self::NotFound,
            StoreError::Unavailable(reason) => Self::Unavailable(reason),
            other => Self::Unknown(other.into()),
        }
    }
}

impl From<ActionError> for ViewError {
    fn from(error: ActionError) -> Self {
        match error {
            ActionError::NotFound => Self::NotFound,
            ActionError::SignInRequired => Self::SignInRequired,
            ActionError::Forbidden(reason) => Self::Forbidden(reason),
            ActionError::Invalid(invalid) => Self::Invalid(invalid),
            ActionError::Unavailable(reason) => Self::Unavailable(reason),
            // Reading leaves no blobs behind; the failure is what counts.
            ActionError::BlobsLeftBehind { error, .. } => Self::from(*error),
            other => Self::Unknown(anyhow::anyhow!(other.to_string())),
        }
    }
}

impl From<Denied> for ViewError {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::SignInRequired => Self::SignInRequired,
            Denied::Forbidden(reason) => Self::Forbidden(reason),
        }
    }
}

/// Reads reports.
#[derive(Clone)]
pub struct ReadReports {
    reports: Arc<dyn ReportStore>,
    clock: Arc<dyn Clock>,
    masking: Arc<Masking>,
}

impl std::fmt::Debug for ReadReports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadReports").finish_non_exhaustive()
    }
}

impl ReadReports {
    pub(crate) fn new(ports: &Ports, policy: &Policy) -> Self {
        Self {
            reports: ports.reports.clone(),
            clock: ports.clock.clone(),
            masking: policy.masking.clone(),
        }
    }

    /// One report.
    pub async fn get(&self, actor: &Actor, id: ReportId) -> Result<ReportView, ViewError> {
        let report = load_visible(self.reports.as_ref(), actor, id).await?;
        Ok(view(actor, report, self.clock.now(), &self.masking))
    }

    /// How `actor` sees a report it already holds (e.g. one it just submitted), without reading the store.
    pub fn view_of(&self, actor: &Actor, report: Report) -> ReportView {
        view(actor, report, self.clock.now(), &self.masking)
    }

    /// A report as stored, whoever may see it: for fanning one change out
    /// to many viewers, each shown only [`ReadReports::view_for`].
    pub async fn load(&self, id: ReportId) -> Result<Option<Report>, ViewError> {
        Ok(self.reports.get(id).await?)
    }

    /// How `actor` sees `report`, or `None` when they may not see it at all.
    pub fn view_for(&self, actor: &Actor, report: &Report) -> Option<ReportView> {
        actor
            .can_view(report)
            .then(|| view(actor, report.clone(), self.clock.now(), &self.masking))
    }

    /// A page of reports matching the filters, in the order asked (newest
    /// first unless `sort` says otherwise); a queue adds counts per status.
    pub async fn list(&self, actor: &Actor, request: ListRequest) -> Result<ReportList, ViewError> {
        let scope = match (actor, request.mine) {
            (Actor::Anonymous, true) => return Err(ViewError::SignInRequired),
            (Actor::User(p), true) => Scope::Own(p.id),
            (_, false) => scope_of(actor),
        };
        let now = self.clock.now();
        let (mut query, queue) = parse_query(scope, &request, now)?;
        if let Some(queue) = queue {
            let official = match actor {
                Actor::Anonymous => return Err(ViewError::SignInRequired),
                Actor::User(p) if p.role.is_official() => p,
                Actor::User(_) => {
                    return Err(ViewError::Forbidden(
                        "queues are for officials (담당 공무원만 볼 수 있습니다)",
                    ))
                }
            };
            query.scope = Scope::All;
            query.open_only = true;
            match queue {
                Queue::Mine => query.assignee = Some(official.id),
                Queue::Department => {
                    query.department = Some(official.department.clone().ok_or_else(|| {
                        Invalid::from(FieldError::new(
                            "queue",
                            "no_department",
                            "your account belongs to no department; ask an administrator (소속 부서가 없습니다)",
                        ))
                    })?);
                }
            }
        }
        let page = self.reports.list(&query).await?;
        let counts = match queue {
            Some(_) => Some(self.reports.count_by_status(&query).await?),
            None => None,
        };
        Ok(ReportList {
            items: page
                .items
                .into_iter()
                .map(|report| view(actor, report, now, &self.masking))
                .collect(),
            next: page.next,
            counts,
        })
    }

    /// The newest (at most [`WINDOW_MAX`]) reports in a window that `actor`
    /// may see, newest first.
    pub async fn window(
        &self,
        actor: &Actor,
        request: WindowRequest,
    ) -> Result<Vec<ReportView>, ViewError> {
        let now = self.clock.now();
        let mut query = ReportQuery::new(scope_of(actor));
        query.limit = MAX_PAGE_SIZE;
        if request.numbers.is_empty() {
            if let Some(raw) = request.category.as_deref().map(str::trim) {
                query.category = Some(CategoryCode::new(raw).map_err(Invalid::from)?);
            }
            let until = request.until.unwrap_or(now);
            query.created_until = request.until;
            query.created_since = Some(
                request
                    .since
                    .unwrap_or(until - chrono::TimeDelta::days(WINDOW_DAYS)),
            );
            match request.open {
                Some(true) => query.open_only = true,
                Some(false) => query.closed_only = true,
                None => {}
            }
        } else {
            query.numbers = request
                .numbers
                .iter()
                .filter_map(|raw| raw.trim().parse::<ReceiptNumber>().ok())
                .take(WINDOW_MAX)
                .collect();
            if query.numbers.is_empty() {
                return Ok(Vec::new());
            }
        }
        let mut found = Vec::new();
        loop {
            let page = self.reports.list(&query).await?;
            found.extend(
                page.items
                    .into_iter()
                    .map(|report| view(actor, report, now, &self.masking)),
            );
            match page.next {
                Some(next) if found.len() < WINDOW_MAX => query.after = Some(next),
                _ => break,
            }
        }
        found.truncate(WINDOW_MAX);
        Ok(found)
    }

    /// A report's timeline, as this viewer may see it.
    pub async fn timeline(&self, actor: &Actor, id: ReportId) -> Result<TimelineView, ViewError> {
        let report = load_visible(self.reports.as_ref(), actor, id).await?;
        let personal = actor.sees_personal_data(&report);
        let entries = self
            .reports
            .timeline(id)
            .await?
            .into_iter()
            .filter(|entry| {
                actor.sees_internal_notes()
                    || !matches!(entry.kind, TimelineKind::Comment { internal: true, .. })
            })
            .map(|entry| redact_entry(actor, personal, &self.masking, entry))
            .collect();
        Ok(TimelineView { entries })
    }
}

/// The reports `actor` may list: officials every report, citizens the
/// public ones and their own, anonymous callers the public ones.
pub(crate) fn scope_of(actor: &Actor) -> Scope {
    match actor {
        Actor::Anonymous => Scope::Public,
        Actor::User(p) if p.role.is_official() => Scope::All,
        Actor::User(p) => Scope::PublicAndOwn(p.id),
    }
}

/// What a viewer sees of a report: its text masked unless they may see
/// personal data.
pub(crate) fn view(
    actor: &Actor,
    report: Report,
    now: DateTime<Utc>,
    masking: &Masking,
) -> ReportView {
    let personal = actor.sees_personal_data(&report);
    let privacy = report.analysis.as_ref().map(|a| &a.privacy);
    let spans = privacy.map_or(&[][..], |p| p.spans.as_slice());
    let shown = |text: &str| {
        if personal {
            text.to_owned()
        } else {
            // What the LLM pointed at too: it read the text masked like this.
            mask_spans(&masking.mask(text), spans)
        }
    };
    let withheld = privacy
        .and_then(|p| p.withheld_description())
        .filter(|_| !personal);
    ReportView {
        title: shown(report.title.as_str()),
        description: withheld.map_or_else(|| shown(report.description.as_str()), str::to_owned),
        description_withheld: withheld.is_some(),
        address: report.address.as_ref().map(|a| shown(a.as_str())),
        reporter_visible: personal,
        official: actor.is_official(),
        overdue: report.is_overdue(now),
        report,
    }
}

/// `text` with every occurrence of each span starred out, one `*` a character.
fn mask_spans(text: &str, spans: &[String]) -> String {
    spans
        .iter()
        .filter(|span| !span.is_empty())
        .fold(text.to_owned(), |text, span| {
            text.replace(span.as_str(), &"*".repeat(span.chars().count()))
        })
}

/// Hides citizens' identities from other citizens and masks text for the public.
fn redact_entry(
    actor: &Actor,
    personal: bool,
    masking: &Masking,
    mut entry: TimelineEntry,
) -> TimelineEntry {
    let by_citizen = entry.actor_role == Some(Role::Citizen);
    if by_citizen && !actor.is_official() && entry.actor != actor.user_id() {
        entry.actor = None;
    }
    if !personal {
        match &mut entry.kind {
            TimelineKind::Comment { body, .. } => *body = masking.mask(body),
            TimelineKind::StatusChanged {
                note: Some(note), ..
            } => *note = masking.mask(note),
            _ => {}
        }
    }
    entry
}

fn parse_query(
    scope: Scope,
    request: &ListRequest,
    now: DateTime<Utc>,
) -> Result<(ReportQuery, Option<Queue>), Invalid> {
    let mut fields = Collector::default();
    let mut query = ReportQuery::new(scope);
    let present = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    if let Some(raw) = present(&request.status) {
        query.status = fields.take(ReportStatus::parse(&raw));
    }
    if let Some(raw) = present(&request.category) {
        query.category = fields.take(CategoryCode::new(&raw));
    }
    if let Some(raw) = present(&request.priority) {
        query.priority = fields.take(Priority::parse(&raw));
    }
    if let Some(raw) = present(&request.department) {
        query.department = fields.take(DepartmentCode::new(&raw));
    }
    if let Some(raw) = present(&request.bbox) {
        query.bbox = fields.take(BoundingBox::parse(&raw));
    }
    match present(&request.near) {
        Some(raw) => query.near = fields.take(Circle::parse(&raw, request.radius_m)),
        None if request.radius_m.is_some() => {
            fields.push(FieldError::new(
                "radius_m",
                "requires_near",
                "radius_m needs near=lat,lng",
            ));
        }
        None => {}
    }
    if let Some(raw) = present(&request.q) {
        if raw.chars().count() > 100 {
            fields.push(FieldError::new(
                "q",
                "too_long",
                "q must be at most 100 characters",
            ));
        } else {
            query.text = Some(raw);
        }
    }
    if request.overdue {
        query.overdue_at = Some(now);
    }
    let queue = match present(&request.queue).as_deref() {
        None => None,
        Some("mine") => Some(Queue::Mine),
        Some("department") => Some(Queue::Department),
        Some(_) => {
            fields.push(FieldError::new(
                "queue",
                "unknown_queue",
                "queue must be mine or department",
            ));
            None
        }
    };
    query.order = match present(&request.sort).as_deref() {
        None if queue.is_some() => ReportOrder::Queue,
        None | Some("-created") => ReportOrder::Newest,
        Some("priority,due") => ReportOrder::PriorityThenDue,
        Some(_) => {
            fields.push(FieldError::new(
                "sort",
                "unknown_sort",
                "sort must be -created (newest first) or priority,due",
            ));
            ReportOrder::Newest
        }
    };
    if let Some(raw) = present(&request.cursor) {
        query.after = fields.take(paging::cursor(&raw)).map(ReportId);
    }
    if let Some(limit) = request.limit {
        query.limit = fields.take(paging::limit(limit)).unwrap_or(query.limit);
    }
    fields.finish()?;
    Ok((query, queue))
}
