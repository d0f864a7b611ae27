//! `DirectoryStore`: departments and categories.
//!
//! Reference data is small and read where it is written (the primary), so an
//! edit is seen at once, also by the seeding that runs at start.

use async_trait::async_trait;
use sinmungo_core::domain::category::Category;
use sinmungo_core::domain::department::Department;
use sinmungo_core::ports::{DirectoryStore, StoreError};
use sinmungo_sql::directory::{
    category_values, department_values, select_sql, upsert_sql, CATEGORY_COLUMNS,
    DEPARTMENT_COLUMNS,
};
use sinmungo_sql::{Dialect as _, Fetch as _};

use crate::codec::PgDialect;
use crate::PostgresStore;

/// Codes in byte order, as every store sorts them, whatever the database's locale.
const BY_BYTES: &str = " COLLATE \"C\"";

#[async_trait]
impl DirectoryStore for PostgresStore {
    #[tracing::instrument(skip_all)]
    async fn categories(&self) -> Result<Vec<Category>, StoreError> {
        let sql = select_sql("categories", &CATEGORY_COLUMNS, "::text", BY_BYTES);
        PgDialect::fetch_all(sqlx::query(&sql), &self.primary).await
    }

    #[tracing::instrument(skip_all)]
    async fn departments(&self) -> Result<Vec<Department>, StoreError> {
        let sql = select_sql("departments", &DEPARTMENT_COLUMNS, "::text", BY_BYTES);
        PgDialect::fetch_all(sqlx::query(&sql), &self.primary).await
    }

    #[tracing::instrument(skip_all, fields(code = %department.code))]
    async fn upsert_department(&self, department: &Department) -> Result<(), StoreError> {
        let sql = upsert_sql::<PgDialect>("departments", &DEPARTMENT_COLUMNS, "::jsonb");
        let values = department_values(department)?;
        PgDialect::execute(PgDialect::statement(&sql, values), &self.primary).await
    }

    #[tracing::instrument(skip_all, fields(code = %category.code))]
    async fn upsert_category(&self, category: &Category) -> Result<(), StoreError> {
        // An unknown department breaks the foreign key: NotFound.
        let sql = upsert_sql::<PgDialect>("categories", &CATEGORY_COLUMNS, "::jsonb");
        let values = category_values(category)?;
        PgDialect::execute(PgDialect::statement(&sql, values), &self.primary).await
    }
}
