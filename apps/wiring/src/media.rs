//! Where photos are stored: a directory (the embedded default), an
//! S3-compatible bucket, or memory; and what checks and processes them.

use std::sync::Arc;

use anyhow::Context as _;
use clap::Args;
use sinmungo_core::ports::{MediaStore, PhotoProcessor};
use sinmungo_storage::photo::Limits;
use sinmungo_storage::{ImageProcessor, ObjectMediaStore, StorageUrl};

/// The media store's settings.
#[derive(Debug, Clone, Args)]
pub struct MediaConfig {
    /// file:///abs/dir or file://./relative/dir (to the working directory; default: media/ in the data directory),
    /// s3://bucket/prefix (endpoint, region and credentials from AWS_* variables), or memory://.
    #[arg(
        long,
        env = "SINMUNGO_STORAGE_URL",
        default_value = "file://{data_dir}/media"
    )]
    pub storage_url: String,
}

impl MediaConfig {
    /// These settings with `{data_dir}` resolved to `dir`.
    #[must_use]
    pub fn in_data_dir(mut self, dir: &std::path::Path) -> Self {
        self.storage_url = crate::data_dir::in_data_dir(&self.storage_url, dir);
        self
    }

    /// The embedded default: `./data/media`.
    pub fn embedded_defaults() -> Self {
        Self {
            storage_url: StorageUrl::DEFAULT.to_owned(),
        }
    }

    /// Opens the store (a `file://` directory is created if missing).
    pub fn open(&self) -> anyhow::Result<Arc<dyn MediaStore>> {
        let store = ObjectMediaStore::open(&self.storage_url)
            .with_context(|| format!("opening the media storage {}", self.storage_url))?;
        Ok(Arc::new(store))
    }
}

/// The processor of uploaded photos: at most `max_pixels` pixels a photo
/// (`SINMUNGO_PHOTO_MAX_PIXELS`, read from the header before decoding), and
/// the storage adapter's defaults otherwise.
pub fn photo_processor(max_pixels: u64) -> Arc<dyn PhotoProcessor> {
    Arc::new(ImageProcessor::new(Limits::with_max_pixels(max_pixels)))
}
