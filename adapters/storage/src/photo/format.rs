//! Deciding what an upload is, from its first bytes and its header.

use std::io::Cursor;

use image::{ImageFormat, ImageReader};

use super::{jpeg, Limits, PhotoError};

/// The image formats we take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PhotoFormat {
    /// JPEG (`FF D8 FF`).
    Jpeg,
    /// PNG (`89 50 4E 47 0D 0A 1A 0A`).
    Png,
    /// WebP (`RIFF….WEBP`), lossy or lossless.
    WebP,
}

impl PhotoFormat {
    /// Its media type.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::WebP => "image/webp",
        }
    }

    /// The key suffix that names its media type to the store (without the dot).
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::WebP => "webp",
        }
    }

    pub(super) fn image_format(self) -> ImageFormat {
        match self {
            Self::Jpeg => ImageFormat::Jpeg,
            Self::Png => ImageFormat::Png,
            Self::WebP => ImageFormat::WebP,
        }
    }
}

/// What the header says about an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageInfo {
    /// Its format, from its content.
    pub format: PhotoFormat,
    /// Width as stored (before EXIF orientation), in pixels.
    pub width: u32,
    /// Height as stored (before EXIF orientation), in pixels.
    pub height: u32,
}

/// Decides by content whether `bytes` is a JPEG, PNG or WebP, and reads its
/// dimensions from the header without decoding pixels. An image over `limits`
/// is [`PhotoError::TooLarge`]; anything else than the three formats
/// (a text file named `.jpg`, HEIC, AVIF, GIF) is [`PhotoError::Unsupported`];
/// a broken header, or a JPEG whose data stops before its end marker, is
/// [`PhotoError::Corrupt`]. Allocates nothing in proportion to the image.
pub fn inspect(bytes: &[u8], limits: &Limits) -> Result<ImageInfo, PhotoError> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|err| PhotoError::Corrupt(err.to_string()))?;
    let format = match reader.format() {
        Some(ImageFormat::Jpeg) => PhotoFormat::Jpeg,
        Some(ImageFormat::Png) => PhotoFormat::Png,
        Some(ImageFormat::WebP) => PhotoFormat::WebP,
        Some(other) => {
            return Err(PhotoError::Unsupported {
                found: other.extensions_str().first().copied().unwrap_or("unknown"),
            })
        }
        None if is_heif(bytes) => return Err(PhotoError::Unsupported { found: "heif" }),
        None => return Err(PhotoError::Unsupported { found: "unknown" }),
    };
    // The limits are ours to check, from the header: the reader's own would
    // turn an oversized image into an error without its dimensions.
    let mut reader = reader;
    reader.no_limits();
    let (width, height) = reader
        .into_dimensions()
        .map_err(|err| PhotoError::Corrupt(err.to_string()))?;
    if width == 0 || height == 0 {
        return Err(PhotoError::Corrupt(format!(
            "image of {width}×{height} pixels"
        )));
    }
    if u64::from(width) * u64::from(height) > limits.max_pixels
        || width.max(height) > limits.max_edge
    {
        return Err(PhotoError::TooLarge { width, height });
    }
    if format == PhotoFormat::Jpeg && !jpeg::is_complete(bytes) {
        return Err(PhotoError::Corrupt(
            "the JPEG data ends before the image does (a cut-off upload?)".into(),
        ));
    }
    Ok(ImageInfo {
        format,
        width,
        height,
    })
}

/// An ISO base media file whose brand is HEIF's (`ftypheic`, `ftypmif1`, …);
/// the image crate does not recognise it, but the client deserves the name.
fn is_heif(bytes: &[u8]) -> bool {
    const BRANDS: &[&[u8; 4]] = &[
        b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1",
    ];
    bytes.get(4..8) == Some(b"ftyp")
        && bytes
            .get(8..12)
            .is_some_and(|brand| BRANDS.iter().any(|b| b.as_slice() == brand))
}
