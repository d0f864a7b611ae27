//! Looking inside uploaded photos: what they are, and the copies the public
//! may see. The core has no image code; an adapter decodes, checks and
//! re-encodes, and the core stores what it made ([`PreparedPhoto`]).

use crate::domain::geo::GeoPoint;

/// What an image's header says, read without decoding its pixels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoInfo {
    /// Its media type, decided by its content: `image/jpeg`, `image/png` or `image/webp`.
    pub content_type: String,
    /// Width as stored (before EXIF orientation), in pixels.
    pub width: u32,
    /// Height as stored (before EXIF orientation), in pixels.
    pub height: u32,
}

/// Why an upload is not a photo we take. Each variant is the client's doing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoRejection {
    /// Not a JPEG, PNG or WebP image, by its content.
    #[error("not a JPEG, PNG or WebP image (found {found})")]
    Unsupported {
        /// What the bytes look like: `"heif"`, `"gif"`, `"avif"`, … or `"unknown"`.
        found: String,
    },
    /// More pixels, or a longer side, than the processor's limits allow
    /// (or more memory to decode than they allow).
    #[error("image of {width}×{height} pixels is too large")]
    TooLarge {
        /// Width from the header, in pixels.
        width: u32,
        /// Height from the header, in pixels.
        height: u32,
        /// The most pixels (width × height) a photo may have.
        max_pixels: u64,
        /// The longest side a photo may have, in pixels.
        max_edge: u32,
    },
    /// Claims to be an image of an accepted format but cannot be decoded
    /// (truncated, damaged, zero-sized).
    #[error("corrupt image: {0}")]
    Corrupt(String),
}

/// An upload already checked and processed by the adapter that received it
/// (the core has no image code): the original as sent, its metadata-free
/// public copy and thumbnails, and what was read from it.
#[derive(Clone, PartialEq)]
pub struct PreparedPhoto {
    /// The upload as received, metadata and all: kept for officials only.
    pub original: Vec<u8>,
    /// The original's media type, decided by its content: `image/jpeg`, `image/png` or `image/webp`.
    pub content_type: String,
    /// Upright, full size, JPEG with no metadata: what the public sees (an
    /// upright JPEG's own data with its metadata left out, anything else
    /// re-encoded).
    pub public: Vec<u8>,
    /// JPEG at most 1280 px on its long side.
    pub thumbnail_1280: Vec<u8>,
    /// JPEG at most 320 px on its long side.
    pub thumbnail_320: Vec<u8>,
    /// Width after orientation, in pixels.
    pub width: u32,
    /// Height after orientation, in pixels.
    pub height: u32,
    /// SHA-256 of the original, lowercase hex: the same photo twice is stored once.
    pub sha256: String,
    /// Where the original's EXIF says it was taken; never shown to the public.
    pub gps: Option<GeoPoint>,
}

impl std::fmt::Debug for PreparedPhoto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Sizes only; the position stays out of logs.
        f.debug_struct("PreparedPhoto")
            .field("original", &self.original.len())
            .field("content_type", &self.content_type)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("sha256", &self.sha256)
            .field("gps", &self.gps.is_some())
            .finish_non_exhaustive()
    }
}

/// Checks and processes uploaded images within limits set when the
/// implementation is built. Both methods are synchronous and CPU-bound
/// (a 12-megapixel photo takes about a third of a second of one core):
/// async callers run them on a blocking thread (`spawn_blocking`) and bound
/// how many run at once.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
pub trait PhotoProcessor: Send + Sync {
    /// Decides by content (never a file name or a client's `Content-Type`)
    /// whether `bytes` is a JPEG, PNG or WebP, and reads its dimensions from
    /// its header alone: an image over the pixel limits is refused before a
    /// single pixel is decoded.
    fn inspect(&self, bytes: &[u8]) -> Result<PhotoInfo, PhotoRejection>;

    /// Checks `bytes` as [`inspect`](Self::inspect) does, decodes it within
    /// the limits, turns it upright and makes the metadata-free public copy
    /// and the thumbnails; also reads the original's SHA-256 and EXIF GPS position.
    fn process(&self, bytes: &[u8]) -> Result<PreparedPhoto, PhotoRejection>;
}
