//! `GET /api/v1/docs`: the API description drawn by Swagger UI, whose files
//! the binary carries (`vendor/swagger-ui`), so the page needs nothing but
//! this server. The page has no inline script or style, and a
//! Content-Security-Policy that allows only this origin.

use axum::extract::Path;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::problem::ApiError;

/// The vendored Swagger UI's version: the directory its files are served
/// from, so a new version is a new address and its files can be cached for good.
pub(crate) const SWAGGER_UI_VERSION: &str = "5.36.0";

/// The docs page and its own script: cached only after asking again (small,
/// and they change with the server).
const REVALIDATE: &str = "no-cache";

/// Swagger UI's files: their address changes with their version.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// What the page may load and where it may connect: this origin only (and
/// the `data:` images of Swagger UI's stylesheet).
pub(crate) const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The page. Its addresses are relative to `/api/v1/docs`, so it works
/// behind a proxy that serves the API under another prefix.
const PAGE: &str = r#"<!DOCTYPE html>
<html lang="ko">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>전북 신문고 API 문서</title>
<link rel="stylesheet" href="docs/swagger-ui-5.36.0/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-5.36.0/swagger-ui-bundle.js"></script>
<script src="docs/init.js"></script>
</body>
</html>
"#;

/// `GET /api/v1/docs`.
pub(crate) async fn page() -> Response {
    let mut response = (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, REVALIDATE),
        ],
        PAGE,
    )
        .into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    response
}

/// `GET /api/v1/docs/init.js`: starts Swagger UI on `openapi.json`.
pub(crate) async fn init() -> Response {
    asset(
        include_bytes!("init.js"),
        "text/javascript; charset=utf-8",
        REVALIDATE,
    )
}

/// `GET /api/v1/docs/swagger-ui-{version}/{name}`: a vendored file.
pub(crate) async fn swagger_ui(Path((version, name)): Path<(String, String)>) -> Response {
    let file: Option<(&'static [u8], &str)> = match name.as_str() {
        _ if version != format!("swagger-ui-{SWAGGER_UI_VERSION}") => None,
        "swagger-ui-bundle.js" => Some((
            include_bytes!("../../vendor/swagger-ui/swagger-ui-bundle.js"),
            "text/javascript; charset=utf-8",
        )),
        "swagger-ui.css" => Some((
            include_bytes!("../../vendor/swagger-ui/swagger-ui.css"),
            "text/css; charset=utf-8",
        )),
        // The notices the bundle's first line points to, and the licence.
        "swagger-ui-bundle.js.LICENSE.txt" => Some((
            include_bytes!("../../vendor/swagger-ui/swagger-ui-bundle.js.LICENSE.txt"),
            "text/plain; charset=utf-8",
        )),
        "LICENSE" => Some((
            include_bytes!("../../vendor/swagger-ui/LICENSE"),
            "text/plain; charset=utf-8",
        )),
        "NOTICE" => Some((
            include_bytes!("../../vendor/swagger-ui/NOTICE"),
            "text/plain; charset=utf-8",
        )),
        _ => None,
    };
    match file {
        Some((bytes, content_type)) => asset(bytes, content_type, IMMUTABLE),
        None => ApiError::not_found("no such file of the docs page").into_response(),
    }
}

fn asset(bytes: &'static [u8], content_type: &'static str, cache: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, cache),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_the_vendored_version() {
        let dir = format!("docs/swagger-ui-{SWAGGER_UI_VERSION}/");
        assert_eq!(PAGE.matches(&dir).count(), 2, "{PAGE}");
        let readme = include_str!("../../vendor/README.md");
        assert!(readme.contains(&format!("| Swagger UI | {SWAGGER_UI_VERSION} |")));
    }
}
