//! Reference data: categories and departments, and the seed a new installation starts with.

use std::sync::Arc;

use crate::app::Ports;
use crate::domain::category::{self, Category};
use crate::domain::department::Department;
use crate::ports::{DirectoryStore, StoreError};

/// Why reading or seeding the directory failed.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
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

/// Reads and seeds the directory.
#[derive(Clone)]
pub struct Directory {
    directory: Arc<dyn DirectoryStore>,
}

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Directory").finish_non_exhaustive()
    }
}

impl Directory {
    pub(crate) fn new(ports: &Ports) -> Self {
        Self {
            directory: ports.directory.clone(),
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
}
