//! The one way this crate writes a digest down: lower-case hex.

use sha2::{Digest as _, Sha256};

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of `text`, in hex: how high-entropy tokens (refresh tokens, API
/// keys) are stored — nothing to brute-force, so no slow hash is needed.
pub(crate) fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}
