//! Opening, migrating, reopening and closing the database.

use sinmungo_core::ports::{ReportStore, StoreError};
use sinmungo_sqlite::SqliteStore;

use crate::fixtures::{report, report_id, submission, url_in};

#[tokio::test]
async fn connect_creates_the_file_and_its_directory() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::connect(&url_in(&dir)).await.unwrap();
    store.migrate().await.unwrap();
    store.ping().await.unwrap();
    assert!(dir.path().join("data").join("sinmungo.db").is_file());
}

#[tokio::test]
async fn migrating_twice_and_reconnecting_keeps_the_schema_and_data() {
    let dir = tempfile::tempdir().unwrap();
    let first = SqliteStore::connect(&url_in(&dir)).await.unwrap();
    first.migrate().await.unwrap();
    first.migrate().await.unwrap();
    first.apply(submission(report(1))).await.unwrap();
    first.close().await;
    drop(first);

    let second = SqliteStore::connect(&url_in(&dir)).await.unwrap();
    second.migrate().await.unwrap();
    assert_eq!(second.get(report_id(1)).await.unwrap(), Some(report(1)));
    assert_eq!(second.outbox_events().await.unwrap().len(), 1);
    assert_eq!(
        second.next_receipt_number(2026).await.unwrap().sequence(),
        1
    );
}

#[tokio::test]
async fn dropping_the_store_without_closing_keeps_committed_data() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SqliteStore::connect(&url_in(&dir)).await.unwrap();
        store.migrate().await.unwrap();
        store.apply(submission(report(1))).await.unwrap();
    }
    let reopened = SqliteStore::connect(&url_in(&dir)).await.unwrap();
    reopened.migrate().await.unwrap();
    assert_eq!(reopened.get(report_id(1)).await.unwrap(), Some(report(1)));
}

#[tokio::test]
async fn an_in_memory_database_works_for_tests() {
    let store = SqliteStore::connect("sqlite::memory:").await.unwrap();
    store.migrate().await.unwrap();
    store.apply(submission(report(1))).await.unwrap();
    assert_eq!(store.get(report_id(1)).await.unwrap(), Some(report(1)));
    let other = SqliteStore::connect("sqlite::memory:").await.unwrap();
    other.migrate().await.unwrap();
    assert_eq!(
        other.get(report_id(1)).await.unwrap(),
        None,
        "separate databases"
    );
}

#[tokio::test]
async fn a_closed_store_is_unavailable() {
    let (_dir, store) = crate::fixtures::fresh().await;
    store.close().await;
    let result = store.ping().await;
    assert!(
        matches!(result, Err(StoreError::Unavailable(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_malformed_url_is_refused() {
    let result = SqliteStore::connect("postgres://localhost/sinmungo").await;
    assert!(result.is_err());
}
