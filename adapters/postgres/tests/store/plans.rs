//! The indexes behind map and text queries, checked with `EXPLAIN` on a
//! few thousand reports after `ANALYZE`.
//!
//! Map queries: the planner chooses the GiST index on its own at this size
//! (a box of ~0.4 % of 5,000 rows). Text search: at 5,000 rows the planner
//! prefers a sequential scan (cost ~270), or walking the primary key newest
//! first, to two freshly built GIN indexes (~1,000), so that test turns
//! `enable_seqscan` and `enable_indexscan` off on its store's connections
//! (bitmap scans stay on) and checks that the trigram indexes are *usable*
//! for Korean — and, with `EXPLAIN ANALYZE`, that they really narrow the
//! search. (At 100,000 rows, a word in 0.1 % of the titles, the planner
//! chooses the trigram indexes by itself; measured by hand, not tested here
//! to keep the suite fast.)

use sinmungo_core::domain::category::CategoryCode;
use sinmungo_core::domain::geo::{BoundingBox, Circle};
use sinmungo_core::ports::{ReportQuery, ReportStore, Scope};
use sqlx::PgConnection;

use sinmungo_postgres::{PostgresOptions, PostgresStore};

use crate::schema::{postgres_url, with_param, Schema};

const REPORTS: i64 = 5_000;

/// 5,000 reports on a 97 × 89 grid over Jeonbuk; every 100th is titled
/// `도로에 포트홀`, the others `가로등 고장 <n>`. Written with SQL, which is
/// much faster than 5,000 `apply`s and is all a plan test needs.
async fn populate(conn: &mut PgConnection) {
    sqlx::query(
        "INSERT INTO reports (id, number, title, description, title_folded, description_folded, \
             category, priority, status, lat, lng, jurisdiction_code, jurisdiction_name, \
             reporter, visibility, support_count, photos, due_at, created_at, updated_at, \
             status_changed_at, version, respond_by) \
         SELECT gen_random_uuid(), 'JB-2026-' || lpad(n::text, 6, '0'), t, '현장 확인 요청', \
             t, '현장 확인 요청', 'road_damage', 'normal', 'received', \
             35.3 + (n % 97) * 0.008, 126.0 + (n % 89) * 0.02, '35011', '전주시완산구', \
             gen_random_uuid(), 'public', 0, '[]', now(), now(), now(), now(), 1, now() \
         FROM generate_series(1, $1) AS n, \
             LATERAL (SELECT CASE WHEN n % 100 = 0 THEN '도로에 포트홀' \
                                  ELSE '가로등 고장 ' || n END AS t) AS title",
    )
    .bind(REPORTS)
    .execute(&mut *conn)
    .await
    .unwrap();
    sqlx::query("ANALYZE reports")
        .execute(&mut *conn)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn map_queries_search_the_gist_index_on_the_location() {
    let Some(url) = postgres_url() else { return };
    let schema = Schema::create(&url).await;
    let store = schema.store().await;
    populate(&mut schema.connection().await).await;

    let mut bbox = ReportQuery::new(Scope::Public);
    bbox.bbox = Some(BoundingBox::parse("127.0,35.80,127.1,35.85").unwrap());
    let plan = store.list_query_plan(&bbox).await.unwrap();
    assert!(plan.contains("reports_location"), "{plan}");
    assert!(!plan.contains("Seq Scan"), "{plan}");
    let found = ReportStore::list(&store, &bbox).await.unwrap();
    assert!(!found.items.is_empty(), "the box holds reports");
    // Looked for among the newest first: the primary key read backwards,
    // never the table scanned and sorted.
    let plan = store.newest_window_plan(&bbox).await.unwrap().unwrap();
    assert!(
        plan.contains("Index Scan Backward using reports_pkey"),
        "{plan}"
    );
    assert!(!plan.contains("Seq Scan"), "{plan}");

    let mut near = ReportQuery::new(Scope::All);
    near.near = Some(Circle::parse("35.8242,127.1480", Some(1_000.0)).unwrap());
    let plan = store.list_query_plan(&near).await.unwrap();
    assert!(plan.contains("reports_location"), "{plan}");
    assert!(!plan.contains("Seq Scan"), "{plan}");

    // The duplicate candidates of a submission (PossibleDuplicates): the
    // category's open reports in a 250 m circle, submitted within 30 days.
    // Every report here is an open road_damage one, so only the location narrows.
    let mut candidates = ReportQuery::new(Scope::All);
    candidates.category = Some(CategoryCode::new("road_damage").unwrap());
    candidates.near = Some(Circle::parse("35.8242,127.1480", Some(250.0)).unwrap());
    candidates.open_only = true;
    candidates.created_since = Some(chrono::Utc::now() - chrono::TimeDelta::days(30));
    candidates.limit = 100;
    let plan = store.list_query_plan(&candidates).await.unwrap();
    assert!(plan.contains("reports_location"), "{plan}");
    assert!(!plan.contains("Seq Scan"), "{plan}");

    // Without a filter the list walks the primary key newest first.
    let plan = store
        .list_query_plan(&ReportQuery::new(Scope::All))
        .await
        .unwrap();
    assert!(
        plan.contains("Index Scan Backward using reports_pkey"),
        "{plan}"
    );
}

/// The numbers in `actual … rows=N` of the plan line that mentions `index`.
fn actual_rows(plan: &str, index: &str) -> Vec<u64> {
    plan.lines()
        .filter(|line| line.contains(index))
        .filter_map(|line| line.split("actual ").nth(1))
        .filter_map(|actual| actual.split("rows=").nth(1))
        .filter_map(|rows| rows.split_whitespace().next())
        .filter_map(|rows| rows.parse().ok())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn korean_text_search_uses_the_trigram_indexes() {
    let Some(url) = postgres_url() else { return };
    let schema = Schema::create(&url).await;
    schema.store().await;
    let mut conn = schema.connection().await;
    populate(&mut conn).await;
    // Plain scans off on every connection of this store (see the module docs).
    let store = PostgresStore::connect(&PostgresOptions {
        url: with_param(
            &url,
            "options[enable_seqscan]=off&options[enable_indexscan]=off",
        ),
        ..schema.options()
    })
    .await
    .unwrap();

    // pg_trgm only makes trigrams of characters the locale calls
    // alphanumeric; for Hangul that holds under C.UTF-8 (the Debian
    // default) and the ko_KR/en_US UTF-8 locales. `포트홀` gives four.
    let (collate, trigrams): (String, i32) = sqlx::query_as(
        "SELECT datctype, cardinality(show_trgm('포트홀')) FROM pg_database \
         WHERE datname = current_database()",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        trigrams, 4,
        "Hangul makes trigrams under LC_CTYPE {collate}"
    );

    let mut query = ReportQuery::new(Scope::All);
    query.text = Some("포트홀".to_owned());
    let plan = store.list_query_plan(&query).await.unwrap();
    assert!(plan.contains("reports_title_trgm"), "{plan}");
    assert!(plan.contains("reports_description_trgm"), "{plan}");
    assert!(!plan.contains("Seq Scan"), "{plan}");
    let page = ReportStore::list(&store, &query).await.unwrap();
    assert_eq!(page.items.len(), 20, "a full page of the 50 matches");

    // The index narrows the search to the 50 matching titles: a GIN scan
    // without trigrams would return all 5,000 rows for a recheck.
    sqlx::query("SET enable_seqscan = off")
        .execute(&mut conn)
        .await
        .unwrap();
    let analyzed: Vec<String> = sqlx::query_scalar(
        "EXPLAIN (ANALYZE, COSTS OFF) SELECT id FROM reports \
         WHERE title_folded LIKE '%포트홀%' ESCAPE '\\'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let analyzed = analyzed.join("\n");
    let rows = actual_rows(&analyzed, "reports_title_trgm");
    assert_eq!(rows, [REPORTS as u64 / 100], "{analyzed}");
}
