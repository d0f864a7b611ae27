//! Uploaded photos: what they are, and the copies the public may see.
//!
//! [`inspect`] decides by the bytes themselves (never the file name or the
//! client's `Content-Type`) whether an upload is a JPEG, PNG or WebP, and reads
//! its size from the header alone, so an oversized image is refused before a
//! single pixel is decoded. [`process`] then makes the public copy and the
//! thumbnails, all JPEG, upright, with no metadata at all (no EXIF, XMP, IPTC,
//! ICC or comments: no GPS, no device). A JPEG that is upright as stored keeps
//! its own compressed data as the public copy, its metadata segments left
//! out, and is decoded only at the reduced size its thumbnails need; any
//! other photo is decoded whole within [`Limits`], turned upright and
//! re-encoded.
//!
//! HEIC/HEIF (iPhones' default), AVIF and GIF are refused as
//! [`PhotoError::Unsupported`]: the image crate decodes none of them without C
//! libraries. iOS hands a web page's file input a JPEG anyway; the mobile app
//! should ask the camera for JPEG too.
//!
//! [`ImageProcessor`] offers both to the core as its `PhotoProcessor` port.
//!
//! Everything here is synchronous and CPU-bound: call it inside
//! `tokio::task::spawn_blocking`. Processing an upright 12-megapixel JPEG
//! takes about an eighth of a second of one core and holds a quarter of its
//! decoded size (9 MB) besides its bytes; one that must be turned, or a PNG
//! or WebP, about a third of a second and twice its decoded size (3 bytes a
//! pixel: 36 MB each) at its peak (`benches/thumbnails.rs`), so callers
//! should bound how many run at once (to the number of cores, say).

mod format;
mod jpeg;
mod metadata;
mod process;
mod processor;
mod reduced;
mod strip;

use sinmungo_core::domain::GeoPoint;

pub use format::{inspect, ImageInfo, PhotoFormat};
pub use process::{process, thumbnail};
pub use processor::ImageProcessor;

/// Long side of the small thumbnail (lists, maps), in pixels.
pub const SMALL_THUMBNAIL_EDGE: u32 = 320;
/// Long side of the large thumbnail (a report's page), in pixels.
pub const LARGE_THUMBNAIL_EDGE: u32 = 1280;
/// JPEG quality of the public copy and the thumbnails (with 4:2:0 chroma):
/// no visible loss on photos, at about half the bytes of quality 95.
pub const JPEG_QUALITY: u8 = 85;

/// How big an image we accept and how much memory decoding it may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most pixels (width × height) an image may have; checked from the
    /// header, before decoding. Default 40 megapixels.
    pub max_pixels: u64,
    /// Longest side an image may have, in pixels. Default 16,384 (WebP's own
    /// limit is 16,383).
    pub max_edge: u32,
    /// Most bytes the decoder may allocate. Default 320 MB: 40 megapixels at
    /// 8 bytes a pixel (16-bit RGBA PNG); a JPEG needs 3 bytes a pixel.
    pub max_decode_bytes: u64,
}

impl Limits {
    /// The default limits with at most `max_pixels` pixels, and as much
    /// memory to decode them as a 16-bit RGBA PNG of that size needs
    /// (8 bytes a pixel).
    pub fn with_max_pixels(max_pixels: u64) -> Self {
        Self {
            max_pixels,
            max_decode_bytes: max_pixels.saturating_mul(8),
            ..Self::default()
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_pixels: 40_000_000,
            max_edge: 16_384,
            max_decode_bytes: 320_000_000,
        }
    }
}

/// Why an upload is not a photo we take. Each variant is the client's doing:
/// [`Unsupported`](Self::Unsupported) answers 415, [`TooLarge`](Self::TooLarge)
/// 413 (or 422), [`Corrupt`](Self::Corrupt) 422.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    /// Not a JPEG, PNG or WebP image, by its content.
    #[error("not a JPEG, PNG or WebP image (found {found})")]
    Unsupported {
        /// What the bytes look like: `"heif"`, `"gif"`, `"avif"`, … or `"unknown"`.
        found: &'static str,
    },
    /// Bigger than the [`Limits`] allow.
    #[error("image of {width}×{height} pixels is too large")]
    TooLarge {
        /// Width from the header, in pixels.
        width: u32,
        /// Height from the header, in pixels.
        height: u32,
    },
    /// Claims to be an image of an accepted format but cannot be decoded
    /// (truncated, damaged, zero-sized).
    #[error("corrupt image: {0}")]
    Corrupt(String),
}

/// One encoded copy of a photo.
#[derive(Clone, PartialEq, Eq)]
pub struct Rendition {
    /// The JPEG bytes: no EXIF, XMP, IPTC or ICC segment, no comment.
    pub bytes: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl Rendition {
    /// Every rendition is a JPEG.
    pub const CONTENT_TYPE: &'static str = "image/jpeg";
}

impl std::fmt::Debug for Rendition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rendition")
            .field("bytes", &self.bytes.len())
            .field("width", &self.width)
            .field("height", &self.height)
            .finish()
    }
}

/// What [`process`] makes of an upload.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessedPhoto {
    /// The original's format (decided by content).
    pub format: PhotoFormat,
    /// Width after orientation, in pixels.
    pub width: u32,
    /// Height after orientation, in pixels.
    pub height: u32,
    /// SHA-256 of the original's bytes, lowercase hex: the same upload twice
    /// has the same hash.
    pub sha256: String,
    /// Where the original says it was taken (its EXIF GPS position), if it
    /// says. For staff and for a report sent without a location; never public.
    pub gps: Option<GeoPoint>,
    /// Full size, upright, with no metadata: what the public sees. An upright
    /// JPEG's own data with its metadata segments left out; anything else
    /// re-encoded.
    pub public: Rendition,
    /// At most [`LARGE_THUMBNAIL_EDGE`] on the long side (never upscaled).
    pub large_thumbnail: Rendition,
    /// At most [`SMALL_THUMBNAIL_EDGE`] on the long side (never upscaled).
    pub small_thumbnail: Rendition,
}
