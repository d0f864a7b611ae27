//! Tests of the PostgreSQL store beyond the contract suite (which runs in
//! `sinmungo-tests`): error mapping and recovery, the read replica, index
//! use, concurrent claims and cancelled writes. Each test that needs the
//! database gets a schema of its own at `SINMUNGO_TEST_POSTGRES_URL`; unset,
//! those tests print that they are skipped (a failure under
//! `SINMUNGO_REQUIRE_SERVICES=1`).

// Fixture helpers are not `#[test]` functions, so clippy's test exemption
// misses them; a fixture that fails should fail the test loudly.
#![expect(clippy::unwrap_used, reason = "test fixtures")]

mod cancellation;
mod claims;
mod errors;
mod fixtures;
mod plans;
mod replica;
mod schema;
mod upgrade;
mod window;
