//! Redis down, silent, or back: a server starts without it, requests fail
//! with the ports' "unavailable" errors within the timeouts (never hang), and
//! the same connection works again once Redis is back.
//!
//! The time bounds asserted here are deliberately loose (seconds where the
//! timeouts are hundreds of milliseconds): they check that a failure is
//! bounded by the timeouts, not how fast anything is.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use chrono::{SubsecRound, TimeDelta, Utc};
use sinmungo_core::domain::identity::SessionId;
use sinmungo_core::domain::user::UserId;
use sinmungo_core::ports::{
    Consumed, Quota, RateDecision, RateLimiter, RefreshSession, SessionStore, StoreError,
};
use sinmungo_redis::{
    RedisConnection, RedisError, RedisOptions, RedisRateLimiter, RedisSessionStore,
};
use tokio::net::TcpListener;
use uuid::Uuid;

use sinmungo_test_support::proxy::{through_with_default_port, Proxy};

use crate::services::{fresh_prefix, redis_url};

type TestResult = anyhow::Result<()>;

const TIMEOUT: Duration = Duration::from_millis(300);
/// Far more than any failure may take with [`TIMEOUT`]s.
const BOUND: Duration = Duration::from_secs(5);

fn short_timeouts(url: &str) -> RedisOptions {
    RedisOptions::new(url)
        .with_key_prefix(fresh_prefix())
        .with_timeouts(TIMEOUT, TIMEOUT)
}

fn session(hash: &str) -> RefreshSession {
    RefreshSession {
        token_hash: hash.to_owned(),
        family: SessionId(Uuid::now_v7()),
        user_id: UserId(Uuid::now_v7()),
        expires_at: (Utc::now() + TimeDelta::hours(1)).trunc_subsecs(6),
    }
}

/// A port nothing listens on.
async fn closed_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    Ok(listener.local_addr()?.port())
}

#[tokio::test]
async fn a_closed_port_is_unavailable_within_the_timeouts() -> TestResult {
    let url = format!("redis://127.0.0.1:{}", closed_port().await?);
    // Connecting does not touch the network: a server starts without Redis.
    let connection = RedisConnection::connect(&short_timeouts(&url))?;
    let sessions = RedisSessionStore::new(connection.clone());
    let limiter = RedisRateLimiter::new(connection.clone());
    let quota = Quota::new(5, Duration::from_secs(60));

    for _ in 0..2 {
        let started = Instant::now();
        assert!(matches!(
            connection.ping().await,
            Err(RedisError::Unavailable(_))
        ));
        assert!(matches!(
            sessions.insert(&session("t")).await,
            Err(StoreError::Unavailable(_))
        ));
        assert!(matches!(
            sessions.consume("t").await,
            Err(StoreError::Unavailable(_))
        ));
        assert!(matches!(
            sessions
                .is_active(SessionId(Uuid::now_v7()), Utc::now())
                .await,
            Err(StoreError::Unavailable(_))
        ));
        assert!(matches!(
            sessions.purge_expired(Utc::now()).await,
            Err(StoreError::Unavailable(_))
        ));
        let error = limiter.hit("k", quota).await.unwrap_err();
        assert!(error.to_string().contains("unavailable"), "{error}");
        assert!(limiter.check("k", quota).await.is_err());
        assert!(limiter.reset("k").await.is_err());
        assert!(started.elapsed() < BOUND, "took {:?}", started.elapsed());
    }
    Ok(())
}

/// A server that accepts connections and never answers (a hung Redis, or a
/// network that drops packets): every call ends at the timeouts.
#[tokio::test]
async fn a_silent_server_is_unavailable_within_the_timeouts() -> TestResult {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("redis://{}", listener.local_addr()?);
    let _silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let connection = RedisConnection::connect(&short_timeouts(&url))?;
    let sessions = RedisSessionStore::new(connection.clone());
    let limiter = RedisRateLimiter::new(connection.clone());

    let started = Instant::now();
    assert!(matches!(
        connection.ping().await,
        Err(RedisError::Unavailable(_))
    ));
    assert!(matches!(
        sessions.consume("t").await,
        Err(StoreError::Unavailable(_))
    ));
    assert!(limiter
        .hit("k", Quota::new(1, Duration::from_secs(1)))
        .await
        .is_err());
    assert!(started.elapsed() < BOUND, "took {:?}", started.elapsed());
    Ok(())
}

#[tokio::test]
async fn a_url_that_does_not_parse_is_a_configuration_error_without_the_url() -> TestResult {
    for url in ["", "not a url", "http://user:hunter2@cache:6379"] {
        match RedisConnection::connect(&RedisOptions::new(url)) {
            Err(RedisError::Config(message)) => {
                assert!(!message.contains("hunter2"), "{message}");
            }
            other => anyhow::bail!("{url:?}: {other:?}"),
        }
    }
    Ok(())
}

#[test]
fn connecting_outside_a_runtime_is_a_configuration_error() {
    assert!(matches!(
        RedisConnection::connect(&RedisOptions::new("redis://127.0.0.1:6379")),
        Err(RedisError::Config(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connection_recovers_when_redis_comes_back() -> TestResult {
    let Some(url) = redis_url()? else {
        return Ok(());
    };
    if !url.starts_with("redis://") {
        eprintln!("skipped: {url:?} is not a redis:// TCP URL the proxy can stand in front of");
        return Ok(());
    }
    let any_port = SocketAddr::from(([127, 0, 0, 1], 0));
    let (_, upstream) = through_with_default_port(&url, any_port, 6379)?;
    let mut proxy = Proxy::start(any_port, upstream).await?;
    let (proxied, _) = through_with_default_port(&url, proxy.listen(), 6379)?;
    let connection = RedisConnection::connect(&short_timeouts(&proxied))?;
    let sessions = RedisSessionStore::new(connection.clone());
    let limiter = RedisRateLimiter::new(connection.clone());
    let quota = Quota::new(5, Duration::from_secs(60));

    connection.ping().await?;
    sessions.insert(&session("kept")).await?;
    assert_eq!(
        limiter.hit("k", quota).await?,
        RateDecision::Allowed { remaining: 4 }
    );

    proxy.cut().await;
    let started = Instant::now();
    for _ in 0..3 {
        assert!(matches!(
            connection.ping().await,
            Err(RedisError::Unavailable(_))
        ));
    }
    assert!(matches!(
        sessions.consume("kept").await,
        Err(StoreError::Unavailable(_))
    ));
    assert!(limiter.hit("k", quota).await.is_err());
    assert!(started.elapsed() < BOUND, "took {:?}", started.elapsed());

    proxy.restore().await?;
    // The first request after the outage already succeeds: a refused
    // connection is tried once more, on the client's fresh attempt.
    connection.ping().await?;
    assert!(
        matches!(sessions.consume("kept").await?, Consumed::Fresh(_)),
        "nothing reached Redis during the outage"
    );
    assert_eq!(
        limiter.hit("k", quota).await?,
        RateDecision::Allowed { remaining: 3 },
        "the count survived; the failed hit never arrived"
    );
    Ok(())
}
