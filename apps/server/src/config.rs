//! Configuration: flags, with `SINMUNGO_*` environment variables as fallbacks
//! and defaults that run on one machine with nothing installed.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::access::AccessConfig;
use crate::bus::KafkaArgs;
use crate::media::MediaConfig;
use crate::oauth::OAuthArgs;
use crate::stores::StoreConfig;
use crate::triage::TriageConfig;

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

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// A secret from the environment; never printed.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// The secret's bytes.
    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl FromStr for Secret {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() < 32 {
            return Err("must be at least 32 characters".to_owned());
        }
        Ok(Self(s.to_owned()))
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// An API key or other credential from the environment; never printed.
#[derive(Clone)]
pub struct ApiSecret(String);

impl ApiSecret {
    /// The credential.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl FromStr for ApiSecret {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().is_empty() {
            return Err("must not be empty".to_owned());
        }
        Ok(Self(s.to_owned()))
    }
}

impl std::fmt::Debug for ApiSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiSecret(<redacted>)")
    }
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

    /// Sign-in through Google, Kakao and Naver.
    #[command(flatten)]
    pub oauth: OAuthArgs,

    /// Address to listen on.
    #[arg(long, env = "SINMUNGO_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Directory for generated state (the JWT secret when none is given).
    #[arg(long, env = "SINMUNGO_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// HMAC secret for access tokens, at least 32 characters. Unset: generated once and kept in DATA_DIR/jwt-secret (mode 0600).
    #[arg(long, env = "SINMUNGO_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<Secret>,

    /// Largest accepted request body, in bytes.
    #[arg(long, env = "SINMUNGO_BODY_LIMIT", default_value_t = 1024 * 1024)]
    pub body_limit: usize,

    /// Largest photo, in bytes (413 above it).
    #[arg(long, env = "SINMUNGO_PHOTO_MAX_BYTES", default_value_t = 10 * 1024 * 1024)]
    pub photo_max_bytes: usize,

    /// Largest photo upload request (all its photos and fields), in bytes (413 above it).
    #[arg(long, env = "SINMUNGO_UPLOAD_MAX_BYTES", default_value_t = 30 * 1024 * 1024)]
    pub upload_max_bytes: usize,

    /// Most pixels a photo may have, read from its header before decoding (422 above it).
    #[arg(long, env = "SINMUNGO_PHOTO_MAX_PIXELS", default_value_t = 40_000_000)]
    pub photo_max_pixels: u64,

    /// A TOML file of classification rules replacing the built-in Korean keyword rules.
    #[arg(long, env = "SINMUNGO_RULES")]
    pub rules: Option<PathBuf>,

    /// A GeoJSON FeatureCollection of (Multi)Polygons with `code` and `name` properties replacing the built-in Jeonbuk boundaries.
    #[arg(long, env = "SINMUNGO_SERVICE_AREA")]
    pub service_area: Option<PathBuf>,

    /// Log filter (tracing EnvFilter syntax), e.g. `info` or `sinmungo_http=debug,info`.
    #[arg(long, env = "SINMUNGO_LOG", default_value = "info")]
    pub log: String,

    /// Log format.
    #[arg(long, env = "SINMUNGO_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

impl ServerConfig {
    /// The defaults, as if run with no flags and no environment (for tests and embedding).
    pub fn embedded_defaults() -> Self {
        Self {
            store: StoreConfig::embedded_defaults(),
            triage: TriageConfig::rules_only(),
            media: MediaConfig::embedded_defaults(),
            kafka: KafkaArgs::embedded(),
            access: AccessConfig::embedded_defaults(),
            oauth: OAuthArgs::off(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./data"),
            jwt_secret: None,
            body_limit: 1024 * 1024,
            photo_max_bytes: 10 * 1024 * 1024,
            upload_max_bytes: 30 * 1024 * 1024,
            photo_max_pixels: 40_000_000,
            rules: None,
            service_area: None,
            log: "info".to_owned(),
            log_format: LogFormat::Text,
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
    fn short_jwt_secrets_are_refused_and_secrets_never_print() {
        assert!("too short".parse::<Secret>().is_err());
        let secret: Secret = "a-secret-that-is-long-enough-for-hs256".parse().unwrap();
        assert!(!format!("{secret:?}").contains("long-enough"));
    }
}
