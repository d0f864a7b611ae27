//! The report list query, built per request from the filters that are set.
//!
//! Location filters (`bbox`, `near`) go through the `report_locations`
//! R*Tree (see the migration): the query starts from the R*Tree's box search
//! and joins each hit to its report by integer key, so a map view over
//! 100,000+ reports reads only the reports in view. `CROSS JOIN` fixes that
//! join order (SQLite never reorders a CROSS JOIN); without it the planner
//! may walk every report newest first to avoid sorting. The other filters
//! use the `(column, id)` indexes, which yield rows already newest first.
//!
//! A map page of a dense box is first looked for among the newest reports
//! (see [`NewestWindow`]): in a city centre the 20 newest in view are among
//! the newest few thousand of all, and those are read in order from one
//! narrow index instead of every report in the box from the table.

use sinmungo_core::domain::geo::BoundingBox;
use sinmungo_core::domain::report::{Report, ReportId};
use sinmungo_core::domain::status::ReportStatus;
use sinmungo_core::ports::{Page, ReportOrder, ReportQuery, ReportSketch, StoreError};
use sinmungo_sql::report_list::{self, ListPlan, ListSql, SKETCH_SELECT};
use sqlx::sqlite::SqlitePool;
use sqlx::{QueryBuilder, Row, Sqlite};

use crate::codec::{id_text, SqliteDialect, Writer};
use crate::error::store_error;
use crate::reports::SELECT_REPORT;
use crate::SqliteStore;

/// Widens the R*Tree search box: its coordinates are 32-bit floats, so a
/// point exactly on the edge of a box could otherwise be missed. About 1 cm.
const SEARCH_MARGIN_DEGREES: f64 = 1e-7;

/// How many of the newest reports [`NewestWindow`] reads per row of the page.
const WINDOW_ROWS_PER_PAGE_ROW: i64 = 100;

/// Reads one page: `limit + 1` rows, the extra one only telling that a next page exists.
pub(crate) async fn list(
    pool: &SqlitePool,
    query: &ReportQuery,
) -> Result<Page<Report>, StoreError> {
    let plan = ListPlan::new(query);
    if let Some(window) = NewestWindow::of(query, &plan) {
        let rows = window
            .build("SELECT ")
            .build()
            .fetch_all(pool)
            .await
            .map_err(store_error)?;
        if window.is_conclusive(rows.len()) {
            return plan.page::<SqliteDialect>(&rows);
        }
    }
    let rows = build(&plan, "SELECT ")
        .build()
        .fetch_all(pool)
        .await
        .map_err(store_error)?;
    plan.page::<SqliteDialect>(&rows)
}

/// The sketches of the page `query` lists: the same conditions, order and
/// limit as [`list`], a few columns instead of whole rows.
pub(crate) async fn sketches(
    pool: &SqlitePool,
    query: &ReportQuery,
) -> Result<Vec<ReportSketch>, StoreError> {
    let plan = ListPlan::new(query);
    let mut builder = QueryBuilder::new("SELECT ");
    builder.push(SKETCH_SELECT);
    from(&plan, &mut builder);
    plan.write(&mut Writer(&mut builder));
    let rows = builder.build().fetch_all(pool).await.map_err(store_error)?;
    report_list::sketches::<SqliteDialect>(&plan, &rows)
}

/// Counts the reports matching the query's filters per status (see
/// [`ListPlan::counting`]).
pub(crate) async fn count_by_status(
    pool: &SqlitePool,
    query: &ReportQuery,
) -> Result<Vec<(ReportStatus, u64)>, StoreError> {
    let plan = ListPlan::counting(query);
    let mut builder = QueryBuilder::new("SELECT r.status AS status, count(*) AS n");
    from(&plan, &mut builder);
    plan.write_conditions(&mut Writer(&mut builder));
    builder.push(" GROUP BY r.status");
    let rows = builder.build().fetch_all(pool).await.map_err(store_error)?;
    ListPlan::counts::<SqliteDialect>(&rows)
}

impl SqliteStore {
    /// The `EXPLAIN QUERY PLAN` lines of the list query for `query` through
    /// the R*Tree, to check its index use.
    pub async fn list_query_plan(&self, query: &ReportQuery) -> Result<Vec<String>, StoreError> {
        self.query_plan(build(&ListPlan::new(query), "EXPLAIN QUERY PLAN SELECT "))
            .await
    }

    /// The `EXPLAIN QUERY PLAN` lines of the list query for `query` among
    /// the newest reports, if it is one that looks there first.
    pub async fn newest_window_plan(
        &self,
        query: &ReportQuery,
    ) -> Result<Option<Vec<String>>, StoreError> {
        let plan = ListPlan::new(query);
        match NewestWindow::of(query, &plan) {
            Some(window) => Ok(Some(
                self.query_plan(window.build("EXPLAIN QUERY PLAN SELECT "))
                    .await?,
            )),
            None => Ok(None),
        }
    }

    async fn query_plan(
        &self,
        mut query: QueryBuilder<'_, Sqlite>,
    ) -> Result<Vec<String>, StoreError> {
        query
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?
            .iter()
            .map(|row| row.try_get::<String, _>("detail").map_err(store_error))
            .collect()
    }
}

/// A map page looked for among the newest reports first.
///
/// The list of a box through the R*Tree reads every report in the box to
/// order them newest first — in a city centre, thousands of whole rows
/// scattered through the table, each page of them read again after every
/// commit (see the note on WAL in docs/benchmarks.md). But the first page
/// of a dense box is among the newest reports of all: the window reads the
/// newest `limit × 100` reports, in order, from the narrow
/// `reports_newest_places` index (id, place, and the columns the scope and
/// the map's filters test), and keeps the first `limit` in the box. When
/// that fills the page (and its extra row), it is exactly the page the
/// R*Tree would give, because the window is a prefix of the order; when it
/// does not — a sparse box, a quiet district — the R*Tree query runs as
/// before.
///
/// Only queries whose every condition the index covers look there: newest
/// first, in an area, filtered by scope, status, category, open/closed and
/// the cursor.
#[derive(Debug)]
struct NewestWindow {
    /// The plan with its conditions, less the R*Tree's pre-filter (the
    /// exact box and circle tests stay among the conditions).
    plan: ListPlan,
    /// The cursor: the window starts after it.
    after: Option<ReportId>,
    /// How many index entries the window reads.
    rows: i64,
}

impl NewestWindow {
    fn of(query: &ReportQuery, plan: &ListPlan) -> Option<Self> {
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
    fn is_conclusive(&self, found: usize) -> bool {
        i64::try_from(found).is_ok_and(|found| found >= self.plan.limit)
    }

    /// The query: the keys from the window, then their rows read whole.
    fn build<'q>(&self, select: &str) -> QueryBuilder<'q, Sqlite> {
        let mut builder = QueryBuilder::new(select);
        builder.push(&*SELECT_REPORT);
        builder.push(
            " FROM reports AS r WHERE r.seq IN (SELECT r.seq FROM \
             (SELECT seq, id, lat, lng, visibility, reporter, status, category \
             FROM reports INDEXED BY reports_newest_places",
        );
        if let Some(ReportId(after)) = self.after {
            builder.push(" WHERE id < ").push_bind(id_text(after));
        }
        builder
            .push(" ORDER BY id DESC LIMIT ")
            .push_bind(self.rows)
            .push(") AS r");
        self.plan.write(&mut Writer(&mut builder));
        builder.push(")");
        self.plan.write_order(&mut Writer(&mut builder));
        builder
    }
}

/// The list query. Through the R*Tree, the page's keys are chosen first
/// and only its rows read whole: ordering every report in a dense box (3,000
/// in a square kilometre of a city centre) made SQLite copy each whole row
/// into its sorter to keep 20.
fn build<'q>(plan: &ListPlan, select: &str) -> QueryBuilder<'q, Sqlite> {
    let mut builder = QueryBuilder::new(select);
    builder.push(&*SELECT_REPORT);
    if plan.search_box.is_some() {
        builder.push(" FROM reports AS r WHERE r.seq IN (SELECT r.seq");
        from(plan, &mut builder);
        plan.write(&mut Writer(&mut builder));
        builder.push(")");
        plan.write_order(&mut Writer(&mut builder));
    } else {
        from(plan, &mut builder);
        plan.write(&mut Writer(&mut builder));
    }
    builder
}

/// The `FROM` of the plan: through the R*Tree when it searches an area.
fn from(plan: &ListPlan, builder: &mut QueryBuilder<'_, Sqlite>) {
    if plan.search_box.is_some() {
        builder.push(" FROM report_locations AS g CROSS JOIN reports AS r ON r.seq = g.seq");
    } else {
        builder.push(" FROM reports AS r");
    }
}

impl ListSql for Writer<'_, '_> {
    fn search_box(&mut self, area: BoundingBox) {
        self.0
            .push("g.max_lat >= ")
            .push_bind(area.min_lat - SEARCH_MARGIN_DEGREES)
            .push(" AND g.min_lat <= ")
            .push_bind(area.max_lat + SEARCH_MARGIN_DEGREES)
            .push(" AND g.max_lng >= ")
            .push_bind(area.min_lng - SEARCH_MARGIN_DEGREES)
            .push(" AND g.min_lng <= ")
            .push_bind(area.max_lng + SEARCH_MARGIN_DEGREES);
    }

    fn contains_text(&mut self, needle: &str) {
        // `*_folded` and the needle are folded alike (`fold_for_search`), and
        // `%` or `_` in the needle are plain characters (instr, not LIKE).
        self.0
            .push("(instr(r.title_folded, ")
            .push_bind(needle.to_owned())
            .push(") > 0 OR instr(r.description_folded, ")
            .push_bind(needle.to_owned())
            .push(") > 0)");
    }
}
