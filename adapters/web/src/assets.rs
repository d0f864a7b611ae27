//! The console's own stylesheet and scripts, and the vendored htmx and Leaflet, embedded
//! in the binary (nothing is read from disk or fetched at run time).

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// An embedded file: its bytes and media type.
struct Asset {
    bytes: &'static [u8],
    content_type: &'static str,
}

/// Assets may be cached for a day: their names do not change with their
/// bytes, so a longer time would keep a stale script after an upgrade.
const CACHE: &str = "public, max-age=86400";

fn find(name: &str) -> Option<Asset> {
    let (bytes, content_type): (&'static [u8], _) = match name {
        "console.css" => (
            include_bytes!("../assets/console.css"),
            "text/css; charset=utf-8",
        ),
        "console.js" => (
            include_bytes!("../assets/console.js"),
            "text/javascript; charset=utf-8",
        ),
        "htmx.min.js" => (
            include_bytes!("../vendor/htmx/htmx.min.js"),
            "text/javascript; charset=utf-8",
        ),
        "htmx-LICENSE.txt" => (
            include_bytes!("../vendor/htmx/LICENSE"),
            "text/plain; charset=utf-8",
        ),
        // The map page (지도): its script and the vendored Leaflet.
        "map.js" => (
            include_bytes!("../assets/map.js"),
            "text/javascript; charset=utf-8",
        ),
        "leaflet.js" => (
            include_bytes!("../vendor/leaflet/leaflet.js"),
            "text/javascript; charset=utf-8",
        ),
        "leaflet.css" => (
            include_bytes!("../vendor/leaflet/leaflet.css"),
            "text/css; charset=utf-8",
        ),
        "leaflet-LICENSE.txt" => (
            include_bytes!("../vendor/leaflet/LICENSE"),
            "text/plain; charset=utf-8",
        ),
        _ => return None,
    };
    Some(Asset {
        bytes,
        content_type,
    })
}

/// `GET /admin/assets/{name}`.
pub(crate) async fn serve(Path(name): Path<String>) -> Response {
    match find(&name) {
        Some(asset) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(asset.content_type),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static(CACHE)),
            ],
            asset.bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "없는 파일입니다 (not found)").into_response(),
    }
}
