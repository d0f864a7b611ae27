//! Map pages looked for among the newest reports first (`NewestWindow`):
//! the same pages as through the GiST index, and the index search still
//! taken when the window does not fill a page.

use sinmungo_core::domain::geo::{BoundingBox, GeoPoint};
use sinmungo_core::domain::report::Report;
use sinmungo_core::ports::{ReportQuery, ReportStore, Scope};
use sinmungo_postgres::PostgresStore;

use crate::fixtures::{report, submission};
use crate::schema::{postgres_url, Schema};

/// Submits `count` reports numbered from `first`, each at `place`.
async fn submit_at(store: &PostgresStore, first: u32, count: u32, place: GeoPoint) {
    for n in first..first + count {
        let report = Report {
            location: place,
            ..report(n)
        };
        store.apply(submission(report)).await.unwrap();
    }
}

fn jeonju() -> GeoPoint {
    GeoPoint::new(35.8242, 127.1480).unwrap()
}

fn gunsan() -> GeoPoint {
    GeoPoint::new(35.9676, 126.7366).unwrap()
}

/// The public map of a 0.01° box around central Jeonju, `limit` a page.
fn jeonju_map(limit: u32) -> ReportQuery {
    let mut query = ReportQuery::new(Scope::Public);
    query.bbox = Some(BoundingBox::parse("127.143,35.819,127.153,35.829").unwrap());
    query.limit = limit;
    query
}

/// Every page `query` lists, following the cursor, as numbers.
async fn pages(store: &PostgresStore, mut query: ReportQuery) -> Vec<Vec<u32>> {
    let mut pages = Vec::new();
    loop {
        let page = ReportStore::list(store, &query).await.unwrap();
        pages.push(page.items.iter().map(|r| r.number.sequence()).collect());
        match page.next {
            Some(next) => query.after = Some(next),
            None => return pages,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dense_box_pages_newest_first_through_the_newest_window() {
    let Some(url) = postgres_url() else { return };
    let schema = Schema::create(&url).await;
    let store = schema.store().await;
    // Interleaved: 1–20 in the box, 21–40 in Gunsan, 41–60 in the box.
    submit_at(&store, 1, 20, jeonju()).await;
    submit_at(&store, 21, 20, gunsan()).await;
    submit_at(&store, 41, 20, jeonju()).await;

    // (Its index use is checked on 5,000 analysed reports in `plans`.)
    assert!(store
        .newest_window_plan(&jeonju_map(15))
        .await
        .unwrap()
        .is_some());
    let expected: Vec<u32> = (41..=60).rev().chain((1..=20).rev()).collect();
    assert_eq!(
        pages(&store, jeonju_map(15)).await,
        [
            expected[..15].to_vec(),
            expected[15..30].to_vec(),
            expected[30..].to_vec()
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sparse_box_still_finds_reports_older_than_the_window() {
    let Some(url) = postgres_url() else { return };
    let schema = Schema::create(&url).await;
    let store = schema.store().await;
    // A page of one reads a window of the 200 newest reports: the five in
    // the box are older than all of them, so only the GiST search finds them.
    submit_at(&store, 1, 5, jeonju()).await;
    submit_at(&store, 6, 250, gunsan()).await;
    assert_eq!(
        pages(&store, jeonju_map(1)).await,
        [[5], [4], [3], [2], [1]]
    );
}
