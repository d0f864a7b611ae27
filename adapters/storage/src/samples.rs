//! Test images made on the spot, for the tests of this crate and of the API:
//! photo-like JPEGs and PNGs, JPEGs with a hand-built EXIF segment (camera,
//! orientation, GPS) spliced in where cameras put it, a reader of JPEG segment
//! markers, and a PNG whose header lies about its size.
//!
//! Behind the `samples` feature; test code only, so a failure panics.
#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "test fixtures: a fixture that cannot be built must fail the test loudly"
)]

use std::io::Cursor;

use exif::experimental::Writer;
use exif::{Field, In, Rational, Tag, Value};
use image::codecs::jpeg::JpegEncoder;
use image::{ImageFormat, Rgb, RgbImage};

/// The camera model every EXIF sample names.
pub const CAMERA: &[u8] = b"Sinmungo Phone";

/// A photo-like RGB image: a gradient with some noise, so JPEG has work to do;
/// `seed` makes images of the same size differ.
pub fn picture(width: u32, height: u32, seed: u32) -> RgbImage {
    let mut state = 0x2545_f491_u32 ^ seed.wrapping_mul(0x9E37_79B9);
    RgbImage::from_fn(width, height, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let noise = (state & 0x1f) as u8;
        let gradient = |value: u32, span: u32| (value * 200 / span.max(1)) as u8;
        Rgb([
            gradient(x, width).saturating_add(noise),
            gradient(y, height).saturating_add(noise),
            128u8.saturating_add(noise),
        ])
    })
}

/// `image` as a JPEG (JFIF header only, no EXIF).
pub fn jpeg_of(image: &RgbImage) -> Vec<u8> {
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, 90)
        .encode_image(image)
        .expect("JPEG encoding");
    bytes
}

/// A `width`×`height` JPEG with no EXIF.
pub fn jpeg(width: u32, height: u32, seed: u32) -> Vec<u8> {
    jpeg_of(&picture(width, height, seed))
}

/// A `width`×`height` PNG.
pub fn png(width: u32, height: u32, seed: u32) -> Vec<u8> {
    let mut bytes = Cursor::new(Vec::new());
    picture(width, height, seed)
        .write_to(&mut bytes, ImageFormat::Png)
        .expect("PNG encoding");
    bytes.into_inner()
}

/// Degrees as EXIF's three rationals and the hemisphere letter.
fn dms(degrees: f64, positive: &str, negative: &str) -> (Value, Value) {
    let reference = if degrees < 0.0 { negative } else { positive };
    let degrees = degrees.abs();
    let whole = degrees.trunc();
    let minutes = ((degrees - whole) * 60.0).trunc();
    let seconds = (degrees - whole - minutes / 60.0) * 3600.0;
    let rational = |num: u32, denom: u32| Rational { num, denom };
    (
        Value::Rational(vec![
            rational(whole as u32, 1),
            rational(minutes as u32, 1),
            rational((seconds * 10_000.0).round() as u32, 10_000),
        ]),
        Value::Ascii(vec![reference.as_bytes().to_vec()]),
    )
}

/// `jpeg` with an APP1 Exif segment right after SOI, where cameras put it:
/// the camera's make and model, `orientation` (1 to 8) and a GPS position.
pub fn with_exif(jpeg: &[u8], orientation: Option<u16>, gps: Option<(f64, f64)>) -> Vec<u8> {
    let field = |tag, value| Field {
        tag,
        ifd_num: In::PRIMARY,
        value,
    };
    let mut fields = vec![
        field(Tag::Make, Value::Ascii(vec![CAMERA.to_vec()])),
        field(Tag::Model, Value::Ascii(vec![b"Test 1".to_vec()])),
    ];
    if let Some(orientation) = orientation {
        fields.push(field(Tag::Orientation, Value::Short(vec![orientation])));
    }
    if let Some((lat, lng)) = gps {
        let (lat, lat_ref) = dms(lat, "N", "S");
        let (lng, lng_ref) = dms(lng, "E", "W");
        fields.push(field(Tag::GPSLatitudeRef, lat_ref));
        fields.push(field(Tag::GPSLatitude, lat));
        fields.push(field(Tag::GPSLongitudeRef, lng_ref));
        fields.push(field(Tag::GPSLongitude, lng));
    }
    let mut writer = Writer::new();
    for field in &fields {
        writer.push_field(field);
    }
    let mut tiff = Cursor::new(Vec::new());
    writer.write(&mut tiff, false).expect("EXIF encoding");

    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(tiff.get_ref());
    let length = u16::try_from(payload.len() + 2).expect("a small EXIF segment");
    assert_eq!(&jpeg[..2], [0xFF, 0xD8], "not a JPEG");
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// The EXIF of an image, if it has any.
pub fn exif_of(bytes: &[u8]) -> Option<exif::Exif> {
    exif::Reader::new()
        .read_from_container(&mut Cursor::new(bytes))
        .ok()
}

/// The markers of a JPEG's segments up to its first scan (`0xE1` is APP1:
/// EXIF or XMP; `0xDA` the scan).
pub fn segment_markers(jpeg: &[u8]) -> Vec<u8> {
    assert_eq!(&jpeg[..2], [0xFF, 0xD8], "not a JPEG");
    let mut markers = Vec::new();
    let mut at = 2;
    while at + 4 <= jpeg.len() {
        assert_eq!(
            jpeg[at], 0xFF,
            "segment at {at} does not start with a marker"
        );
        let marker = jpeg[at + 1];
        markers.push(marker);
        if marker == 0xDA {
            break;
        }
        let length = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
        at += 2 + length;
    }
    markers
}

/// CRC-32 (ISO-HDLC, as PNG uses), bit by bit: fine for a few bytes.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFF_u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(
        &u32::try_from(data.len())
            .expect("a small chunk")
            .to_be_bytes(),
    );
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A well-formed PNG that declares `width`×`height` 8-bit RGB pixels but holds
/// a few bytes of compressed data: decoding it would need width × height × 3
/// bytes (7.5 GB for 50,000²) before finding out.
pub fn png_declaring(width: u32, height: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit, RGB, deflate, adaptive, no interlace
    png_chunk(&mut png, b"IHDR", &ihdr);
    // A zlib stream of one empty stored block.
    png_chunk(
        &mut png,
        b"IDAT",
        &[
            0x78, 0x01, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x01,
        ],
    );
    png_chunk(&mut png, b"IEND", &[]);
    png
}

#[cfg(test)]
mod tests {
    #[test]
    fn crc32_matches_the_check_value() {
        assert_eq!(super::crc32(b"123456789"), 0xCBF4_3926);
    }
}
