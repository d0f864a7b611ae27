//! The store contract suite against `sinmungo-sqlite`: every check on a fresh,
//! migrated SQLite database file in its own temporary directory.

use std::sync::Arc;

use async_trait::async_trait;
use sinmungo_core::domain::event::EventEnvelope;
use sinmungo_sqlite::SqliteStore;
use sinmungo_tests::contract::{OutboxProbe, Stores};

/// Reads every event the SQLite outbox holds, published or not.
struct SqliteOutbox(SqliteStore);

#[async_trait]
impl OutboxProbe for SqliteOutbox {
    async fn outbox(&self) -> anyhow::Result<Vec<EventEnvelope>> {
        Ok(self.0.outbox_events().await?)
    }
}

async fn fresh() -> anyhow::Result<Stores> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}/sinmungo.db", dir.path().display());
    let store = SqliteStore::connect(&url).await?;
    let sql = store.sql_ports();
    store.migrate().await?;
    Ok(Stores {
        reports: Arc::new(store.clone()),
        appended: Arc::new(SqliteOutbox(store.clone())),
        outbox: Arc::new(store.clone()),
        audit: Arc::new(store.clone()),
        users: Arc::new(store.clone()),
        directory: Arc::new(store.clone()),
        sessions: Arc::new(store.clone()),
        notifications: sql.notifications,
        leases: sql.leases,
        mail: sql.mail,
        settings: Arc::new(store),
        keep_alive: Some(Arc::new(dir)),
    })
}

sinmungo_tests::store_contract!(fresh);
