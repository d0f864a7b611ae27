//! Decoding an upload within limits and making its public copies.

use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};

use image::imageops::{self, FilterType};
use image::{DynamicImage, ImageError, ImageReader, RgbImage};
use sha2::{Digest, Sha256};

use super::metadata::PhotoMetadata;
use super::{
    inspect, ImageInfo, Limits, PhotoError, PhotoFormat, ProcessedPhoto, Rendition, JPEG_QUALITY,
    LARGE_THUMBNAIL_EDGE, SMALL_THUMBNAIL_EDGE,
};

/// How thumbnails are resampled when shrinking by less than 2× (a 1400-px
/// photo to 1280): Triangle, bilinear widened to the scale factor — no
/// ringing, no aliasing, half the cost of Lanczos3, whose extra sharpness does
/// not show at 320 or 1280 px. Shrinking by 2× or more, `imageops::thumbnail`
/// instead: a box average in integer arithmetic, clean at such ratios and
/// twice as fast again (12 MP to 1280 px: about 95 ms against 190 ms; see
/// `benches/thumbnails.rs`). The small thumbnail is made from the large one,
/// so the full image is resampled only once.
const FILTER: FilterType = FilterType::Triangle;

/// Checks `bytes` as [`inspect`] does, decodes it within `limits`, applies
/// its EXIF orientation and makes the metadata-free public copy and both
/// thumbnails; also returns the original's hash and EXIF GPS position.
pub fn process(bytes: &[u8], limits: &Limits) -> Result<ProcessedPhoto, PhotoError> {
    let info = inspect(bytes, limits)?;
    let metadata = PhotoMetadata::read(bytes);

    let mut image = decode(bytes, &info, limits)?;
    image.apply_orientation(metadata.orientation);
    let image = flatten(image)?;
    let (width, height) = image.dimensions();

    let public = encode(&image)?;
    // The small thumbnail comes from the large one when there is one, and the
    // full image is let go as soon as it is no longer needed.
    let (large_thumbnail, small_source) = match shrink(&image, LARGE_THUMBNAIL_EDGE) {
        Some(large) => {
            drop(image);
            (encode(&large)?, large)
        }
        None => (public.clone(), image),
    };
    let small_thumbnail = match shrink(&small_source, SMALL_THUMBNAIL_EDGE) {
        Some(small) => encode(&small)?,
        None => large_thumbnail.clone(),
    };

    Ok(ProcessedPhoto {
        format: info.format,
        width,
        height,
        sha256: sha256_hex(bytes),
        gps: metadata.gps,
        public,
        large_thumbnail,
        small_thumbnail,
    })
}

/// Decodes with the image crate's limits set, so a header that lied to
/// [`inspect`] still cannot make the decoder allocate more than allowed.
fn decode(bytes: &[u8], info: &ImageInfo, limits: &Limits) -> Result<DynamicImage, PhotoError> {
    let mut decode_limits = image::Limits::default();
    decode_limits.max_image_width = Some(limits.max_edge);
    decode_limits.max_image_height = Some(limits.max_edge);
    decode_limits.max_alloc = Some(limits.max_decode_bytes);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), info.format.image_format());
    reader.limits(decode_limits);
    // The decoders are fuzzed, but a panic on hostile input must still be the
    // client's 422, not a lost worker thread.
    let decoded = catch_unwind(AssertUnwindSafe(|| reader.decode()))
        .map_err(|_| PhotoError::Corrupt("the decoder gave up on this image".into()))?;
    decoded.map_err(|err| match err {
        ImageError::Limits(_) => PhotoError::TooLarge {
            width: info.width,
            height: info.height,
        },
        ImageError::Unsupported(_) => PhotoError::Unsupported {
            found: match info.format {
                PhotoFormat::Jpeg => "a JPEG variant we cannot decode",
                PhotoFormat::Png => "a PNG variant we cannot decode",
                PhotoFormat::WebP => "a WebP variant we cannot decode",
            },
        },
        other => PhotoError::Corrupt(other.to_string()),
    })
}

/// 8-bit RGB, transparent parts laid on white (JPEG has no alpha, and black
/// behind a transparent logo would hide it).
fn flatten(image: DynamicImage) -> Result<RgbImage, PhotoError> {
    if !image.color().has_alpha() {
        return Ok(image.into_rgb8());
    }
    let rgba = image.into_rgba8();
    let (width, height) = rgba.dimensions();
    let blend = |c: u8, a: u8| {
        let (c, a) = (u32::from(c), u32::from(a));
        ((c * a + 255 * (255 - a) + 127) / 255) as u8
    };
    let rgb = rgba
        .as_raw()
        .chunks_exact(4)
        .flat_map(|p| [blend(p[0], p[3]), blend(p[1], p[3]), blend(p[2], p[3])])
        .collect();
    RgbImage::from_raw(width, height, rgb)
        .ok_or_else(|| PhotoError::Corrupt("pixel buffer of the wrong size".into()))
}

/// `image` scaled to at most `edge` on its long side, or `None` if it fits
/// already (never upscaled).
fn shrink(image: &RgbImage, edge: u32) -> Option<RgbImage> {
    let (width, height) = fitted(image.width(), image.height(), edge)?;
    if width.saturating_mul(2) <= image.width() && height.saturating_mul(2) <= image.height() {
        Some(imageops::thumbnail(image, width, height))
    } else {
        Some(imageops::resize(image, width, height, FILTER))
    }
}

/// The size that fits `width`×`height` within `edge`, keeping the aspect
/// ratio, or `None` if it fits already.
fn fitted(width: u32, height: u32, edge: u32) -> Option<(u32, u32)> {
    let long = width.max(height);
    if long <= edge {
        return None;
    }
    let scale = f64::from(edge) / f64::from(long);
    let side = |length: u32| ((f64::from(length) * scale).round() as u32).clamp(1, edge);
    Some((side(width), side(height)))
}

/// A baseline JPEG, 4:2:0 (as cameras write them), with a JFIF header and
/// nothing else: `jpeg-encoder` writes EXIF, ICC or other APPn segments only
/// when given them, and it is given none. (The image crate's own encoder is
/// three to four times slower and writes 4:4:4, twice the bytes.)
fn encode(image: &RgbImage) -> Result<Rendition, PhotoError> {
    let (width, height) = image.dimensions();
    let too_large = || PhotoError::TooLarge { width, height };
    let mut bytes = Vec::new();
    jpeg_encoder::Encoder::new(&mut bytes, JPEG_QUALITY)
        .encode(
            image.as_raw(),
            u16::try_from(width).map_err(|_| too_large())?,
            u16::try_from(height).map_err(|_| too_large())?,
            jpeg_encoder::ColorType::Rgb,
        )
        .map_err(|err| PhotoError::Corrupt(format!("cannot encode a JPEG: {err}")))?;
    Ok(Rendition {
        bytes,
        width,
        height,
    })
}

fn sha256_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitting_keeps_the_aspect_ratio_and_never_upscales() {
        assert_eq!(fitted(4000, 3000, 1280), Some((1280, 960)));
        assert_eq!(fitted(3000, 4000, 320), Some((240, 320)));
        assert_eq!(fitted(1280, 100, 1280), None);
        assert_eq!(fitted(200, 100, 320), None);
        assert_eq!(fitted(10_000, 1, 320), Some((320, 1)));
    }

    #[test]
    fn transparency_is_laid_on_white() {
        let mut image = image::RgbaImage::new(2, 1);
        image.put_pixel(0, 0, image::Rgba([0, 0, 0, 0]));
        image.put_pixel(1, 0, image::Rgba([10, 20, 30, 255]));
        let flat = flatten(DynamicImage::ImageRgba8(image)).unwrap();
        assert_eq!(flat.get_pixel(0, 0).0, [255, 255, 255]);
        assert_eq!(flat.get_pixel(1, 0).0, [10, 20, 30]);
    }

    #[test]
    fn hash_is_lowercase_hex_sha256() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
