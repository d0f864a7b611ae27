//! Reference data: categories and departments, the seed a new installation
//! starts with, and their administration (routing by place, SLA per category).
//!
//! Changing a department or a category never touches a report: reports are
//! routed, and their clocks set, when they are submitted or reclassified.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::app::Ports;
use crate::domain::access::{Actor, Denied};
use crate::domain::audit::AuditEntry;
use crate::domain::category::{self, Category, CategoryCode, SlaHours};
use crate::domain::department::{Department, DepartmentCode};
use crate::domain::geo::{Jurisdiction, MunicipalityCode, ServiceArea};
use crate::domain::permission::Permission;
use crate::domain::priority::Priority;
use crate::domain::text::check_characters;
use crate::domain::validation::{Collector, FieldError, Invalid};
use crate::ports::{AuditLog, Clock, DirectoryStore, IdGenerator, StoreError};

/// The largest duplicate radius an administrator may set, in metres
/// (FixMyStreet's inspectors look 1 km around).
pub const MAX_DUPLICATE_RADIUS_M: u32 = 1_000;

/// Why reading or changing the directory failed.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// A field is invalid.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// Not signed in.
    #[error("sign in first (로그인이 필요합니다)")]
    SignInRequired,
    /// Not an administrator.
    #[error("only administrators change departments and categories (관리자만 변경할 수 있습니다)")]
    Forbidden,
    /// No department or category with that code.
    #[error("no {0} with that code (해당 코드가 없습니다)")]
    NotFound(&'static str),
    /// A department with that code exists already.
    #[error("a department {0} exists already (이미 있는 부서 코드입니다)")]
    DepartmentExists(DepartmentCode),
    /// Another department already handles a category in the same place.
    #[error(
        "{other} already handles {category} there; take it from {other} first \
         (같은 지역에서 이미 {other} 부서가 {category} 분류를 담당합니다)"
    )]
    RoutingConflict {
        /// The category claimed twice.
        category: CategoryCode,
        /// The department that has it.
        other: DepartmentCode,
    },
    /// The store is down.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A bug.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

impl From<StoreError> for DirectoryError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(reason) => Self::Unavailable(reason),
            other => Self::Unknown(other.into()),
        }
    }
}

impl From<Denied> for DirectoryError {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::SignInRequired => Self::SignInRequired,
            Denied::Forbidden(_) => Self::Forbidden,
        }
    }
}

/// A department as an administrator sends it (`POST` names the code in the
/// body, `PUT` in the path).
#[derive(Debug, Clone, Default)]
pub struct DepartmentRequest {
    /// Korean name.
    pub name: String,
    /// English name; when absent, the one it had (or the Korean name for a new one).
    pub name_en: Option<String>,
    /// The city or county code it serves (`35020`), or `None` for the whole province.
    pub jurisdiction: Option<String>,
    /// The category codes it handles.
    pub categories: Vec<String>,
}

/// Changes to a category; what is absent is kept.
#[derive(Debug, Clone, Default)]
pub struct CategoryChange {
    /// Korean name.
    pub name: Option<String>,
    /// English name.
    pub name_en: Option<String>,
    /// The priority when no rule says otherwise.
    pub default_priority: Option<String>,
    /// The department its reports go to when no department claims it.
    pub department: Option<String>,
    /// SLA per priority name: `Some` sets an override, `None` restores the
    /// product's default; priorities not named are kept.
    pub sla: BTreeMap<String, Option<SlaRequest>>,
    /// The duplicate search radius, 10–[`MAX_DUPLICATE_RADIUS_M`] metres.
    pub duplicate_radius_m: Option<u32>,
}

/// One SLA override as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlaRequest {
    /// Hours until the first response.
    pub first_response_hours: u32,
    /// Hours until resolution.
    pub resolution_hours: u32,
}

/// Reads, seeds and administers the directory.
#[derive(Clone)]
pub struct Directory {
    directory: Arc<dyn DirectoryStore>,
    audit: Arc<dyn AuditLog>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    area: Arc<ServiceArea>,
}

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Directory").finish_non_exhaustive()
    }
}

impl Directory {
    pub(crate) fn new(ports: &Ports, area: Arc<ServiceArea>) -> Self {
        Self {
            directory: ports.directory.clone(),
            audit: ports.audit.clone(),
            clock: ports.clock.clone(),
            ids: ports.ids.clone(),
            area,
        }
    }

    /// Every category.
    pub async fn categories(&self) -> Result<Vec<Category>, DirectoryError> {
        Ok(self.directory.categories().await?)
    }

    /// Every department.
    pub async fn departments(&self) -> Result<Vec<Department>, DirectoryError> {
        Ok(self.directory.departments().await?)
    }

    /// The cities and counties (시·군) a department may serve.
    pub fn municipalities(&self) -> Vec<Jurisdiction> {
        self.area.municipalities()
    }

    /// Adds the seeded categories and departments that are missing; what an
    /// administrator changed is kept.
    pub async fn seed(&self) -> Result<usize, DirectoryError> {
        let (categories, departments) = category::seeded();
        let existing_departments = self.directory.departments().await?;
        let existing_categories = self.directory.categories().await?;
        let mut added = 0;
        for department in departments
            .iter()
            .filter(|d| !existing_departments.iter().any(|e| e.code == d.code))
        {
            self.directory.upsert_department(department).await?;
            added += 1;
        }
        for category in categories
            .iter()
            .filter(|c| !existing_categories.iter().any(|e| e.code == c.code))
        {
            self.directory.upsert_category(category).await?;
            added += 1;
        }
        Ok(added)
    }

    /// An administrator creates a department.
    pub async fn create_department(
        &self,
        actor: &Actor,
        code: &str,
        request: DepartmentRequest,
    ) -> Result<Department, DirectoryError> {
        actor.may_do(Permission::ManageDirectory)?;
        let code = DepartmentCode::new(code.trim()).map_err(Invalid::from)?;
        let departments = self.directory.departments().await?;
        if departments.iter().any(|d| d.code == code) {
            return Err(DirectoryError::DepartmentExists(code));
        }
        let department = self.department(code, request, None).await?;
        check_routing(&department, &departments)?;
        self.directory.upsert_department(&department).await?;
        self.record(
            actor,
            "directory.department.create",
            format!("department:{}", department.code),
            serde_json::Value::Null,
            serde_json::json!(department),
        )
        .await?;
        Ok(department)
    }

    /// An administrator replaces a department's name, place and categories.
    pub async fn update_department(
        &self,
        actor: &Actor,
        code: &str,
        request: DepartmentRequest,
    ) -> Result<Department, DirectoryError> {
        actor.may_do(Permission::ManageDirectory)?;
        let departments = self.directory.departments().await?;
        let existing = departments
            .iter()
            .find(|d| d.code.as_str() == code)
            .ok_or(DirectoryError::NotFound("department"))?;
        let department = self
            .department(existing.code.clone(), request, Some(existing))
            .await?;
        check_routing(&department, &departments)?;
        self.directory.upsert_department(&department).await?;
        self.record(
            actor,
            "directory.department.update",
            format!("department:{}", department.code),
            serde_json::json!(existing),
            serde_json::json!(department),
        )
        .await?;
        Ok(department)
    }

    /// An administrator changes a category: names, default priority,
    /// fallback department, SLA overrides, duplicate radius.
    pub async fn update_category(
        &self,
        actor: &Actor,
        code: &str,
        change: CategoryChange,
    ) -> Result<Category, DirectoryError> {
        actor.may_do(Permission::ManageDirectory)?;
        let existing = self
            .directory
            .categories()
            .await?
            .into_iter()
            .find(|c| c.code.as_str() == code)
            .ok_or(DirectoryError::NotFound("category"))?;
        let mut category = existing.clone();
        let mut fields = Collector::default();
        if let Some(name) = &change.name {
            category.name = fields.take(name_field("name", name)).unwrap_or_default();
        }
        if let Some(name_en) = &change.name_en {
            category.name_en = fields
                .take(name_field("name_en", name_en))
                .unwrap_or_default();
        }
        if let Some(raw) = &change.default_priority {
            if let Some(priority) =
                fields.take(Priority::parse(raw.trim()).map_err(|e| FieldError {
                    field: "default_priority".into(),
                    ..e
                }))
            {
                category.default_priority = priority;
            }
        }
        if let Some(raw) = &change.department {
            let departments = self.directory.departments().await?;
            match DepartmentCode::new(raw.trim()) {
                Ok(code) if departments.iter().any(|d| d.code == code) => {
                    category.department = code;
                }
                Ok(code) => fields.push(FieldError::new(
                    "department",
                    "unknown_department",
                    format!("no department {code} (없는 부서입니다)"),
                )),
                Err(error) => fields.push(error),
            }
        }
        for (name, sla) in &change.sla {
            let field = format!("sla.{name}");
            let Ok(priority) = Priority::parse(name) else {
                fields.push(FieldError::new(
                    &field,
                    "unknown_priority",
                    "SLA is set per priority: urgent, high, normal or low",
                ));
                continue;
            };
            match sla {
                None => category.sla.set(priority, None),
                Some(sla) => match SlaHours::new(sla.first_response_hours, sla.resolution_hours) {
                    Ok(hours) => category.sla.set(priority, Some(hours)),
                    Err(error) => fields.push(FieldError {
                        field: field.clone(),
                        ..error
                    }),
                },
            }
        }
        if let Some(radius) = change.duplicate_radius_m {
            if (10..=MAX_DUPLICATE_RADIUS_M).contains(&radius) {
                category.duplicate_radius_m = radius;
            } else {
                fields.push(FieldError::new(
                    "duplicate_radius_m",
                    "out_of_range",
                    format!("duplicate_radius_m must be 10–{MAX_DUPLICATE_RADIUS_M} metres (중복 검색 반경은 10–{MAX_DUPLICATE_RADIUS_M}m입니다)"),
                ));
            }
        }
        fields.finish()?;
        if category == existing {
            return Ok(category);
        }
        self.directory.upsert_category(&category).await?;
        self.record(
            actor,
            "directory.category.update",
            format!("category:{}", category.code),
            category_audit(&existing),
            category_audit(&category),
        )
        .await?;
        Ok(category)
    }

    /// A department from a request, checked against the directory and the service area.
    async fn department(
        &self,
        code: DepartmentCode,
        request: DepartmentRequest,
        existing: Option<&Department>,
    ) -> Result<Department, DirectoryError> {
        let mut fields = Collector::default();
        let name = fields.take(name_field("name", &request.name));
        let name_en = match (&request.name_en, existing) {
            (Some(raw), _) => fields.take(name_field("name_en", raw)),
            (None, Some(existing)) => Some(existing.name_en.clone()),
            (None, None) => name.clone(),
        };
        let jurisdiction = match request.jurisdiction.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => match MunicipalityCode::new(raw) {
                Ok(code) if self.area.has_municipality(&code) => Some(code),
                Ok(code) => {
                    fields.push(FieldError::new(
                        "jurisdiction",
                        "unknown_jurisdiction",
                        format!("no city or county {code} in the service area (서비스 지역에 없는 시·군 코드입니다)"),
                    ));
                    None
                }
                Err(error) => {
                    fields.push(error);
                    None
                }
            },
        };
        let known = self.directory.categories().await?;
        let mut categories = Vec::new();
        for raw in &request.categories {
            match CategoryCode::new(raw.trim()) {
                Ok(code) if known.iter().any(|c| c.code == code) => categories.push(code),
                Ok(code) => fields.push(FieldError::new(
                    "categories",
                    "unknown_category",
                    format!("no category {code}; see GET /api/v1/categories (없는 분류입니다)"),
                )),
                Err(error) => fields.push(FieldError {
                    field: "categories".into(),
                    ..error
                }),
            }
        }
        categories.sort();
        categories.dedup();
        fields.finish()?;
        let (Some(name), Some(name_en)) = (name, name_en) else {
            return Err(DirectoryError::Unknown(anyhow::anyhow!(
                "validated fields missing"
            )));
        };
        Ok(Department {
            code,
            name,
            name_en,
            jurisdiction,
            categories,
        })
    }

    async fn record(
        &self,
        actor: &Actor,
        action: &str,
        target: String,
        before: serde_json::Value,
        after: serde_json::Value,
    ) -> Result<(), StoreError> {
        let entry = AuditEntry::new(
            self.ids.new_id(),
            self.clock.now(),
            actor,
            action,
            target,
            before,
            after,
        );
        self.audit.record(&entry).await
    }
}

/// Refuses a department that would claim a category another department
/// already handles in the same place (both province-wide, or the same city
/// or county).
fn check_routing(department: &Department, all: &[Department]) -> Result<(), DirectoryError> {
    for other in all.iter().filter(|d| d.code != department.code) {
        if other.jurisdiction != department.jurisdiction {
            continue;
        }
        if let Some(category) = department
            .categories
            .iter()
            .find(|c| other.categories.contains(c))
        {
            return Err(DirectoryError::RoutingConflict {
                category: category.clone(),
                other: other.code.clone(),
            });
        }
    }
    Ok(())
}

/// A name of 1–100 characters, trimmed, with the characters of any text
/// ([`check_characters`]).
fn name_field(field: &str, raw: &str) -> Result<String, FieldError> {
    let name = raw.trim();
    if (1..=100).contains(&name.chars().count()) {
        check_characters(field, name)?;
        Ok(name.to_owned())
    } else {
        Err(FieldError::new(
            field,
            "invalid_name",
            format!("{field} must be 1–100 characters (이름은 1–100자입니다)"),
        ))
    }
}

/// What the audit log keeps of a category.
fn category_audit(category: &Category) -> serde_json::Value {
    serde_json::json!({
        "name": category.name,
        "name_en": category.name_en,
        "department": category.department,
        "default_priority": category.default_priority,
        "sla": category.sla,
        "duplicate_radius_m": category.duplicate_radius_m,
    })
}
