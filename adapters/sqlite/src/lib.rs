//! Sinmungo's embedded store: every store port over one SQLite database
//! through sqlx, so the product runs on a fresh machine with nothing installed.
//!
//! [`SqliteStore`] implements `ReportStore`, `Outbox`, `UserStore`,
//! `DirectoryStore`, `SessionStore`, `SettingsStore` and `AuditLog`. No sqlx
//! type crosses its public API: errors are mapped to [`StoreError`] in
//! `error.rs`; rows are written and parsed back through the domain
//! constructors by `sinmungo-sql`, the row layer shared with the PostgreSQL
//! store, with ids and times kept as text (`codec.rs`).
//!
//! Times are stored with microsecond precision (like PostgreSQL): a time read
//! back is the written time truncated to whole microseconds.

mod audit;
mod backup;
mod codec;
mod directory;
mod error;
mod outbox;
mod report_query;
mod reports;
mod sessions;
mod settings;
mod stats;
mod users;

use std::str::FromStr;
use std::time::Duration;

use anyhow::anyhow;
use sinmungo_core::ports::StoreError;
use sinmungo_sql::{PoolUsage, SqlPorts};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

use crate::codec::SqliteDialect;
use crate::error::{migrate_error, store_error};

/// The schema, from this crate's `migrations/` directory.
static MIGRATOR: Migrator = sqlx::migrate!();

/// How long a statement waits for another connection's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a caller waits for a free connection before the store counts as unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections of a file database. SQLite has one writer at a time, but in WAL
/// mode readers run beside it, so a few connections serve concurrent reads.
const POOL_SIZE: u32 = 8;

/// The SQLite store: cheap to clone, every clone shares the same connections.
///
/// Reads use a pool of [`POOL_SIZE`] connections; every write goes through a
/// single writer connection. SQLite admits one writer at a time anyway: with
/// one writer connection, writers wait their turn in the pool's fair queue
/// instead of polling SQLite's lock in the busy handler, which is what made
/// tail latencies of a second or more under load.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    writer: SqlitePool,
    /// Whether `writer` is `pool` again (an in-memory database's one connection).
    shared: bool,
}

impl SqliteStore {
    /// Opens (creating the file and its directory if missing) the database at `url`,
    /// e.g. `sqlite://./data/sinmungo.db` or `sqlite::memory:`.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        // sqlx reads any other string as a file name; refuse it instead of
        // creating a file called `postgres:`.
        if !url.starts_with("sqlite:") {
            return Err(StoreError::Unknown(anyhow!(
                "not an SQLite URL (expected sqlite://path or sqlite::memory:): {url:?}"
            )));
        }
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Unknown(anyhow!("invalid SQLite URL {url:?}: {e}")))?
            .create_if_missing(true)
            // WAL: readers never block the writer nor each other. The default
            // `synchronous = FULL` is kept so an acknowledged report survives a
            // power cut, not only a crash of the process.
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let in_memory = is_in_memory(url);
        if !in_memory {
            create_parent_directory(options.get_filename())?;
        }
        let pool_options = SqlitePoolOptions::new().acquire_timeout(ACQUIRE_TIMEOUT);
        if in_memory {
            // An in-memory database lives as long as one of its connections:
            // keep exactly one, forever, for reads and writes alike.
            let pool = pool_options
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await
                .map_err(store_error)?;
            tracing::debug!("opened an in-memory SQLite store");
            return Ok(Self {
                writer: pool.clone(),
                pool,
                shared: true,
            });
        }
        let writer = pool_options
            .clone()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .map_err(store_error)?;
        let pool = pool_options
            .max_connections(POOL_SIZE)
            .connect_with(options)
            .await
            .map_err(store_error)?;
        tracing::debug!("opened the SQLite store");
        Ok(Self {
            pool,
            writer,
            shared: false,
        })
    }

    /// Brings the schema up to date; running it again is harmless.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR.run(&self.writer).await.map_err(migrate_error)
    }

    /// The notifications, their mail work and the job leases kept in this
    /// database.
    pub fn sql_ports(&self) -> SqlPorts {
        SqlPorts::new::<SqliteDialect>(self.pool.clone(), self.writer.clone())
    }

    /// Closes every connection, waiting for work in progress (for orderly shutdown).
    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }

    /// How busy the readers' pool and the writer are (one pool, `read`, for
    /// an in-memory database).
    pub fn pool_usage(&self) -> Vec<PoolUsage> {
        let read = PoolUsage::of("read", &self.pool);
        if self.shared {
            vec![read]
        } else {
            vec![read, PoolUsage::of("write", &self.writer)]
        }
    }
}

/// Whether `url` names an in-memory database (`sqlite::memory:`, `?mode=memory`).
fn is_in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

fn create_parent_directory(file: &std::path::Path) -> Result<(), StoreError> {
    match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => {
            std::fs::create_dir_all(parent).map_err(|e| {
                StoreError::Unavailable(format!(
                    "cannot create the database directory {}: {e}",
                    parent.display()
                ))
            })
        }
        _ => Ok(()),
    }
}
