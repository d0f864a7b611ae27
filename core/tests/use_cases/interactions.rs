//! Where the interaction with the store is itself the behaviour: a refused
//! request must never write, and a support that raced another is retried.

use std::sync::Arc;

use mockall::Sequence;
use sinmungo_core::app::{
    ActionError, AssignRequest, ConflictReason, Policy, ReclassifyRequest, SubmitError,
    SubmitRequest, TransitionRequest, UseCases,
};
use sinmungo_core::domain::access::Actor;
use sinmungo_core::domain::report::Report;
use sinmungo_core::ports::{MockReportStore, StoreError};

use crate::world::{request, to, World, POTHOLE};

/// The world's use cases with `reports` in place of the memory report store.
fn with_reports(w: &World, reports: MockReportStore) -> UseCases {
    let mut ports = w.handles.ports();
    ports.reports = Arc::new(reports);
    UseCases::new(ports, &Policy::default())
}

/// A store that holds `report` and must never be written to.
fn read_only(report: &Report) -> MockReportStore {
    let mut reports = MockReportStore::new();
    let stored = report.clone();
    reports
        .expect_get()
        .returning(move |_| Ok(Some(stored.clone())));
    reports.expect_next_receipt_number().never();
    reports.expect_apply().never();
    reports
}

#[tokio::test]
async fn refused_submissions_never_reach_the_store() -> anyhow::Result<()> {
    let w = World::new().await?;
    let citizen = w.citizen("minji").await?;
    let mut reports = MockReportStore::new();
    reports.expect_next_receipt_number().never();
    reports.expect_apply().never();
    let uc = with_reports(&w, reports);

    let untitled = SubmitRequest {
        title: String::new(),
        ..request("", POTHOLE)
    };
    let result = uc.submit.execute(&citizen, untitled).await;
    assert!(matches!(result, Err(SubmitError::Invalid(_))), "{result:?}");
    let result = uc
        .submit
        .execute(&Actor::Anonymous, request("포트홀", POTHOLE))
        .await;
    assert!(
        matches!(result, Err(SubmitError::SignInRequired)),
        "{result:?}"
    );
    let seoul = SubmitRequest {
        lat: Some(37.5665),
        lng: Some(126.9780),
        ..request("포트홀", POTHOLE)
    };
    let result = uc.submit.execute(&citizen, seoul).await;
    assert!(
        matches!(result, Err(SubmitError::OutsideServiceArea)),
        "{result:?}"
    );
    Ok(())
}

#[tokio::test]
async fn refused_actions_never_write() -> anyhow::Result<()> {
    let w = World::new().await?;
    let reporter = w.citizen("minji").await?;
    let staff = w.official("officer", "staff", "road_management").await?;
    let parks_manager = w.official("parkboss", "manager", "parks").await?;
    let report = w.submit(&reporter, "포트홀", POTHOLE).await?;
    let uc = with_reports(&w, read_only(&report));

    let by_citizen = uc
        .transition
        .execute(&reporter, report.id, to("in_progress"))
        .await;
    assert!(
        matches!(by_citizen, Err(ActionError::Forbidden(_))),
        "{by_citizen:?}"
    );
    let stale = TransitionRequest {
        expected_version: Some(9),
        ..to("in_progress")
    };
    let stale = uc.transition.execute(&staff, report.id, stale).await;
    assert!(
        matches!(
            stale,
            Err(ActionError::Conflict(
                ConflictReason::VersionMismatch { .. }
            ))
        ),
        "{stale:?}"
    );
    let skipping = uc
        .transition
        .execute(&staff, report.id, to("resolved"))
        .await;
    assert!(
        matches!(
            skipping,
            Err(ActionError::Conflict(
                ConflictReason::InvalidTransition { .. }
            ))
        ),
        "{skipping:?}"
    );
    let assign = AssignRequest {
        department: Some("parks".to_owned()),
        assignee: None,
    };
    let elsewhere = uc.assign.execute(&parks_manager, report.id, assign).await;
    assert!(
        matches!(elsewhere, Err(ActionError::Forbidden(_))),
        "{elsewhere:?}"
    );
    let reclassify = ReclassifyRequest {
        category: "noise".to_owned(),
        priority: "low".to_owned(),
    };
    let by_citizen = uc
        .reclassify
        .execute(&reporter, report.id, reclassify)
        .await;
    assert!(
        matches!(by_citizen, Err(ActionError::Forbidden(_))),
        "{by_citizen:?}"
    );
    let own = uc.support.execute(&reporter, report.id).await;
    assert!(matches!(own, Err(ActionError::Forbidden(_))), "{own:?}");
    Ok(())
}

#[tokio::test]
async fn a_support_that_raced_another_is_retried() -> anyhow::Result<()> {
    let w = World::new().await?;
    let reporter = w.citizen("minji").await?;
    let neighbour = w.citizen("neighbour").await?;
    let report = w.submit(&reporter, "포트홀", POTHOLE).await?;

    let mut reports = MockReportStore::new();
    let stored = report.clone();
    reports
        .expect_get()
        .times(2)
        .returning(move |_| Ok(Some(stored.clone())));
    let mut order = Sequence::new();
    reports
        .expect_apply()
        .withf(|change| change.supporters.len() == 1)
        .times(1)
        .in_sequence(&mut order)
        .returning(|_| Err(StoreError::VersionConflict));
    reports
        .expect_apply()
        .times(1)
        .in_sequence(&mut order)
        .returning(|_| Ok(()));
    let uc = with_reports(&w, reports);

    let supported = uc.support.execute(&neighbour, report.id).await?;
    assert_eq!(supported.report.support_count, 1);
    Ok(())
}

/// Supports commute, so a support is retried for as long as others win
/// the race (issue 17: five rounds refused most of 20 simultaneous ones);
/// only a store that never lets it through — a bug — ends it, after 1,000.
#[tokio::test]
async fn a_support_that_never_wins_a_race_gives_up_only_after_a_thousand() -> anyhow::Result<()> {
    let w = World::new().await?;
    let reporter = w.citizen("minji").await?;
    let neighbour = w.citizen("neighbour").await?;
    let report = w.submit(&reporter, "포트홀", POTHOLE).await?;

    let mut reports = MockReportStore::new();
    let stored = report.clone();
    reports
        .expect_get()
        .returning(move |_| Ok(Some(stored.clone())));
    reports
        .expect_apply()
        .times(1_000)
        .returning(|_| Err(StoreError::VersionConflict));
    let uc = with_reports(&w, reports);

    let result = uc.support.execute(&neighbour, report.id).await;
    let Err(ActionError::Conflict(reason)) = result else {
        panic!("a thousand lost races end in a conflict: {result:?}");
    };
    assert_eq!(reason, ConflictReason::ConcurrentChange);
    Ok(())
}
