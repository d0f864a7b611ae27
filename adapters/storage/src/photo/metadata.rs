//! What the original's EXIF says: which way is up, and where it was taken.

use std::io::Cursor;

use exif::{Exif, In, Reader, Tag, Value};
use image::metadata::Orientation;
use sinmungo_core::domain::GeoPoint;

/// The parts of an original's EXIF we use.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct PhotoMetadata {
    /// How to turn the stored pixels upright.
    pub orientation: Orientation,
    /// The GPS position, if recorded and valid.
    pub gps: Option<GeoPoint>,
}

impl PhotoMetadata {
    /// Reads JPEG, PNG (`eXIf`) and WebP (`EXIF`) containers. No or unreadable
    /// EXIF is not an error: the photo is taken upright with no position.
    pub fn read(bytes: &[u8]) -> Self {
        match Reader::new().read_from_container(&mut Cursor::new(bytes)) {
            Ok(exif) => Self {
                orientation: orientation(&exif),
                gps: gps(&exif),
            },
            Err(_) => Self {
                orientation: Orientation::NoTransforms,
                gps: None,
            },
        }
    }
}

fn orientation(exif: &Exif) -> Orientation {
    exif.get_field(Tag::Orientation, In::PRIMARY)
        .and_then(|field| field.value.get_uint(0))
        .and_then(|value| u8::try_from(value).ok())
        .and_then(Orientation::from_exif)
        .unwrap_or(Orientation::NoTransforms)
}

/// Degrees from GPS degrees/minutes/seconds, negative to the south and west.
fn gps(exif: &Exif) -> Option<GeoPoint> {
    let lat = coordinate(exif, Tag::GPSLatitude, Tag::GPSLatitudeRef, b'N', b'S')?;
    let lng = coordinate(exif, Tag::GPSLongitude, Tag::GPSLongitudeRef, b'E', b'W')?;
    // (0, 0) is what some cameras record when they have no fix.
    if lat == 0.0 && lng == 0.0 {
        return None;
    }
    GeoPoint::new(lat, lng).ok()
}

fn coordinate(exif: &Exif, value: Tag, reference: Tag, positive: u8, negative: u8) -> Option<f64> {
    let Value::Rational(dms) = &exif.get_field(value, In::PRIMARY)?.value else {
        return None;
    };
    let part = |i: usize| {
        dms.get(i)
            .filter(|r| r.denom != 0)
            .map(|r| f64::from(r.num) / f64::from(r.denom))
    };
    // Degrees are required; some writers leave out seconds, or minutes too.
    let degrees = part(0)? + part(1).unwrap_or(0.0) / 60.0 + part(2).unwrap_or(0.0) / 3600.0;
    let Value::Ascii(reference) = &exif.get_field(reference, In::PRIMARY)?.value else {
        return None;
    };
    match reference.first()?.first()?.to_ascii_uppercase() {
        r if r == positive => Some(degrees),
        r if r == negative => Some(-degrees),
        _ => None,
    }
}
