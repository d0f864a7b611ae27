//! "Me too" (공감) and duplicates: both make the original's support count grow.

use sinmungo_core::app::{ActionError, ConflictReason, TransitionRequest};
use sinmungo_core::domain::status::ReportStatus;
use sinmungo_core::domain::timeline::TimelineKind;

use crate::world::{to, to_with_note, World, POTHOLE};

#[tokio::test]
async fn a_person_supports_a_report_once() -> anyhow::Result<()> {
    let w = World::new().await?;
    let reporter = w.citizen("minji").await?;
    let neighbour = w.citizen("neighbour").await?;
    let staff = w.official("officer", "staff", "road_management").await?;
    let report = w.submit(&reporter, "포트홀", POTHOLE).await?;

    let supported = w.uc.support.execute(&neighbour, report.id).await?;
    assert_eq!(supported.report.support_count, 1);

    let again = w.uc.support.execute(&neighbour, report.id).await;
    let Err(ActionError::Conflict(reason)) = again else {
        panic!("a second support must conflict: {again:?}");
    };
    assert_eq!(reason, ConflictReason::AlreadySupported);
    let own = w.uc.support.execute(&reporter, report.id).await;
    assert!(
        matches!(own, Err(ActionError::Forbidden(_))),
        "own report: {own:?}"
    );
    assert_eq!(
        w.stored(&report).await?.support_count,
        1,
        "refusals counted nothing"
    );

    // "Me too" is the public's voice: officials do not add to it.
    let by_staff = w.uc.support.execute(&staff, report.id).await;
    assert!(
        matches!(by_staff, Err(ActionError::Forbidden(_))),
        "staff: {by_staff:?}"
    );
    assert_eq!(w.stored(&report).await?.support_count, 1);
    Ok(())
}

#[tokio::test]
async fn a_closed_report_takes_no_more_support() -> anyhow::Result<()> {
    let w = World::new().await?;
    let reporter = w.citizen("minji").await?;
    let neighbour = w.citizen("neighbour").await?;
    let staff = w.official("officer", "staff", "road_management").await?;
    let report = w.submit(&reporter, "포트홀", POTHOLE).await?;
    w.uc.transition
        .execute(&staff, report.id, to_with_note("rejected", "사유지입니다"))
        .await?;

    let result = w.uc.support.execute(&neighbour, report.id).await;
    let Err(ActionError::Conflict(reason)) = result else {
        panic!("support of a rejected report must conflict: {result:?}");
    };
    assert_eq!(reason, ConflictReason::NotOpen(ReportStatus::Rejected));
    Ok(())
}

#[tokio::test]
async fn marking_a_duplicate_adds_its_reporter_and_supporters_to_the_original() -> anyhow::Result<()>
{
    let w = World::new().await?;
    let alice = w.citizen("alice").await?;
    let bob = w.citizen("bob").await?;
    let carol = w.citizen("carol").await?;
    let staff = w.official("officer", "staff", "road_management").await?;
    let original = w.submit(&alice, "포트홀", POTHOLE).await?;
    let duplicate = w.submit(&bob, "같은 포트홀", POTHOLE).await?;
    w.uc.support.execute(&carol, duplicate.id).await?;

    let marked =
        w.uc.transition
            .execute(
                &staff,
                duplicate.id,
                TransitionRequest {
                    duplicate_of: Some(original.id.0),
                    ..to("duplicate")
                },
            )
            .await?;
    assert_eq!(marked.report.status, ReportStatus::Duplicate);
    assert_eq!(marked.report.duplicate_of, Some(original.id));
    let original_now = w.stored(&original).await?;
    assert_eq!(
        original_now.support_count, 2,
        "Bob's report and Carol's support"
    );
    assert_eq!(original_now.version, 2);

    let timeline = w.uc.read.timeline(&alice, original.id).await?;
    assert!(
        timeline.entries.iter().any(|e| e.kind
            == TimelineKind::DuplicateMerged {
                duplicate: duplicate.id
            }),
        "the original's timeline shows the merge"
    );

    let itself = TransitionRequest {
        duplicate_of: Some(original.id.0),
        ..to("duplicate")
    };
    let result = w.uc.transition.execute(&staff, original.id, itself).await;
    assert!(
        matches!(result, Err(ActionError::Invalid(_))),
        "a report cannot duplicate itself: {result:?}"
    );
    Ok(())
}
