//! Reports: one `apply` per change, so a report, its timeline, its events
//! (the outbox) and its audit entries are written in one transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::audit::AuditEntry;
use crate::domain::category::CategoryCode;
use crate::domain::correction::{Correction, RulePrecision};
use crate::domain::department::DepartmentCode;
use crate::domain::event::EventEnvelope;
use crate::domain::geo::{BoundingBox, Circle, GeoPoint};
use crate::domain::priority::Priority;
use crate::domain::receipt::ReceiptNumber;
use crate::domain::report::{Report, ReportId};
use crate::domain::stats::{Stats, StatsQuery};
use crate::domain::status::ReportStatus;
use crate::domain::timeline::TimelineEntry;
use crate::domain::user::UserId;
use crate::ports::StoreError;

/// The largest page a list returns.
pub const MAX_PAGE_SIZE: u32 = 100;

/// One report written by a change.
#[derive(Debug, Clone, PartialEq)]
pub enum ReportWrite {
    /// A new report; its id and receipt number must be unused.
    Create(Report),
    /// A new state of an existing report, accepted only if the stored version
    /// is still `expected_version` ([`StoreError::VersionConflict`] otherwise).
    Update {
        /// The new state (its `version` is `expected_version + 1`).
        report: Report,
        /// The version the change was computed from.
        expected_version: u64,
    },
}

/// A user's "me too" on a report; once per user and report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Supporter {
    /// The report.
    pub report_id: ReportId,
    /// The supporter.
    pub user_id: UserId,
    /// When.
    pub at: DateTime<Utc>,
}

/// Everything one use case writes, applied all or nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportChange {
    /// Reports created or updated.
    pub writes: Vec<ReportWrite>,
    /// Timeline entries appended.
    pub timeline: Vec<TimelineEntry>,
    /// Timeline entries rewritten in place: each replaces the `kind` of the
    /// stored entry with its id and report (its time, author and place
    /// stay; [`StoreError::NotFound`] if there is none). Only retention
    /// rewrites history, to take personal data out of it.
    pub rewritten_timeline: Vec<TimelineEntry>,
    /// Supporters added ([`StoreError::AlreadyExists`] on a repeat).
    pub supporters: Vec<Supporter>,
    /// Events appended to the outbox, in order.
    pub events: Vec<EventEnvelope>,
    /// Audit entries appended.
    pub audit: Vec<AuditEntry>,
    /// Officers' corrections of triage kept (their ids must be unused).
    pub corrections: Vec<Correction>,
}

/// Which reports a viewer may list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Public reports only.
    Public,
    /// Public reports and this user's own private ones.
    PublicAndOwn(UserId),
    /// Only this user's own reports.
    Own(UserId),
    /// Every report (officials).
    All,
}

/// A list query; every filter is optional and they combine with AND.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportQuery {
    /// Visibility scope.
    pub scope: Scope,
    /// Status filter.
    pub status: Option<ReportStatus>,
    /// Category filter.
    pub category: Option<CategoryCode>,
    /// Priority filter.
    pub priority: Option<Priority>,
    /// Department filter.
    pub department: Option<DepartmentCode>,
    /// Assignee filter.
    pub assignee: Option<UserId>,
    /// Inside this box.
    pub bbox: Option<BoundingBox>,
    /// Inside this circle (see [`Circle`] for the distance every store uses).
    pub near: Option<Circle>,
    /// Substring of the title or description, compared after Unicode lower-casing
    /// ([`fold_for_search`](crate::domain::text::fold_for_search)); `%`, `_` and
    /// `\` are literal characters.
    pub text: Option<String>,
    /// Only reports a scheduled job is due to act on.
    pub due: Option<Due>,
    /// Only open reports (received, assigned, in progress).
    pub open_only: bool,
    /// Only closed reports (resolved, rejected, closed, duplicate).
    pub closed_only: bool,
    /// Only reports submitted at or after this time.
    pub created_since: Option<DateTime<Utc>>,
    /// Only reports submitted at or before this time.
    pub created_until: Option<DateTime<Utc>>,
    /// Only reports with one of these receipt numbers (empty: any number).
    pub numbers: Vec<ReceiptNumber>,
    /// Only these reports (empty: any report).
    pub ids: Vec<ReportId>,
    /// Only open reports past their resolution deadline at this time.
    pub overdue_at: Option<DateTime<Utc>>,
    /// The order of the list.
    pub order: ReportOrder,
    /// The cursor: only reports that come after this one in the order (the
    /// last report of the previous page). A page follows the cursor report's
    /// sort keys as they are now: a report that changed priority or deadline
    /// meanwhile may move to another page.
    pub after: Option<ReportId>,
    /// Page size, 1–[`MAX_PAGE_SIZE`]; stores clamp values outside that range.
    pub limit: u32,
}

impl ReportQuery {
    /// Everything in the scope, newest first, one default page.
    pub fn new(scope: Scope) -> Self {
        Self {
            scope,
            status: None,
            category: None,
            priority: None,
            department: None,
            assignee: None,
            bbox: None,
            near: None,
            text: None,
            due: None,
            open_only: false,
            closed_only: false,
            created_since: None,
            created_until: None,
            numbers: Vec::new(),
            ids: Vec::new(),
            overdue_at: None,
            order: ReportOrder::Newest,
            after: None,
            limit: 20,
        }
    }
}

/// The order of a report list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReportOrder {
    /// Newest first (submission order, by id).
    #[default]
    Newest,
    /// Most urgent first, then the earliest resolution deadline, then submission.
    PriorityThenDue,
    /// The officers' queue: reports with a missed clock first, then as
    /// [`PriorityThenDue`](Self::PriorityThenDue).
    Queue,
}

impl ReportOrder {
    /// How `a` and `b` compare in this order (`Less`: `a` is listed first).
    /// Ties end on the id, so the order is total and a cursor is exact.
    pub fn compare(self, a: &Report, b: &Report) -> std::cmp::Ordering {
        let deadline = |r: &Report| (r.priority.rank(), r.due_at, r.id);
        match self {
            Self::Newest => b.id.cmp(&a.id),
            Self::PriorityThenDue => deadline(a).cmp(&deadline(b)),
            Self::Queue => (!a.breached(), deadline(a)).cmp(&(!b.breached(), deadline(b))),
        }
    }
}

/// What a scheduled job looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// `resolved`, its status unchanged since before this time (auto-close).
    ResolvedBefore(DateTime<Utc>),
    /// Still `received` past `respond_by` at this time, not yet flagged.
    ResponseOverdue(DateTime<Utc>),
    /// Open past `due_at` at this time, not yet flagged.
    ResolutionOverdue(DateTime<Utc>),
}

impl Due {
    /// Whether `report` is due.
    pub fn covers(self, report: &Report) -> bool {
        match self {
            Self::ResolvedBefore(at) => {
                report.status == ReportStatus::Resolved && report.status_changed_at < at
            }
            Self::ResponseOverdue(at) => {
                report.status == ReportStatus::Received
                    && report.response_breached_at.is_none()
                    && report.respond_by < at
            }
            Self::ResolutionOverdue(at) => {
                report.status.is_open()
                    && report.resolution_breached_at.is_none()
                    && report.due_at < at
            }
        }
    }
}

/// One page of results, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// The cursor for the next page, if there is one.
    pub next: Option<ReportId>,
}

/// Which officers' corrections of triage to read, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrectionQuery {
    /// Only corrections of this rule's decisions.
    pub rule: Option<String>,
    /// Only those with ids below this one (the cursor: the last of the previous page).
    pub before: Option<uuid::Uuid>,
    /// Page size, 1–[`MAX_PAGE_SIZE`]; stores clamp values outside that range.
    pub limit: u32,
}

impl Default for CorrectionQuery {
    /// Every rule's, the newest page of 50.
    fn default() -> Self {
        Self {
            rule: None,
            before: None,
            limit: 50,
        }
    }
}

/// One page of corrections, newest (highest id) first.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrectionPage {
    /// The items.
    pub items: Vec<Correction>,
    /// The cursor for the next page, if there is one.
    pub next: Option<uuid::Uuid>,
}

/// A report as the duplicate search scores it ([`crate::domain::duplicates`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ReportSketch {
    /// The report.
    pub id: ReportId,
    /// Where.
    pub location: GeoPoint,
    /// When it was submitted.
    pub created_at: DateTime<Utc>,
    /// Its title, folded with [`fold_for_search`](crate::domain::text::fold_for_search).
    pub title_folded: String,
    /// Its description, folded likewise.
    pub description_folded: String,
}

impl ReportSketch {
    /// The sketch of `report`.
    pub fn of(report: &Report) -> Self {
        Self {
            id: report.id,
            location: report.location,
            created_at: report.created_at,
            title_folded: crate::domain::text::fold_for_search(report.title.as_str()),
            description_folded: crate::domain::text::fold_for_search(report.description.as_str()),
        }
    }
}

/// Stores reports, their timelines and supporters, and the outbox.
///
/// Times are kept to whole microseconds (finer digits are truncated).
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait ReportStore: Send + Sync {
    /// Allocates the next receipt number of `year` (numbers are never reused;
    /// a number allocated for a change that then fails leaves a gap).
    async fn next_receipt_number(&self, year: i32) -> Result<ReceiptNumber, StoreError>;

    /// Allocates the next `count` receipt numbers of `year` in one round
    /// trip, in ascending order (for a batch of reports; the same rules as
    /// [`next_receipt_number`](Self::next_receipt_number): never reused, so a
    /// batch that then fails leaves a gap; under concurrent callers they
    /// need not be consecutive).
    async fn next_receipt_numbers(
        &self,
        year: i32,
        count: u32,
    ) -> Result<Vec<ReceiptNumber>, StoreError>;

    /// Applies a change in one transaction: all of it, or nothing.
    ///
    /// An update, timeline entry, supporter or event naming a report that
    /// neither exists nor is created by the same change is [`StoreError::NotFound`].
    async fn apply(&self, change: ReportChange) -> Result<(), StoreError>;

    /// What the duplicate search scores of the reports `query` lists (its
    /// order, cursor and page size): a few columns, so scoring a
    /// hundred candidates does not read a hundred whole reports.
    async fn sketches(&self, query: &ReportQuery) -> Result<Vec<ReportSketch>, StoreError>;

    /// One report by id, whoever may see it.
    async fn get(&self, id: ReportId) -> Result<Option<Report>, StoreError>;

    /// A page of reports in the query's order.
    async fn list(&self, query: &ReportQuery) -> Result<Page<Report>, StoreError>;

    /// How many reports match the query's filters, per status (statuses with
    /// none left out), for the badges of a list: the query's `status`,
    /// cursor, order and limit are ignored.
    async fn count_by_status(
        &self,
        query: &ReportQuery,
    ) -> Result<Vec<(ReportStatus, u64)>, StoreError>;

    /// A report's timeline, oldest first.
    async fn timeline(&self, id: ReportId) -> Result<Vec<TimelineEntry>, StoreError>;

    /// Who supported a report ("me too"), earliest first (one instant's by user id).
    async fn supporters(&self, id: ReportId) -> Result<Vec<UserId>, StoreError>;

    /// Statistics of the reports `query` selects, the backlog aged at `now`
    /// (the definitions are [`crate::domain::stats`]'s), computed by the
    /// store in a few aggregate queries.
    async fn stats(&self, query: &StatsQuery, now: DateTime<Utc>) -> Result<Stats, StoreError>;

    /// A page of officers' corrections of triage, newest (highest id) first.
    async fn corrections(&self, query: &CorrectionQuery) -> Result<CorrectionPage, StoreError>;

    /// Per rule, how often officers kept its decision and how often they
    /// overrode it (the definitions are [`RulePrecision`]'s: reports still
    /// `received` count for neither), one row per rule by name.
    async fn rule_precision(&self) -> Result<Vec<RulePrecision>, StoreError>;

    /// Whether the store answers (for readiness checks).
    async fn ping(&self) -> Result<(), StoreError>;
}
