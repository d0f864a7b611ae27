//! Departments and categories read back from rows.

use sinmungo_core::domain::category::{Category, CategoryCode};
use sinmungo_core::domain::department::{Department, DepartmentCode};
use sinmungo_core::domain::priority::Priority;
use sinmungo_core::ports::StoreError;

use crate::dialect::Dialect;
use crate::row::{FromSqlRow, RowReader};

/// Parses a row of `categories` (`code, name, name_en, department, default_priority`).
impl<D: Dialect> FromSqlRow<D> for Category {
    fn from_row(row: &D::Row) -> Result<Self, StoreError> {
        let r = RowReader::<D>::new(row, "categories");
        Ok(Category {
            code: r.parse("code", CategoryCode::new)?,
            name: r.get("name")?,
            name_en: r.get("name_en")?,
            department: r.parse("department", DepartmentCode::new)?,
            default_priority: r.parse("default_priority", Priority::parse)?,
        })
    }
}

/// Parses a row of `departments` (`code, name, name_en`).
impl<D: Dialect> FromSqlRow<D> for Department {
    fn from_row(row: &D::Row) -> Result<Self, StoreError> {
        let r = RowReader::<D>::new(row, "departments");
        Ok(Department {
            code: r.parse("code", DepartmentCode::new)?,
            name: r.get("name")?,
            name_en: r.get("name_en")?,
        })
    }
}
