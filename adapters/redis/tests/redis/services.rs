//! The Redis these tests run against: `SINMUNGO_TEST_REDIS_URL`. Unset, a
//! test says it is skipped and passes; with `SINMUNGO_REQUIRE_SERVICES=1` (as
//! `.ci/run` sets) it fails instead, so CI never passes without Redis. (The
//! same rule as `sinmungo_tests::services`, which an adapter cannot depend on.)

use std::time::Duration;

use sinmungo_redis::{RedisConnection, RedisOptions};

/// The variable naming the test Redis.
pub const REDIS_URL: &str = "SINMUNGO_TEST_REDIS_URL";
/// The variable that turns a missing service into a failure.
pub const REQUIRE_SERVICES: &str = "SINMUNGO_REQUIRE_SERVICES";

/// The test Redis's URL; `None` (after saying so) when the test is skipped.
pub fn redis_url() -> anyhow::Result<Option<String>> {
    match std::env::var(REDIS_URL) {
        Ok(url) if !url.trim().is_empty() => Ok(Some(url)),
        _ if std::env::var(REQUIRE_SERVICES).is_ok_and(|value| value.trim() == "1") => {
            anyhow::bail!(
                "{REDIS_URL} is not set, but {REQUIRE_SERVICES}=1 requires the service: \
                 set {REDIS_URL} to its URL (or unset {REQUIRE_SERVICES} to skip)"
            )
        }
        _ => {
            skipped();
            Ok(None)
        }
    }
}

#[expect(
    clippy::print_stderr,
    reason = "a skipped test says so where cargo test shows it"
)]
fn skipped() {
    eprintln!("skipped: {REDIS_URL} not set");
}

/// A key prefix no other test uses, so tests run in parallel on one Redis.
pub fn fresh_prefix() -> String {
    format!("sinmungo-test:{:016x}:", rand::random::<u64>())
}

/// Options for `url` under `prefix`, with short timeouts.
pub fn options(url: &str, prefix: &str) -> RedisOptions {
    RedisOptions::new(url)
        .with_key_prefix(prefix)
        .with_timeouts(Duration::from_secs(2), Duration::from_secs(2))
}

/// A connection under a fresh prefix, or `None` when skipped.
pub fn connection() -> anyhow::Result<Option<RedisConnection>> {
    let Some(url) = redis_url()? else {
        return Ok(None);
    };
    Ok(Some(RedisConnection::connect(&options(
        &url,
        &fresh_prefix(),
    ))?))
}

/// A plain redis-rs connection, to look at the keys the adapter wrote.
pub async fn raw(url: &str) -> anyhow::Result<redis::aio::MultiplexedConnection> {
    Ok(redis::Client::open(url)?
        .get_multiplexed_async_connection()
        .await?)
}
