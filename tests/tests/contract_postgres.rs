//! The store contract suite against `sinmungo-postgres`: every check on a
//! fresh, migrated schema of its own in the database at
//! `SINMUNGO_TEST_POSTGRES_URL`, dropped when the check ends. Skipped when
//! the variable is unset (a failure under `SINMUNGO_REQUIRE_SERVICES=1`).

use std::sync::Arc;

use async_trait::async_trait;
use sinmungo_core::domain::event::EventEnvelope;
use sinmungo_postgres::PostgresStore;
use sinmungo_tests::contract::{OutboxProbe, Stores};
use sinmungo_tests::postgres::{postgres_url, TestSchema};

/// Reads every event the PostgreSQL outbox holds, published or not.
struct PostgresOutbox(PostgresStore);

#[async_trait]
impl OutboxProbe for PostgresOutbox {
    async fn outbox(&self) -> anyhow::Result<Vec<EventEnvelope>> {
        Ok(self.0.outbox_events().await?)
    }
}

async fn fresh() -> anyhow::Result<Option<Stores>> {
    let Some(url) = postgres_url()? else {
        return Ok(None);
    };
    let schema = TestSchema::create(&url).await?;
    let store = schema.store().await?;
    let sql = store.sql_ports();
    Ok(Some(Stores {
        reports: Arc::new(store.clone()),
        appended: Arc::new(PostgresOutbox(store.clone())),
        outbox: Arc::new(store.clone()),
        audit: Arc::new(store.clone()),
        users: Arc::new(store.clone()),
        directory: Arc::new(store.clone()),
        sessions: Arc::new(store.clone()),
        notifications: sql.notifications,
        leases: sql.leases,
        mail: sql.mail,
        settings: Arc::new(store),
        keep_alive: Some(Arc::new(schema)),
    }))
}

sinmungo_tests::store_contract!(fresh);
