//! The Redis these tests run against: `SINMUNGO_TEST_REDIS_URL`, found (or
//! required) by the rule every suite shares, `sinmungo_test_support::services`.

use std::time::Duration;

use sinmungo_redis::{RedisConnection, RedisOptions};

/// The variable naming the test Redis.
pub const REDIS_URL: &str = "SINMUNGO_TEST_REDIS_URL";

/// The test Redis's URL; `None` (after saying so) when the test is skipped.
pub fn redis_url() -> anyhow::Result<Option<String>> {
    sinmungo_test_support::services::service_url(REDIS_URL)
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
