//! Blobs in memory, with failures on demand: every call fails while the
//! shared [`Faults`] say so, and single puts or every delete can be made to
//! fail, so tests can show that a half-stored upload leaves nothing behind.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use sinmungo_core::ports::{Blob, MediaError, MediaKey, MediaStore, StoreError};

use crate::faults::Faults;

/// A [`MediaStore`] in memory.
#[derive(Debug)]
pub struct MemoryMediaStore {
    blobs: Mutex<BTreeMap<MediaKey, Blob>>,
    faults: Faults,
    /// Puts that succeed before one fails (`u32::MAX`: none fails).
    puts_before_failure: AtomicU32,
    failing_deletes: AtomicBool,
}

impl Default for MemoryMediaStore {
    /// An empty store with faults of its own (none injected).
    fn default() -> Self {
        Self::new(Faults::new())
    }
}

impl MemoryMediaStore {
    /// An empty store that fails when `faults` says so.
    pub fn new(faults: Faults) -> Self {
        Self {
            blobs: Mutex::default(),
            faults,
            puts_before_failure: AtomicU32::new(u32::MAX),
            failing_deletes: AtomicBool::new(false),
        }
    }

    /// After `puts` more successful puts, the next put fails with
    /// [`MediaError::Unavailable`] (once; later puts succeed again).
    pub fn fail_put_after(&self, puts: u32) {
        self.puts_before_failure.store(puts, Ordering::SeqCst);
    }

    /// While `true`, every delete fails (and removes nothing).
    pub fn set_failing_deletes(&self, failing: bool) {
        self.failing_deletes.store(failing, Ordering::SeqCst);
    }

    /// Every key stored, in order (for assertions).
    pub fn keys(&self) -> Vec<String> {
        self.lock().keys().map(|k| k.as_str().to_owned()).collect()
    }

    /// The blob under `key` (for assertions).
    pub fn blob(&self, key: &str) -> Option<Blob> {
        let key = MediaKey::new(key).ok()?;
        self.lock().get(&key).cloned()
    }

    /// How many blobs are stored.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no blob is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<MediaKey, Blob>> {
        self.blobs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn check(&self) -> Result<(), MediaError> {
        self.faults.check().map_err(|error| match error {
            StoreError::Unavailable(reason) => MediaError::Unavailable(reason),
            other => MediaError::Unknown(other.into()),
        })
    }
}

#[async_trait]
impl MediaStore for MemoryMediaStore {
    async fn put(&self, key: &MediaKey, blob: Blob) -> Result<(), MediaError> {
        self.check()?;
        let due = self
            .puts_before_failure
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| match n {
                u32::MAX => None,
                0 => Some(u32::MAX),
                n => Some(n - 1),
            })
            == Ok(0);
        if due {
            return Err(MediaError::Unavailable(crate::INJECTED_FAULT.to_owned()));
        }
        self.lock().insert(key.clone(), blob);
        Ok(())
    }

    async fn get(&self, key: &MediaKey) -> Result<Option<Blob>, MediaError> {
        self.check()?;
        Ok(self.lock().get(key).cloned())
    }

    async fn delete(&self, key: &MediaKey) -> Result<(), MediaError> {
        self.check()?;
        if self.failing_deletes.load(Ordering::SeqCst) {
            return Err(MediaError::Unavailable(crate::INJECTED_FAULT.to_owned()));
        }
        self.lock().remove(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(raw: &str) -> MediaKey {
        MediaKey::new(raw).unwrap()
    }

    fn blob() -> Blob {
        Blob {
            bytes: vec![1, 2, 3],
            content_type: "image/jpeg".to_owned(),
        }
    }

    #[tokio::test]
    async fn a_put_fails_after_the_given_number_then_puts_work_again() {
        let store = MemoryMediaStore::new(Faults::new());
        store.fail_put_after(2);
        assert!(store.put(&key("a.jpg"), blob()).await.is_ok());
        assert!(store.put(&key("b.jpg"), blob()).await.is_ok());
        assert!(matches!(
            store.put(&key("c.jpg"), blob()).await,
            Err(MediaError::Unavailable(_))
        ));
        assert!(store.put(&key("d.jpg"), blob()).await.is_ok());
        assert_eq!(store.keys(), ["a.jpg", "b.jpg", "d.jpg"]);
    }

    #[tokio::test]
    async fn shared_faults_and_failing_deletes() {
        let faults = Faults::new();
        let store = MemoryMediaStore::new(faults.clone());
        assert!(store.put(&key("a.jpg"), blob()).await.is_ok());
        store.set_failing_deletes(true);
        assert!(store.delete(&key("a.jpg")).await.is_err());
        store.set_failing_deletes(false);
        faults.set_unavailable(true);
        assert!(store.get(&key("a.jpg")).await.is_err());
        faults.set_unavailable(false);
        assert!(store.delete(&key("a.jpg")).await.is_ok());
        assert!(store.is_empty());
    }
}
