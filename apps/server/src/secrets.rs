//! The JWT signing secret: from configuration, or generated once and kept in
//! the data directory, readable only by the server's user.

use std::fs;
use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;
use rand::RngCore as _;

use crate::config::ServerConfig;

const SECRET_FILE: &str = "jwt-secret";

/// The configured secret, or the one stored in `DATA_DIR/jwt-secret` (created on first start).
pub fn jwt_secret(config: &ServerConfig) -> anyhow::Result<Vec<u8>> {
    if let Some(secret) = &config.jwt_secret {
        return Ok(secret.expose().to_vec());
    }
    let path = config.data_dir.join(SECRET_FILE);
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
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(secret.as_bytes())?;
    tracing::info!(path = %path.display(), "generated a JWT signing secret");
    Ok(secret.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_secret_is_kept_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let config = ServerConfig {
            data_dir: dir.path().to_owned(),
            ..ServerConfig::embedded_defaults()
        };
        let first = jwt_secret(&config).unwrap();
        assert_eq!(first.len(), 64);
        assert_eq!(jwt_secret(&config).unwrap(), first);
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
