//! Possible duplicates: offered at submission and to officers nearby, and
//! what a merge moves to the original (support, followers, photos).

use sinmungo_core::app::{
    PossibleDuplicate, PreparedPhoto, SubmitRequest, TransitionRequest, UseCases, ViewError,
};
use sinmungo_core::domain::access::Actor;
use sinmungo_core::domain::geo::GeoPoint;
use sinmungo_core::domain::photo::PhotoVariant;
use sinmungo_core::domain::report::{Report, ReportId};
use sinmungo_core::ports::ReportStore;

use crate::world::{request, to, to_with_note, World, JEONJU, POTHOLE};

/// Degrees of latitude per metre.
const DEGREE_PER_METRE: f64 = 1.0 / 111_320.0;

/// A pothole report `north_m` metres north of Jeonju's district office.
fn pothole_at(north_m: f64, title: &str) -> SubmitRequest {
    SubmitRequest {
        lat: Some(JEONJU.0 + north_m * DEGREE_PER_METRE),
        category: Some("road_damage".to_owned()),
        ..request(title, POTHOLE)
    }
}

async fn submit(w: &World, who: &Actor, request: SubmitRequest) -> anyhow::Result<Report> {
    Ok(w.uc.submit.execute(who, request).await?)
}

fn ids(found: &[PossibleDuplicate]) -> Vec<ReportId> {
    found.iter().map(|d| d.view.report.id).collect()
}

#[tokio::test]
async fn a_report_30_m_away_of_the_same_category_is_offered_and_others_are_not(
) -> anyhow::Result<()> {
    let w = World::new().await?;
    let alice = w.citizen("alice").await?;
    let bob = w.citizen("bob").await?;
    let staff = w.official("officer", "staff", "road_management").await?;
    let near = submit(&w, &alice, pothole_at(30.0, "도로 포트홀 신고")).await?;
    let far = submit(&w, &alice, pothole_at(300.0, "도로 포트홀")).await?;
    let other_category = submit(
        &w,
        &alice,
        SubmitRequest {
            category: Some("streetlight".to_owned()),
            ..pothole_at(10.0, "가로등 고장")
        },
    )
    .await?;
    let closed = submit(&w, &alice, pothole_at(20.0, "포트홀")).await?;
    w.uc.transition
        .execute(&staff, closed.id, to_with_note("rejected", "이미 보수됨"))
        .await?;
    let private = submit(
        &w,
        &alice,
        SubmitRequest {
            visibility: Some("private".to_owned()),
            ..pothole_at(15.0, "포트홀")
        },
    )
    .await?;

    let new = submit(&w, &bob, pothole_at(0.0, "집 앞 도로 포트홀")).await?;
    let found = w.uc.duplicates.at_submit(&bob, &new).await?;
    assert_eq!(
        ids(&found),
        [near.id],
        "only the open, public, same-category report within 250 m (not {far:?}, {other_category:?}, {closed:?}, {private:?})",
        far = far.id,
        other_category = other_category.id,
        closed = closed.id,
        private = private.id,
    );
    let offered = &found[0];
    assert!((offered.distance_m - 30.0).abs() < 0.5, "{offered:?}");
    assert!(offered.score > 0.5 && offered.score <= 1.0, "{offered:?}");
    assert!(
        !offered.view.reporter_visible,
        "another citizen's report is shown without its reporter"
    );

    // The reporter of the private one is offered it: it is theirs.
    let again = submit(&w, &alice, pothole_at(0.0, "포트홀 또")).await?;
    let theirs = ids(&w.uc.duplicates.at_submit(&alice, &again).await?);
    assert!(
        theirs.contains(&private.id) && theirs.contains(&near.id),
        "{theirs:?}"
    );
    assert!(!theirs.contains(&again.id), "never the report itself");
    Ok(())
}

#[tokio::test]
async fn at_most_five_are_offered_nearest_first() -> anyhow::Result<()> {
    let w = World::new().await?;
    let alice = w.citizen("alice").await?;
    let bob = w.citizen("bob").await?;
    for metres in [200.0, 20.0, 120.0, 60.0, 90.0, 150.0, 40.0] {
        submit(&w, &alice, pothole_at(metres, "포트홀")).await?;
    }
    let new = submit(&w, &bob, pothole_at(0.0, "포트홀")).await?;
    let found = w.uc.duplicates.at_submit(&bob, &new).await?;
    let distances: Vec<u32> = found.iter().map(|d| d.distance_m.round() as u32).collect();
    // The same text and age: the nearest five score best.
    assert_eq!(distances, [20, 40, 60, 90, 120]);
    Ok(())
}

#[tokio::test]
async fn reports_older_than_the_window_are_not_offered() -> anyhow::Result<()> {
    let w = World::new().await?;
    let alice = w.citizen("alice").await?;
    let bob = w.citizen("bob").await?;
    let old = submit(&w, &alice, pothole_at(30.0, "포트홀")).await?;
    w.handles.clock.advance(chrono::TimeDelta::days(31));
    let new = submit(&w, &bob, pothole_at(0.0, "포트홀")).await?;
    let found = w.uc.duplicates.at_submit(&bob, &new).await?;
    assert!(found.is_empty(), "{old:?} is 31 days older: {found:?}");
    Ok(())
}

#[tokio::test]
async fn suggestions_can_be_switched_off() -> anyhow::Result<()> {
    let (ports, _handles) = sinmungo_memory::memory_ports();
    let mut policy = sinmungo_core::app::Policy::default();
    policy.duplicates.suggest_at_submit = false;
    let uc = UseCases::new(ports, &policy);
    uc.directory.seed().await?;
    let alice = crate::world::actor(
        &uc.accounts
            .register(crate::world::registration("a"))
            .await?,
    );
    let bob = crate::world::actor(
        &uc.accounts
            .register(crate::world::registration("b"))
            .await?,
    );
    uc.submit
        .execute(&alice, pothole_at(30.0, "포트홀"))
        .await?;
    let new = uc.submit.execute(&bob, pothole_at(0.0, "포트홀")).await?;
    assert!(uc.duplicates.at_submit(&bob, &new).await?.is_empty());
    Ok(())
}

#[tokio::test]
async fn officers_list_nearby_reports_within_a_kilometre() -> anyhow::Result<()> {
    let w = World::new().await?;
    let alice = w.citizen("alice").await?;
    let staff = w.official("officer", "staff", "parks").await?;
    let far = submit(&w, &alice, pothole_at(300.0, "포트홀")).await?;
    let report = submit(&w, &alice, pothole_at(0.0, "포트홀")).await?;

    let default = w.uc.duplicates.nearby(&staff, report.id, None).await?;
    assert!(default.is_empty(), "the category's 250 m: {default:?}");
    let wide =
        w.uc.duplicates
            .nearby(&staff, report.id, Some(1000.0))
            .await?;
    assert_eq!(ids(&wide), [far.id]);
    // The staff view shows who reported it.
    assert!(wide[0].view.reporter_visible);

    for bad in [0.5, 1000.5, f64::NAN] {
        let result = w.uc.duplicates.nearby(&staff, report.id, Some(bad)).await;
        assert!(
            matches!(result, Err(ViewError::Invalid(_))),
            "{bad}: {result:?}"
        );
    }
    let by_citizen = w.uc.duplicates.nearby(&alice, report.id, None).await;
    assert!(
        matches!(by_citizen, Err(ViewError::Forbidden(_))),
        "{by_citizen:?}"
    );
    let missing =
        w.uc.duplicates
            .nearby(&staff, ReportId(uuid::Uuid::from_u128(1)), None)
            .await;
    assert!(matches!(missing, Err(ViewError::NotFound)), "{missing:?}");
    Ok(())
}

/// An upload as the HTTP adapter would prepare it (see `photos.rs`).
fn photo(seed: u8) -> PreparedPhoto {
    PreparedPhoto {
        original: vec![0xFF, 0xD8, seed, 0xFF, 0xD9],
        content_type: "image/jpeg".to_owned(),
        public: vec![0xFF, 0xD8, seed, 1],
        thumbnail_1280: vec![0xFF, 0xD8, seed, 2],
        thumbnail_320: vec![0xFF, 0xD8, seed, 3],
        width: 640,
        height: 480,
        sha256: format!("{seed:064x}"),
        gps: GeoPoint::new(JEONJU.0, JEONJU.1).ok(),
    }
}

#[tokio::test]
async fn a_merge_moves_support_followers_and_public_photos_to_the_original() -> anyhow::Result<()> {
    let w = World::new().await?;
    let alice = w.citizen("alice").await?;
    let bob = w.citizen("bob").await?;
    let carol = w.citizen("carol").await?;
    let dave = w.citizen("dave").await?;
    let staff = w.official("officer", "staff", "road_management").await?;
    let original = submit(&w, &alice, pothole_at(0.0, "포트홀")).await?;
    let duplicate = submit(
        &w,
        &bob,
        SubmitRequest {
            photos: vec![photo(1)],
            ..pothole_at(30.0, "같은 포트홀")
        },
    )
    .await?;
    // Carol supports both; Dave only the duplicate; Alice's own support of
    // Bob's report must not count on her own.
    w.uc.support.execute(&carol, original.id).await?;
    w.uc.support.execute(&carol, duplicate.id).await?;
    w.uc.support.execute(&dave, duplicate.id).await?;
    w.uc.support.execute(&alice, duplicate.id).await?;

    let merge = TransitionRequest {
        duplicate_of: Some(original.id.0),
        ..to("duplicate")
    };
    w.uc.transition.execute(&staff, duplicate.id, merge).await?;

    let now = w.stored(&original).await?;
    assert_eq!(
        now.support_count, 3,
        "Carol, then Bob and Dave; not Carol twice, not Alice"
    );
    let mut supporters = ReportStore::supporters(w.handles.reports.as_ref(), original.id).await?;
    supporters.sort();
    let mut expected: Vec<_> = [&carol, &bob, &dave]
        .iter()
        .filter_map(|a| a.user_id())
        .collect();
    expected.sort();
    assert_eq!(supporters, expected);

    // Bob's photo is on the original, readable by anyone who may see it,
    // from the blobs stored with the duplicate.
    let shown = &now.photos;
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].merged_from, Some(duplicate.id));
    let file =
        w.uc.photo_files
            .find(
                &Actor::Anonymous,
                original.id,
                shown[0].id,
                PhotoVariant::Public,
            )
            .await?;
    assert_eq!(w.uc.photo_files.bytes(&file).await?, vec![0xFF, 0xD8, 1, 1]);
    // The duplicate's page keeps it.
    assert_eq!(w.stored(&duplicate).await?.photos.len(), 1);
    Ok(())
}

#[tokio::test]
async fn a_private_duplicates_photos_stay_private() -> anyhow::Result<()> {
    let w = World::new().await?;
    let alice = w.citizen("alice").await?;
    let bob = w.citizen("bob").await?;
    let staff = w.official("officer", "staff", "road_management").await?;
    let original = submit(&w, &alice, pothole_at(0.0, "포트홀")).await?;
    let duplicate = submit(
        &w,
        &bob,
        SubmitRequest {
            photos: vec![photo(2)],
            visibility: Some("private".to_owned()),
            ..pothole_at(30.0, "우리 집 앞 포트홀")
        },
    )
    .await?;
    let merge = TransitionRequest {
        duplicate_of: Some(original.id.0),
        ..to("duplicate")
    };
    w.uc.transition.execute(&staff, duplicate.id, merge).await?;
    let now = w.stored(&original).await?;
    assert!(now.photos.is_empty(), "{:?}", now.photos);
    assert_eq!(now.support_count, 1, "Bob's report still counts");
    Ok(())
}
