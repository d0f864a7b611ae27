//! `GET /admin/map`: the officer's reports on a map (지도) — the
//! department's open reports as the queue holds them, every report for
//! those who act everywhere (administrators) — with the queue's filters and
//! a table of the same reports beneath, which works without the map. The
//! map itself is Leaflet, started by `assets/map.js` from the map element's
//! `data-` attributes; it fetches `GET /admin/map/reports.json` for the
//! part of the map in view and draws one circle per report.

use axum::extract::{Extension, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use maud::{html, Markup};
use serde::{Deserialize, Serialize};
use sinmungo_core::app::{ListRequest, ViewError};
use sinmungo_core::domain::permission::{grant, Grant, Permission};
use sinmungo_core::domain::ReportStatus;
use sinmungo_http::AppState;

use crate::error::PageError;
use crate::format;
use crate::forms;
use crate::lang::Lang;
use crate::pages::filters::{self, FilterForm, ReportFilters, OPEN};
use crate::pages::layout;
use crate::pages::stats::category_names;
use crate::security;
use crate::session::Officer;
use crate::ConsoleConfig;

/// The most reports one map shows; past it the officer is asked to zoom in
/// or narrow the filters.
const MAX_REPORTS: usize = 500;

/// Reports fetched per page of the list use case.
const PAGE: u32 = 100;

/// Where the map opens: the middle of Jeonbuk, the whole province in view.
const CENTRE: (f64, f64) = (35.72, 127.15);
const ZOOM: u8 = 9;

/// The filters, as the GET form (and the map's script) send them.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct MapFilters {
    #[serde(flatten)]
    filters: ReportFilters,
    /// `minLng,minLat,maxLng,maxLat`: the part of the map in view.
    #[serde(default)]
    bbox: Option<String>,
}

/// Whether the officer's map holds every report (those who act on every
/// report: administrators) rather than the department's queue.
fn everywhere(officer: &Officer) -> bool {
    grant(Some(officer.user.role), Permission::TransitionReport) == Grant::Everywhere
}

/// One report on the map, as the script reads it.
#[derive(Debug, Serialize)]
struct Pin {
    id: String,
    number: String,
    title: String,
    status: &'static str,
    status_label: &'static str,
    lat: f64,
    lng: f64,
    url: String,
    overdue: bool,
}

/// The reports of the officer's map, up to [`MAX_REPORTS`], and whether
/// there were more.
async fn pins(
    state: &AppState,
    officer: &Officer,
    filters: &MapFilters,
) -> Result<(Vec<Pin>, bool), ViewError> {
    let mut pins = Vec::new();
    let mut cursor = None;
    loop {
        let request = ListRequest {
            queue: (!everywhere(officer)).then(|| "department".to_owned()),
            status: filters.filters.status.clone(),
            category: filters.filters.category.clone(),
            overdue: filters.filters.overdue(),
            bbox: filters.bbox.clone(),
            cursor,
            limit: Some(PAGE),
            ..ListRequest::default()
        };
        let list = state.use_cases().read.list(&officer.actor, request).await?;
        for view in list.items {
            let report = &view.report;
            pins.push(Pin {
                id: report.id.to_string(),
                number: report.number.to_string(),
                status: report.status.as_str(),
                status_label: format::status(report.status),
                lat: report.location.lat(),
                lng: report.location.lng(),
                url: format!("/admin/reports/{}", report.id),
                overdue: view.overdue,
                title: view.title,
            });
        }
        match list.next {
            Some(next) if pins.len() < MAX_REPORTS => cursor = Some(next.to_string()),
            Some(_) => {
                pins.truncate(MAX_REPORTS);
                return Ok((pins, true));
            }
            None => return Ok((pins, false)),
        }
    }
}

/// The answer of the JSON endpoint.
#[derive(Debug, Serialize)]
struct PinsAnswer {
    reports: Vec<Pin>,
    /// More reports matched than the map shows.
    truncated: bool,
}

/// A refusal of the JSON endpoint, in Korean.
#[derive(Debug, Serialize)]
struct PinsRefusal {
    errors: Vec<String>,
}

/// `GET /admin/map/reports.json?bbox=…&status=…&category=…&overdue=on`.
#[tracing::instrument(skip_all)]
pub(crate) async fn reports(
    State(state): State<AppState>,
    officer: Officer,
    Query(filters): Query<MapFilters>,
) -> Result<Response, PageError> {
    match pins(&state, &officer, &filters).await {
        Ok((reports, truncated)) => Ok(Json(PinsAnswer { reports, truncated }).into_response()),
        Err(ViewError::Invalid(invalid)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(PinsRefusal {
                errors: forms::messages(&invalid),
            }),
        )
            .into_response()),
        Err(other) => Err(other.into()),
    }
}

/// `GET /admin/map`.
#[tracing::instrument(skip_all)]
pub(crate) async fn show(
    State(state): State<AppState>,
    Extension(config): Extension<ConsoleConfig>,
    officer: Officer,
    Query(mut filters): Query<MapFilters>,
) -> Result<Response, PageError> {
    let lang = Lang::current();
    // The page lists everything the filters select; the map's script asks for the box in view.
    filters.bbox = None;
    let categories = category_names(&state).await?;
    let all = everywhere(&officer);
    let (status, content) = match pins(&state, &officer, &filters).await {
        Ok((pins, truncated)) => (
            StatusCode::OK,
            html! {
                (map(&config, &filters))
                (table(&pins, truncated))
            },
        ),
        Err(error) => filters::refused(error, (
            "소속 부서가 없어 부서의 신고를 지도에 표시할 수 없습니다. 관리자에게 부서 지정을 요청하세요.",
            "You have no department, so there are no department reports to map. Ask an administrator to assign you one.",
        ))?,
    };
    let body = html! {
        link rel="stylesheet" href="/admin/assets/leaflet.css";
        script src="/admin/assets/leaflet.js" defer {}
        script src="/admin/assets/map.js" defer {}
        h1 { (lang.pick("지도", "Map")) }
        p.lead {
            @if all { (lang.pick("모든 신고를 지도에 표시합니다.", "Every report is shown on the map.")) }
            @else { (lang.pick("부서 대기열의 신고(처리 중인 신고)를 지도에 표시합니다.", "The department queue’s open reports are shown on the map.")) }
        }
        (form(&filters, &categories, all))
        (content)
    };
    let mut response = (
        status,
        layout::page(lang.pick("지도", "Map"), Some(&officer), &body),
    )
        .into_response();
    if let Some(source) = config.map_tiles.source() {
        let policy = HeaderValue::from_str(&security::allowing_images_from(source))
            .map_err(|error| PageError::internal(&error))?;
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    Ok(response)
}

fn form(filters: &MapFilters, categories: &[(String, String)], all: bool) -> Markup {
    let lang = Lang::current();
    filters.filters.form(&FilterForm {
        action: "/admin/map",
        id: "map",
        label: (lang.pick("지도 검색 조건", "Map filters")),
        statuses: if all { &ReportStatus::ALL } else { &OPEN },
        categories,
    })
}

/// The map element: everything the script needs in `data-` attributes,
/// and a note for when the script or Leaflet cannot run.
fn map(config: &ConsoleConfig, filters: &MapFilters) -> Markup {
    let lang = Lang::current();
    let query = filters.filters.query_string();
    let endpoint = if query.is_empty() {
        "/admin/map/reports.json".to_owned()
    } else {
        format!("/admin/map/reports.json?{query}")
    };
    html! {
        div #map .map role="region" aria-label=(lang.pick("신고 지도", "Map of reports"))
            data-tiles=(config.map_tiles.url())
            data-attribution=(attribution(&config.map_tiles))
            data-lat=(CENTRE.0) data-lng=(CENTRE.1) data-zoom=(ZOOM)
            data-reports=(endpoint)
            // What map.js says, in the page's language.
            data-late=(lang.pick("기한 초과", "Overdue"))
            data-view-report=(lang.pick("신고 보기", "View report"))
            data-loading=(lang.pick("신고를 불러오는 중입니다…", "Loading reports…"))
            data-load-failed=(lang.pick("신고를 불러오지 못했습니다.", "The reports could not be loaded."))
            data-load-failed-list=(lang.pick("신고를 불러오지 못했습니다. 아래 목록을 이용하세요.", "The reports could not be loaded. Use the list below."))
            data-shown=(lang.pick("지도에 신고 {n}건을 표시했습니다.", "{n} reports shown on the map."))
            data-shown-more=(lang.pick("지도에 신고 {n}건을 표시했습니다 (더 있음: 지도를 확대하세요).", "{n} reports shown on the map (there are more: zoom in).")) {
            p.map-fallback { (lang.pick("지도를 표시할 수 없습니다. 아래 목록에서 같은 신고를 볼 수 있습니다.", "The map cannot be shown. The list below has the same reports.")) }
        }
        p.map-status #map-status-text role="status" aria-live="polite" {}
    }
}

/// The same reports as a table: the map's text alternative.
fn table(pins: &[Pin], truncated: bool) -> Markup {
    let lang = Lang::current();
    html! {
        section aria-labelledby="map-list-heading" {
            h2 #map-list-heading { (lang.pick("지도의 신고 목록", "Reports on the map")) }
            @if truncated {
                p.notice role="status" {
                    (lang.pick("조건에 맞는 신고가 ", "More than ")) (MAX_REPORTS) (lang.pick("건을 넘어 ", " reports match; only ")) (MAX_REPORTS) (lang.pick("건만 표시합니다. 조건을 좁혀 주세요.", " are shown. Please narrow the filters."))
                }
            }
            @if pins.is_empty() {
                p.empty { (lang.pick("조건에 맞는 신고가 없습니다.", "No reports match.")) }
            } @else {
                table.queue #map-list {
                    caption { (lang.pick("지도에 표시되는 신고 ", "Reports on the map: ")) (pins.len()) (lang.pick("건 (위치 포함)", " (with location)")) }
                    thead {
                        tr {
                            th scope="col" { (lang.pick("접수번호", "Number")) }
                            th scope="col" { (lang.pick("제목", "Title")) }
                            th scope="col" { (lang.pick("상태", "Status")) }
                            th scope="col" { (lang.pick("위도", "Latitude")) }
                            th scope="col" { (lang.pick("경도", "Longitude")) }
                        }
                    }
                    tbody {
                        @for pin in pins {
                            tr.breached[pin.overdue] data-report=(pin.id) {
                                th scope="row" { (pin.number) }
                                td { a href=(pin.url) { (pin.title) } }
                                td {
                                    span.status data-status=(pin.status) { (pin.status_label) }
                                    @if pin.overdue { " " span.late { (lang.pick("기한 초과", "Overdue")) } }
                                }
                                td { (format!("{:.5}", pin.lat)) }
                                td { (format!("{:.5}", pin.lng)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The tiles' attribution; OpenStreetMap's own in the page's language.
fn attribution(tiles: &crate::MapTiles) -> &str {
    let own = tiles.attribution();
    if own == crate::MapTiles::OPENSTREETMAP_ATTRIBUTION {
        Lang::current().pick(own, "© OpenStreetMap contributors")
    } else {
        own
    }
}
