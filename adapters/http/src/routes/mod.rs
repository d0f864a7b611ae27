//! The route table.

pub(crate) mod admin;
pub(crate) mod auth;
pub(crate) mod corrections;
pub(crate) mod notifications;
pub(crate) mod oauth;
mod ops;
pub(crate) mod photos;
pub(crate) mod reference;
pub(crate) mod reports;
pub(crate) mod stats;

use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, on, MethodFilter, MethodRouter};
use axum::Router;
use sinmungo_core::domain::{FieldError, Invalid, Permission};
use sinmungo_core::ports::MAX_PAGE_SIZE;

use crate::problem::ApiError;
use crate::state::AppState;
use crate::HttpConfig;

/// One route of the API: its method and path, the permission that guards it,
/// and the handler that serves it. [`ROUTES`] is the only list of routes: the
/// router, the README's route × role table and the black-box matrix test are
/// all made from it, so a route cannot be served without a permission.
#[derive(Clone, Copy)]
pub struct RouteRule {
    /// `GET`, `POST`, …
    pub method: &'static str,
    /// The path under `/api/v1`, with `{id}`-style parameters.
    pub path: &'static str,
    /// What the caller needs (the table in
    /// [`sinmungo_core::domain::permission`] says who has it).
    pub permission: Permission,
    /// Whether the route takes photos (bodies up to the upload limit; JSON
    /// bodies keep the smaller one).
    pub takes_photos: bool,
    serve: fn(MethodFilter) -> MethodRouter<AppState>,
}

impl std::fmt::Debug for RouteRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RouteRule")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("permission", &self.permission)
            .field("takes_photos", &self.takes_photos)
            .finish_non_exhaustive()
    }
}

/// A route whose body is JSON (or none).
const fn json(
    method: &'static str,
    path: &'static str,
    permission: Permission,
    serve: fn(MethodFilter) -> MethodRouter<AppState>,
) -> RouteRule {
    RouteRule {
        method,
        path,
        permission,
        takes_photos: false,
        serve,
    }
}

/// A route that takes photos (multipart bodies up to the upload limit).
const fn photos(
    method: &'static str,
    path: &'static str,
    permission: Permission,
    serve: fn(MethodFilter) -> MethodRouter<AppState>,
) -> RouteRule {
    RouteRule {
        takes_photos: true,
        ..json(method, path, permission, serve)
    }
}

/// Every route under `/api/v1`: method, path, permission, handler.
pub const ROUTES: &[RouteRule] = &[
    json("POST", "/auth/register", Permission::Register, |m| {
        on(m, auth::register)
    }),
    json("POST", "/auth/login", Permission::SignIn, |m| {
        on(m, auth::login)
    }),
    json("POST", "/auth/refresh", Permission::SignIn, |m| {
        on(m, auth::refresh)
    }),
    json("POST", "/auth/logout", Permission::SignIn, |m| {
        on(m, auth::logout)
    }),
    json(
        "GET",
        "/auth/oauth/{provider}/start",
        Permission::SignIn,
        |m| on(m, oauth::start),
    ),
    json(
        "GET",
        "/auth/oauth/{provider}/callback",
        Permission::SignIn,
        |m| on(m, oauth::callback),
    ),
    json("GET", "/me", Permission::ViewOwnAccount, |m| {
        on(m, auth::me)
    }),
    json("POST", "/me/password", Permission::ChangePassword, |m| {
        on(m, auth::change_password)
    }),
    photos("POST", "/reports", Permission::SubmitReport, |m| {
        on(m, reports::submit)
    }),
    json("GET", "/reports", Permission::ViewReports, |m| {
        on(m, reports::list)
    }),
    json("GET", "/reports/{id}", Permission::ViewReports, |m| {
        on(m, reports::get)
    }),
    json(
        "POST",
        "/reports/{id}/transitions",
        Permission::TransitionReport,
        |m| on(m, reports::transition),
    ),
    json(
        "POST",
        "/reports/{id}/assignment",
        Permission::AssignReport,
        |m| on(m, reports::assign),
    ),
    json(
        "PUT",
        "/reports/{id}/classification",
        Permission::ReclassifyReport,
        |m| on(m, reports::reclassify),
    ),
    json(
        "POST",
        "/reports/{id}/analysis",
        Permission::ReclassifyReport,
        |m| on(m, reports::request_analysis),
    ),
    json(
        "POST",
        "/reports/{id}/privacy-review",
        Permission::ReclassifyReport,
        |m| on(m, reports::review_privacy),
    ),
    json("POST", "/reports/{id}/comments", Permission::Comment, |m| {
        on(m, reports::comment)
    }),
    json(
        "POST",
        "/reports/{id}/support",
        Permission::SupportReport,
        |m| on(m, reports::support),
    ),
    json(
        "GET",
        "/reports/{id}/nearby",
        Permission::ViewNearbyReports,
        |m| on(m, reports::nearby),
    ),
    json(
        "GET",
        "/reports/{id}/timeline",
        Permission::ViewReports,
        |m| on(m, reports::timeline),
    ),
    photos("POST", "/reports/{id}/photos", Permission::AddPhotos, |m| {
        on(m, photos::add)
    }),
    json(
        "GET",
        "/reports/{id}/photos/{photo_id}/{variant}",
        Permission::ViewReports,
        |m| on(m, photos::file),
    ),
    json(
        "GET",
        "/notifications",
        Permission::ReadNotifications,
        |m| on(m, notifications::list),
    ),
    json(
        "POST",
        "/notifications/{id}/read",
        Permission::ReadNotifications,
        |m| on(m, notifications::read),
    ),
    json(
        "POST",
        "/notifications/read-all",
        Permission::ReadNotifications,
        |m| on(m, notifications::read_all),
    ),
    json(
        "GET",
        "/me/notification-settings",
        Permission::ManageNotificationSettings,
        |m| on(m, notifications::settings),
    ),
    json(
        "PUT",
        "/me/notification-settings",
        Permission::ManageNotificationSettings,
        |m| on(m, notifications::change_settings),
    ),
    json("GET", "/ws", Permission::FollowLive, |m| {
        on(m, crate::live::ws)
    }),
    json("GET", "/categories", Permission::ViewReferenceData, |m| {
        on(m, reference::categories)
    }),
    json("GET", "/departments", Permission::ViewReferenceData, |m| {
        on(m, reference::departments)
    }),
    json("GET", "/stats", Permission::ViewStatistics, |m| {
        on(m, stats::stats)
    }),
    json("POST", "/admin/users", Permission::ManageUsers, |m| {
        on(m, admin::create_user)
    }),
    json(
        "PUT",
        "/admin/users/{id}/role",
        Permission::ManageUsers,
        |m| on(m, admin::set_role),
    ),
    json(
        "POST",
        "/admin/service-accounts",
        Permission::ManageServiceAccounts,
        |m| on(m, admin::create_service_account),
    ),
    json(
        "GET",
        "/admin/service-accounts/{id}/keys",
        Permission::ManageServiceAccounts,
        |m| on(m, admin::keys),
    ),
    json(
        "POST",
        "/admin/service-accounts/{id}/keys",
        Permission::ManageServiceAccounts,
        |m| on(m, admin::issue_key),
    ),
    json(
        "DELETE",
        "/admin/service-accounts/{id}/keys/{key_id}",
        Permission::ManageServiceAccounts,
        |m| on(m, admin::revoke_key),
    ),
    json("GET", "/admin/secrets", Permission::ManageSecrets, |m| {
        on(m, admin::secrets)
    }),
    json(
        "PUT",
        "/admin/secrets/{name}",
        Permission::ManageSecrets,
        |m| on(m, admin::set_secret),
    ),
    json(
        "DELETE",
        "/admin/secrets/{name}",
        Permission::ManageSecrets,
        |m| on(m, admin::delete_secret),
    ),
    json("GET", "/admin/audit", Permission::ViewAudit, |m| {
        on(m, admin::audit)
    }),
    json(
        "GET",
        "/admin/triage/corrections",
        Permission::ViewTriageCorrections,
        |m| on(m, corrections::corrections),
    ),
    json(
        "POST",
        "/admin/departments",
        Permission::ManageDirectory,
        |m| on(m, reference::create_department),
    ),
    json(
        "PUT",
        "/admin/departments/{code}",
        Permission::ManageDirectory,
        |m| on(m, reference::update_department),
    ),
    json(
        "PUT",
        "/admin/categories/{code}",
        Permission::ManageDirectory,
        |m| on(m, reference::update_category),
    ),
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

/// The method filter of a method named in [`ROUTES`].
fn method_filter(method: &str) -> MethodFilter {
    match method {
        "GET" => MethodFilter::GET,
        "POST" => MethodFilter::POST,
        "PUT" => MethodFilter::PUT,
        "PATCH" => MethodFilter::PATCH,
        "DELETE" => MethodFilter::DELETE,
        // The unit tests read every method of the table through here.
        other => unreachable!("ROUTES names the method {other:?}, which the router does not serve"),
    }
}

/// Every route of the API, without middleware: [`ROUTES`] under `/api/v1`
/// with its description (`/openapi.json`, `/docs`), Open311 under
/// `/open311/v2`, then `/health` and `/ready`.
pub fn routes(config: &HttpConfig) -> Router<AppState> {
    let uploads = DefaultBodyLimit::max(config.uploads.upload_max_bytes);
    let api = ROUTES.iter().fold(Router::new(), |api, route| {
        let serve = (route.serve)(method_filter(route.method));
        let serve = if route.takes_photos {
            serve.layer(uploads)
        } else {
            serve
        };
        // Routes of one path with different methods merge into one.
        api.route(route.path, serve)
    });
    let api = api.merge(crate::openapi::routes());
    Router::new()
        .nest("/api/v1", api)
        .nest("/open311/v2", crate::open311::routes())
        .route("/health", get(ops::health))
        .route("/ready", get(ops::ready))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

/// A query parameter that is not what it must be. One rule for every query
/// parameter, whoever reads it (here or the core): a value that is refused —
/// not a number, out of range, an unknown name — is 422 `validation_failed`
/// with an error naming the parameter; 400 `invalid_query` is only for a
/// query string that cannot be read as `name=value` pairs at all.
fn bad_query(field: &str, expected: &str) -> ApiError {
    ApiError::validation(Invalid::from(FieldError::new(
        field,
        "invalid_format",
        format!("{field} must be {expected}"),
    )))
}

/// Whether a `format` query parameter asks for CSV (absent, empty or
/// `json`: JSON).
fn wants_csv(format: Option<&str>) -> Result<bool, ApiError> {
    match format.map(str::trim) {
        None | Some("" | "json") => Ok(false),
        Some("csv") => Ok(true),
        Some(_) => Err(bad_query("format", "json or csv")),
    }
}

/// A CSV download: `disposition` names the file.
fn csv_file(disposition: &'static str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

/// A `true`/`false` query parameter (`1`/`0`; absent or empty is false).
fn query_flag(field: &str, raw: Option<&str>) -> Result<bool, ApiError> {
    match raw {
        None | Some("false" | "0" | "") => Ok(false),
        Some("true" | "1") => Ok(true),
        Some(_) => Err(bad_query(field, "true or false")),
    }
}

/// A page size query parameter, as a number (its range, 1–[`MAX_PAGE_SIZE`]
/// on every list, is the use case's to check). A whole number too large for
/// any page is still a number: it reaches that check (and its answer) as
/// `u32::MAX` rather than failing here as unreadable.
fn query_limit(raw: Option<String>) -> Result<Option<u32>, ApiError> {
    raw.map(|l| {
        let digits = l.trim();
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(digits.parse::<u32>().unwrap_or(u32::MAX))
        } else {
            Err(bad_query(
                "limit",
                &format!("a whole number from 1 to {MAX_PAGE_SIZE}"),
            ))
        }
    })
    .transpose()
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
