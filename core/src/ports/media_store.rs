//! Blobs by key: photos, their public copies and thumbnails.

use async_trait::async_trait;

/// Where a blob lives: `/`-separated segments of ASCII letters, digits, `.`,
/// `_` and `-` (no empty, `.` or `..` segment, no leading `/`), at most 512 bytes,
/// so a key is safe as a file path and as an object-store path alike.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MediaKey(String);

/// A key that breaks [`MediaKey`]'s rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid media key {0:?}")]
pub struct InvalidMediaKey(pub String);

impl MediaKey {
    /// The longest key, in bytes.
    pub const MAX_LEN: usize = 512;

    /// Checks `raw` against the rules.
    pub fn new(raw: &str) -> Result<Self, InvalidMediaKey> {
        let valid_segment = |segment: &str| {
            !segment.is_empty()
                && segment != "."
                && segment != ".."
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        };
        if raw.len() <= Self::MAX_LEN && raw.split('/').all(valid_segment) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(InvalidMediaKey(raw.to_owned()))
        }
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for MediaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A stored blob.
#[derive(Clone, PartialEq, Eq)]
pub struct Blob {
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// Its media type, as given to [`MediaStore::put`].
    pub content_type: String,
}

impl std::fmt::Debug for Blob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Blob")
            .field("bytes", &self.bytes.len())
            .field("content_type", &self.content_type)
            .finish()
    }
}

/// Why a media operation failed.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The storage cannot be reached now; trying again later may work.
    #[error("media storage unavailable: {0}")]
    Unavailable(String),
    /// Anything else (permissions, corrupt data, bugs).
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Stores blobs by key.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait MediaStore: Send + Sync {
    /// Stores `blob` under `key`, replacing what was there; a reader sees the
    /// old blob or the new one, never a part.
    async fn put(&self, key: &MediaKey, blob: Blob) -> Result<(), MediaError>;

    /// The blob under `key`, if there is one.
    async fn get(&self, key: &MediaKey) -> Result<Option<Blob>, MediaError>;

    /// Removes the blob under `key`; removing a missing key is not an error.
    async fn delete(&self, key: &MediaKey) -> Result<(), MediaError>;
}

#[cfg(test)]
mod tests {
    use super::MediaKey;

    #[test]
    fn keys_are_safe_paths() {
        for good in ["a", "reports/0192/photo.jpg", "x/y-z_1.webp"] {
            assert!(MediaKey::new(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "/a",
            "a/",
            "a//b",
            "../etc/passwd",
            "a/./b",
            "a b",
            "한글.jpg",
            "a\\b",
        ] {
            assert!(MediaKey::new(bad).is_err(), "{bad}");
        }
        assert!(MediaKey::new(&"a".repeat(MediaKey::MAX_LEN + 1)).is_err());
    }
}
