//! Departments (부서): the units that own and work reports.

use serde::Serialize;

use crate::domain::category::CategoryCode;
use crate::domain::geo::MunicipalityCode;
use crate::domain::validation::FieldError;

/// Parses a short lowercase identifier (`road_damage`, `road_management`).
pub(crate) fn parse_code(field: &str, raw: &str) -> Result<String, FieldError> {
    let valid = (2..=40).contains(&raw.len())
        && raw.starts_with(|c: char| c.is_ascii_lowercase())
        && raw
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if valid {
        Ok(raw.to_owned())
    } else {
        Err(FieldError::new(
            field,
            "invalid_code",
            format!("{field} must be 2–40 lowercase letters, digits or underscores"),
        ))
    }
}

/// A department's stable code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct DepartmentCode(pub(crate) String);

impl DepartmentCode {
    /// Parses a department code.
    pub fn new(raw: &str) -> Result<Self, FieldError> {
        parse_code("department", raw).map(Self)
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for DepartmentCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A department of the provincial or a municipal government.
///
/// Reports are routed to departments by category and place (see
/// [`routing`](crate::domain::routing)): a department of a city or county
/// takes the categories it handles there; a province-wide one (no
/// jurisdiction) takes them everywhere else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Department {
    /// Stable code.
    pub code: DepartmentCode,
    /// Korean name (e.g. `도로관리과`).
    pub name: String,
    /// English name.
    pub name_en: String,
    /// The city or county it serves; `None` for a province-wide department.
    pub jurisdiction: Option<MunicipalityCode>,
    /// The categories it handles, by code.
    pub categories: Vec<CategoryCode>,
}
