//! Open311 GeoReport v2 under `/open311/v2` (<http://wiki.open311.org/GeoReport_v2>),
//! in XML and JSON chosen by the resource's suffix (`services.xml`,
//! `requests.json`): `discovery`, `services`, `services/{code}`, `requests`
//! (GET and POST), `requests/{id}` and `tokens/{token}`.
//!
//! It speaks through the same use cases as the REST API: reading as an
//! anonymous caller (only public reports, personal data masked), submitting
//! as the service account whose `api_key` the client sent (the API's keys,
//! rate limits and validation). A service request's id is the report's
//! receipt number (`JB-2026-000123`). Requests are created synchronously,
//! so `POST requests` answers with the id and tokens are never needed; a
//! client that asks `tokens/{token}` anyway is answered for a token that is
//! a receipt number (token = id), 404 otherwise.

mod error;
mod format;
mod records;

use std::collections::BTreeMap;

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use sinmungo_core::app::{ReportView, SubmitRequest, WindowRequest};
use sinmungo_core::domain::Actor;

use crate::auth::api_keys::API_KEY_PREFIX;
use crate::auth::authenticate_bearer;
use crate::limits::ClientIp;
use crate::problem::ApiError;
use crate::state::AppState;
pub use error::Open311Error;
use format::{Document, Format, Node};
use records::Directory;

/// Settings of the Open311 interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open311Config {
    /// The `jurisdiction_id` clients may send (another one is answered 404;
    /// none is fine, as this server serves one jurisdiction).
    pub jurisdiction_id: String,
    /// The site's public base URL (`https://sinmungo.jeonbuk.go.kr`), for
    /// absolute URLs (discovery, photos); without it they are paths.
    pub public_url: Option<String>,
}

impl Default for Open311Config {
    /// `jeonbuk.go.kr`, paths.
    fn default() -> Self {
        Self {
            jurisdiction_id: "jeonbuk.go.kr".to_owned(),
            public_url: None,
        }
    }
}

impl Open311Config {
    /// `path` under the public base URL, or `path` itself without one.
    fn absolute(&self, path: &str) -> String {
        match &self.public_url {
            Some(base) => format!("{}{path}", base.trim_end_matches('/')),
            None => path.to_owned(),
        }
    }
}

/// The routes under `/open311/v2`.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/{resource}", get(collection).post(submit))
        .route("/services/{file}", get(service_definition))
        .route("/requests/{file}", get(one_request))
        .route("/tokens/{file}", get(token))
        .fallback(no_such_resource)
        .method_not_allowed_fallback(method_not_allowed)
}

/// Parameters by name (the last of a repeated one).
type Params = BTreeMap<String, String>;

type Answer = Result<Response, Open311Error>;

/// A parameter, trimmed; empty is absent.
fn param<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// The resource and format of a file name, or 404.
fn resource(file: &str) -> Result<(&str, Format), Open311Error> {
    Format::split(file).ok_or_else(|| {
        Open311Error::not_found(
            Format::guess(file),
            "no such resource; add .xml or .json (리소스를 찾을 수 없습니다)",
        )
    })
}

/// The query string (400 if unreadable), its `jurisdiction_id` checked.
fn read_query(
    state: &AppState,
    format: Format,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Params, Open311Error> {
    let Query(params) = query.map_err(|rejection| {
        Open311Error::bad_request(
            format,
            format!(
                "the query string cannot be read: {} (요청 형식이 올바르지 않습니다)",
                rejection.body_text()
            ),
        )
    })?;
    check_jurisdiction(state, format, &params)?;
    Ok(params)
}

/// 404 for a `jurisdiction_id` that is not ours.
fn check_jurisdiction(
    state: &AppState,
    format: Format,
    params: &Params,
) -> Result<(), Open311Error> {
    match param(params, "jurisdiction_id") {
        Some(id) if id != state.open311().jurisdiction_id => Err(Open311Error::not_found(
            format,
            format!(
                "unknown jurisdiction_id {id}; this server serves {} (관할 기관을 찾을 수 없습니다)",
                state.open311().jurisdiction_id
            ),
        )),
        _ => Ok(()),
    }
}

/// The categories and departments, by code.
async fn directory(state: &AppState, format: Format) -> Result<Directory, Open311Error> {
    let api = |error: ApiError| Open311Error::from_api(format, error);
    let directory = &state.use_cases().directory;
    let categories = directory.categories().await.map_err(|e| api(e.into()))?;
    let departments = directory.departments().await.map_err(|e| api(e.into()))?;
    Ok(Directory::new(categories, &departments))
}

/// `GET discovery`, `GET services`, `GET requests`.
async fn collection(
    State(state): State<AppState>,
    Path(file): Path<String>,
    query: Result<Query<Params>, QueryRejection>,
) -> Answer {
    let (name, format) = resource(&file)?;
    let params = read_query(&state, format, query)?;
    let (root, body) = match name {
        "discovery" => ("discovery", records::discovery(state.open311())),
        "services" => ("services", directory(&state, format).await?.services()),
        "requests" => (
            "service_requests",
            list_requests(&state, format, &params).await?,
        ),
        _ => return Err(no_such(format)),
    };
    Ok(Document { root, body }.respond(format, StatusCode::OK))
}

fn no_such(format: Format) -> Open311Error {
    Open311Error::not_found(format, "no such resource (리소스를 찾을 수 없습니다)")
}

/// `GET services/{code}`: the service's definition (an empty attribute list).
async fn service_definition(
    State(state): State<AppState>,
    Path(file): Path<String>,
    query: Result<Query<Params>, QueryRejection>,
) -> Answer {
    let (code, format) = resource(&file)?;
    read_query(&state, format, query)?;
    let directory = directory(&state, format).await?;
    let category = directory
        .category(code)
        .ok_or_else(|| no_such_service(format, code))?;
    Ok(Document {
        root: "service_definition",
        body: records::service_definition(category),
    }
    .respond(format, StatusCode::OK))
}

fn no_such_service(format: Format, code: &str) -> Open311Error {
    Open311Error::not_found(
        format,
        format!("no such service {code}; see services (서비스를 찾을 수 없습니다)"),
    )
}

/// The public report a file name's receipt number names (`JB-2026-000123.xml`), if any.
async fn by_number(
    state: &AppState,
    file: &str,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<(String, Format, Option<ReportView>), Open311Error> {
    let (number, format) = resource(file)?;
    read_query(state, format, query)?;
    let found = window(
        state,
        format,
        WindowRequest {
            numbers: vec![number.to_owned()],
            ..WindowRequest::default()
        },
    )
    .await?;
    Ok((number.to_owned(), format, found.into_iter().next()))
}

/// `GET requests/{id}`: an array of one.
async fn one_request(
    State(state): State<AppState>,
    Path(file): Path<String>,
    query: Result<Query<Params>, QueryRejection>,
) -> Answer {
    let (id, format, view) = by_number(&state, &file, query).await?;
    let view = view.ok_or_else(|| {
        Open311Error::not_found(
            format,
            format!("no such service request {id} (신고를 찾을 수 없습니다)"),
        )
    })?;
    let body = request_records(&state, format, &[view]).await?;
    Ok(Document {
        root: "service_requests",
        body,
    }
    .respond(format, StatusCode::OK))
}

/// `GET tokens/{token}`: a token is the receipt number it stands for.
async fn token(
    State(state): State<AppState>,
    Path(file): Path<String>,
    query: Result<Query<Params>, QueryRejection>,
) -> Answer {
    let (token, format, view) = by_number(&state, &file, query).await?;
    let view = view.ok_or_else(|| {
        Open311Error::not_found(
            format,
            format!("no such token {token} (토큰을 찾을 수 없습니다)"),
        )
    })?;
    Ok(Document {
        root: "service_requests",
        body: records::token(&view.report.number.to_string()),
    }
    .respond(format, StatusCode::OK))
}

/// The reports of a window, as an anonymous caller sees them.
async fn window(
    state: &AppState,
    format: Format,
    request: WindowRequest,
) -> Result<Vec<ReportView>, Open311Error> {
    state
        .use_cases()
        .read
        .window(&Actor::Anonymous, request)
        .await
        .map_err(|error| Open311Error::from_api(format, error.into()))
}

/// Service requests of the views, each with its last public note.
async fn request_records(
    state: &AppState,
    format: Format,
    views: &[ReportView],
) -> Result<Node, Open311Error> {
    let directory = directory(state, format).await?;
    let mut items = Vec::with_capacity(views.len());
    for view in views {
        let timeline = state
            .use_cases()
            .read
            .timeline(&Actor::Anonymous, view.report.id)
            .await
            .map_err(|error| Open311Error::from_api(format, error.into()))?;
        items.push(directory.request(view, &timeline.entries, state.open311()));
    }
    Ok(Node::List("request", items))
}

/// `GET requests`: by `service_request_id` (a comma list, which overrides
/// the rest), else by `service_code`, `start_date`, `end_date` and
/// `status`; the last 90 days and at most 1,000 requests by default.
async fn list_requests(
    state: &AppState,
    format: Format,
    params: &Params,
) -> Result<Node, Open311Error> {
    let request = match param(params, "service_request_id") {
        Some(ids) => WindowRequest {
            numbers: ids
                .split(',')
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .map(str::to_owned)
                .collect(),
            ..WindowRequest::default()
        },
        None => {
            let category = match param(params, "service_code") {
                Some(code) => {
                    directory(state, format)
                        .await?
                        .category(code)
                        .ok_or_else(|| no_such_service(format, code))?;
                    Some(code.to_owned())
                }
                None => None,
            };
            let since = date_param(format, params, "start_date", false)?;
            let until = date_param(format, params, "end_date", true)?;
            if let (Some(since), Some(until)) = (since, until) {
                if since > until {
                    return Err(Open311Error::bad_request(
                        format,
                        "start_date must not be after end_date (시작일이 종료일보다 늦습니다)",
                    ));
                }
            }
            WindowRequest {
                numbers: Vec::new(),
                category,
                since,
                until,
                open: status_param(format, params)?,
            }
        }
    };
    let found = window(state, format, request).await?;
    request_records(state, format, &found).await
}

/// `status=open`, `closed` or both (comma-separated; both is no filter).
fn status_param(format: Format, params: &Params) -> Result<Option<bool>, Open311Error> {
    let Some(raw) = param(params, "status") else {
        return Ok(None);
    };
    let (mut open, mut closed) = (false, false);
    for status in raw.split(',').map(str::trim) {
        match status {
            "open" => open = true,
            "closed" => closed = true,
            _ => {
                return Err(Open311Error::bad_request(
                    format,
                    "status must be open, closed or open,closed (상태값이 올바르지 않습니다)",
                ))
            }
        }
    }
    Ok(if open == closed { None } else { Some(open) })
}

/// A W3C date-time with its offset (`2026-12-01T09:00:00+09:00`, `…Z`), or
/// a date (the start of that day in Korea, or its end for `end_date`).
fn date_param(
    format: Format,
    params: &Params,
    name: &str,
    end_of_day: bool,
) -> Result<Option<DateTime<Utc>>, Open311Error> {
    let Some(raw) = param(params, name) else {
        return Ok(None);
    };
    // A `+` of the offset that the client did not percent-encode arrives as a space.
    let raw = raw.replace(' ', "+");
    if let Ok(at) = DateTime::parse_from_rfc3339(&raw) {
        return Ok(Some(at.with_timezone(&Utc)));
    }
    if let Ok(day) = NaiveDate::parse_from_str(&raw, "%Y-%m-%d") {
        let time = if end_of_day {
            NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999)
        } else {
            Some(NaiveTime::MIN)
        };
        if let Some(time) = time {
            return Ok(Some(day.and_time(time).and_utc() - TimeDelta::hours(9)));
        }
    }
    Err(Open311Error::bad_request(
        format,
        format!(
            "{name} must be a W3C date-time with its offset, e.g. 2026-12-01T00:00:00+09:00 (날짜 형식이 올바르지 않습니다)"
        ),
    ))
}

/// `POST requests` (form-urlencoded): a service account's `api_key`,
/// `service_code`, `lat` and `long`, `description`; `address_string`,
/// `media_url`, the reporter's `email`, `first_name`, `last_name`, `phone`
/// and `attribute[code]` are optional. Contact details, `media_url` and
/// attributes are kept for officials only (an internal note on the report),
/// never published.
async fn submit(
    State(state): State<AppState>,
    Path(file): Path<String>,
    ip: ClientIp,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Answer {
    let (name, format) = resource(&file)?;
    if name != "requests" {
        return Err(method_not_allowed_in(format));
    }
    let Form(pairs) = form.map_err(|rejection| {
        Open311Error::bad_request(
            format,
            format!(
                "send the request as application/x-www-form-urlencoded: {} (요청 형식이 올바르지 않습니다)",
                rejection.body_text()
            ),
        )
    })?;
    let params: Params = pairs.iter().cloned().collect();
    check_jurisdiction(&state, format, &params)?;
    let actor = service_account(&state, format, param(&params, "api_key")).await?;
    let api = |error: ApiError| Open311Error::from_api(format, error);
    if let Some(user) = actor.user_id() {
        let throttle = state.throttle();
        let limits = *throttle.limits();
        throttle
            .hit(&format!("submit:ip:{}", ip.key()), limits.submit_per_ip)
            .await
            .map_err(api)?;
        throttle
            .hit(&format!("submit:user:{user}"), limits.submit_per_account)
            .await
            .map_err(api)?;
    }
    let code = param(&params, "service_code").ok_or_else(|| {
        Open311Error::bad_request(
            format,
            "service_code is required (서비스 코드가 필요합니다)",
        )
    })?;
    let directory = directory(&state, format).await?;
    let category = directory.category(code).ok_or_else(|| {
        Open311Error::bad_request(
            format,
            format!("unknown service_code {code}; see services (서비스 코드를 찾을 수 없습니다)"),
        )
    })?;
    let request = SubmitRequest {
        title: category.name.clone(),
        description: param(&params, "description").unwrap_or_default().to_owned(),
        lat: coordinate(format, &params, "lat")?,
        lng: coordinate(format, &params, "long")?,
        address: param(&params, "address_string").map(str::to_owned),
        category: Some(code.to_owned()),
        visibility: None,
        photos: Vec::new(),
    };
    if request.lat.is_none() && request.lng.is_none() && request.address.is_some() {
        return Err(Open311Error::bad_request(
            format,
            "lat and long are required: address_string alone cannot be located (위치(위도·경도)를 입력해 주세요)",
        ));
    }
    let submit = &state.use_cases().submit;
    let report = match contact(&pairs) {
        Some(contact) => submit.execute_with_contact(&actor, request, &contact).await,
        None => submit.execute(&actor, request).await,
    }
    .map_err(|error| api(error.into()))?;
    Ok(Document {
        root: "service_requests",
        body: records::created(&report.number.to_string()),
    }
    .respond(format, StatusCode::CREATED))
}

/// The service account an `api_key` belongs to; 403 without one that is valid.
async fn service_account(
    state: &AppState,
    format: Format,
    key: Option<&str>,
) -> Result<Actor, Open311Error> {
    let Some(key) = key else {
        return Err(Open311Error::forbidden(
            format,
            "api_key is required: a service account's API key (API 키가 필요합니다)",
        ));
    };
    let invalid = || {
        Open311Error::forbidden(
            format,
            "the api_key is unknown or revoked (API 키가 올바르지 않습니다)",
        )
    };
    if !key.starts_with(API_KEY_PREFIX) {
        return Err(invalid());
    }
    match authenticate_bearer(key, state).await {
        Ok(caller) => Ok(caller.actor),
        Err(error) if error.status() == StatusCode::UNAUTHORIZED => Err(invalid()),
        Err(error) => Err(Open311Error::from_api(format, error)),
    }
}

/// A `lat`/`long` number, or 400.
fn coordinate(format: Format, params: &Params, name: &str) -> Result<Option<f64>, Open311Error> {
    param(params, name)
        .map(|raw| {
            raw.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| {
                Open311Error::bad_request(
                    format,
                    format!("{name} must be a number of degrees (WGS84) (위치 값이 올바르지 않습니다)"),
                )
            })
        })
        .transpose()
}

/// What a request says for officials only: the reporter's contact details,
/// the media URL and the attributes, one per line (none: no note).
fn contact(pairs: &[(String, String)]) -> Option<String> {
    const LABELS: [(&str, &str); 6] = [
        ("first_name", "이름"),
        ("last_name", "성"),
        ("email", "이메일"),
        ("phone", "전화"),
        ("device_id", "기기 ID"),
        ("media_url", "미디어 URL"),
    ];
    let mut lines = Vec::new();
    for (field, label) in LABELS {
        if let Some((_, value)) = pairs
            .iter()
            .rev()
            .find(|(name, value)| name == field && !value.trim().is_empty())
        {
            lines.push(format!("{label} ({field}): {}", value.trim()));
        }
    }
    for (name, value) in pairs {
        if let Some(code) = name
            .strip_prefix("attribute[")
            .and_then(|n| n.strip_suffix(']'))
        {
            lines.push(format!("속성 (attribute) {code}: {}", value.trim()));
        }
    }
    (!lines.is_empty()).then(|| lines.join("\n"))
}

fn method_not_allowed_in(format: Format) -> Open311Error {
    Open311Error::new(
        format,
        StatusCode::METHOD_NOT_ALLOWED,
        "this resource does not accept that method (허용되지 않는 요청 방식입니다)",
    )
}

async fn no_such_resource(OriginalUri(uri): OriginalUri) -> Open311Error {
    no_such(Format::guess(uri.path()))
}

async fn method_not_allowed(OriginalUri(uri): OriginalUri) -> impl IntoResponse {
    method_not_allowed_in(Format::guess(uri.path()))
}
