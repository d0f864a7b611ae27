//! The route table.

mod admin;
mod auth;
mod oauth;
mod ops;
mod photos;
mod reference;
mod reports;

use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post, put};
use axum::Router;
use sinmungo_core::domain::Permission;

use crate::problem::ApiError;
use crate::state::AppState;
use crate::HttpConfig;

/// One route of the API and the permission that guards it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteRule {
    /// `GET`, `POST`, …
    pub method: &'static str,
    /// The path under `/api/v1`, with `{id}`-style parameters.
    pub path: &'static str,
    /// What the caller needs (the table in
    /// [`sinmungo_core::domain::permission`] says who has it).
    pub permission: Permission,
}

const fn rule(method: &'static str, path: &'static str, permission: Permission) -> RouteRule {
    RouteRule {
        method,
        path,
        permission,
    }
}

/// Every route under `/api/v1` with its permission: the README's route ×
/// role table and the black-box matrix test are made from this list.
pub const ROUTES: &[RouteRule] = &[
    rule("POST", "/auth/register", Permission::Register),
    rule("POST", "/auth/login", Permission::SignIn),
    rule("POST", "/auth/refresh", Permission::SignIn),
    rule("POST", "/auth/logout", Permission::SignIn),
    rule("GET", "/auth/oauth/{provider}/start", Permission::SignIn),
    rule("GET", "/auth/oauth/{provider}/callback", Permission::SignIn),
    rule("GET", "/me", Permission::ViewOwnAccount),
    rule("POST", "/me/password", Permission::ChangePassword),
    rule("POST", "/reports", Permission::SubmitReport),
    rule("GET", "/reports", Permission::ViewReports),
    rule("GET", "/reports/{id}", Permission::ViewReports),
    rule(
        "POST",
        "/reports/{id}/transitions",
        Permission::TransitionReport,
    ),
    rule("POST", "/reports/{id}/assignment", Permission::AssignReport),
    rule(
        "PUT",
        "/reports/{id}/classification",
        Permission::ReclassifyReport,
    ),
    rule("POST", "/reports/{id}/comments", Permission::Comment),
    rule("POST", "/reports/{id}/support", Permission::SupportReport),
    rule("GET", "/reports/{id}/timeline", Permission::ViewReports),
    rule("POST", "/reports/{id}/photos", Permission::AddPhotos),
    rule(
        "GET",
        "/reports/{id}/photos/{photo_id}/{variant}",
        Permission::ViewReports,
    ),
    rule("GET", "/categories", Permission::ViewReferenceData),
    rule("GET", "/departments", Permission::ViewReferenceData),
    rule("POST", "/admin/users", Permission::ManageUsers),
    rule("PUT", "/admin/users/{id}/role", Permission::ManageUsers),
    rule(
        "POST",
        "/admin/service-accounts",
        Permission::ManageServiceAccounts,
    ),
    rule(
        "GET",
        "/admin/service-accounts/{id}/keys",
        Permission::ManageServiceAccounts,
    ),
    rule(
        "POST",
        "/admin/service-accounts/{id}/keys",
        Permission::ManageServiceAccounts,
    ),
    rule(
        "DELETE",
        "/admin/service-accounts/{id}/keys/{key_id}",
        Permission::ManageServiceAccounts,
    ),
    rule("GET", "/admin/secrets", Permission::ManageSecrets),
    rule("PUT", "/admin/secrets/{name}", Permission::ManageSecrets),
    rule("DELETE", "/admin/secrets/{name}", Permission::ManageSecrets),
    rule("GET", "/admin/audit", Permission::ViewAudit),
];

/// The routes × roles as a Markdown table: each route, its permission, and
/// what each role is granted of it.
pub fn route_table_markdown() -> String {
    use sinmungo_core::domain::permission::{grant, COLUMNS};
    let mut out = String::from("| route | anonymous |");
    for role in COLUMNS.iter().flatten() {
        out.push_str(&format!(" {role} |"));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(COLUMNS.len()));
    for route in ROUTES {
        out.push_str(&format!("\n| `{} {}` |", route.method, route.path));
        for role in COLUMNS {
            out.push_str(&format!(" {} |", grant(role, route.permission).describe()));
        }
    }
    out.push('\n');
    out
}

/// Every route of the API, without middleware. The routes that take photos
/// accept bodies up to the upload limit (JSON bodies keep the smaller one).
pub fn routes(config: &HttpConfig) -> Router<AppState> {
    let uploads = DefaultBodyLimit::max(config.uploads.upload_max_bytes);
    let api = Router::new()
        .route("/auth/register", post(auth::register))
        .route("/auth/login", post(auth::login))
        .route("/auth/refresh", post(auth::refresh))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/oauth/{provider}/start", get(oauth::start))
        .route("/auth/oauth/{provider}/callback", get(oauth::callback))
        .route("/me", get(auth::me))
        .route("/me/password", post(auth::change_password))
        .route(
            "/reports",
            post(reports::submit).layer(uploads).get(reports::list),
        )
        .route("/reports/{id}", get(reports::get))
        .route("/reports/{id}/transitions", post(reports::transition))
        .route("/reports/{id}/assignment", post(reports::assign))
        .route("/reports/{id}/classification", put(reports::reclassify))
        .route("/reports/{id}/comments", post(reports::comment))
        .route("/reports/{id}/support", post(reports::support))
        .route("/reports/{id}/timeline", get(reports::timeline))
        .route("/reports/{id}/photos", post(photos::add).layer(uploads))
        .route(
            "/reports/{id}/photos/{photo_id}/{variant}",
            get(photos::file),
        )
        .route("/categories", get(reference::categories))
        .route("/departments", get(reference::departments))
        .route("/admin/users", post(admin::create_user))
        .route("/admin/users/{id}/role", put(admin::set_role))
        .route(
            "/admin/service-accounts",
            post(admin::create_service_account),
        )
        .route(
            "/admin/service-accounts/{id}/keys",
            get(admin::keys).post(admin::issue_key),
        )
        .route(
            "/admin/service-accounts/{id}/keys/{key_id}",
            delete(admin::revoke_key),
        )
        .route("/admin/secrets", get(admin::secrets))
        .route(
            "/admin/secrets/{name}",
            put(admin::set_secret).delete(admin::delete_secret),
        )
        .route("/admin/audit", get(admin::audit));
    Router::new()
        .nest("/api/v1", api)
        .route("/health", get(ops::health))
        .route("/ready", get(ops::ready))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "Method not allowed",
        "this route does not accept that method",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_prints_the_route_table_that_runs() {
        let readme = include_str!("../../../../README.md");
        assert!(
            readme.contains(&route_table_markdown()),
            "README.md's route × role table differs from ROUTES; paste in:\n{}",
            route_table_markdown()
        );
    }
}
