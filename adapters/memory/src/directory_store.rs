//! Categories and departments in memory.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use sinmungo_core::domain::category::{Category, CategoryCode};
use sinmungo_core::domain::department::{Department, DepartmentCode};
use sinmungo_core::ports::{DirectoryStore, StoreError};

use crate::faults::Faults;

/// A [`DirectoryStore`] in memory; starts empty (seed it with `Directory::seed`).
#[derive(Debug, Default)]
pub struct MemoryDirectoryStore {
    state: Mutex<Directory>,
    faults: Faults,
}

#[derive(Debug, Default)]
struct Directory {
    // Maps keyed by code, so listing "by code" is their natural order.
    departments: BTreeMap<DepartmentCode, Department>,
    categories: BTreeMap<CategoryCode, Category>,
}

impl MemoryDirectoryStore {
    /// An empty directory that fails when `faults` says so.
    pub fn new(faults: Faults) -> Self {
        Self {
            state: Mutex::default(),
            faults,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Directory> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl DirectoryStore for MemoryDirectoryStore {
    async fn categories(&self) -> Result<Vec<Category>, StoreError> {
        self.faults.check()?;
        Ok(self.lock().categories.values().cloned().collect())
    }

    async fn departments(&self) -> Result<Vec<Department>, StoreError> {
        self.faults.check()?;
        Ok(self.lock().departments.values().cloned().collect())
    }

    async fn upsert_department(&self, department: &Department) -> Result<(), StoreError> {
        self.faults.check()?;
        self.lock()
            .departments
            .insert(department.code.clone(), department.clone());
        Ok(())
    }

    async fn upsert_category(&self, category: &Category) -> Result<(), StoreError> {
        self.faults.check()?;
        let mut directory = self.lock();
        if !directory.departments.contains_key(&category.department) {
            return Err(StoreError::NotFound);
        }
        directory
            .categories
            .insert(category.code.clone(), category.clone());
        Ok(())
    }
}
