//! Errors: opening a store, and `object_store`'s errors mapped into the port's.

use object_store::client::{HttpError, HttpErrorKind};
use sinmungo_core::ports::MediaError;

/// Why a media store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The URL's scheme is none of `file`, `s3` and `memory`.
    #[error("unknown media storage scheme {scheme:?} in {url:?}; use file://, s3:// or memory://")]
    UnknownScheme {
        /// The URL as given.
        url: String,
        /// Its scheme.
        scheme: String,
    },
    /// The URL does not have the form its scheme needs.
    #[error("invalid media storage URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The S3 settings are unusable (an endpoint that is not a URL, a key id without its secret).
    #[error("invalid S3 settings: {0}")]
    InvalidS3Config(String),
    /// The media directory could not be created or opened.
    #[error("cannot use media directory {path}: {source}")]
    Directory {
        /// The directory.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The backend refused the settings.
    #[error("cannot open media storage {url}: {source}")]
    Backend {
        /// The URL as given.
        url: String,
        /// The backend's reason.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Maps an `object_store` error (other than "not found", which callers handle
/// first) into the port's error: connection trouble and server-side failures
/// of a remote store are `Unavailable` (retrying later may work); anything
/// else, including refused credentials and local I/O errors, is `Unknown`.
pub(crate) fn media_error(err: object_store::Error) -> MediaError {
    if is_unavailable(&err) {
        MediaError::Unavailable(err.to_string())
    } else {
        MediaError::Unknown(anyhow::Error::new(err))
    }
}

fn is_unavailable(err: &object_store::Error) -> bool {
    let object_store::Error::Generic { store, source } = err else {
        return false;
    };
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(source.as_ref());
    while let Some(error) = cause {
        if let Some(http) = error.downcast_ref::<HttpError>() {
            return !matches!(http.kind(), HttpErrorKind::Decode);
        }
        cause = error.source();
    }
    // A remote store's generic error with no transport error in its chain is a
    // status the client gave up retrying (5xx, throttling) — `object_store`
    // maps 404, 409, 412, 401 and 403 to their own variants, and keeps the
    // status type private. The local file system's generic errors are I/O.
    *store == "S3"
}
