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
//! ([`NewestWindow`]): in a city centre the 20 newest in view are among the
//! newest few thousand of all, and those are read in order from one narrow
//! index (`reports_newest_places`) instead of every report in the box from
//! the table.

use sinmungo_core::domain::geo::BoundingBox;
use sinmungo_core::domain::report::Report;
use sinmungo_core::domain::status::ReportStatus;
use sinmungo_core::ports::{Page, ReportQuery, ReportSketch, StoreError};
use sinmungo_sql::report_list::{self, ListPlan, ListSql, NewestWindow, SKETCH_SELECT};
use sqlx::sqlite::SqlitePool;
use sqlx::{QueryBuilder, Row, Sqlite};

use crate::codec::{SqliteDialect, Writer};
use crate::error::store_error;
use crate::reports::SELECT_REPORT;
use crate::SqliteStore;

/// Widens the R*Tree search box: its coordinates are 32-bit floats, so a
/// point exactly on the edge of a box could otherwise be missed. About 1 cm.
const SEARCH_MARGIN_DEGREES: f64 = 1e-7;

/// Reads one page: `limit + 1` rows, the extra one only telling that a next page exists.
pub(crate) async fn list(
    pool: &SqlitePool,
    query: &ReportQuery,
) -> Result<Page<Report>, StoreError> {
    let plan = ListPlan::new(query);
    if let Some(window) = NewestWindow::of(query, &plan) {
        let rows = build_window(&window, "SELECT ")
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
                self.query_plan(build_window(&window, "EXPLAIN QUERY PLAN SELECT "))
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

/// The query of a [`NewestWindow`]: the keys from the newest entries of
/// the narrow `reports_newest_places` index (id, place, and the columns the
/// scope and the map's filters test), then their rows read whole.
fn build_window<'q>(window: &NewestWindow, select: &str) -> QueryBuilder<'q, Sqlite> {
    let mut builder = QueryBuilder::new(select);
    builder.push(&*SELECT_REPORT);
    builder.push(
        " FROM reports AS r WHERE r.seq IN (SELECT r.seq FROM \
         (SELECT seq, id, lat, lng, visibility, reporter, status, category \
         FROM reports INDEXED BY reports_newest_places",
    );
    window.write_window(&mut Writer(&mut builder));
    builder.push(") AS r");
    window.plan.write(&mut Writer(&mut builder));
    builder.push(")");
    window.plan.write_order(&mut Writer(&mut builder));
    builder
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
