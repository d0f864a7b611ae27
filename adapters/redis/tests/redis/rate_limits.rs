//! One suite of `RateLimiter` cases, run against core's in-process limiter
//! (the default) and against `RedisRateLimiter`, so both keep one contract.
//!
//! Each case gets two limiters. In process they are one limiter; over Redis
//! they are two limiters on two connections, as two server instances would
//! be, and the cases that use both show the count is shared.

use std::sync::Arc;
use std::time::Duration;

use sinmungo_core::app::InProcessRateLimiter;
use sinmungo_core::ports::{Quota, RateDecision, RateLimiter, SystemClock};
use sinmungo_redis::{RedisConnection, RedisRateLimiter};
use tokio::task::JoinSet;

use crate::services::{fresh_prefix, options, redis_url};

type TestResult = anyhow::Result<()>;

/// Two handles on one set of counts.
pub struct Limiters {
    a: Arc<dyn RateLimiter>,
    b: Arc<dyn RateLimiter>,
}

fn in_process() -> Limiters {
    let limiter: Arc<dyn RateLimiter> = Arc::new(InProcessRateLimiter::new(Arc::new(SystemClock)));
    Limiters {
        a: limiter.clone(),
        b: limiter,
    }
}

/// `None` when Redis is not configured (the test is skipped).
fn over_redis() -> anyhow::Result<Option<Limiters>> {
    let Some(url) = redis_url()? else {
        return Ok(None);
    };
    let prefix = fresh_prefix();
    let limiter = || -> anyhow::Result<Arc<dyn RateLimiter>> {
        Ok(Arc::new(RedisRateLimiter::new(RedisConnection::connect(
            &options(&url, &prefix),
        )?)))
    };
    Ok(Some(Limiters {
        a: limiter()?,
        b: limiter()?,
    }))
}

/// A key of its own, though every Redis case has its own prefix too.
fn key(name: &str) -> String {
    format!("{name}:{:08x}", rand::random::<u32>())
}

fn allowed(remaining: u32) -> RateDecision {
    RateDecision::Allowed { remaining }
}

fn retry_after(decision: RateDecision) -> anyhow::Result<Duration> {
    match decision {
        RateDecision::Limited { retry_after } => Ok(retry_after),
        RateDecision::Allowed { remaining } => {
            anyhow::bail!("allowed ({remaining} left), expected limited")
        }
    }
}

/// Hits count down the remaining; the one over the limit is limited until
/// the window ends, and so is every later one.
async fn limit_reached_is_limited_until_the_window_ends(limiters: Limiters) -> TestResult {
    let quota = Quota::new(3, Duration::from_secs(60));
    let key = key("sign-in:203.0.113.7");
    let limiter = limiters.a.as_ref();
    assert_eq!(limiter.hit(&key, quota).await?, allowed(2));
    assert_eq!(limiter.hit(&key, quota).await?, allowed(1));
    assert_eq!(limiter.hit(&key, quota).await?, allowed(0));
    for _ in 0..3 {
        let wait = retry_after(limiter.hit(&key, quota).await?)?;
        assert!(
            (Duration::from_secs(50)..=quota.window).contains(&wait),
            "retry after {wait:?}: within the window, and most of it is left"
        );
    }
    Ok(())
}

/// Once the window is over, the key starts afresh.
async fn a_new_window_allows_again(limiters: Limiters) -> TestResult {
    let quota = Quota::new(2, Duration::from_secs(1));
    let key = key("register:203.0.113.8");
    let limiter = limiters.a.as_ref();
    limiter.hit(&key, quota).await?;
    limiter.hit(&key, quota).await?;
    let wait = retry_after(limiter.hit(&key, quota).await?)?;
    assert_eq!(
        wait,
        Duration::from_secs(1),
        "at least a second, at most the window"
    );
    tokio::time::sleep(quota.window + Duration::from_millis(100)).await;
    assert_eq!(limiter.check(&key, quota).await?, allowed(2));
    assert_eq!(limiter.hit(&key, quota).await?, allowed(1));
    Ok(())
}

/// `check` says what the next hit would meet, without counting one.
async fn check_does_not_count(limiters: Limiters) -> TestResult {
    let quota = Quota::new(2, Duration::from_secs(60));
    let key = key("submit:user-1");
    let limiter = limiters.a.as_ref();
    for _ in 0..3 {
        assert_eq!(limiter.check(&key, quota).await?, allowed(2), "untouched");
    }
    limiter.hit(&key, quota).await?;
    for _ in 0..3 {
        assert_eq!(limiter.check(&key, quota).await?, allowed(1));
    }
    assert_eq!(limiter.hit(&key, quota).await?, allowed(0));
    let wait = retry_after(limiter.check(&key, quota).await?)?;
    assert!(wait <= quota.window, "{wait:?}");
    assert!(
        limiter.hit(&key, quota).await?.is_limited(),
        "check counted nothing, so this is the third hit"
    );
    Ok(())
}

/// `reset` forgets the key's hits, and only that key's.
async fn reset_forgets_the_key(limiters: Limiters) -> TestResult {
    let quota = Quota::new(1, Duration::from_secs(60));
    let (key, other) = (key("sign-in:alice"), key("sign-in:bob"));
    let limiter = limiters.a.as_ref();
    limiter.hit(&key, quota).await?;
    limiter.hit(&other, quota).await?;
    assert!(limiter.hit(&key, quota).await?.is_limited());
    limiter.reset(&key).await?;
    assert_eq!(limiter.check(&key, quota).await?, allowed(1));
    assert_eq!(limiter.hit(&key, quota).await?, allowed(0));
    assert!(
        limiter.hit(&other, quota).await?.is_limited(),
        "bob's stays"
    );
    limiter.reset("never-hit").await?;
    Ok(())
}

/// Keys count separately.
async fn keys_are_independent(limiters: Limiters) -> TestResult {
    let quota = Quota::new(1, Duration::from_secs(60));
    let (first, second) = (key("ip:198.51.100.1"), key("ip:198.51.100.2"));
    let limiter = limiters.a.as_ref();
    assert_eq!(limiter.hit(&first, quota).await?, allowed(0));
    assert!(limiter.hit(&first, quota).await?.is_limited());
    assert_eq!(limiter.hit(&second, quota).await?, allowed(0));
    Ok(())
}

/// Both handles count against one limit (over Redis: two connections, as
/// two server instances would have).
async fn limiters_share_counts(limiters: Limiters) -> TestResult {
    let quota = Quota::new(3, Duration::from_secs(60));
    let key = key("sign-in:shared");
    assert_eq!(limiters.a.hit(&key, quota).await?, allowed(2));
    assert_eq!(limiters.b.hit(&key, quota).await?, allowed(1));
    assert_eq!(limiters.a.check(&key, quota).await?, allowed(1));
    assert_eq!(limiters.b.hit(&key, quota).await?, allowed(0));
    assert!(limiters.a.check(&key, quota).await?.is_limited());
    assert!(limiters.a.hit(&key, quota).await?.is_limited());
    limiters.b.reset(&key).await?;
    assert_eq!(
        limiters.a.hit(&key, quota).await?,
        allowed(2),
        "reset for both"
    );
    Ok(())
}

/// 16 hits at once, from both handles, with a limit of 10: exactly 10 pass.
async fn concurrent_hits_pass_exactly_the_limit(limiters: Limiters) -> TestResult {
    const HITS: usize = 16;
    let quota = Quota::new(10, Duration::from_secs(60));
    let key = key("burst");
    let mut tasks = JoinSet::new();
    for i in 0..HITS {
        let limiter = if i % 2 == 0 {
            limiters.a.clone()
        } else {
            limiters.b.clone()
        };
        let key = key.clone();
        tasks.spawn(async move { limiter.hit(&key, quota).await });
    }
    let mut remaining = Vec::new();
    let mut limited = 0;
    while let Some(decision) = tasks.join_next().await {
        match decision?? {
            RateDecision::Allowed { remaining: left } => remaining.push(left),
            RateDecision::Limited { .. } => limited += 1,
        }
    }
    remaining.sort_unstable();
    assert_eq!(remaining, (0..10).collect::<Vec<_>>(), "each count once");
    assert_eq!(limited, HITS - 10);
    Ok(())
}

/// Each case as a test against each limiter.
macro_rules! rate_limiter_suite {
    ($($case:ident),* $(,)?) => {
        mod in_process {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() -> super::TestResult {
                    super::$case(super::in_process()).await
                }
            )*
        }
        mod over_redis {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() -> super::TestResult {
                    let Some(limiters) = super::over_redis()? else {
                        return Ok(());
                    };
                    super::$case(limiters).await
                }
            )*
        }
    };
}

rate_limiter_suite!(
    limit_reached_is_limited_until_the_window_ends,
    a_new_window_allows_again,
    check_does_not_count,
    reset_forgets_the_key,
    keys_are_independent,
    limiters_share_counts,
    concurrent_hits_pass_exactly_the_limit,
);
