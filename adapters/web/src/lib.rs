//! The officers' console: Korean (English as the second language, see
//! `lang.rs`), server-rendered pages under `/admin` for staff, managers and
//! administrators — sign-in, the department's queue and
//! the report page with its actions.
//!
//! The pages call the same use cases as the REST API (never the API over
//! HTTP) with the signed-in officer as the actor, so the access policy is
//! the API's. A browser session is a cookie holding a signed token (the
//! API's token keys, see [`sinmungo_http::auth::TokenService`]) naming the
//! user and the sign-in, checked live on every request; every form carries
//! the sign-in's form token. Styles, scripts and the vendored htmx are
//! embedded in the binary and served under `/admin/assets/`; the pages run
//! under a strict Content-Security-Policy (no inline scripts or styles).
//!
//! axum stays inside this crate and `sinmungo-http`: the server merges
//! [`router`] into the API's router.

mod assets;
mod error;
mod format;
mod forms;
mod lang;
mod pages;
mod security;
mod session;
mod tiles;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::{Extension, Router};
use chrono::TimeDelta;
use sinmungo_http::AppState;
pub use tiles::{InvalidMapTiles, MapTiles};

/// Settings of the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleConfig {
    /// Whether the session cookie is `Secure` (sent over HTTPS only).
    pub secure_cookies: bool,
    /// How long a sign-in lasts.
    pub session_lifetime: TimeDelta,
    /// The map page's tile server (its origin is allowed in the page's `img-src`).
    pub map_tiles: MapTiles,
}

impl Default for ConsoleConfig {
    /// Twelve-hour sign-ins, cookies not restricted to HTTPS,
    /// OpenStreetMap's tiles.
    fn default() -> Self {
        Self {
            secure_cookies: false,
            session_lifetime: TimeDelta::hours(12),
            map_tiles: MapTiles::default(),
        }
    }
}

impl ConsoleConfig {
    /// The defaults, with `Secure` cookies when the public base URL the
    /// server is reached at is `https://`.
    pub fn for_public_url(url: Option<&str>) -> Self {
        Self {
            secure_cookies: url.is_some_and(|u| {
                u.trim()
                    .get(..8)
                    .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
            }),
            ..Self::default()
        }
    }
}

/// The largest form the console accepts (comments and notes are far smaller).
const FORM_LIMIT: usize = 64 * 1024;

/// The console's routes under `/admin`, to merge into the server's router.
pub fn router(state: AppState, config: ConsoleConfig) -> Router {
    Router::new()
        .route("/admin", get(pages::queue::show))
        .route(
            "/admin/login",
            get(pages::login::form).post(pages::login::submit),
        )
        .route("/admin/logout", post(pages::login::sign_out))
        .route("/admin/login/oauth/{provider}", get(pages::oauth::start))
        .route(
            "/admin/login/oauth/{provider}/callback",
            get(pages::oauth::callback),
        )
        .route("/admin/reports/{id}", get(pages::report::show))
        .route("/admin/reports/{id}/status", post(pages::actions::status))
        .route("/admin/reports/{id}/assign", post(pages::actions::assign))
        // Photos: the intake enforces the API's upload limits as the body arrives.
        .route(
            "/admin/reports/{id}/resolve",
            post(pages::actions::resolve).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/admin/reports/{id}/comments",
            post(pages::actions::comment),
        )
        .route(
            "/admin/reports/{id}/classification",
            post(pages::actions::reclassify),
        )
        .route(
            "/admin/reports/{id}/photos/{photo}/{variant}",
            get(pages::photos::file),
        )
        .route("/admin/notifications", get(pages::notifications::list))
        .route(
            "/admin/notifications/read-all",
            post(pages::notifications::read_all),
        )
        .route("/admin/notifications/{id}", get(pages::notifications::open))
        .route("/admin/live", get(pages::live::connect))
        // The map and statistics pages (지도, 통계).
        .route("/admin/map", get(pages::map::show))
        .route("/admin/map/reports.json", get(pages::map::reports))
        .route("/admin/stats", get(pages::stats::show))
        .route("/admin/stats.csv", get(pages::stats::csv))
        // Administration (issue 16): accounts, departments, categories,
        // service accounts, secrets, the audit log.
        .route("/admin/settings", get(pages::settings::index))
        .route(
            "/admin/settings/accounts",
            get(pages::settings::accounts::list).post(pages::settings::accounts::create),
        )
        .route(
            "/admin/settings/accounts/{id}",
            get(pages::settings::accounts::show),
        )
        .route(
            "/admin/settings/accounts/{id}/role",
            post(pages::settings::accounts::set_role),
        )
        .route(
            "/admin/settings/accounts/{id}/status",
            post(pages::settings::accounts::set_status),
        )
        .route(
            "/admin/settings/departments",
            get(pages::settings::departments::list).post(pages::settings::departments::create),
        )
        .route(
            "/admin/settings/departments/{code}",
            get(pages::settings::departments::edit).post(pages::settings::departments::update),
        )
        .route(
            "/admin/settings/categories",
            get(pages::settings::categories::list),
        )
        .route(
            "/admin/settings/categories/{code}",
            get(pages::settings::categories::edit).post(pages::settings::categories::update),
        )
        .route(
            "/admin/settings/service-accounts",
            get(pages::settings::service_accounts::list)
                .post(pages::settings::service_accounts::create),
        )
        .route(
            "/admin/settings/service-accounts/{id}",
            get(pages::settings::service_accounts::show),
        )
        .route(
            "/admin/settings/service-accounts/{id}/keys",
            post(pages::settings::service_accounts::issue),
        )
        .route(
            "/admin/settings/service-accounts/{id}/keys/{key}/revoke",
            post(pages::settings::service_accounts::revoke),
        )
        .route(
            "/admin/settings/secrets",
            get(pages::settings::secrets::list).post(pages::settings::secrets::set),
        )
        .route(
            "/admin/settings/secrets/{name}/delete",
            post(pages::settings::secrets::delete),
        )
        .route("/admin/settings/audit", get(pages::settings::audit::list))
        // (end of administration)
        // The language switch (issue 16: English as a second locale).
        .route("/admin/lang/{code}", get(lang::switch))
        .route("/admin/assets/{name}", get(assets::serve))
        .layer(Extension(config))
        .layer(DefaultBodyLimit::max(FORM_LIMIT))
        .layer(axum::middleware::from_fn(lang::scope))
        .layer(axum::middleware::from_fn(security::headers))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            error::panicked,
        ))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::ConsoleConfig;

    #[test]
    fn cookies_are_secure_only_behind_https() {
        assert!(
            ConsoleConfig::for_public_url(Some("https://sinmungo.jeonbuk.go.kr")).secure_cookies
        );
        assert!(ConsoleConfig::for_public_url(Some("HTTPS://x.kr")).secure_cookies);
        assert!(!ConsoleConfig::for_public_url(Some("http://127.0.0.1:8080")).secure_cookies);
        assert!(!ConsoleConfig::for_public_url(None).secure_cookies);
    }
}
