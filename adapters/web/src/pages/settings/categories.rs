//! 분류와 처리 기한: each category with the SLA in force at every priority
//! (first response, resolution; the administrators' override or the
//! product's default) and its duplicate radius; editing them (the
//! directory's `update_category`, as `PUT /admin/categories/{code}`).

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::Form;
use maud::{html, Markup};
use sinmungo_core::app::{CategoryChange, DirectoryError, SlaRequest};
use sinmungo_core::domain::{Category, Department, FieldError, Invalid, Permission, Priority};
use sinmungo_http::AppState;

use crate::error::PageError;
use crate::format;
use crate::lang::{Lang, Text};
use crate::pages::settings::departments::failure;
use crate::pages::settings::{department_options, done, head, require, respond, DoneQuery, Notice};
use crate::session::Officer;

const TITLE: Text = Text("분류와 처리 기한", "Categories and deadlines");
const PATH: &str = "/admin/settings/categories";

/// What the category form's fields are called on the page.
const LABELS: [(&str, Text); 9] = [
    ("name", Text("이름", "Name")),
    ("name_en", Text("영문 이름", "English name")),
    (
        "default_priority",
        Text("기본 우선순위", "Default priority"),
    ),
    ("department", Text("기본 부서", "Default department")),
    (
        "duplicate_radius_m",
        Text("중복 검색 반경", "Duplicate search radius"),
    ),
    ("sla.urgent", Text("처리 기한(긴급)", "Deadlines (urgent)")),
    ("sla.high", Text("처리 기한(높음)", "Deadlines (high)")),
    ("sla.normal", Text("처리 기한(보통)", "Deadlines (normal)")),
    ("sla.low", Text("처리 기한(낮음)", "Deadlines (low)")),
];

/// Hours as an officer reads them: `8시간`, `3일` (whole days from two days
/// on); `8 h`, `3 d` in English.
fn hours(hours: i64) -> String {
    let lang = Lang::current();
    if hours >= 48 && hours % 24 == 0 {
        format!("{}{}", hours / 24, lang.pick("일", " d"))
    } else {
        format!("{hours}{}", lang.pick("시간", " h"))
    }
}

/// The category form as sent, by field name.
#[derive(Debug, Default, Clone)]
struct CategoryForm(HashMap<String, String>);

impl CategoryForm {
    fn of(category: &Category) -> Self {
        let mut fields = HashMap::from([
            ("name".to_owned(), category.name.clone()),
            ("name_en".to_owned(), category.name_en.clone()),
            (
                "default_priority".to_owned(),
                category.default_priority.as_str().to_owned(),
            ),
            ("department".to_owned(), category.department.to_string()),
            (
                "duplicate_radius_m".to_owned(),
                category.duplicate_radius_m.to_string(),
            ),
        ]);
        for (priority, sla) in category.sla.iter() {
            fields.insert(first_field(priority), sla.first_response_hours.to_string());
            fields.insert(resolution_field(priority), sla.resolution_hours.to_string());
        }
        Self(fields)
    }

    fn get(&self, name: &str) -> &str {
        self.0.get(name).map_or("", String::as_str)
    }

    /// The change the form asks for, or what in it is not a number.
    fn change(&self) -> Result<CategoryChange, Invalid> {
        let mut errors = Vec::new();
        let duplicate_radius_m = number(
            "duplicate_radius_m",
            self.get("duplicate_radius_m"),
            &mut errors,
        );
        let mut sla = BTreeMap::new();
        for priority in Priority::ALL {
            let field = format!("sla.{}", priority.as_str());
            let first = self.get(&first_field(priority)).trim();
            let resolution = self.get(&resolution_field(priority)).trim();
            let request = match (first.is_empty(), resolution.is_empty()) {
                (true, true) => None,
                (false, false) => {
                    let first = number(&field, first, &mut errors);
                    let resolution = number(&field, resolution, &mut errors);
                    match (first, resolution) {
                        (Some(first_response_hours), Some(resolution_hours)) => Some(SlaRequest {
                            first_response_hours,
                            resolution_hours,
                        }),
                        _ => continue,
                    }
                }
                _ => {
                    errors.push(FieldError::new(field, "incomplete_sla", "both or neither"));
                    continue;
                }
            };
            sla.insert(priority.as_str().to_owned(), request);
        }
        if !errors.is_empty() {
            return Err(Invalid(errors));
        }
        Ok(CategoryChange {
            name: Some(self.get("name").to_owned()),
            name_en: Some(self.get("name_en").to_owned()),
            default_priority: Some(self.get("default_priority").to_owned()),
            department: Some(self.get("department").to_owned()),
            sla,
            duplicate_radius_m,
        })
    }
}

/// A whole number, or an error for `field` in `errors`.
fn number(field: &str, raw: &str, errors: &mut Vec<FieldError>) -> Option<u32> {
    let parsed = raw.trim().parse::<u32>().ok();
    if parsed.is_none() {
        errors.push(FieldError::new(field, "not_a_number", "not a whole number"));
    }
    parsed
}

fn first_field(priority: Priority) -> String {
    format!("sla_{}_first", priority.as_str())
}

fn resolution_field(priority: Priority) -> String {
    format!("sla_{}_resolution", priority.as_str())
}

async fn load(state: &AppState) -> Result<(Vec<Category>, Vec<Department>), PageError> {
    let directory = &state.use_cases().directory;
    let internal = |error: DirectoryError| PageError::internal(&error);
    Ok((
        directory.categories().await.map_err(internal)?,
        directory.departments().await.map_err(internal)?,
    ))
}

fn department_name<'a>(departments: &'a [Department], code: &'a str) -> &'a str {
    departments
        .iter()
        .find(|d| d.code.as_str() == code)
        .map_or(code, |d| d.name.as_str())
}

/// `GET /admin/settings/categories`.
#[tracing::instrument(skip_all)]
pub(crate) async fn list(
    State(state): State<AppState>,
    officer: Officer,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let lang = Lang::current();
    require(&officer, Permission::ManageDirectory)?;
    let notice = query.notice(&[(
        "updated",
        (lang.pick(
            "분류를 고쳤습니다. 새로 접수되거나 분류가 바뀌는 신고부터 적용됩니다.",
            "The category was changed. It applies to reports received or reclassified from now on.",
        )),
    )]);
    let (categories, departments) = load(&state).await?;
    let body = html! {
        p {
            (lang.pick("처리 기한은 우선순위마다 첫 응답까지와 처리 완료까지의 시간입니다. ", "For each priority, the deadlines are the time to the first response and to resolution. "))
            (lang.pick("따로 정하지 않은 곳에는 기본값이 쓰입니다.", "Where none is set, the default applies."))
        }
        table.queue.categories {
            caption { (lang.pick("분류별 처리 기한 (첫 응답 / 처리 완료)", "Deadlines by category (first response / resolution)")) }
            thead {
                tr {
                    th scope="col" { (lang.pick("분류", "Category")) }
                    th scope="col" { (lang.pick("기본 우선순위", "Default priority")) }
                    th scope="col" { (lang.pick("기본 부서", "Default department")) }
                    @for priority in Priority::ALL {
                        th scope="col" { (format::priority(priority)) }
                    }
                    th scope="col" { (lang.pick("중복 검색 반경", "Duplicate search radius")) }
                }
            }
            tbody {
                @for category in &categories {
                    tr data-category=(category.code) {
                        th scope="row" {
                            a href={ (PATH) "/" (category.code) } { (category.name) }
                        }
                        td { (format::priority(category.default_priority)) }
                        td { (department_name(&departments, category.department.as_str())) }
                        @for priority in Priority::ALL {
                            (sla_cell(category, priority))
                        }
                        td { (category.duplicate_radius_m) "m" }
                    }
                }
            }
        }
    };
    Ok(respond(&officer, TITLE.get(), notice, &body))
}

fn sla_cell(category: &Category, priority: Priority) -> Markup {
    let lang = Lang::current();
    let sla = category.sla(priority);
    let overridden = category.sla.hours(priority).is_some();
    html! {
        td data-priority=(priority.as_str()) {
            (hours(sla.first_response.num_hours())) " / " (hours(sla.resolution.num_hours()))
            @if overridden { " " span.overridden { (lang.pick("(변경)", "(changed)")) } }
        }
    }
}

/// `GET /admin/settings/categories/{code}`: the edit form.
#[tracing::instrument(skip_all)]
pub(crate) async fn edit(
    State(state): State<AppState>,
    officer: Officer,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    require(&officer, Permission::ManageDirectory)?;
    let (categories, departments) = load(&state).await?;
    let category = categories
        .iter()
        .find(|c| c.code.as_str() == code)
        .ok_or_else(PageError::not_found)?;
    Ok(render_edit(
        &officer,
        category,
        &departments,
        &CategoryForm::of(category),
        None,
    ))
}

/// `POST /admin/settings/categories/{code}`.
#[tracing::instrument(skip_all)]
pub(crate) async fn update(
    State(state): State<AppState>,
    officer: Officer,
    Path(code): Path<String>,
    Form(fields): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    require(&officer, Permission::ManageDirectory)?;
    let form = CategoryForm(fields);
    officer.check_form(&state, form.get("csrf"))?;
    let outcome = match form.change() {
        Ok(change) => {
            state
                .use_cases()
                .directory
                .update_category(&officer.actor, &code, change)
                .await
        }
        Err(invalid) => Err(DirectoryError::Invalid(invalid)),
    };
    let invalid = match outcome {
        Ok(_) => return Ok(done(PATH, "updated")),
        Err(DirectoryError::Invalid(invalid)) => invalid,
        Err(other) => return Err(failure(other)),
    };
    let (categories, departments) = load(&state).await?;
    let category = categories
        .iter()
        .find(|c| c.code.as_str() == code)
        .ok_or_else(PageError::not_found)?;
    let notice = Notice::invalid(&invalid, &LABELS);
    Ok(render_edit(
        &officer,
        category,
        &departments,
        &form,
        Some(notice),
    ))
}

fn render_edit(
    officer: &Officer,
    category: &Category,
    departments: &[Department],
    form: &CategoryForm,
    notice: Option<Notice>,
) -> Response {
    let lang = Lang::current();
    let title = format!("{TITLE} — {}", category.name);
    let priority = form.get("default_priority");
    let body = html! {
        form.settings method="post" action={ (PATH) "/" (category.code) } {
            input type="hidden" name="csrf" value=(officer.form_token);
            p { (lang.pick("분류 코드: ", "Category code: ")) code { (category.code) } }
            p {
                label for="category-name" { (lang.pick("이름", "Name")) }
                input #category-name type="text" name="name" required maxlength="100" value=(form.get("name"));
            }
            p {
                label for="category-name-en" { (lang.pick("영문 이름", "English name")) }
                input #category-name-en type="text" name="name_en" required maxlength="100" value=(form.get("name_en"));
            }
            p {
                label for="category-priority" { (lang.pick("기본 우선순위", "Default priority")) }
                select #category-priority name="default_priority" {
                    @for p in Priority::ALL {
                        option value=(p.as_str()) selected[priority == p.as_str()] { (format::priority(p)) }
                    }
                }
            }
            p {
                label for="category-department" { (lang.pick("기본 부서", "Default department")) }
                select #category-department name="department" aria-describedby="category-department-hint" {
                    (department_options(departments, form.get("department"), None))
                }
                span #category-department-hint .hint { (lang.pick("관할에서 이 분류를 맡은 부서가 없을 때 배정되는 부서입니다.", "The department a report goes to when no department of its jurisdiction handles this category.")) }
            }
            p {
                label for="category-radius" { (lang.pick("중복 검색 반경 (m)", "Duplicate search radius (m)")) }
                input #category-radius type="number" name="duplicate_radius_m" required min="10" max="1000" step="1" value=(form.get("duplicate_radius_m"));
            }
            table.queue.sla {
                caption { (lang.pick("처리 기한 (시간). 비워 두면 기본값을 씁니다.", "Deadlines (hours). Leave empty for the default.")) }
                (head(&[(lang.pick("우선순위", "Priority")), (lang.pick("첫 응답까지", "To first response")), (lang.pick("처리 완료까지", "To resolution")), (lang.pick("기본값", "default"))]))
                tbody {
                    @for p in Priority::ALL {
                        @let default = p.default_sla();
                        @let first = first_field(p);
                        @let resolution = resolution_field(p);
                        tr {
                            th scope="row" { (format::priority(p)) }
                            td {
                                label.visually-hidden for=(first) { (format::priority(p)) (lang.pick(" 첫 응답까지 (시간)", " to first response (hours)")) }
                                input id=(first) type="number" name=(first) min="1" max="8760" step="1"
                                    placeholder=(default.first_response.num_hours()) value=(form.get(&first));
                            }
                            td {
                                label.visually-hidden for=(resolution) { (format::priority(p)) (lang.pick(" 처리 완료까지 (시간)", " to resolution (hours)")) }
                                input id=(resolution) type="number" name=(resolution) min="1" max="8760" step="1"
                                    placeholder=(default.resolution.num_hours()) value=(form.get(&resolution));
                            }
                            td {
                                (hours(default.first_response.num_hours())) " / " (hours(default.resolution.num_hours()))
                            }
                        }
                    }
                }
            }
            p { button type="submit" { (lang.pick("저장", "Save")) } }
        }
        p { a href=(PATH) { (lang.pick("분류 목록으로", "Back to the categories")) } }
    };
    respond(officer, &title, notice, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> CategoryForm {
        let mut fields: HashMap<String, String> = [
            ("name", "도로 파손"),
            ("name_en", "Road damage"),
            ("default_priority", "normal"),
            ("department", "road_management"),
            ("duplicate_radius_m", "250"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        for (k, v) in pairs {
            fields.insert((*k).to_owned(), (*v).to_owned());
        }
        CategoryForm(fields)
    }

    #[test]
    fn empty_sla_fields_restore_the_default_and_filled_ones_override() {
        let change = form(&[("sla_urgent_first", "1"), ("sla_urgent_resolution", "12")])
            .change()
            .unwrap();
        assert_eq!(
            change.sla["urgent"],
            Some(SlaRequest {
                first_response_hours: 1,
                resolution_hours: 12
            })
        );
        assert_eq!(change.sla["low"], None);
        assert_eq!(change.duplicate_radius_m, Some(250));
    }

    #[test]
    fn half_an_sla_or_words_are_refused_by_field() {
        let invalid = form(&[
            ("sla_high_first", "3"),
            ("sla_low_first", "x"),
            ("sla_low_resolution", "9"),
            ("duplicate_radius_m", "far"),
        ])
        .change()
        .unwrap_err();
        let fields: Vec<_> = invalid
            .0
            .iter()
            .map(|e| (e.field.as_str(), e.code))
            .collect();
        assert_eq!(
            fields,
            [
                ("duplicate_radius_m", "not_a_number"),
                ("sla.high", "incomplete_sla"),
                ("sla.low", "not_a_number"),
            ]
        );
    }

    #[test]
    fn hours_read_as_days_from_two_days_on() {
        assert_eq!(hours(2), "2시간");
        assert_eq!(hours(24), "24시간");
        assert_eq!(hours(72), "3일");
        assert_eq!(hours(50), "50시간");
    }
}
