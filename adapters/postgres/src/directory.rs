//! `DirectoryStore`: departments and the categories routed to them.
//!
//! Reference data is small and read where it is written (the primary), so an
//! edit is seen at once, also by the seeding that runs at start.

use async_trait::async_trait;
use sinmungo_core::domain::category::Category;
use sinmungo_core::domain::department::Department;
use sinmungo_core::ports::{DirectoryStore, StoreError};
use sinmungo_sql::Fetch as _;

use crate::codec::PgDialect;
use crate::error::store_error;
use crate::PostgresStore;

#[async_trait]
impl DirectoryStore for PostgresStore {
    #[tracing::instrument(skip_all)]
    async fn categories(&self) -> Result<Vec<Category>, StoreError> {
        // COLLATE "C": byte order, as every store sorts codes, whatever the
        // database's locale.
        PgDialect::fetch_all(
            sqlx::query(
                "SELECT code, name, name_en, department, default_priority FROM categories \
                 ORDER BY code COLLATE \"C\"",
            ),
            &self.primary,
        )
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn departments(&self) -> Result<Vec<Department>, StoreError> {
        PgDialect::fetch_all(
            sqlx::query("SELECT code, name, name_en FROM departments ORDER BY code COLLATE \"C\""),
            &self.primary,
        )
        .await
    }

    #[tracing::instrument(skip_all, fields(code = %department.code))]
    async fn upsert_department(&self, department: &Department) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO departments (code, name, name_en) VALUES ($1, $2, $3) \
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_en = excluded.name_en",
        )
        .bind(department.code.as_str())
        .bind(department.name.as_str())
        .bind(department.name_en.as_str())
        .execute(&self.primary)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(code = %category.code))]
    async fn upsert_category(&self, category: &Category) -> Result<(), StoreError> {
        // An unknown department breaks the foreign key: NotFound.
        sqlx::query(
            "INSERT INTO categories (code, name, name_en, department, default_priority) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, \
             department = excluded.department, default_priority = excluded.default_priority",
        )
        .bind(category.code.as_str())
        .bind(category.name.as_str())
        .bind(category.name_en.as_str())
        .bind(category.department.as_str())
        .bind(category.default_priority.as_str())
        .execute(&self.primary)
        .await
        .map_err(store_error)?;
        Ok(())
    }
}
