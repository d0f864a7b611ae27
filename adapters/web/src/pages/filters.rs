//! The report filters the queue and the map share — status, category,
//! overdue — as their GET forms send them, and the form itself.

use axum::http::StatusCode;
use maud::{html, Markup};
use serde::Deserialize;
use sinmungo_core::app::ViewError;
use sinmungo_core::domain::ReportStatus;

use crate::error::PageError;
use crate::format;
use crate::forms;
use crate::lang::Lang;
use crate::pages::encode;

/// The open statuses a department's queue (and its map) holds.
pub(crate) const OPEN: [ReportStatus; 3] = [
    ReportStatus::Received,
    ReportStatus::Assigned,
    ReportStatus::InProgress,
];

/// `status`, `category` and `overdue`, as a GET form sends them.
#[derive(Debug, Default, Clone, Deserialize)]
pub(crate) struct ReportFilters {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub overdue: Option<String>,
}

/// How a page shows the form: where it goes and how its controls are named.
pub(crate) struct FilterForm<'a> {
    /// The page the form reloads.
    pub action: &'a str,
    /// The prefix of the controls' ids (`filter` → `filter-status`, …).
    pub id: &'a str,
    /// The form's accessible name.
    pub label: &'a str,
    /// The statuses offered.
    pub statuses: &'a [ReportStatus],
    /// The categories offered, `(code, name)`, in the order shown.
    pub categories: &'a [(String, String)],
}

impl ReportFilters {
    /// Whether only overdue reports are asked for.
    pub(crate) fn overdue(&self) -> bool {
        matches!(self.overdue.as_deref(), Some("on" | "true" | "1"))
    }

    fn value(field: Option<&String>) -> &str {
        field.map(|v| v.trim()).unwrap_or_default()
    }

    /// The filters as a query string, for links that keep them.
    pub(crate) fn query_string(&self) -> String {
        let mut parts = Vec::new();
        for (name, value) in [
            ("status", self.status.as_ref()),
            ("category", self.category.as_ref()),
        ] {
            let value = Self::value(value);
            if !value.is_empty() {
                parts.push(format!("{name}={}", encode(value)));
            }
        }
        if self.overdue() {
            parts.push("overdue=on".to_owned());
        }
        parts.join("&")
    }

    /// The GET form, showing these filters.
    pub(crate) fn form(&self, form: &FilterForm<'_>) -> Markup {
        let lang = Lang::current();
        let status = Self::value(self.status.as_ref());
        let category = Self::value(self.category.as_ref());
        let id = |name: &str| format!("{}-{name}", form.id);
        html! {
            form.filters method="get" action=(form.action) aria-label=(form.label) {
                p {
                    label for=(id("status")) { (lang.pick("상태", "Status")) }
                    select id=(id("status")) name="status" {
                        option value="" selected[status.is_empty()] { (lang.pick("전체", "All")) }
                        @for s in form.statuses {
                            option value=(s.as_str()) selected[status == s.as_str()] { (format::status(*s)) }
                        }
                    }
                }
                p {
                    label for=(id("category")) { (lang.pick("분류", "Category")) }
                    select id=(id("category")) name="category" {
                        option value="" selected[category.is_empty()] { (lang.pick("전체", "All")) }
                        @for (code, name) in form.categories {
                            option value=(code) selected[category == code.as_str()] { (name) }
                        }
                    }
                }
                p {
                    input id=(id("overdue")) type="checkbox" name="overdue" value="on" checked[self.overdue()];
                    label for=(id("overdue")) { (lang.pick("기한 초과만", "Overdue only")) }
                }
                p { button type="submit" { (lang.pick("적용", "Apply")) } }
            }
        }
    }
}

/// What a filtered list page shows when the list use case refuses:
/// `no_department` (said in the page's words) for an officer without a
/// department, the refused filters in a 422; any other refusal is the
/// error page.
pub(crate) fn refused(
    error: ViewError,
    no_department: (&str, &str),
) -> Result<(StatusCode, Markup), PageError> {
    let lang = Lang::current();
    match error {
        ViewError::Invalid(invalid) if invalid.0.iter().any(|e| e.code == "no_department") => Ok((
            StatusCode::OK,
            html! { p.notice role="status" { (lang.pick(no_department.0, no_department.1)) } },
        )),
        ViewError::Invalid(invalid) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            html! {
                div.error role="alert" {
                    p { (lang.pick("검색 조건을 확인해 주세요.", "Please check the filters.")) }
                    ul { @for message in forms::messages(&invalid) { li { (message) } } }
                }
            },
        )),
        other => Err(other.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::ReportFilters;

    #[test]
    fn the_query_string_keeps_what_was_asked() {
        let filters = ReportFilters {
            status: Some(" received ".to_owned()),
            category: Some("도로".to_owned()),
            overdue: Some("on".to_owned()),
        };
        assert_eq!(
            filters.query_string(),
            "status=received&category=%EB%8F%84%EB%A1%9C&overdue=on"
        );
        assert_eq!(ReportFilters::default().query_string(), "");
    }
}
