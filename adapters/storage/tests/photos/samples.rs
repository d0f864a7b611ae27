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

/// `jpeg` with a segment (`marker`, `payload`) spliced in right after SOI.
pub fn with_segment(jpeg: &[u8], marker: u8, payload: &[u8]) -> Vec<u8> {
    let length = u16::try_from(payload.len() + 2).unwrap();
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// `image` as a JPEG written by `jpeg-encoder`: progressive or baseline.
pub fn jpeg_encoded(image: &RgbImage, progressive: bool) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut bytes, 90);
    encoder.set_progressive(progressive);
    encoder
        .encode(
            image.as_raw(),
            u16::try_from(image.width()).unwrap(),
            u16::try_from(image.height()).unwrap(),
            jpeg_encoder::ColorType::Rgb,
        )
        .unwrap();
    bytes
}

/// A greyscale JPEG, `width`×`height`, dark on the left and light on the right.
pub fn grey_jpeg(width: u16, height: u16) -> Vec<u8> {
    let pixels: Vec<u8> = (0..height)
        .flat_map(|_| (0..width).map(move |x| if x < width / 2 { 40 } else { 210 }))
        .collect();
    let mut bytes = Vec::new();
    jpeg_encoder::Encoder::new(&mut bytes, 90)
        .encode(&pixels, width, height, jpeg_encoder::ColorType::Luma)
        .unwrap();
    bytes
}

/// Red on the left half, blue on the right.
pub fn halves(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, _| {
        if x < width / 2 {
            image::Rgb([220, 20, 20])
        } else {
            image::Rgb([20, 20, 220])
        }
    })
}
