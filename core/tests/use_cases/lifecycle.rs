//! The lifecycle: assignment, work, resolution, confirmation, and the refusals on the way.

use chrono::TimeDelta;
use sinmungo_core::app::{ActionError, AssignRequest, ConflictReason, TransitionRequest};
use sinmungo_core::domain::access::Actor;
use sinmungo_core::domain::status::ReportStatus;
use sinmungo_core::domain::timeline::TimelineKind;

use crate::world::{to, to_with_note, World, POTHOLE};

/// Who is who in these tests.
struct Cast {
    w: World,
    reporter: Actor,
    manager: Actor,
    staff: Actor,
}

async fn cast() -> anyhow::Result<Cast> {
    let w = World::new().await?;
    let reporter = w.citizen("minji").await?;
    let manager = w.official("manager", "manager", "road_management").await?;
    let staff = w.official("officer", "staff", "road_management").await?;
    Ok(Cast {
        w,
        reporter,
        manager,
        staff,
    })
}

fn status_changes(kinds: &[TimelineKind]) -> Vec<(ReportStatus, ReportStatus)> {
    kinds
        .iter()
        .filter_map(|k| match k {
            TimelineKind::StatusChanged { from, to, .. } => Some((*from, *to)),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_report_goes_from_received_to_closed() -> anyhow::Result<()> {
    let Cast {
        w,
        reporter,
        manager,
        staff,
    } = cast().await?;
    let report = w.submit(&reporter, "포트홀", POTHOLE).await?;
    let staff_id = staff
        .user_id()
        .ok_or_else(|| anyhow::anyhow!("signed in"))?;

    let assigned =
        w.uc.assign
            .execute(
                &manager,
                report.id,
                AssignRequest {
                    department: None,
                    assignee: Some(staff_id.0),
                },
            )
            .await?;
    assert_eq!(assigned.report.status, ReportStatus::Assigned);
    assert_eq!(assigned.report.assignee, Some(staff_id));

    let working =
        w.uc.transition
            .execute(&staff, report.id, to("in_progress"))
            .await?;
    assert_eq!(working.report.status, ReportStatus::InProgress);

    w.handles.clock.advance(TimeDelta::hours(3));
    let resolved =
        w.uc.transition
            .execute(
                &staff,
                report.id,
                to_with_note("resolved", "아스팔트로 보수했습니다"),
            )
            .await?;
    assert_eq!(resolved.report.status, ReportStatus::Resolved);
    assert_eq!(
        resolved.report.resolved_at,
        Some(report.created_at + TimeDelta::hours(3))
    );

    let closed =
        w.uc.transition
            .execute(&reporter, report.id, to("closed"))
            .await?;
    assert_eq!(closed.report.status, ReportStatus::Closed);
    assert_eq!(closed.report.version, 5, "four changes after submission");
    assert_eq!(w.stored(&report).await?, closed.report);

    let timeline = w.uc.read.timeline(&reporter, report.id).await?;
    let kinds: Vec<TimelineKind> = timeline.entries.into_iter().map(|e| e.kind).collect();
    let (received, assigned, working, resolved, closed) = (
        ReportStatus::Received,
        ReportStatus::Assigned,
        ReportStatus::InProgress,
        ReportStatus::Resolved,
        ReportStatus::Closed,
    );
    assert_eq!(
        status_changes(&kinds),
        [
            (received, assigned),
            (assigned, working),
            (working, resolved),
            (resolved, closed)
        ]
    );
    assert!(kinds.iter().any(|k| matches!(
        k,
        TimelineKind::StatusChanged { note: Some(note), .. } if note == "아스팔트로 보수했습니다"
    )), "the reporter reads the resolution note");
    Ok(())
}

#[tokio::test]
async fn a_change_the_lifecycle_does_not_have_is_a_conflict() -> anyhow::Result<()> {
    let Cast {
        w, reporter, staff, ..
    } = cast().await?;
    let report = w.submit(&reporter, "포트홀", POTHOLE).await?;
    let result =
        w.uc.transition
            .execute(&staff, report.id, to("closed"))
            .await;
    let Err(ActionError::Conflict(reason)) = result else {
        panic!("received → closed must conflict: {result:?}");
    };
    assert_eq!(
        reason,
        ConflictReason::InvalidTransition {
            from: ReportStatus::Received,
            to: ReportStatus::Closed
        }
    );
    assert_eq!(w.stored(&report).await?, report, "nothing changed");
    Ok(())
}

#[tokio::test]
async fn a_stale_expected_version_is_a_conflict() -> anyhow::Result<()> {
    let Cast {
        w, reporter, staff, ..
    } = cast().await?;
    let report = w.submit(&reporter, "포트홀", POTHOLE).await?;
    let working =
        w.uc.transition
            .execute(&staff, report.id, to("in_progress"))
            .await?;
    assert_eq!(working.report.version, 2);

    let stale = TransitionRequest {
        expected_version: Some(1),
        ..to("rejected")
    };
    let result = w.uc.transition.execute(&staff, report.id, stale).await;
    let Err(ActionError::Conflict(reason)) = result else {
        panic!("a stale version must conflict: {result:?}");
    };
    assert_eq!(
        reason,
        ConflictReason::VersionMismatch {
            expected: 1,
            current: 2
        }
    );
    assert_eq!(w.stored(&report).await?.status, ReportStatus::InProgress);
    Ok(())
}

#[tokio::test]
async fn resolving_or_rejecting_needs_a_note() -> anyhow::Result<()> {
    let Cast {
        w, reporter, staff, ..
    } = cast().await?;
    let report = w.submit(&reporter, "포트홀", POTHOLE).await?;
    w.uc.transition
        .execute(&staff, report.id, to("in_progress"))
        .await?;

    for request in [
        to("resolved"),
        to_with_note("resolved", "   "),
        to("rejected"),
    ] {
        let result = w.uc.transition.execute(&staff, report.id, request).await;
        let Err(ActionError::Invalid(invalid)) = result else {
            panic!("a missing note is invalid: {result:?}");
        };
        assert_eq!(invalid.0[0].field, "note");
    }
    assert_eq!(w.stored(&report).await?.status, ReportStatus::InProgress);
    Ok(())
}

#[tokio::test]
async fn only_the_departments_officials_act_on_its_reports() -> anyhow::Result<()> {
    let Cast {
        w, reporter, staff, ..
    } = cast().await?;
    let report = w.submit(&reporter, "포트홀", POTHOLE).await?;
    let parks_staff = w.official("gardener", "staff", "parks").await?;
    let parks_manager = w.official("parkboss", "manager", "parks").await?;
    let neighbour = w.citizen("neighbour").await?;

    for (who, actor) in [
        ("parks staff", &parks_staff),
        ("a citizen", &neighbour),
        ("the reporter", &reporter),
    ] {
        let result =
            w.uc.transition
                .execute(actor, report.id, to("in_progress"))
                .await;
        assert!(
            matches!(result, Err(ActionError::Forbidden(_))),
            "{who}: {result:?}"
        );
    }
    let result =
        w.uc.transition
            .execute(&Actor::Anonymous, report.id, to("in_progress"))
            .await;
    assert!(
        matches!(result, Err(ActionError::SignInRequired)),
        "{result:?}"
    );

    let to_parks = AssignRequest {
        department: Some("parks".to_owned()),
        assignee: None,
    };
    for (who, actor) in [
        ("staff", &staff),
        ("another department's manager", &parks_manager),
    ] {
        let result =
            w.uc.assign
                .execute(actor, report.id, to_parks.clone())
                .await;
        assert!(
            matches!(result, Err(ActionError::Forbidden(_))),
            "{who}: {result:?}"
        );
    }
    assert_eq!(w.stored(&report).await?, report, "nobody changed anything");
    Ok(())
}

#[tokio::test]
async fn the_reporter_may_reopen_a_resolution_within_fourteen_days() -> anyhow::Result<()> {
    let Cast {
        w, reporter, staff, ..
    } = cast().await?;
    let first = w.submit(&reporter, "포트홀", POTHOLE).await?;
    let second = w.submit(&reporter, "또 포트홀", POTHOLE).await?;
    for report in [&first, &second] {
        w.uc.transition
            .execute(&staff, report.id, to("in_progress"))
            .await?;
        w.uc.transition
            .execute(&staff, report.id, to_with_note("resolved", "보수 완료"))
            .await?;
    }

    w.handles.clock.advance(TimeDelta::days(14));
    let reopened =
        w.uc.transition
            .execute(&reporter, first.id, to("in_progress"))
            .await?;
    assert_eq!(reopened.report.status, ReportStatus::InProgress);

    w.handles.clock.advance(TimeDelta::days(1));
    let result =
        w.uc.transition
            .execute(&reporter, second.id, to("in_progress"))
            .await;
    assert!(
        matches!(result, Err(ActionError::Forbidden(_))),
        "day 15: {result:?}"
    );
    Ok(())
}
