//! Sinmungo's production store: every store port over PostgreSQL through
//! sqlx, with the same behaviour as the SQLite store (one contract suite runs
//! against both).
//!
//! [`PostgresStore`] implements `ReportStore`, `Outbox`, `UserStore`,
//! `DirectoryStore`, `SessionStore`, `SettingsStore` and `AuditLog`. No sqlx
//! type crosses its public API: errors are mapped to [`StoreError`] in
//! `error.rs`; rows are written and parsed back through the domain
//! constructors by `sinmungo-sql`, the row layer shared with the SQLite
//! store, with ids and times in their native types (`codec.rs`).
//!
//! - Map (bbox) and radius (near) lists use a GiST index on `point(lng, lat)`,
//!   text search (`q`) trigram GIN indexes (pg_trgm); no PostGIS.
//! - Relays claim outbox events with `FOR UPDATE SKIP LOCKED`, so several
//!   server instances share one outbox.
//! - An optional read replica serves lists and lookups.
//! - Times are stored with microsecond precision: a time read back is the
//!   written time truncated (not rounded) to whole microseconds.

mod audit;
mod backup;
mod codec;
mod directory;
mod error;
mod options;
mod outbox;
mod report_query;
mod reports;
mod sessions;
mod settings;
mod stats;
mod users;

use std::str::FromStr;

use anyhow::anyhow;
use sinmungo_core::ports::StoreError;
use sinmungo_sql::SqlPorts;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

pub use crate::backup::PostgresBackup;
pub use crate::options::PostgresOptions;

use crate::codec::PgDialect;
use crate::error::{migrate_error, store_error};
use crate::options::{is_plain_identifier, redacted};

/// The schema, from this crate's `migrations/` directory.
static MIGRATOR: Migrator = sqlx::migrate!();

/// The PostgreSQL store: cheap to clone, every clone shares the same pools.
///
/// Writes, and reads that decide a write, go to the primary; lists, single
/// reports, timelines, the audit list and user lookups go to the read
/// replica when one is configured.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    primary: PgPool,
    /// The replica's pool, or the primary's again.
    reader: PgPool,
    /// Whether `reader` is a pool of its own.
    replica: bool,
}

impl PostgresStore {
    /// Prepares the pools. No connection is opened until first use, so a
    /// server can start while the database is down and answer "not ready"
    /// (see [`PostgresStore::ping`]) until it is back; the pools reconnect by
    /// themselves. An invalid URL or schema name is an error at once.
    pub async fn connect(options: &PostgresOptions) -> Result<Self, StoreError> {
        let primary = pool(&options.url, options)?;
        let (reader, replica) = match &options.read_url {
            Some(read_url) => (pool(read_url, options)?, true),
            None => (primary.clone(), false),
        };
        tracing::debug!(replica, "prepared the PostgreSQL store");
        Ok(Self {
            primary,
            reader,
            replica,
        })
    }

    /// Brings the schema up to date on the primary; running it again is harmless.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR.run(&self.primary).await.map_err(migrate_error)
    }

    /// The notifications, their mail work and the job leases kept in this
    /// database. Notifications are read on the primary too: a person
    /// who has just read one expects it read in the next list.
    pub fn sql_ports(&self) -> SqlPorts {
        SqlPorts::new::<PgDialect>(self.primary.clone(), self.primary.clone())
    }

    /// Closes every connection, waiting for work in progress (for orderly shutdown).
    pub async fn close(&self) {
        self.primary.close().await;
        self.reader.close().await;
    }

    /// How busy the primary's pool, and the replica's if there is one, are.
    pub fn pool_usage(&self) -> Vec<sinmungo_sql::PoolUsage> {
        let primary = sinmungo_sql::PoolUsage::of("primary", &self.primary);
        if self.replica {
            vec![
                primary,
                sinmungo_sql::PoolUsage::of("replica", &self.reader),
            ]
        } else {
            vec![primary]
        }
    }

    /// Whether the primary, and the replica if there is one, answer.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.primary)
            .await
            .map_err(store_error)?;
        if self.replica {
            sqlx::query("SELECT 1")
                .execute(&self.reader)
                .await
                .map_err(store_error)?;
        }
        Ok(())
    }
}

/// A lazily connecting pool for `url` with the shared settings.
fn pool(url: &str, options: &PostgresOptions) -> Result<PgPool, StoreError> {
    // The URL may hold a password: the error shows it redacted.
    let mut connect = PgConnectOptions::from_str(url).map_err(|e| {
        StoreError::Unknown(anyhow!("invalid PostgreSQL URL {:?}: {e}", redacted(url)))
    })?;
    if let Some(schema) = &options.schema {
        if !is_plain_identifier(schema) {
            return Err(StoreError::Unknown(anyhow!(
                "invalid schema name {schema:?}: use lowercase ASCII letters, digits and _"
            )));
        }
        // A startup parameter: set as each connection opens, no extra round trip.
        connect = connect.options([("search_path", format!("{schema},public"))]);
    }
    Ok(PgPoolOptions::new()
        .max_connections(options.max_connections.max(1))
        .acquire_timeout(options.acquire_timeout)
        // Checks a pooled connection before handing it out, so connections
        // broken by a database restart are replaced instead of failing a request.
        .test_before_acquire(true)
        .connect_lazy_with(connect))
}
