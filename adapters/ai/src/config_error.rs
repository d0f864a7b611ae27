//! Why a provider client could not be built from its configuration.

/// A configuration the client cannot work with. Messages never contain the
/// API key or the base URL (which may carry credentials).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The base URL does not parse or is not `http(s)`.
    #[error("{provider}: invalid base URL: {reason}")]
    InvalidBaseUrl {
        /// Which provider's config.
        provider: &'static str,
        /// Why, without the URL itself.
        reason: String,
    },
    /// The API key is empty.
    #[error("{0}: the API key is empty")]
    MissingApiKey(&'static str),
    /// The API key contains characters an HTTP header cannot carry.
    #[error("{0}: the API key contains characters that cannot be sent")]
    InvalidApiKey(&'static str),
    /// The model name is empty or has characters outside `[A-Za-z0-9._:/-]`.
    #[error("{provider}: invalid model {model:?}")]
    InvalidModel {
        /// Which provider's config.
        provider: &'static str,
        /// The rejected model name.
        model: String,
    },
    /// An optional header value (`HTTP-Referer`, `X-Title`) is not visible ASCII.
    #[error("{provider}: the {header} header must be visible ASCII")]
    InvalidHeader {
        /// Which provider's config.
        provider: &'static str,
        /// The header's name.
        header: &'static str,
    },
    /// The HTTP client could not be built (TLS initialisation).
    #[error("{provider}: cannot build the HTTP client: {reason}")]
    HttpClient {
        /// Which provider's config.
        provider: &'static str,
        /// Why.
        reason: String,
    },
}
