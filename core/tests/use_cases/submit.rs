//! Submitting reports: triage by the rules, routing, the service area, receipt numbers.

use chrono::{TimeDelta, TimeZone, Utc};
use sinmungo_core::app::{SubmitError, SubmitRequest};
use sinmungo_core::domain::access::Actor;
use sinmungo_core::domain::priority::Priority;
use sinmungo_core::domain::report::{DecidedBy, Visibility};
use sinmungo_core::domain::status::ReportStatus;

use crate::world::{request, World, POTHOLE};

#[tokio::test]
async fn a_pothole_without_a_category_is_road_damage_routed_to_road_management(
) -> anyhow::Result<()> {
    let w = World::new().await?;
    let citizen = w.citizen("minji").await?;
    let report = w.submit(&citizen, "불편 신고", POTHOLE).await?;

    assert_eq!(report.category.as_str(), "road_damage");
    assert_eq!(report.priority, Priority::Normal);
    let analysis = report
        .analysis
        .clone()
        .ok_or_else(|| anyhow::anyhow!("analysed"))?;
    assert_eq!(analysis.rule.as_deref(), Some("road_pothole"));
    assert_eq!(analysis.decided_by, DecidedBy::Rules);
    assert!(!analysis.needs_review);
    assert_eq!(
        report.department.as_ref().map(|d| d.as_str()),
        Some("road_management")
    );
    assert_eq!(report.jurisdiction.name, "전주시완산구");
    assert_eq!(report.status, ReportStatus::Received);
    assert_eq!(report.visibility, Visibility::Public);
    assert_eq!(
        report.due_at - report.created_at,
        TimeDelta::days(7),
        "normal: 7 days"
    );
    assert_eq!(report.number.to_string(), "JB-2026-000001");
    assert_eq!(
        w.stored(&report).await?,
        report,
        "what was returned is what was stored"
    );
    Ok(())
}

#[tokio::test]
async fn a_sinkhole_is_an_urgent_safety_hazard_due_within_a_day() -> anyhow::Result<()> {
    let w = World::new().await?;
    let citizen = w.citizen("minji").await?;
    let report = w
        .submit(&citizen, "긴급", "사거리에 싱크홀이 생겼습니다")
        .await?;
    assert_eq!(report.category.as_str(), "safety_hazard");
    assert_eq!(report.priority, Priority::Urgent);
    assert_eq!(
        report.department.as_ref().map(|d| d.as_str()),
        Some("safety_management")
    );
    assert_eq!(report.due_at - report.created_at, TimeDelta::hours(24));
    Ok(())
}

#[tokio::test]
async fn a_chosen_category_is_kept_and_an_unknown_one_is_refused() -> anyhow::Result<()> {
    let w = World::new().await?;
    let citizen = w.citizen("minji").await?;
    let chosen = SubmitRequest {
        category: Some("streetlight".to_owned()),
        ..request("불편 신고", POTHOLE)
    };
    let report = w.uc.submit.execute(&citizen, chosen).await?;
    assert_eq!(report.category.as_str(), "streetlight");
    assert_eq!(
        report.department.as_ref().map(|d| d.as_str()),
        Some("streetlight_management")
    );
    assert_eq!(
        report.analysis.and_then(|a| a.rule).as_deref(),
        Some("reporter_category")
    );

    let unknown = SubmitRequest {
        category: Some("ufo_sighting".to_owned()),
        ..request("불편 신고", POTHOLE)
    };
    let Err(SubmitError::Invalid(invalid)) = w.uc.submit.execute(&citizen, unknown).await else {
        panic!("an unknown category is invalid");
    };
    assert_eq!(invalid.0[0].code, "unknown_category");
    Ok(())
}

#[tokio::test]
async fn seoul_is_outside_the_service_area_and_uses_up_no_receipt_number() -> anyhow::Result<()> {
    let w = World::new().await?;
    let citizen = w.citizen("minji").await?;
    let seoul = SubmitRequest {
        lat: Some(37.5665),
        lng: Some(126.9780),
        ..request("서울 포트홀", POTHOLE)
    };
    let result = w.uc.submit.execute(&citizen, seoul).await;
    assert!(
        matches!(result, Err(SubmitError::OutsideServiceArea)),
        "{result:?}"
    );

    let first = w.submit(&citizen, "첫 신고", POTHOLE).await?;
    let second = w.submit(&citizen, "둘째 신고", POTHOLE).await?;
    assert_eq!(first.number.to_string(), "JB-2026-000001");
    assert_eq!(second.number.to_string(), "JB-2026-000002");
    assert_eq!(
        w.handles.reports.outbox().len(),
        2,
        "the refused report left no event"
    );
    Ok(())
}

#[tokio::test]
async fn receipt_numbers_follow_the_korean_calendar_year() -> anyhow::Result<()> {
    let w = World::new().await?;
    let citizen = w.citizen("minji").await?;
    // 15:30 UTC on 31 December is 00:30 on 1 January in Korea.
    let new_year_in_korea = Utc
        .with_ymd_and_hms(2026, 12, 31, 15, 30, 0)
        .single()
        .ok_or_else(|| anyhow::anyhow!("a valid time"))?;
    w.handles.clock.set(new_year_in_korea - TimeDelta::hours(1));
    let old_year = w.submit(&citizen, "연말 신고", POTHOLE).await?;
    w.handles.clock.set(new_year_in_korea);
    let new_year = w.submit(&citizen, "새해 신고", POTHOLE).await?;
    assert_eq!(old_year.number.to_string(), "JB-2026-000001");
    assert_eq!(new_year.number.to_string(), "JB-2027-000001");
    Ok(())
}

#[tokio::test]
async fn every_invalid_field_is_reported_and_anonymous_people_must_sign_in() -> anyhow::Result<()> {
    let w = World::new().await?;
    let citizen = w.citizen("minji").await?;
    let broken = SubmitRequest {
        title: "   ".to_owned(),
        lat: Some(91.0),
        visibility: Some("secret".to_owned()),
        ..request("x", POTHOLE)
    };
    let Err(SubmitError::Invalid(invalid)) = w.uc.submit.execute(&citizen, broken).await else {
        panic!("the submission is invalid");
    };
    let fields: Vec<&str> = invalid.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["title", "location.lat", "visibility"]);

    let result =
        w.uc.submit
            .execute(&Actor::Anonymous, request("익명", POTHOLE))
            .await;
    assert!(
        matches!(result, Err(SubmitError::SignInRequired)),
        "{result:?}"
    );
    assert!(w.handles.reports.outbox().is_empty(), "nothing was stored");
    Ok(())
}
