//! The `MediaStore` port over `object_store`: one type for the local file
//! system, S3-compatible servers and memory.

use std::sync::Arc;

use anyhow::anyhow;
use async_trait::async_trait;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{Attribute, Attributes, ObjectStore, ObjectStoreExt, PutOptions, PutPayload};
use sinmungo_core::ports::{Blob, MediaError, MediaKey, MediaStore};

use crate::error::{media_error, OpenError};
use crate::media_type::media_type_for;
use crate::s3::S3Config;
use crate::storage_url::StorageUrl;

/// Blobs in a directory, an S3 bucket or memory, by key.
///
/// - Writes are atomic: the file system writes a temporary file next to the
///   target, flushes it to disk and renames it into place (`object_store`'s
///   `LocalFileSystem` with fsync on, so a write that returned survives a
///   power cut as it would on S3); S3 and memory replace objects whole.
/// - A blob's content type is its key's suffix ([`media_type_for`]); a `put`
///   naming another type is refused on every backend. S3 and memory also
///   store it as the object's `Content-Type`, for other readers of the bucket.
/// - On the file system a key cannot also be a directory of other keys
///   (`a/b.jpg` and `a/b.jpg/c.jpg`): S3 would allow it, keys here never need it.
#[derive(Clone)]
pub struct ObjectMediaStore {
    store: Arc<dyn ObjectStore>,
    /// Where keys live inside the store, if not at its root.
    prefix: Option<MediaKey>,
    /// Whether the store keeps attributes (the local file system does not).
    keeps_attributes: bool,
    /// For logs and `Debug`: the URL it was opened with.
    location: String,
}

impl std::fmt::Debug for ObjectMediaStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectMediaStore")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

impl ObjectMediaStore {
    /// Opens the store at `url` (see [`StorageUrl`]); S3 settings come from
    /// the environment ([`S3Config::from_env`]).
    pub fn open(url: &str) -> Result<Self, OpenError> {
        Self::open_with(url, &S3Config::from_env())
    }

    /// Opens the store at `url`, reaching S3 with `s3` (unused by other schemes).
    /// A `file://` directory is created if missing. Nothing is contacted yet:
    /// an unreachable S3 server shows up as `Unavailable` on first use.
    pub fn open_with(url: &str, s3: &S3Config) -> Result<Self, OpenError> {
        let parsed = StorageUrl::parse(url)?;
        let location = parsed.to_string();
        match parsed {
            StorageUrl::File(dir) => {
                let directory_error = |source| OpenError::Directory {
                    path: dir.display().to_string(),
                    source,
                };
                std::fs::create_dir_all(&dir).map_err(directory_error)?;
                let store = LocalFileSystem::new_with_prefix(&dir)
                    .map_err(|source| OpenError::Backend {
                        url: url.to_owned(),
                        source: Box::new(source),
                    })?
                    .with_fsync(true);
                Ok(Self {
                    store: Arc::new(store),
                    prefix: None,
                    keeps_attributes: false,
                    location,
                })
            }
            StorageUrl::S3 { bucket, prefix } => Ok(Self {
                store: s3.build(url, &bucket)?,
                prefix,
                keeps_attributes: true,
                location,
            }),
            StorageUrl::Memory => Ok(Self {
                store: Arc::new(InMemory::new()),
                prefix: None,
                keeps_attributes: true,
                location,
            }),
        }
    }

    /// Where `key` lives in the object store.
    fn path(&self, key: &MediaKey) -> Result<Path, MediaError> {
        let path = match &self.prefix {
            Some(prefix) => format!("{prefix}/{key}"),
            None => key.as_str().to_owned(),
        };
        // A MediaKey's segments are valid path segments; this cannot fail.
        Path::parse(path).map_err(|err| MediaError::Unknown(err.into()))
    }
}

#[async_trait]
impl MediaStore for ObjectMediaStore {
    #[tracing::instrument(skip_all, fields(key = %key))]
    async fn put(&self, key: &MediaKey, blob: Blob) -> Result<(), MediaError> {
        let media_type = media_type_for(key);
        if blob.content_type != media_type {
            return Err(MediaError::Unknown(anyhow!(
                "key {key} holds {media_type} (named by its suffix), not {}",
                blob.content_type
            )));
        }
        let path = self.path(key)?;
        let mut options = PutOptions::default();
        if self.keeps_attributes {
            let mut attributes = Attributes::new();
            attributes.insert(Attribute::ContentType, media_type.into());
            options.attributes = attributes;
        }
        self.store
            .put_opts(&path, PutPayload::from(blob.bytes), options)
            .await
            .map_err(media_error)?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(key = %key))]
    async fn get(&self, key: &MediaKey) -> Result<Option<Blob>, MediaError> {
        let path = self.path(key)?;
        let result = match self.store.get(&path).await {
            Ok(result) => result,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(err) => return Err(media_error(err)),
        };
        let bytes = match result.bytes().await {
            Ok(bytes) => bytes,
            // Deleted between opening and reading it.
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(err) => return Err(media_error(err)),
        };
        Ok(Some(Blob {
            bytes: bytes.into(),
            content_type: media_type_for(key).to_owned(),
        }))
    }

    #[tracing::instrument(skip_all, fields(key = %key))]
    async fn delete(&self, key: &MediaKey) -> Result<(), MediaError> {
        let path = self.path(key)?;
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            // On the file system a key that is a directory of other keys holds
            // no blob: nothing to remove, as on S3.
            Err(err) if is_a_directory(&err) => Ok(()),
            Err(err) => Err(media_error(err)),
        }
    }
}

/// Whether `err` is the file system refusing to delete a directory as a file.
fn is_a_directory(err: &object_store::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(error) = cause {
        if let Some(io) = error.downcast_ref::<std::io::Error>() {
            return io.kind() == std::io::ErrorKind::IsADirectory;
        }
        cause = error.source();
    }
    false
}
