//! Who sees what: private reports, masked personal data, own lists.

use sinmungo_core::app::{ListRequest, SubmitRequest, ViewError};
use sinmungo_core::domain::access::Actor;
use sinmungo_core::domain::masking::MASKED_PHONE;

use crate::world::{request, World, POTHOLE};

#[tokio::test]
async fn a_private_report_does_not_exist_for_other_citizens() -> anyhow::Result<()> {
    let w = World::new().await?;
    let alice = w.citizen("alice").await?;
    let bob = w.citizen("bob").await?;
    let officer_elsewhere = w.official("parks", "staff", "parks").await?;
    let private = SubmitRequest {
        visibility: Some("private".to_owned()),
        ..request("우리 집 앞", POTHOLE)
    };
    let report = w.uc.submit.execute(&alice, private).await?;

    for (who, viewer) in [("bob", &bob), ("anonymous", &Actor::Anonymous)] {
        let result = w.uc.read.get(viewer, report.id).await;
        assert!(
            matches!(result, Err(ViewError::NotFound)),
            "{who}: {result:?}"
        );
        let result = w.uc.read.timeline(viewer, report.id).await;
        assert!(
            matches!(result, Err(ViewError::NotFound)),
            "{who}'s timeline: {result:?}"
        );
        let listed = w.uc.read.list(viewer, ListRequest::default()).await?;
        assert!(listed.items.is_empty(), "{who} lists nothing");
    }
    assert_eq!(
        w.uc.read.get(&alice, report.id).await?.report.id,
        report.id,
        "the reporter sees it"
    );
    assert_eq!(
        w.uc.read
            .get(&officer_elsewhere, report.id)
            .await?
            .report
            .id,
        report.id,
        "officials of any department see it"
    );
    let listed = w.uc.read.list(&alice, ListRequest::default()).await?;
    assert_eq!(listed.items.len(), 1, "the reporter lists it");
    Ok(())
}

#[tokio::test]
async fn the_public_sees_a_phone_number_masked_the_reporter_and_staff_see_it() -> anyhow::Result<()>
{
    let w = World::new().await?;
    let alice = w.citizen("alice").await?;
    let bob = w.citizen("bob").await?;
    let staff = w.official("officer", "staff", "road_management").await?;
    let description = "포트홀이 커요. 010-1234-5678로 연락주세요";
    let report = w.submit(&alice, "포트홀", description).await?;

    for (who, viewer) in [("anonymous", &Actor::Anonymous), ("bob", &bob)] {
        let view = w.uc.read.get(viewer, report.id).await?;
        assert_eq!(
            view.description,
            format!("포트홀이 커요. {MASKED_PHONE}로 연락주세요"),
            "{who}"
        );
        assert!(
            !view.reporter_visible,
            "{who} does not learn who reported it"
        );
        let listed = w.uc.read.list(viewer, ListRequest::default()).await?;
        assert!(
            listed
                .items
                .iter()
                .all(|v| !v.description.contains("010-1234-5678")),
            "{who}'s list is masked too"
        );
    }
    for (who, viewer) in [("reporter", &alice), ("staff", &staff)] {
        let view = w.uc.read.get(viewer, report.id).await?;
        assert_eq!(view.description, description, "{who} sees it unmasked");
        assert!(view.reporter_visible, "{who}");
    }
    Ok(())
}

#[tokio::test]
async fn mine_lists_only_the_citizens_own_reports() -> anyhow::Result<()> {
    let w = World::new().await?;
    let alice = w.citizen("alice").await?;
    let bob = w.citizen("bob").await?;
    let own = w.submit(&alice, "내 신고", POTHOLE).await?;
    w.submit(&bob, "남의 신고", POTHOLE).await?;

    let mine = ListRequest {
        mine: true,
        ..ListRequest::default()
    };
    let listed = w.uc.read.list(&alice, mine.clone()).await?;
    let ids: Vec<_> = listed.items.iter().map(|v| v.report.id).collect();
    assert_eq!(ids, [own.id]);
    let everything = w.uc.read.list(&alice, ListRequest::default()).await?;
    assert_eq!(
        everything.items.len(),
        2,
        "without mine, every public report"
    );
    let result = w.uc.read.list(&Actor::Anonymous, mine).await;
    assert!(
        matches!(result, Err(ViewError::SignInRequired)),
        "{result:?}"
    );
    Ok(())
}
