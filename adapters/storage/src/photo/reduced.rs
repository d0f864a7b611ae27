//! Decoding a JPEG at 1/2, 1/4 or 1/8 of its size, for thumbnails.
//!
//! A JPEG stores each 8×8 block of pixels as 64 frequencies; drawing only
//! the lowest 4×4, 2×2 or the block's average gives the image at half, a
//! quarter or an eighth of its size for a fraction of the work of drawing it
//! whole and shrinking it afterwards (libjpeg's scaled IDCT: libvips's
//! "shrink-on-load"). The image crate's JPEG decoder (zune-jpeg) cannot;
//! `jpeg-decoder` can, and is used for that only: at full size zune-jpeg is
//! the faster of the two.

use std::panic::{catch_unwind, AssertUnwindSafe};

use image::{DynamicImage, GrayImage, RgbImage};
use jpeg_decoder::{Decoder, PixelFormat};

use super::{ImageInfo, Limits};

/// `jpeg` decoded at the smallest of 1/8, 1/4 and 1/2 of its size that is
/// still at least `wanted` (width, height, as stored) along one side.
///
/// `None` when that is the full size, when the decoded image would take more
/// memory than `limits` allow, or when `jpeg-decoder` cannot decode it (CMYK,
/// an unusual sampling, damage, a panic): the caller then decodes it whole,
/// and the image crate's decoder has the last word on whether it is a photo
/// at all, as it had before this path existed.
pub(super) fn decode_reduced(
    jpeg: &[u8],
    info: &ImageInfo,
    wanted: (u32, u32),
    limits: &Limits,
) -> Option<DynamicImage> {
    match catch_unwind(AssertUnwindSafe(|| decode(jpeg, info, wanted, limits))) {
        Ok(Ok(image)) => image,
        Ok(Err(error)) => {
            tracing::debug!(%error, "reduced JPEG decoding failed; decoding it whole");
            None
        }
        Err(_) => {
            tracing::debug!("the reduced JPEG decoder gave up; decoding it whole");
            None
        }
    }
}

fn decode(
    jpeg: &[u8],
    info: &ImageInfo,
    (wanted_width, wanted_height): (u32, u32),
    limits: &Limits,
) -> Result<Option<DynamicImage>, jpeg_decoder::Error> {
    let request = |side: u32| u16::try_from(side).unwrap_or(u16::MAX);
    let mut decoder = Decoder::new(jpeg);
    let (width, height) = decoder.scale(request(wanted_width), request(wanted_height))?;
    let (width, height) = (u32::from(width), u32::from(height));
    let channels: u64 = match decoder.info().map(|info| info.pixel_format) {
        Some(PixelFormat::L8) => 1,
        Some(PixelFormat::RGB24) => 3,
        _ => return Ok(None),
    };
    let pixels = u64::from(width) * u64::from(height);
    // The thumbnails are drawn from 8-bit RGB, greyscale or not.
    if (width, height) == (info.width, info.height) || pixels * 3 > limits.max_decode_bytes {
        return Ok(None);
    }
    decoder.set_max_decoding_buffer_size(usize::try_from(pixels * channels).unwrap_or(usize::MAX));
    let samples = decoder.decode()?;
    Ok(if channels == 1 {
        GrayImage::from_raw(width, height, samples).map(DynamicImage::ImageLuma8)
    } else {
        RgbImage::from_raw(width, height, samples).map(DynamicImage::ImageRgb8)
    })
}
