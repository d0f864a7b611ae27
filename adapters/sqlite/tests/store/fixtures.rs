//! Fresh stores, and (from `sinmungo-sql`, shared with the PostgreSQL
//! store's tests) valid reports to put in them.

use sinmungo_sqlite::SqliteStore;
use tempfile::TempDir;

pub use sinmungo_sql::fixtures::{
    at, audit, citizen, entry, report, report_id, submission, submit_all,
};

/// A migrated store in a fresh file; keep the directory alive as long as the store.
pub async fn fresh() -> (TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::connect(&url_in(&dir)).await.unwrap();
    store.migrate().await.unwrap();
    (dir, store)
}

/// The URL of a database file below `dir` (in a directory that does not exist yet).
pub fn url_in(dir: &TempDir) -> String {
    format!("sqlite://{}/data/sinmungo.db", dir.path().display())
}
