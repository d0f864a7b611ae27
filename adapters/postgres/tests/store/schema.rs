//! A schema of its own per test, dropped afterwards (a copy of
//! `sinmungo_tests::postgres`, which this crate cannot use: that crate
//! depends on this one); the skip rule is `sinmungo_test_support`'s.

use sinmungo_postgres::{PostgresOptions, PostgresStore};
use sqlx::{Connection as _, Executor as _, PgConnection};

const URL_VAR: &str = "SINMUNGO_TEST_POSTGRES_URL";

/// The test database's URL; `None` (after saying so) when the test is skipped.
#[expect(
    clippy::panic,
    reason = "a test helper: a required service that is missing fails the test"
)]
pub fn postgres_url() -> Option<String> {
    sinmungo_test_support::services::service_url(URL_VAR).unwrap_or_else(|error| panic!("{error}"))
}

/// `url` with one more query parameter.
pub fn with_param(url: &str, param: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{param}")
}

/// A fresh, empty schema; dropped with `CASCADE` on drop.
pub struct Schema {
    pub url: String,
    pub name: String,
}

impl Schema {
    /// Creates it (and pg_trgm in `public`, so no test schema owns the extension).
    pub async fn create(url: &str) -> Self {
        let name = format!("sinmungo_test_{}", uuid::Uuid::now_v7().simple());
        let mut conn = PgConnection::connect(url).await.unwrap();
        let mut tx = conn.begin().await.unwrap();
        sqlx::query("SELECT pg_advisory_xact_lock(7340032)")
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query(&format!("CREATE SCHEMA {name}"))
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        conn.close().await.unwrap();
        Self {
            url: url.to_owned(),
            name,
        }
    }

    /// Store options for this schema.
    pub fn options(&self) -> PostgresOptions {
        PostgresOptions {
            schema: Some(self.name.clone()),
            ..PostgresOptions::new(self.url.clone())
        }
    }

    /// A migrated store on this schema.
    pub async fn store(&self) -> PostgresStore {
        let store = PostgresStore::connect(&self.options()).await.unwrap();
        store.migrate().await.unwrap();
        store
    }

    /// The database URL with this schema as the search path (`options[search_path]`).
    pub fn url_with_search_path(&self) -> String {
        with_param(
            &self.url,
            &format!("options[search_path]={},public", self.name),
        )
    }

    /// A plain connection on this schema, for SQL the store does not offer.
    pub async fn connection(&self) -> PgConnection {
        let mut conn = PgConnection::connect(&self.url).await.unwrap();
        conn.execute(format!("SET search_path = {}, public", self.name).as_str())
            .await
            .unwrap();
        conn
    }
}

impl Drop for Schema {
    #[expect(
        clippy::print_stderr,
        reason = "a schema left behind is worth a line in the test output"
    )]
    fn drop(&mut self) {
        // The test's runtime cannot block on its own futures: drop the
        // schema from a thread with a runtime and a connection of its own.
        let (url, name) = (self.url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut conn = PgConnection::connect(&url).await?;
                conn.execute("SET lock_timeout = '10s'").await?;
                conn.execute(format!("DROP SCHEMA IF EXISTS {name} CASCADE").as_str())
                    .await?;
                conn.close().await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test schema {}: {dropped:?}", self.name);
        }
    }
}
