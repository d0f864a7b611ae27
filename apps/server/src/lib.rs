//! The Sinmungo API server: reads configuration, builds the adapters, hands
//! them to the use cases and serves HTTP.

pub mod access;
pub mod bus;
pub mod config;
pub mod media;
pub mod oauth;
mod relay;
mod secrets;
pub mod stores;
pub mod triage;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use sinmungo_core::app::{
    AnalyzeReport, NewAccount, Policy, Ports, RegisterRequest, Relay, Sessions, UseCases,
};
use sinmungo_core::domain::geo::ServiceArea;
use sinmungo_core::domain::rules::RuleSet;
use sinmungo_core::domain::User;
use sinmungo_core::ports::SecretSealer;
use sinmungo_core::ports::{SystemClock, UuidV7Ids};
use sinmungo_crypto::{Argon2Hasher, XChaChaSealer};
use sinmungo_http::auth::{TokenConfig, TokenService};
use sinmungo_http::{AppState, HttpConfig, UploadConfig};
use sinmungo_redis::{RedisConnection, RedisSessionStore};
use tokio::net::TcpListener;

pub use bus::{KafkaArgs, Property};
pub use config::{ApiSecret, Cli, Command, CreateUserArgs, LogFormat, ServerConfig};
pub use media::MediaConfig;
pub use secrets::NoSealer;
pub use stores::{open_stores, OpenedStores, StoreConfig};
pub use triage::{providers_from, TriageConfig};

/// The application assembled from the configuration: the use cases over the
/// configured stores (migrated and seeded), and the event pipeline.
#[derive(Debug, Clone)]
pub struct Application {
    /// Every use case.
    pub use_cases: UseCases,
    /// Triage, run on `report.submitted` events.
    pub analyze: AnalyzeReport,
    /// The stores.
    pub stores: OpenedStores,
    /// Redis, when configured (sessions, rate limits).
    pub redis: Option<RedisConnection>,
    /// Seals stored secrets (and OAuth's pending-login cookies).
    pub sealer: Arc<XChaChaSealer>,
}

/// Builds the [`Application`] `config` describes.
pub async fn build_application(config: &ServerConfig) -> anyhow::Result<Application> {
    let policy = load_policy(config)?;
    let stores = open_stores(&config.store).await?;
    let sealer = Arc::new(secrets::sealer(config)?);
    let media = config.media.open()?;
    let mut ports = stores.ports(
        Arc::new(Argon2Hasher::new()),
        Arc::new(SystemClock),
        Arc::new(UuidV7Ids),
        media.clone(),
        sealer.clone() as Arc<dyn SecretSealer>,
    );
    let redis = config.access.redis()?;
    if let Some(connection) = &redis {
        // Sessions shared by every instance, checked on every request.
        ports.sessions = Arc::new(RedisSessionStore::new(connection.clone()));
    }
    let providers = providers_from(&config.triage, Some(media))?;
    let analyze = AnalyzeReport::new(&ports, &policy, providers);
    let use_cases = build_use_cases(ports, &policy).await?;
    Ok(Application {
        use_cases,
        analyze,
        stores,
        redis,
        sealer,
    })
}

/// The use cases over `ports`, with the directory seeded and the rules
/// checked against it.
pub async fn build_use_cases(ports: Ports, policy: &Policy) -> anyhow::Result<UseCases> {
    let use_cases = UseCases::new(ports, policy);
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
    relay: Relay,
    stores: OpenedStores,
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
        let app = build_application(config).await?;
        let tokens = TokenService::new(TokenConfig {
            previous_secrets: config
                .access
                .jwt_previous_secrets
                .iter()
                .map(|s| s.expose().to_vec())
                .collect(),
            ..TokenConfig::with_secret(secrets::jwt_secret(config)?)
        });
        let http = HttpConfig {
            body_limit: config.body_limit,
            uploads: UploadConfig {
                photo_max_bytes: config.photo_max_bytes,
                upload_max_bytes: config.upload_max_bytes,
                ..UploadConfig::default()
            },
            ..HttpConfig::default()
        };
        // Embedded: events go straight to triage in this process; with Kafka
        // they go to the topic, and the workers analyse.
        let publisher = bus::publisher(&config.kafka, &app.analyze)?;
        let relay = Relay::new(
            app.stores.outbox.clone(),
            publisher,
            Arc::new(SystemClock),
            relay::LEASE,
        );
        let oauth = config
            .oauth
            .client(&app.use_cases.secrets, app.sealer.clone())
            .await?;
        Ok(Self {
            listener,
            state: AppState::new(
                app.use_cases,
                tokens,
                media::photo_processor(config.photo_max_pixels),
            )
            .with_throttle(config.access.throttle(app.redis.as_ref()))
            .with_forwarded_for(config.access.trust_forwarded_for)
            .with_oauth_client(oauth),
            http,
            relay,
            stores: app.stores,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// Serves (and relays events) until `shutdown` completes, then drains
    /// requests in flight, lets the relay finish its batch, and closes the store.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let purge = tokio::spawn(purge_sessions(
            self.state.use_cases().sessions.clone(),
            stopped.clone(),
        ));
        let relay = tokio::spawn(relay::run(self.relay, stopped));
        let router = sinmungo_http::router(self.state, self.http);
        let served = sinmungo_http::serve(self.listener, router, async move {
            shutdown.await;
            stop.send_replace(true);
        })
        .await;
        if let Err(error) = relay.await {
            tracing::error!(%error, "the outbox relay stopped abnormally");
        }
        purge.abort();
        self.stores.close().await;
        served?;
        Ok(())
    }
}

/// Removes expired refresh tokens every hour (used tokens are kept until
/// they expire, to recognise reuse).
async fn purge_sessions(sessions: Sessions, mut stopped: tokio::sync::watch::Receiver<bool>) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tokio::select! {
            _ = every.tick() => match sessions.purge_expired().await {
                Ok(0) => {}
                Ok(removed) => tracing::info!(removed, "purged expired refresh tokens"),
                Err(error) => tracing::warn!(%error, "could not purge expired refresh tokens"),
            },
            _ = stopped.changed() => return,
        }
    }
}

/// Creates an account from the command line, bypassing the API (for the first admin).
pub async fn create_user(
    config: &ServerConfig,
    args: CreateUserArgs,
    password: String,
) -> anyhow::Result<User> {
    let app = build_application(config).await?;
    let user = app
        .use_cases
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
