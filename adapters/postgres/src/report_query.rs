//! The report list query, built per request from the filters that are set.
//!
//! - Location filters (`bbox`, `near`) search the GiST index on
//!   `point(lng, lat)` with `point(r.lng, r.lat) <@ box(…)`: the bbox, the
//!   circle's bounding box, or both intersected. PostgreSQL's geometric
//!   operators compare with a tolerance of 1e-6, so the box search is a
//!   pre-filter and the exact tests (`BoundingBox::contains`,
//!   `Circle::contains`) run on `lat`/`lng` beside it.
//! - Text search (`q`) matches `LIKE '%needle%'` on the Rust-lowercased
//!   columns, served by their trigram GIN indexes for needles of 3+
//!   characters (Hangul included; see the migration).
//! - The other filters use the `(column, id)` B-trees, which yield rows
//!   already newest first; the cursor is `id < before`, so a page never
//!   shifts when newer reports arrive.

use sinmungo_core::domain::geo::BoundingBox;
use sinmungo_core::domain::report::{Report, ReportId};
use sinmungo_core::ports::{Page, ReportQuery, Scope, StoreError, MAX_PAGE_SIZE};
use sqlx::postgres::PgPool;
use sqlx::{Postgres, QueryBuilder, Row};

use crate::error::store_error;
use crate::reports::{report_from_row, SELECT_REPORT};
use crate::PostgresStore;

/// Reads one page: `limit + 1` rows, the extra one only telling that a next page exists.
pub(crate) async fn list(pool: &PgPool, query: &ReportQuery) -> Result<Page<Report>, StoreError> {
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

impl PostgresStore {
    /// The `EXPLAIN` text of the exact query `list` runs for `query`, on the
    /// pool `list` reads from, to check its index use.
    pub async fn list_query_plan(&self, query: &ReportQuery) -> Result<String, StoreError> {
        let lines = build(query, "EXPLAIN SELECT ")
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

/// The page size asked for, within 1–[`MAX_PAGE_SIZE`].
fn page_size(query: &ReportQuery) -> u32 {
    query.limit.clamp(1, MAX_PAGE_SIZE)
}

/// The box the index is searched with: the bbox, the circle's bounding box,
/// or both intersected. An empty intersection is searched as it comes out
/// (PostgreSQL normalises a box's corners); the exact tests then keep nothing.
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

/// The `LIKE` pattern that finds `text` anywhere, lowercased like the
/// `*_folded` columns, with `\`, `%` and `_` as plain characters (escaped
/// with `\`, the `ESCAPE` the query names).
pub(crate) fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '\\' | '%' | '_') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Starts every condition after the first with AND.
struct Conditions<'q, 'b> {
    builder: &'b mut QueryBuilder<'q, Postgres>,
    any: bool,
}

impl<'q> Conditions<'q, '_> {
    fn and(&mut self, sql: &str) -> &mut QueryBuilder<'q, Postgres> {
        self.builder
            .push(if self.any { " AND " } else { " WHERE " });
        self.any = true;
        self.builder.push(sql)
    }
}

fn build<'q>(query: &ReportQuery, select: &str) -> QueryBuilder<'q, Postgres> {
    let mut builder = QueryBuilder::new(select);
    builder.push(&*SELECT_REPORT);
    builder.push(" FROM reports AS r");
    let mut conditions = Conditions {
        builder: &mut builder,
        any: false,
    };

    if let Some(area) = search_box(query) {
        // The same expression as the index, `point(lng, lat)`: x is longitude.
        conditions
            .and("point(r.lng, r.lat) <@ box(point(")
            .push_bind(area.min_lng)
            .push(", ")
            .push_bind(area.min_lat)
            .push("), point(")
            .push_bind(area.max_lng)
            .push(", ")
            .push_bind(area.max_lat)
            .push("))");
    }
    match query.scope {
        Scope::Public => {
            conditions.and("r.visibility = 'public'");
        }
        Scope::PublicAndOwn(user) => {
            conditions
                .and("(r.visibility = 'public' OR r.reporter = ")
                .push_bind(user.0)
                .push(")");
        }
        Scope::Own(user) => {
            conditions.and("r.reporter = ").push_bind(user.0);
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
        // Exactly `Circle::contains`, in the same order of operations; the
        // scale is computed in Rust so both sides use the same cosine.
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
        let pattern = contains_pattern(text);
        conditions
            .and("(r.title_folded LIKE ")
            .push_bind(pattern.clone())
            .push(" ESCAPE '\\' OR r.description_folded LIKE ")
            .push_bind(pattern)
            .push(" ESCAPE '\\')");
    }
    if let Some(ReportId(before)) = query.before {
        conditions.and("r.id < ").push_bind(before);
    }
    builder.push(" ORDER BY r.id DESC LIMIT ");
    builder.push_bind(i64::from(page_size(query)) + 1);
    builder
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_escape_like_wildcards_and_fold_case() {
        assert_eq!(contains_pattern("PotHole"), "%pothole%");
        assert_eq!(contains_pattern("포트홀"), "%포트홀%");
        assert_eq!(contains_pattern("100%"), "%100\\%%");
        assert_eq!(contains_pattern("a_b"), "%a\\_b%");
        assert_eq!(contains_pattern("C:\\temp"), "%c:\\\\temp%");
    }
}
