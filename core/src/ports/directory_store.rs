//! Reference data: categories and departments.

use async_trait::async_trait;

use crate::domain::category::Category;
use crate::domain::department::Department;
use crate::ports::StoreError;

/// Stores categories and departments.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait DirectoryStore: Send + Sync {
    /// Every category, by code.
    async fn categories(&self) -> Result<Vec<Category>, StoreError>;

    /// Every department, by code.
    async fn departments(&self) -> Result<Vec<Department>, StoreError>;

    /// Adds or replaces a department.
    async fn upsert_department(&self, department: &Department) -> Result<(), StoreError>;

    /// Adds or replaces a category; its department must exist ([`StoreError::NotFound`] otherwise).
    async fn upsert_category(&self, category: &Category) -> Result<(), StoreError>;
}
