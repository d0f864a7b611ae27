//! Photos: stored with the report or added later, all or nothing across the
//! media store and the report store, and served by the access policy.

use std::sync::Arc;

use sinmungo_core::app::PhotoFileError;
use sinmungo_core::app::{
    ActionError, AssignRequest, LeftoverReason, Policy, PreparedPhoto, SubmitError, SubmitRequest,
    UseCases,
};
use sinmungo_core::domain::access::Actor;
use sinmungo_core::domain::geo::GeoPoint;
use sinmungo_core::domain::photo::{PhotoKind, PhotoVariant};
use sinmungo_core::domain::report::Report;
use sinmungo_core::domain::timeline::TimelineKind;
use sinmungo_core::ports::{MockReportStore, StoreError};

use crate::world::{request, World, POTHOLE};

/// Jeonju's Deokjin park, where a photo's GPS says it was taken.
const DEOKJIN: (f64, f64) = (35.8470, 127.1220);

/// An upload as the HTTP adapter would prepare it; the core never looks
/// inside the bytes, so `seed` makes them (and the hash) distinct.
fn photo(seed: u8, gps: Option<(f64, f64)>) -> PreparedPhoto {
    PreparedPhoto {
        original: vec![0xFF, 0xD8, seed, 0xFF, 0xD9],
        content_type: "image/jpeg".to_owned(),
        public: vec![0xFF, 0xD8, seed, 1],
        thumbnail_1280: vec![0xFF, 0xD8, seed, 2],
        thumbnail_320: vec![0xFF, 0xD8, seed, 3],
        width: 640,
        height: 480,
        sha256: format!("{seed:064x}"),
        gps: gps.and_then(|(lat, lng)| GeoPoint::new(lat, lng).ok()),
    }
}

fn with_photos(photos: Vec<PreparedPhoto>) -> SubmitRequest {
    SubmitRequest {
        photos,
        ..request("포트홀", POTHOLE)
    }
}

async fn assign_to_roads(w: &World, report: &Report) -> anyhow::Result<()> {
    let manager = w.official("manager", "manager", "road_management").await?;
    let to_roads = AssignRequest {
        department: Some("road_management".to_owned()),
        assignee: None,
    };
    w.uc.assign.execute(&manager, report.id, to_roads).await?;
    Ok(())
}

#[tokio::test]
async fn photos_are_stored_with_the_report_and_identical_ones_once() -> anyhow::Result<()> {
    let w = World::new().await?;
    let citizen = w.citizen("minji").await?;
    let photos = vec![photo(1, None), photo(2, None), photo(1, None)];
    let report = w.uc.submit.execute(&citizen, with_photos(photos)).await?;

    assert_eq!(report.photos.len(), 2, "the repeated upload is stored once");
    assert!(report.photos.iter().all(|p| p.kind == PhotoKind::Report));
    assert_eq!(w.stored(&report).await?.photos, report.photos);
    let keys = w.handles.media.keys();
    assert_eq!(keys.len(), 8, "four forms of each of two photos: {keys:?}");
    let first = &report.photos[0];
    let original = w
        .handles
        .media
        .blob(&first.media_key(report.id, PhotoVariant::Original))
        .ok_or_else(|| anyhow::anyhow!("the original is stored"))?;
    assert_eq!(original.bytes, photo(1, None).original);
    assert_eq!(original.content_type, "image/jpeg");
    Ok(())
}

#[tokio::test]
async fn without_a_location_the_first_photo_with_gps_places_the_report() -> anyhow::Result<()> {
    let w = World::new().await?;
    let citizen = w.citizen("minji").await?;
    let request = SubmitRequest {
        lat: None,
        lng: None,
        ..with_photos(vec![photo(1, None), photo(2, Some(DEOKJIN))])
    };
    let report = w.uc.submit.execute(&citizen, request).await?;
    assert_eq!((report.location.lat(), report.location.lng()), DEOKJIN);
    assert_eq!(report.jurisdiction.name, "전주시덕진구");

    let nowhere = SubmitRequest {
        lat: None,
        lng: None,
        ..with_photos(vec![photo(3, None)])
    };
    let Err(SubmitError::Invalid(invalid)) = w.uc.submit.execute(&citizen, nowhere).await else {
        panic!("no location and no GPS is invalid");
    };
    assert_eq!(invalid.0[0].field, "location");
    assert_eq!(invalid.0[0].code, "required");

    let seoul = SubmitRequest {
        lat: None,
        lng: None,
        ..with_photos(vec![photo(4, Some((37.5665, 126.9780)))])
    };
    let refused = w.uc.submit.execute(&citizen, seoul).await;
    assert!(matches!(refused, Err(SubmitError::OutsideServiceArea)));
    assert_eq!(
        w.handles.media.len(),
        8,
        "only the Deokjin report's two photos are stored"
    );
    Ok(())
}

#[tokio::test]
async fn more_than_five_photos_are_refused_before_anything_is_stored() -> anyhow::Result<()> {
    let w = World::new().await?;
    let citizen = w.citizen("minji").await?;
    let six = (1..=6).map(|n| photo(n, None)).collect();
    let Err(SubmitError::Invalid(invalid)) = w.uc.submit.execute(&citizen, with_photos(six)).await
    else {
        panic!("six photos are too many");
    };
    assert_eq!(invalid.0[0].code, "too_many_photos");
    assert!(w.handles.media.is_empty());
    assert!(w.handles.reports.outbox().is_empty(), "no report");
    Ok(())
}

#[tokio::test]
async fn a_storage_failure_midway_leaves_no_report_and_no_blob() -> anyhow::Result<()> {
    let w = World::new().await?;
    let citizen = w.citizen("minji").await?;
    // The first photo's four forms and one of the second's are stored, then storage fails.
    w.handles.media.fail_put_after(5);
    let result =
        w.uc.submit
            .execute(&citizen, with_photos(vec![photo(1, None), photo(2, None)]))
            .await;
    assert!(
        matches!(result, Err(SubmitError::Unavailable(_))),
        "{result:?}"
    );
    assert!(w.handles.media.is_empty(), "{:?}", w.handles.media.keys());
    assert!(w.handles.reports.outbox().is_empty(), "no report");
    Ok(())
}

#[tokio::test]
async fn a_report_store_failure_removes_the_photos_already_stored() -> anyhow::Result<()> {
    let w = World::new().await?;
    let citizen = w.citizen("minji").await?;
    let mut reports = MockReportStore::new();
    reports
        .expect_next_receipt_number()
        .returning(|year| Ok(sinmungo_core::domain::receipt::ReceiptNumber::new(year, 1)));
    reports
        .expect_apply()
        .returning(|_| Err(StoreError::Unavailable("connection reset".to_owned())));
    // Asked whether the report was stored after all: it was not.
    reports.expect_get().returning(|_| Ok(None));
    let mut ports = w.handles.ports();
    ports.reports = Arc::new(reports);
    let uc = UseCases::new(ports, &Policy::default());

    let result = uc
        .submit
        .execute(&citizen, with_photos(vec![photo(1, None), photo(2, None)]))
        .await;
    assert!(
        matches!(result, Err(SubmitError::Unavailable(_))),
        "{result:?}"
    );
    assert!(w.handles.media.is_empty(), "{:?}", w.handles.media.keys());

    // When the cleanup itself fails, the citizen still hears about the real
    // problem, and the blobs left behind are reported beside it.
    w.handles.media.set_failing_deletes(true);
    let result = uc
        .submit
        .execute(&citizen, with_photos(vec![photo(3, None)]))
        .await;
    let (error, left) = result.expect_err("the store failed").into_parts();
    assert!(
        matches!(&error, SubmitError::Unavailable(reason) if reason.contains("connection reset")),
        "{error:?}"
    );
    assert_eq!(left.len(), 4, "every form of the photo: {left:?}");
    assert!(
        left.iter()
            .all(|blob| matches!(blob.reason, LeftoverReason::NotDeleted(_))),
        "{left:?}"
    );
    Ok(())
}

/// A report store whose `apply` fails as a lost connection would, and whose
/// `get` then answers with `after`.
fn lost_connection(w: &World, after: Result<Option<Report>, ()>) -> UseCases {
    let mut reports = MockReportStore::new();
    reports
        .expect_next_receipt_number()
        .returning(|year| Ok(sinmungo_core::domain::receipt::ReceiptNumber::new(year, 1)));
    reports.expect_apply().returning(|_| {
        Err(StoreError::Unavailable(
            "connection lost while committing".to_owned(),
        ))
    });
    reports.expect_get().returning(move |id| match &after {
        Ok(stored) => Ok(stored.clone().map(|mut report| {
            report.id = id;
            report
        })),
        Err(()) => Err(StoreError::Unavailable("still down".to_owned())),
    });
    let mut ports = w.handles.ports();
    ports.reports = Arc::new(reports);
    UseCases::new(ports, &Policy::default())
}

#[tokio::test]
async fn when_the_store_cannot_say_whether_it_committed_the_photos_are_kept() -> anyhow::Result<()>
{
    let w = World::new().await?;
    let citizen = w.citizen("minji").await?;
    let earlier = w.submit(&citizen, "포트홀", POTHOLE).await?;

    // The commit landed before the connection broke: the citizen gets the
    // report (no duplicate on retry) and its photos stay.
    let landed = lost_connection(&w, Ok(Some(earlier)));
    let report = landed
        .submit
        .execute(&citizen, with_photos(vec![photo(1, None)]))
        .await?;
    assert_eq!(report.photos.len(), 1);
    assert_eq!(w.handles.media.len(), 4);

    // Nobody can tell: the error stands and the blobs stay (orphans at worst,
    // never a report without its photos).
    let unknown = lost_connection(&w, Err(()));
    let result = unknown
        .submit
        .execute(&citizen, with_photos(vec![photo(2, None)]))
        .await;
    let (error, kept) = result.expect_err("nobody can tell").into_parts();
    assert!(matches!(error, SubmitError::Unavailable(_)), "{error:?}");
    assert_eq!(w.handles.media.len(), 8);
    // The blobs kept are reported, for an operator to check.
    assert_eq!(kept.len(), 4, "{kept:?}");
    assert!(
        kept.iter()
            .all(|blob| matches!(blob.reason, LeftoverReason::Unsure(_))),
        "{kept:?}"
    );
    Ok(())
}

#[tokio::test]
async fn the_reporter_adds_photos_until_the_report_is_taken_up() -> anyhow::Result<()> {
    let w = World::new().await?;
    let citizen = w.citizen("minji").await?;
    let report = w.submit(&citizen, "포트홀", POTHOLE).await?;

    let added =
        w.uc.add_photos
            .execute(&citizen, report.id, vec![photo(1, None)])
            .await?;
    assert_eq!(added.added.len(), 1);
    assert_eq!(added.view.report.photos[0].kind, PhotoKind::Report);
    assert_eq!(added.view.report.version, report.version + 1);
    let timeline = w.uc.read.timeline(&citizen, report.id).await?;
    assert!(timeline.entries.iter().any(|e| matches!(
        &e.kind,
        TimelineKind::PhotosAdded { kind: PhotoKind::Report, photos } if photos == &added.added
    )));
    let outbox = w.handles.reports.outbox();
    let last = outbox.last().ok_or_else(|| anyhow::anyhow!("an event"))?;
    assert_eq!(last.event_type, "report.photos_added");
    assert_eq!(last.payload["kind"], "report");

    assign_to_roads(&w, &report).await?;
    let refused =
        w.uc.add_photos
            .execute(&citizen, report.id, vec![photo(2, None)])
            .await;
    assert!(
        matches!(refused, Err(ActionError::Forbidden(_))),
        "{refused:?}"
    );
    assert_eq!(w.handles.media.len(), 4, "the refused photo was not stored");

    let other = w.citizen("other").await?;
    let refused =
        w.uc.add_photos
            .execute(&other, report.id, vec![photo(3, None)])
            .await;
    assert!(matches!(refused, Err(ActionError::Forbidden(_))));
    let refused =
        w.uc.add_photos
            .execute(&Actor::Anonymous, report.id, vec![photo(3, None)])
            .await;
    assert!(matches!(refused, Err(ActionError::SignInRequired)));
    Ok(())
}

#[tokio::test]
async fn officials_of_the_department_add_audited_resolution_photos() -> anyhow::Result<()> {
    let w = World::new().await?;
    let citizen = w.citizen("minji").await?;
    let report = w.submit(&citizen, "포트홀", POTHOLE).await?;
    assign_to_roads(&w, &report).await?;
    let staff = w.official("officer", "staff", "road_management").await?;
    let elsewhere = w.official("parks", "staff", "parks").await?;

    let refused =
        w.uc.add_photos
            .execute(&elsewhere, report.id, vec![photo(9, None)])
            .await;
    assert!(matches!(refused, Err(ActionError::Forbidden(_))));

    assert_eq!(
        w.uc.add_photos.check(&staff, report.id).await?,
        PhotoKind::Resolution
    );
    let added =
        w.uc.add_photos
            .execute(&staff, report.id, vec![photo(1, None), photo(2, None)])
            .await?;
    let kinds: Vec<PhotoKind> = added.view.report.photos.iter().map(|p| p.kind).collect();
    assert_eq!(kinds, [PhotoKind::Resolution, PhotoKind::Resolution]);
    let audit = w.handles.reports.audit_entries();
    let entry = audit
        .iter()
        .find(|e| e.action == "report.photos_added")
        .ok_or_else(|| anyhow::anyhow!("audited"))?;
    assert_eq!(entry.actor, staff.user_id());
    assert_eq!(entry.after["photos"], 2);
    assert_eq!(entry.after["kind"], "resolution");
    Ok(())
}

#[tokio::test]
async fn a_photo_the_report_already_has_is_not_stored_again() -> anyhow::Result<()> {
    let w = World::new().await?;
    let citizen = w.citizen("minji").await?;
    let report =
        w.uc.submit
            .execute(&citizen, with_photos(vec![photo(1, None)]))
            .await?;
    let again =
        w.uc.add_photos
            .execute(&citizen, report.id, vec![photo(1, None)])
            .await?;
    assert!(again.added.is_empty());
    assert_eq!(again.view.report.version, report.version, "nothing changed");
    assert_eq!(w.handles.media.len(), 4);
    Ok(())
}

#[tokio::test]
async fn a_report_holds_at_most_twenty_photos() -> anyhow::Result<()> {
    let w = World::new().await?;
    let citizen = w.citizen("minji").await?;
    let report = w.submit(&citizen, "포트홀", POTHOLE).await?;
    for batch in 0..4u8 {
        let photos = (1..=5).map(|n| photo(batch * 5 + n, None)).collect();
        w.uc.add_photos.execute(&citizen, report.id, photos).await?;
    }
    let refused =
        w.uc.add_photos
            .execute(&citizen, report.id, vec![photo(99, None)])
            .await;
    let Err(ActionError::Invalid(invalid)) = refused else {
        panic!("the 21st photo is refused: {refused:?}");
    };
    assert_eq!(invalid.0[0].code, "too_many_photos");
    assert_eq!(w.handles.media.len(), 80);
    Ok(())
}

#[tokio::test]
async fn a_concurrent_change_is_retried_without_storing_the_photos_again() -> anyhow::Result<()> {
    let w = World::new().await?;
    let citizen = w.citizen("minji").await?;
    let report = w.submit(&citizen, "포트홀", POTHOLE).await?;
    let stored = report.clone();
    let mut reports = MockReportStore::new();
    reports
        .expect_get()
        .returning(move |_| Ok(Some(stored.clone())));
    let mut sequence = mockall::Sequence::new();
    reports
        .expect_apply()
        .times(1)
        .in_sequence(&mut sequence)
        .returning(|_| Err(StoreError::VersionConflict));
    reports
        .expect_apply()
        .times(1)
        .in_sequence(&mut sequence)
        .returning(|_| Ok(()));
    let mut ports = w.handles.ports();
    ports.reports = Arc::new(reports);
    let uc = UseCases::new(ports, &Policy::default());

    let added = uc
        .add_photos
        .execute(&citizen, report.id, vec![photo(1, None)])
        .await?;
    assert_eq!(added.added.len(), 1);
    assert_eq!(w.handles.media.len(), 4, "stored once");
    Ok(())
}

#[tokio::test]
async fn a_photo_added_meanwhile_is_dropped_and_blobs_that_cannot_be_deleted_are_reported(
) -> anyhow::Result<()> {
    let w = World::new().await?;
    let citizen = w.citizen("minji").await?;
    let before = w.submit(&citizen, "포트홀", POTHOLE).await?;
    let id = before.id;
    // The same photo arrives from another tab first.
    let meanwhile =
        w.uc.add_photos
            .execute(&citizen, id, vec![photo(1, None)])
            .await?
            .view
            .report;
    let mut reports = MockReportStore::new();
    let mut sequence = mockall::Sequence::new();
    reports
        .expect_get()
        .times(1)
        .in_sequence(&mut sequence)
        .returning(move |_| Ok(Some(before.clone())));
    reports
        .expect_apply()
        .times(1)
        .in_sequence(&mut sequence)
        .returning(|_| Err(StoreError::VersionConflict));
    reports
        .expect_get()
        .times(1)
        .in_sequence(&mut sequence)
        .returning(move |_| Ok(Some(meanwhile.clone())));
    let mut ports = w.handles.ports();
    ports.reports = Arc::new(reports);
    let uc = UseCases::new(ports, &Policy::default());
    w.handles.media.set_failing_deletes(true);

    let added = uc
        .add_photos
        .execute(&citizen, id, vec![photo(1, None)])
        .await?;
    assert!(added.added.is_empty(), "the report has it already");
    assert_eq!(
        w.handles.media.len(),
        8,
        "the second copy could not be deleted"
    );
    assert_eq!(added.leftover_blobs.len(), 4, "{:?}", added.leftover_blobs);
    assert!(added
        .leftover_blobs
        .iter()
        .all(|blob| matches!(blob.reason, LeftoverReason::NotDeleted(_))));
    Ok(())
}

#[tokio::test]
async fn originals_are_for_officials_and_private_photos_for_those_who_see_the_report(
) -> anyhow::Result<()> {
    let w = World::new().await?;
    let owner = w.citizen("minji").await?;
    let other = w.citizen("other").await?;
    let staff = w.official("officer", "staff", "road_management").await?;
    let public =
        w.uc.submit
            .execute(&owner, with_photos(vec![photo(1, Some(DEOKJIN))]))
            .await?;
    let photo_id = public.photos[0].id;
    let files = &w.uc.photo_files;

    let thumbnail = files
        .find(
            &Actor::Anonymous,
            public.id,
            photo_id,
            PhotoVariant::Thumbnail320,
        )
        .await?;
    assert!(thumbnail.public);
    assert_eq!(thumbnail.content_type, "image/jpeg");
    assert_eq!(files.bytes(&thumbnail).await?, photo(1, None).thumbnail_320);
    assert_eq!(thumbnail.tag, format!("{:064x}-thumb-320", 1));

    let refused = files
        .find(&owner, public.id, photo_id, PhotoVariant::Original)
        .await;
    assert!(
        matches!(refused, Err(PhotoFileError::Forbidden(_))),
        "{refused:?}"
    );
    let refused = files
        .find(
            &Actor::Anonymous,
            public.id,
            photo_id,
            PhotoVariant::Original,
        )
        .await;
    assert!(matches!(refused, Err(PhotoFileError::SignInRequired)));
    let original = files
        .find(&staff, public.id, photo_id, PhotoVariant::Original)
        .await?;
    assert!(!original.public, "originals are never for shared caches");
    assert_eq!(files.bytes(&original).await?, photo(1, None).original);

    let private = SubmitRequest {
        visibility: Some("private".to_owned()),
        ..with_photos(vec![photo(2, None)])
    };
    let private = w.uc.submit.execute(&owner, private).await?;
    let private_photo = private.photos[0].id;
    let hidden = files
        .find(&other, private.id, private_photo, PhotoVariant::Public)
        .await;
    assert!(matches!(hidden, Err(PhotoFileError::NotFound)));
    let own = files
        .find(&owner, private.id, private_photo, PhotoVariant::Public)
        .await?;
    assert!(
        !own.public,
        "a private report's photos are for the viewer only"
    );

    let unknown = files
        .find(&staff, public.id, private_photo, PhotoVariant::Public)
        .await;
    assert!(
        matches!(unknown, Err(PhotoFileError::NotFound)),
        "another report's photo"
    );
    Ok(())
}
