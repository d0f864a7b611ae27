//! argon2id password hashing, off the async executor.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{
    PasswordHash as PhcHash, PasswordHasher as _, PasswordVerifier as _, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use async_trait::async_trait;
use sinmungo_core::domain::{Password, PasswordHash};
use sinmungo_core::ports::{HashError, PasswordHasher};

/// argon2id with OWASP's recommended minimum: 19 MiB, 2 passes, 1 lane.
#[derive(Debug, Clone)]
pub struct Argon2Hasher {
    params: Params,
}

impl Argon2Hasher {
    /// OWASP parameters (m = 19456 KiB, t = 2, p = 1).
    pub fn new() -> Self {
        Self::with_params(19_456, 2, 1).unwrap_or_else(|_| Self {
            params: Params::default(),
        })
    }

    /// Custom parameters (memory in KiB, passes, lanes).
    pub fn with_params(memory_kib: u32, passes: u32, lanes: u32) -> Result<Self, HashError> {
        let params =
            Params::new(memory_kib, passes, lanes, None).map_err(|e| HashError(e.to_string()))?;
        Ok(Self { params })
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
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
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2
                .hash_password(password.expose().as_bytes(), &salt)
                .map(|hash| PasswordHash::new(hash.to_string()))
                .map_err(|e| HashError(e.to_string()))
        })
        .await
        .map_err(|e| HashError(e.to_string()))?
    }

    async fn verify(&self, password: &Password, hash: &PasswordHash) -> Result<bool, HashError> {
        let argon2 = self.argon2();
        let password = password.clone();
        let phc = hash.as_str().to_owned();
        tokio::task::spawn_blocking(move || {
            let parsed = PhcHash::new(&phc).map_err(|e| HashError(e.to_string()))?;
            match argon2.verify_password(password.expose().as_bytes(), &parsed) {
                Ok(()) => Ok(true),
                Err(argon2::password_hash::Error::Password) => Ok(false),
                Err(other) => Err(HashError(other.to_string())),
            }
        })
        .await
        .map_err(|e| HashError(e.to_string()))?
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
}
