//! Sealed secrets in memory, and a sealer for tests.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use sinmungo_core::domain::identity::{SealedSecret, SecretName, SecretValue};
use sinmungo_core::ports::{SealError, SecretSealer, SettingsStore, StoreError};

use crate::faults::Faults;
use crate::time::stored;

/// A [`SettingsStore`] in memory.
#[derive(Debug, Default)]
pub struct MemorySettingsStore {
    secrets: Mutex<BTreeMap<SecretName, SealedSecret>>,
    faults: Faults,
}

impl MemorySettingsStore {
    /// An empty store that fails when `faults` says so.
    pub fn new(faults: Faults) -> Self {
        Self {
            secrets: Mutex::default(),
            faults,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<SecretName, SealedSecret>> {
        self.secrets.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl SettingsStore for MemorySettingsStore {
    async fn put_secret(&self, secret: &SealedSecret) -> Result<Option<SealedSecret>, StoreError> {
        self.faults.check()?;
        let mut secret = secret.clone();
        secret.updated_at = stored(secret.updated_at);
        Ok(self.lock().insert(secret.name.clone(), secret))
    }

    async fn secret(&self, name: &SecretName) -> Result<Option<SealedSecret>, StoreError> {
        self.faults.check()?;
        Ok(self.lock().get(name).cloned())
    }

    async fn secrets(&self) -> Result<Vec<SealedSecret>, StoreError> {
        self.faults.check()?;
        Ok(self.lock().values().cloned().collect())
    }

    async fn delete_secret(&self, name: &SecretName) -> Result<bool, StoreError> {
        self.faults.check()?;
        Ok(self.lock().remove(name).is_some())
    }
}

/// A sealer for tests: *not* encryption. It reverses the bytes and binds the
/// name, so sealed values do not read as the plain text and a value sealed
/// under one name does not open under another — enough to test the use
/// cases; the real AEAD lives in the HTTP adapter.
#[derive(Debug, Clone, Copy, Default)]
pub struct FakeSealer;

impl SecretSealer for FakeSealer {
    fn seal(&self, name: &SecretName, value: &SecretValue) -> Result<Vec<u8>, SealError> {
        let mut sealed = format!("{}\0", name.as_str()).into_bytes();
        sealed.extend(value.expose().bytes().rev());
        Ok(sealed)
    }

    fn open(&self, name: &SecretName, sealed: &[u8]) -> Result<SecretValue, SealError> {
        let unopenable = || SealError::Unopenable(name.to_string());
        let prefix = format!("{}\0", name.as_str());
        let body = sealed
            .strip_prefix(prefix.as_bytes())
            .ok_or_else(unopenable)?;
        let plain: Vec<u8> = body.iter().rev().copied().collect();
        let text = String::from_utf8(plain).map_err(|_| unopenable())?;
        SecretValue::new(text).map_err(|_| unopenable())
    }
}
