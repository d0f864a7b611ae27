//! Configuration: flags, with `SINMUNGO_*` environment variables as fallbacks
//! and defaults that run on one machine with nothing installed.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use sinmungo_wiring::{
    AccessConfig, ApplicationConfig, DuplicateConfig, JobsConfig, KafkaArgs, LogFormat, MailConfig,
    MaskingConfig, MediaConfig, MetricsConfig, OAuthArgs, Secret, StoreConfig, TriageConfig,
};

/// The Sinmungo API server (전북 신고 플랫폼).
#[derive(Debug, Parser)]
#[command(name = "sinmungo-server", version, about, long_about = None)]
pub struct Cli {
    /// Settings.
    #[command(flatten)]
    pub config: ServerConfig,
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Sub-commands of the server binary.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply database migrations and seed reference data, then exit.
    Migrate,
    /// Create an account directly in the database (e.g. the first admin).
    /// The password is read from SINMUNGO_NEW_USER_PASSWORD, or from standard input.
    CreateUser(CreateUserArgs),
}

/// The account to create.
#[derive(Debug, Args)]
pub struct CreateUserArgs {
    /// Sign-in e-mail address.
    #[arg(long)]
    pub email: String,
    /// Name shown to colleagues.
    #[arg(long)]
    pub display_name: String,
    /// citizen, staff, manager or admin.
    #[arg(long, default_value = "citizen")]
    pub role: String,
    /// Department code (required for staff and managers; see GET /api/v1/departments).
    #[arg(long)]
    pub department: Option<String>,
}

/// Everything the server reads at start.
#[derive(Debug, Clone, Args)]
pub struct ServerConfig {
    /// The store.
    #[command(flatten)]
    pub store: StoreConfig,

    /// The AI providers of triage.
    #[command(flatten)]
    pub triage: TriageConfig,

    /// Where photos are stored.
    #[command(flatten)]
    pub media: MediaConfig,

    /// Kafka; unset brokers: the embedded in-process bus.
    #[command(flatten)]
    pub kafka: KafkaArgs,

    /// Identity and access: key rotation, sealed secrets, rate limits.
    #[command(flatten)]
    pub access: AccessConfig,

    /// The scheduled jobs.
    #[command(flatten)]
    pub jobs: JobsConfig,

    /// Sign-in through Google, Kakao and Naver.
    #[command(flatten)]
    pub oauth: OAuthArgs,

    /// E-mail of notifications (off without SINMUNGO_SMTP_URL).
    #[command(flatten)]
    pub mail: MailConfig,

    /// Possible duplicates offered at submission.
    #[command(flatten)]
    pub duplicates: DuplicateConfig,

    /// Masking of personal data in what the public reads.
    #[command(flatten)]
    pub masking: MaskingConfig,

    /// Who may read /metrics.
    #[command(flatten)]
    pub metrics: MetricsConfig,

    /// The Open311 GeoReport v2 `jurisdiction_id` this server answers to (another one is a 404).
    #[arg(
        long,
        env = "SINMUNGO_OPEN311_JURISDICTION",
        default_value = "jeonbuk.go.kr"
    )]
    pub open311_jurisdiction: String,

    /// Address to listen on.
    #[arg(long, env = "SINMUNGO_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Directory of the embedded state: the SQLite database and photos by
    /// default, and the generated JWT secret and sealing key (relative paths
    /// are to the working directory).
    #[arg(long, env = "SINMUNGO_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// HMAC secret for access tokens, at least 32 characters. Unset: generated once and kept in DATA_DIR/jwt-secret (mode 0600).
    #[arg(long, env = "SINMUNGO_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<Secret>,

    /// Largest accepted request body, in bytes.
    #[arg(long, env = "SINMUNGO_BODY_LIMIT", default_value_t = 1024 * 1024)]
    pub body_limit: usize,

    /// Seconds a request may take, its body's arrival included, before it is answered 408 `request_timeout`.
    #[arg(long, env = "SINMUNGO_REQUEST_TIMEOUT_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout_secs: u64,

    /// Seconds a client may take to send a request's line and headers (and a kept-alive
    /// connection may wait idle for its next request) before the connection is closed.
    #[arg(long, env = "SINMUNGO_HEADER_READ_TIMEOUT_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub header_read_timeout_secs: u64,

    /// Connections one IP address may hold open at once (WebSockets included); more are
    /// answered 503 `too_many_connections` and closed. 0: no limit — behind a reverse proxy every
    /// connection comes from the proxy, so limit per client there and set 0 (or the proxy's own cap).
    #[arg(
        long,
        env = "SINMUNGO_MAX_CONNECTIONS_PER_ADDRESS",
        default_value_t = 256
    )]
    pub max_connections_per_address: usize,

    /// Web origins allowed to call the API from a browser, exactly, comma-separated
    /// (e.g. https://app.jeonbuk.go.kr); none by default.
    #[arg(long, env = "SINMUNGO_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// Largest photo, in bytes (413 above it).
    #[arg(long, env = "SINMUNGO_PHOTO_MAX_BYTES", default_value_t = 10 * 1024 * 1024)]
    pub photo_max_bytes: usize,

    /// Largest photo upload request (all its photos and fields), in bytes (413 above it).
    #[arg(long, env = "SINMUNGO_UPLOAD_MAX_BYTES", default_value_t = 30 * 1024 * 1024)]
    pub upload_max_bytes: usize,

    /// Most pixels a photo may have, read from its header before decoding (422 above it).
    #[arg(long, env = "SINMUNGO_PHOTO_MAX_PIXELS", default_value_t = 40_000_000)]
    pub photo_max_pixels: u64,

    /// Seconds between the server's pings on a live (WebSocket) connection; one not answered by the next ping closes it.
    #[arg(long, env = "SINMUNGO_WS_PING_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub ws_ping_secs: u64,

    /// Messages queued for one live connection before it counts as fallen behind (told to resync and closed).
    #[arg(long, env = "SINMUNGO_WS_QUEUE", default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=65536))]
    pub ws_queue: u64,

    /// A TOML file of classification rules replacing the built-in Korean keyword rules.
    #[arg(long, env = "SINMUNGO_RULES")]
    pub rules: Option<PathBuf>,

    /// A GeoJSON FeatureCollection of (Multi)Polygons with `code` and `name` properties replacing the built-in Jeonbuk boundaries.
    #[arg(long, env = "SINMUNGO_SERVICE_AREA")]
    pub service_area: Option<PathBuf>,

    /// The console map's tile server: a URL template with {z}, {x} and {y} (`{s}.` may start the host), https://, http:// or a path on this server; its origin is the one the console's map page may load images from.
    #[arg(long, env = "SINMUNGO_MAP_TILES_URL", default_value = sinmungo_web::MapTiles::OPENSTREETMAP_URL)]
    pub map_tiles_url: String,

    /// The attribution the tile server asks for, shown as text in the map's corner.
    #[arg(long, env = "SINMUNGO_MAP_TILES_ATTRIBUTION", default_value = sinmungo_web::MapTiles::OPENSTREETMAP_ATTRIBUTION)]
    pub map_tiles_attribution: String,

    /// Log filter (tracing EnvFilter syntax), e.g. `info` or `sinmungo_http=debug,info`.
    #[arg(long, env = "SINMUNGO_LOG", default_value = "info")]
    pub log: String,

    /// Log format.
    #[arg(long, env = "SINMUNGO_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

impl ServerConfig {
    /// The settings with the defaults that live in the data directory
    /// (`{data_dir}`: the database, the photos) resolved to it.
    #[must_use]
    pub fn in_data_dir(mut self) -> Self {
        self.store = self.store.in_data_dir(&self.data_dir);
        self.media = self.media.in_data_dir(&self.data_dir);
        self
    }

    /// The defaults, as if run with no flags and no environment (for tests and embedding).
    pub fn embedded_defaults() -> Self {
        Self {
            store: StoreConfig::embedded_defaults(),
            triage: TriageConfig::rules_only(),
            media: MediaConfig::embedded_defaults(),
            kafka: KafkaArgs::embedded(),
            access: AccessConfig::embedded_defaults(),
            oauth: OAuthArgs::off(),
            jobs: JobsConfig::default(),
            mail: MailConfig::off(),
            duplicates: DuplicateConfig::default(),
            masking: MaskingConfig::default(),
            metrics: MetricsConfig::open(),
            open311_jurisdiction: "jeonbuk.go.kr".to_owned(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./data"),
            jwt_secret: None,
            body_limit: 1024 * 1024,
            request_timeout_secs: 30,
            header_read_timeout_secs: 30,
            max_connections_per_address: 256,
            cors_origins: Vec::new(),
            photo_max_bytes: 10 * 1024 * 1024,
            upload_max_bytes: 30 * 1024 * 1024,
            photo_max_pixels: 40_000_000,
            ws_ping_secs: 30,
            ws_queue: 256,
            rules: None,
            service_area: None,
            map_tiles_url: sinmungo_web::MapTiles::OPENSTREETMAP_URL.to_owned(),
            map_tiles_attribution: sinmungo_web::MapTiles::OPENSTREETMAP_ATTRIBUTION.to_owned(),
            log: "info".to_owned(),
            log_format: LogFormat::Text,
        }
    }

    /// What opening the application reads from these settings.
    pub fn application(&self) -> ApplicationConfig {
        ApplicationConfig {
            store: self.store.clone(),
            triage: self.triage.clone(),
            media: self.media.clone(),
            access: self.access.clone(),
            data_dir: self.data_dir.clone(),
            rules: self.rules.clone(),
            service_area: self.service_area.clone(),
            duplicates: self.duplicates,
            masking: self.masking.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn the_readme_names_every_flag_and_variable() {
        let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"));
        let missing = sinmungo_wiring::readme::undocumented(&Cli::command(), readme);
        assert!(
            missing.is_empty(),
            "not in the README's configuration table: {missing:?}"
        );
    }

    #[test]
    fn the_data_dir_moves_the_embedded_database_and_photos() {
        let cli = Cli::try_parse_from(["sinmungo-server", "--data-dir", "/srv/sinmungo"]).unwrap();
        let config = cli.config.in_data_dir();
        assert_eq!(
            config.store.database_url.expose(),
            "sqlite:///srv/sinmungo/sinmungo.db"
        );
        assert_eq!(config.media.storage_url, "file:///srv/sinmungo/media");
        let defaults = Cli::try_parse_from(["sinmungo-server"])
            .unwrap()
            .config
            .in_data_dir();
        assert_eq!(
            defaults.store.database_url.expose(),
            "sqlite://./data/sinmungo.db"
        );
        assert_eq!(defaults.media.storage_url, "file://./data/media");
        let chosen = Cli::try_parse_from([
            "sinmungo-server",
            "--data-dir",
            "/srv/sinmungo",
            "--database-url",
            "sqlite:///var/lib/other.db",
        ])
        .unwrap()
        .config
        .in_data_dir();
        assert_eq!(
            chosen.store.database_url.expose(),
            "sqlite:///var/lib/other.db",
            "a URL given is kept"
        );
    }

    #[test]
    fn database_and_redis_passwords_never_print() {
        let cli = Cli::try_parse_from([
            "sinmungo-server",
            "--database-url",
            "postgres://sinmungo:hunter2@db.internal:5432/sinmungo",
            "--database-read-url",
            "postgres://reader:hunter3@replica.internal/sinmungo?password=hunter4",
            "--redis-url",
            "redis://:hunter5@cache.internal:6379",
        ])
        .unwrap();
        let printed = format!("{cli:?}");
        for password in ["hunter2", "hunter3", "hunter4", "hunter5"] {
            assert!(!printed.contains(password), "{password} in {printed}");
        }
        assert!(printed.contains("postgres://sinmungo:***@db.internal:5432/sinmungo"));
        assert!(printed.contains("redis://:***@cache.internal:6379"));
        assert_eq!(
            cli.config.store.database_url.expose(),
            "postgres://sinmungo:hunter2@db.internal:5432/sinmungo"
        );
    }
}
