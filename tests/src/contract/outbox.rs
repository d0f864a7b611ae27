//! `Outbox`: relays claim events in order, never share one, and lose none.

use std::collections::BTreeSet;

use chrono::TimeDelta;
use sinmungo_core::domain::event::{EventEnvelope, ReportEvent};
use sinmungo_core::domain::report::ReportId;
use sinmungo_core::domain::status::ReportStatus;
use sinmungo_core::ports::{ClaimedEvent, ReportChange};
use tokio::task::JoinSet;
use uuid::Uuid;

use crate::contract::fixtures::{self, new_id, t, World};
use crate::contract::{CheckResult, Stores};

const LEASE: TimeDelta = TimeDelta::seconds(30);

fn ids(claimed: &[ClaimedEvent]) -> Vec<Uuid> {
    claimed.iter().map(|c| c.event.id).collect()
}

fn event_ids(events: &[EventEnvelope]) -> Vec<Uuid> {
    events.iter().map(|e| e.id).collect()
}

/// Appends `count` status events about `report`, in one change.
async fn append_events(
    w: &World<'_>,
    report: ReportId,
    count: i64,
) -> anyhow::Result<Vec<EventEnvelope>> {
    let events: Vec<EventEnvelope> = (0..count)
        .map(|i| fixtures::status_event(report, t(100 + i), ReportStatus::InProgress))
        .collect();
    w.reports()
        .apply(ReportChange {
            events: events.clone(),
            ..ReportChange::default()
        })
        .await?;
    Ok(events)
}

/// Claims hand out events oldest first, up to the limit, as they were written;
/// published events are never handed out again.
pub async fn outbox_claims_oldest_first_and_forgets_published_events(
    stores: &Stores,
) -> CheckResult {
    let w = World::new(stores).await?;
    for n in 1..=3 {
        w.create(n, |_| {}).await?;
    }
    let appended = stores.appended.outbox().await?;
    assert_eq!(stores.outbox.pending().await?, 3);

    let first = stores.outbox.claim(t(0), LEASE, 2).await?;
    assert_eq!(
        first.iter().map(|c| c.event.clone()).collect::<Vec<_>>(),
        appended[..2],
        "the two oldest events, intact"
    );
    assert!(first.iter().all(|c| c.attempts == 0));

    stores.outbox.mark_published(&ids(&first), t(1)).await?;
    assert_eq!(
        stores.outbox.pending().await?,
        1,
        "two published, one pending"
    );

    // Long after any lease: only the unpublished event comes back.
    let rest = stores.outbox.claim(t(3_600), LEASE, 10).await?;
    assert_eq!(ids(&rest), event_ids(&appended[2..]));
    stores.outbox.mark_published(&ids(&rest), t(3_601)).await?;
    assert_eq!(stores.outbox.pending().await?, 0);
    assert!(stores.outbox.claim(t(7_200), LEASE, 10).await?.is_empty());

    // Marking again, or marking unknown ids, changes nothing.
    stores.outbox.mark_published(&ids(&rest), t(7_201)).await?;
    stores.outbox.mark_published(&[new_id()], t(7_201)).await?;
    assert_eq!(stores.outbox.pending().await?, 0);
    Ok(())
}

/// The oldest pending event is the first one not yet published, whoever
/// holds it; with everything published there is none.
pub async fn outbox_oldest_pending_is_the_first_unpublished_event(stores: &Stores) -> CheckResult {
    assert_eq!(
        stores.outbox.oldest_pending().await?,
        None,
        "an empty outbox"
    );
    let w = World::new(stores).await?;
    let report = w.create(1, |_| {}).await?;
    append_events(&w, report.id, 2).await?;
    let appended = stores.appended.outbox().await?;
    assert_eq!(appended.len(), 3);
    let oldest = || async { stores.outbox.oldest_pending().await };
    assert_eq!(oldest().await?, Some(appended[0].occurred_at));

    // Claimed is still pending: the age says how long it has waited.
    let first = stores.outbox.claim(t(0), LEASE, 1).await?;
    assert_eq!(oldest().await?, Some(appended[0].occurred_at));
    stores.outbox.mark_published(&ids(&first), t(1)).await?;
    assert_eq!(oldest().await?, Some(appended[1].occurred_at));

    let rest = stores.outbox.claim(t(2), LEASE, 10).await?;
    stores.outbox.mark_published(&ids(&rest), t(3)).await?;
    assert_eq!(oldest().await?, None, "everything published");
    Ok(())
}

/// A claimed event is held until its lease ends, then claimable again (the
/// relay that held it died): at least once, never lost.
pub async fn outbox_lease_holds_until_it_ends(stores: &Stores) -> CheckResult {
    let w = World::new(stores).await?;
    w.create(1, |_| {}).await?;
    let held = stores.outbox.claim(t(0), LEASE, 10).await?;
    assert_eq!(held.len(), 1);
    assert!(
        stores.outbox.claim(t(29), LEASE, 10).await?.is_empty(),
        "held by the first claim for 30 s"
    );
    let again = stores.outbox.claim(t(30), LEASE, 10).await?;
    assert_eq!(
        ids(&again),
        ids(&held),
        "claimable again once the lease is over"
    );
    Ok(())
}

/// A released event is claimable at once, with its failed attempt counted.
pub async fn outbox_release_counts_the_attempt(stores: &Stores) -> CheckResult {
    let w = World::new(stores).await?;
    w.create(1, |_| {}).await?;
    w.create(2, |_| {}).await?;
    let claimed = stores.outbox.claim(t(0), LEASE, 10).await?;
    assert_eq!(claimed.len(), 2);
    stores
        .outbox
        .release(&ids(&claimed), "broker unavailable: 연결 거부")
        .await?;

    let again = stores.outbox.claim(t(1), LEASE, 10).await?;
    assert_eq!(
        ids(&again),
        ids(&claimed),
        "released events come back at once, in order"
    );
    assert!(
        again.iter().all(|c| c.attempts == 1),
        "one failed attempt each"
    );

    stores.outbox.release(&ids(&again[..1]), "again").await?;
    let third = stores.outbox.claim(t(2), LEASE, 10).await?;
    assert_eq!(third.len(), 1);
    assert_eq!(third[0].attempts, 2);
    assert_eq!(stores.outbox.pending().await?, 2, "nothing was published");
    Ok(())
}

/// While one relay holds a report's event, nobody gets that report's later
/// events; other reports' events are not held up.
pub async fn outbox_keeps_each_reports_events_in_order(stores: &Stores) -> CheckResult {
    let w = World::new(stores).await?;
    let first = w.create(1, |_| {}).await?;
    let second = w.create(2, |_| {}).await?;
    let later = append_events(&w, first.id, 2).await?;
    let appended = stores.appended.outbox().await?;
    let [submitted_first, submitted_second, ..] = appended.as_slice() else {
        anyhow::bail!("expected the two submission events first");
    };

    assert_eq!(submitted_second.report_id, second.id);

    let relay_a = stores.outbox.claim(t(0), LEASE, 1).await?;
    assert_eq!(ids(&relay_a), [submitted_first.id]);

    let relay_b = stores.outbox.claim(t(1), LEASE, 10).await?;
    assert_eq!(
        ids(&relay_b),
        [submitted_second.id],
        "the first report's later events wait for its held event"
    );

    stores.outbox.mark_published(&ids(&relay_a), t(2)).await?;
    let relay_c = stores.outbox.claim(t(3), LEASE, 10).await?;
    assert_eq!(ids(&relay_c), event_ids(&later), "then they come, in order");
    Ok(())
}

/// Relays claiming at the same time never get the same event, and between
/// them they get every event.
pub async fn outbox_concurrent_claims_share_nothing_and_miss_nothing(
    stores: &Stores,
) -> CheckResult {
    let w = World::new(stores).await?;
    for n in 1..=40 {
        w.create(n, |_| {}).await?;
    }
    let appended: BTreeSet<Uuid> = event_ids(&stores.appended.outbox().await?)
        .into_iter()
        .collect();

    let mut relays = JoinSet::new();
    for _ in 0..8 {
        let outbox = stores.outbox.clone();
        relays.spawn(async move {
            let mut mine = Vec::new();
            loop {
                let claimed = outbox.claim(t(0), LEASE, 3).await?;
                if claimed.is_empty() {
                    return anyhow::Ok(mine);
                }
                let batch = ids(&claimed);
                outbox.mark_published(&batch, t(1)).await?;
                mine.extend(batch);
                tokio::task::yield_now().await;
            }
        });
    }
    let mut seen = Vec::new();
    while let Some(relay) = relays.join_next().await {
        seen.extend(relay??);
    }
    let distinct: BTreeSet<Uuid> = seen.iter().copied().collect();
    assert_eq!(distinct.len(), seen.len(), "no event was handed out twice");
    assert_eq!(distinct, appended, "every event was handed out");
    assert_eq!(stores.outbox.pending().await?, 0);
    Ok(())
}

/// A merged event about another report is an ordinary event of its own report.
pub async fn outbox_claim_returns_payloads_intact(stores: &Stores) -> CheckResult {
    let w = World::new(stores).await?;
    let first = w.create(1, |_| {}).await?;
    let second = w.create(2, |_| {}).await?;
    let merged = ReportEvent::Merged { into: second.id }.into_envelope(new_id(), first.id, t(9));
    w.reports()
        .apply(ReportChange {
            events: vec![merged.clone()],
            ..ReportChange::default()
        })
        .await?;
    let claimed = stores.outbox.claim(t(10), LEASE, 10).await?;
    assert_eq!(claimed.last().map(|c| &c.event), Some(&merged));
    Ok(())
}
