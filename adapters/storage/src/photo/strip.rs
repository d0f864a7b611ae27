//! The public copy of an upright JPEG without decoding it: the original's own
//! compressed data, with everything that is not needed to draw it left out.
//!
//! Re-encoding a 12-megapixel photo costs about 100 ms and a second round of
//! JPEG loss; copying its tables and scans costs a few milliseconds and no
//! loss. Kept, byte for byte: the frame header, the quantisation and Huffman
//! tables, the restart interval and the scans. Rebuilt from their fixed
//! fields only, because they tell a decoder which colours the numbers mean:
//! the JFIF header (without the thumbnail it may carry, which can show what
//! a crop removed) and Adobe's (YCbCr or RGB). Left out: every other APPn
//! segment — EXIF and XMP (APP1), ICC profiles and MPF (APP2), IPTC
//! (APP13), makers' own — comments, and anything after the end-of-image
//! marker (a phone's depth map or motion-photo video). The ICC profile goes
//! as the re-encoded copies lose it, so a photo looks the same whichever way
//! its copies were made, and a profile can name the device.
//!
//! What stays that re-encoding would have replaced: the camera's own
//! quantisation and Huffman tables, which can hint at the make of camera or
//! the editing software (as JPEG forensics use them), never at a place or a
//! person.

use super::jpeg::{segments, Segment, EOI, SOI, SOS};
use super::PhotoError;

const SOF0: u8 = 0xC0; // baseline
const SOF1: u8 = 0xC1; // extended sequential, Huffman
const SOF2: u8 = 0xC2; // progressive, Huffman
const DHT: u8 = 0xC4;
const DQT: u8 = 0xDB;
const DRI: u8 = 0xDD;
const APP0: u8 = 0xE0;
const APP14: u8 = 0xEE;
const APP15: u8 = 0xEF;
const COM: u8 = 0xFE;

/// `jpeg` without its metadata (see the module's documentation), or `None`
/// when it is a JPEG to re-encode instead: not Huffman-coded 8-bit
/// sequential or progressive (browsers draw little else), not greyscale or
/// three-component colour (CMYK), or with a segment this walk does not know.
/// An error when its segments run past its end.
pub(super) fn strip_metadata(jpeg: &[u8]) -> Result<Option<Vec<u8>>, PhotoError> {
    let mut out = Vec::with_capacity(jpeg.len());
    out.extend_from_slice(&[0xFF, SOI]);
    let (mut frame, mut jfif, mut adobe) = (false, false, false);
    for segment in segments(jpeg) {
        let Segment {
            marker,
            payload,
            entropy_coded,
        } = segment.map_err(|_| {
            PhotoError::Corrupt("a JPEG segment runs past the end of the file".into())
        })?;
        match marker {
            SOF0 | SOF1 | SOF2 => {
                if frame || !drawable(payload) {
                    return Ok(None);
                }
                frame = true;
                put(&mut out, marker, payload)?;
            }
            DHT | DQT | DRI => put(&mut out, marker, payload)?,
            SOS => {
                if !frame {
                    return Ok(None);
                }
                put(&mut out, marker, payload)?;
                out.extend_from_slice(entropy_coded);
            }
            EOI => {
                out.extend_from_slice(&[0xFF, EOI]);
                return Ok(Some(out));
            }
            APP0 if !jfif => {
                if let Some(header) = jfif_header(payload) {
                    jfif = true;
                    put(&mut out, marker, &header)?;
                }
            }
            APP14 if !adobe => {
                if let Some(header) = adobe_header(payload) {
                    adobe = true;
                    put(&mut out, marker, header)?;
                }
            }
            APP0..=APP15 | COM => {}
            // Lossless, hierarchical and arithmetic-coded frames, their
            // tables, DNL, reserved codes: the decoder's business.
            _ => return Ok(None),
        }
    }
    // The walk ends at EOI or with an error, both handled above.
    Err(PhotoError::Corrupt(
        "the JPEG data ends before the image does".into(),
    ))
}

/// Whether a frame header (SOF0–2) is 8-bit greyscale or three-component
/// colour.
fn drawable(frame: &[u8]) -> bool {
    match frame {
        [precision, _, _, _, _, components, ..] => {
            *precision == 8
                && matches!(*components, 1 | 3)
                && frame.len() >= 6 + 3 * usize::from(*components)
        }
        _ => false,
    }
}

/// A JFIF APP0 payload rebuilt from its version, density units and density,
/// with no thumbnail; `None` if `payload` is no JFIF header (a JFXX
/// thumbnail, an AVI1 field, …).
fn jfif_header(payload: &[u8]) -> Option<[u8; 14]> {
    let fields = payload.strip_prefix(b"JFIF\0")?.get(..7)?;
    let mut header = [0; 14];
    header[..5].copy_from_slice(b"JFIF\0");
    header[5..12].copy_from_slice(fields);
    // header[12..14]: a thumbnail of 0 × 0 pixels.
    Some(header)
}

/// An Adobe APP14 payload's fixed fields (version, flags, colour transform),
/// without whatever follows them; `None` if `payload` is not Adobe's.
fn adobe_header(payload: &[u8]) -> Option<&[u8]> {
    payload
        .get(..12)
        .filter(|fields| fields.starts_with(b"Adobe"))
}

fn put(out: &mut Vec<u8>, marker: u8, payload: &[u8]) -> Result<(), PhotoError> {
    let length = u16::try_from(payload.len() + 2)
        .map_err(|_| PhotoError::Corrupt("a JPEG segment longer than its format allows".into()))?;
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(payload);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
        let mut bytes = Vec::new();
        put(&mut bytes, marker, payload).unwrap();
        bytes
    }

    fn jpeg(parts: &[Vec<u8>]) -> Vec<u8> {
        let mut bytes = vec![0xFF, SOI];
        for part in parts {
            bytes.extend_from_slice(part);
        }
        bytes
    }

    fn jfif(thumbnail: &[u8]) -> Vec<u8> {
        // Version 1.02, dots per inch, 72 × 72, then the thumbnail's size and pixels.
        let mut payload = b"JFIF\0\x01\x02\x01\x00\x48\x00\x48".to_vec();
        payload.extend_from_slice(thumbnail);
        segment(APP0, &payload)
    }

    // 8-bit, 16 × 8, three components sampled 2×2, 1×1, 1×1.
    const FRAME: &[u8] = &[8, 0, 8, 0, 16, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];

    fn tables() -> Vec<u8> {
        [segment(DQT, &[0; 65]), segment(DHT, &[0; 17])].concat()
    }

    fn scan() -> Vec<u8> {
        let mut scan = segment(SOS, &[3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0]);
        // Entropy-coded data with a stuffed zero and a restart marker.
        scan.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
        scan
    }

    const END: [u8; 2] = [0xFF, EOI];

    #[test]
    fn metadata_segments_and_the_trailer_are_dropped() {
        let original = jpeg(&[
            jfif(&[0, 0]),
            segment(0xE1, b"Exif\0\0MM\0\x2a GPS and camera"),
            segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>"),
            segment(0xE2, b"ICC_PROFILE\0\x01\x01 profile naming a phone"),
            segment(0xED, b"Photoshop 3.0\0 IPTC caption"),
            segment(COM, b"taken at home"),
            segment(SOF0, FRAME),
            tables(),
            scan(),
            END.to_vec(),
            b"a motion photo's video".to_vec(),
        ]);
        let stripped = strip_metadata(&original).unwrap().unwrap();
        let expected = jpeg(&[
            jfif(&[0, 0]),
            segment(SOF0, FRAME),
            tables(),
            scan(),
            END.to_vec(),
        ]);
        assert_eq!(stripped, expected);
    }

    #[test]
    fn jfif_and_adobe_headers_keep_only_their_fixed_fields() {
        // A JFIF header with a 1 × 1 thumbnail, a JFXX extension with
        // another, and an Adobe header with bytes after its fields.
        let adobe = b"Adobe\x00\x64\x00\x00\x00\x00\x01";
        let original = jpeg(&[
            jfif(&[1, 1, 0xAA, 0xBB, 0xCC]),
            segment(APP0, b"JFXX\0\x10 thumbnail"),
            segment(APP14, &[&adobe[..], &b"hidden"[..]].concat()),
            segment(SOF2, FRAME),
            tables(),
            scan(),
            END.to_vec(),
        ]);
        let stripped = strip_metadata(&original).unwrap().unwrap();
        let expected = jpeg(&[
            jfif(&[0, 0]),
            segment(APP14, adobe),
            segment(SOF2, FRAME),
            tables(),
            scan(),
            END.to_vec(),
        ]);
        assert_eq!(stripped, expected);
    }

    #[test]
    fn jpegs_browsers_may_not_draw_are_left_to_re_encoding() {
        let cmyk = [
            8, 0, 8, 0, 8, 4, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 4, 0x11, 0,
        ];
        let twelve_bit = [&[12][..], &FRAME[1..]].concat();
        for (marker, frame) in [
            (0xC3, FRAME.to_vec()), // lossless
            (0xC9, FRAME.to_vec()), // arithmetic-coded
            (SOF0, cmyk.to_vec()),
            (SOF0, twelve_bit),
            (SOF0, FRAME[..10].to_vec()), // cut short
        ] {
            let original = jpeg(&[segment(marker, &frame), tables(), scan(), END.to_vec()]);
            assert_eq!(strip_metadata(&original), Ok(None), "{marker:02X}");
        }
        // A scan before any frame header.
        let original = jpeg(&[tables(), scan(), segment(SOF0, FRAME), END.to_vec()]);
        assert_eq!(strip_metadata(&original), Ok(None));
    }

    #[test]
    fn a_segment_running_past_the_end_is_an_error() {
        let whole = jpeg(&[
            jfif(&[0, 0]),
            segment(SOF0, FRAME),
            tables(),
            scan(),
            END.to_vec(),
        ]);
        for cut in 2..whole.len() - 1 {
            assert!(
                matches!(strip_metadata(&whole[..cut]), Err(PhotoError::Corrupt(_))),
                "cut at {cut}"
            );
        }
        // An EXIF segment claiming 65,000 bytes in a file of a few dozen.
        let mut lying = jpeg(&[vec![0xFF, 0xE1, 0xFD, 0xE8], b"Exif\0\0".to_vec()]);
        lying.extend_from_slice(&whole[2..]);
        assert!(matches!(
            strip_metadata(&lying),
            Err(PhotoError::Corrupt(_))
        ));
    }
}
