//! Tests of the SQLite store against real database files in temporary directories.

// Fixture helpers are not `#[test]` functions, so clippy's test exemption
// misses them; a fixture that fails should fail the test loudly.
#![expect(clippy::unwrap_used, reason = "test fixtures")]

mod accounts;
mod cancellation;
mod directory;
mod fixtures;
mod lifecycle;
mod list;
mod reports;
