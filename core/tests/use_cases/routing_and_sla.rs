//! Officers' work: reports routed to the department of their city or county,
//! SLA targets per category, the two clocks across a reopening, and the
//! administration of departments and categories.

use std::collections::BTreeMap;

use chrono::TimeDelta;
use sinmungo_core::app::{
    CategoryChange, DepartmentRequest, DirectoryError, Schedule, SlaRequest, SubmitRequest,
};
use sinmungo_core::domain::access::Actor;
use sinmungo_core::domain::routing::RoutingRule;
use sinmungo_core::domain::status::ReportStatus;
use sinmungo_core::ports::Clock;

use crate::world::{to, to_with_note, World, POTHOLE};

/// Gunsan City Hall (군산시청).
const GUNSAN: (f64, f64) = (35.9676, 126.7366);

fn gunsan_pothole() -> SubmitRequest {
    SubmitRequest {
        title: "도로 파손".to_owned(),
        description: POTHOLE.to_owned(),
        lat: Some(GUNSAN.0),
        lng: Some(GUNSAN.1),
        ..SubmitRequest::default()
    }
}

fn roads_of(jurisdiction: Option<&str>, categories: &[&str]) -> DepartmentRequest {
    DepartmentRequest {
        name: "군산시 도로과".to_owned(),
        name_en: Some("Gunsan Roads Division".to_owned()),
        jurisdiction: jurisdiction.map(str::to_owned),
        categories: categories.iter().map(|c| (*c).to_owned()).collect(),
    }
}

async fn admin(w: &World) -> anyhow::Result<Actor> {
    w.official("admin", "admin", "civil_affairs").await
}

#[tokio::test]
async fn a_report_goes_to_its_city_department_and_elsewhere_to_the_province() -> anyhow::Result<()>
{
    let w = World::new().await?;
    let admin = admin(&w).await?;
    let citizen = w.citizen("minji").await?;

    // Before Gunsan has a road department: the province-wide one.
    let before = w.uc.submit.execute(&citizen, gunsan_pothole()).await?;
    assert_eq!(
        before.department.as_ref().map(|d| d.as_str()),
        Some("road_management")
    );
    assert_eq!(
        before.analysis.as_ref().and_then(|a| a.routing),
        Some(RoutingRule::ProvinceWide)
    );

    w.uc.directory
        .create_department(
            &admin,
            "gunsan_roads",
            roads_of(Some("35020"), &["road_damage"]),
        )
        .await?;
    let in_gunsan = w.uc.submit.execute(&citizen, gunsan_pothole()).await?;
    assert_eq!(
        in_gunsan.department.as_ref().map(|d| d.as_str()),
        Some("gunsan_roads")
    );
    assert_eq!(in_gunsan.jurisdiction.name, "군산시");
    assert_eq!(
        in_gunsan.analysis.as_ref().and_then(|a| a.routing),
        Some(RoutingRule::Jurisdiction)
    );
    let in_jeonju = w.submit(&citizen, "도로 파손", POTHOLE).await?;
    assert_eq!(
        in_jeonju.department.as_ref().map(|d| d.as_str()),
        Some("road_management")
    );

    // Routing changes move no report already routed.
    w.uc.directory
        .update_department(&admin, "gunsan_roads", roads_of(Some("35020"), &[]))
        .await?;
    assert_eq!(
        w.stored(&in_gunsan)
            .await?
            .department
            .map(|d| d.to_string()),
        Some("gunsan_roads".to_owned())
    );
    assert_eq!(
        w.stored(&before).await?.department.map(|d| d.to_string()),
        Some("road_management".to_owned())
    );
    let after = w.uc.submit.execute(&citizen, gunsan_pothole()).await?;
    assert_eq!(
        after.department.map(|d| d.to_string()),
        Some("road_management".to_owned())
    );
    Ok(())
}

#[tokio::test]
async fn a_reclassified_report_is_routed_by_its_place() -> anyhow::Result<()> {
    let w = World::new().await?;
    let admin = admin(&w).await?;
    let citizen = w.citizen("minji").await?;
    w.uc.directory
        .create_department(
            &admin,
            "gunsan_lights",
            roads_of(Some("35020"), &["streetlight"]),
        )
        .await?;
    let report = w.uc.submit.execute(&citizen, gunsan_pothole()).await?;
    let officer = w.official("officer", "staff", "road_management").await?;
    // A new priority alone keeps the department, and says how it was chosen.
    w.uc.reclassify
        .execute(
            &officer,
            report.id,
            sinmungo_core::app::ReclassifyRequest {
                category: "road_damage".to_owned(),
                priority: "high".to_owned(),
            },
        )
        .await?;
    let stored = w.stored(&report).await?;
    assert_eq!(
        stored.department.map(|d| d.to_string()),
        Some("road_management".to_owned())
    );
    assert_eq!(
        stored.analysis.and_then(|a| a.routing),
        Some(RoutingRule::ProvinceWide)
    );
    w.uc.reclassify
        .execute(
            &officer,
            report.id,
            sinmungo_core::app::ReclassifyRequest {
                category: "streetlight".to_owned(),
                priority: "high".to_owned(),
            },
        )
        .await?;
    let stored = w.stored(&report).await?;
    assert_eq!(
        stored.department.map(|d| d.to_string()),
        Some("gunsan_lights".to_owned())
    );
    assert_eq!(
        stored.analysis.and_then(|a| a.routing),
        Some(RoutingRule::Jurisdiction)
    );
    Ok(())
}

#[tokio::test]
async fn an_administrator_sets_a_categorys_sla_and_new_reports_follow_it() -> anyhow::Result<()> {
    let w = World::new().await?;
    let admin = admin(&w).await?;
    let citizen = w.citizen("minji").await?;
    let earlier = w.submit(&citizen, "도로 파손", POTHOLE).await?;

    let category =
        w.uc.directory
            .update_category(
                &admin,
                "road_damage",
                CategoryChange {
                    sla: BTreeMap::from([(
                        "normal".to_owned(),
                        Some(SlaRequest {
                            first_response_hours: 4,
                            resolution_hours: 48,
                        }),
                    )]),
                    ..CategoryChange::default()
                },
            )
            .await?;
    assert_eq!(
        category
            .sla(sinmungo_core::domain::priority::Priority::Normal)
            .resolution,
        TimeDelta::hours(48)
    );

    let report = w.submit(&citizen, "도로 파손", POTHOLE).await?;
    assert_eq!(report.priority.as_str(), "normal");
    assert_eq!(report.respond_by - report.created_at, TimeDelta::hours(4));
    assert_eq!(report.due_at - report.created_at, TimeDelta::hours(48));
    // The report submitted before keeps the clocks it was given.
    let earlier = w.stored(&earlier).await?;
    assert_eq!(earlier.due_at - earlier.created_at, TimeDelta::days(7));

    // `null` restores the product's default.
    w.uc.directory
        .update_category(
            &admin,
            "road_damage",
            CategoryChange {
                sla: BTreeMap::from([("normal".to_owned(), None)]),
                ..CategoryChange::default()
            },
        )
        .await?;
    let again = w.submit(&citizen, "도로 파손", POTHOLE).await?;
    assert_eq!(again.due_at - again.created_at, TimeDelta::days(7));
    Ok(())
}

#[tokio::test]
async fn the_first_response_stops_its_clock_and_a_reopening_restarts_resolution(
) -> anyhow::Result<()> {
    let w = World::new().await?;
    let citizen = w.citizen("minji").await?;
    let officer = w.official("officer", "staff", "road_management").await?;
    let jobs = w.uc.jobs(Schedule::default());
    let report = w.submit(&citizen, "도로 파손", POTHOLE).await?;
    assert_eq!(report.responded_at, None);

    // Eight days pass: both clocks are missed and flagged.
    w.handles.clock.advance(TimeDelta::days(8));
    assert_eq!(jobs.flag_breaches().await?, 2);
    let breached = w.stored(&report).await?;
    assert!(breached.response_breached_at.is_some() && breached.resolution_breached_at.is_some());

    let responded = w.handles.clock.now();
    w.uc.transition
        .execute(&officer, report.id, to("in_progress"))
        .await?;
    w.handles.clock.advance(TimeDelta::hours(1));
    w.uc.transition
        .execute(&officer, report.id, to_with_note("resolved", "보수 완료"))
        .await?;
    let resolved = w.stored(&report).await?;
    assert_eq!(resolved.responded_at, Some(responded), "the first response");
    assert_eq!(resolved.status, ReportStatus::Resolved);

    // The citizen finds it broken again two days later and reopens it.
    w.handles.clock.advance(TimeDelta::days(2));
    let reopened_at = w.handles.clock.now();
    w.uc.transition
        .execute(
            &citizen,
            report.id,
            to_with_note("in_progress", "다시 파였어요"),
        )
        .await?;
    let reopened = w.stored(&report).await?;
    assert_eq!(reopened.reopened_at, Some(reopened_at));
    assert_eq!(
        reopened.due_at,
        reopened_at + TimeDelta::days(7),
        "a new 7-day window"
    );
    assert_eq!(
        reopened.resolution_breached_at, None,
        "the resolution clock runs again"
    );
    assert_eq!(
        reopened.responded_at,
        Some(responded),
        "the first response stays"
    );
    assert!(
        reopened.response_breached_at.is_some(),
        "that clock was missed for good"
    );

    // Within the new window nothing is flagged; past it, the breach is found again.
    w.handles.clock.advance(TimeDelta::days(6));
    assert_eq!(jobs.flag_breaches().await?, 0);
    w.handles.clock.advance(TimeDelta::days(2));
    assert_eq!(jobs.flag_breaches().await?, 1);
    assert!(w.stored(&report).await?.resolution_breached_at.is_some());
    Ok(())
}

#[tokio::test]
async fn departments_are_checked_before_they_route_anything() -> anyhow::Result<()> {
    let w = World::new().await?;
    let admin = admin(&w).await?;
    let directory = &w.uc.directory;
    directory
        .create_department(
            &admin,
            "gunsan_roads",
            roads_of(Some("35020"), &["road_damage"]),
        )
        .await?;

    let twice = directory
        .create_department(&admin, "gunsan_roads", roads_of(Some("35020"), &[]))
        .await;
    assert!(
        matches!(twice, Err(DirectoryError::DepartmentExists(_))),
        "{twice:?}"
    );

    // Another Gunsan department may not take road damage too; one in Iksan may.
    let conflict = directory
        .create_department(
            &admin,
            "gunsan_roads_2",
            roads_of(Some("35020"), &["road_damage"]),
        )
        .await;
    assert!(
        matches!(&conflict, Err(DirectoryError::RoutingConflict { other, .. }) if other.as_str() == "gunsan_roads"),
        "{conflict:?}"
    );
    directory
        .create_department(
            &admin,
            "iksan_roads",
            roads_of(Some("35030"), &["road_damage"]),
        )
        .await?;
    // Province-wide, road damage is the seeded department's.
    let province = directory
        .create_department(&admin, "roads_2", roads_of(None, &["road_damage"]))
        .await;
    assert!(
        matches!(province, Err(DirectoryError::RoutingConflict { .. })),
        "{province:?}"
    );

    let invalid = directory
        .create_department(
            &admin,
            "Bad Code",
            DepartmentRequest {
                name: " ".to_owned(),
                ..roads_of(Some("35990"), &["no_such_category"])
            },
        )
        .await;
    let Err(DirectoryError::Invalid(invalid)) = invalid else {
        panic!("expected field errors, got {invalid:?}");
    };
    assert_eq!(invalid.0.len(), 1, "the code is checked first: {invalid:?}");
    let invalid = directory
        .create_department(
            &admin,
            "bad_fields",
            DepartmentRequest {
                name: " ".to_owned(),
                ..roads_of(Some("35990"), &["no_such_category"])
            },
        )
        .await;
    let Err(DirectoryError::Invalid(invalid)) = invalid else {
        panic!("expected field errors, got {invalid:?}");
    };
    let codes: Vec<_> = invalid.0.iter().map(|e| e.code).collect();
    assert_eq!(
        codes,
        ["invalid_name", "unknown_jurisdiction", "unknown_category"]
    );

    let officer = w.official("manager", "manager", "road_management").await?;
    let refused = directory
        .create_department(&officer, "parks_2", roads_of(None, &[]))
        .await;
    assert!(
        matches!(refused, Err(DirectoryError::Forbidden)),
        "{refused:?}"
    );
    let unknown = directory
        .update_department(&admin, "no_such_department", roads_of(None, &[]))
        .await;
    assert!(
        matches!(unknown, Err(DirectoryError::NotFound(_))),
        "{unknown:?}"
    );

    // Every change is in the audit log.
    let audit = w.handles.audit.entries();
    let actions: Vec<_> = audit
        .iter()
        .map(|e| e.action.as_str())
        .filter(|a| a.starts_with("directory."))
        .collect();
    assert_eq!(
        actions,
        ["directory.department.create", "directory.department.create"]
    );
    Ok(())
}

#[tokio::test]
async fn category_changes_are_checked_field_by_field() -> anyhow::Result<()> {
    let w = World::new().await?;
    let admin = admin(&w).await?;
    let result =
        w.uc.directory
            .update_category(
                &admin,
                "road_damage",
                CategoryChange {
                    default_priority: Some("critical".to_owned()),
                    department: Some("no_such_department".to_owned()),
                    sla: BTreeMap::from([
                        (
                            "urgent".to_owned(),
                            Some(SlaRequest {
                                first_response_hours: 30,
                                resolution_hours: 24,
                            }),
                        ),
                        (
                            "someday".to_owned(),
                            Some(SlaRequest {
                                first_response_hours: 1,
                                resolution_hours: 2,
                            }),
                        ),
                    ]),
                    duplicate_radius_m: Some(5_000),
                    ..CategoryChange::default()
                },
            )
            .await;
    let Err(DirectoryError::Invalid(invalid)) = result else {
        panic!("expected field errors, got {result:?}");
    };
    let fields: Vec<_> = invalid
        .0
        .iter()
        .map(|e| (e.field.as_str(), e.code))
        .collect();
    assert_eq!(
        fields,
        [
            ("default_priority", "unknown_priority"),
            ("department", "unknown_department"),
            ("sla.someday", "unknown_priority"),
            ("sla.urgent", "response_after_resolution"),
            ("duplicate_radius_m", "out_of_range"),
        ]
    );
    let unchanged = w.uc.directory.categories().await?;
    let road = unchanged.iter().find(|c| c.code.as_str() == "road_damage");
    assert_eq!(
        road.map(|c| c.duplicate_radius_m),
        Some(250),
        "nothing was stored"
    );
    Ok(())
}
