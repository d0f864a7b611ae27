//! The staff CLI `sinmungo`: the configuration every binary shares
//! (flattened from `sinmungo-wiring`, so a setting reads the same as the
//! server's) around `sinmungo-cli`'s command tree.

use std::path::PathBuf;

use clap::{Args, Parser};
use sinmungo_cli::{Command, GlobalArgs};
use sinmungo_wiring::{
    AccessConfig, ApplicationConfig, LogFormat, MaskingConfig, MediaConfig, StoreConfig,
    TriageConfig,
};

/// 신문고 staff CLI: bulk administration of the Jeonbuk Report Platform.
///
/// Every command acts as the operator named by --as (a manager or
/// administrator; the password from SINMUNGO_PASSWORD or a prompt), through
/// the same use cases as the server. Commands that change data are dry runs
/// until given --commit. Exit status: 0 done, 1 failed, 2 usage.
#[derive(Debug, Parser)]
#[command(name = "sinmungo", version, about, long_about)]
pub struct Cli {
    /// Settings.
    #[command(flatten)]
    pub config: CliConfig,
    /// Who acts.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// What the CLI reads to open the application: the server's settings
/// that concern the store, media, secrets and policy.
#[derive(Debug, Clone, Args)]
pub struct CliConfig {
    /// The store.
    #[command(flatten)]
    pub store: StoreConfig,

    /// The AI providers of triage.
    #[command(flatten)]
    pub triage: TriageConfig,

    /// Where photos are stored.
    #[command(flatten)]
    pub media: MediaConfig,

    /// Sealed secrets and Redis.
    #[command(flatten)]
    pub access: AccessConfig,

    /// Masking of personal data, as the server's: exports without
    /// --include-personal-data, and anonymising.
    #[command(flatten)]
    pub masking: MaskingConfig,

    /// Directory of the embedded state, as the server's: the SQLite database
    /// and photos by default, and the secrets key when none is given.
    #[arg(
        long,
        env = "SINMUNGO_DATA_DIR",
        default_value = "./data",
        global = true
    )]
    pub data_dir: PathBuf,

    /// A TOML file of classification rules replacing the built-in Korean keyword rules.
    #[arg(long, env = "SINMUNGO_RULES")]
    pub rules: Option<PathBuf>,

    /// A GeoJSON FeatureCollection replacing the built-in Jeonbuk boundaries.
    #[arg(long, env = "SINMUNGO_SERVICE_AREA")]
    pub service_area: Option<PathBuf>,

    /// Log filter (tracing EnvFilter syntax); logs go to standard error.
    #[arg(long, env = "SINMUNGO_LOG", default_value = "warn")]
    pub log: String,

    /// Log format.
    #[arg(long, env = "SINMUNGO_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

impl CliConfig {
    /// The settings with the defaults that live in the data directory
    /// (`{data_dir}`: the database, the photos) resolved to it.
    #[must_use]
    pub fn in_data_dir(mut self) -> Self {
        self.store = self.store.in_data_dir(&self.data_dir);
        self.media = self.media.in_data_dir(&self.data_dir);
        self
    }

    /// The SQLite database's file, when the store is SQLite.
    pub fn database_file(&self) -> Option<PathBuf> {
        let url = self.store.database_url.expose();
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))?;
        let path = path.split('?').next().unwrap_or(path);
        (!path.is_empty() && !path.starts_with(":memory:")).then(|| PathBuf::from(path))
    }

    /// The directory of a `file://` media store.
    pub fn media_dir(&self) -> Option<PathBuf> {
        self.media
            .storage_url
            .strip_prefix("file://")
            .map(PathBuf::from)
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
            // The CLI answers no submissions with suggestions.
            duplicates: sinmungo_wiring::DuplicateConfig::default(),
            masking: self.masking.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn the_readme_names_every_flag_and_variable() {
        let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"));
        let missing = sinmungo_wiring::readme::undocumented(&Cli::command(), readme);
        assert!(missing.is_empty(), "not in the README: {missing:?}");
    }
}
