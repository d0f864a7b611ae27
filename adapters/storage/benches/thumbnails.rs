//! Thumbnails per second for 12-megapixel JPEGs, next to `vipsthumbnail` on
//! the same file in the same run.
//!
//! ```text
//! cargo bench -p sinmungo-storage --bench thumbnails
//! BENCH_ITERATIONS=30 cargo bench -p sinmungo-storage --bench thumbnails
//! ```
//!
//! The photo is generated: 4000×3000, a gradient with per-pixel noise (which
//! JPEG compresses about as badly as a real photo's detail), quality 92 4:2:0, with
//! an EXIF segment (orientation, GPS) as a phone writes. It is written to a
//! temporary directory so `vipsthumbnail` reads the very same bytes.
//!
//! Figures, single-threaded unless said otherwise:
//! - `process, upright`: what the server does per upload of a photo that is
//!   upright as stored (EXIF orientation 1) — public copy (the original's data
//!   with its metadata left out), 1280 and 320 px thumbnails from one decode
//!   at half size, SHA-256, EXIF.
//! - `process, turned`: the same photo with EXIF orientation 6 — decoded whole,
//!   turned, the public copy re-encoded, the thumbnails drawn from it.
//! - `thumbnail only`: `photo::thumbnail(…, 320, …)`, decode at 1/8, 320 px,
//!   encode — the same work as `vipsthumbnail -s 320`, for the ratio.
//! - the stages, to show where the time goes.
//! - `vipsthumbnail -s 320` over the same file N times in one invocation, with
//!   libvips' default threads and with `VIPS_CONCURRENCY=1`.

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::error::Error;
use std::io::Cursor;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::imageops;
use image::{ImageFormat, ImageReader, Rgb, RgbImage};
use sha2::{Digest, Sha256};
use sinmungo_storage::photo::{process, thumbnail, Limits, JPEG_QUALITY};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

const WIDTH: u32 = 4000;
const HEIGHT: u32 = 3000;

fn main() -> Result<()> {
    let iterations: u32 = std::env::var("BENCH_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10)
        .max(1);
    let dir = tempfile::tempdir()?;
    let photo_path = dir.path().join("12mp.jpg");
    let plain = twelve_megapixel_jpeg()?;
    let photo = with_phone_exif(&plain, 1);
    let turned = with_phone_exif(&plain, 6);
    std::fs::write(&photo_path, &photo)?;
    println!(
        "photo: {WIDTH}×{HEIGHT}, {:.1} MiB, {} ({iterations} iterations each)",
        photo.len() as f64 / 1_048_576.0,
        photo_path.display()
    );

    let limits = Limits::default();
    process(&photo, &limits)?; // warm-up: page in code and allocator arenas
    let ours_process = per_second(iterations, || {
        process(&photo, &limits)?;
        Ok(())
    })?;
    report(
        "process, upright (public + 1280 + 320 + hash)",
        ours_process,
    );
    let ours_turned = per_second(iterations, || {
        process(&turned, &limits)?;
        Ok(())
    })?;
    report("process, turned (EXIF orientation 6)", ours_turned);

    let ours_thumbnail = per_second(iterations, || {
        thumbnail(&photo, 320, &limits)?;
        Ok(())
    })?;
    report(
        "thumbnail only (decode at 1/8, 320 px, encode)",
        ours_thumbnail,
    );

    println!("stages, milliseconds each:");
    let whole = decode(&photo)?;
    let half = decode_reduced(&photo, 1280)?;
    let large = resize(&half, 1280, 960, FilterType::Lanczos3)?;
    stage(iterations, "decode at 1/2 (jpeg-decoder), for 1280", || {
        decode_reduced(&photo, 1280).map(drop)
    })?;
    stage(iterations, "decode at 1/8 (jpeg-decoder), for 320", || {
        decode_reduced(&photo, 320).map(drop)
    })?;
    stage(iterations, "decode whole (zune-jpeg), when turned", || {
        decode(&photo).map(drop)
    })?;
    stage(iterations, "resize 2000×1500 to 1280, Lanczos3", || {
        resize(&half, 1280, 960, FilterType::Lanczos3).map(drop)
    })?;
    stage(iterations, "  CatmullRom instead (not used)", || {
        resize(&half, 1280, 960, FilterType::CatmullRom).map(drop)
    })?;
    stage(iterations, "  Bilinear instead (not used)", || {
        resize(&half, 1280, 960, FilterType::Bilinear).map(drop)
    })?;
    stage(iterations, "resize 4000×3000 to 1280, Lanczos3", || {
        resize(&whole, 1280, 960, FilterType::Lanczos3).map(drop)
    })?;
    stage(iterations, "  image's thumbnail() instead (before)", || {
        drop(imageops::thumbnail(&whole, 1280, 960));
        Ok(())
    })?;
    stage(iterations, "encode 1280 JPEG", || encode(&large).map(drop))?;
    stage(iterations, "resize 1280 to 320 and encode", || {
        encode(&resize(&large, 320, 240, FilterType::Lanczos3)?).map(drop)
    })?;
    stage(iterations, "encode 12 MP public copy, when turned", || {
        encode(&whole).map(drop)
    })?;
    stage(iterations, "SHA-256 of the original", || {
        std::hint::black_box(Sha256::digest(&photo));
        Ok(())
    })?;

    for (label, concurrency) in [
        ("vipsthumbnail -s 320 (default threads)", None),
        ("vipsthumbnail -s 320 (VIPS_CONCURRENCY=1)", Some("1")),
    ] {
        match vipsthumbnail(&photo_path, dir.path(), iterations, concurrency)? {
            Some(rate) => {
                report(label, rate);
                println!(
                    "  ratio ours / vipsthumbnail: {:.2}× (thumbnail only), {:.2}× (process, upright)",
                    ours_thumbnail / rate,
                    ours_process / rate
                );
            }
            None => println!("{label}: not found on PATH (Debian: apt-get install libvips-tools)"),
        }
    }
    Ok(())
}

/// The benchmark's photo, without EXIF.
fn twelve_megapixel_jpeg() -> Result<Vec<u8>> {
    let mut state = 0x9E37_79B9_u32;
    let image = RgbImage::from_fn(WIDTH, HEIGHT, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let [a, b, c, _] = state.to_le_bytes();
        let noise = |n: u8| n / 10; // up to +25 over the gradient
        Rgb([
            ((x * 210 / WIDTH) as u8).saturating_add(noise(a)),
            ((y * 210 / HEIGHT) as u8).saturating_add(noise(b)),
            (((x + y) * 105 / (WIDTH + HEIGHT / 2)) as u8).saturating_add(noise(c)),
        ])
    });
    // As phones write them: quality 92, 4:2:0.
    let mut jpeg = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut jpeg, 92);
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
    encoder.encode(
        image.as_raw(),
        WIDTH as u16,
        HEIGHT as u16,
        jpeg_encoder::ColorType::Rgb,
    )?;
    Ok(jpeg)
}

/// `jpeg` with a small APP1 Exif segment (big-endian TIFF, one IFD with the
/// orientation) after SOI: enough for the EXIF reader to have work to do.
fn with_phone_exif(jpeg: &[u8], orientation: u8) -> Vec<u8> {
    let tiff: &[u8] = &[
        b'M',
        b'M',
        0,
        42,
        0,
        0,
        0,
        8, // header, IFD at 8
        0,
        1, // one entry
        0x01,
        0x12,
        0,
        3,
        0,
        0,
        0,
        1,
        0,
        orientation,
        0,
        0, // Orientation, SHORT, 1 value
        0,
        0,
        0,
        0, // no next IFD
    ];
    let mut segment = b"Exif\0\0".to_vec();
    segment.extend_from_slice(tiff);
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&((segment.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&segment);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn decode(jpeg: &[u8]) -> Result<RgbImage> {
    let reader = ImageReader::with_format(Cursor::new(jpeg), ImageFormat::Jpeg);
    Ok(reader.decode()?.into_rgb8())
}

/// As `process` decodes for a thumbnail of `edge` px: at the smallest of 1/8,
/// 1/4 and 1/2 that still covers it.
fn decode_reduced(jpeg: &[u8], edge: u16) -> Result<RgbImage> {
    let mut decoder = jpeg_decoder::Decoder::new(jpeg);
    let (width, height) = decoder.scale(edge, edge * 3 / 4)?;
    let pixels = decoder.decode()?;
    RgbImage::from_raw(width.into(), height.into(), pixels).ok_or_else(|| "not RGB".into())
}

/// As `process` resamples, with a choice of filter.
fn resize(image: &RgbImage, width: u32, height: u32, filter: FilterType) -> Result<RgbImage> {
    let source = ImageRef::new(
        image.width(),
        image.height(),
        image.as_raw(),
        PixelType::U8x3,
    )?;
    let mut resized = Image::new(width, height, PixelType::U8x3);
    Resizer::new().resize(
        &source,
        &mut resized,
        &ResizeOptions::new().resize_alg(ResizeAlg::Convolution(filter)),
    )?;
    RgbImage::from_raw(width, height, resized.into_vec()).ok_or_else(|| "wrong size".into())
}

/// As `process` encodes: `jpeg-encoder`, 4:2:0 at this quality.
fn encode(image: &RgbImage) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    jpeg_encoder::Encoder::new(&mut bytes, JPEG_QUALITY).encode(
        image.as_raw(),
        u16::try_from(image.width())?,
        u16::try_from(image.height())?,
        jpeg_encoder::ColorType::Rgb,
    )?;
    Ok(bytes)
}

fn per_second(iterations: u32, mut work: impl FnMut() -> Result<()>) -> Result<f64> {
    let started = Instant::now();
    for _ in 0..iterations {
        work()?;
    }
    Ok(f64::from(iterations) / started.elapsed().as_secs_f64())
}

fn stage(iterations: u32, label: &str, mut work: impl FnMut() -> Result<()>) -> Result<()> {
    let mut total = Duration::ZERO;
    for _ in 0..iterations {
        let started = Instant::now();
        work()?;
        total += started.elapsed();
    }
    println!(
        "  {label:<40} {:>8.1}",
        total.as_secs_f64() * 1000.0 / f64::from(iterations)
    );
    Ok(())
}

fn report(label: &str, per_second: f64) {
    println!(
        "{label:<48} {per_second:>7.2} photos/s ({:.0} ms each)",
        1000.0 / per_second
    );
}

/// Photos per second of `vipsthumbnail -s 320` over `photo`, `iterations`
/// times in one invocation (so process start-up is paid once); `None` if
/// it is not installed.
fn vipsthumbnail(
    photo: &Path,
    dir: &Path,
    iterations: u32,
    concurrency: Option<&str>,
) -> Result<Option<f64>> {
    let output = format!("{}/vips_%s.jpg[Q={JPEG_QUALITY},strip]", dir.display());
    let mut command = Command::new("vipsthumbnail");
    command.args(["-s", "320", "-o", &output]);
    for _ in 0..iterations {
        command.arg(photo);
    }
    if let Some(concurrency) = concurrency {
        command.env("VIPS_CONCURRENCY", concurrency);
    }
    let started = Instant::now();
    let status = match command.status() {
        Ok(status) => status,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err.into()),
    };
    let elapsed = started.elapsed();
    if !status.success() {
        return Err(format!("vipsthumbnail failed: {status}").into());
    }
    Ok(Some(f64::from(iterations) / elapsed.as_secs_f64()))
}
