//! Departments and categories as rows: read back, and their values to write.
//!
//! A category's SLA overrides and a department's categories are JSON
//! columns: `{"urgent": {"first_response_hours": 1, "resolution_hours": 12}}`
//! and `["road_damage", "streetlight"]`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sinmungo_core::domain::category::{Category, CategoryCode, SlaHours, SlaOverrides};
use sinmungo_core::domain::department::{Department, DepartmentCode};
use sinmungo_core::domain::geo::MunicipalityCode;
use sinmungo_core::domain::priority::Priority;
use sinmungo_core::ports::StoreError;

use crate::dialect::Dialect;
use crate::row::{FromSqlRow, RowReader};
use crate::value::{json_text, SqlValue};

/// The columns of `categories`, in the order of [`category_values`].
pub const CATEGORY_COLUMNS: [&str; 7] = [
    "code",
    "name",
    "name_en",
    "department",
    "default_priority",
    "sla",
    "duplicate_radius_m",
];

/// The columns of `departments`, in the order of [`department_values`].
pub const DEPARTMENT_COLUMNS: [&str; 5] = ["code", "name", "name_en", "jurisdiction", "categories"];

/// The JSON columns of both tables, which PostgreSQL keeps as `jsonb`.
const JSON_COLUMNS: [&str; 2] = ["sla", "categories"];

/// `SELECT` of `columns` from `table` by code (`json_cast` after JSON
/// columns: PostgreSQL's `::text`, nothing in SQLite; `order` the ordering
/// of codes, e.g. PostgreSQL's `COLLATE "C"` for byte order).
pub fn select_sql(table: &str, columns: &[&str], json_cast: &str, order: &str) -> String {
    let list: Vec<String> = columns
        .iter()
        .map(|&c| {
            if JSON_COLUMNS.contains(&c) {
                format!("{c}{json_cast} AS {c}")
            } else {
                c.to_owned()
            }
        })
        .collect();
    format!(
        "SELECT {} FROM {table} ORDER BY code{order}",
        list.join(", ")
    )
}

/// `INSERT … ON CONFLICT (code) DO UPDATE` of every column of `table`
/// (`json_cast` after JSON parameters: PostgreSQL's `::jsonb`).
pub fn upsert_sql<D: Dialect>(table: &str, columns: &[&str], json_cast: &str) -> String {
    let values: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let cast = if JSON_COLUMNS.contains(c) {
                json_cast
            } else {
                ""
            };
            format!("{}{cast}", D::placeholder(i + 1))
        })
        .collect();
    let updates: Vec<String> = columns[1..]
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    format!(
        "INSERT INTO {table} ({}) VALUES ({}) ON CONFLICT (code) DO UPDATE SET {}",
        columns.join(", "),
        values.join(", "),
        updates.join(", ")
    )
}

/// One SLA override as stored.
#[derive(Debug, Serialize, Deserialize)]
struct StoredSla {
    first_response_hours: u32,
    resolution_hours: u32,
}

/// A category's values for [`CATEGORY_COLUMNS`] (`sla` as JSON text).
pub fn category_values(category: &Category) -> Result<[SqlValue; 7], StoreError> {
    let sla: BTreeMap<&str, StoredSla> = category
        .sla
        .iter()
        .map(|(priority, hours)| {
            (
                priority.as_str(),
                StoredSla {
                    first_response_hours: hours.first_response_hours,
                    resolution_hours: hours.resolution_hours,
                },
            )
        })
        .collect();
    Ok([
        SqlValue::text(category.code.as_str()),
        SqlValue::text(category.name.as_str()),
        SqlValue::text(category.name_en.as_str()),
        SqlValue::text(category.department.as_str()),
        SqlValue::text(category.default_priority.as_str()),
        SqlValue::text(json_text(&sla, "a category's SLA")?),
        SqlValue::Integer(Some(i64::from(category.duplicate_radius_m))),
    ])
}

/// A department's values for [`DEPARTMENT_COLUMNS`] (`categories` as JSON text).
pub fn department_values(department: &Department) -> Result<[SqlValue; 5], StoreError> {
    let categories: Vec<&str> = department
        .categories
        .iter()
        .map(CategoryCode::as_str)
        .collect();
    Ok([
        SqlValue::text(department.code.as_str()),
        SqlValue::text(department.name.as_str()),
        SqlValue::text(department.name_en.as_str()),
        SqlValue::Text(
            department
                .jurisdiction
                .as_ref()
                .map(|j| j.as_str().to_owned()),
        ),
        SqlValue::text(json_text(&categories, "a department's categories")?),
    ])
}

/// Parses a row of [`CATEGORY_COLUMNS`] (`sla` as JSON text).
impl<D: Dialect> FromSqlRow<D> for Category {
    fn from_row(row: &D::Row) -> Result<Self, StoreError> {
        let r = RowReader::<D>::new(row, "categories");
        let stored: BTreeMap<String, StoredSla> = r.json("sla")?;
        let mut sla = SlaOverrides::default();
        for (priority, hours) in stored {
            let priority = Priority::parse(&priority).map_err(|e| r.corrupt("sla", e))?;
            let hours = SlaHours::new(hours.first_response_hours, hours.resolution_hours)
                .map_err(|e| r.corrupt("sla", e))?;
            sla.set(priority, Some(hours));
        }
        Ok(Category {
            code: r.parse("code", CategoryCode::new)?,
            name: r.get("name")?,
            name_en: r.get("name_en")?,
            department: r.parse("department", DepartmentCode::new)?,
            default_priority: r.parse("default_priority", Priority::parse)?,
            sla,
            duplicate_radius_m: r.count("duplicate_radius_m")?,
        })
    }
}

/// Parses a row of [`DEPARTMENT_COLUMNS`] (`categories` as JSON text).
impl<D: Dialect> FromSqlRow<D> for Department {
    fn from_row(row: &D::Row) -> Result<Self, StoreError> {
        let r = RowReader::<D>::new(row, "departments");
        let categories: Vec<String> = r.json("categories")?;
        Ok(Department {
            code: r.parse("code", DepartmentCode::new)?,
            name: r.get("name")?,
            name_en: r.get("name_en")?,
            jurisdiction: r.parse_optional("jurisdiction", MunicipalityCode::new)?,
            categories: categories
                .iter()
                .map(|code| CategoryCode::new(code).map_err(|e| r.corrupt("categories", e)))
                .collect::<Result<_, _>>()?,
        })
    }
}
