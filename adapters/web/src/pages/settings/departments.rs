//! 부서와 배정 규칙: the departments with the city or county each serves
//! and the categories it handles — which is how reports are routed —;
//! creating and editing them (the directory's `create_department` and
//! `update_department`, as `POST`/`PUT /admin/departments`).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use maud::{html, Markup};
use sinmungo_core::app::{DepartmentRequest, DirectoryError};
use sinmungo_core::domain::{Category, Department, Jurisdiction, Permission};
use sinmungo_http::AppState;

use crate::error::PageError;
use crate::lang::{Lang, Text};
use crate::pages::settings::{done, head, require, respond, DoneQuery, Notice};
use crate::session::Officer;

const TITLE: Text = Text("부서와 배정 규칙", "Departments and routing");
const PATH: &str = "/admin/settings/departments";

/// What the department form's fields are called on the page.
const LABELS: [(&str, Text); 5] = [
    ("department", Text("부서 코드", "Department code")),
    ("name", Text("이름", "Name")),
    ("name_en", Text("영문 이름", "English name")),
    ("jurisdiction", Text("관할", "Jurisdiction")),
    ("categories", Text("담당 분류", "Categories handled")),
];

/// The department form as sent (`categories` repeats, one per checkbox).
#[derive(Debug, Default, Clone)]
pub(crate) struct DepartmentForm {
    csrf: String,
    code: String,
    name: String,
    name_en: String,
    jurisdiction: String,
    categories: Vec<String>,
}

impl DepartmentForm {
    fn parse(pairs: Vec<(String, String)>) -> Self {
        let mut form = Self::default();
        for (name, value) in pairs {
            match name.as_str() {
                "csrf" => form.csrf = value,
                "code" => form.code = value,
                "name" => form.name = value,
                "name_en" => form.name_en = value,
                "jurisdiction" => form.jurisdiction = value,
                "categories" => form.categories.push(value),
                _ => {}
            }
        }
        form
    }

    fn of(department: &Department) -> Self {
        Self {
            csrf: String::new(),
            code: department.code.to_string(),
            name: department.name.clone(),
            name_en: department.name_en.clone(),
            jurisdiction: department
                .jurisdiction
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            categories: department
                .categories
                .iter()
                .map(ToString::to_string)
                .collect(),
        }
    }

    fn request(&self) -> DepartmentRequest {
        DepartmentRequest {
            name: self.name.clone(),
            name_en: Some(self.name_en.trim())
                .filter(|n| !n.is_empty())
                .map(str::to_owned),
            jurisdiction: Some(self.jurisdiction.clone()),
            categories: self.categories.clone(),
        }
    }
}

/// What the page needs besides the departments.
struct Directory {
    departments: Vec<Department>,
    categories: Vec<Category>,
    municipalities: Vec<Jurisdiction>,
}

impl Directory {
    async fn load(state: &AppState) -> Result<Self, PageError> {
        let directory = &state.use_cases().directory;
        let internal = |error: DirectoryError| PageError::internal(&error);
        Ok(Self {
            departments: directory.departments().await.map_err(internal)?,
            categories: directory.categories().await.map_err(internal)?,
            municipalities: directory.municipalities(),
        })
    }

    fn place(&self, department: &Department) -> String {
        let lang = Lang::current();
        match &department.jurisdiction {
            None => (lang.pick("도 전체", "Whole province")).to_owned(),
            Some(code) => self
                .municipalities
                .iter()
                .find(|m| m.code == code.as_str())
                .map_or_else(|| code.to_string(), |m| m.name.clone()),
        }
    }

    fn category_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.categories
            .iter()
            .find(|c| c.code.as_str() == code)
            .map_or(code, |c| c.name.as_str())
    }

    fn department_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.departments
            .iter()
            .find(|d| d.code.as_str() == code)
            .map_or(code, |d| d.name.as_str())
    }
}

/// A refusal of a directory change: shown on the page, or a page of its own.
fn refusal(error: DirectoryError, directory: &Directory) -> Result<Notice, PageError> {
    match error {
        DirectoryError::Invalid(invalid) => Ok(Notice::invalid(&invalid, &LABELS)),
        DirectoryError::DepartmentExists(code) => Ok(Notice::new(
            StatusCode::CONFLICT,
            vec![Lang::current().pick_string(
                || format!("부서 코드: {code} 부서가 이미 있습니다. 다른 코드를 쓰세요."),
                || format!("Department code: a department {code} already exists. Use another code."),
            )],
        )),
        DirectoryError::RoutingConflict { category, other } => Ok(Notice::new(
            StatusCode::CONFLICT,
            vec![Lang::current().pick_string(
                || format!(
                    "담당 분류: 같은 관할에서 {} 부서가 이미 '{}' 분류를 담당합니다. 먼저 그 부서에서 빼 주세요.",
                    directory.department_name(other.as_str()),
                    directory.category_name(category.as_str()),
                ),
                || format!(
                    "Categories handled: in the same jurisdiction, {} already handles '{}'. Remove it from that department first.",
                    directory.department_name(other.as_str()),
                    directory.category_name(category.as_str()),
                ),
            )],
        )),
        other => Err(failure(other)),
    }
}

/// The page for a directory failure no form can fix.
pub(super) fn failure(error: DirectoryError) -> PageError {
    match error {
        DirectoryError::SignInRequired | DirectoryError::Forbidden => super::forbidden(),
        DirectoryError::NotFound(_) => PageError::not_found(),
        DirectoryError::Unavailable(reason) => PageError::unavailable(&reason),
        other => PageError::internal(&other),
    }
}

/// `GET /admin/settings/departments`.
#[tracing::instrument(skip_all)]
pub(crate) async fn list(
    State(state): State<AppState>,
    officer: Officer,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let lang = Lang::current();
    require(&officer, Permission::ManageDirectory)?;
    let notice = query.notice(&[
        ("created", (lang.pick("부서를 만들었습니다.", "The department was created."))),
        (
            "updated",
            (lang.pick("부서를 고쳤습니다. 새로 접수되거나 분류가 바뀌는 신고부터 적용됩니다.", "The department was changed. It applies to reports received or reclassified from now on.")),
        ),
    ]);
    let directory = Directory::load(&state).await?;
    Ok(render_list(
        &officer,
        &directory,
        &DepartmentForm::default(),
        notice,
    ))
}

/// `POST /admin/settings/departments`: a new department.
#[tracing::instrument(skip_all)]
pub(crate) async fn create(
    State(state): State<AppState>,
    officer: Officer,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    require(&officer, Permission::ManageDirectory)?;
    let form = DepartmentForm::parse(pairs);
    officer.check_form(&state, &form.csrf)?;
    let outcome = state
        .use_cases()
        .directory
        .create_department(&officer.actor, &form.code, form.request())
        .await;
    match outcome {
        Ok(_) => Ok(done(PATH, "created")),
        Err(error) => {
            let directory = Directory::load(&state).await?;
            let notice = refusal(error, &directory)?;
            Ok(render_list(&officer, &directory, &form, Some(notice)))
        }
    }
}

/// `GET /admin/settings/departments/{code}`: the edit form.
#[tracing::instrument(skip_all)]
pub(crate) async fn edit(
    State(state): State<AppState>,
    officer: Officer,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    require(&officer, Permission::ManageDirectory)?;
    let directory = Directory::load(&state).await?;
    let department = directory
        .departments
        .iter()
        .find(|d| d.code.as_str() == code)
        .ok_or_else(PageError::not_found)?;
    Ok(render_edit(
        &officer,
        &directory,
        &DepartmentForm::of(department),
        None,
    ))
}

/// `POST /admin/settings/departments/{code}`: name, place and categories replaced.
#[tracing::instrument(skip_all)]
pub(crate) async fn update(
    State(state): State<AppState>,
    officer: Officer,
    Path(code): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    require(&officer, Permission::ManageDirectory)?;
    let mut form = DepartmentForm::parse(pairs);
    officer.check_form(&state, &form.csrf)?;
    form.code = code;
    let outcome = state
        .use_cases()
        .directory
        .update_department(&officer.actor, &form.code, form.request())
        .await;
    match outcome {
        Ok(_) => Ok(done(PATH, "updated")),
        Err(error) => {
            let directory = Directory::load(&state).await?;
            let notice = refusal(error, &directory)?;
            Ok(render_edit(&officer, &directory, &form, Some(notice)))
        }
    }
}

fn render_list(
    officer: &Officer,
    directory: &Directory,
    form: &DepartmentForm,
    notice: Option<Notice>,
) -> Response {
    let lang = Lang::current();
    let body = html! {
        p {
            (lang.pick("신고는 관할 시·군에서 그 분류를 담당하는 부서로, 없으면 도 전체 부서로 배정됩니다. ", "A report goes to the department of its city or county that handles its category, or else to a province-wide one. "))
            (lang.pick("바꾼 규칙은 새로 접수되거나 분류가 바뀌는 신고부터 적용됩니다.", "Changed rules apply to reports received or reclassified from now on."))
        }
        table.queue.departments {
            caption { (lang.pick("부서 (", "Departments (")) (directory.departments.len()) (lang.pick("곳)", ")")) }
            (head(&[(lang.pick("부서", "Department")), (lang.pick("코드", "Code")), (lang.pick("관할", "Jurisdiction")), (lang.pick("담당 분류", "Categories handled"))]))
            tbody {
                @for department in &directory.departments {
                    tr data-department=(department.code) {
                        th scope="row" {
                            a href={ (PATH) "/" (department.code) } { (department.name) }
                        }
                        td { code { (department.code) } }
                        td { (directory.place(department)) }
                        td {
                            @if department.categories.is_empty() {
                                span.none { (lang.pick("없음", "None")) }
                            } @else {
                                @for (i, category) in department.categories.iter().enumerate() {
                                    @if i > 0 { ", " }
                                    (directory.category_name(category.as_str()))
                                }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="new-department-heading" {
            h2 #new-department-heading { (lang.pick("부서 만들기", "Create department")) }
            (department_form(officer, directory, form, PATH, true))
        }
    };
    respond(officer, TITLE.get(), notice, &body)
}

fn render_edit(
    officer: &Officer,
    directory: &Directory,
    form: &DepartmentForm,
    notice: Option<Notice>,
) -> Response {
    let lang = Lang::current();
    let title = format!("{TITLE} — {}", directory.department_name(&form.code));
    let action = format!("{PATH}/{}", form.code);
    let body = html! {
        (department_form(officer, directory, form, &action, false))
        p { a href=(PATH) { (lang.pick("부서 목록으로", "Back to the departments")) } }
    };
    respond(officer, &title, notice, &body)
}

fn department_form(
    officer: &Officer,
    directory: &Directory,
    form: &DepartmentForm,
    action: &str,
    new: bool,
) -> Markup {
    let lang = Lang::current();
    html! {
        form.settings method="post" action=(action) {
            input type="hidden" name="csrf" value=(officer.form_token);
            @if new {
                p {
                    label for="department-code" { (lang.pick("부서 코드", "Department code")) }
                    input #department-code type="text" name="code" required maxlength="40" value=(form.code) aria-describedby="department-code-hint";
                    span #department-code-hint .hint { (lang.pick("영문 소문자, 숫자, 밑줄(_). 예: jeonju_road. 만든 뒤에는 바꿀 수 없습니다.", "Lower-case letters, digits, underscores (_), e.g. jeonju_road. It cannot be changed later.")) }
                }
            } @else {
                p { (lang.pick("부서 코드: ", "Department code: ")) code { (form.code) } }
            }
            p {
                label for="department-name" { (lang.pick("이름", "Name")) }
                input #department-name type="text" name="name" required maxlength="100" value=(form.name);
            }
            p {
                label for="department-name-en" { (lang.pick("영문 이름 (선택)", "English name (optional)")) }
                input #department-name-en type="text" name="name_en" maxlength="100" value=(form.name_en);
            }
            p {
                label for="department-jurisdiction" { (lang.pick("관할", "Jurisdiction")) }
                select #department-jurisdiction name="jurisdiction" {
                    option value="" selected[form.jurisdiction.is_empty()] { (lang.pick("도 전체", "Whole province")) }
                    @for municipality in &directory.municipalities {
                        option value=(municipality.code) selected[form.jurisdiction == municipality.code] {
                            (municipality.name)
                        }
                    }
                }
            }
            fieldset.categories {
                legend { (lang.pick("담당 분류", "Categories handled")) }
                @for category in &directory.categories {
                    @let id = format!("department-category-{}", category.code);
                    span.choice {
                        input id=(id) type="checkbox" name="categories" value=(category.code)
                            checked[form.categories.iter().any(|c| c == category.code.as_str())];
                        label for=(id) { (category.name) }
                    }
                }
            }
            p { button type="submit" { @if new { (lang.pick("부서 만들기", "Create department")) } @else { (lang.pick("저장", "Save")) } } }
        }
    }
}
