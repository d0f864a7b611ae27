//! Failures in the ports' words: an unreachable database is `Unavailable`
//! within the acquire timeout, and a bad configuration is refused at once.
//! (Recovery when the database comes back is tested end to end, through the
//! server, in `tests/tests/api/outage.rs`.)

use std::time::{Duration, Instant};

use sinmungo_core::ports::StoreError;
use sinmungo_postgres::{PostgresOptions, PostgresStore};
use tokio::net::TcpListener;

/// A port on which nothing listens.
async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    port
}

#[tokio::test]
async fn an_unreachable_database_is_unavailable_within_the_acquire_timeout() {
    let port = closed_port().await;
    let options = PostgresOptions {
        acquire_timeout: Duration::from_millis(500),
        ..PostgresOptions::new(format!("postgres://app:secret@127.0.0.1:{port}/sinmungo"))
    };
    // Connecting is lazy: the store is built while the database is down.
    let store = PostgresStore::connect(&options).await.unwrap();
    let started = Instant::now();
    let pinged = store.ping().await;
    assert!(
        matches!(pinged, Err(StoreError::Unavailable(_))),
        "{pinged:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "answered after {:?}",
        started.elapsed()
    );
    let migrated = store.migrate().await;
    assert!(
        matches!(migrated, Err(StoreError::Unavailable(_))),
        "{migrated:?}"
    );
}

#[tokio::test]
async fn a_bad_url_or_schema_is_refused_without_showing_the_password() {
    let bad_url = PostgresOptions::new("postgres://app:s3cret@db:notaport/sinmungo");
    match PostgresStore::connect(&bad_url).await {
        Err(StoreError::Unknown(error)) => {
            let shown = format!("{error:#}");
            assert!(!shown.contains("s3cret"), "{shown}");
        }
        other => panic!("expected Unknown, got {other:?}"),
    }
    let bad_schema = PostgresOptions {
        schema: Some("public; DROP TABLE reports".to_owned()),
        ..PostgresOptions::new("postgres://app@db/sinmungo")
    };
    assert!(matches!(
        PostgresStore::connect(&bad_schema).await,
        Err(StoreError::Unknown(_))
    ));
}
