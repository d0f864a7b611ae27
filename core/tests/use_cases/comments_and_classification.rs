//! Comments (public and internal) and officers overriding the classification.

use chrono::TimeDelta;
use sinmungo_core::app::{ActionError, CommentRequest, CorrectionListRequest, ReclassifyRequest};
use sinmungo_core::domain::priority::Priority;
use sinmungo_core::domain::report::DecidedBy;
use sinmungo_core::domain::timeline::TimelineKind;

use crate::world::{to, World, POTHOLE};

fn comment(body: &str, internal: bool) -> CommentRequest {
    CommentRequest {
        body: body.to_owned(),
        internal,
    }
}

fn comment_bodies(entries: &[sinmungo_core::domain::timeline::TimelineEntry]) -> Vec<&str> {
    entries
        .iter()
        .filter_map(|e| match &e.kind {
            TimelineKind::Comment { body, .. } => Some(body.as_str()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn internal_comments_are_hidden_from_the_reporter() -> anyhow::Result<()> {
    let w = World::new().await?;
    let reporter = w.citizen("minji").await?;
    let neighbour = w.citizen("neighbour").await?;
    let staff = w.official("officer", "staff", "road_management").await?;
    let report = w.submit(&reporter, "포트홀", POTHOLE).await?;

    w.uc.comment
        .execute(&staff, report.id, comment("예산 확인 필요", true))
        .await?;
    w.uc.comment
        .execute(&staff, report.id, comment("이번 주에 보수합니다", false))
        .await?;
    w.uc.comment
        .execute(&reporter, report.id, comment("감사합니다", false))
        .await?;

    let seen_by_reporter = w.uc.read.timeline(&reporter, report.id).await?;
    assert_eq!(
        comment_bodies(&seen_by_reporter.entries),
        ["이번 주에 보수합니다", "감사합니다"]
    );
    let seen_by_staff = w.uc.read.timeline(&staff, report.id).await?;
    assert_eq!(
        comment_bodies(&seen_by_staff.entries),
        ["예산 확인 필요", "이번 주에 보수합니다", "감사합니다"]
    );

    let result =
        w.uc.comment
            .execute(&reporter, report.id, comment("몰래", true))
            .await;
    assert!(
        matches!(result, Err(ActionError::Forbidden(_))),
        "internal by a citizen: {result:?}"
    );
    let result =
        w.uc.comment
            .execute(&neighbour, report.id, comment("참견", false))
            .await;
    assert!(
        matches!(result, Err(ActionError::Forbidden(_))),
        "a stranger: {result:?}"
    );
    let result =
        w.uc.comment
            .execute(&staff, report.id, comment("  ", false))
            .await;
    assert!(
        matches!(result, Err(ActionError::Invalid(_))),
        "an empty body: {result:?}"
    );
    Ok(())
}

#[tokio::test]
async fn staff_reclassify_and_the_report_moves_to_the_new_department() -> anyhow::Result<()> {
    let w = World::new().await?;
    let reporter = w.citizen("minji").await?;
    let road_staff = w.official("officer", "staff", "road_management").await?;
    let safety_staff = w.official("safety", "staff", "safety_management").await?;
    let report = w.submit(&reporter, "포트홀", POTHOLE).await?;
    w.handles.clock.advance(TimeDelta::hours(5));

    let reclassified =
        w.uc.reclassify
            .execute(
                &road_staff,
                report.id,
                ReclassifyRequest {
                    category: "safety_hazard".to_owned(),
                    priority: "urgent".to_owned(),
                },
            )
            .await?;
    let r = &reclassified.report;
    assert_eq!(r.category.as_str(), "safety_hazard");
    assert_eq!(r.priority, Priority::Urgent);
    assert_eq!(
        r.department.as_ref().map(|d| d.as_str()),
        Some("safety_management")
    );
    assert_eq!(r.assignee, None);
    assert_eq!(
        r.due_at,
        report.created_at + TimeDelta::hours(24),
        "due by the new priority"
    );
    let analysis = r
        .analysis
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("analysis kept"))?;
    assert_eq!(analysis.decided_by, DecidedBy::Human);
    assert_eq!(analysis.rule, None);

    // The override is kept as a labelled example, for administrators alone.
    let admin = w.official("admin", "admin", "road_management").await?;
    let corrections =
        w.uc.corrections
            .list(&admin, CorrectionListRequest::default())
            .await?;
    let [correction] = corrections.page.items.as_slice() else {
        anyhow::bail!("one correction: {corrections:?}");
    };
    assert_eq!(correction.report_id, report.id);
    assert_eq!(correction.triage_category.as_str(), "road_damage");
    assert_eq!(correction.decided_by, Some(DecidedBy::Rules));
    assert_eq!(correction.rule.as_deref(), Some("road_pothole"));
    assert_eq!(correction.matched, ["포트홀"]);
    assert_eq!(correction.category.as_str(), "safety_hazard");
    assert_eq!(correction.priority, Priority::Urgent);
    assert_eq!(Some(correction.officer), road_staff.user_id());
    assert_eq!(corrections.rules.len(), 1);
    assert_eq!(corrections.rules[0].precision(), Some(0.0));
    let refused =
        w.uc.corrections
            .list(&road_staff, CorrectionListRequest::default())
            .await;
    assert!(refused.is_err(), "staff do not read corrections");

    let result =
        w.uc.transition
            .execute(&road_staff, report.id, to("in_progress"))
            .await;
    assert!(
        matches!(result, Err(ActionError::Forbidden(_))),
        "no longer road's report: {result:?}"
    );
    w.uc.transition
        .execute(&safety_staff, report.id, to("in_progress"))
        .await?;

    let unknown = ReclassifyRequest {
        category: "weather".to_owned(),
        priority: "urgent".to_owned(),
    };
    let result =
        w.uc.reclassify
            .execute(&safety_staff, report.id, unknown)
            .await;
    assert!(matches!(result, Err(ActionError::Invalid(_))), "{result:?}");
    Ok(())
}
