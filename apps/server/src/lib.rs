//! The Sinmungo API server: reads configuration, builds the adapters, hands
//! them to the use cases and serves HTTP.

pub mod config;
mod secrets;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{bail, Context as _};
use sinmungo_core::app::{NewAccount, Policy, Ports, RegisterRequest, UseCases};
use sinmungo_core::domain::geo::ServiceArea;
use sinmungo_core::domain::rules::RuleSet;
use sinmungo_core::domain::User;
use sinmungo_core::ports::{SystemClock, UuidV7Ids};
use sinmungo_http::auth::{Argon2Hasher, TokenConfig, TokenService};
use sinmungo_http::{AppState, HttpConfig};
use sinmungo_sqlite::SqliteStore;
use tokio::net::TcpListener;

pub use config::{Cli, Command, CreateUserArgs, LogFormat, ServerConfig};

/// The use cases over the configured stores, migrated and seeded.
pub async fn build_use_cases(config: &ServerConfig) -> anyhow::Result<UseCases> {
    let policy = load_policy(config)?;
    let store = open_store(&config.database_url).await?;
    let ports = Ports {
        reports: Arc::new(store.clone()),
        users: Arc::new(store.clone()),
        directory: Arc::new(store.clone()),
        sessions: Arc::new(store.clone()),
        audit: Arc::new(store),
        hasher: Arc::new(Argon2Hasher::new()),
        clock: Arc::new(SystemClock),
        ids: Arc::new(UuidV7Ids),
    };
    let use_cases = UseCases::new(ports, &policy);
    let added = use_cases
        .directory
        .seed()
        .await
        .context("seeding categories and departments")?;
    if added > 0 {
        tracing::info!(added, "seeded categories and departments");
    }
    let categories = use_cases
        .directory
        .categories()
        .await
        .context("reading categories")?;
    policy
        .rules
        .check_categories(&categories)
        .context("the classification rules name a category that does not exist")?;
    Ok(use_cases)
}

async fn open_store(url: &str) -> anyhow::Result<SqliteStore> {
    if !url.starts_with("sqlite:") {
        bail!("unsupported SINMUNGO_DATABASE_URL scheme in {url:?}: this build stores data in SQLite (sqlite://PATH)");
    }
    let store = SqliteStore::connect(url)
        .await
        .with_context(|| format!("opening the database at {url}"))?;
    store.migrate().await.context("migrating the database")?;
    Ok(store)
}

fn load_policy(config: &ServerConfig) -> anyhow::Result<Policy> {
    let mut policy = Policy::default();
    if let Some(path) = &config.rules {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading rules from {}", path.display()))?;
        policy.rules = Arc::new(
            RuleSet::parse(&text).with_context(|| format!("rules in {}", path.display()))?,
        );
    }
    if let Some(path) = &config.service_area {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the service area from {}", path.display()))?;
        policy.service_area = Arc::new(
            ServiceArea::from_geojson(&text)
                .with_context(|| format!("service area in {}", path.display()))?,
        );
    }
    Ok(policy)
}

/// A server bound to its address, ready to run.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    state: AppState,
    http: HttpConfig,
}

impl Server {
    /// Opens the store, migrates, seeds, and binds `config.listen` (port 0 picks a free port).
    pub async fn bind(config: &ServerConfig) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("binding {}", config.listen))?;
        Self::on_listener(config, listener).await
    }

    /// Like [`Server::bind`], on a listener the caller bound.
    pub async fn on_listener(config: &ServerConfig, listener: TcpListener) -> anyhow::Result<Self> {
        let use_cases = build_use_cases(config).await?;
        let secret = secrets::jwt_secret(config)?;
        let tokens = TokenService::new(TokenConfig::with_secret(secret));
        let http = HttpConfig {
            body_limit: config.body_limit,
            ..HttpConfig::default()
        };
        Ok(Self {
            listener,
            state: AppState::new(use_cases, tokens),
            http,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// Serves until `shutdown` completes, then drains requests in flight.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let router = sinmungo_http::router(self.state, self.http);
        sinmungo_http::serve(self.listener, router, shutdown).await?;
        Ok(())
    }
}

/// Creates an account from the command line, bypassing the API (for the first admin).
pub async fn create_user(
    config: &ServerConfig,
    args: CreateUserArgs,
    password: String,
) -> anyhow::Result<User> {
    let use_cases = build_use_cases(config).await?;
    let user = use_cases
        .accounts
        .create_by_operator(NewAccount {
            registration: RegisterRequest {
                email: args.email,
                password,
                display_name: args.display_name,
            },
            role: args.role,
            department: args.department,
        })
        .await?;
    Ok(user)
}
