//! The storage URL: which backend holds the media, and where in it.

use std::path::PathBuf;
use std::str::FromStr;

use sinmungo_core::ports::MediaKey;

use crate::error::OpenError;

/// Where media is stored, parsed from a URL:
///
/// - `file:///var/lib/sinmungo/media` — an absolute directory;
///   `file://./data/media` (or `file://../media`) — a directory relative to the
///   working directory. The path is taken as written (no percent-decoding);
///   anything else after `file://` (`file://host/…`) is refused rather than
///   guessed at. The directory is created when the store opens.
/// - `s3://bucket` or `s3://bucket/prefix/…` — keys live under the prefix;
///   the endpoint, region and credentials come from [`S3Config`](crate::S3Config),
///   never from the URL.
/// - `memory://` — a fresh in-process store, for tests and demos.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageUrl {
    /// A directory on the local file system.
    File(PathBuf),
    /// A bucket of an S3-compatible server.
    S3 {
        /// The bucket's name.
        bucket: String,
        /// The keys' common prefix, if any (`/`-separated, no leading or trailing `/`).
        prefix: Option<MediaKey>,
    },
    /// Process memory: gone when the process ends.
    Memory,
}

impl StorageUrl {
    /// The embedded default: `./data/media`, next to the default SQLite database.
    pub const DEFAULT: &'static str = "file://./data/media";

    /// Parses `url`; see the type's documentation for the accepted forms.
    pub fn parse(url: &str) -> Result<Self, OpenError> {
        let invalid = |reason: &str| OpenError::InvalidUrl {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err(invalid(
                "expected file:///path, file://./path, s3://bucket/prefix or memory://",
            ));
        };
        match scheme {
            "file" => {
                let absolute = rest.starts_with('/');
                let relative = rest.starts_with("./") || rest.starts_with("../");
                if !(absolute || relative) || rest.trim_end_matches('/').is_empty() {
                    return Err(invalid(
                        "a file URL is file:///absolute/path or file://./relative/path",
                    ));
                }
                Ok(Self::File(PathBuf::from(rest)))
            }
            "s3" => {
                let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
                if bucket.contains('@') {
                    return Err(invalid(
                        "credentials do not belong in the URL; \
                         set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
                    ));
                }
                if !is_bucket_name(bucket) {
                    return Err(invalid(
                        "a bucket name is 3 to 63 lowercase letters, digits, '-' and '.'",
                    ));
                }
                let prefix = prefix.trim_end_matches('/');
                let prefix = if prefix.is_empty() {
                    None
                } else {
                    Some(MediaKey::new(prefix).map_err(|_| {
                        invalid("the prefix must be '/'-separated ASCII letters, digits, '.', '_' and '-'")
                    })?)
                };
                Ok(Self::S3 {
                    bucket: bucket.to_owned(),
                    prefix,
                })
            }
            "memory" if rest.is_empty() => Ok(Self::Memory),
            "memory" => Err(invalid("an in-memory store is just memory://")),
            other => Err(OpenError::UnknownScheme {
                url: url.to_owned(),
                scheme: other.to_owned(),
            }),
        }
    }
}

impl FromStr for StorageUrl {
    type Err = OpenError;

    fn from_str(url: &str) -> Result<Self, Self::Err> {
        Self::parse(url)
    }
}

impl std::fmt::Display for StorageUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(path) => write!(f, "file://{}", path.display()),
            Self::S3 {
                bucket,
                prefix: Some(prefix),
            } => write!(f, "s3://{bucket}/{prefix}"),
            Self::S3 {
                bucket,
                prefix: None,
            } => write!(f, "s3://{bucket}"),
            Self::Memory => f.write_str("memory://"),
        }
    }
}

/// S3's rules for bucket names, the part that matters for a URL.
fn is_bucket_name(name: &str) -> bool {
    let edge_ok = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    (3..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'.'))
        && edge_ok(name.as_bytes().first())
        && edge_ok(name.as_bytes().last())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_urls_are_absolute_or_dot_relative() {
        assert_eq!(
            StorageUrl::parse("file:///var/lib/media").unwrap(),
            StorageUrl::File("/var/lib/media".into())
        );
        assert_eq!(
            StorageUrl::parse(StorageUrl::DEFAULT).unwrap(),
            StorageUrl::File("./data/media".into())
        );
        assert_eq!(
            StorageUrl::parse("file://../media").unwrap(),
            StorageUrl::File("../media".into())
        );
        for bad in [
            "file://data/media",
            "file://",
            "file:///",
            "file:/abs",
            "/abs/path",
        ] {
            assert!(
                matches!(StorageUrl::parse(bad), Err(OpenError::InvalidUrl { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn s3_urls_name_a_bucket_and_an_optional_prefix() {
        assert_eq!(
            StorageUrl::parse("s3://sinmungo-media").unwrap(),
            StorageUrl::S3 {
                bucket: "sinmungo-media".into(),
                prefix: None
            }
        );
        assert_eq!(
            StorageUrl::parse("s3://sinmungo-media/prod/photos/").unwrap(),
            StorageUrl::S3 {
                bucket: "sinmungo-media".into(),
                prefix: Some(MediaKey::new("prod/photos").unwrap())
            }
        );
        for bad in [
            "s3://",
            "s3://Upper",
            "s3://ab",
            "s3://-bucket",
            "s3://key:secret@bucket/x",
            "s3://bucket/a//b",
            "s3://bucket/../x",
        ] {
            assert!(
                matches!(StorageUrl::parse(bad), Err(OpenError::InvalidUrl { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn memory_and_unknown_schemes() {
        assert_eq!(StorageUrl::parse("memory://").unwrap(), StorageUrl::Memory);
        assert!(matches!(
            StorageUrl::parse("memory://x"),
            Err(OpenError::InvalidUrl { .. })
        ));
        match StorageUrl::parse("ftp://example.org/media") {
            Err(err @ OpenError::UnknownScheme { .. }) => {
                let message = err.to_string();
                assert!(message.contains("ftp"), "{message}");
                assert!(message.contains("file://"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn display_round_trips() {
        for url in [
            "file:///var/lib/media",
            "file://./data/media",
            "s3://bucket/prefix/x",
            "s3://bucket",
            "memory://",
        ] {
            assert_eq!(StorageUrl::parse(url).unwrap().to_string(), url);
        }
    }
}
