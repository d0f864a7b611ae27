//! The content type of a blob, named by its key's suffix.
//!
//! `object_store`'s local file system cannot keep attributes (its `put_opts`
//! refuses them), and a sidecar file could not be replaced atomically with the
//! blob. So the key decides: `…/public.jpg` is `image/jpeg` on every backend,
//! and a `put` whose content type contradicts its key is refused everywhere,
//! so that a mistake shows up in memory-backed tests, not only on disk.

use sinmungo_core::ports::MediaKey;

/// Suffixes (compared without regard to ASCII case) and the media types they name.
const SUFFIXES: &[(&str, &str)] = &[
    (".jpg", "image/jpeg"),
    (".jpeg", "image/jpeg"),
    (".png", "image/png"),
    (".webp", "image/webp"),
    (".json", "application/json"),
];

/// What a key with no known suffix holds.
const OCTET_STREAM: &str = "application/octet-stream";

/// The media type `key` holds, from its suffix: `.jpg`/`.jpeg` → `image/jpeg`,
/// `.png` → `image/png`, `.webp` → `image/webp`, `.json` → `application/json`,
/// anything else → `application/octet-stream`.
pub fn media_type_for(key: &MediaKey) -> &'static str {
    let key = key.as_str().as_bytes();
    SUFFIXES
        .iter()
        .find(|(suffix, _)| {
            key.len() >= suffix.len()
                && key[key.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
        })
        .map_or(OCTET_STREAM, |(_, media_type)| media_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn media_type(key: &str) -> &'static str {
        media_type_for(&MediaKey::new(key).unwrap())
    }

    #[test]
    fn suffix_names_the_media_type() {
        assert_eq!(media_type("reports/1/public.jpg"), "image/jpeg");
        assert_eq!(media_type("a/original.JPEG"), "image/jpeg");
        assert_eq!(media_type("a/original.png"), "image/png");
        assert_eq!(media_type("a/original.webp"), "image/webp");
        assert_eq!(media_type("a/meta.json"), "application/json");
        assert_eq!(media_type("a/blob"), "application/octet-stream");
        assert_eq!(media_type("jpg"), "application/octet-stream");
        assert_eq!(media_type("a.jpg/b"), "application/octet-stream");
    }
}
