//! The report list query, built per request from the filters that are set.
//!
//! - Location filters (`bbox`, `near`) search the GiST index on
//!   `point(lng, lat)` with `point(r.lng, r.lat) <@ box(…)`: the bbox, the
//!   circle's bounding box, or both intersected. PostgreSQL's geometric
//!   operators compare with a tolerance of 1e-6, so the box search is a
//!   pre-filter and the exact tests (`BoundingBox::contains`,
//!   `Circle::contains`) run on `lat`/`lng` beside it.
//! - Text search (`q`) matches `LIKE '%needle%'` on the folded (`fold_for_search`)
//!   columns, served by their trigram GIN indexes for needles of 3+
//!   characters (Hangul included; see the migration).
//! - The other filters use the `(column, id)` B-trees, which yield rows
//!   already newest first; the cursor is `id < before`, so a page never
//!   shifts when newer reports arrive.
//! - A map page is first looked for among the newest reports
//!   ([`NewestWindow`]): the primary key read backwards from the cursor, the
//!   box tested on each row, stopping at a full page — in a dense box far
//!   fewer rows than the GiST search finds and sorts.

use sinmungo_core::domain::geo::BoundingBox;
use sinmungo_core::domain::report::Report;
use sinmungo_core::domain::status::ReportStatus;
use sinmungo_core::ports::{Page, ReportQuery, ReportSketch, StoreError};
use sinmungo_sql::report_list::{self, ListPlan, ListSql, NewestWindow, SKETCH_SELECT};
use sqlx::postgres::PgPool;
use sqlx::{Postgres, QueryBuilder, Row};

use crate::codec::{PgDialect, Writer};
use crate::error::store_error;
use crate::reports::SELECT_REPORT;
use crate::PostgresStore;

// The list and count queries are never prepared once and reused (`persistent(false)`):
// a prepared statement is planned for its values five times, then PostgreSQL
// may settle on one generic plan for any values, and the best plan here
// depends on them — a map box of a street or of the province, a rare
// category or every report. A generic plan settled on while the table was
// small once took the submit's duplicate search from 0.2 to 3 ms a call.

/// Reads one page: `limit + 1` rows, the extra one only telling that a next page exists.
pub(crate) async fn list(pool: &PgPool, query: &ReportQuery) -> Result<Page<Report>, StoreError> {
    let plan = ListPlan::new(query);
    if let Some(window) = NewestWindow::of(query, &plan) {
        // Its plan never depends on the values: the primary key, backwards.
        let rows = build_window(&window, "SELECT ")
            .build()
            .fetch_all(pool)
            .await
            .map_err(store_error)?;
        if window.is_conclusive(rows.len()) {
            return plan.page::<PgDialect>(&rows);
        }
    }
    // A list of given reports is a primary-key lookup whatever the ids:
    // one plan serves every call.
    let rows = build(&plan, "SELECT ")
        .build()
        .persistent(!query.ids.is_empty())
        .fetch_all(pool)
        .await
        .map_err(store_error)?;
    plan.page::<PgDialect>(&rows)
}

/// The sketches of the page `query` lists: the same conditions, order and
/// limit as [`list`], a few columns instead of whole rows.
///
/// Unlike the list, this statement is prepared once per connection: it runs
/// on every submit, where planning it each time cost more than running it.
/// A plan kept for any values must not depend on them, so the area search
/// (a duplicate search is never wider than a kilometre) is fenced off first
/// (`OFFSET 0`) and always runs on the location index; a generic plan free to
/// choose had started from every report of the category instead.
pub(crate) async fn sketches(
    pool: &PgPool,
    query: &ReportQuery,
) -> Result<Vec<ReportSketch>, StoreError> {
    let mut plan = ListPlan::new(query);
    let mut builder = QueryBuilder::new("SELECT ");
    builder.push(SKETCH_SELECT);
    match plan.search_box.take() {
        Some(area) => {
            builder.push(" FROM (SELECT * FROM reports AS r WHERE ");
            Writer(&mut builder).search_box(area);
            builder.push(" OFFSET 0) AS r");
        }
        None => from(&plan, &mut builder),
    }
    plan.write(&mut Writer(&mut builder));
    let rows = builder.build().fetch_all(pool).await.map_err(store_error)?;
    report_list::sketches::<PgDialect>(&plan, &rows)
}

/// Counts the reports matching the query's filters per status (see
/// [`ListPlan::counting`]).
pub(crate) async fn count_by_status(
    pool: &PgPool,
    query: &ReportQuery,
) -> Result<Vec<(ReportStatus, u64)>, StoreError> {
    let plan = ListPlan::counting(query);
    let mut builder = QueryBuilder::new("SELECT r.status AS status, count(*) AS n");
    from(&plan, &mut builder);
    plan.write_conditions(&mut Writer(&mut builder));
    builder.push(" GROUP BY r.status");
    let rows = builder
        .build()
        .persistent(false)
        .fetch_all(pool)
        .await
        .map_err(store_error)?;
    ListPlan::counts::<PgDialect>(&rows)
}

impl PostgresStore {
    /// The `EXPLAIN` text of the exact query `list` runs for `query` through
    /// the location index, on the pool `list` reads from, to check its index use.
    pub async fn list_query_plan(&self, query: &ReportQuery) -> Result<String, StoreError> {
        self.explain(build(&ListPlan::new(query), "EXPLAIN SELECT "))
            .await
    }

    /// The `EXPLAIN` text of the list query for `query` among the newest
    /// reports, if it is one that looks there first.
    pub async fn newest_window_plan(
        &self,
        query: &ReportQuery,
    ) -> Result<Option<String>, StoreError> {
        let plan = ListPlan::new(query);
        match NewestWindow::of(query, &plan) {
            Some(window) => Ok(Some(
                self.explain(build_window(&window, "EXPLAIN SELECT "))
                    .await?,
            )),
            None => Ok(None),
        }
    }

    async fn explain(&self, mut query: QueryBuilder<'_, Postgres>) -> Result<String, StoreError> {
        let lines = query
            .build()
            .fetch_all(&self.reader)
            .await
            .map_err(store_error)?
            .iter()
            .map(|row| row.try_get::<String, _>(0).map_err(store_error))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(lines.join("\n"))
    }
}

/// The query of a [`NewestWindow`]: the newest reports from the cursor on
/// (the primary key read backwards), the page's conditions tested on each.
/// The window's `LIMIT` keeps the conditions out of it, so they filter what
/// it yields, and the outer `LIMIT` stops the scan at a full page.
fn build_window<'q>(window: &NewestWindow, select: &str) -> QueryBuilder<'q, Postgres> {
    let mut builder = QueryBuilder::new(select);
    builder.push(&*SELECT_REPORT);
    builder.push(" FROM (SELECT * FROM reports");
    window.write_window(&mut Writer(&mut builder));
    builder.push(") AS r");
    window.plan.write(&mut Writer(&mut builder));
    builder
}

/// The `LIKE` pattern that finds the folded `needle` anywhere, with `\`, `%`
/// and `_` as plain characters (escaped with `\`, the `ESCAPE` the query names).
pub(crate) fn contains_pattern(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in needle.chars() {
        if matches!(c, '\\' | '%' | '_') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

fn build<'q>(plan: &ListPlan, select: &str) -> QueryBuilder<'q, Postgres> {
    let mut builder = QueryBuilder::new(select);
    builder.push(&*SELECT_REPORT);
    from(plan, &mut builder);
    plan.write(&mut Writer(&mut builder));
    builder
}

/// The `FROM` of every plan (the GiST search is a condition).
fn from(_plan: &ListPlan, builder: &mut QueryBuilder<'_, Postgres>) {
    builder.push(" FROM reports AS r");
}

impl ListSql for Writer<'_, '_> {
    fn search_box(&mut self, area: BoundingBox) {
        // The same expression as the index, `point(lng, lat)`: x is longitude.
        // An empty intersection is searched as it comes out (PostgreSQL
        // normalises a box's corners); the exact tests then keep nothing.
        self.0
            .push("point(r.lng, r.lat) <@ box(point(")
            .push_bind(area.min_lng)
            .push(", ")
            .push_bind(area.min_lat)
            .push("), point(")
            .push_bind(area.max_lng)
            .push(", ")
            .push_bind(area.max_lat)
            .push("))");
    }

    fn contains_text(&mut self, needle: &str) {
        let pattern = contains_pattern(needle);
        self.0
            .push("(r.title_folded LIKE ")
            .push_bind(pattern.clone())
            .push(" ESCAPE '\\' OR r.description_folded LIKE ")
            .push_bind(pattern)
            .push(" ESCAPE '\\')");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sinmungo_core::domain::text::fold_for_search;

    #[test]
    fn patterns_escape_like_wildcards_and_fold_case() {
        let contains_pattern = |text: &str| contains_pattern(&fold_for_search(text));
        assert_eq!(contains_pattern("PotHole"), "%pothole%");
        assert_eq!(contains_pattern("포트홀"), "%포트홀%");
        assert_eq!(contains_pattern("100%"), "%100\\%%");
        assert_eq!(contains_pattern("a_b"), "%a\\_b%");
        assert_eq!(contains_pattern("C:\\temp"), "%c:\\\\temp%");
    }
}
