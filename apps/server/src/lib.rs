//! The Sinmungo API server: the application `sinmungo-wiring` builds from
//! the configuration, served over HTTP (the API, and the officers' console
//! under `/admin`) with the outbox relay beside it.

pub mod config;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use sinmungo_core::app::{Jobs, NewAccount, RegisterRequest, Relay};
use sinmungo_core::domain::User;
use sinmungo_http::auth::{TokenConfig, TokenService};
use sinmungo_http::live::LiveConfig;
use sinmungo_http::metrics::{Metrics, MetricsEndpoint};
use sinmungo_http::{AppState, HttpConfig, Open311Config, UploadConfig};
use sinmungo_wiring::{build_application, EventConsumer, OpenedStores};
use tokio::net::TcpListener;

pub use config::{Cli, Command, CreateUserArgs, ServerConfig};
// The types of `ServerConfig`'s fields, for those who build one.
pub use sinmungo_wiring::{
    AccessConfig, ApiSecret, ConnectionUrl, KafkaArgs, LogFormat, MailConfig, MediaConfig,
    MetricsConfig, OAuthArgs, Property, RateArg, Secret, StoreConfig, TriageConfig,
};

/// A server bound to its address, ready to run.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    state: AppState,
    http: HttpConfig,
    /// Bounds on request heads and connections per address.
    connections: sinmungo_http::ConnectionLimits,
    /// Cross-origin access to the API, when origins are listed.
    cors: Option<sinmungo_http::cors::Cors>,
    /// The officers' console under `/admin`.
    console: sinmungo_web::ConsoleConfig,
    relay: Relay,
    /// With an SMTP server: notification mail.
    mail: Option<sinmungo_wiring::MailLoop>,
    /// Wakes the relay when this server commits events.
    relay_waker: sinmungo_wiring::RelayWaker,
    /// With Kafka: the notifier group's consumer.
    notifier: Option<EventConsumer>,
    /// The scheduled jobs, unless turned off.
    jobs: Option<Jobs>,
    /// `GET /metrics`.
    metrics: MetricsEndpoint,
    /// The process's recorder, kept in shape while serving.
    recorder: Metrics,
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
        let recorder = sinmungo_wiring::install_metrics("sinmungo-server")?;
        // Before anything is opened: a missing topic refuses the start.
        let topics = sinmungo_wiring::checked_topics(&config.kafka).await?;
        let app = build_application(&config.application()).await?;
        let tokens = TokenService::new(TokenConfig {
            previous_secrets: config
                .access
                .jwt_previous_secrets
                .iter()
                .map(|s| s.expose().to_vec())
                .collect(),
            ..TokenConfig::with_secret(sinmungo_wiring::jwt_secret(
                config.jwt_secret.as_ref(),
                &config.data_dir,
            )?)
        });
        let http = HttpConfig {
            body_limit: config.body_limit,
            request_timeout: Duration::from_secs(config.request_timeout_secs),
            uploads: UploadConfig {
                photo_max_bytes: config.photo_max_bytes,
                upload_max_bytes: config.upload_max_bytes,
                ..UploadConfig::default()
            },
        };
        let cors =
            sinmungo_http::cors::layer(&config.cors_origins).context("SINMUNGO_CORS_ORIGINS")?;
        let relay = sinmungo_wiring::outbox_relay(
            &config.kafka,
            &app.analyze,
            &app.use_cases.notify,
            app.stores.outbox.clone(),
        )?;
        let notifier = sinmungo_wiring::notifier(&config.kafka, &app.use_cases.notify)?;
        let metrics = sinmungo_wiring::metrics_endpoint(
            &config.metrics,
            recorder.clone(),
            &app.stores,
            Some(&relay),
        );
        let jobs = config
            .jobs
            .run_jobs
            .then(|| app.use_cases.jobs(config.jobs.schedule()));
        let mail = sinmungo_wiring::mail_delivery(&config.mail, &app.stores)?;
        let oauth = config
            .oauth
            .client(&app.use_cases.secrets, app.sealer.clone())
            .await?;
        let state = AppState::new(
            app.use_cases,
            tokens,
            sinmungo_wiring::photo_processor(config.photo_max_pixels),
        )
        .with_throttle(config.access.throttle(app.redis.as_ref()))
        .with_forwarded_for(config.access.trust_forwarded_for)
        .with_oauth_client(oauth)
        .with_open311(Open311Config {
            jurisdiction_id: config.open311_jurisdiction.clone(),
            public_url: config.mail.public_url.clone(),
        })
        .with_live_config(LiveConfig {
            ping_interval: Duration::from_secs(config.ws_ping_secs),
            queue: usize::try_from(config.ws_queue).unwrap_or(usize::MAX),
            ..LiveConfig::default()
        });
        let state = match topics {
            Some(check) => state.with_readiness(check),
            None => state,
        };
        app.live.subscribe(Arc::new(state.live().clone()));
        // Secure cookies when the site is reached over HTTPS.
        let console = sinmungo_web::ConsoleConfig {
            map_tiles: sinmungo_web::MapTiles::new(
                &config.map_tiles_url,
                &config.map_tiles_attribution,
            )?,
            ..sinmungo_web::ConsoleConfig::for_public_url(
                config
                    .mail
                    .public_url
                    .as_deref()
                    .or(config.oauth.oauth_redirect_base.as_deref()),
            )
        };
        Ok(Self {
            listener,
            state,
            http,
            connections: sinmungo_http::ConnectionLimits {
                header_read_timeout: Duration::from_secs(config.header_read_timeout_secs),
                per_address: std::num::NonZeroUsize::new(config.max_connections_per_address),
            },
            cors,
            console,
            relay,
            mail,
            relay_waker: app.relay_waker,
            notifier,
            jobs,
            metrics,
            recorder,
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
        let jobs = self
            .jobs
            .map(|jobs| tokio::spawn(sinmungo_wiring::run_jobs(jobs, stopped.clone())));
        let notifier = self.notifier.map(|consumer| {
            let mut stopped = stopped.clone();
            tokio::spawn(consumer.run(async move {
                // Stops when the server does (or its sender is gone).
                let _ = stopped.wait_for(|stop| *stop).await;
            }))
        });
        let mail = self
            .mail
            .map(|mail| tokio::spawn(sinmungo_wiring::run_mail_delivery(mail, stopped.clone())));
        let relay = tokio::spawn(sinmungo_wiring::run_relay(
            self.relay,
            self.relay_waker,
            stopped,
        ));
        let live = self.state.live().clone();
        let api = sinmungo_http::router(self.state.clone(), self.http);
        // Cross-origin access is the API's only: the console stays same-origin.
        let api = match &self.cors {
            Some(cors) => cors.around(api),
            None => api,
        };
        let router = api
            .merge(sinmungo_web::router(self.state, self.console))
            .merge(self.metrics.router());
        let router = sinmungo_http::metrics::track(router);
        let upkeep = tokio::spawn(self.recorder.upkeep());
        let served = sinmungo_http::serve(self.listener, router, self.connections, async move {
            shutdown.await;
            stop.send_replace(true);
        })
        .await;
        upkeep.abort();
        // Live connections outlast the requests that opened them: close them.
        live.shut_down();
        if let Err(error) = relay.await {
            tracing::error!(%error, "the outbox relay stopped abnormally");
        }
        if let Some(Err(error)) = match mail {
            Some(mail) => Some(mail.await),
            None => None,
        } {
            tracing::error!(%error, "mail delivery stopped abnormally");
        }
        if let Some(notifier) = notifier {
            match notifier.await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => tracing::error!(%error, "the notifier's Kafka consumer failed"),
                Err(error) => tracing::error!(%error, "the notifier stopped abnormally"),
            }
        }
        if let Some(jobs) = jobs {
            if let Err(error) = jobs.await {
                tracing::error!(%error, "the scheduled jobs stopped abnormally");
            }
        }
        self.stores.close().await;
        served?;
        Ok(())
    }
}

/// Applies the migrations (even with `--no-migrate`) and seeds the reference data.
pub async fn migrate(config: &ServerConfig) -> anyhow::Result<()> {
    let mut config = config.application();
    config.store.no_migrate = false;
    let app = build_application(&config).await?;
    app.stores.close().await;
    Ok(())
}

/// Creates an account from the command line, bypassing the API (for the first admin).
pub async fn create_user(
    config: &ServerConfig,
    args: CreateUserArgs,
    password: String,
) -> anyhow::Result<User> {
    let app = build_application(&config.application()).await?;
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
