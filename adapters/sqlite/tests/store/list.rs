//! Listing reports: every filter, the cursor, and the index behind map queries.

use sinmungo_core::domain::category::CategoryCode;
use sinmungo_core::domain::department::DepartmentCode;
use sinmungo_core::domain::geo::{BoundingBox, Circle, GeoPoint};
use sinmungo_core::domain::priority::Priority;
use sinmungo_core::domain::report::{Report, Visibility};
use sinmungo_core::domain::status::ReportStatus;
use sinmungo_core::domain::text::{Description, ReportTitle};
use sinmungo_core::ports::{ReportQuery, ReportStore, Scope};
use sinmungo_sqlite::SqliteStore;

use crate::fixtures::{citizen, fresh, report, report_id, submit_all};

/// Five reports that differ in every filtered field:
/// 1 — public, Jeonju, c1; 2 — private streetlight in Gunsan, c2;
/// 3 — public urgent dumping in Namwon, c2, no department;
/// 4 — private, 330 m north of 1, c1; 5 — public, 1.1 km north of 1, c1.
fn five() -> Vec<Report> {
    let one = report(1);
    let mut two = report(2);
    two.visibility = Visibility::Private;
    two.reporter = citizen(2);
    two.category = CategoryCode::new("streetlight").unwrap();
    two.department = Some(DepartmentCode::new("streetlight_management").unwrap());
    two.priority = Priority::High;
    two.status = ReportStatus::Assigned;
    two.location = GeoPoint::new(35.9676, 126.7366).unwrap();
    two.title = ReportTitle::new("Streetlight OUT near 시청").unwrap();
    let mut three = report(3);
    three.reporter = citizen(2);
    three.category = CategoryCode::new("illegal_dumping").unwrap();
    three.priority = Priority::Urgent;
    three.status = ReportStatus::InProgress;
    three.department = None;
    three.location = GeoPoint::new(35.4164, 127.3905).unwrap();
    three.title = ReportTitle::new("무단투기").unwrap();
    three.description = Description::new("쓰레기 100% 무단투기_현장").unwrap();
    let mut four = report(4);
    four.visibility = Visibility::Private;
    four.location = GeoPoint::new(35.8272, 127.1480).unwrap();
    let mut five = report(5);
    five.location = GeoPoint::new(35.8342, 127.1480).unwrap();
    vec![one, two, three, four, five]
}

async fn with_five() -> (tempfile::TempDir, SqliteStore) {
    let (dir, store) = fresh().await;
    submit_all(&store, five()).await;
    (dir, store)
}

/// The numbers (`n` of `report(n)`) a query lists, in order.
async fn listed(store: &SqliteStore, query: ReportQuery) -> Vec<u32> {
    let page = ReportStore::list(store, &query).await.unwrap();
    assert_eq!(page.next, None, "one page expected");
    page.items.iter().map(|r| r.number.sequence()).collect()
}

/// Every page `query` lists, following the cursor, as numbers (`n` of `report(n)`).
async fn pages(store: &SqliteStore, mut query: ReportQuery) -> Vec<Vec<u32>> {
    let mut pages = Vec::new();
    loop {
        let page = ReportStore::list(store, &query).await.unwrap();
        pages.push(page.items.iter().map(|r| r.number.sequence()).collect());
        match page.next {
            Some(next) => {
                assert_eq!(Some(next), page.items.last().map(|r| r.id));
                query.after = Some(next);
            }
            None => return pages,
        }
    }
}

fn all() -> ReportQuery {
    ReportQuery::new(Scope::All)
}

#[tokio::test]
async fn the_scope_limits_what_a_viewer_sees() {
    let (_dir, store) = with_five().await;
    assert_eq!(listed(&store, all()).await, [5, 4, 3, 2, 1]);
    assert_eq!(
        listed(&store, ReportQuery::new(Scope::Public)).await,
        [5, 3, 1]
    );
    assert_eq!(
        listed(&store, ReportQuery::new(Scope::PublicAndOwn(citizen(1)))).await,
        [5, 4, 3, 1]
    );
    assert_eq!(
        listed(&store, ReportQuery::new(Scope::PublicAndOwn(citizen(2)))).await,
        [5, 3, 2, 1]
    );
    assert_eq!(
        listed(&store, ReportQuery::new(Scope::Own(citizen(2)))).await,
        [3, 2]
    );
    assert_eq!(
        listed(&store, ReportQuery::new(Scope::Own(citizen(9)))).await,
        [] as [u32; 0]
    );
}

#[tokio::test]
async fn status_category_priority_and_department_filter() {
    let (_dir, store) = with_five().await;
    let query = |edit: fn(&mut ReportQuery)| {
        let mut query = all();
        edit(&mut query);
        query
    };
    assert_eq!(
        listed(&store, query(|q| q.status = Some(ReportStatus::Received))).await,
        [5, 4, 1]
    );
    assert_eq!(
        listed(
            &store,
            query(|q| q.category = CategoryCode::new("streetlight").ok())
        )
        .await,
        [2]
    );
    assert_eq!(
        listed(&store, query(|q| q.priority = Some(Priority::Urgent))).await,
        [3]
    );
    assert_eq!(
        listed(
            &store,
            query(|q| q.department = DepartmentCode::new("road_management").ok())
        )
        .await,
        [5, 4, 1]
    );
    assert_eq!(
        listed(
            &store,
            query(|q| {
                q.scope = Scope::Public;
                q.status = Some(ReportStatus::Received);
                q.department = DepartmentCode::new("road_management").ok();
            })
        )
        .await,
        [5, 1]
    );
}

#[tokio::test]
async fn a_bounding_box_includes_its_edges() {
    let (_dir, store) = with_five().await;
    let mut jeonju = all();
    jeonju.bbox = Some(BoundingBox::parse("127.0,35.7,127.2,35.9").unwrap());
    assert_eq!(listed(&store, jeonju).await, [5, 4, 1]);

    // A box whose corner is exactly report 4's location, and one a hair beside it.
    let mut corner = all();
    corner.bbox = Some(BoundingBox::parse("127.148,35.8272,127.2,35.83").unwrap());
    assert_eq!(listed(&store, corner).await, [4]);
    let mut beside = all();
    beside.bbox = Some(BoundingBox::parse("127.14800001,35.8272,127.2,35.83").unwrap());
    assert_eq!(listed(&store, beside).await, [] as [u32; 0]);
}

#[tokio::test]
async fn near_uses_the_documented_distance() {
    let (_dir, store) = with_five().await;
    let near = |radius| {
        let mut query = all();
        query.near = Some(Circle::parse("35.8242,127.1480", Some(radius)).unwrap());
        query
    };
    assert_eq!(listed(&store, near(500.0)).await, [4, 1]);
    assert_eq!(listed(&store, near(2_000.0)).await, [5, 4, 1]);
    // Gunsan is 40 km away, Namwon 50.4 km.
    assert_eq!(listed(&store, near(50_000.0)).await, [5, 4, 2, 1]);

    // The store agrees with `Circle::contains` on points around the boundary.
    let circle = Circle::parse("35.8242,127.1480", Some(1_000.0)).unwrap();
    let (_dir2, ring_store) = fresh().await;
    let mut ring = Vec::new();
    for i in 0..72u32 {
        let angle = f64::from(i * 5).to_radians();
        let metres = 1_000.0 + f64::from(i % 3) - 1.0;
        let lat = 35.8242 + metres * angle.sin() / 111_320.0;
        let lng = 127.1480 + metres * angle.cos() / (111_320.0 * circle.longitude_scale());
        let mut point = report(i + 1);
        point.location = GeoPoint::new(lat, lng).unwrap();
        ring.push(point);
    }
    let mut expected: Vec<u32> = ring
        .iter()
        .filter(|r| circle.contains(r.location))
        .map(|r| r.number.sequence())
        .collect();
    expected.reverse();
    assert!(!expected.is_empty() && expected.len() < ring.len());
    submit_all(&ring_store, ring).await;
    let mut query = all();
    query.near = Some(circle);
    query.limit = 100;
    assert_eq!(listed(&ring_store, query).await, expected);
}

#[tokio::test]
async fn bbox_and_near_combine() {
    let (_dir, store) = with_five().await;
    let mut query = all();
    query.near = Some(Circle::parse("35.8242,127.1480", Some(2_000.0)).unwrap());
    query.bbox = Some(BoundingBox::parse("127.0,35.82,127.2,35.83").unwrap());
    assert_eq!(listed(&store, query.clone()).await, [4, 1]);
    query.bbox = Some(BoundingBox::parse("126.0,35.0,126.5,35.1").unwrap());
    assert_eq!(listed(&store, query).await, [] as [u32; 0]);
}

#[tokio::test]
async fn text_matches_title_or_description_ignoring_case() {
    let (_dir, store) = with_five().await;
    let text = |needle: &str| {
        let mut query = all();
        query.text = Some(needle.to_owned());
        query
    };
    assert_eq!(listed(&store, text("포트홀")).await, [5, 4, 1]);
    assert_eq!(listed(&store, text("덜컹")).await, [5, 4, 2, 1]);
    assert_eq!(listed(&store, text("streetlight")).await, [2]);
    assert_eq!(listed(&store, text("out NEAR 시청")).await, [2]);
    assert_eq!(listed(&store, text("무단투기")).await, [3]);
    // LIKE's wildcards are plain characters here.
    assert_eq!(listed(&store, text("100%")).await, [3]);
    assert_eq!(listed(&store, text("%")).await, [3]);
    assert_eq!(listed(&store, text("_")).await, [3]);
    assert_eq!(listed(&store, text("가로등")).await, [] as [u32; 0]);
}

#[tokio::test]
async fn the_cursor_pages_through_everything_newest_first() {
    let (_dir, store) = fresh().await;
    submit_all(&store, (1..=25).map(report)).await;
    let mut query = all();
    query.limit = 10;
    assert_eq!(
        pages(&store, query).await,
        [
            (16..=25).rev().collect::<Vec<_>>(),
            (6..=15).rev().collect(),
            (1..=5).rev().collect()
        ]
    );

    // A page that ends exactly at the last report has no next cursor.
    let mut exact = all();
    exact.limit = 5;
    exact.after = Some(report_id(6));
    let page = ReportStore::list(&store, &exact).await.unwrap();
    assert_eq!(page.items.len(), 5);
    assert_eq!(page.next, None);
}

fn uses_the_location_index(plan: &[String]) -> bool {
    // `INDEX 2:` is the R*Tree's constraint search; a full scan of the
    // R*Tree or of reports would read every report.
    let rtree_search = plan
        .iter()
        .any(|line| line.starts_with("SCAN g VIRTUAL TABLE INDEX 2:") && !line.ends_with(':'));
    let reports_scanned = plan
        .iter()
        .any(|line| line.starts_with("SCAN r") || line.starts_with("SCAN reports"));
    rtree_search && !reports_scanned
}

#[tokio::test]
async fn map_queries_search_the_r_tree_instead_of_scanning_reports() {
    let (_dir, store) = fresh().await;
    submit_all(&store, (1..=50).map(report)).await;

    let mut bbox = ReportQuery::new(Scope::Public);
    bbox.bbox = Some(BoundingBox::parse("127.0,35.7,127.2,35.9").unwrap());
    bbox.status = Some(ReportStatus::Received);
    let plan = store.list_query_plan(&bbox).await.unwrap();
    assert!(uses_the_location_index(&plan), "{plan:#?}");
    // The page's keys are chosen first; only its rows are then read whole.
    assert!(
        plan.iter().any(|line| line.contains("LIST SUBQUERY"))
            && plan
                .iter()
                .any(|line| line.starts_with("SEARCH r USING INTEGER PRIMARY KEY (rowid=?)")),
        "{plan:#?}"
    );

    let mut near = ReportQuery::new(Scope::PublicAndOwn(citizen(1)));
    near.near = Some(Circle::parse("35.8242,127.1480", Some(500.0)).unwrap());
    near.after = Some(report_id(40));
    let plan = store.list_query_plan(&near).await.unwrap();
    assert!(uses_the_location_index(&plan), "{plan:#?}");

    // The duplicate candidates of a submission (PossibleDuplicates): the
    // category's open reports in a 250 m circle, submitted within 30 days.
    let mut candidates = ReportQuery::new(Scope::PublicAndOwn(citizen(1)));
    candidates.category = Some(CategoryCode::new("road_damage").unwrap());
    candidates.near = Some(Circle::parse("35.8242,127.1480", Some(250.0)).unwrap());
    candidates.open_only = true;
    candidates.created_since = Some(report(1).created_at - chrono::TimeDelta::days(30));
    candidates.limit = 100;
    let plan = store.list_query_plan(&candidates).await.unwrap();
    assert!(uses_the_location_index(&plan), "{plan:#?}");

    // Without a location the list walks an index newest first, never the table.
    let plan = store.list_query_plan(&all()).await.unwrap();
    assert!(
        plan.iter()
            .all(|line| !line.starts_with("SCAN r ") || line.contains("INDEX")),
        "{plan:#?}"
    );
}

/// `count` reports numbered from `first`, each at `place`.
fn reports_at(first: u32, count: u32, place: GeoPoint) -> impl Iterator<Item = Report> {
    (first..first + count).map(move |n| Report {
        location: place,
        ..report(n)
    })
}

/// A 0.01° box around the fixtures' default place, central Jeonju.
fn jeonju_box() -> BoundingBox {
    BoundingBox::parse("127.143,35.819,127.153,35.829").unwrap()
}

#[tokio::test]
async fn a_dense_box_pages_newest_first_through_the_newest_window() {
    let (_dir, store) = fresh().await;
    let outside = GeoPoint::new(35.9676, 126.7366).unwrap();
    // Interleaved: 1–20 in the box, 21–40 in Gunsan, 41–60 in the box.
    submit_all(
        &store,
        reports_at(1, 20, GeoPoint::new(35.8242, 127.1480).unwrap()),
    )
    .await;
    submit_all(&store, reports_at(21, 20, outside)).await;
    submit_all(
        &store,
        reports_at(41, 20, GeoPoint::new(35.8242, 127.1480).unwrap()),
    )
    .await;

    let mut query = ReportQuery::new(Scope::Public);
    query.bbox = Some(jeonju_box());
    query.limit = 15;
    let plan = store
        .newest_window_plan(&query)
        .await
        .unwrap()
        .expect("a map query looks among the newest first");
    // The window reads the narrow index in order, never the table.
    assert!(
        plan.iter()
            .any(|line| line.contains("COVERING INDEX reports_newest_places")),
        "{plan:#?}"
    );
    assert!(
        !plan
            .iter()
            .any(|line| line.starts_with("SCAN reports ") && !line.contains("INDEX")),
        "{plan:#?}"
    );

    let expected: Vec<u32> = (41..=60).rev().chain((1..=20).rev()).collect();
    assert_eq!(
        pages(&store, query).await,
        [
            expected[..15].to_vec(),
            expected[15..30].to_vec(),
            expected[30..].to_vec()
        ]
    );
}

#[tokio::test]
async fn a_sparse_box_still_finds_reports_older_than_the_window() {
    let (_dir, store) = fresh().await;
    // A page of one reads a window of the 200 newest reports: the five in
    // the box are older than all of them, so only the R*Tree finds them.
    submit_all(
        &store,
        reports_at(1, 5, GeoPoint::new(35.8242, 127.1480).unwrap()),
    )
    .await;
    submit_all(
        &store,
        reports_at(6, 250, GeoPoint::new(35.9676, 126.7366).unwrap()),
    )
    .await;

    let mut query = ReportQuery::new(Scope::Public);
    query.bbox = Some(jeonju_box());
    query.limit = 1;
    assert_eq!(pages(&store, query).await, [[5], [4], [3], [2], [1]]);
}

#[tokio::test]
async fn only_map_queries_the_index_covers_look_among_the_newest() {
    let (_dir, store) = fresh().await;
    let mut map = ReportQuery::new(Scope::PublicAndOwn(citizen(1)));
    map.bbox = Some(jeonju_box());
    map.status = Some(ReportStatus::Received);
    map.category = Some(CategoryCode::new("road_damage").unwrap());
    map.open_only = true;
    assert!(store.newest_window_plan(&map).await.unwrap().is_some());

    let mut near = ReportQuery::new(Scope::Public);
    near.near = Some(Circle::parse("35.8242,127.1480", Some(500.0)).unwrap());
    near.after = Some(report_id(40));
    assert!(store.newest_window_plan(&near).await.unwrap().is_some());

    // No area: the (column, id) indexes already answer newest first.
    assert!(store.newest_window_plan(&all()).await.unwrap().is_none());
    // Filters the index does not hold, and other orders, go to the R*Tree.
    let mut by_department = map.clone();
    by_department.department = Some(DepartmentCode::new("road_management").unwrap());
    assert!(store
        .newest_window_plan(&by_department)
        .await
        .unwrap()
        .is_none());
    let mut by_text = map.clone();
    by_text.text = Some("포트홀".to_owned());
    assert!(store.newest_window_plan(&by_text).await.unwrap().is_none());
    let mut queue = map;
    queue.order = sinmungo_core::ports::ReportOrder::PriorityThenDue;
    assert!(store.newest_window_plan(&queue).await.unwrap().is_none());
}
