//! The headers every console response carries: a strict
//! Content-Security-Policy (scripts and styles from our own files only, no
//! framing), no MIME sniffing, referrers kept on our own origin, and no
//! caching of pages (they show personal data; assets set their own).

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// The console's Content-Security-Policy.
pub(crate) const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// The policy of a page showing map tiles from `source` (a CSP source such
/// as `https://tile.openstreetmap.org`): the console's, with images also
/// allowed from there and nothing else widened.
pub(crate) fn allowing_images_from(source: &str) -> String {
    CONTENT_SECURITY_POLICY.replacen(
        "img-src 'self' data:;",
        &format!("img-src 'self' data: {source};"),
        1,
    )
}

/// Adds the security headers to a response (the map page sets its own
/// policy, [`allowing_images_from`], and keeps it).
pub(crate) async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_map_policy_widens_img_src_alone() {
        let policy = allowing_images_from("https://tile.openstreetmap.org");
        assert_eq!(
            policy,
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https://tile.openstreetmap.org; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        );
    }
}
