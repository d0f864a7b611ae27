//! argon2id password hashing, off the async executor, a few at a time.

use std::num::NonZeroUsize;
use std::sync::Arc;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{
    PasswordHash as PhcHash, PasswordHasher as _, PasswordVerifier as _, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use async_trait::async_trait;
use sinmungo_core::domain::{Password, PasswordHash};
use sinmungo_core::ports::{HashError, PasswordHasher};
use tokio::sync::Semaphore;

/// argon2id with OWASP's recommended minimum: 19 MiB, 2 passes, 1 lane; at
/// most one hash per core at a time.
#[derive(Debug, Clone)]
pub struct Argon2Hasher {
    params: Params,
    slots: Slots,
}

impl Argon2Hasher {
    /// OWASP parameters (m = 19456 KiB, t = 2, p = 1).
    pub fn new() -> Self {
        Self::with_params(19_456, 2, 1).unwrap_or_else(|_| Self {
            params: Params::default(),
            slots: Slots::per_core(),
        })
    }

    /// Custom parameters (memory in KiB, passes, lanes).
    pub fn with_params(memory_kib: u32, passes: u32, lanes: u32) -> Result<Self, HashError> {
        let params =
            Params::new(memory_kib, passes, lanes, None).map_err(|e| HashError(e.to_string()))?;
        Ok(Self {
            params,
            slots: Slots::per_core(),
        })
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }
}

/// Turns for the hashes: each holds its memory (19 MiB) and a core for its
/// whole run, so running more at once than there are cores adds memory and
/// no speed — 500 sign-ins at once would hold 9.5 GB. The rest wait.
#[derive(Debug, Clone)]
struct Slots(Arc<Semaphore>);

impl Slots {
    fn new(count: usize) -> Self {
        Self(Arc::new(Semaphore::new(count)))
    }

    fn per_core() -> Self {
        Self::new(std::thread::available_parallelism().map_or(1, NonZeroUsize::get))
    }

    /// Runs `work` on the blocking pool once a slot is free. The slot goes
    /// with the work, not with the caller: a caller that gives up (a client
    /// gone) leaves its hash running, and the slot taken until it ends.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let slot = self
            .0
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| HashError(e.to_string()))?;
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            work()
        })
        .await
        .map_err(|e| HashError(e.to_string()))
    }
}

impl Default for Argon2Hasher {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl PasswordHasher for Argon2Hasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError> {
        let argon2 = self.argon2();
        let password = password.clone();
        self.slots
            .run(move || {
                let salt = SaltString::generate(&mut OsRng);
                argon2
                    .hash_password(password.expose().as_bytes(), &salt)
                    .map(|hash| PasswordHash::new(hash.to_string()))
                    .map_err(|e| HashError(e.to_string()))
            })
            .await?
    }

    async fn verify(&self, password: &Password, hash: &PasswordHash) -> Result<bool, HashError> {
        let argon2 = self.argon2();
        let password = password.clone();
        let phc = hash.as_str().to_owned();
        self.slots
            .run(move || {
                let parsed = PhcHash::new(&phc).map_err(|e| HashError(e.to_string()))?;
                match argon2.verify_password(password.expose().as_bytes(), &parsed) {
                    Ok(()) => Ok(true),
                    Err(argon2::password_hash::Error::Password) => Ok(false),
                    Err(other) => Err(HashError(other.to_string())),
                }
            })
            .await?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_wrong_passwords_do_not() {
        let hasher = Argon2Hasher::with_params(1024, 1, 1).unwrap();
        let password = Password::new("jeonbuk2026!").unwrap();
        let hash = hasher.hash(&password).await.unwrap();
        assert!(hash.as_str().starts_with("$argon2id$"));
        assert!(hasher.verify(&password, &hash).await.unwrap());
        let wrong = Password::new("jeonbuk2027!").unwrap();
        assert!(!hasher.verify(&wrong, &hash).await.unwrap());
        // Two hashes of one password differ (salted).
        assert_ne!(hasher.hash(&password).await.unwrap(), hash);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_more_hashes_run_at_once_than_there_are_slots() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let slots = Slots::new(2);
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let works: Vec<_> = (0..8)
            .map(|_| {
                let (slots, running, most) = (slots.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    slots
                        .run(move || {
                            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(now, Ordering::SeqCst);
                            std::thread::sleep(std::time::Duration::from_millis(50));
                            running.fetch_sub(1, Ordering::SeqCst);
                        })
                        .await
                })
            })
            .collect();
        for work in works {
            work.await.unwrap().unwrap();
        }
        assert_eq!(
            most.load(Ordering::SeqCst),
            2,
            "two at a time, and both used"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_caller_that_gives_up_keeps_its_slot_until_its_hash_ends() {
        let slots = Slots::new(1);
        let (release, released) = std::sync::mpsc::channel::<()>();
        let (started, first_started) = tokio::sync::oneshot::channel();
        let first_ended = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let caller = tokio::spawn({
            let (slots, first_ended) = (slots.clone(), first_ended.clone());
            async move {
                slots
                    .run(move || {
                        let _ = started.send(());
                        let _ = released.recv();
                        first_ended.store(true, std::sync::atomic::Ordering::SeqCst);
                    })
                    .await
            }
        });
        first_started.await.unwrap();
        caller.abort();
        let _ = caller.await;
        let second = tokio::spawn({
            let (slots, first_ended) = (slots.clone(), first_ended.clone());
            async move {
                slots
                    .run(move || first_ended.load(std::sync::atomic::Ordering::SeqCst))
                    .await
            }
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        release.send(()).unwrap();
        assert!(
            second.await.unwrap().unwrap(),
            "the second hash started only after the first had ended"
        );
    }
}
