//! The report list query, built per request from the filters that are set.
//!
//! Location filters (`bbox`, `near`) go through the `report_locations`
//! R*Tree (see the migration): the query starts from the R*Tree's box search
//! and joins each hit to its report by integer key, so a map view over
//! 100,000+ reports reads only the reports in view. `CROSS JOIN` fixes that
//! join order (SQLite never reorders a CROSS JOIN); without it the planner
//! may walk every report newest first to avoid sorting. The other filters
//! use the `(column, id)` indexes, which yield rows already newest first.

use sinmungo_core::domain::geo::BoundingBox;
use sinmungo_core::domain::report::{Report, ReportId};
use sinmungo_core::ports::{Page, ReportQuery, Scope, StoreError, MAX_PAGE_SIZE};
use sqlx::sqlite::SqlitePool;
use sqlx::{QueryBuilder, Row, Sqlite};

use crate::codec::id_text;
use crate::error::store_error;
use crate::reports::{report_from_row, SELECT_REPORT};
use crate::SqliteStore;

/// Widens the R*Tree search box: its coordinates are 32-bit floats, so a
/// point exactly on the edge of a box could otherwise be missed. About 1 cm.
const SEARCH_MARGIN_DEGREES: f64 = 1e-7;

/// Reads one page: `limit + 1` rows, the extra one only telling that a next page exists.
pub(crate) async fn list(
    pool: &SqlitePool,
    query: &ReportQuery,
) -> Result<Page<Report>, StoreError> {
    // At most MAX_PAGE_SIZE, so the conversion cannot fail.
    let limit = usize::try_from(page_size(query)).unwrap_or(usize::MAX);
    let rows = build(query, "SELECT ")
        .build()
        .fetch_all(pool)
        .await
        .map_err(store_error)?;
    let mut items = rows
        .iter()
        .map(report_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let next = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|report| report.id)
    } else {
        None
    };
    Ok(Page { items, next })
}

impl SqliteStore {
    /// The `EXPLAIN QUERY PLAN` lines of the list query for `query`, to check its index use.
    pub async fn list_query_plan(&self, query: &ReportQuery) -> Result<Vec<String>, StoreError> {
        build(query, "EXPLAIN QUERY PLAN SELECT ")
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?
            .iter()
            .map(|row| row.try_get::<String, _>("detail").map_err(store_error))
            .collect()
    }
}

/// The page size asked for, within 1–[`MAX_PAGE_SIZE`].
fn page_size(query: &ReportQuery) -> u32 {
    query.limit.clamp(1, MAX_PAGE_SIZE)
}

/// The box the R*Tree is searched with: the bbox, the circle's bounding box,
/// or both intersected (an empty intersection simply finds nothing).
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

/// Starts every condition after the first with AND.
struct Conditions<'q, 'b> {
    builder: &'b mut QueryBuilder<'q, Sqlite>,
    any: bool,
}

impl<'q> Conditions<'q, '_> {
    fn and(&mut self, sql: &str) -> &mut QueryBuilder<'q, Sqlite> {
        self.builder
            .push(if self.any { " AND " } else { " WHERE " });
        self.any = true;
        self.builder.push(sql)
    }
}

fn build<'q>(query: &ReportQuery, select: &str) -> QueryBuilder<'q, Sqlite> {
    let mut builder = QueryBuilder::new(select);
    builder.push(&*SELECT_REPORT);
    let search = search_box(query);
    if search.is_some() {
        builder.push(" FROM report_locations AS g CROSS JOIN reports AS r ON r.seq = g.seq");
    } else {
        builder.push(" FROM reports AS r");
    }
    let mut conditions = Conditions {
        builder: &mut builder,
        any: false,
    };

    if let Some(area) = search {
        conditions
            .and("g.max_lat >= ")
            .push_bind(area.min_lat - SEARCH_MARGIN_DEGREES)
            .push(" AND g.min_lat <= ")
            .push_bind(area.max_lat + SEARCH_MARGIN_DEGREES)
            .push(" AND g.max_lng >= ")
            .push_bind(area.min_lng - SEARCH_MARGIN_DEGREES)
            .push(" AND g.min_lng <= ")
            .push_bind(area.max_lng + SEARCH_MARGIN_DEGREES);
    }
    match query.scope {
        Scope::Public => {
            conditions.and("r.visibility = 'public'");
        }
        Scope::PublicAndOwn(user) => {
            conditions
                .and("(r.visibility = 'public' OR r.reporter = ")
                .push_bind(id_text(user.0))
                .push(")");
        }
        Scope::Own(user) => {
            conditions.and("r.reporter = ").push_bind(id_text(user.0));
        }
        Scope::All => {}
    }
    if let Some(status) = query.status {
        conditions.and("r.status = ").push_bind(status.as_str());
    }
    if let Some(category) = &query.category {
        conditions
            .and("r.category = ")
            .push_bind(category.as_str().to_owned());
    }
    if let Some(priority) = query.priority {
        conditions.and("r.priority = ").push_bind(priority.as_str());
    }
    if let Some(department) = &query.department {
        conditions
            .and("r.department = ")
            .push_bind(department.as_str().to_owned());
    }
    if let Some(bbox) = query.bbox {
        // The exact test, inclusive of the edges like `BoundingBox::contains`.
        conditions
            .and("r.lat BETWEEN ")
            .push_bind(bbox.min_lat)
            .push(" AND ")
            .push_bind(bbox.max_lat)
            .push(" AND r.lng BETWEEN ")
            .push_bind(bbox.min_lng)
            .push(" AND ")
            .push_bind(bbox.max_lng);
    }
    if let Some(circle) = query.near {
        // Exactly `Circle::contains`, in the same order of operations.
        let (lat0, lng0) = (circle.centre.lat(), circle.centre.lng());
        let scale = circle.longitude_scale();
        conditions
            .and("(r.lat - ")
            .push_bind(lat0)
            .push(") * (r.lat - ")
            .push_bind(lat0)
            .push(") + ((r.lng - ")
            .push_bind(lng0)
            .push(") * ")
            .push_bind(scale)
            .push(") * ((r.lng - ")
            .push_bind(lng0)
            .push(") * ")
            .push_bind(scale)
            .push(") <= ")
            .push_bind(circle.squared_degree_threshold());
    }
    if let Some(text) = &query.text {
        // `*_folded` hold Rust's lowercase of the text, so this is the same
        // case folding as `str::to_lowercase` — Hangul included — and `%` or
        // `_` in the needle are plain characters (instr, not LIKE).
        let needle = text.to_lowercase();
        conditions
            .and("(instr(r.title_folded, ")
            .push_bind(needle.clone())
            .push(") > 0 OR instr(r.description_folded, ")
            .push_bind(needle)
            .push(") > 0)");
    }
    if let Some(ReportId(before)) = query.before {
        conditions.and("r.id < ").push_bind(id_text(before));
    }
    builder.push(" ORDER BY r.id DESC LIMIT ");
    builder.push_bind(i64::from(page_size(query)) + 1);
    builder
}
