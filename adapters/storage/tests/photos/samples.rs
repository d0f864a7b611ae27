//! Test images made on the spot (`sinmungo_storage::samples`), under the
//! names these tests use.

use image::RgbImage;
pub use sinmungo_storage::samples::{jpeg_of, png_declaring, segment_markers};

/// A photo-like RGB image.
pub fn photo(width: u32, height: u32) -> RgbImage {
    sinmungo_storage::samples::picture(width, height, 0)
}

/// A `width`×`height` JPEG with no EXIF.
pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    sinmungo_storage::samples::jpeg(width, height, 0)
}

/// EXIF fields a phone writes: which way is up, where it was.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tags {
    /// EXIF orientation, 1 to 8.
    pub orientation: Option<u16>,
    /// Degrees, negative south and west.
    pub gps: Option<(f64, f64)>,
}

/// `jpeg` with an EXIF segment holding `tags` (and a camera make and model).
pub fn with_exif(jpeg: &[u8], tags: Tags) -> Vec<u8> {
    sinmungo_storage::samples::with_exif(jpeg, tags.orientation, tags.gps)
}
