//! The window standard 311 clients list (Open311's `GET requests`): the
//! last 90 days by default, at most 1,000 reports, by receipt number
//! whatever their age, never a private one.

use chrono::TimeDelta;
use sinmungo_core::app::{SubmitRequest, WindowRequest, WINDOW_MAX};
use sinmungo_core::domain::access::Actor;
use sinmungo_core::domain::report::Report;

use crate::world::{request, World, POTHOLE};

fn numbers(found: &[sinmungo_core::app::ReportView]) -> Vec<String> {
    found.iter().map(|v| v.report.number.to_string()).collect()
}

fn number(report: &Report) -> String {
    report.number.to_string()
}

#[tokio::test]
async fn the_default_window_is_the_last_90_days_and_numbers_reach_further() -> anyhow::Result<()> {
    let w = World::new().await?;
    let alice = w.citizen("alice").await?;
    let old = w.submit(&alice, "도로 파손", POTHOLE).await?;
    w.handles.clock.advance(TimeDelta::days(91));
    let new = w.submit(&alice, "도로 파손", POTHOLE).await?;
    let private =
        w.uc.submit
            .execute(
                &alice,
                SubmitRequest {
                    visibility: Some("private".to_owned()),
                    ..request("우리 집 앞", POTHOLE)
                },
            )
            .await?;
    let read = &w.uc.read;
    let anyone = &Actor::Anonymous;

    let default = read.window(anyone, WindowRequest::default()).await?;
    assert_eq!(numbers(&default), [number(&new)], "90 days, public only");
    let since_old = WindowRequest {
        since: Some(old.created_at),
        ..WindowRequest::default()
    };
    assert_eq!(
        numbers(&read.window(anyone, since_old).await?),
        [number(&new), number(&old)]
    );
    let by_number = WindowRequest {
        numbers: vec![number(&old), number(&private), "JB-nonsense".to_owned()],
        open: Some(false),
        ..WindowRequest::default()
    };
    assert_eq!(
        numbers(&read.window(anyone, by_number).await?),
        [number(&old)],
        "the numbers override the window and the status; private ones stay hidden"
    );
    let nothing_valid = WindowRequest {
        numbers: vec!["nonsense".to_owned()],
        ..WindowRequest::default()
    };
    assert!(read.window(anyone, nothing_valid).await?.is_empty());
    Ok(())
}

#[tokio::test]
async fn a_window_holds_at_most_1000_reports_the_newest() -> anyhow::Result<()> {
    let w = World::new().await?;
    let alice = w.citizen("alice").await?;
    let mut submitted = Vec::new();
    for _ in 0..=WINDOW_MAX {
        submitted.push(w.submit(&alice, "도로 파손", POTHOLE).await?);
    }
    let found =
        w.uc.read
            .window(&Actor::Anonymous, WindowRequest::default())
            .await?;
    assert_eq!(found.len(), WINDOW_MAX);
    assert_eq!(found[0].report.id, submitted[WINDOW_MAX].id, "newest first");
    assert!(
        found.iter().all(|v| v.report.id != submitted[0].id),
        "the oldest is left out"
    );
    Ok(())
}
