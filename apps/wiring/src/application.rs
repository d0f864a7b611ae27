//! The application a binary opens: the configured stores (migrated and
//! seeded), the use cases over them, and triage.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use sinmungo_core::app::{AnalyzeReport, InProcessFanout, Policy, Ports, UseCases};
use sinmungo_core::domain::geo::ServiceArea;
use sinmungo_core::domain::rules::RuleSet;
use sinmungo_core::ports::SecretSealer;
use sinmungo_redis::{RedisConnection, RedisFanout, RedisSessionStore};

use crate::access::AccessConfig;
use crate::duplicates::DuplicateConfig;
use crate::masking::MaskingConfig;
use crate::media::MediaConfig;
use crate::relay::RelayWaker;
use crate::secrets::{self, NoSealer};
use crate::stores::{open_stores, OpenedStores, StoreConfig};
use crate::triage::{providers_from, TriageConfig};

/// What opening the [`Application`] reads: the part of a binary's settings
/// every binary serving the use cases shares.
#[derive(Debug, Clone)]
pub struct ApplicationConfig {
    /// The store.
    pub store: StoreConfig,
    /// The AI providers of triage.
    pub triage: TriageConfig,
    /// Where photos are stored.
    pub media: MediaConfig,
    /// The sealing key and Redis (the rest of it is the HTTP layer's).
    pub access: AccessConfig,
    /// Where generated keys are kept when none is configured.
    pub data_dir: PathBuf,
    /// Classification rules replacing the built-in ones.
    pub rules: Option<PathBuf>,
    /// A service area replacing the built-in Jeonbuk boundaries.
    pub service_area: Option<PathBuf>,
    /// Duplicate suggestions.
    pub duplicates: DuplicateConfig,
    /// Masking of personal data.
    pub masking: MaskingConfig,
}

/// The application assembled from the configuration: the use cases over the
/// configured stores (migrated and seeded), and the event pipeline.
#[derive(Clone)]
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
    pub sealer: Arc<dyn SecretSealer>,
    /// Where live pushes reach this instance's subscribers (its WebSocket
    /// hub): from this process, or through Redis from every instance.
    pub live: Arc<InProcessFanout>,
    /// Wakes the outbox relay when this process commits events.
    pub relay_waker: RelayWaker,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("use_cases", &self.use_cases)
            .field("analyze", &self.analyze)
            .field("stores", &self.stores)
            .field("redis", &self.redis)
            .finish_non_exhaustive()
    }
}

/// Builds the [`Application`] `config` describes.
pub async fn build_application(config: &ApplicationConfig) -> anyhow::Result<Application> {
    let mut policy = load_policy(config.rules.as_deref(), config.service_area.as_deref())?;
    policy.duplicates = config.duplicates.settings();
    policy.masking = Arc::new(config.masking.masking());
    let stores = open_stores(&config.store).await?;
    let sealer = secrets::sealer(config.access.secrets_key.as_ref(), &config.data_dir)?;
    let media = config.media.open()?;
    let mut ports = stores.ports(media.clone(), sealer.clone());
    let relay_waker = RelayWaker::default();
    ports.reports = relay_waker.watch(ports.reports);
    let redis = config.access.redis()?;
    let live = Arc::new(InProcessFanout::default());
    ports.fanout = live.clone();
    if let Some(connection) = &redis {
        // Sessions shared by every instance, checked on every request.
        ports.sessions = Arc::new(RedisSessionStore::new(connection.clone()));
        // Live pushes reach the clients of every instance.
        ports.fanout = Arc::new(RedisFanout::start(connection.clone(), live.clone()));
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
        live,
        relay_waker,
    })
}

/// Triage over the configured store, for a process that analyses reports
/// and holds no secrets key (the worker).
#[derive(Debug, Clone)]
pub struct Triage {
    /// Triage, run on `report.submitted` events and by `/analyze`.
    pub analyze: AnalyzeReport,
    /// The stores it reads reports from and writes analyses to.
    pub stores: OpenedStores,
}

/// Builds [`Triage`] over `store`, with photos from `media`, the providers
/// of `triage`, the built-in rules or those in the file `rules`, and
/// `masking` of the text providers read. Seeds the directory if no one has
/// yet, and checks the rules against it.
pub async fn build_triage(
    store: &StoreConfig,
    media: &MediaConfig,
    triage: &TriageConfig,
    rules: Option<&Path>,
    masking: &MaskingConfig,
) -> anyhow::Result<Triage> {
    let mut policy = load_policy(rules, None)?;
    policy.masking = Arc::new(masking.masking());
    let stores = open_stores(store).await?;
    let media = media.open()?;
    // Triage reads no stored secrets.
    let ports = stores.ports(media.clone(), Arc::new(NoSealer));
    build_use_cases(ports.clone(), &policy).await?;
    let providers = providers_from(triage, Some(media))?;
    let analyze = AnalyzeReport::new(&ports, &policy, providers);
    Ok(Triage { analyze, stores })
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

/// The built-in policy, with the rules of the TOML file `rules` and the
/// service area of the GeoJSON file `service_area` instead, when given.
pub fn load_policy(rules: Option<&Path>, service_area: Option<&Path>) -> anyhow::Result<Policy> {
    let mut policy = Policy::default();
    if let Some(path) = rules {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading rules from {}", path.display()))?;
        policy.rules = Arc::new(
            RuleSet::parse(&text).with_context(|| format!("rules in {}", path.display()))?,
        );
    }
    if let Some(path) = service_area {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the service area from {}", path.display()))?;
        policy.service_area = Arc::new(
            ServiceArea::from_geojson(&text)
                .with_context(|| format!("service area in {}", path.display()))?,
        );
    }
    Ok(policy)
}
