//! `MailQueue`: notifications stored to be mailed are claimed with a lease
//! (never by two claims at once), marked mailed once, retried when told and
//! given up for good; daily digests go out once per recipient and slot.
//! And `UserStore`'s e-mail preference, which decides what is queued.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};
use sinmungo_core::domain::mail::{DigestKey, EmailDelivery, EmailPreference};
use sinmungo_core::domain::notification::{Notification, NotificationId};
use sinmungo_core::domain::user::{Role, User, UserId};
use sinmungo_core::ports::StoreError;
use tokio::task::JoinSet;

use crate::contract::fixtures::user;
use crate::contract::notification_store::{at, micros, notification, people, stored};
use crate::contract::{CheckResult, Stores};

const LEASE: TimeDelta = TimeDelta::seconds(60);

/// Notification `n` for `recipient`, mailed as `email`.
fn mailed(n: u128, recipient: &User, email: EmailDelivery) -> Notification {
    let mut notification = notification(n, recipient, &format!("event:{n}"));
    notification.email = email;
    notification
}

fn ids(claimed: &[Notification]) -> Vec<NotificationId> {
    claimed.iter().map(|n| n.id).collect()
}

/// A time well after every fixture notification.
fn later(seconds: i64) -> DateTime<Utc> {
    at(1_000) + TimeDelta::seconds(seconds)
}

/// How a notification is mailed reads back as written, through the list
/// and through a claim.
pub async fn mail_work_round_trips_with_the_notification(stores: &Stores) -> CheckResult {
    let (alice, _) = people(stores).await?;
    let written = [
        mailed(1, &alice, EmailDelivery::Immediate),
        mailed(2, &alice, EmailDelivery::Digest),
        mailed(3, &alice, EmailDelivery::None),
    ];
    let returned = stores.notifications.insert(&written).await?;
    let expected: Vec<Notification> = written.iter().cloned().map(stored).collect();
    assert_eq!(returned, expected, "insert returns them as stored");
    let claimed = stores.mail.claim_mail(later(0), LEASE, 10).await?;
    assert_eq!(
        claimed.len(),
        1,
        "only the immediate one is claimed on its own"
    );
    assert_eq!(claimed[0].notification, expected[0]);
    assert_eq!(claimed[0].attempts, 1, "the claim counts the attempt");
    Ok(())
}

/// A mail is due from when its notification is made; it is claimed oldest
/// first up to the limit, once; marking it mailed works once, and a mailed
/// one is never claimed again.
pub async fn mail_is_claimed_when_due_and_marked_once(stores: &Stores) -> CheckResult {
    let (alice, bob) = people(stores).await?;
    let written = [
        mailed(1, &alice, EmailDelivery::Immediate),
        mailed(2, &bob, EmailDelivery::Immediate),
        mailed(3, &alice, EmailDelivery::Immediate),
    ];
    stores.notifications.insert(&written).await?;
    assert!(
        stores.mail.claim_mail(at(0), LEASE, 10).await?.is_empty(),
        "nothing is due before it is made"
    );
    assert_eq!(stores.mail.mail_pending().await?, 3);
    let first = stores.mail.claim_mail(at(2), LEASE, 10).await?;
    let first: Vec<Notification> = first.into_iter().map(|m| m.notification).collect();
    assert_eq!(ids(&first), ids(&written[..2]), "due ones, oldest first");
    let rest = stores.mail.claim_mail(at(3), LEASE, 1).await?;
    assert_eq!(rest.len(), 1, "the limit holds");
    assert_eq!(
        rest[0].notification.id, written[2].id,
        "held ones are skipped"
    );
    for n in &written {
        assert!(stores.mail.mark_mailed(n.id, later(1)).await?, "first mark");
    }
    assert!(
        !stores.mail.mark_mailed(written[0].id, later(2)).await?,
        "a second mark changes nothing"
    );
    assert!(
        stores
            .mail
            .claim_mail(later(3_600), LEASE, 10)
            .await?
            .is_empty(),
        "mailed ones are never claimed again, even after the lease"
    );
    assert_eq!(stores.mail.mail_pending().await?, 0);
    Ok(())
}

/// A claimed mail is nobody else's until its lease ends (a delivery that
/// crashed); then it is claimed again, the attempt counted.
pub async fn mail_lease_holds_until_it_ends_and_counts_attempts(stores: &Stores) -> CheckResult {
    let (alice, _) = people(stores).await?;
    let n = mailed(1, &alice, EmailDelivery::Immediate);
    stores
        .notifications
        .insert(std::slice::from_ref(&n))
        .await?;
    let now = later(0);
    assert_eq!(stores.mail.claim_mail(now, LEASE, 10).await?.len(), 1);
    assert!(
        stores
            .mail
            .claim_mail(now + LEASE - TimeDelta::seconds(1), LEASE, 10)
            .await?
            .is_empty(),
        "held while the lease lasts"
    );
    let again = stores.mail.claim_mail(now + LEASE, LEASE, 10).await?;
    assert_eq!(again.len(), 1, "free once the lease ends");
    assert_eq!(again[0].attempts, 2, "the second attempt");
    Ok(())
}

/// A retried mail waits until its next time (the backoff the caller chose);
/// a mail given up is never claimed again.
pub async fn mail_retry_waits_its_turn_and_giving_up_is_final(stores: &Stores) -> CheckResult {
    let (alice, bob) = people(stores).await?;
    let written = [
        mailed(1, &alice, EmailDelivery::Immediate),
        mailed(2, &bob, EmailDelivery::Immediate),
    ];
    stores.notifications.insert(&written).await?;
    let now = later(0);
    assert_eq!(stores.mail.claim_mail(now, LEASE, 10).await?.len(), 2);
    let next = now + TimeDelta::minutes(4);
    stores
        .mail
        .retry_mail(written[0].id, "451 4.3.0 try again later", next)
        .await?;
    stores
        .mail
        .give_up_mail(written[1].id, "550 5.1.1 no such mailbox", now)
        .await?;
    assert!(
        stores
            .mail
            .claim_mail(next - TimeDelta::seconds(1), LEASE, 10)
            .await?
            .is_empty(),
        "not before its next time"
    );
    let retried = stores.mail.claim_mail(next, LEASE, 10).await?;
    assert_eq!(retried.len(), 1, "the given-up one stays given up");
    assert_eq!(retried[0].notification.id, written[0].id);
    assert_eq!(retried[0].attempts, 2);
    assert_eq!(stores.mail.mail_pending().await?, 1);
    assert!(
        stores.mail.claim_mail(next, LEASE, 10).await?.is_empty(),
        "held by the second claim"
    );
    Ok(())
}

/// Concurrent claims (several server instances) share nothing and, between
/// them, miss nothing.
pub async fn mail_claims_are_exclusive_under_concurrency(stores: &Stores) -> CheckResult {
    let (alice, bob) = people(stores).await?;
    let written: Vec<Notification> = (1..=40)
        .map(|n| {
            mailed(
                n,
                if n % 2 == 0 { &alice } else { &bob },
                EmailDelivery::Immediate,
            )
        })
        .collect();
    stores.notifications.insert(&written).await?;
    let mut claims = JoinSet::new();
    for _ in 0..6 {
        let mail = stores.mail.clone();
        claims.spawn(async move {
            let mut mine = Vec::new();
            loop {
                let batch = mail.claim_mail(later(0), LEASE, 3).await?;
                if batch.is_empty() {
                    return Ok::<_, StoreError>(mine);
                }
                mine.extend(batch.into_iter().map(|m| m.notification.id));
            }
        });
    }
    let mut all = Vec::new();
    while let Some(claimed) = claims.join_next().await {
        all.extend(claimed??);
    }
    let unique: BTreeSet<NotificationId> = all.iter().copied().collect();
    assert_eq!(unique.len(), all.len(), "no mail claimed twice");
    assert_eq!(
        unique,
        written.iter().map(|n| n.id).collect(),
        "every mail claimed"
    );
    Ok(())
}

/// A recipient's digest of a slot lists their digest notifications made up
/// to it, oldest first, and goes out once: while it is held nobody else
/// gets it, and once mailed no second digest opens for that slot, though
/// notifications keep coming; the next slot's digest lists those.
pub async fn digest_goes_out_once_per_recipient_and_slot(stores: &Stores) -> CheckResult {
    let (alice, bob) = people(stores).await?;
    let written = [
        mailed(1, &alice, EmailDelivery::Digest),
        mailed(2, &alice, EmailDelivery::Digest),
        mailed(3, &alice, EmailDelivery::Immediate),
        mailed(4, &bob, EmailDelivery::None),
        mailed(20, &alice, EmailDelivery::Digest),
    ];
    stores.notifications.insert(&written).await?;
    let slot = at(10);
    let now = at(11);
    let claimed = stores.mail.claim_digests(slot, now, LEASE, 10).await?;
    assert_eq!(claimed.len(), 1, "one digest: alice's (bob wants none)");
    let digest = &claimed[0];
    assert_eq!(digest.key.recipient, alice.id);
    assert_eq!(digest.key.slot, micros(slot));
    assert_eq!(digest.attempts, 1);
    assert_eq!(
        ids(&digest.notifications),
        ids(&written[..2]),
        "made up to the slot, digest ones, oldest first"
    );
    assert!(
        stores
            .mail
            .claim_digests(slot, now, LEASE, 10)
            .await?
            .is_empty(),
        "held while the lease lasts"
    );
    stores
        .mail
        .mark_digest_mailed(&digest.key, &ids(&digest.notifications), now)
        .await?;
    assert!(
        stores
            .mail
            .claim_digests(slot, now + LEASE * 2, LEASE, 10)
            .await?
            .is_empty(),
        "no second digest for the slot"
    );
    let next_slot = at(30);
    let next = stores
        .mail
        .claim_digests(next_slot, next_slot, LEASE, 10)
        .await?;
    assert_eq!(next.len(), 1);
    assert_eq!(
        ids(&next[0].notifications),
        [written[4].id],
        "the next slot lists only what was not mailed"
    );
    Ok(())
}

/// Concurrent digest claims (several instances at 08:00) send each
/// recipient's digest once.
pub async fn digest_claims_are_exclusive_under_concurrency(stores: &Stores) -> CheckResult {
    let mut people = Vec::new();
    for n in 11..=22 {
        let person = user(n, Role::Staff, None)?;
        stores.users.create(&person).await?;
        people.push(person);
    }
    let written: Vec<Notification> = people
        .iter()
        .enumerate()
        .flat_map(|(i, person)| {
            let n = u128::try_from(i).unwrap_or(0) * 2 + 1;
            [
                mailed(n, person, EmailDelivery::Digest),
                mailed(n + 1, person, EmailDelivery::Digest),
            ]
        })
        .collect();
    stores.notifications.insert(&written).await?;
    let mut claims = JoinSet::new();
    for _ in 0..6 {
        let mail = stores.mail.clone();
        claims.spawn(async move {
            let mut mine = Vec::new();
            loop {
                let batch = mail.claim_digests(later(0), later(1), LEASE, 2).await?;
                if batch.is_empty() {
                    return Ok::<_, StoreError>(mine);
                }
                mine.extend(
                    batch
                        .into_iter()
                        .map(|d| (d.key.recipient, d.notifications.len())),
                );
            }
        });
    }
    let mut all: Vec<(UserId, usize)> = Vec::new();
    while let Some(claimed) = claims.join_next().await {
        all.extend(claimed??);
    }
    let recipients: BTreeSet<UserId> = all.iter().map(|(who, _)| *who).collect();
    assert_eq!(recipients.len(), all.len(), "no digest claimed twice");
    assert_eq!(recipients, people.iter().map(|p| p.id).collect());
    assert!(
        all.iter().all(|(_, listed)| *listed == 2),
        "each lists both"
    );
    Ok(())
}

/// A failed digest waits for its next time (no second digest opens for its
/// recipient meanwhile); given up, its notifications are never listed again.
pub async fn digest_retry_waits_and_giving_up_drops_its_notifications(
    stores: &Stores,
) -> CheckResult {
    let (alice, _) = people(stores).await?;
    let first = mailed(1, &alice, EmailDelivery::Digest);
    stores
        .notifications
        .insert(std::slice::from_ref(&first))
        .await?;
    let slot = at(10);
    let claimed = stores.mail.claim_digests(slot, slot, LEASE, 10).await?;
    assert_eq!(claimed.len(), 1);
    let key = DigestKey {
        recipient: alice.id,
        slot,
    };
    let next = slot + TimeDelta::minutes(2);
    stores
        .mail
        .retry_digest(&key, "connection refused", next)
        .await?;
    let second = mailed(20, &alice, EmailDelivery::Digest);
    stores
        .notifications
        .insert(std::slice::from_ref(&second))
        .await?;
    assert!(
        stores
            .mail
            .claim_digests(at(30), next - TimeDelta::seconds(1), LEASE, 10)
            .await?
            .is_empty(),
        "the failed digest waits, and no later one opens meanwhile"
    );
    let retried = stores.mail.claim_digests(at(30), next, LEASE, 10).await?;
    assert_eq!(retried.len(), 1);
    assert_eq!(
        retried[0].key.slot,
        micros(slot),
        "the first slot's digest again"
    );
    assert_eq!(retried[0].attempts, 2);
    assert_eq!(ids(&retried[0].notifications), [first.id]);
    stores
        .mail
        .give_up_digest(&key, "550 mailbox unavailable", next)
        .await?;
    let after = stores.mail.claim_digests(at(30), next, LEASE, 10).await?;
    assert_eq!(after.len(), 1, "the next slot's digest opens");
    assert_eq!(
        ids(&after[0].notifications),
        [second.id],
        "given-up notifications are not listed again"
    );
    Ok(())
}

/// A person's e-mail preference: unset until chosen, then kept; cleared
/// back to unset; a person who does not exist has none to set.
pub async fn email_preference_is_kept_per_user(stores: &Stores) -> CheckResult {
    let (alice, bob) = people(stores).await?;
    assert_eq!(stores.users.email_preference(alice.id).await?, None);
    stores
        .users
        .set_email_preference(alice.id, Some(EmailPreference::Daily))
        .await?;
    assert_eq!(
        stores.users.email_preference(alice.id).await?,
        Some(EmailPreference::Daily)
    );
    assert_eq!(
        stores.users.email_preference(bob.id).await?,
        None,
        "others' stay unset"
    );
    stores.users.set_email_preference(alice.id, None).await?;
    assert_eq!(stores.users.email_preference(alice.id).await?, None);
    let nobody = user(99, Role::Citizen, None)?;
    assert!(matches!(
        stores
            .users
            .set_email_preference(nobody.id, Some(EmailPreference::None))
            .await,
        Err(StoreError::NotFound)
    ));
    Ok(())
}
