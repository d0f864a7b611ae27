//! The provider client: makes authorize URLs with PKCE, exchanges codes and
//! reads profiles over reqwest, mapping every transport failure into an
//! [`IdentityError`].

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::RngCore as _;
use reqwest::Url;
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use sinmungo_core::domain::{ExternalProfile, Provider};
use sinmungo_core::ports::{
    Authorization, CodeExchange, IdentityError, IdentityProvider, ProviderChallenge,
    ProviderEndpoint,
};

use crate::config::{check_url, IdentityConfig, IdentityConfigError, OAuthProviderConfig};
use crate::{google, kakao, naver};

/// The most bytes read of a provider's answer.
const MAX_ANSWER_BYTES: usize = 256 * 1024;

/// The configured providers, reached over one HTTP client. Cheap to clone.
///
/// For Google the person is read from the token response's `id_token`
/// without checking its signature; see [`google`] on why that is sound
/// here, and why only https token URLs (loopback aside) are accepted.
#[derive(Clone)]
pub struct OAuthProviders {
    inner: Arc<Inner>,
}

struct Inner {
    providers: Vec<OAuthProviderConfig>,
    http: reqwest::Client,
}

impl std::fmt::Debug for OAuthProviders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthProviders")
            .field("providers", &self.inner.providers)
            .finish_non_exhaustive()
    }
}

/// 256 random bits, base64url without padding (43 characters).
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The PKCE S256 challenge of a verifier (RFC 7636 §4.2).
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

impl OAuthProviders {
    /// A client for the configured providers; refuses endpoints that are not
    /// https away from loopback, a provider configured twice, and a provider
    /// missing what it needs.
    pub fn new(config: IdentityConfig) -> Result<Self, IdentityConfigError> {
        let mut providers: Vec<OAuthProviderConfig> = Vec::new();
        for provider in config.providers {
            let name = provider.provider;
            if providers.iter().any(|p| p.provider == name) {
                return Err(IdentityConfigError::Duplicate(name));
            }
            if provider.client_id.trim().is_empty() {
                return Err(IdentityConfigError::NoClientId(name));
            }
            check_url(format!("{name}'s authorize URL"), &provider.authorize_url)?;
            check_url(format!("{name}'s token URL"), &provider.token_url)?;
            match (name, &provider.userinfo_url, &provider.issuer) {
                (Provider::Google, _, None) => {
                    return Err(IdentityConfigError::Missing {
                        provider: name,
                        what: "an issuer",
                    })
                }
                (Provider::Kakao | Provider::Naver, None, _) => {
                    return Err(IdentityConfigError::Missing {
                        provider: name,
                        what: "a userinfo URL",
                    })
                }
                (_, Some(url), _) => {
                    check_url(format!("{name}'s userinfo URL"), url)?;
                }
                _ => {}
            }
            providers.push(provider);
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.timeout.min(Duration::from_secs(5)))
            .timeout(config.timeout)
            .user_agent(concat!("sinmungo/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| IdentityConfigError::Client(e.without_url().to_string()))?;
        Ok(Self {
            inner: Arc::new(Inner { providers, http }),
        })
    }

    fn config(&self, provider: Provider) -> Result<&OAuthProviderConfig, IdentityError> {
        self.inner
            .providers
            .iter()
            .find(|p| p.provider == provider)
            .ok_or(IdentityError::NotConfigured(provider))
    }

    /// The token request (RFC 6749 §4.1.3 with RFC 7636's `code_verifier`;
    /// Naver also takes the `state`).
    async fn token(
        &self,
        config: &OAuthProviderConfig,
        exchange: &CodeExchange,
    ) -> Result<Value, IdentityError> {
        let mut form: Vec<(&str, &str)> = vec![
            ("grant_type", "authorization_code"),
            ("client_id", &config.client_id),
            ("client_secret", config.client_secret.expose()),
            ("code", &exchange.code),
            ("redirect_uri", &exchange.redirect_uri),
            ("code_verifier", &exchange.challenge.code_verifier),
        ];
        if config.provider == Provider::Naver {
            form.push(("state", &exchange.state));
        }
        let request = self
            .inner
            .http
            .post(&config.token_url)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form);
        let answer = send(request, ProviderEndpoint::Token).await?;
        // Naver answers token errors with 200 and an `error` field.
        if let Some(error) = answer.get("error").and_then(Value::as_str) {
            return Err(IdentityError::Refused {
                endpoint: ProviderEndpoint::Token,
                error: error.chars().take(64).collect(),
            });
        }
        Ok(answer)
    }

    /// `GET` the provider's profile with the access token.
    async fn userinfo(
        &self,
        config: &OAuthProviderConfig,
        tokens: &Value,
    ) -> Result<Value, IdentityError> {
        let access_token = tokens
            .get("access_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| IdentityError::Malformed {
                endpoint: ProviderEndpoint::Token,
                reason: "no access_token".to_owned(),
            })?;
        let url = config
            .userinfo_url
            .as_deref()
            .ok_or(IdentityError::NotConfigured(config.provider))?;
        let request = self
            .inner
            .http
            .get(url)
            .bearer_auth(access_token)
            .header(reqwest::header::ACCEPT, "application/json");
        send(request, ProviderEndpoint::UserInfo).await
    }
}

#[async_trait]
impl IdentityProvider for OAuthProviders {
    fn providers(&self) -> Vec<Provider> {
        self.inner.providers.iter().map(|p| p.provider).collect()
    }

    /// The PKCE verifier and nonce are made here: they belong to the
    /// provider's protocol (the verifier goes to its token endpoint, the
    /// nonce comes back in its ID token), while the `state` is the caller's.
    fn authorize(
        &self,
        provider: Provider,
        redirect_uri: &str,
        state: &str,
    ) -> Result<Authorization, IdentityError> {
        let config = self.config(provider)?;
        let challenge = ProviderChallenge {
            code_verifier: random_token(),
            nonce: config.issuer.is_some().then(random_token),
        };
        // Checked in `new`.
        let mut url = Url::parse(&config.authorize_url)
            .map_err(|_| IdentityError::NotConfigured(provider))?;
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", &config.client_id)
                .append_pair("redirect_uri", redirect_uri)
                .append_pair("state", state)
                .append_pair("code_challenge", &pkce_challenge(&challenge.code_verifier))
                .append_pair("code_challenge_method", "S256");
            if !config.scopes.is_empty() {
                query.append_pair("scope", &config.scopes.join(" "));
            }
            if let Some(nonce) = &challenge.nonce {
                query.append_pair("nonce", nonce);
            }
        }
        Ok(Authorization {
            url: url.into(),
            challenge,
        })
    }

    #[tracing::instrument(skip_all, fields(provider = %provider))]
    async fn exchange(
        &self,
        provider: Provider,
        exchange: &CodeExchange,
    ) -> Result<ExternalProfile, IdentityError> {
        let config = self.config(provider)?;
        let tokens = self.token(config, exchange).await?;
        match config.provider {
            Provider::Google => google::profile(config, &exchange.challenge, &tokens),
            Provider::Kakao => kakao::profile(&self.userinfo(config, &tokens).await?),
            Provider::Naver => naver::profile(config, &self.userinfo(config, &tokens).await?),
        }
    }
}

/// Sends a request and reads a JSON object back (at most
/// [`MAX_ANSWER_BYTES`]); transport failures, non-2xx and non-JSON answers
/// are typed errors.
async fn send(
    request: reqwest::RequestBuilder,
    endpoint: ProviderEndpoint,
) -> Result<Value, IdentityError> {
    let unreachable = |error: reqwest::Error| IdentityError::Unreachable {
        endpoint,
        reason: if error.is_timeout() {
            "timed out".to_owned()
        } else if error.is_connect() {
            "could not connect".to_owned()
        } else {
            error.without_url().to_string()
        },
    };
    let mut response = request.send().await.map_err(unreachable)?;
    let status = response.status();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(IdentityError::Malformed {
                endpoint,
                reason: format!("the answer is larger than {MAX_ANSWER_BYTES} bytes"),
            });
        }
        body.extend_from_slice(&chunk);
    }
    let json = serde_json::from_slice::<Value>(&body).ok();
    if !status.is_success() {
        let error = json
            .as_ref()
            .and_then(|v| v.get("error"))
            .and_then(Value::as_str)
            .map(|e| e.chars().take(64).collect());
        return Err(IdentityError::Status {
            endpoint,
            status: status.as_u16(),
            error,
        });
    }
    match json {
        Some(value @ Value::Object(_)) => Ok(value),
        _ => Err(IdentityError::Malformed {
            endpoint,
            reason: "the answer is not a JSON object".to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ClientSecret;

    fn secret() -> ClientSecret {
        ClientSecret::new("very-secret-value")
    }

    fn providers(configs: Vec<OAuthProviderConfig>) -> OAuthProviders {
        OAuthProviders::new(IdentityConfig::new(configs)).unwrap()
    }

    const CALLBACK: &str = "https://sinmungo.example.kr/api/v1/auth/oauth/google/callback";

    #[test]
    fn pkce_matches_rfc_7636_appendix_b() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn secrets_never_print() {
        let config = IdentityConfig::new(vec![OAuthProviderConfig::google("id", secret())]);
        assert!(!format!("{config:?}").contains("very-secret"));
        let client = OAuthProviders::new(config).unwrap();
        assert!(!format!("{client:?}").contains("very-secret"));
        let started = client.authorize(Provider::Google, CALLBACK, "s").unwrap();
        assert!(!format!("{started:?}").contains(&started.challenge.code_verifier));
    }

    #[test]
    fn authorize_makes_a_url_with_pkce_and_a_nonce_for_google_only() {
        let client = providers(vec![
            OAuthProviderConfig::google("g-id", secret()),
            OAuthProviderConfig::kakao("k-id", secret()),
        ]);
        let state = random_token();
        let started = client
            .authorize(Provider::Google, CALLBACK, &state)
            .unwrap();
        let url = Url::parse(&started.url).unwrap();
        assert_eq!(url.host_str(), Some("accounts.google.com"));
        let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(query["client_id"], "g-id");
        assert_eq!(query["redirect_uri"], CALLBACK);
        assert_eq!(query["state"], state);
        assert_eq!(
            query["code_challenge"],
            pkce_challenge(&started.challenge.code_verifier)
        );
        assert_eq!(query["code_challenge_method"], "S256");
        assert_eq!(query["scope"], "openid email profile");
        assert_eq!(Some(&query["nonce"]), started.challenge.nonce.as_ref());
        assert!(!url.as_str().contains("very-secret"));
        assert_eq!(state.len(), 43);
        assert_eq!(started.challenge.code_verifier.len(), 43);

        let started = client.authorize(Provider::Kakao, CALLBACK, "s").unwrap();
        assert!(started.challenge.nonce.is_none());
        assert!(!started.url.contains("nonce="));
        assert!(started
            .url
            .starts_with("https://kauth.kakao.com/oauth/authorize?"));
        assert!(matches!(
            client.authorize(Provider::Naver, CALLBACK, "s"),
            Err(IdentityError::NotConfigured(Provider::Naver))
        ));
        assert_eq!(client.providers(), vec![Provider::Google, Provider::Kakao]);
    }

    #[test]
    fn endpoints_must_be_https_except_on_loopback() {
        let mut google = OAuthProviderConfig::google("id", secret());
        google.token_url = "http://oauth.example.kr/token".into();
        let refused = OAuthProviders::new(IdentityConfig::new(vec![google.clone()]));
        assert!(matches!(refused, Err(IdentityConfigError::Insecure { .. })));
        google.token_url = "http://127.0.0.1:8080/token".into();
        assert!(OAuthProviders::new(IdentityConfig::new(vec![google.clone()])).is_ok());
        let twice = OAuthProviders::new(IdentityConfig::new(vec![google.clone(), google]));
        assert!(matches!(twice, Err(IdentityConfigError::Duplicate(_))));
    }
}
