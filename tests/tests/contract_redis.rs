//! The `SessionStore` checks of the store contract against
//! `sinmungo-redis`: every check under a key prefix of its own in the Redis
//! at `SINMUNGO_TEST_REDIS_URL`, the other ports from memory. Skipped when
//! the variable is unset (a failure under `SINMUNGO_REQUIRE_SERVICES=1`).

use std::sync::Arc;
use std::time::Duration;

use sinmungo_redis::{RedisConnection, RedisOptions, RedisSessionStore};
use sinmungo_tests::contract::Stores;
use uuid::Uuid;

async fn fresh() -> anyhow::Result<Option<Stores>> {
    let Some(url) = sinmungo_test_support::services::service_url("SINMUNGO_TEST_REDIS_URL")? else {
        return Ok(None);
    };
    let options = RedisOptions::new(url)
        .with_key_prefix(format!("sinmungo-contract:{}:", Uuid::now_v7()))
        .with_timeouts(Duration::from_secs(2), Duration::from_secs(2));
    let connection = RedisConnection::connect(&options)?;
    Ok(Some(Stores {
        sessions: Arc::new(RedisSessionStore::new(connection)),
        ..Stores::memory()
    }))
}

sinmungo_tests::session_contract!(fresh);
