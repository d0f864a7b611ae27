//! The outbox every step writes, and what people get when the store is down.

use sinmungo_core::app::{
    ActionError, AssignRequest, CommentRequest, ListRequest, LoginError, ReclassifyRequest,
    RegisterError, SubmitError, ViewError,
};
use sinmungo_core::domain::access::Actor;
use sinmungo_memory::INJECTED_FAULT;

use crate::world::{registration, request, to, to_with_note, World, PASSWORD, POTHOLE};

#[tokio::test]
async fn the_outbox_records_every_step_in_order_without_the_reporter() -> anyhow::Result<()> {
    let w = World::new().await?;
    let reporter = w.citizen("minji").await?;
    let manager = w.official("manager", "manager", "road_management").await?;
    let staff = w.official("officer", "staff", "road_management").await?;
    let report = w.submit(&reporter, "포트홀", POTHOLE).await?;

    let to_roads = AssignRequest {
        department: Some("road_management".to_owned()),
        assignee: None,
    };
    w.uc.assign.execute(&manager, report.id, to_roads).await?;
    w.uc.transition
        .execute(&staff, report.id, to("in_progress"))
        .await?;
    let note = CommentRequest {
        body: "내일 보수".to_owned(),
        internal: false,
    };
    w.uc.comment.execute(&staff, report.id, note).await?;
    let high = ReclassifyRequest {
        category: "road_damage".to_owned(),
        priority: "high".to_owned(),
    };
    w.uc.reclassify.execute(&staff, report.id, high).await?;
    w.uc.transition
        .execute(&staff, report.id, to_with_note("resolved", "보수 완료"))
        .await?;

    let outbox = w.handles.reports.outbox();
    let types: Vec<&str> = outbox.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "report.submitted",
            "report.assigned",
            "report.status_changed",
            "report.status_changed",
            "report.commented",
            "report.classified",
            "report.status_changed",
        ]
    );
    assert!(outbox.iter().all(|e| e.report_id == report.id));
    assert_eq!(
        outbox[2].payload,
        serde_json::json!({ "from": "received", "to": "assigned" })
    );
    assert_eq!(
        outbox[6].payload,
        serde_json::json!({ "from": "in_progress", "to": "resolved" })
    );
    assert_eq!(outbox[5].payload["priority"], "high");
    let reporter_id = reporter
        .user_id()
        .map(|id| id.to_string())
        .unwrap_or_default();
    for event in &outbox {
        assert!(
            !event.payload.to_string().contains(&reporter_id),
            "{} names the reporter",
            event.event_type
        );
    }
    Ok(())
}

#[tokio::test]
async fn a_store_outage_answers_unavailable_and_recovers() -> anyhow::Result<()> {
    let w = World::new().await?;
    let reporter = w.citizen("minji").await?;
    let staff = w.official("officer", "staff", "road_management").await?;
    let report = w.submit(&reporter, "포트홀", POTHOLE).await?;
    assert!(w.uc.ready().await);

    w.handles.faults.set_unavailable(true);
    assert!(!w.uc.ready().await, "readiness reports the outage");
    let submit =
        w.uc.submit
            .execute(&reporter, request("포트홀", POTHOLE))
            .await;
    assert!(
        matches!(&submit, Err(SubmitError::Unavailable(reason)) if reason.contains(INJECTED_FAULT)),
        "{submit:?}"
    );
    let get = w.uc.read.get(&Actor::Anonymous, report.id).await;
    assert!(matches!(get, Err(ViewError::Unavailable(_))), "{get:?}");
    let list =
        w.uc.read
            .list(&Actor::Anonymous, ListRequest::default())
            .await;
    assert!(matches!(list, Err(ViewError::Unavailable(_))), "{list:?}");
    let transition =
        w.uc.transition
            .execute(&staff, report.id, to("in_progress"))
            .await;
    assert!(
        matches!(transition, Err(ActionError::Unavailable(_))),
        "{transition:?}"
    );
    let login = w.uc.accounts.login("minji@example.kr", PASSWORD).await;
    assert!(
        matches!(login, Err(LoginError::Unavailable(_))),
        "{login:?}"
    );
    let register = w.uc.accounts.register(registration("late")).await;
    assert!(
        matches!(register, Err(RegisterError::Unavailable(_))),
        "{register:?}"
    );

    w.handles.faults.set_unavailable(false);
    assert!(w.uc.ready().await);
    let working =
        w.uc.transition
            .execute(&staff, report.id, to("in_progress"))
            .await?;
    assert_eq!(
        working.report.version, 2,
        "nothing was half-written during the outage"
    );
    w.uc.accounts.login("minji@example.kr", PASSWORD).await?;
    Ok(())
}

#[tokio::test]
async fn one_failed_call_fails_one_request_and_the_retry_succeeds() -> anyhow::Result<()> {
    let w = World::new().await?;
    let reporter = w.citizen("minji").await?;
    w.handles.faults.fail_next(1);
    let first =
        w.uc.submit
            .execute(&reporter, request("포트홀", POTHOLE))
            .await;
    assert!(
        matches!(first, Err(SubmitError::Unavailable(_))),
        "{first:?}"
    );
    let retried = w.submit(&reporter, "포트홀", POTHOLE).await?;
    assert_eq!(
        retried.number.to_string(),
        "JB-2026-000001",
        "the failure used no number"
    );
    Ok(())
}
