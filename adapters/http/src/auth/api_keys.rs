//! Service accounts' API keys: `smk_` and 32 random bytes in base64url. Keys
//! carry 256 bits of entropy, so a fast hash (SHA-256) is the right way to
//! store them: nothing to brute-force, and checking stays cheap per request.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::RngCore as _;

/// Every key starts with this, so a bearer token is told from a JWT at a glance
/// (and secret scanners can find leaked keys).
pub const API_KEY_PREFIX: &str = "smk_";

/// A new key, the prefix shown to tell keys apart, and the hash to store.
pub fn generate() -> (String, String, String) {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let key = format!("{API_KEY_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let prefix = key.chars().take(API_KEY_PREFIX.len() + 6).collect();
    let hash = hash(&key);
    (key, prefix, hash)
}

/// The stored form of a key.
pub fn hash(key: &str) -> String {
    crate::auth::digest::sha256_hex(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_prefixed_and_stored_hashed() {
        let (key, prefix, hashed) = generate();
        let (other, _, _) = generate();
        assert_ne!(key, other);
        assert!(key.starts_with("smk_") && key.len() == 4 + 43);
        assert!(key.starts_with(&prefix) && prefix.len() == 10);
        assert_eq!(hashed, hash(&key));
        assert!(!hashed.contains(&key[4..]));
    }
}
