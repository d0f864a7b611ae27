//! `RedisSessionStore` where Redis differs from the other stores: separate
//! connections racing, keys that expire with their tokens, and `purge_expired`
//! beside Redis's own expiry. The `SessionStore` contract itself runs against
//! Redis in `tests/tests/contract_redis.rs`. Expiry is Redis's, by the real
//! clock, so times here are relative to now.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use sinmungo_core::domain::identity::SessionId;
use sinmungo_core::domain::user::UserId;
use sinmungo_core::ports::{Consumed, RefreshSession, SessionStore};
use sinmungo_redis::{RedisConnection, RedisSessionStore};
use tokio::task::JoinSet;
use uuid::Uuid;

use crate::services::{connection, fresh_prefix, options, raw, redis_url};

type TestResult = anyhow::Result<()>;

fn now() -> DateTime<Utc> {
    Utc::now()
}

/// `at` truncated to whole microseconds, as stores keep times.
fn micros(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

fn family() -> SessionId {
    SessionId(Uuid::now_v7())
}

fn user() -> UserId {
    UserId(Uuid::now_v7())
}

fn token(
    hash: &str,
    family: SessionId,
    user_id: UserId,
    expires_at: DateTime<Utc>,
) -> RefreshSession {
    RefreshSession {
        token_hash: hash.to_owned(),
        family,
        user_id,
        expires_at,
    }
}

fn store(connection: &RedisConnection) -> RedisSessionStore {
    RedisSessionStore::new(connection.clone())
}

/// Callers racing to use one token, each on its own connection (as separate
/// server instances would be): exactly one sees it fresh.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_eight_concurrent_consumers_exactly_one_gets_the_token_fresh() -> TestResult {
    const CALLERS: usize = 8;
    let Some(url) = redis_url()? else {
        return Ok(());
    };
    let prefix = fresh_prefix();
    let first = store(&RedisConnection::connect(&options(&url, &prefix))?);
    first
        .insert(&token(
            "race",
            family(),
            user(),
            now() + TimeDelta::hours(1),
        ))
        .await?;
    let mut tasks = JoinSet::new();
    for _ in 0..CALLERS {
        let sessions = Arc::new(store(&RedisConnection::connect(&options(&url, &prefix))?));
        tasks.spawn(async move { sessions.consume("race").await });
    }
    let (mut fresh, mut reused) = (0, 0);
    while let Some(outcome) = tasks.join_next().await {
        match outcome?? {
            Consumed::Fresh(_) => fresh += 1,
            Consumed::Reused(_) => reused += 1,
            Consumed::Unknown => anyhow::bail!("the token vanished"),
        }
    }
    assert_eq!((fresh, reused), (1, CALLERS - 1));
    Ok(())
}

/// Every key lives under the prefix and expires with its token: the token at
/// its expiry, the indexes with their longest-lived token.
#[tokio::test]
async fn keys_expire_with_their_tokens() -> TestResult {
    let Some(url) = redis_url()? else {
        return Ok(());
    };
    let prefix = fresh_prefix();
    let sessions = store(&RedisConnection::connect(&options(&url, &prefix))?);
    let (family, alice) = (family(), user());
    let now = now();
    sessions
        .insert(&token("short", family, alice, now + TimeDelta::hours(1)))
        .await?;
    sessions
        .insert(&token("long", family, alice, now + TimeDelta::hours(5)))
        .await?;
    sessions
        .insert(&token("middle", family, alice, now + TimeDelta::hours(3)))
        .await?;

    let mut redis = raw(&url).await?;
    let mut keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut redis)
        .await?;
    keys.sort();
    let mut expected = vec![
        format!("{prefix}family:{family}"),
        format!("{prefix}session:long"),
        format!("{prefix}session:middle"),
        format!("{prefix}session:short"),
        format!("{prefix}session-user:{alice}"),
    ];
    expected.sort();
    assert_eq!(keys, expected);

    let hour_ms = 3_600_000_i64;
    let margin = 60_000; // generous: the test may be slow, the clocks are one machine's
    for (key, hours) in [
        (format!("{prefix}session:short"), 1),
        (format!("{prefix}session:middle"), 3),
        (format!("{prefix}session:long"), 5),
        (format!("{prefix}family:{family}"), 5),
        (format!("{prefix}session-user:{alice}"), 5),
    ] {
        let left: i64 = redis::cmd("PTTL").arg(&key).query_async(&mut redis).await?;
        assert!(
            (hours * hour_ms - margin..=hours * hour_ms + 1).contains(&left),
            "{key} lives {left} ms, not about {hours} h"
        );
    }
    Ok(())
}

/// Redis expires tokens by itself; `purge_expired` removes those that
/// expired by `now` while Redis still holds them, and counts only those.
#[tokio::test]
async fn expired_tokens_disappear_and_purge_removes_what_redis_still_holds() -> TestResult {
    let Some(connection) = connection()? else {
        return Ok(());
    };
    let sessions = store(&connection);
    let (alice, family) = (user(), family());

    // Expired by Redis's clock: gone by itself.
    sessions
        .insert(&token(
            "brief",
            family,
            alice,
            now() + TimeDelta::milliseconds(300),
        ))
        .await?;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(sessions.consume("brief").await?, Consumed::Unknown);
    assert!(!sessions.is_active(family, now()).await?);
    assert_eq!(
        sessions.purge_expired(now()).await?,
        0,
        "Redis removed it already: nothing left to count"
    );

    // Expired by a `now` ahead of Redis's clock: purge removes it.
    let now = micros(now());
    let soon = now + TimeDelta::hours(1);
    let later = now + TimeDelta::hours(3);
    sessions.insert(&token("soon", family, alice, soon)).await?;
    sessions
        .insert(&token("later", family, alice, later))
        .await?;
    assert_eq!(
        sessions
            .purge_expired(soon - TimeDelta::microseconds(1))
            .await?,
        0,
        "not expired yet"
    );
    assert_eq!(
        sessions.purge_expired(soon).await?,
        1,
        "expired at its expiry"
    );
    assert_eq!(sessions.purge_expired(soon).await?, 0, "once");
    assert_eq!(sessions.consume("soon").await?, Consumed::Unknown);
    assert!(
        sessions.is_active(family, now).await?,
        "the later token lives"
    );
    assert_eq!(
        sessions.revoke_all(alice).await?,
        1,
        "the user index lists only the later token"
    );
    Ok(())
}

/// One store's purge walks only its own prefix.
#[tokio::test]
async fn purge_leaves_other_prefixes_alone() -> TestResult {
    let Some(url) = redis_url()? else {
        return Ok(());
    };
    let ours = store(&RedisConnection::connect(&options(&url, &fresh_prefix()))?);
    let theirs = store(&RedisConnection::connect(&options(&url, &fresh_prefix()))?);
    let expires = micros(now()) + TimeDelta::hours(1);
    let (family, owner) = (family(), user());
    theirs.insert(&token("x", family, owner, expires)).await?;
    assert_eq!(ours.purge_expired(expires + TimeDelta::hours(1)).await?, 0);
    assert_eq!(
        ours.consume("x").await?,
        Consumed::Unknown,
        "not ours to see"
    );
    assert!(theirs.is_active(family, now()).await?);
    assert_eq!(
        theirs.consume("x").await?,
        Consumed::Fresh(token("x", family, owner, expires))
    );
    Ok(())
}
