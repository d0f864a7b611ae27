//! A password "hasher" for tests. **Never use it outside tests**: it stores
//! the password itself.

use async_trait::async_trait;
use sinmungo_core::domain::user::{Password, PasswordHash};
use sinmungo_core::ports::{HashError, PasswordHasher};

/// The prefix of every fake hash.
const PREFIX: &str = "fake$";

/// **FOR TESTS ONLY — NOT A HASH.** Stores `fake$<password>` in clear text and
/// verifies by comparison, so tests do not pay for argon2.
#[derive(Debug, Clone, Copy, Default)]
pub struct FakePasswordHasher;

#[async_trait]
impl PasswordHasher for FakePasswordHasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError> {
        Ok(PasswordHash::new(format!("{PREFIX}{}", password.expose())))
    }

    async fn verify(&self, password: &Password, hash: &PasswordHash) -> Result<bool, HashError> {
        match hash.as_str().strip_prefix(PREFIX) {
            Some(stored) => Ok(stored == password.expose()),
            None => Err(HashError("not a fake hash".to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn verifies_the_password_it_hashed_and_no_other() {
        let hasher = FakePasswordHasher;
        let password = Password::new("jeonbuk2026!").unwrap();
        let hash = hasher.hash(&password).await.unwrap();
        assert!(hasher.verify(&password, &hash).await.unwrap());
        let other = Password::new("jeonbuk2027!").unwrap();
        assert!(!hasher.verify(&other, &hash).await.unwrap());
        let argon = PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into());
        assert!(hasher.verify(&password, &argon).await.is_err());
    }
}
