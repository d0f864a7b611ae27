//! A PostgreSQL schema of its own for each test: created empty, dropped
//! (with everything in it) when the last handle to it goes.

use anyhow::Context as _;
use sinmungo_postgres::{PostgresOptions, PostgresStore};
use sqlx::{Connection as _, Executor as _, PgConnection};

use crate::services::service_url;

/// The variable holding the test database's URL (a superuser, or a role that
/// may create schemas and the pg_trgm extension).
pub const POSTGRES_URL_VAR: &str = "SINMUNGO_TEST_POSTGRES_URL";

/// The test database's URL, or `None` when the tests are skipped (see [`service_url`]).
pub fn postgres_url() -> anyhow::Result<Option<String>> {
    service_url(POSTGRES_URL_VAR)
}

/// A fresh, empty schema; dropped with `CASCADE` on drop.
#[derive(Debug)]
pub struct TestSchema {
    url: String,
    name: String,
}

impl TestSchema {
    /// Creates a schema with a random name in the database at `url`.
    ///
    /// pg_trgm is made sure of in `public` first: the store's migration
    /// would otherwise create the extension inside the first test's schema,
    /// and dropping that schema would take the extension (and every other
    /// test's trigram indexes) with it.
    pub async fn create(url: &str) -> anyhow::Result<Self> {
        let name = format!("sinmungo_test_{}", uuid::Uuid::now_v7().simple());
        let mut conn = PgConnection::connect(url)
            .await
            .context("connecting to the test database")?;
        let mut tx = conn.begin().await?;
        // Concurrent `CREATE EXTENSION IF NOT EXISTS` may collide; take turns.
        sqlx::query("SELECT pg_advisory_xact_lock(7340032)")
            .execute(&mut *tx)
            .await?;
        sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
            .execute(&mut *tx)
            .await
            .context("installing pg_trgm (PostgreSQL's contrib package)")?;
        sqlx::query(&format!("CREATE SCHEMA {name}"))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        conn.close().await?;
        Ok(Self {
            url: url.to_owned(),
            name,
        })
    }

    /// The schema's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The database URL the schema lives in.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Store options for this schema.
    pub fn options(&self) -> PostgresOptions {
        PostgresOptions {
            schema: Some(self.name.clone()),
            ..PostgresOptions::new(self.url.clone())
        }
    }

    /// A migrated store on this schema.
    pub async fn store(&self) -> anyhow::Result<PostgresStore> {
        let store = PostgresStore::connect(&self.options()).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// A plain connection whose search path is this schema, for reading back with SQL.
    pub async fn connection(&self) -> anyhow::Result<PgConnection> {
        let mut conn = PgConnection::connect(&self.url).await?;
        conn.execute(format!("SET search_path = {}, public", self.name).as_str())
            .await?;
        Ok(conn)
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, which cannot block on its own
        // futures: a thread with a runtime of its own drops the schema, on a
        // connection of its own (the store's pools may be gone already).
        let (url, name) = (self.url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || -> anyhow::Result<()> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut conn = PgConnection::connect(&url).await?;
                // A test's leftover transaction may hold locks a moment longer.
                conn.execute("SET lock_timeout = '10s'").await?;
                conn.execute(format!("DROP SCHEMA IF EXISTS {name} CASCADE").as_str())
                    .await?;
                conn.close().await?;
                anyhow::Ok(())
            })
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(error)) => report_leak(&self.name, &format!("{error:#}")),
            Err(_) => report_leak(&self.name, "the dropping thread panicked"),
        }
    }
}

#[expect(
    clippy::print_stderr,
    reason = "a schema left behind is worth a line in the test output"
)]
fn report_leak(name: &str, why: &str) {
    eprintln!("could not drop test schema {name}: {why}");
}
