//! Reaching an S3-compatible server: AWS, MinIO, Ceph, moto in tests.

use std::sync::Arc;
use std::time::Duration;

use object_store::aws::AmazonS3Builder;
use object_store::{BackoffConfig, ObjectStore, RetryConfig};

use crate::error::OpenError;

/// How to reach an S3-compatible server; the bucket and prefix come from the
/// storage URL. Requests are path-style (`{endpoint}/{bucket}/{key}`), which
/// every S3-compatible server understands.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct S3Config {
    /// The server, e.g. `https://s3.example.go.kr` or `http://127.0.0.1:9000`
    /// (plain `http` is allowed, for servers on the local network); `None` is AWS.
    pub endpoint: Option<String>,
    /// The region; `None` is `us-east-1`.
    pub region: Option<String>,
    /// The access key id; with neither key, credentials come from the
    /// environment AWS provides (instance or container role).
    pub access_key_id: Option<String>,
    /// The secret access key (never printed by `Debug`).
    pub secret_access_key: Option<String>,
    /// A session token for temporary credentials (never printed by `Debug`).
    pub session_token: Option<String>,
}

impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |secret: &Option<String>| secret.as_ref().map(|_| "<redacted>");
        f.debug_struct("S3Config")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &redacted(&self.secret_access_key))
            .field("session_token", &redacted(&self.session_token))
            .finish()
    }
}

impl S3Config {
    /// The Sinmungo variables [`S3Config::from_env`] reads (the endpoint,
    /// the region), for those who list what a binary reads.
    pub const VARIABLES: [&'static str; 2] = ["SINMUNGO_S3_ENDPOINT", "SINMUNGO_S3_REGION"];

    /// Reads `SINMUNGO_S3_ENDPOINT`, `SINMUNGO_S3_REGION`, `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`; unset or empty ones are `None`.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
        let [endpoint, region] = Self::VARIABLES;
        Self {
            endpoint: var(endpoint),
            region: var(region),
            access_key_id: var("AWS_ACCESS_KEY_ID"),
            secret_access_key: var("AWS_SECRET_ACCESS_KEY"),
            session_token: var("AWS_SESSION_TOKEN"),
        }
    }

    /// An `object_store` client for `bucket`.
    pub(crate) fn build(&self, url: &str, bucket: &str) -> Result<Arc<dyn ObjectStore>, OpenError> {
        install_ring_for_rustls();
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_region(self.region.as_deref().unwrap_or("us-east-1"))
            .with_virtual_hosted_style_request(false)
            .with_retry(retry_config());
        if let Some(endpoint) = &self.endpoint {
            if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
                return Err(OpenError::InvalidS3Config(format!(
                    "endpoint {endpoint:?} is not an http:// or https:// URL"
                )));
            }
            builder = builder
                .with_endpoint(endpoint.trim_end_matches('/'))
                .with_allow_http(endpoint.starts_with("http://"));
        }
        match (&self.access_key_id, &self.secret_access_key) {
            (Some(id), Some(secret)) => {
                builder = builder
                    .with_access_key_id(id)
                    .with_secret_access_key(secret);
                if let Some(token) = &self.session_token {
                    builder = builder.with_token(token);
                }
            }
            (None, None) => {}
            _ => {
                return Err(OpenError::InvalidS3Config(
                    "an access key id needs its secret access key, and the other way round".into(),
                ))
            }
        }
        let store = builder.build().map_err(|source| OpenError::Backend {
            url: url.to_owned(),
            source: Box::new(source),
        })?;
        Ok(Arc::new(store))
    }
}

/// A photo upload waits for storage: give up after a few quick retries
/// (about 10 s at most) and answer 503, rather than `object_store`'s default
/// of 10 retries over up to three minutes.
fn retry_config() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig::default(),
        max_retries: 3,
        retry_timeout: Duration::from_secs(10),
    }
}

/// `object_store`'s HTTP client uses rustls without a bundled crypto provider
/// (the bundled one is aws-lc, a C build); it needs a process-wide provider
/// before the first client is built. Installing fails harmlessly when the
/// process already has one.
fn install_ring_for_rustls() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secrets() {
        let config = S3Config {
            access_key_id: Some("AKIDEXAMPLE".into()),
            secret_access_key: Some("wJalrXUtnFEMI".into()),
            session_token: Some("FwoGZXIvYXdzE".into()),
            ..S3Config::default()
        };
        let printed = format!("{config:?}");
        assert!(printed.contains("AKIDEXAMPLE"));
        assert!(!printed.contains("wJalrXUtnFEMI"));
        assert!(!printed.contains("FwoGZXIvYXdzE"));
    }

    #[test]
    fn half_a_key_pair_is_refused() {
        let config = S3Config {
            access_key_id: Some("AKIDEXAMPLE".into()),
            ..S3Config::default()
        };
        assert!(matches!(
            config.build("s3://bucket", "bucket"),
            Err(OpenError::InvalidS3Config(_))
        ));
    }

    #[test]
    fn endpoint_must_be_http() {
        let config = S3Config {
            endpoint: Some("127.0.0.1:9000".into()),
            ..S3Config::default()
        };
        assert!(matches!(
            config.build("s3://bucket", "bucket"),
            Err(OpenError::InvalidS3Config(_))
        ));
    }
}
