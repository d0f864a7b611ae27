//! `DirectoryStore`: departments and categories.

use async_trait::async_trait;
use sinmungo_core::domain::category::Category;
use sinmungo_core::domain::department::Department;
use sinmungo_core::ports::{DirectoryStore, StoreError};
use sinmungo_sql::directory::{
    category_values, department_values, select_sql, upsert_sql, CATEGORY_COLUMNS,
    DEPARTMENT_COLUMNS,
};
use sinmungo_sql::{Dialect as _, Fetch as _};

use crate::codec::SqliteDialect;
use crate::SqliteStore;

#[async_trait]
impl DirectoryStore for SqliteStore {
    #[tracing::instrument(skip_all)]
    async fn categories(&self) -> Result<Vec<Category>, StoreError> {
        let sql = select_sql("categories", &CATEGORY_COLUMNS, "", "");
        SqliteDialect::fetch_all(sqlx::query(&sql), &self.pool).await
    }

    #[tracing::instrument(skip_all)]
    async fn departments(&self) -> Result<Vec<Department>, StoreError> {
        let sql = select_sql("departments", &DEPARTMENT_COLUMNS, "", "");
        SqliteDialect::fetch_all(sqlx::query(&sql), &self.pool).await
    }

    #[tracing::instrument(skip_all, fields(code = %department.code))]
    async fn upsert_department(&self, department: &Department) -> Result<(), StoreError> {
        // ON CONFLICT … DO UPDATE, not INSERT OR REPLACE: a replace deletes
        // the row first, which the categories referring to it forbid.
        let sql = upsert_sql::<SqliteDialect>("departments", &DEPARTMENT_COLUMNS, "");
        let values = department_values(department)?;
        SqliteDialect::execute(SqliteDialect::statement(&sql, values), &self.writer).await
    }

    #[tracing::instrument(skip_all, fields(code = %category.code))]
    async fn upsert_category(&self, category: &Category) -> Result<(), StoreError> {
        // An unknown department breaks the foreign key: NotFound.
        let sql = upsert_sql::<SqliteDialect>("categories", &CATEGORY_COLUMNS, "");
        let values = category_values(category)?;
        SqliteDialect::execute(SqliteDialect::statement(&sql, values), &self.writer).await
    }
}
