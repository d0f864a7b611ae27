//! Decoding an upload within limits and making its public copies.

use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::metadata::Orientation;
use image::{DynamicImage, ImageError, ImageReader, RgbImage};
use sha2::{Digest, Sha256};

use super::metadata::PhotoMetadata;
use super::reduced::decode_reduced;
use super::strip::strip_metadata;
use super::{
    inspect, ImageInfo, Limits, PhotoError, PhotoFormat, ProcessedPhoto, Rendition, JPEG_QUALITY,
    LARGE_THUMBNAIL_EDGE, SMALL_THUMBNAIL_EDGE,
};

/// How thumbnails are resampled: a Lanczos3 convolution (libvips's default
/// for thumbnails too), its support widened to the scale factor so nothing
/// aliases, in fixed-point SIMD (`fast_image_resize`: AVX2, SSE4.1 or NEON).
/// A 12-megapixel photo to 1280 px takes about a tenth of the image crate's
/// box average, which was blurrier (see `benches/thumbnails.rs`).
const RESAMPLING: ResizeAlg = ResizeAlg::Convolution(FilterType::Lanczos3);

/// Checks `bytes` as [`inspect`] does, decodes it within `limits`, applies
/// its EXIF orientation and makes the metadata-free public copy and both
/// thumbnails; also returns the original's hash and EXIF GPS position.
///
/// A JPEG that is upright as stored (no EXIF orientation, or 1) is not
/// re-encoded: its public copy is its own data with the metadata left out
/// (`strip.rs`), and it is decoded only at the reduced size its thumbnails
/// need (`reduced.rs`). Any other photo is decoded whole, turned upright and
/// re-encoded.
pub fn process(bytes: &[u8], limits: &Limits) -> Result<ProcessedPhoto, PhotoError> {
    let info = inspect(bytes, limits)?;
    let metadata = PhotoMetadata::read(bytes);
    let stripped = match (info.format, metadata.orientation) {
        (PhotoFormat::Jpeg, Orientation::NoTransforms) => strip_metadata(bytes)?,
        _ => None,
    };

    let (public, source) = match stripped {
        Some(stripped) => {
            let (width, height) = (info.width, info.height);
            // One decode for both thumbnails, at the size of the larger one
            // needed; at full size if neither is (which still proves that
            // the copy decodes).
            let wanted = fitted(width, height, LARGE_THUMBNAIL_EDGE)
                .or_else(|| fitted(width, height, SMALL_THUMBNAIL_EDGE));
            let source = decode_upright(bytes, &info, metadata.orientation, wanted, limits)?;
            let public = Rendition {
                bytes: stripped,
                width,
                height,
            };
            (public, source)
        }
        None => {
            let image = decode_upright(bytes, &info, metadata.orientation, None, limits)?;
            (encode(&image)?, image)
        }
    };
    let (large_thumbnail, small_thumbnail) = thumbnails(&public, source)?;

    Ok(ProcessedPhoto {
        format: info.format,
        width: public.width,
        height: public.height,
        sha256: sha256_hex(bytes),
        gps: metadata.gps,
        public,
        large_thumbnail,
        small_thumbnail,
    })
}

/// One thumbnail of an upload, at most `edge` pixels on its long side (never
/// upscaled), upright, with no metadata: what `vipsthumbnail -s EDGE` makes,
/// for a photo that needs only one size. A JPEG is decoded at the smallest
/// reduced size that still covers `edge`. ([`process`] makes both of its
/// thumbnails from one decode instead.)
pub fn thumbnail(bytes: &[u8], edge: u32, limits: &Limits) -> Result<Rendition, PhotoError> {
    let info = inspect(bytes, limits)?;
    let orientation = PhotoMetadata::read(bytes).orientation;
    let (width, height) = upright_size(&info, orientation);
    let size = fitted(width, height, edge);
    let image = decode_upright(bytes, &info, orientation, size, limits)?;
    match size {
        Some(size) => encode(&resize(&image, size)?),
        None => encode(&image),
    }
}

/// The large and small thumbnails of the photo whose public copy is
/// `public`, drawn from `source`: the same photo upright, at full size or
/// reduced. The small one is drawn from the large one when there is one (so
/// the source is resampled once), and either is the copy above it when that
/// fits already; `source` is let go as soon as it is no longer needed.
fn thumbnails(public: &Rendition, source: RgbImage) -> Result<(Rendition, Rendition), PhotoError> {
    let (width, height) = (public.width, public.height);
    let (large, small_source) = match fitted(width, height, LARGE_THUMBNAIL_EDGE) {
        Some(size) => {
            let large = resize(&source, size)?;
            drop(source);
            (encode(&large)?, large)
        }
        None => (public.clone(), source),
    };
    let small = match fitted(width, height, SMALL_THUMBNAIL_EDGE) {
        Some(size) => encode(&resize(&small_source, size)?)?,
        None => large.clone(),
    };
    Ok((large, small))
}

/// The photo upright as 8-bit RGB: a JPEG decoded at a reduced size when
/// `wanted` (upright) allows one, anything else whole.
fn decode_upright(
    bytes: &[u8],
    info: &ImageInfo,
    orientation: Orientation,
    wanted: Option<(u32, u32)>,
    limits: &Limits,
) -> Result<RgbImage, PhotoError> {
    let reduced = match (info.format, wanted) {
        (PhotoFormat::Jpeg, Some((width, height))) => {
            let stored = if swaps_sides(orientation) {
                (height, width)
            } else {
                (width, height)
            };
            decode_reduced(bytes, info, stored, limits)
        }
        _ => None,
    };
    let mut image = match reduced {
        Some(image) => image,
        None => decode(bytes, info, limits)?,
    };
    image.apply_orientation(orientation);
    flatten(image)
}

/// Width and height once `orientation` is applied.
fn upright_size(info: &ImageInfo, orientation: Orientation) -> (u32, u32) {
    if swaps_sides(orientation) {
        (info.height, info.width)
    } else {
        (info.width, info.height)
    }
}

/// Whether turning the photo upright makes its width its height.
fn swaps_sides(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
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
    RgbImage::from_raw(width, height, rgb).ok_or_else(wrong_size)
}

/// `image` resampled to `width`×`height`.
fn resize(image: &RgbImage, (width, height): (u32, u32)) -> Result<RgbImage, PhotoError> {
    let (source_width, source_height) = image.dimensions();
    let source = ImageRef::new(source_width, source_height, image.as_raw(), PixelType::U8x3)
        .map_err(|_| wrong_size())?;
    let mut resized = Image::new(width, height, PixelType::U8x3);
    Resizer::new()
        .resize(
            &source,
            &mut resized,
            &ResizeOptions::new().resize_alg(RESAMPLING),
        )
        .map_err(|err| PhotoError::Corrupt(format!("cannot resize: {err}")))?;
    RgbImage::from_raw(width, height, resized.into_vec()).ok_or_else(wrong_size)
}

/// A pixel buffer that does not match its dimensions: never the client's
/// doing, but no reason to panic either.
fn wrong_size() -> PhotoError {
    PhotoError::Corrupt("pixel buffer of the wrong size".into())
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
