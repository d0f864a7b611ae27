//! Whether a JPEG's data is all there.
//!
//! The JPEG decoder is lenient: a photo cut off mid-upload decodes without an
//! error, its missing part grey, and that grey would reach the public copy.
//! So before decoding, the segments and scans are walked to the end-of-image
//! marker; an upload that runs out first is corrupt. The walk reads each byte
//! at most once and allocates nothing.

const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;

/// Whether `bytes` (a JPEG, starting with SOI) reaches its end-of-image marker.
/// Bytes after it (a phone's trailer, a motion photo's video) are ignored.
pub(super) fn is_complete(bytes: &[u8]) -> bool {
    let mut at = 2; // past SOI
    loop {
        // A marker: 0xFF, maybe more 0xFF fill bytes, then its code. Stray
        // bytes before it are skipped, as libjpeg does (with a warning).
        let Some(offset) = bytes
            .get(at..)
            .and_then(|rest| rest.iter().position(|&b| b == 0xFF))
        else {
            return false;
        };
        at += offset;
        while bytes.get(at) == Some(&0xFF) {
            at += 1;
        }
        let Some(&marker) = bytes.get(at) else {
            return false;
        };
        at += 1;
        match marker {
            EOI => return true,
            // Markers without a length: restart intervals, TEM; a stuffed zero
            // out of place is skipped like any stray byte.
            0x00 | 0x01 | 0xD0..=0xD7 => continue,
            _ => {
                let Some(&[high, low]) = bytes.get(at..at + 2) else {
                    return false;
                };
                let length = usize::from(u16::from_be_bytes([high, low]));
                if length < 2 || at + length > bytes.len() {
                    return false;
                }
                at += length;
                if marker == SOS {
                    match end_of_scan(bytes, at) {
                        Some(end) => at = end,
                        None => return false,
                    }
                }
            }
        }
    }
}

/// Where the entropy-coded data starting at `at` ends: at the first marker
/// that is neither a stuffed zero (`FF 00`) nor a restart (`FF D0`–`FF D7`).
fn end_of_scan(bytes: &[u8], mut at: usize) -> Option<usize> {
    loop {
        at += bytes.get(at..)?.iter().position(|&b| b == 0xFF)?;
        match *bytes.get(at + 1)? {
            0x00 | 0xD0..=0xD7 => at += 2,
            0xFF => at += 1,
            _ => return Some(at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOI: [u8; 2] = [0xFF, 0xD8];

    fn jpeg(parts: &[&[u8]]) -> Vec<u8> {
        let mut bytes = SOI.to_vec();
        for part in parts {
            bytes.extend_from_slice(part);
        }
        bytes
    }

    // APP0 with a 2-byte payload, a scan header, scan data with a stuffed
    // zero, a restart marker and fill bytes.
    const APP0: &[u8] = &[0xFF, 0xE0, 0x00, 0x04, 0xAA, 0xBB];
    const SCAN_HEADER: &[u8] = &[0xFF, 0xDA, 0x00, 0x03, 0x01];
    const SCAN_DATA: &[u8] = &[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD3, 0x56, 0xFF, 0xFF];
    const END: &[u8] = &[0xFF, 0xD9];

    #[test]
    fn complete_jpegs_reach_their_end() {
        assert!(is_complete(&jpeg(&[APP0, SCAN_HEADER, SCAN_DATA, END])));
        // Progressive: a second table and scan after the first scan.
        let table = &[0xFF, 0xC4, 0x00, 0x03, 0x00];
        assert!(is_complete(&jpeg(&[
            APP0,
            SCAN_HEADER,
            SCAN_DATA,
            table,
            SCAN_HEADER,
            SCAN_DATA,
            END
        ])));
        // A trailer after the end, holding bytes that look like markers.
        assert!(is_complete(&jpeg(&[
            APP0,
            SCAN_HEADER,
            SCAN_DATA,
            END,
            &[0xFF, 0xDA, 0x00]
        ])));
    }

    #[test]
    fn an_end_marker_inside_a_segment_does_not_count() {
        let app1 = &[0xFF, 0xE1, 0x00, 0x04, 0xFF, 0xD9];
        assert!(!is_complete(&jpeg(&[app1, SCAN_HEADER, SCAN_DATA])));
    }

    #[test]
    fn cut_jpegs_are_incomplete() {
        let whole = jpeg(&[APP0, SCAN_HEADER, SCAN_DATA, END]);
        for cut in 2..whole.len() - 1 {
            assert!(!is_complete(&whole[..cut]), "cut at {cut}");
        }
    }
}
