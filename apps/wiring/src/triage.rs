//! The AI providers of triage, from `SINMUNGO_ROBOFLOW_*` and `SINMUNGO_LLM_*`.
//! Unset, triage is the classification rules alone.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context as _};
use clap::Args;
use sinmungo_ai::{ApiKey, ChatAnalyzer, ChatConfig, RoboflowConfig, RoboflowDetector};
use sinmungo_core::app::TriageProviders;
use sinmungo_core::ports::MediaStore;

use crate::secret::ApiSecret;

/// Which AI providers triage consults.
#[derive(Debug, Clone, Default, Args)]
pub struct TriageConfig {
    /// Roboflow project (model) id for object detection in photos, e.g. `pothole-detection-xyz`.
    #[arg(long, env = "SINMUNGO_ROBOFLOW_MODEL")]
    pub roboflow_model: Option<String>,

    /// The trained version of the Roboflow model.
    #[arg(long, env = "SINMUNGO_ROBOFLOW_VERSION", default_value_t = 1)]
    pub roboflow_version: u32,

    /// Roboflow API key.
    #[arg(long, env = "SINMUNGO_ROBOFLOW_API_KEY", hide_env_values = true)]
    pub roboflow_api_key: Option<ApiSecret>,

    /// Roboflow's API (or a self-hosted inference server).
    #[arg(long, env = "SINMUNGO_ROBOFLOW_URL", default_value = RoboflowConfig::DEFAULT_BASE_URL)]
    pub roboflow_url: String,

    /// Chat model for reading reports, e.g. `google/gemini-2.0-flash-001`.
    #[arg(long, env = "SINMUNGO_LLM_MODEL")]
    pub llm_model: Option<String>,

    /// API key of the chat-completions endpoint.
    #[arg(long, env = "SINMUNGO_LLM_API_KEY", hide_env_values = true)]
    pub llm_api_key: Option<ApiSecret>,

    /// Any OpenAI-compatible chat-completions base URL (OpenRouter by default; a self-hosted server works too).
    #[arg(
        long,
        env = "SINMUNGO_LLM_BASE_URL",
        default_value = "https://openrouter.ai/api/v1"
    )]
    pub llm_base_url: String,

    /// Seconds one LLM attempt may take.
    #[arg(long, env = "SINMUNGO_LLM_TIMEOUT", default_value_t = 30)]
    pub llm_timeout_secs: u64,

    /// Seconds one detection attempt may take.
    #[arg(long, env = "SINMUNGO_ROBOFLOW_TIMEOUT", default_value_t = 10)]
    pub roboflow_timeout_secs: u64,
}

impl TriageConfig {
    /// No providers: rules-only triage.
    pub fn rules_only() -> Self {
        Self {
            roboflow_version: 1,
            roboflow_url: RoboflowConfig::DEFAULT_BASE_URL.to_owned(),
            llm_base_url: "https://openrouter.ai/api/v1".to_owned(),
            llm_timeout_secs: 30,
            roboflow_timeout_secs: 10,
            ..Self::default()
        }
    }
}

/// The configured providers; `media` is where the detector reads photos from.
pub fn providers_from(
    config: &TriageConfig,
    media: Option<Arc<dyn MediaStore>>,
) -> anyhow::Result<TriageProviders> {
    let mut providers = TriageProviders {
        media,
        ..TriageProviders::default()
    };
    match (&config.roboflow_model, &config.roboflow_api_key) {
        (Some(model), Some(key)) => {
            let detector = RoboflowDetector::new(
                RoboflowConfig::new(
                    model.clone(),
                    config.roboflow_version,
                    ApiKey::new(key.expose()),
                )
                .with_base_url(config.roboflow_url.clone())
                .with_timeout(Duration::from_secs(config.roboflow_timeout_secs)),
            )
            .context("configuring Roboflow")?;
            providers.detector_model = Some(format!("{model}/{}", config.roboflow_version));
            providers.detector = Some(Arc::new(detector));
        }
        (None, None) => {}
        _ => bail!("set both SINMUNGO_ROBOFLOW_MODEL and SINMUNGO_ROBOFLOW_API_KEY, or neither"),
    }
    match (&config.llm_model, &config.llm_api_key) {
        (Some(model), Some(key)) => {
            let analyzer = ChatAnalyzer::new(
                ChatConfig::new(model.clone(), ApiKey::new(key.expose()))
                    .with_base_url(config.llm_base_url.clone())
                    .with_timeout(Duration::from_secs(config.llm_timeout_secs))
                    .with_title("Sinmungo"),
            )
            .context("configuring the LLM")?;
            providers.analyzer = Some(Arc::new(analyzer));
        }
        (None, None) => {}
        _ => bail!("set both SINMUNGO_LLM_MODEL and SINMUNGO_LLM_API_KEY, or neither"),
    }
    Ok(providers)
}
