//! The core's [`PhotoProcessor`] port over [`inspect`] and [`process`].

use sinmungo_core::ports::{PhotoInfo, PhotoProcessor, PhotoRejection, PreparedPhoto};

use super::{inspect, process, Limits, PhotoError, ProcessedPhoto};

/// Checks and processes uploads within the [`Limits`] it was built with.
/// Synchronous and CPU-bound, as the port says: call it inside `spawn_blocking`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImageProcessor {
    limits: Limits,
}

impl ImageProcessor {
    /// A processor that takes images within `limits`.
    pub fn new(limits: Limits) -> Self {
        Self { limits }
    }

    /// Its limits.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    fn rejection(&self, error: PhotoError) -> PhotoRejection {
        match error {
            PhotoError::Unsupported { found } => PhotoRejection::Unsupported {
                found: found.to_owned(),
            },
            PhotoError::TooLarge { width, height } => PhotoRejection::TooLarge {
                width,
                height,
                max_pixels: self.limits.max_pixels,
                max_edge: self.limits.max_edge,
            },
            PhotoError::Corrupt(reason) => PhotoRejection::Corrupt(reason),
        }
    }
}

impl PhotoProcessor for ImageProcessor {
    fn inspect(&self, bytes: &[u8]) -> Result<PhotoInfo, PhotoRejection> {
        let info = inspect(bytes, &self.limits).map_err(|e| self.rejection(e))?;
        Ok(PhotoInfo {
            content_type: info.format.content_type().to_owned(),
            width: info.width,
            height: info.height,
        })
    }

    fn process(&self, bytes: &[u8]) -> Result<PreparedPhoto, PhotoRejection> {
        let processed = process(bytes, &self.limits).map_err(|e| self.rejection(e))?;
        Ok(prepared(bytes.to_vec(), processed))
    }
}

/// What the core stores of a processed upload.
fn prepared(original: Vec<u8>, processed: ProcessedPhoto) -> PreparedPhoto {
    PreparedPhoto {
        original,
        content_type: processed.format.content_type().to_owned(),
        public: processed.public.bytes,
        thumbnail_1280: processed.large_thumbnail.bytes,
        thumbnail_320: processed.small_thumbnail.bytes,
        width: processed.width,
        height: processed.height,
        sha256: processed.sha256,
        gps: processed.gps,
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use image::{ImageFormat, RgbImage};

    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = Vec::new();
        RgbImage::from_pixel(width, height, image::Rgb([200, 40, 40]))
            .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
            .unwrap();
        bytes
    }

    #[test]
    fn a_photo_within_the_limits_is_described_and_prepared() {
        let processor = ImageProcessor::default();
        let bytes = png(64, 48);
        assert_eq!(
            processor.inspect(&bytes),
            Ok(PhotoInfo {
                content_type: "image/png".to_owned(),
                width: 64,
                height: 48,
            })
        );
        let prepared = processor.process(&bytes).unwrap();
        assert_eq!(prepared.original, bytes);
        assert_eq!(prepared.content_type, "image/png");
        assert_eq!((prepared.width, prepared.height), (64, 48));
        assert_eq!(prepared.sha256.len(), 64);
        assert!(prepared.public.starts_with(&[0xFF, 0xD8]), "a JPEG");
        assert!(!prepared.thumbnail_1280.is_empty() && !prepared.thumbnail_320.is_empty());
        assert_eq!(prepared.gps, None);
    }

    #[test]
    fn refusals_carry_what_the_client_is_told() {
        let processor = ImageProcessor::new(Limits {
            max_pixels: 1_000,
            max_edge: 100,
            ..Limits::default()
        });
        let too_large = PhotoRejection::TooLarge {
            width: 40,
            height: 40,
            max_pixels: 1_000,
            max_edge: 100,
        };
        assert_eq!(processor.inspect(&png(40, 40)), Err(too_large.clone()));
        assert_eq!(processor.process(&png(40, 40)).map(|_| ()), Err(too_large));
        assert_eq!(
            processor.inspect(b"GIF89a\x01\x00\x01\x00"),
            Err(PhotoRejection::Unsupported {
                found: "gif".to_owned()
            })
        );
        let mut cut = png(20, 20);
        cut.truncate(cut.len() / 2);
        assert!(matches!(
            processor.process(&cut),
            Err(PhotoRejection::Corrupt(_))
        ));
    }
}
