//! `SessionStore`: refresh tokens in families, each token used once (and
//! recognised when presented again), families revoked as a whole, expired
//! tokens purged.

use std::sync::OnceLock;

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use sinmungo_core::domain::identity::SessionId;
use sinmungo_core::domain::user::{Role, User};
use sinmungo_core::ports::{Consumed, RefreshSession, StoreError, Uniqueness};
use tokio::task::JoinSet;
use uuid::Uuid;

use crate::contract::fixtures::user;
use crate::contract::{CheckResult, Stores};

/// Family `n`.
fn family(n: u128) -> SessionId {
    SessionId(Uuid::from_u128(
        0x0191_0000_0000_7000_8000_0000_0000_0000 | n,
    ))
}

/// A token of `family`, owned by `owner`, expiring at `expires_at`.
fn token(hash: &str, family: SessionId, owner: &User, expires_at: DateTime<Utc>) -> RefreshSession {
    RefreshSession {
        token_hash: hash.to_owned(),
        family,
        user_id: owner.id,
        expires_at,
    }
}

/// The checks' "now": a whole second a day ahead of the real clock, the
/// same for every check of a run. Redis forgets a token by its own clock, so
/// a fixed date would soon be in its past; a day ahead leaves every token the
/// checks mean to be live alive there, whichever clock judges.
fn t0() -> DateTime<Utc> {
    static T0: OnceLock<DateTime<Utc>> = OnceLock::new();
    *T0.get_or_init(|| (Utc::now() + TimeDelta::days(1)).trunc_subsecs(0))
}

/// Thirty days after `t0`, the usual lifetime.
fn later() -> DateTime<Utc> {
    t0() + TimeDelta::days(30)
}

async fn citizens(stores: &Stores) -> anyhow::Result<(User, User)> {
    let alice = user(1, Role::Citizen, None)?;
    let bob = user(2, Role::Citizen, None)?;
    stores.users.create(&alice).await?;
    stores.users.create(&bob).await?;
    Ok((alice, bob))
}

/// A token is `Fresh` once, then `Reused` (with its family, to revoke) every
/// time after, expired or not; expiry reads back truncated to the microsecond.
pub async fn session_is_fresh_once_then_reused(stores: &Stores) -> CheckResult {
    let (alice, _) = citizens(stores).await?;
    let sessions = stores.sessions.as_ref();
    let written = token(
        "sha256:aGFzaDE=",
        family(1),
        &alice,
        later() + TimeDelta::nanoseconds(555_555_555),
    );
    sessions.insert(&written).await?;

    let expected = token(
        "sha256:aGFzaDE=",
        family(1),
        &alice,
        later() + TimeDelta::microseconds(555_555),
    );
    assert_eq!(
        sessions.consume(&written.token_hash).await?,
        Consumed::Fresh(expected.clone()),
        "first use"
    );
    assert_eq!(
        sessions.consume(&written.token_hash).await?,
        Consumed::Reused(expected.clone()),
        "second use"
    );
    assert_eq!(
        sessions.consume(&written.token_hash).await?,
        Consumed::Reused(expected),
        "third use"
    );

    // Expiry is the caller's to judge, but a store may forget a token once
    // it has expired (Redis at once, the SQL stores at `purge_expired`):
    // either it is found as before, or it is unknown for good.
    let expired = token(
        "sha256:old",
        family(2),
        &alice,
        t0() - TimeDelta::days(3650),
    );
    sessions.insert(&expired).await?;
    let first = sessions.consume(&expired.token_hash).await?;
    let second = sessions.consume(&expired.token_hash).await?;
    assert!(
        (first == Consumed::Fresh(expired.clone()) && second == Consumed::Reused(expired))
            || (first == Consumed::Unknown && second == Consumed::Unknown),
        "an expired token is found as before expiry, or forgotten: {first:?}, then {second:?}"
    );
    Ok(())
}

/// A second token under a taken hash is refused, used or not, and the
/// refused one leaves no trace.
pub async fn inserting_a_taken_token_hash_is_refused(stores: &Stores) -> CheckResult {
    let (alice, bob) = citizens(stores).await?;
    let sessions = stores.sessions.as_ref();
    let first = token("taken", family(1), &alice, t0() + TimeDelta::hours(1));
    sessions.insert(&first).await?;
    let other = token("taken", family(2), &bob, t0() + TimeDelta::hours(2));
    assert!(
        matches!(
            sessions.insert(&other).await,
            Err(StoreError::AlreadyExists(Uniqueness::Identity))
        ),
        "unused, it is taken"
    );
    assert_eq!(
        sessions.consume("taken").await?,
        Consumed::Fresh(first.clone())
    );
    assert!(
        matches!(
            sessions.insert(&other).await,
            Err(StoreError::AlreadyExists(Uniqueness::Identity))
        ),
        "used, it is still taken"
    );
    assert_eq!(sessions.consume("taken").await?, Consumed::Reused(first));
    assert!(
        !sessions.is_active(family(2), t0()).await?,
        "the refused token opened no family"
    );
    Ok(())
}

/// A token never issued is `Unknown`, and so is one whose family was revoked.
pub async fn unknown_or_revoked_token_is_unknown(stores: &Stores) -> CheckResult {
    let (alice, _) = citizens(stores).await?;
    let sessions = stores.sessions.as_ref();
    assert_eq!(
        sessions.consume("sha256:never-issued").await?,
        Consumed::Unknown,
        "never issued"
    );
    sessions
        .insert(&token("t1", family(1), &alice, later()))
        .await?;
    sessions
        .insert(&token("t2", family(1), &alice, later()))
        .await?;
    sessions.consume("t1").await?;
    sessions.revoke_family(family(1)).await?;
    assert_eq!(
        sessions.consume("t1").await?,
        Consumed::Unknown,
        "used, then revoked"
    );
    assert_eq!(
        sessions.consume("t2").await?,
        Consumed::Unknown,
        "revoked unused"
    );
    Ok(())
}

/// Callers racing to use one token: exactly one sees it `Fresh`, the others `Reused`.
pub async fn concurrent_consumers_of_one_token_let_one_have_it_fresh(
    stores: &Stores,
) -> CheckResult {
    const CALLERS: usize = 8;
    let (alice, _) = citizens(stores).await?;
    let raced = token("race", family(1), &alice, later());
    stores.sessions.insert(&raced).await?;
    let mut tasks = JoinSet::new();
    for _ in 0..CALLERS {
        let sessions = stores.sessions.clone();
        tasks.spawn(async move { sessions.consume("race").await });
    }
    let (mut fresh, mut reused, mut unknown) = (0, 0, 0);
    while let Some(consumed) = tasks.join_next().await {
        match consumed?? {
            Consumed::Fresh(session) => {
                assert_eq!(session, raced);
                fresh += 1;
            }
            Consumed::Reused(session) => {
                assert_eq!(session, raced);
                reused += 1;
            }
            Consumed::Unknown => unknown += 1,
        }
    }
    assert_eq!(unknown, 0, "every consumer found the token");
    assert_eq!(fresh, 1, "one caller of {CALLERS} had the token fresh");
    assert_eq!(reused, CALLERS - 1, "the others saw it reused");
    Ok(())
}

/// A family is active while some token of it, used or not, expires after
/// `now`; not once every token has expired; not after it is revoked.
pub async fn family_is_active_until_revoked_or_expired(stores: &Stores) -> CheckResult {
    let (alice, _) = citizens(stores).await?;
    let sessions = stores.sessions.as_ref();
    let (first_expiry, last_expiry) = (t0() + TimeDelta::hours(1), t0() + TimeDelta::hours(2));
    sessions
        .insert(&token("f1-a", family(1), &alice, first_expiry))
        .await?;
    sessions
        .insert(&token("f1-b", family(1), &alice, last_expiry))
        .await?;
    sessions
        .insert(&token("f2-a", family(2), &alice, last_expiry))
        .await?;
    assert!(
        !sessions.is_active(family(9), t0()).await?,
        "a family never opened"
    );
    assert!(sessions.is_active(family(1), t0()).await?, "live");

    // Used tokens keep their family alive until they expire.
    sessions.consume("f1-a").await?;
    sessions.consume("f1-b").await?;
    assert!(
        sessions.is_active(family(1), t0()).await?,
        "used but unexpired tokens"
    );
    assert!(
        sessions
            .is_active(family(1), first_expiry + TimeDelta::minutes(1))
            .await?,
        "one token expired, the other not"
    );
    assert!(
        sessions
            .is_active(family(1), last_expiry - TimeDelta::microseconds(1))
            .await?,
        "a microsecond before the last expiry"
    );
    assert!(
        !sessions.is_active(family(1), last_expiry).await?,
        "at the last expiry"
    );
    assert!(
        !sessions
            .is_active(family(1), last_expiry + TimeDelta::days(1))
            .await?,
        "every token expired"
    );

    assert!(sessions.is_active(family(2), t0()).await?);
    sessions.revoke_family(family(2)).await?;
    assert!(!sessions.is_active(family(2), t0()).await?, "revoked");
    Ok(())
}

/// `revoke_family` removes every token of one family, used or not, says how
/// many, and leaves the user's other families alone.
pub async fn revoke_family_ends_only_that_family(stores: &Stores) -> CheckResult {
    let (alice, _) = citizens(stores).await?;
    let sessions = stores.sessions.as_ref();
    for (hash, n) in [("a1", 1), ("a2", 1), ("a3", 1), ("b1", 2)] {
        sessions
            .insert(&token(hash, family(n), &alice, later()))
            .await?;
    }
    sessions.consume("a1").await?;
    assert_eq!(
        sessions.revoke_family(family(1)).await?,
        3,
        "three tokens, one of them used"
    );
    assert_eq!(sessions.revoke_family(family(1)).await?, 0, "and now none");
    for hash in ["a1", "a2", "a3"] {
        assert_eq!(sessions.consume(hash).await?, Consumed::Unknown, "{hash}");
    }
    assert!(
        sessions.is_active(family(2), t0()).await?,
        "the other family"
    );
    assert_eq!(
        sessions.consume("b1").await?,
        Consumed::Fresh(token("b1", family(2), &alice, later())),
        "the other family's token is intact"
    );
    Ok(())
}

/// `revoke_all` ends every family of one user, says how many tokens it
/// removed, and leaves others' sessions.
pub async fn revoke_all_ends_only_that_users_sessions(stores: &Stores) -> CheckResult {
    let (alice, bob) = citizens(stores).await?;
    let sessions = stores.sessions.as_ref();
    for (hash, n, owner) in [("a1", 1, &alice), ("a2", 2, &alice), ("b1", 3, &bob)] {
        sessions
            .insert(&token(hash, family(n), owner, later()))
            .await?;
    }
    sessions.consume("a1").await?;
    assert_eq!(
        sessions.revoke_all(alice.id).await?,
        2,
        "Alice had two tokens"
    );
    assert_eq!(sessions.revoke_all(alice.id).await?, 0, "and now none");
    assert_eq!(sessions.consume("a1").await?, Consumed::Unknown);
    assert_eq!(sessions.consume("a2").await?, Consumed::Unknown);
    assert!(!sessions.is_active(family(1), t0()).await?);
    assert!(!sessions.is_active(family(2), t0()).await?);
    assert!(sessions.is_active(family(3), t0()).await?, "Bob's family");
    assert_eq!(
        sessions.consume("b1").await?,
        Consumed::Fresh(token("b1", family(3), &bob, later())),
        "Bob's is intact"
    );
    Ok(())
}

/// `purge_expired` removes the tokens expired at `now` (used or not), says
/// how many, and keeps the rest usable.
pub async fn purge_expired_removes_only_expired_tokens(stores: &Stores) -> CheckResult {
    let (alice, bob) = citizens(stores).await?;
    let sessions = stores.sessions.as_ref();
    let now = t0() + TimeDelta::days(1);
    let tokens = [
        token("gone-used", family(1), &alice, t0()),
        token("gone", family(1), &bob, now - TimeDelta::microseconds(1)),
        token("gone-now", family(2), &alice, now),
        token("kept", family(1), &alice, now + TimeDelta::microseconds(1)),
        token("kept-used", family(3), &bob, later()),
    ];
    for session in &tokens {
        sessions.insert(session).await?;
    }
    sessions.consume("gone-used").await?;
    sessions.consume("kept-used").await?;
    assert_eq!(
        sessions.purge_expired(now).await?,
        3,
        "tokens expired at or before now"
    );
    assert_eq!(
        sessions.purge_expired(now).await?,
        0,
        "nothing left to purge"
    );
    for hash in ["gone-used", "gone", "gone-now"] {
        assert_eq!(sessions.consume(hash).await?, Consumed::Unknown, "{hash}");
    }
    assert!(
        !sessions.is_active(family(2), t0()).await?,
        "its only token purged"
    );
    assert_eq!(
        sessions.consume("kept").await?,
        Consumed::Fresh(tokens[3].clone()),
        "unexpired"
    );
    assert_eq!(
        sessions.consume("kept-used").await?,
        Consumed::Reused(tokens[4].clone()),
        "used and unexpired: kept to recognise reuse"
    );
    Ok(())
}
