//! `NotificationStore`: one notification per recipient and dedupe key, each
//! person's list newest first with a cursor, read and unread.

use chrono::{DateTime, TimeDelta, Utc};
use sinmungo_core::domain::mail::EmailDelivery;
use sinmungo_core::domain::notification::{Notification, NotificationId, NotificationKind};
use sinmungo_core::domain::user::{Role, User, UserId};
use sinmungo_core::ports::{NotificationQuery, NotificationStore};
use tokio::task::JoinSet;
use uuid::Uuid;

use crate::contract::fixtures::{report_id, t, t0, user};
use crate::contract::{CheckResult, Stores};

/// Notification `n` (ids rise with `n`, as UUIDv7s do with time), for
/// `recipient`, made from `key`, at `t0 + n` seconds and a fraction.
pub(crate) fn notification(n: u128, recipient: &User, key: &str) -> Notification {
    Notification {
        id: NotificationId(Uuid::from_u128(
            0x0192_0000_0000_7000_8000_0000_0000_0000 | (n << 64),
        )),
        recipient: recipient.id,
        kind: NotificationKind::StatusChanged,
        report_id: report_id(1),
        title: format!("신고 JB-2026-000001의 처리 상태가 '처리완료'(으)로 바뀌었습니다 #{n}"),
        body: "도로 파손 신고\n처리 내용: 아스팔트 보수 완료 — \"50%\" _done_ \\ 🚧".to_owned(),
        dedupe_key: key.to_owned(),
        created_at: at(n),
        read_at: None,
        email: EmailDelivery::None,
    }
}

/// `t0 + n` seconds and 123,456,789 ns (stores keep the microseconds).
pub(crate) fn at(n: u128) -> DateTime<Utc> {
    t(i64::try_from(n).unwrap_or(0)) + TimeDelta::nanoseconds(123_456_789)
}

/// `at` truncated to the microsecond, as stored.
pub(crate) fn micros(at: DateTime<Utc>) -> DateTime<Utc> {
    at - TimeDelta::nanoseconds(i64::from(at.timestamp_subsec_nanos() % 1_000))
}

/// As the store gives it back.
pub(crate) fn stored(mut notification: Notification) -> Notification {
    notification.created_at = micros(notification.created_at);
    notification.read_at = notification.read_at.map(micros);
    notification
}

pub(crate) async fn people(stores: &Stores) -> anyhow::Result<(User, User)> {
    let alice = user(1, Role::Citizen, None)?;
    let bob = user(2, Role::Citizen, None)?;
    stores.users.create(&alice).await?;
    stores.users.create(&bob).await?;
    Ok((alice, bob))
}

async fn all_of(store: &dyn NotificationStore, who: UserId) -> anyhow::Result<Vec<Notification>> {
    let mut query = NotificationQuery::new(who);
    query.limit = 100;
    Ok(store.list(&query).await?.items)
}

/// A notification reads back as written (text byte for byte, times to the
/// microsecond); `insert` returns what it stored, as stored.
pub async fn notification_round_trips(stores: &Stores) -> CheckResult {
    let (alice, _) = people(stores).await?;
    let store = stores.notifications.as_ref();
    let mut written = notification(1, &alice, "event:1");
    written.read_at = Some(at(5));
    let returned = store.insert(std::slice::from_ref(&written)).await?;
    assert_eq!(
        returned,
        [stored(written.clone())],
        "insert returns it as stored"
    );
    assert_eq!(all_of(store, alice.id).await?, [stored(written)]);
    Ok(())
}

/// The same recipient and key is the same notification: stored once,
/// however often (and however concurrently) it is inserted; another
/// recipient with the key, or another key, is another notification.
pub async fn a_dedupe_key_notifies_each_recipient_once(stores: &Stores) -> CheckResult {
    let (alice, bob) = people(stores).await?;
    let store = stores.notifications.clone();
    let first = [
        notification(1, &alice, "routed:r1:roads"),
        notification(2, &bob, "routed:r1:roads"),
    ];
    assert_eq!(store.insert(&first).await?.len(), 2, "two recipients");
    let again = [
        notification(3, &alice, "routed:r1:roads"),
        notification(4, &alice, "routed:r1:parks"),
    ];
    assert_eq!(
        store.insert(&again).await?,
        [stored(again[1].clone())],
        "only the new key is stored"
    );

    let mut racers = JoinSet::new();
    for n in 10..18 {
        let store = store.clone();
        let racer = notification(n, &alice, "event:raced");
        racers.spawn(async move { store.insert(&[racer]).await });
    }
    let mut stored_by = 0;
    while let Some(outcome) = racers.join_next().await {
        stored_by += outcome??.len();
    }
    assert_eq!(stored_by, 1, "of eight concurrent inserts one stored it");
    assert_eq!(all_of(store.as_ref(), alice.id).await?.len(), 3);
    assert_eq!(all_of(store.as_ref(), bob.id).await?.len(), 1);
    Ok(())
}

/// Each person's list holds only their notifications, newest (highest id)
/// first, in pages without gaps or repeats; `unread_only` leaves out the
/// read ones.
pub async fn notifications_list_newest_first_per_person(stores: &Stores) -> CheckResult {
    let (alice, bob) = people(stores).await?;
    let store = stores.notifications.as_ref();
    let mut mine: Vec<Notification> = (1..=7)
        .map(|n| notification(n, &alice, &format!("event:{n}")))
        .collect();
    // Inserted out of order: the order is the ids'.
    mine.reverse();
    mine.swap(1, 4);
    store.insert(&mine).await?;
    store.insert(&[notification(8, &bob, "event:8")]).await?;
    let read = NotificationId(notification(3, &alice, "").id.0);
    store.mark_read(alice.id, read, t0()).await?;

    let mut pages = Vec::new();
    let mut query = NotificationQuery::new(alice.id);
    query.limit = 3;
    loop {
        let page = store.list(&query).await?;
        pages.push(page.items.iter().map(|n| n.id).collect::<Vec<_>>());
        match page.next {
            Some(next) => query.before = Some(next),
            None => break,
        }
    }
    let id = |n: u128| notification(n, &alice, "").id;
    assert_eq!(
        pages,
        [
            vec![id(7), id(6), id(5)],
            vec![id(4), id(3), id(2)],
            vec![id(1)]
        ],
        "pages of three, newest first"
    );

    let mut unread = NotificationQuery::new(alice.id);
    unread.unread_only = true;
    let unread: Vec<_> = store
        .list(&unread)
        .await?
        .items
        .iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(unread, [id(7), id(6), id(5), id(4), id(2), id(1)]);
    assert_eq!(all_of(store, bob.id).await?.len(), 1, "Bob sees only his");
    Ok(())
}

/// Marking read: one's own, once (the first time stays), counted; another
/// person's notification is not found and stays unread.
pub async fn marking_read_is_ones_own_and_keeps_the_first_time(stores: &Stores) -> CheckResult {
    let (alice, bob) = people(stores).await?;
    let store = stores.notifications.as_ref();
    let notes = [
        notification(1, &alice, "event:1"),
        notification(2, &alice, "event:2"),
        notification(3, &alice, "event:3"),
        notification(4, &bob, "event:4"),
    ];
    store.insert(&notes).await?;
    assert_eq!(store.unread_count(alice.id).await?, 3);
    assert_eq!(store.unread_count(bob.id).await?, 1);

    assert_eq!(
        store.mark_read(bob.id, notes[0].id, at(9)).await?,
        None,
        "Bob cannot read Alice's"
    );
    let first_read = store.mark_read(alice.id, notes[0].id, at(9)).await?;
    let mut expected = stored(notes[0].clone());
    expected.read_at = Some(micros(at(9)));
    assert_eq!(first_read, Some(expected.clone()));
    assert_eq!(
        store.mark_read(alice.id, notes[0].id, at(20)).await?,
        Some(expected),
        "read again: the first time stays"
    );
    assert_eq!(
        store
            .mark_read(alice.id, NotificationId(Uuid::nil()), at(9))
            .await?,
        None,
        "no such notification"
    );
    assert_eq!(store.unread_count(alice.id).await?, 2);

    assert_eq!(
        store.mark_all_read(alice.id, at(30)).await?,
        2,
        "the two unread"
    );
    assert_eq!(store.mark_all_read(alice.id, at(31)).await?, 0, "none left");
    assert_eq!(store.unread_count(alice.id).await?, 0);
    let times: Vec<_> = all_of(store, alice.id)
        .await?
        .into_iter()
        .map(|n| n.read_at)
        .collect();
    assert_eq!(
        times,
        [
            Some(micros(at(30))),
            Some(micros(at(30))),
            Some(micros(at(9)))
        ]
    );
    assert_eq!(store.unread_count(bob.id).await?, 1, "Bob's untouched");
    Ok(())
}

/// Purging removes notifications made before a time, read or not, and says how many.
pub async fn purge_removes_notifications_made_before_a_time(stores: &Stores) -> CheckResult {
    let (alice, bob) = people(stores).await?;
    let store = stores.notifications.as_ref();
    let notes = [
        notification(1, &alice, "event:1"),
        notification(2, &bob, "event:2"),
        notification(3, &alice, "event:3"),
    ];
    store.insert(&notes).await?;
    store.mark_read(alice.id, notes[0].id, at(9)).await?;
    assert_eq!(
        store.purge_created_before(micros(at(2))).await?,
        1,
        "the first only"
    );
    assert_eq!(
        store.purge_created_before(micros(at(2))).await?,
        0,
        "at the second's own time it stays"
    );
    assert_eq!(store.purge_created_before(at(100)).await?, 2);
    assert!(all_of(store, alice.id).await?.is_empty());
    assert_eq!(store.unread_count(bob.id).await?, 0);
    Ok(())
}
