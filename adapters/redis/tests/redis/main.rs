//! `sinmungo-redis` against a real Redis (`SINMUNGO_TEST_REDIS_URL`; skipped
//! without it, failed without it under `SINMUNGO_REQUIRE_SERVICES=1`), and
//! the rate-limiter suite against core's in-process limiter too.

mod outage;
mod rate_limits;
mod services;
mod sessions;
