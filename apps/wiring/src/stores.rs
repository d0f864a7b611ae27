//! The store the configuration names: SQLite (`sqlite://…`, the embedded
//! default) or PostgreSQL (`postgres://…`), behind the core's ports.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context as _};
use clap::Args;
use sinmungo_core::app::{InProcessFanout, Ports};
use sinmungo_core::ports::{
    AuditLog, DatabaseBackup, DirectoryStore, JobLease, MailQueue, MediaStore, NotificationStore,
    Outbox, ReportStore, SecretSealer, SessionStore, SettingsStore, SystemClock, UserStore,
    UuidV7Ids,
};
use sinmungo_postgres::{PostgresBackup, PostgresOptions, PostgresStore};
use sinmungo_sqlite::SqliteStore;

use crate::directory_cache::CachedDirectory;
use crate::secrets::password_hasher;
use crate::url::ConnectionUrl;

/// Where the data lives.
#[derive(Debug, Clone, Args)]
pub struct StoreConfig {
    /// sqlite://PATH (embedded default, in the data directory) or postgres://USER:PASSWORD@HOST/DB.
    #[arg(
        long,
        env = "SINMUNGO_DATABASE_URL",
        default_value = "sqlite://{data_dir}/sinmungo.db",
        hide_env_values = true
    )]
    pub database_url: ConnectionUrl,

    /// A PostgreSQL read replica for lists and reads (postgres:// only).
    #[arg(long, env = "SINMUNGO_DATABASE_READ_URL", hide_env_values = true)]
    pub database_read_url: Option<ConnectionUrl>,

    /// Connections to PostgreSQL per pool.
    #[arg(long, env = "SINMUNGO_DATABASE_MAX_CONNECTIONS", default_value_t = 16)]
    pub database_max_connections: u32,

    /// Skip migrations at start (the operator runs `migrate` separately).
    #[arg(long, env = "SINMUNGO_NO_MIGRATE")]
    pub no_migrate: bool,

    /// Milliseconds this process keeps the categories and departments it read (0: no cache).
    #[arg(long, env = "SINMUNGO_DIRECTORY_CACHE_MS", default_value_t = StoreConfig::DEFAULT_DIRECTORY_CACHE_MS)]
    pub directory_cache_ms: u64,
}

impl StoreConfig {
    /// How long the directory is cached by default: another instance's
    /// change to it is seen within this.
    pub const DEFAULT_DIRECTORY_CACHE_MS: u64 = 5_000;

    /// These settings with `{data_dir}` resolved to `dir`.
    #[must_use]
    pub fn in_data_dir(mut self, dir: &std::path::Path) -> Self {
        self.database_url = ConnectionUrl::new(crate::data_dir::in_data_dir(
            self.database_url.expose(),
            dir,
        ));
        self
    }

    /// The embedded default: SQLite in ./data, migrated at start.
    pub fn embedded_defaults() -> Self {
        Self {
            database_url: ConnectionUrl::new("sqlite://./data/sinmungo.db"),
            database_read_url: None,
            database_max_connections: 16,
            no_migrate: false,
            directory_cache_ms: Self::DEFAULT_DIRECTORY_CACHE_MS,
        }
    }
}

/// An open store, as every port it implements.
#[derive(Clone)]
pub struct OpenedStores {
    /// Reports, timelines, supporters.
    pub reports: Arc<dyn ReportStore>,
    /// The outbox of `reports`.
    pub outbox: Arc<dyn Outbox>,
    /// Accounts.
    pub users: Arc<dyn UserStore>,
    /// Categories and departments.
    pub directory: Arc<dyn DirectoryStore>,
    /// Refresh sessions.
    pub sessions: Arc<dyn SessionStore>,
    /// The audit log.
    pub audit: Arc<dyn AuditLog>,
    /// Sealed secrets.
    pub settings: Arc<dyn SettingsStore>,
    /// Notifications.
    pub notifications: Arc<dyn NotificationStore>,
    /// Scheduled jobs' leases.
    pub leases: Arc<dyn JobLease>,
    /// The mail work of the notifications.
    pub mail: Arc<dyn MailQueue>,
    /// Online backups (SQLite's `VACUUM INTO`; PostgreSQL's `pg_dump`).
    pub backup: Option<Arc<dyn DatabaseBackup>>,
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl std::fmt::Debug for OpenedStores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let backend = match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        };
        f.debug_struct("OpenedStores")
            .field("backend", &backend)
            .finish_non_exhaustive()
    }
}

impl OpenedStores {
    /// The use cases' ports over these stores, `media` and `sealer`, with
    /// the system clock, UUIDv7 ids and the production password hasher, and
    /// live pushes to this process alone (the application replaces the
    /// fan-out with the configured one).
    pub fn ports(&self, media: Arc<dyn MediaStore>, sealer: Arc<dyn SecretSealer>) -> Ports {
        Ports {
            reports: self.reports.clone(),
            users: self.users.clone(),
            directory: self.directory.clone(),
            sessions: self.sessions.clone(),
            audit: self.audit.clone(),
            media,
            settings: self.settings.clone(),
            notifications: self.notifications.clone(),
            fanout: Arc::new(InProcessFanout::default()),
            leases: self.leases.clone(),
            sealer,
            hasher: password_hasher(),
            clock: Arc::new(SystemClock),
            ids: Arc::new(UuidV7Ids),
        }
    }

    /// How busy the database's connection pools are.
    pub fn pool_usage(&self) -> Vec<sinmungo_sql::PoolUsage> {
        match &self.backend {
            Backend::Sqlite(store) => store.pool_usage(),
            Backend::Postgres(store) => store.pool_usage(),
        }
    }

    /// Closes every connection (at shutdown).
    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite(store) => store.close().await,
            Backend::Postgres(store) => store.close().await,
        }
    }
}

/// `directory` behind this process's cache, as `config` sets it.
fn cached_directory(
    directory: Arc<dyn DirectoryStore>,
    config: &StoreConfig,
) -> Arc<dyn DirectoryStore> {
    CachedDirectory::wrap(directory, Duration::from_millis(config.directory_cache_ms))
}

/// Opens (and unless told otherwise, migrates) the store `config` names.
pub async fn open_stores(config: &StoreConfig) -> anyhow::Result<OpenedStores> {
    let url = config.database_url.expose();
    if url.starts_with("sqlite:") {
        if config.database_read_url.is_some() {
            bail!("SINMUNGO_DATABASE_READ_URL needs a postgres:// database");
        }
        let store = SqliteStore::connect(url)
            .await
            .with_context(|| format!("opening the SQLite database at {}", config.database_url))?;
        if !config.no_migrate {
            store.migrate().await.context("migrating the database")?;
        }
        let sql = store.sql_ports();
        return Ok(OpenedStores {
            reports: Arc::new(store.clone()),
            outbox: Arc::new(store.clone()),
            users: Arc::new(store.clone()),
            directory: cached_directory(Arc::new(store.clone()), config),
            sessions: Arc::new(store.clone()),
            audit: Arc::new(store.clone()),
            settings: Arc::new(store.clone()),
            notifications: sql.notifications,
            leases: sql.leases,
            mail: sql.mail,
            backup: Some(Arc::new(store.clone())),
            backend: Backend::Sqlite(store),
        });
    }
    let scheme = config.database_url.scheme();
    if !matches!(scheme, "postgres" | "postgresql") {
        bail!(
            "unsupported SINMUNGO_DATABASE_URL scheme {scheme:?}: use sqlite://PATH or postgres://…"
        );
    }
    let options = PostgresOptions {
        read_url: config
            .database_read_url
            .as_ref()
            .map(|url| url.expose().to_owned()),
        max_connections: config.database_max_connections,
        ..PostgresOptions::new(url)
    };
    let store = PostgresStore::connect(&options)
        .await
        .with_context(|| format!("opening PostgreSQL at {}", config.database_url))?;
    if !config.no_migrate {
        store
            .migrate()
            .await
            .with_context(|| format!("migrating PostgreSQL at {}", config.database_url))?;
    }
    let sql = store.sql_ports();
    let backup = PostgresBackup::new(store.clone(), url)
        .with_context(|| format!("reading {}", config.database_url))?;
    Ok(OpenedStores {
        reports: Arc::new(store.clone()),
        outbox: Arc::new(store.clone()),
        users: Arc::new(store.clone()),
        directory: cached_directory(Arc::new(store.clone()), config),
        sessions: Arc::new(store.clone()),
        audit: Arc::new(store.clone()),
        settings: Arc::new(store.clone()),
        notifications: sql.notifications,
        leases: sql.leases,
        mail: sql.mail,
        backup: Some(Arc::new(backup)),
        backend: Backend::Postgres(store),
    })
}
