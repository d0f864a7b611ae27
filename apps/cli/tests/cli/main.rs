//! Black-box tests of the `sinmungo` binary: each runs the real binary
//! against a fresh SQLite database, and again against a fresh PostgreSQL
//! schema when `SINMUNGO_TEST_POSTGRES_URL` is set (skipped, or failed with
//! `SINMUNGO_REQUIRE_SERVICES=1`, otherwise).

mod harness;

mod access;
mod anonymise;
mod backup;
mod bulk;
mod directory;
mod import_export;
mod users;
