//! Sign-in through Google, Kakao and Naver: which providers are on, their
//! client credentials, and where they send people back.
//!
//! A provider is on when its client id is set. Its client secret comes from
//! the environment or, unset there, from the stored secret
//! `oauth.{provider}.client_secret` (sealed in the database; set it with
//! `PUT /api/v1/admin/secrets/oauth.google.client_secret` and restart).
//! Endpoints default to the providers' production ones; the overrides are
//! for self-hosted identity providers and tests.

use std::sync::Arc;

use anyhow::Context as _;
use clap::Args;
use sinmungo_core::app::Secrets;
use sinmungo_core::domain::{Provider, SecretName};
use sinmungo_core::ports::SecretSealer;
use sinmungo_http::auth::OAuthClient;
use sinmungo_identity::{ClientSecret, IdentityConfig, OAuthProviderConfig, OAuthProviders};

use crate::secret::ApiSecret;

/// One provider's settings.
#[derive(Debug, Clone, Default)]
pub struct ProviderArgs {
    /// The client id; unset: the provider is off.
    pub client_id: Option<String>,
    /// The client secret (else the stored secret `oauth.{provider}.client_secret`).
    pub client_secret: Option<ApiSecret>,
    /// Authorization endpoint override.
    pub authorize_url: Option<String>,
    /// Token endpoint override.
    pub token_url: Option<String>,
    /// User-info endpoint override (Kakao, Naver).
    pub userinfo_url: Option<String>,
    /// Issuer override (Google).
    pub issuer: Option<String>,
}

/// OAuth sign-in settings.
#[derive(Debug, Clone, Default, Args)]
pub struct OAuthArgs {
    /// Public base URL of this API (`https://sinmungo.example.kr`); providers call back to {base}/api/v1/auth/oauth/{provider}/callback. Required when a provider is on.
    #[arg(long, env = "SINMUNGO_OAUTH_REDIRECT_BASE")]
    pub oauth_redirect_base: Option<String>,

    /// Google client id (turns Google sign-in on).
    #[arg(long, env = "SINMUNGO_OAUTH_GOOGLE_CLIENT_ID")]
    pub oauth_google_client_id: Option<String>,
    /// Google client secret.
    #[arg(
        long,
        env = "SINMUNGO_OAUTH_GOOGLE_CLIENT_SECRET",
        hide_env_values = true
    )]
    pub oauth_google_client_secret: Option<ApiSecret>,
    /// Google authorization endpoint.
    #[arg(long, env = "SINMUNGO_OAUTH_GOOGLE_AUTHORIZE_URL")]
    pub oauth_google_authorize_url: Option<String>,
    /// Google token endpoint.
    #[arg(long, env = "SINMUNGO_OAUTH_GOOGLE_TOKEN_URL")]
    pub oauth_google_token_url: Option<String>,
    /// Google ID-token issuer.
    #[arg(long, env = "SINMUNGO_OAUTH_GOOGLE_ISSUER")]
    pub oauth_google_issuer: Option<String>,

    /// Kakao REST API key (client id; turns Kakao sign-in on).
    #[arg(long, env = "SINMUNGO_OAUTH_KAKAO_CLIENT_ID")]
    pub oauth_kakao_client_id: Option<String>,
    /// Kakao client secret.
    #[arg(
        long,
        env = "SINMUNGO_OAUTH_KAKAO_CLIENT_SECRET",
        hide_env_values = true
    )]
    pub oauth_kakao_client_secret: Option<ApiSecret>,
    /// Kakao authorization endpoint.
    #[arg(long, env = "SINMUNGO_OAUTH_KAKAO_AUTHORIZE_URL")]
    pub oauth_kakao_authorize_url: Option<String>,
    /// Kakao token endpoint.
    #[arg(long, env = "SINMUNGO_OAUTH_KAKAO_TOKEN_URL")]
    pub oauth_kakao_token_url: Option<String>,
    /// Kakao user-info endpoint.
    #[arg(long, env = "SINMUNGO_OAUTH_KAKAO_USERINFO_URL")]
    pub oauth_kakao_userinfo_url: Option<String>,

    /// Naver client id (turns Naver sign-in on).
    #[arg(long, env = "SINMUNGO_OAUTH_NAVER_CLIENT_ID")]
    pub oauth_naver_client_id: Option<String>,
    /// Naver client secret.
    #[arg(
        long,
        env = "SINMUNGO_OAUTH_NAVER_CLIENT_SECRET",
        hide_env_values = true
    )]
    pub oauth_naver_client_secret: Option<ApiSecret>,
    /// Naver authorization endpoint.
    #[arg(long, env = "SINMUNGO_OAUTH_NAVER_AUTHORIZE_URL")]
    pub oauth_naver_authorize_url: Option<String>,
    /// Naver token endpoint.
    #[arg(long, env = "SINMUNGO_OAUTH_NAVER_TOKEN_URL")]
    pub oauth_naver_token_url: Option<String>,
    /// Naver user-info endpoint.
    #[arg(long, env = "SINMUNGO_OAUTH_NAVER_USERINFO_URL")]
    pub oauth_naver_userinfo_url: Option<String>,
    /// Accept the e-mail Naver returns as verified (Naver gives no verified flag; off: Naver sign-in only for accounts already linked).
    #[arg(
        long,
        env = "SINMUNGO_OAUTH_NAVER_TRUST_EMAIL",
        default_value_t = false
    )]
    pub oauth_naver_trust_email: bool,
}

impl OAuthArgs {
    /// No provider on.
    pub fn off() -> Self {
        Self::default()
    }

    /// Each provider's settings.
    pub fn providers(&self) -> [(Provider, ProviderArgs); 3] {
        [
            (
                Provider::Google,
                ProviderArgs {
                    client_id: self.oauth_google_client_id.clone(),
                    client_secret: self.oauth_google_client_secret.clone(),
                    authorize_url: self.oauth_google_authorize_url.clone(),
                    token_url: self.oauth_google_token_url.clone(),
                    userinfo_url: None,
                    issuer: self.oauth_google_issuer.clone(),
                },
            ),
            (
                Provider::Kakao,
                ProviderArgs {
                    client_id: self.oauth_kakao_client_id.clone(),
                    client_secret: self.oauth_kakao_client_secret.clone(),
                    authorize_url: self.oauth_kakao_authorize_url.clone(),
                    token_url: self.oauth_kakao_token_url.clone(),
                    userinfo_url: self.oauth_kakao_userinfo_url.clone(),
                    issuer: None,
                },
            ),
            (
                Provider::Naver,
                ProviderArgs {
                    client_id: self.oauth_naver_client_id.clone(),
                    client_secret: self.oauth_naver_client_secret.clone(),
                    authorize_url: self.oauth_naver_authorize_url.clone(),
                    token_url: self.oauth_naver_token_url.clone(),
                    userinfo_url: self.oauth_naver_userinfo_url.clone(),
                    issuer: None,
                },
            ),
        ]
    }

    /// The OAuth client for the providers that are on, or `None` when none is.
    pub async fn client(
        &self,
        secrets: &Secrets,
        sealer: Arc<dyn SecretSealer>,
    ) -> anyhow::Result<Option<OAuthClient>> {
        let mut configs = Vec::new();
        for (provider, args) in self.providers() {
            let Some(client_id) = args.client_id else {
                continue;
            };
            let secret = match args.client_secret {
                Some(secret) => secret.expose().to_owned(),
                None => {
                    let name = SecretName::new(&format!("oauth.{provider}.client_secret"))
                        .map_err(|e| anyhow::anyhow!(e.message))?;
                    secrets
                        .reveal(&name)
                        .await
                        .with_context(|| format!("reading the stored secret {name}"))?
                        .with_context(|| {
                            format!("{provider} sign-in is on but has no client secret: set SINMUNGO_OAUTH_{}_CLIENT_SECRET or the stored secret {name}", provider.as_str().to_uppercase())
                        })?
                        .expose()
                        .to_owned()
                }
            };
            let mut config =
                OAuthProviderConfig::for_provider(provider, client_id, ClientSecret::new(secret));
            if let Some(url) = args.authorize_url {
                config.authorize_url = url;
            }
            if let Some(url) = args.token_url {
                config.token_url = url;
            }
            if let Some(url) = args.userinfo_url {
                config.userinfo_url = Some(url);
            }
            if let Some(issuer) = args.issuer {
                config.issuer = Some(issuer);
            }
            if provider == Provider::Naver {
                config.trust_email = self.oauth_naver_trust_email;
            }
            configs.push(config);
        }
        if configs.is_empty() {
            return Ok(None);
        }
        let base = self
            .oauth_redirect_base
            .clone()
            .context("SINMUNGO_OAUTH_REDIRECT_BASE is required when an OAuth provider is on")?;
        let names: Vec<_> = configs.iter().map(|c| c.provider.as_str()).collect();
        tracing::info!(providers = ?names, "OAuth sign-in on");
        let providers = OAuthProviders::new(IdentityConfig::new(configs))?;
        Ok(Some(OAuthClient::new(base, Arc::new(providers), sealer)?))
    }
}
