//! Walking a JPEG's segments: whether its data is all there, and what each
//! part of it is.
//!
//! The JPEG decoder is lenient: a photo cut off mid-upload decodes without an
//! error, its missing part grey, and that grey would reach the public copy.
//! So before decoding, the segments and scans are walked to the end-of-image
//! marker; an upload that runs out first is corrupt. The same walk lets the
//! public copy of an upright JPEG be its own data without its metadata
//! (`strip.rs`). It reads each byte at most once and allocates nothing.

pub(super) const SOI: u8 = 0xD8;
pub(super) const EOI: u8 = 0xD9;
pub(super) const SOS: u8 = 0xDA;

/// One marker segment of a JPEG, after its start-of-image marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Segment<'a> {
    /// The marker's code: `0xE1` for APP1, [`SOS`] for a scan, [`EOI`] for
    /// the end.
    pub marker: u8,
    /// What follows the two length bytes (nothing for [`EOI`]).
    pub payload: &'a [u8],
    /// After a scan header: the entropy-coded data up to the next marker,
    /// stuffed zeros and restart markers included. Empty for other segments.
    pub entropy_coded: &'a [u8],
}

/// The JPEG's bytes end inside a segment or a scan, or a segment's length
/// is impossible (below 2, or past the end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Truncated;

/// The segments of `bytes` (a JPEG, starting with SOI) in order, up to and
/// including [`EOI`]; bytes after it (a phone's trailer, a motion photo's
/// video) are not looked at. Where the bytes run out first, the last item is
/// [`Truncated`].
pub(super) fn segments(bytes: &[u8]) -> Segments<'_> {
    Segments {
        bytes,
        at: 2, // past SOI
        done: false,
    }
}

/// Iterator of [`segments`].
#[derive(Debug)]
pub(super) struct Segments<'a> {
    bytes: &'a [u8],
    at: usize,
    done: bool,
}

impl<'a> Iterator for Segments<'a> {
    type Item = Result<Segment<'a>, Truncated>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let segment = self.read();
        self.done = !matches!(segment, Ok(Segment { marker, .. }) if marker != EOI);
        Some(segment)
    }
}

impl<'a> Segments<'a> {
    fn read(&mut self) -> Result<Segment<'a>, Truncated> {
        let bytes = self.bytes;
        loop {
            // A marker: 0xFF, maybe more 0xFF fill bytes, then its code. Stray
            // bytes before it are skipped, as libjpeg does (with a warning).
            let offset = bytes
                .get(self.at..)
                .and_then(|rest| rest.iter().position(|&b| b == 0xFF))
                .ok_or(Truncated)?;
            self.at += offset;
            while bytes.get(self.at) == Some(&0xFF) {
                self.at += 1;
            }
            let &marker = bytes.get(self.at).ok_or(Truncated)?;
            self.at += 1;
            match marker {
                EOI => {
                    return Ok(Segment {
                        marker,
                        payload: &[],
                        entropy_coded: &[],
                    })
                }
                // Markers without a length: restart intervals, TEM; a stuffed
                // zero out of place is skipped like any stray byte.
                0x00 | 0x01 | 0xD0..=0xD7 => continue,
                _ => {
                    let Some(&[high, low]) = bytes.get(self.at..self.at + 2) else {
                        return Err(Truncated);
                    };
                    let length = usize::from(u16::from_be_bytes([high, low]));
                    let end = self.at + length;
                    let payload = bytes
                        .get(self.at + 2..end)
                        .filter(|_| length >= 2)
                        .ok_or(Truncated)?;
                    self.at = end;
                    let mut entropy_coded: &[u8] = &[];
                    if marker == SOS {
                        let scan_end = end_of_scan(bytes, end).ok_or(Truncated)?;
                        entropy_coded = bytes.get(end..scan_end).ok_or(Truncated)?;
                        self.at = scan_end;
                    }
                    return Ok(Segment {
                        marker,
                        payload,
                        entropy_coded,
                    });
                }
            }
        }
    }
}

/// Whether `bytes` (a JPEG, starting with SOI) reaches its end-of-image marker.
/// Bytes after it (a phone's trailer, a motion photo's video) are ignored.
pub(super) fn is_complete(bytes: &[u8]) -> bool {
    segments(bytes).any(|segment| segment.is_ok_and(|segment| segment.marker == EOI))
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

    #[test]
    fn segments_are_split_into_payload_and_scan_data() {
        let bytes = jpeg(&[APP0, SCAN_HEADER, SCAN_DATA, END, b"trailer"]);
        let walked: Vec<_> = segments(&bytes).collect();
        assert_eq!(
            walked,
            [
                Ok(Segment {
                    marker: 0xE0,
                    payload: &[0xAA, 0xBB],
                    entropy_coded: &[],
                }),
                Ok(Segment {
                    marker: SOS,
                    payload: &[0x01],
                    // Fill bytes before the next marker included.
                    entropy_coded: SCAN_DATA,
                }),
                Ok(Segment {
                    marker: EOI,
                    payload: &[],
                    entropy_coded: &[],
                }),
            ]
        );
    }

    #[test]
    fn impossible_lengths_end_the_walk_as_truncated() {
        for bad in [
            // Past the end of the bytes.
            &[0xFF, 0xE1, 0xFF, 0xF0, 0x00][..],
            // Shorter than its own length field.
            &[0xFF, 0xFE, 0x00, 0x01, 0x00],
            &[0xFF, 0xFE, 0x00, 0x00],
        ] {
            let bytes = jpeg(&[APP0, bad, END]);
            let walked: Vec<_> = segments(&bytes).collect();
            assert_eq!(walked.len(), 2, "{bad:02X?}");
            assert_eq!(walked[1], Err(Truncated), "{bad:02X?}");
        }
    }
}
