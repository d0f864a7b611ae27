//! Cross-origin requests from the platform's own web apps (the citizens'
//! PWA, another admin app) on origins an operator lists — exactly, never a
//! wildcard. Preflights are answered; browsers may send the sign-in
//! (`Authorization`, credentials) only from those origins. Not set: no
//! cross-origin access at all, as before.

use std::time::Duration;

use axum::http::{header, HeaderName, HeaderValue, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// An origin that is not `scheme://host[:port]`.
#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not an origin: write scheme://host[:port], e.g. https://app.jeonbuk.go.kr, with no path")]
pub struct InvalidOrigin(pub String);

/// How long a browser may keep a preflight's answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(3600);

/// Cross-origin access for a list of origins, to put around the API's router.
#[derive(Debug, Clone)]
pub struct Cors(CorsLayer);

impl Cors {
    /// `router`, answering cross-origin requests from the listed origins.
    pub fn around(&self, router: axum::Router) -> axum::Router {
        router.layer(self.0.clone())
    }
}

/// Cross-origin access for `origins`, or `None` when there are none.
///
/// # Errors
///
/// [`InvalidOrigin`] for an entry that is not a bare origin.
pub fn layer(origins: &[String]) -> Result<Option<Cors>, InvalidOrigin> {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .map(|raw| raw.trim())
        .filter(|raw| !raw.is_empty())
        .map(origin)
        .collect::<Result<_, _>>()?;
    if origins.is_empty() {
        return Ok(None);
    }
    Ok(Some(Cors(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::ACCEPT_LANGUAGE,
                HeaderName::from_static("x-api-key"),
                HeaderName::from_static("x-request-id"),
            ])
            .expose_headers([
                HeaderName::from_static("x-request-id"),
                header::RETRY_AFTER,
                header::LOCATION,
            ])
            .allow_credentials(true)
            .max_age(PREFLIGHT_MAX_AGE),
    )))
}

fn origin(raw: &str) -> Result<HeaderValue, InvalidOrigin> {
    let invalid = || InvalidOrigin(raw.to_owned());
    let rest = raw
        .strip_prefix("https://")
        .or_else(|| raw.strip_prefix("http://"))
        .ok_or_else(invalid)?;
    if rest.is_empty() || rest.contains(['/', '?', '#', '*', ' ', '@']) {
        return Err(invalid());
    }
    HeaderValue::from_str(raw).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::layer;

    #[test]
    fn only_bare_origins_are_taken() {
        assert!(layer(&[]).unwrap().is_none());
        assert!(layer(&[" ".to_owned()]).unwrap().is_none());
        assert!(layer(&["https://app.jeonbuk.go.kr".to_owned()])
            .unwrap()
            .is_some());
        assert!(layer(&["http://127.0.0.1:5173".to_owned()])
            .unwrap()
            .is_some());
        for bad in [
            "*",
            "app.jeonbuk.go.kr",
            "https://app.jeonbuk.go.kr/",
            "https://app.jeonbuk.go.kr/path",
            "https://*.jeonbuk.go.kr",
            "ftp://app.jeonbuk.go.kr",
        ] {
            assert!(layer(&[bad.to_owned()]).is_err(), "{bad}");
        }
    }
}
