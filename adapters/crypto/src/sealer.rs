//! Sealing stored secrets with XChaCha20-Poly1305 (RustCrypto's
//! `chacha20poly1305`): a 256-bit key from `SINMUNGO_SECRETS_KEY`, a fresh
//! random 192-bit nonce per seal (large enough that random nonces never
//! collide in practice), and the secret's name as associated data so a
//! sealed value copied to another name's row does not open.
//!
//! Sealed layout: `v1` (2 bytes) ‖ nonce (24 bytes) ‖ ciphertext and tag.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead as _, KeyInit as _, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore as _;
use sinmungo_core::domain::{SecretName, SecretValue};
use sinmungo_core::ports::{SealError, SecretSealer};

const VERSION: &[u8; 2] = b"v1";
const NONCE_BYTES: usize = 24;

/// Seals secrets under one key.
#[derive(Clone)]
pub struct XChaChaSealer {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for XChaChaSealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("XChaChaSealer(<key redacted>)")
    }
}

/// The configured key is not 32 bytes of base64.
#[derive(Debug, thiserror::Error)]
#[error("SINMUNGO_SECRETS_KEY must be 32 random bytes in base64 (e.g. `openssl rand -base64 32`)")]
pub struct BadSecretsKey;

impl XChaChaSealer {
    /// A sealer with a 32-byte key.
    pub fn new(key: &[u8; 32]) -> Self {
        Self {
            cipher: XChaCha20Poly1305::new(key.into()),
        }
    }

    /// A sealer with a key given as base64 (standard alphabet, padded or not).
    pub fn from_base64(key: &str) -> Result<Self, BadSecretsKey> {
        let trimmed = key.trim().trim_end_matches('=');
        let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(trimmed)
            .map_err(|_| BadSecretsKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| BadSecretsKey)?;
        Ok(Self::new(&key))
    }

    /// A new random key, in base64 (for a first start without one).
    pub fn generate_key() -> String {
        let mut key = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut key);
        STANDARD.encode(key)
    }
}

impl SecretSealer for XChaChaSealer {
    fn seal(&self, name: &SecretName, value: &SecretValue) -> Result<Vec<u8>, SealError> {
        let mut nonce = [0u8; NONCE_BYTES];
        rand::thread_rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: value.expose().as_bytes(),
                    aad: name.as_str().as_bytes(),
                },
            )
            .map_err(|_| SealError::Failed("encryption failed".to_owned()))?;
        let mut out = Vec::with_capacity(VERSION.len() + NONCE_BYTES + sealed.len());
        out.extend_from_slice(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    fn open(&self, name: &SecretName, sealed: &[u8]) -> Result<SecretValue, SealError> {
        let unopenable = || SealError::Unopenable(name.to_string());
        let rest = sealed.strip_prefix(VERSION).ok_or_else(unopenable)?;
        if rest.len() < NONCE_BYTES {
            return Err(unopenable());
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_BYTES);
        let plain = self
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: name.as_str().as_bytes(),
                },
            )
            .map_err(|_| unopenable())?;
        let text = String::from_utf8(plain).map_err(|_| unopenable())?;
        SecretValue::new(text).map_err(|_| unopenable())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(raw: &str) -> SecretName {
        SecretName::new(raw).unwrap()
    }

    #[test]
    fn seals_open_only_with_the_same_key_and_name() {
        let sealer = XChaChaSealer::from_base64(&XChaChaSealer::generate_key()).unwrap();
        let value = SecretValue::new("rf_live_0123456789".into()).unwrap();
        let sealed = sealer.seal(&name("roboflow.api_key"), &value).unwrap();
        assert!(!sealed.windows(b"rf_live".len()).any(|w| w == b"rf_live"));
        assert_eq!(
            sealer.open(&name("roboflow.api_key"), &sealed).unwrap(),
            value
        );
        // Two seals of one value differ (fresh nonces).
        assert_ne!(
            sealer.seal(&name("roboflow.api_key"), &value).unwrap(),
            sealed
        );
        // Another name, another key, a flipped bit: refused.
        assert!(sealer.open(&name("llm.api_key"), &sealed).is_err());
        let other = XChaChaSealer::from_base64(&XChaChaSealer::generate_key()).unwrap();
        assert!(other.open(&name("roboflow.api_key"), &sealed).is_err());
        let mut tampered = sealed;
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(sealer.open(&name("roboflow.api_key"), &tampered).is_err());
        assert!(sealer.open(&name("roboflow.api_key"), b"v1short").is_err());
    }

    #[test]
    fn keys_must_be_32_bytes_of_base64_and_never_print() {
        assert!(XChaChaSealer::from_base64("c2hvcnQ=").is_err());
        assert!(XChaChaSealer::from_base64("not base64!").is_err());
        let key = XChaChaSealer::generate_key();
        let sealer = XChaChaSealer::from_base64(&key).unwrap();
        assert!(!format!("{sealer:?}").contains(&key));
    }
}
