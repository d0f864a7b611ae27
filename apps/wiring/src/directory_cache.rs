//! A read-through cache of the directory (categories, departments).
//!
//! Every submit reads the categories (to check the one asked for, and for
//! its duplicate radius) and the departments (to route), and every event
//! handler that routes reads them again: on PostgreSQL that was three of a
//! submit's round trips for a few dozen rows that change a few times a year.
//! This process's own directory writes clear the cache at once; another
//! process's (a second server, the worker, the CLI) are seen when the entry
//! expires, at most `ttl` later.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use sinmungo_core::domain::category::Category;
use sinmungo_core::domain::department::Department;
use sinmungo_core::ports::{DirectoryStore, StoreError};

/// One cached list: what was read, when, and the generation it belongs to.
struct Entry<T> {
    read_at: Instant,
    items: Arc<Vec<T>>,
}

/// What the cache holds. `generation` counts this process's writes, so a
/// read that started before a write cannot store what it read after it.
struct Cached {
    generation: u64,
    categories: Option<Entry<Category>>,
    departments: Option<Entry<Department>>,
}

/// A [`DirectoryStore`] that keeps what `inner` answered for `ttl`.
pub struct CachedDirectory {
    inner: Arc<dyn DirectoryStore>,
    ttl: Duration,
    cached: Mutex<Cached>,
}

impl std::fmt::Debug for CachedDirectory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedDirectory")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl CachedDirectory {
    /// `inner`, its lists kept for `ttl`; a zero `ttl` is `inner` itself.
    pub fn wrap(inner: Arc<dyn DirectoryStore>, ttl: Duration) -> Arc<dyn DirectoryStore> {
        if ttl.is_zero() {
            return inner;
        }
        Arc::new(Self {
            inner,
            ttl,
            cached: Mutex::new(Cached {
                generation: 0,
                categories: None,
                departments: None,
            }),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cached> {
        // The cache holds plain data: a panic elsewhere leaves nothing half-done.
        self.cached.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The list `slot` picks, from the cache while it is fresh, else read by `read`.
    async fn read_through<T: Clone, F>(
        &self,
        slot: fn(&mut Cached) -> &mut Option<Entry<T>>,
        read: F,
    ) -> Result<Vec<T>, StoreError>
    where
        F: std::future::Future<Output = Result<Vec<T>, StoreError>>,
    {
        let generation = {
            let mut cached = self.lock();
            if let Some(entry) = slot(&mut cached) {
                if entry.read_at.elapsed() < self.ttl {
                    return Ok(entry.items.as_ref().clone());
                }
            }
            cached.generation
        };
        let read_at = Instant::now();
        let items = read.await?;
        let mut cached = self.lock();
        if cached.generation == generation {
            *slot(&mut cached) = Some(Entry {
                read_at,
                items: Arc::new(items.clone()),
            });
        }
        Ok(items)
    }

    /// Forgets both lists (after a write, whether or not it succeeded).
    fn invalidate(&self) {
        let mut cached = self.lock();
        cached.generation += 1;
        cached.categories = None;
        cached.departments = None;
    }
}

#[async_trait]
impl DirectoryStore for CachedDirectory {
    async fn categories(&self) -> Result<Vec<Category>, StoreError> {
        self.read_through(|c| &mut c.categories, self.inner.categories())
            .await
    }

    async fn departments(&self) -> Result<Vec<Department>, StoreError> {
        self.read_through(|c| &mut c.departments, self.inner.departments())
            .await
    }

    async fn upsert_department(&self, department: &Department) -> Result<(), StoreError> {
        let written = self.inner.upsert_department(department).await;
        self.invalidate();
        written
    }

    async fn upsert_category(&self, category: &Category) -> Result<(), StoreError> {
        let written = self.inner.upsert_category(category).await;
        self.invalidate();
        written
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use sinmungo_core::domain::category::seeded;
    use sinmungo_core::ports::MockDirectoryStore;

    use super::*;

    const TTL: Duration = Duration::from_secs(3600);

    /// A directory whose department list grows by one department per read,
    /// so each answer tells whether the store was asked again.
    fn growing_departments() -> (MockDirectoryStore, Arc<AtomicUsize>) {
        let reads = Arc::new(AtomicUsize::new(0));
        let counted = reads.clone();
        let mut store = MockDirectoryStore::new();
        store.expect_departments().returning(move || {
            let n = counted.fetch_add(1, Ordering::SeqCst) + 1;
            Ok(seeded().1.into_iter().take(n).collect())
        });
        store.expect_categories().returning(|| Ok(seeded().0));
        store.expect_upsert_department().returning(|_| Ok(()));
        (store, reads)
    }

    #[tokio::test]
    async fn a_fresh_list_is_answered_from_the_cache() -> Result<(), StoreError> {
        let (store, reads) = growing_departments();
        let cache = CachedDirectory::wrap(Arc::new(store), TTL);
        let first = cache.departments().await?;
        let second = cache.departments().await?;
        assert_eq!(first, second);
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        assert_eq!(cache.categories().await?, seeded().0);
        Ok(())
    }

    #[tokio::test]
    async fn a_write_of_this_process_is_read_back_at_once() -> Result<(), StoreError> {
        let (store, reads) = growing_departments();
        let cache = CachedDirectory::wrap(Arc::new(store), TTL);
        let before = cache.departments().await?;
        cache.upsert_department(&before[0]).await?;
        let after = cache.departments().await?;
        assert_eq!(reads.load(Ordering::SeqCst), 2);
        assert_eq!(after.len(), before.len() + 1, "read again after the write");
        Ok(())
    }

    #[tokio::test]
    async fn a_zero_ttl_reads_the_store_every_time() -> Result<(), StoreError> {
        let (store, reads) = growing_departments();
        let cache = CachedDirectory::wrap(Arc::new(store), Duration::ZERO);
        cache.departments().await?;
        cache.departments().await?;
        assert_eq!(reads.load(Ordering::SeqCst), 2);
        Ok(())
    }

    #[tokio::test]
    async fn a_failed_read_is_not_cached() {
        let mut store = MockDirectoryStore::new();
        let mut failed = false;
        store.expect_categories().times(2).returning(move || {
            if failed {
                Ok(seeded().0)
            } else {
                failed = true;
                Err(StoreError::Unavailable("down".to_owned()))
            }
        });
        let cache = CachedDirectory::wrap(Arc::new(store), TTL);
        assert!(cache.categories().await.is_err());
        assert_eq!(cache.categories().await.ok(), Some(seeded().0));
    }
}
