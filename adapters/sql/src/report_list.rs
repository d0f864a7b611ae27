//! The report list query's semantics, once for both SQL stores: which
//! conditions a [`ReportQuery`] sets, in which order, and how a page is cut.
//!
//! A [`ListPlan`] holds the conditions and writes them, joined with `AND`,
//! into a dialect's query through [`ListSql`]. Only two are the dialect's own
//! SQL: the index search of an area (SQLite's R*Tree, PostgreSQL's GiST
//! index) and the text search (SQLite's `instr`, PostgreSQL's `LIKE` for the
//! trigram indexes). The others are plain SQL both dialects share, with
//! values each binds its own way.

use sinmungo_core::domain::geo::{BoundingBox, GeoPoint};
use sinmungo_core::domain::report::{Report, ReportId};
use sinmungo_core::domain::status::ReportStatus;
use sinmungo_core::domain::text::fold_for_search;
use sinmungo_core::ports::{
    Due, Page, ReportOrder, ReportQuery, ReportSketch, Scope, StoreError, MAX_PAGE_SIZE,
};

use crate::dialect::Dialect;
use crate::fetch::Fetch as _;
use crate::row::{FromSqlRow, RowReader};
use crate::value::{SqlValue, SqlWriter};

/// The condition of [`ReportStatus::is_open`](sinmungo_core::domain::status::ReportStatus::is_open).
const OPEN_STATUSES: &str = "r.status IN ('received', 'assigned', 'in_progress')";
/// Its negation: resolved, rejected, closed, duplicate.
const CLOSED_STATUSES: &str = "r.status NOT IN ('received', 'assigned', 'in_progress')";

/// The sort keys of [`ReportOrder::PriorityThenDue`] for the report `r`,
/// ascending: the priority's rank, the resolution deadline, the id.
const PRIORITY_KEYS_R: &str = "CASE r.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 \
    WHEN 'normal' THEN 2 ELSE 3 END, r.due_at, r.id";
/// [`PRIORITY_KEYS_R`] of the cursor report `c`.
const PRIORITY_KEYS_C: &str = "CASE c.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 \
    WHEN 'normal' THEN 2 ELSE 3 END, c.due_at, c.id";
/// The first sort key of [`ReportOrder::Queue`] for `r`: 0 when a clock was missed.
const BREACH_KEY_R: &str =
    "CASE WHEN r.response_breached_at IS NULL AND r.resolution_breached_at IS NULL THEN 1 ELSE 0 END";
/// [`BREACH_KEY_R`] of the cursor report `c`.
const BREACH_KEY_C: &str =
    "CASE WHEN c.response_breached_at IS NULL AND c.resolution_breached_at IS NULL THEN 1 ELSE 0 END";

/// A dialect's list query, as a [`ListPlan`] writes its `WHERE`, `ORDER BY`
/// and `LIMIT` into it.
pub trait ListSql: SqlWriter {
    /// Appends the index search of `area`, a pre-filter (see
    /// [`ListPlan::search_box`]).
    fn search_box(&mut self, area: BoundingBox);

    /// Appends the text condition of [`Condition::ContainsText`].
    fn contains_text(&mut self, needle: &str);
}

/// A piece of a plain condition: SQL text, or a value bound in its place.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// SQL text.
    Sql(&'static str),
    /// A parameter and its value.
    Bind(SqlValue),
}

/// One condition of the list query's `WHERE`, joined to the others with `AND`.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// SQL both dialects write alike.
    Plain(Vec<Piece>),
    /// The search text, folded like the `*_folded` columns
    /// ([`fold_for_search`]), is found in `title_folded` or `description_folded`;
    /// every character in it is literal.
    ContainsText(String),
}

/// What the list query of one [`ReportQuery`] asks, for a dialect to write.
#[derive(Debug, Clone, PartialEq)]
pub struct ListPlan {
    /// The box the area index is searched with, the first condition when set:
    /// the bbox, the circle's bounding box, or both intersected (an empty
    /// intersection finds nothing). A pre-filter: the exact tests are among
    /// the [`conditions`](Self::conditions).
    pub search_box: Option<BoundingBox>,
    /// The other conditions, in order.
    pub conditions: Vec<Condition>,
    /// The `ORDER BY`.
    pub order: ReportOrder,
    /// The `LIMIT`: one row more than the page, to tell that a next page exists.
    pub limit: i64,
}

impl ListPlan {
    /// The plan of `query`.
    pub fn new(query: &ReportQuery) -> Self {
        use Piece::{Bind, Sql};
        let mut conditions = Vec::new();
        let mut plain = |pieces: Vec<Piece>| conditions.push(Condition::Plain(pieces));
        match query.scope {
            Scope::Public => plain(vec![Sql("r.visibility = 'public'")]),
            Scope::PublicAndOwn(user) => plain(vec![
                Sql("(r.visibility = 'public' OR r.reporter = "),
                Bind(SqlValue::Uuid(Some(user.0))),
                Sql(")"),
            ]),
            Scope::Own(user) => plain(vec![
                Sql("r.reporter = "),
                Bind(SqlValue::Uuid(Some(user.0))),
            ]),
            Scope::All => {}
        }
        if let Some(status) = query.status {
            plain(vec![
                Sql("r.status = "),
                Bind(SqlValue::text(status.as_str())),
            ]);
        }
        if let Some(category) = &query.category {
            plain(vec![
                Sql("r.category = "),
                Bind(SqlValue::text(category.as_str())),
            ]);
        }
        if let Some(priority) = query.priority {
            plain(vec![
                Sql("r.priority = "),
                Bind(SqlValue::text(priority.as_str())),
            ]);
        }
        if let Some(department) = &query.department {
            plain(vec![
                Sql("r.department = "),
                Bind(SqlValue::text(department.as_str())),
            ]);
        }
        if let Some(assignee) = query.assignee {
            plain(vec![
                Sql("r.assignee = "),
                Bind(SqlValue::Uuid(Some(assignee.0))),
            ]);
        }
        match query.due {
            Some(Due::ResolvedBefore(at)) => plain(vec![
                Sql("r.status = 'resolved' AND r.status_changed_at < "),
                Bind(SqlValue::Time(Some(at))),
            ]),
            Some(Due::ResponseOverdue(at)) => plain(vec![
                Sql("r.status = 'received' AND r.response_breached_at IS NULL AND r.respond_by < "),
                Bind(SqlValue::Time(Some(at))),
            ]),
            Some(Due::ResolutionOverdue(at)) => plain(vec![
                Sql(OPEN_STATUSES),
                Sql(" AND r.resolution_breached_at IS NULL AND r.due_at < "),
                Bind(SqlValue::Time(Some(at))),
            ]),
            None => {}
        }
        if query.open_only {
            plain(vec![Sql(OPEN_STATUSES)]);
        }
        if let Some(at) = query.overdue_at {
            plain(vec![
                Sql(OPEN_STATUSES),
                Sql(" AND r.due_at < "),
                Bind(SqlValue::Time(Some(at))),
            ]);
        }
        if query.closed_only {
            plain(vec![Sql(CLOSED_STATUSES)]);
        }
        if let Some(since) = query.created_since {
            plain(vec![
                Sql("r.created_at >= "),
                Bind(SqlValue::Time(Some(since))),
            ]);
        }
        if let Some(until) = query.created_until {
            plain(vec![
                Sql("r.created_at <= "),
                Bind(SqlValue::Time(Some(until))),
            ]);
        }
        if let Some((first, rest)) = query.ids.split_first() {
            let mut pieces = vec![Sql("r.id IN ("), Bind(SqlValue::Uuid(Some(first.0)))];
            for id in rest {
                pieces.push(Sql(", "));
                pieces.push(Bind(SqlValue::Uuid(Some(id.0))));
            }
            pieces.push(Sql(")"));
            plain(pieces);
        }
        if let Some((first, rest)) = query.numbers.split_first() {
            let mut pieces = vec![
                Sql("r.number IN ("),
                Bind(SqlValue::text(first.to_string())),
            ];
            for number in rest {
                pieces.push(Sql(", "));
                pieces.push(Bind(SqlValue::text(number.to_string())));
            }
            pieces.push(Sql(")"));
            plain(pieces);
        }
        let real = |value: f64| Bind(SqlValue::Real(Some(value)));
        if let Some(bbox) = query.bbox {
            // The exact test, inclusive of the edges like `BoundingBox::contains`.
            plain(vec![
                Sql("r.lat BETWEEN "),
                real(bbox.min_lat),
                Sql(" AND "),
                real(bbox.max_lat),
                Sql(" AND r.lng BETWEEN "),
                real(bbox.min_lng),
                Sql(" AND "),
                real(bbox.max_lng),
            ]);
        }
        if let Some(circle) = query.near {
            // Exactly `Circle::contains`, in the same order of operations; the
            // scale is computed in Rust so every store uses the same cosine.
            let (lat0, lng0) = (circle.centre.lat(), circle.centre.lng());
            let scale = circle.longitude_scale();
            plain(vec![
                Sql("(r.lat - "),
                real(lat0),
                Sql(") * (r.lat - "),
                real(lat0),
                Sql(") + ((r.lng - "),
                real(lng0),
                Sql(") * "),
                real(scale),
                Sql(") * ((r.lng - "),
                real(lng0),
                Sql(") * "),
                real(scale),
                Sql(") <= "),
                real(circle.squared_degree_threshold()),
            ]);
        }
        if let Some(text) = &query.text {
            conditions.push(Condition::ContainsText(fold_for_search(text)));
        }
        if let Some(ReportId(after)) = query.after {
            let cursor = Bind(SqlValue::Uuid(Some(after)));
            conditions.push(Condition::Plain(match query.order {
                ReportOrder::Newest => vec![Sql("r.id < "), cursor],
                ReportOrder::PriorityThenDue => vec![
                    Sql("("),
                    Sql(PRIORITY_KEYS_R),
                    Sql(") > (SELECT "),
                    Sql(PRIORITY_KEYS_C),
                    Sql(" FROM reports AS c WHERE c.id = "),
                    cursor,
                    Sql(")"),
                ],
                ReportOrder::Queue => vec![
                    Sql("("),
                    Sql(BREACH_KEY_R),
                    Sql(", "),
                    Sql(PRIORITY_KEYS_R),
                    Sql(") > (SELECT "),
                    Sql(BREACH_KEY_C),
                    Sql(", "),
                    Sql(PRIORITY_KEYS_C),
                    Sql(" FROM reports AS c WHERE c.id = "),
                    cursor,
                    Sql(")"),
                ],
            }));
        }
        Self {
            search_box: search_box(query),
            conditions,
            order: query.order,
            limit: i64::from(page_size(query)) + 1,
        }
    }

    /// The plan of [`ReportStore::count_by_status`](sinmungo_core::ports::ReportStore::count_by_status):
    /// the query's filters but its status; no cursor.
    pub fn counting(query: &ReportQuery) -> Self {
        Self::new(&ReportQuery {
            status: None,
            after: None,
            ..query.clone()
        })
    }

    /// Counts per status from rows of `status, n`, by status name.
    pub fn counts<D: Dialect>(rows: &[D::Row]) -> Result<Vec<(ReportStatus, u64)>, StoreError> {
        let mut counts = rows
            .iter()
            .map(|row| {
                let r = RowReader::<D>::new(row, "reports");
                Ok((r.parse("status", ReportStatus::parse)?, r.count("n")?))
            })
            .collect::<Result<Vec<(ReportStatus, u64)>, StoreError>>()?;
        counts.sort_by_key(|(status, _)| status.as_str());
        Ok(counts)
    }

    /// Writes the conditions, the order and the limit, after the query's `FROM`.
    pub fn write<S: ListSql>(&self, sql: &mut S) {
        self.write_conditions(sql);
        self.write_order(sql);
        sql.push(" LIMIT ");
        sql.bind(SqlValue::Integer(Some(self.limit)));
    }

    /// Writes the `ORDER BY` of the list.
    pub fn write_order<S: ListSql>(&self, sql: &mut S) {
        match self.order {
            ReportOrder::Newest => sql.push(" ORDER BY r.id DESC"),
            ReportOrder::PriorityThenDue => {
                sql.push(" ORDER BY ");
                sql.push(PRIORITY_KEYS_R);
            }
            ReportOrder::Queue => {
                sql.push(" ORDER BY ");
                sql.push(BREACH_KEY_R);
                sql.push(", ");
                sql.push(PRIORITY_KEYS_R);
            }
        }
    }

    /// Writes the `WHERE` of the conditions (nothing when there are none),
    /// after the query's `FROM`.
    pub fn write_conditions<S: ListSql>(&self, sql: &mut S) {
        let mut keyword = " WHERE ";
        let mut and = |sql: &mut S| {
            sql.push(keyword);
            keyword = " AND ";
        };
        if let Some(area) = self.search_box {
            and(sql);
            sql.search_box(area);
        }
        for condition in &self.conditions {
            and(sql);
            match condition {
                Condition::Plain(pieces) => {
                    for piece in pieces {
                        match piece {
                            Piece::Sql(text) => sql.push(text),
                            Piece::Bind(value) => sql.bind(value.clone()),
                        }
                    }
                }
                Condition::ContainsText(needle) => sql.contains_text(needle),
            }
        }
    }

    /// The page of the rows read with this plan (selected with
    /// [`report_select_list`](crate::report::report_select_list)): at most
    /// the page size, with the cursor of the next page when there was an
    /// extra row.
    pub fn page<D: Dialect>(&self, rows: &[D::Row]) -> Result<Page<Report>, StoreError> {
        let mut items = rows
            .iter()
            .map(D::parse)
            .collect::<Result<Vec<Report>, _>>()?;
        // At most MAX_PAGE_SIZE, so the conversions cannot fail.
        let limit = usize::try_from(self.limit - 1).unwrap_or(usize::MAX);
        let next = if items.len() > limit {
            items.truncate(limit);
            items.last().map(|report| report.id)
        } else {
            None
        };
        Ok(Page { items, next })
    }
}

/// The select list of [`ReportSketch`]es of `reports AS r`, for the list's
/// `FROM` and [`ListPlan::write`].
pub const SKETCH_SELECT: &str = "r.id AS id, r.lat AS lat, r.lng AS lng, \
    r.created_at AS created_at, r.title_folded AS title_folded, \
    r.description_folded AS description_folded";

/// The sketches of the rows read with `plan` ([`SKETCH_SELECT`]): at most its page size.
pub fn sketches<D: Dialect>(
    plan: &ListPlan,
    rows: &[D::Row],
) -> Result<Vec<ReportSketch>, StoreError> {
    let page = usize::try_from(plan.limit - 1).unwrap_or(usize::MAX);
    rows.iter().take(page).map(D::parse).collect()
}

/// Parses a row selected with [`SKETCH_SELECT`].
impl<D: Dialect> FromSqlRow<D> for ReportSketch {
    fn from_row(row: &D::Row) -> Result<Self, StoreError> {
        let r = RowReader::<D>::new(row, "reports");
        let (lat, lng): (f64, f64) = (r.get("lat")?, r.get("lng")?);
        Ok(ReportSketch {
            id: ReportId(r.uuid("id")?),
            location: GeoPoint::new(lat, lng).map_err(|e| r.corrupt("lat/lng", e))?,
            created_at: r.time("created_at")?,
            title_folded: r.get("title_folded")?,
            description_folded: r.get("description_folded")?,
        })
    }
}

/// The page size asked for, within 1–[`MAX_PAGE_SIZE`].
fn page_size(query: &ReportQuery) -> u32 {
    query.limit.clamp(1, MAX_PAGE_SIZE)
}

/// The box the area index is searched with (see [`ListPlan::search_box`]).
fn search_box(query: &ReportQuery) -> Option<BoundingBox> {
    let circle_box = query.near.map(|circle| circle.bounding_box());
    match (query.bbox, circle_box) {
        (None, None) => None,
        (Some(b), None) | (None, Some(b)) => Some(b),
        (Some(a), Some(b)) => Some(BoundingBox {
            min_lat: a.min_lat.max(b.min_lat),
            min_lng: a.min_lng.max(b.min_lng),
            max_lat: a.max_lat.min(b.max_lat),
            max_lng: a.max_lng.min(b.max_lng),
        }),
    }
}

/// How many of the newest reports a [`NewestWindow`] reads per row of the page.
pub const WINDOW_ROWS_PER_PAGE_ROW: i64 = 100;

/// A map page looked for among the newest reports first.
///
/// The list of a box through the area index reads every report in the box
/// to order them newest first — in a city centre, thousands of rows
/// scattered through the table. But the first page of a dense box is among
/// the newest reports of all: the window reads the newest `limit × 100`
/// reports in order (one index, read backwards from the cursor) and keeps
/// the first `limit` in the box. When that fills the page and its extra row,
/// it is exactly the page the area index would give, because the window is
/// a prefix of the order; when it does not — a sparse box, a quiet
/// district — the dialect runs the area query as before.
///
/// Only queries whose every condition a narrow index can hold look there:
/// newest first, in an area, filtered by scope, status, category,
/// open/closed and the cursor.
#[derive(Debug, Clone, PartialEq)]
pub struct NewestWindow {
    /// The plan's conditions, order and limit, less the index pre-filter
    /// (the exact box and circle tests stay among the conditions).
    pub plan: ListPlan,
    /// The cursor: the window starts after it.
    pub after: Option<ReportId>,
    /// How many reports the window reads.
    pub rows: i64,
}

impl NewestWindow {
    /// The window of `query` (whose plan is `plan`), if it is a map query that looks there first.
    pub fn of(query: &ReportQuery, plan: &ListPlan) -> Option<Self> {
        // Every field named, so a new filter must be judged here.
        let ReportQuery {
            scope: _,
            status: _,
            category: _,
            open_only: _,
            closed_only: _,
            bbox: _,
            near: _,
            after,
            limit: _,
            priority,
            department,
            assignee,
            text,
            due,
            created_since,
            created_until,
            numbers,
            ids,
            overdue_at,
            order,
        } = query;
        let covered = priority.is_none()
            && department.is_none()
            && assignee.is_none()
            && text.is_none()
            && due.is_none()
            && created_since.is_none()
            && created_until.is_none()
            && numbers.is_empty()
            && ids.is_empty()
            && overdue_at.is_none();
        if !covered || *order != ReportOrder::Newest || plan.search_box.is_none() {
            return None;
        }
        Some(Self {
            plan: ListPlan {
                search_box: None,
                ..plan.clone()
            },
            after: *after,
            rows: plan.limit.saturating_mul(WINDOW_ROWS_PER_PAGE_ROW),
        })
    }

    /// Whether `found` rows answer the page: a full page and its extra row.
    pub fn is_conclusive(&self, found: usize) -> bool {
        i64::try_from(found).is_ok_and(|found| found >= self.plan.limit)
    }

    /// Writes the window's own tail after its `FROM reports`: the cursor,
    /// newest first, its size.
    pub fn write_window<S: ListSql>(&self, sql: &mut S) {
        if let Some(ReportId(after)) = self.after {
            sql.push(" WHERE id < ");
            sql.bind(SqlValue::Uuid(Some(after)));
        }
        sql.push(" ORDER BY id DESC LIMIT ");
        sql.bind(SqlValue::Integer(Some(self.rows)));
    }
}
