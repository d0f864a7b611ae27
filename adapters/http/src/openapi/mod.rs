//! The OpenAPI 3.1 description of `/api/v1`, made from the code: each
//! handler's `#[utoipa::path]` (its body, answers and the error sources it
//! uses), the DTOs' `ToSchema`, and [`ROUTES`] for who may call what. Served
//! at `GET /api/v1/openapi.json`, and drawn by Swagger UI at `GET /api/v1/docs`.

mod docs;
pub(crate) mod problems;
pub(crate) mod schemas;

use std::sync::LazyLock;

use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sinmungo_core::domain::permission::{grant, COLUMNS};
use sinmungo_core::domain::Role;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::OpenApi as Document;
use utoipa::{Modify, OpenApi};

use crate::routes::{self, RouteRule, ROUTES};
use crate::state::AppState;

/// The security scheme of a signed-in person's access token.
const ACCESS_TOKEN: &str = "accessToken";
/// The security scheme of a service account's API key.
const SERVICE_ACCOUNT_KEY: &str = "serviceAccountKey";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "전북 신문고 API",
        description = include_str!("description.md"),
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    servers((url = "/api/v1", description = "이 서버")),
    paths(
        routes::auth::register,
        routes::auth::login,
        routes::auth::refresh,
        routes::auth::logout,
        routes::oauth::start,
        routes::oauth::callback,
        routes::auth::me,
        routes::auth::change_password,
        routes::reports::submit,
        routes::reports::list,
        routes::reports::get,
        routes::reports::transition,
        routes::reports::assign,
        routes::reports::reclassify,
        routes::reports::request_analysis,
        routes::reports::review_privacy,
        routes::reports::comment,
        routes::reports::support,
        routes::reports::nearby,
        routes::reports::timeline,
        routes::photos::add,
        routes::photos::file,
        routes::notifications::list,
        routes::notifications::read,
        routes::notifications::read_all,
        routes::notifications::settings,
        routes::notifications::change_settings,
        crate::live::ws,
        routes::reference::categories,
        routes::reference::departments,
        routes::stats::stats,
        routes::admin::create_user,
        routes::admin::set_role,
        routes::admin::create_service_account,
        routes::admin::keys,
        routes::admin::issue_key,
        routes::admin::revoke_key,
        routes::admin::secrets,
        routes::admin::set_secret,
        routes::admin::delete_secret,
        routes::admin::audit,
        routes::corrections::corrections,
        routes::reference::create_department,
        routes::reference::update_department,
        routes::reference::update_category,
    ),
    components(schemas(crate::problem::ProblemBody)),
    modifiers(&Credentials),
    tags(
        (name = "인증", description = "가입, 로그인, 토큰 갱신, 로그아웃, 내 계정"),
        (name = "신고", description = "신고 접수, 조회, 처리, 댓글, 공감, 사진"),
        (name = "알림", description = "내 알림과 이메일 설정, 실시간 연결"),
        (name = "참조", description = "분야와 부서"),
        (name = "통계", description = "처리 현황과 SLA 준수율"),
        (name = "관리", description = "계정, 서비스 계정과 API 키, 비밀 값, 감사 기록, 부서와 분야 (관리자)"),
    ),
)]
struct ApiDoc;

/// The two bearer credentials the API takes in `Authorization`.
struct Credentials;

impl Modify for Credentials {
    fn modify(&self, document: &mut Document) {
        let components = document.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            ACCESS_TOKEN,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "로그인(`POST /auth/login`, `/auth/register`, `/auth/refresh`, 소셜 로그인)으로 받은 액세스 토큰: `Authorization: Bearer <access_token>`",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            SERVICE_ACCOUNT_KEY,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("smk_ API key")
                    .description(Some(
                        "서비스 계정의 API 키 (`smk_`로 시작, 관리자가 `POST /admin/service-accounts/{id}/keys`로 발급): `Authorization: Bearer smk_…`",
                    ))
                    .build(),
            ),
        );
    }
}

/// The description: the handlers' operations, each told who may call it
/// and with which credentials, from its rule in [`ROUTES`].
pub(crate) fn document() -> Document {
    let mut document = ApiDoc::openapi();
    for route in ROUTES {
        if let Some(operation) = operation_mut(&mut document, route) {
            describe_access(operation, route);
        }
    }
    document
}

/// The operation of `route`, if the description has it.
fn operation_mut<'a>(document: &'a mut Document, route: &RouteRule) -> Option<&'a mut Operation> {
    let item = document.paths.paths.get_mut(route.path)?;
    match route.method {
        "GET" => item.get.as_mut(),
        "POST" => item.post.as_mut(),
        "PUT" => item.put.as_mut(),
        "PATCH" => item.patch.as_mut(),
        "DELETE" => item.delete.as_mut(),
        _ => None,
    }
}

/// The permission table's row for `route` in its description, and the
/// credentials it takes: none needed where anyone may call it, an access
/// token where a person may, an API key where a service account may.
fn describe_access(operation: &mut Operation, route: &RouteRule) {
    let mut table = String::from("| ");
    let mut rule = String::from("|");
    let mut cells = String::from("|");
    for role in COLUMNS {
        table.push_str(role.map_or("익명", Role::as_str));
        table.push_str(" | ");
        rule.push_str("---|");
        cells.push_str(&format!(" {} |", grant(role, route.permission).describe()));
    }
    let access = format!(
        "**권한**: `{:?}` ({})\n\n{}\n{rule}\n{cells}",
        route.permission,
        route.permission.describe(),
        table.trim_end(),
    );
    operation.description = Some(match operation.description.take() {
        Some(text) if !text.is_empty() => format!("{text}\n\n{access}"),
        _ => access,
    });
    let granted = |role: Option<Role>| grant(role, route.permission).is_granted();
    let mut securities = Vec::new();
    if granted(None) {
        securities.push(SecurityRequirement::default());
    }
    if [Role::Citizen, Role::Staff, Role::Manager, Role::Admin]
        .into_iter()
        .any(|role| granted(Some(role)))
    {
        securities.push(SecurityRequirement::new(ACCESS_TOKEN, Vec::<String>::new()));
    }
    if granted(Some(Role::Service)) {
        securities.push(SecurityRequirement::new(
            SERVICE_ACCOUNT_KEY,
            Vec::<String>::new(),
        ));
    }
    operation.security = Some(securities);
}

/// The description as served: its bytes, made once, and their tag.
struct Published {
    json: Bytes,
    etag: String,
}

static PUBLISHED: LazyLock<Published> = LazyLock::new(|| {
    let json = Bytes::from(serde_json::to_vec(&document()).unwrap_or_default());
    let digest = crate::auth::digest::hex(&<sha2::Sha256 as sha2::Digest>::digest(&json));
    let etag = format!("\"{}\"", &digest[..32]);
    Published { json, etag }
});

/// `GET /api/v1/openapi.json`: public, cached for an hour, `304` for a
/// client that has it (`If-None-Match`).
async fn openapi_json(headers: HeaderMap) -> Response {
    let published = &*PUBLISHED;
    let fresh = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| routes::photos::matches_etag(value, &published.etag));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(header::CONTENT_TYPE, "application/json")],
            published.json.clone(),
        )
            .into_response()
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    if let Ok(etag) = HeaderValue::from_str(&published.etag) {
        headers.insert(header::ETAG, etag);
    }
    response
}

/// `/openapi.json` and the docs page, for `/api/v1`: public, outside
/// [`ROUTES`] like `/health` (no permission guards them).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi_json))
        .route("/docs", get(docs::page))
        .route("/docs/init.js", get(docs::init))
        .route("/docs/{dir}/{name}", get(docs::swagger_ui))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn operations(document: &Document) -> BTreeSet<(String, String)> {
        let mut found = BTreeSet::new();
        for (path, item) in &document.paths.paths {
            for (method, operation) in [
                ("GET", &item.get),
                ("POST", &item.post),
                ("PUT", &item.put),
                ("PATCH", &item.patch),
                ("DELETE", &item.delete),
                ("HEAD", &item.head),
                ("OPTIONS", &item.options),
                ("TRACE", &item.trace),
            ] {
                if operation.is_some() {
                    found.insert((method.to_owned(), path.clone()));
                }
            }
        }
        found
    }

    #[test]
    fn every_route_is_described_and_nothing_else() {
        let routed: BTreeSet<(String, String)> = ROUTES
            .iter()
            .map(|r| (r.method.to_owned(), r.path.to_owned()))
            .collect();
        assert_eq!(operations(&document()), routed);
    }

    #[test]
    fn operation_ids_are_unique_and_each_says_who_may_call() {
        let document = document();
        let mut ids = BTreeSet::new();
        for route in ROUTES {
            let mut document = document.clone();
            let Some(operation) = operation_mut(&mut document, route) else {
                unreachable!("checked by every_route_is_described_and_nothing_else")
            };
            let id = operation.operation_id.clone().unwrap_or_default();
            assert!(ids.insert(id.clone()), "operationId {id} twice");
            let description = operation.description.clone().unwrap_or_default();
            assert!(
                description.contains(&format!("`{:?}`", route.permission)),
                "{} {}: {description}",
                route.method,
                route.path
            );
            assert!(operation.security.as_ref().is_some_and(|s| !s.is_empty()));
        }
    }

    #[test]
    fn photo_routes_take_multipart_bodies() {
        let document = document();
        for route in ROUTES {
            let mut document = document.clone();
            let Some(operation) = operation_mut(&mut document, route) else {
                unreachable!("checked by every_route_is_described_and_nothing_else")
            };
            let multipart = operation
                .request_body
                .as_ref()
                .is_some_and(|body| body.content.contains_key("multipart/form-data"));
            assert_eq!(
                multipart, route.takes_photos,
                "{} {}",
                route.method, route.path
            );
        }
    }
}
