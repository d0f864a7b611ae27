//! `DirectoryStore`: departments and the categories routed to them.

use async_trait::async_trait;
use sinmungo_core::domain::category::Category;
use sinmungo_core::domain::department::Department;
use sinmungo_core::ports::{DirectoryStore, StoreError};
use sinmungo_sql::Fetch as _;

use crate::codec::SqliteDialect;
use crate::error::store_error;
use crate::SqliteStore;

#[async_trait]
impl DirectoryStore for SqliteStore {
    #[tracing::instrument(skip_all)]
    async fn categories(&self) -> Result<Vec<Category>, StoreError> {
        SqliteDialect::fetch_all(sqlx::query(
            "SELECT code, name, name_en, department, default_priority FROM categories ORDER BY code",
        ), &self.pool
).await
    }

    #[tracing::instrument(skip_all)]
    async fn departments(&self) -> Result<Vec<Department>, StoreError> {
        SqliteDialect::fetch_all(
            sqlx::query("SELECT code, name, name_en FROM departments ORDER BY code"),
            &self.pool,
        )
        .await
    }

    #[tracing::instrument(skip_all, fields(code = %department.code))]
    async fn upsert_department(&self, department: &Department) -> Result<(), StoreError> {
        // ON CONFLICT … DO UPDATE, not INSERT OR REPLACE: a replace deletes
        // the row first, which the categories referring to it forbid.
        sqlx::query(
            "INSERT INTO departments (code, name, name_en) VALUES (?, ?, ?) \
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_en = excluded.name_en",
        )
        .bind(department.code.as_str().to_owned())
        .bind(department.name.clone())
        .bind(department.name_en.clone())
        .execute(&self.writer)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(code = %category.code))]
    async fn upsert_category(&self, category: &Category) -> Result<(), StoreError> {
        // An unknown department breaks the foreign key: NotFound.
        sqlx::query(
            "INSERT INTO categories (code, name, name_en, department, default_priority) \
             VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, \
             department = excluded.department, default_priority = excluded.default_priority",
        )
        .bind(category.code.as_str().to_owned())
        .bind(category.name.clone())
        .bind(category.name_en.clone())
        .bind(category.department.as_str().to_owned())
        .bind(category.default_priority.as_str())
        .execute(&self.writer)
        .await
        .map_err(store_error)?;
        Ok(())
    }
}
