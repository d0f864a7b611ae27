//! The JWT signing secret and the key sealing stored secrets: from
//! configuration, or generated once and kept in the data directory, readable
//! only by the server's user. (Production sets both from a secret store: a
//! key kept beside the database it protects guards against a leaked database
//! dump, not against a copied data directory.) And the password hasher.
//!
//! The only module naming the crypto adapters: the binaries get a
//! [`SecretSealer`] and a [`PasswordHasher`] from here.

use std::fs;
use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use rand::RngCore as _;

use sinmungo_core::domain::{SecretName, SecretValue};
use sinmungo_core::ports::{PasswordHasher, SealError, SecretSealer};
use sinmungo_crypto::{Argon2Hasher, XChaChaSealer};

use crate::secret::{ApiSecret, Secret};

const SECRET_FILE: &str = "jwt-secret";
const SEALING_KEY_FILE: &str = "secrets-key";

/// The sealer of a process that holds no secrets key (the worker): every
/// seal and open fails, saying so.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSealer;

impl SecretSealer for NoSealer {
    fn seal(&self, name: &SecretName, _: &SecretValue) -> Result<Vec<u8>, SealError> {
        Err(SealError::Failed(format!(
            "this process holds no secrets key to seal {name}"
        )))
    }

    fn open(&self, name: &SecretName, _: &[u8]) -> Result<SecretValue, SealError> {
        Err(SealError::Failed(format!(
            "this process holds no secrets key to open {name}"
        )))
    }
}

/// The production password hasher (argon2id).
pub fn password_hasher() -> Arc<dyn PasswordHasher> {
    Arc::new(Argon2Hasher::new())
}

/// The sealer of stored secrets: `key` (`SINMUNGO_SECRETS_KEY`), or the key
/// in `data_dir/secrets-key` (created on first start).
pub fn sealer(key: Option<&ApiSecret>, data_dir: &Path) -> anyhow::Result<Arc<dyn SecretSealer>> {
    Ok(Arc::new(xchacha_sealer(key, data_dir)?))
}

fn xchacha_sealer(key: Option<&ApiSecret>, data_dir: &Path) -> anyhow::Result<XChaChaSealer> {
    if let Some(key) = key {
        return Ok(XChaChaSealer::from_base64(key.expose())?);
    }
    let path = data_dir.join(SEALING_KEY_FILE);
    let key = match fs::read_to_string(&path) {
        Ok(existing) => existing,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let key = XChaChaSealer::generate_key();
            write_new(&path, &key)?;
            tracing::info!(path = %path.display(), "generated a key sealing stored secrets");
            key
        }
        Err(error) => return Err(error).with_context(|| format!("reading {}", path.display())),
    };
    XChaChaSealer::from_base64(&key).with_context(|| format!("the key in {}", path.display()))
}

/// The configured `secret` (`SINMUNGO_JWT_SECRET`), or the one stored in
/// `data_dir/jwt-secret` (created on first start).
pub fn jwt_secret(secret: Option<&Secret>, data_dir: &Path) -> anyhow::Result<Vec<u8>> {
    if let Some(secret) = secret {
        return Ok(secret.expose().to_vec());
    }
    let path = data_dir.join(SECRET_FILE);
    match fs::read_to_string(&path) {
        Ok(existing) if existing.trim().len() >= 32 => Ok(existing.trim().as_bytes().to_vec()),
        Ok(_) => anyhow::bail!(
            "{} is shorter than 32 characters; delete it to generate a new one",
            path.display()
        ),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => generate(&path),
        Err(error) => Err(error).with_context(|| format!("reading {}", path.display())),
    }
}

fn generate(path: &Path) -> anyhow::Result<Vec<u8>> {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    write_new(path, &secret)?;
    tracing::info!(path = %path.display(), "generated a JWT signing secret");
    Ok(secret.into_bytes())
}

/// Writes a new file readable only by this user (fails if it exists).
fn write_new(path: &Path, content: &str) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(content.as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_secret_is_kept_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = jwt_secret(None, dir.path()).unwrap();
        assert_eq!(first.len(), 64);
        assert_eq!(jwt_secret(None, dir.path()).unwrap(), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(dir.path().join(SECRET_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
