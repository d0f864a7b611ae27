//! `SessionStore`: refresh sessions used once, revoked per user.

use chrono::TimeDelta;
use sinmungo_core::domain::user::{Role, User};
use sinmungo_core::ports::RefreshSession;
use tokio::task::JoinSet;

use crate::contract::fixtures::{t0, user};
use crate::contract::{CheckResult, Stores};

fn session(token_hash: &str, owner: &User) -> RefreshSession {
    RefreshSession {
        token_hash: token_hash.to_owned(),
        user_id: owner.id,
        expires_at: t0() + TimeDelta::days(30),
    }
}

async fn citizens(stores: &Stores) -> anyhow::Result<(User, User)> {
    let alice = user(1, Role::Citizen, None)?;
    let bob = user(2, Role::Citizen, None)?;
    stores.users.create(&alice).await?;
    stores.users.create(&bob).await?;
    Ok((alice, bob))
}

/// `take` returns a session once (expiry to the microsecond), then never again.
pub async fn session_is_taken_once(stores: &Stores) -> CheckResult {
    let (alice, _) = citizens(stores).await?;
    let sessions = stores.sessions.as_ref();
    let mut opened = session("sha256:aGFzaDE=", &alice);
    opened.expires_at += TimeDelta::nanoseconds(555_555_555);
    sessions.insert(&opened).await?;

    let mut expected = opened.clone();
    expected.expires_at = t0() + TimeDelta::days(30) + TimeDelta::microseconds(555_555);
    assert_eq!(
        sessions.take(&opened.token_hash).await?,
        Some(expected),
        "first take"
    );
    assert_eq!(
        sessions.take(&opened.token_hash).await?,
        None,
        "second take"
    );
    assert_eq!(sessions.take("sha256:unknown").await?, None, "unknown hash");
    Ok(())
}

/// Callers racing to take one session: exactly one gets it.
pub async fn concurrent_takes_of_one_session_give_it_to_one_caller(stores: &Stores) -> CheckResult {
    const CALLERS: usize = 8;
    let (alice, _) = citizens(stores).await?;
    stores.sessions.insert(&session("race", &alice)).await?;
    let mut tasks = JoinSet::new();
    for _ in 0..CALLERS {
        let sessions = stores.sessions.clone();
        tasks.spawn(async move { sessions.take("race").await });
    }
    let mut winners = 0;
    while let Some(taken) = tasks.join_next().await {
        if taken??.is_some() {
            winners += 1;
        }
    }
    assert_eq!(winners, 1, "one caller of {CALLERS} took the session");
    Ok(())
}

/// `revoke_all` ends every session of one user, says how many, and leaves others'.
pub async fn revoke_all_ends_only_that_users_sessions(stores: &Stores) -> CheckResult {
    let (alice, bob) = citizens(stores).await?;
    let sessions = stores.sessions.as_ref();
    for (hash, owner) in [("a1", &alice), ("a2", &alice), ("b1", &bob)] {
        sessions.insert(&session(hash, owner)).await?;
    }
    assert_eq!(
        sessions.revoke_all(alice.id).await?,
        2,
        "Alice had two sessions"
    );
    assert_eq!(sessions.revoke_all(alice.id).await?, 0, "and now none");
    assert_eq!(sessions.take("a1").await?, None);
    assert_eq!(sessions.take("a2").await?, None);
    assert_eq!(
        sessions.take("b1").await?,
        Some(session("b1", &bob)),
        "Bob's is intact"
    );
    Ok(())
}
