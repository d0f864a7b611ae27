//! Token hashing (refresh tokens, API keys), and the one way the HTTP adapter writes a digest down: lower-case hex.

use sha2::{Digest as _, Sha256};

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of `text`, in hex: how high-entropy tokens (refresh tokens, API
/// keys) are stored — nothing to brute-force, so no slow hash is needed.
pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}
