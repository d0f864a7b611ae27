//! `GET /admin/stats`: statistics (통계) for officials who may read them —
//! counts by status, category, department and city or county, times to
//! first response and to resolution, SLA compliance, the backlog by age and
//! reports per day — as tables, with bar charts drawn on the server; and
//! `GET /admin/stats.csv`, the same figures as the API's CSV.

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use serde::Deserialize;
use sinmungo_core::app::{StatsError, StatsRequest};
use sinmungo_core::domain::permission::{grant, Permission};
use sinmungo_core::domain::stats::{Cell, PublishedCompliance, PublishedDurations, StatsReport};
use sinmungo_core::domain::ReportStatus;
use sinmungo_http::stats::{csv as stats_csv, StatsDto};
use sinmungo_http::AppState;

use crate::error::PageError;
use crate::format;
use crate::forms;
use crate::lang::Lang;
use crate::pages::charts::{self, Bar};
use crate::pages::{encode, layout};
use crate::session::Officer;

/// The filters, as the GET form sends them.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct StatsFilters {
    #[serde(default)]
    since: Option<String>,
    #[serde(default)]
    until: Option<String>,
    #[serde(default)]
    jurisdiction: Option<String>,
    #[serde(default)]
    department: Option<String>,
    #[serde(default)]
    category: Option<String>,
}

impl StatsFilters {
    fn fields(&self) -> [(&'static str, &str); 5] {
        fn value(field: &Option<String>) -> &str {
            field.as_deref().map(str::trim).unwrap_or_default()
        }
        [
            ("since", value(&self.since)),
            ("until", value(&self.until)),
            ("jurisdiction", value(&self.jurisdiction)),
            ("department", value(&self.department)),
            ("category", value(&self.category)),
        ]
    }

    fn value(&self, name: &str) -> &str {
        self.fields()
            .into_iter()
            .find(|(field, _)| *field == name)
            .map_or("", |(_, value)| value)
    }

    /// The filters as a query string, for the CSV link.
    fn query_string(&self) -> String {
        self.fields()
            .into_iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(name, value)| format!("{name}={}", encode(value)))
            .collect::<Vec<_>>()
            .join("&")
    }

    fn request(&self) -> StatsRequest {
        StatsRequest {
            since: self.since.clone(),
            until: self.until.clone(),
            jurisdiction: self.jurisdiction.clone(),
            department: self.department.clone(),
            category: self.category.clone(),
        }
    }
}

/// Whether the officer may read statistics (the API's permission table).
pub(crate) fn may_view(officer: &Officer) -> bool {
    grant(Some(officer.user.role), Permission::ViewStatistics).is_granted()
}

fn allowed(officer: &Officer) -> Result<(), PageError> {
    let lang = Lang::current();
    if may_view(officer) {
        Ok(())
    } else {
        Err(PageError::new(
            StatusCode::FORBIDDEN,
            lang.pick("접근 권한이 없습니다", "Access denied"),
            lang.pick(
                "통계는 통계 열람 권한이 있는 계정만 볼 수 있습니다.",
                "Statistics are only for accounts allowed to view them.",
            ),
        ))
    }
}

/// The statistics the filters ask for, or the page's answer to bad filters.
async fn report(
    state: &AppState,
    officer: &Officer,
    filters: &StatsFilters,
) -> Result<Result<StatsReport, Vec<String>>, PageError> {
    match state
        .use_cases()
        .stats
        .report(&officer.actor, &filters.request())
        .await
    {
        Ok(report) => Ok(Ok(report)),
        Err(StatsError::Invalid(invalid)) => Ok(Err(forms::messages(&invalid))),
        Err(StatsError::Unavailable(reason)) => Err(PageError::unavailable(&reason)),
        Err(StatsError::Unknown(error)) => Err(PageError::internal(&error)),
    }
}

/// Korean names of the codes statistics are broken down by.
struct Names {
    categories: Vec<(String, String)>,
    departments: Vec<(String, String)>,
    municipalities: Vec<(String, String)>,
}

/// Every category's code and Korean name, by name (the filter forms' choices).
pub(crate) async fn category_names(state: &AppState) -> Result<Vec<(String, String)>, PageError> {
    let mut categories: Vec<(String, String)> = state
        .use_cases()
        .directory
        .categories()
        .await
        .map_err(|error| PageError::internal(&error))?
        .into_iter()
        .map(|c| (c.code.to_string(), format::name(c.name, c.name_en)))
        .collect();
    categories.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(categories)
}

impl Names {
    async fn load(state: &AppState) -> Result<Self, PageError> {
        let use_cases = state.use_cases();
        let categories = category_names(state).await?;
        let mut departments: Vec<(String, String)> = use_cases
            .directory
            .departments()
            .await
            .map_err(|error| PageError::internal(&error))?
            .into_iter()
            .map(|d| (d.code.to_string(), format::name(d.name, d.name_en)))
            .collect();
        departments.sort_by(|a, b| a.1.cmp(&b.1));
        let municipalities = use_cases
            .stats
            .municipalities()
            .into_iter()
            .map(|(code, name)| (code.to_string(), name))
            .collect();
        Ok(Self {
            categories,
            departments,
            municipalities,
        })
    }

    fn of<'a>(list: &'a [(String, String)], code: &'a str) -> &'a str {
        list.iter()
            .find(|(c, _)| c == code)
            .map_or(code, |(_, name)| name.as_str())
    }

    fn department(&self, code: Option<&str>) -> String {
        let lang = Lang::current();
        code.map_or_else(
            || (lang.pick("미배정", "Unassigned")).to_owned(),
            |code| Self::of(&self.departments, code).to_owned(),
        )
    }
}

/// `GET /admin/stats`.
#[tracing::instrument(skip_all)]
pub(crate) async fn show(
    State(state): State<AppState>,
    officer: Officer,
    Query(filters): Query<StatsFilters>,
) -> Result<Response, PageError> {
    let lang = Lang::current();
    allowed(&officer)?;
    let names = Names::load(&state).await?;
    let (status, content) = match report(&state, &officer, &filters).await? {
        Ok(report) => (StatusCode::OK, figures(&report, &filters, &names)),
        Err(messages) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            html! {
                div.error role="alert" {
                    p { (lang.pick("조회 조건을 확인해 주세요.", "Please check the filters.")) }
                    ul { @for message in messages { li { (message) } } }
                }
            },
        ),
    };
    let body = html! {
        h1 { (lang.pick("통계", "Statistics")) }
        (form(&filters, &names))
        (content)
    };
    Ok((
        status,
        layout::page(lang.pick("통계", "Statistics"), Some(&officer), &body),
    )
        .into_response())
}

/// `GET /admin/stats.csv`: the API's CSV of the same filters.
#[tracing::instrument(skip_all)]
pub(crate) async fn csv(
    State(state): State<AppState>,
    officer: Officer,
    Query(filters): Query<StatsFilters>,
) -> Result<Response, PageError> {
    let lang = Lang::current();
    allowed(&officer)?;
    let report = report(&state, &officer, &filters)
        .await?
        .map_err(|messages| {
            PageError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                lang.pick("입력값을 확인해 주세요", "Please check your input"),
                messages.join(" "),
            )
        })?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"sinmungo-stats.csv\"",
            ),
        ],
        stats_csv(&StatsDto::from(report)),
    )
        .into_response())
}

fn select(id: &str, name: &str, label: &str, chosen: &str, options: &[(String, String)]) -> Markup {
    let lang = Lang::current();
    html! {
        p {
            label for=(id) { (label) }
            select id=(id) name=(name) {
                option value="" selected[chosen.is_empty()] { (lang.pick("전체", "All")) }
                @for (code, text) in options {
                    option value=(code) selected[chosen == code.as_str()] { (text) }
                }
            }
        }
    }
}

fn form(filters: &StatsFilters, names: &Names) -> Markup {
    let lang = Lang::current();
    html! {
        form.filters method="get" action="/admin/stats" aria-label=(lang.pick("통계 조회 조건", "Statistics filters")) {
            p {
                label for="stats-since" { (lang.pick("시작일", "From")) }
                input #stats-since type="date" name="since" value=(filters.value("since"));
            }
            p {
                label for="stats-until" { (lang.pick("종료일 (포함)", "To (inclusive)")) }
                input #stats-until type="date" name="until" value=(filters.value("until"));
            }
            (select("stats-jurisdiction", "jurisdiction", lang.pick("관할 시·군", "City or county"), filters.value("jurisdiction"), &names.municipalities))
            (select("stats-department", "department", lang.pick("부서", "Department"), filters.value("department"), &names.departments))
            (select("stats-category", "category", lang.pick("분류", "Category"), filters.value("category"), &names.categories))
            p { button type="submit" { (lang.pick("조회", "Show")) } }
        }
    }
}

/// A count as shown: withheld counts (never for officials) as a dash.
fn cell(count: Cell) -> String {
    count.map_or_else(|| "–".to_owned(), |n| n.to_string())
}

fn seconds(value: Option<i64>) -> String {
    value.map_or_else(|| "–".to_owned(), format::duration)
}

fn percent(compliance: &PublishedCompliance) -> String {
    compliance
        .percent
        .map_or_else(|| "–".to_owned(), |p| format!("{p:.1}%"))
}

/// A table of counts: one row per key, its Korean name first.
fn counts(id: &str, caption: &str, key: &str, rows: &[(String, Cell)]) -> Markup {
    let lang = Lang::current();
    html! {
        table.stats id=(id) {
            caption { (caption) }
            thead { tr { th scope="col" { (key) } th.number scope="col" { (lang.pick("건수", "Reports")) } } }
            tbody {
                @for (name, count) in rows {
                    tr { th scope="row" { (name) } td.number { (cell(*count)) } }
                }
            }
        }
    }
}

/// An age band of the backlog, in Korean.
fn band(name: &str) -> &str {
    let lang = Lang::current();
    match name {
        "under_1d" => lang.pick("1일 미만", "Under 1 day"),
        "1d_to_3d" => lang.pick("1일 ~ 3일", "1–3 days"),
        "3d_to_7d" => lang.pick("3일 ~ 7일", "3–7 days"),
        "7d_to_30d" => lang.pick("7일 ~ 30일", "7–30 days"),
        "30d_or_more" => lang.pick("30일 이상", "30 days or more"),
        other => other,
    }
}

fn bars(rows: &[(String, Cell)]) -> Vec<Bar> {
    rows.iter()
        .map(|(label, count)| Bar {
            label: label.clone(),
            value: count.unwrap_or(0),
        })
        .collect()
}

fn figures(report: &StatsReport, filters: &StatsFilters, names: &Names) -> Markup {
    let lang = Lang::current();
    let query = filters.query_string();
    let csv_link = if query.is_empty() {
        "/admin/stats.csv".to_owned()
    } else {
        format!("/admin/stats.csv?{query}")
    };
    let by_status: Vec<(String, Cell)> = report
        .by_status
        .iter()
        .map(|(code, n)| {
            let label = ReportStatus::parse(code)
                .map_or_else(|_| code.clone(), |s| format::status(s).to_owned());
            (label, *n)
        })
        .collect();
    let by_category: Vec<(String, Cell)> = report
        .by_category
        .iter()
        .map(|(code, n)| (Names::of(&names.categories, code).to_owned(), *n))
        .collect();
    let by_department: Vec<(String, Cell)> = report
        .by_department
        .iter()
        .map(|(code, n)| (names.department(code.as_deref()), *n))
        .collect();
    let by_jurisdiction: Vec<(String, Cell)> = report
        .by_jurisdiction
        .iter()
        .map(|(code, n)| (Names::of(&names.municipalities, code).to_owned(), *n))
        .collect();
    let backlog: Vec<(String, Cell)> = report
        .backlog
        .iter()
        .map(|(name, n)| (band(name).to_owned(), *n))
        .collect();
    let per_day: Vec<(String, Cell)> = report
        .per_day
        .iter()
        .map(|(day, n)| (day.format("%Y-%m-%d").to_string(), *n))
        .collect();
    let durations: [(&str, &PublishedDurations); 2] = [
        (
            (lang.pick("최초 응답까지", "To first response")),
            &report.first_response,
        ),
        (
            (lang.pick("처리 완료까지", "To resolution")),
            &report.resolution,
        ),
    ];
    let compliance_rows: Vec<(String, &PublishedCompliance)> =
        std::iter::once(((lang.pick("전체", "All")).to_owned(), &report.compliance))
            .chain(
                report
                    .compliance_by_department
                    .iter()
                    .map(|(code, c)| (names.department(code.as_deref()), c)),
            )
            .collect();
    html! {
        section aria-labelledby="stats-summary" {
            h2 #stats-summary { (lang.pick("요약", "Summary")) }
            p.total { (lang.pick("신고 ", "Reports: ")) strong #stats-total { (cell(report.total)) } (lang.pick("건", "")) }
            p { a.download href=(csv_link) download { (lang.pick("CSV 내려받기", "Download CSV")) } }
        }
        section aria-labelledby="stats-counts" {
            h2 #stats-counts { (lang.pick("건수", "Reports")) }
            (counts("stats-by-status", lang.pick("상태별 건수", "Count by status"), lang.pick("상태", "Status"), &by_status))
            (counts("stats-by-category", lang.pick("분류별 건수", "Reports by category"), lang.pick("분류", "Category"), &by_category))
            (charts::rows("chart-by-category", lang.pick("분류별 건수 막대그래프 (표: 분류별 건수)", "Bar chart of reports by category (table: reports by category)"), &bars(&by_category)))
            (counts("stats-by-department", lang.pick("부서별 건수", "Reports by department"), lang.pick("부서", "Department"), &by_department))
            (counts("stats-by-jurisdiction", lang.pick("관할 시·군별 건수", "Reports by city or county"), lang.pick("시·군", "City or county"), &by_jurisdiction))
        }
        section aria-labelledby="stats-times" {
            h2 #stats-times { (lang.pick("처리 시간", "Handling time")) }
            table.stats #stats-durations {
                caption { (lang.pick("접수부터 걸린 시간 (중앙값, 90백분위)", "Time since receipt (median, 90th percentile)")) }
                thead {
                    tr {
                        th scope="col" { (lang.pick("구분", "Measure")) }
                        th.number scope="col" { (lang.pick("건수", "Reports")) }
                        th.number scope="col" { (lang.pick("중앙값", "Median")) }
                        th.number scope="col" { (lang.pick("90백분위", "90th percentile")) }
                    }
                }
                tbody {
                    @for (label, d) in durations {
                        tr {
                            th scope="row" { (label) }
                            td.number { (cell(d.count)) }
                            td.number { (seconds(d.median_seconds)) }
                            td.number { (seconds(d.p90_seconds)) }
                        }
                    }
                }
            }
        }
        section aria-labelledby="stats-sla" {
            h2 #stats-sla { (lang.pick("처리 기한 준수", "Deadlines met")) }
            table.stats #stats-compliance {
                caption { (lang.pick("처리 완료된 신고 중 기한 안에 처리된 비율 (부서별)", "Share of resolved reports resolved in time (by department)")) }
                thead {
                    tr {
                        th scope="col" { (lang.pick("부서", "Department")) }
                        th.number scope="col" { (lang.pick("처리 완료", "Resolved")) }
                        th.number scope="col" { (lang.pick("기한 내", "In time")) }
                        th.number scope="col" { (lang.pick("준수율", "Rate")) }
                    }
                }
                tbody {
                    @for (name, c) in &compliance_rows {
                        tr {
                            th scope="row" { (name) }
                            td.number { (cell(c.resolved)) }
                            td.number { (cell(c.in_time)) }
                            td.number { (percent(c)) }
                        }
                    }
                }
            }
        }
        section aria-labelledby="stats-backlog" {
            h2 #stats-backlog { (lang.pick("미처리 신고", "Open reports")) }
            (counts("stats-by-age", lang.pick("처리 중인 신고의 경과 기간별 건수", "Open reports by age"), lang.pick("경과 기간", "Age"), &backlog))
        }
        section aria-labelledby="stats-days" {
            h2 #stats-days { (lang.pick("일별 접수", "Reports per day")) }
            @if per_day.is_empty() {
                p.empty { (lang.pick("이 기간에 접수된 신고가 없습니다.", "No reports were received in this period.")) }
            } @else {
                (charts::columns("chart-per-day", lang.pick("일별 접수 건수 막대그래프 (표: 일별 접수 건수)", "Bar chart of reports per day (table: reports per day)"), &bars(&per_day)))
                (counts("stats-per-day", lang.pick("일별 접수 건수 (한국 시간 기준)", "Reports per day (KST)"), lang.pick("날짜", "Date"), &per_day))
            }
        }
    }
}
