//! `JobLease`: one holder at a time until the lease ends; the holder renews.

use chrono::TimeDelta;
use tokio::task::JoinSet;
use uuid::Uuid;

use crate::contract::fixtures::{t, t0};
use crate::contract::{CheckResult, Stores};

/// A lease is held by one until it ends — refused to everyone, its holder
/// too — then free for anyone; jobs' leases are independent.
pub async fn job_lease_is_held_by_one_until_it_ends(stores: &Stores) -> CheckResult {
    let leases = stores.leases.as_ref();
    let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
    let minute = TimeDelta::minutes(1);
    assert!(
        leases.acquire("close_resolved", a, t0(), minute).await?,
        "free"
    );
    assert!(
        !leases.acquire("close_resolved", b, t(30), minute).await?,
        "held by a"
    );
    assert!(
        leases.acquire("sla_breaches", b, t(30), minute).await?,
        "another job's lease is free"
    );
    assert!(
        !leases.acquire("close_resolved", a, t(59), minute).await?,
        "not even its holder takes it again before it ends"
    );
    assert!(
        leases.acquire("close_resolved", b, t(60), minute).await?,
        "free when it ends (until t+120)"
    );
    assert!(
        !leases.acquire("close_resolved", a, t(100), minute).await?,
        "now b's"
    );
    Ok(())
}

/// Of instances racing for a free lease, exactly one gets it.
pub async fn job_lease_goes_to_one_of_concurrent_callers(stores: &Stores) -> CheckResult {
    let mut racers = JoinSet::new();
    for n in 0..8u128 {
        let leases = stores.leases.clone();
        racers.spawn(async move {
            leases
                .acquire(
                    "purge",
                    Uuid::from_u128(100 + n),
                    t0(),
                    TimeDelta::minutes(5),
                )
                .await
        });
    }
    let mut won = 0;
    while let Some(outcome) = racers.join_next().await {
        if outcome?? {
            won += 1;
        }
    }
    assert_eq!(won, 1, "one of eight");
    Ok(())
}
