//! Photo checks and processing: formats decided by content, limits enforced
//! from the header, and public copies with no metadata at all.

#![expect(clippy::unwrap_used, reason = "test fixtures")]

mod samples;

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, Rgb, RgbImage, RgbaImage};
use samples::{
    grey_jpeg, halves, jpeg, jpeg_encoded, jpeg_of, png_declaring, segment_markers, with_exif,
    with_segment, Tags,
};
use sinmungo_storage::photo::{
    inspect, process, thumbnail, Limits, PhotoError, PhotoFormat, ProcessedPhoto, Rendition,
};

const JEONJU: (f64, f64) = (35.8242, 127.1480);

fn process_default(bytes: &[u8]) -> Result<ProcessedPhoto, PhotoError> {
    process(bytes, &Limits::default())
}

fn renditions(photo: &ProcessedPhoto) -> [(&'static str, &Rendition); 3] {
    [
        ("public", &photo.public),
        ("large thumbnail", &photo.large_thumbnail),
        ("small thumbnail", &photo.small_thumbnail),
    ]
}

fn decode(rendition: &Rendition) -> RgbImage {
    image::load_from_memory_with_format(&rendition.bytes, ImageFormat::Jpeg)
        .unwrap()
        .into_rgb8()
}

fn encode(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = Cursor::new(Vec::new());
    image.write_to(&mut bytes, format).unwrap();
    bytes.into_inner()
}

#[test]
fn public_copy_and_thumbnails_carry_no_metadata() {
    let original = with_exif(
        &jpeg(1400, 350),
        Tags {
            orientation: Some(1),
            gps: Some(JEONJU),
        },
    );
    // The sample really carries EXIF, so its absence below means something.
    assert!(segment_markers(&original).contains(&0xE1));
    assert!(exif::Reader::new()
        .read_from_container(&mut Cursor::new(&original))
        .is_ok());

    let photo = process_default(&original).unwrap();
    for (name, rendition) in renditions(&photo) {
        let markers = segment_markers(&rendition.bytes);
        assert!(
            !markers.iter().any(|m| (0xE1..=0xEF).contains(m)),
            "{name} has an APP1..APP15 segment: {markers:02X?}"
        );
        assert!(
            exif::Reader::new()
                .read_from_container(&mut Cursor::new(&rendition.bytes))
                .is_err(),
            "{name} has EXIF"
        );
        assert!(
            !rendition.bytes.windows(14).any(|w| w == b"Sinmungo Phone"),
            "{name} names the camera"
        );
    }
}

#[test]
fn gps_position_is_read_from_the_original() {
    let original = with_exif(
        &jpeg(64, 48),
        Tags {
            gps: Some(JEONJU),
            ..Tags::default()
        },
    );
    let gps = process_default(&original).unwrap().gps.unwrap();
    assert!((gps.lat() - JEONJU.0).abs() < 1e-6, "{gps:?}");
    assert!((gps.lng() - JEONJU.1).abs() < 1e-6, "{gps:?}");
}

#[test]
fn southern_and_western_positions_are_negative() {
    let buenos_aires = (-34.6037, -58.3816);
    let original = with_exif(
        &jpeg(64, 48),
        Tags {
            gps: Some(buenos_aires),
            ..Tags::default()
        },
    );
    let gps = process_default(&original).unwrap().gps.unwrap();
    assert!((gps.lat() - buenos_aires.0).abs() < 1e-6, "{gps:?}");
    assert!((gps.lng() - buenos_aires.1).abs() < 1e-6, "{gps:?}");
}

#[test]
fn no_gps_is_none() {
    let original = with_exif(
        &jpeg(64, 48),
        Tags {
            orientation: Some(1),
            ..Tags::default()
        },
    );
    assert_eq!(process_default(&original).unwrap().gps, None);
    assert_eq!(process_default(&jpeg(64, 48)).unwrap().gps, None);
}

#[test]
fn orientation_6_turns_the_photo_upright() {
    // Stored 400×200 with the left half red and the right half blue; EXIF 6
    // means "rotate 90° clockwise to view", which puts the red half on top.
    let stored = RgbImage::from_fn(400, 200, |x, _| {
        if x < 200 {
            Rgb([220, 20, 20])
        } else {
            Rgb([20, 20, 220])
        }
    });
    let original = with_exif(
        &jpeg_of(&stored),
        Tags {
            orientation: Some(6),
            ..Tags::default()
        },
    );
    assert_eq!(
        (
            inspect(&original, &Limits::default()).unwrap().width,
            inspect(&original, &Limits::default()).unwrap().height
        ),
        (400, 200),
        "inspect reports the stored size"
    );

    let photo = process_default(&original).unwrap();
    assert_eq!((photo.width, photo.height), (200, 400));
    assert_eq!((photo.public.width, photo.public.height), (200, 400));
    let public = decode(&photo.public);
    assert_eq!(public.dimensions(), (200, 400));
    let top = public.get_pixel(100, 50).0;
    let bottom = public.get_pixel(100, 350).0;
    assert!(top[0] > 150 && top[2] < 100, "top is not red: {top:?}");
    assert!(
        bottom[2] > 150 && bottom[0] < 100,
        "bottom is not blue: {bottom:?}"
    );
}

#[test]
fn thumbnails_fit_their_edge_and_keep_the_aspect_ratio() {
    // Wide rather than large, to keep the test quick unoptimised: a little
    // over the large edge (bilinear) and over twice it (box average).
    for (stored, expected) in [
        ((1400, 350), [(1400, 350), (1280, 320), (320, 80)]),
        ((2800, 200), [(2800, 200), (1280, 91), (320, 23)]),
    ] {
        let photo = process_default(&jpeg(stored.0, stored.1)).unwrap();
        assert_eq!(photo.format, PhotoFormat::Jpeg);
        assert_eq!((photo.width, photo.height), stored);
        let sizes = renditions(&photo).map(|(_, r)| (r.width, r.height));
        assert_eq!(sizes, expected);
        for (name, rendition) in renditions(&photo) {
            assert_eq!(
                decode(rendition).dimensions(),
                (rendition.width, rendition.height),
                "{name}"
            );
        }
    }
}

#[test]
fn small_photos_are_never_upscaled() {
    let photo = process_default(&jpeg(300, 200)).unwrap();
    let sizes = renditions(&photo).map(|(_, r)| (r.width, r.height));
    assert_eq!(sizes, [(300, 200); 3]);

    let photo = process_default(&jpeg(1000, 500)).unwrap();
    let sizes = renditions(&photo).map(|(_, r)| (r.width, r.height));
    assert_eq!(sizes, [(1000, 500), (1000, 500), (320, 160)]);
}

#[test]
fn text_named_jpg_is_unsupported() {
    // Only the bytes are looked at: the name and Content-Type never reach us.
    let text = b"this is not a photo, whatever its name says\n".repeat(10);
    for result in [
        inspect(&text, &Limits::default()).map(|_| ()),
        process_default(&text).map(|_| ()),
    ] {
        assert!(
            matches!(result, Err(PhotoError::Unsupported { found: "unknown" })),
            "{result:?}"
        );
    }
    assert!(matches!(
        inspect(b"", &Limits::default()),
        Err(PhotoError::Unsupported { .. })
    ));
}

#[test]
fn heic_avif_and_gif_are_unsupported() {
    let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec();
    let avif = b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf".to_vec();
    let gif = b"GIF89a\x04\x00\x04\x00\x80\x00\x00".to_vec();
    for (bytes, found) in [(heic, "heif"), (avif, "avif"), (gif, "gif")] {
        let result = inspect(&bytes, &Limits::default());
        assert_eq!(result, Err(PhotoError::Unsupported { found }));
    }
}

#[test]
fn png_declaring_50000_by_50000_pixels_is_too_large_before_decoding() {
    // Decoding would need 7.5 GB; both calls answer from the header alone.
    let png = png_declaring(50_000, 50_000);
    let too_large = PhotoError::TooLarge {
        width: 50_000,
        height: 50_000,
    };
    assert_eq!(inspect(&png, &Limits::default()), Err(too_large.clone()));
    assert_eq!(process_default(&png).err(), Some(too_large));
}

#[test]
fn limits_are_configurable() {
    let bytes = jpeg(100, 80);
    let few_pixels = Limits {
        max_pixels: 100 * 80 - 1,
        ..Limits::default()
    };
    assert_eq!(
        process(&bytes, &few_pixels).err(),
        Some(PhotoError::TooLarge {
            width: 100,
            height: 80
        })
    );
    let short_edge = Limits {
        max_edge: 99,
        ..Limits::default()
    };
    assert!(matches!(
        inspect(&bytes, &short_edge),
        Err(PhotoError::TooLarge { .. })
    ));
    // Within the pixel limit, but decoding it would take more memory than allowed.
    let little_memory = Limits {
        max_decode_bytes: 1000,
        ..Limits::default()
    };
    assert!(inspect(&bytes, &little_memory).is_ok());
    assert_eq!(
        process(&bytes, &little_memory).err(),
        Some(PhotoError::TooLarge {
            width: 100,
            height: 80
        })
    );
}

#[test]
fn truncated_jpeg_is_corrupt() {
    let whole = jpeg(640, 480);
    for cut in [whole.len() / 2, 200, 4] {
        let result = process_default(&whole[..cut]);
        assert!(
            matches!(result, Err(PhotoError::Corrupt(_))),
            "cut at {cut} of {}: {:?}",
            whole.len(),
            result.map(|p| p.width)
        );
    }
}

#[test]
fn truncated_png_and_webp_are_corrupt() {
    let image = DynamicImage::ImageRgb8(samples::photo(90, 60));
    for format in [ImageFormat::Png, ImageFormat::WebP] {
        let whole = encode(&image, format);
        for cut in [whole.len() / 2, 30] {
            let result = process_default(&whole[..cut]);
            assert!(
                matches!(result, Err(PhotoError::Corrupt(_))),
                "{format:?} cut at {cut} of {}: {:?}",
                whole.len(),
                result.map(|p| p.width)
            );
        }
    }
}

#[test]
fn png_and_webp_are_accepted() {
    let image = DynamicImage::ImageRgb8(samples::photo(90, 60));
    for (format, expected) in [
        (ImageFormat::Png, PhotoFormat::Png),
        (ImageFormat::WebP, PhotoFormat::WebP),
    ] {
        let bytes = encode(&image, format);
        let info = inspect(&bytes, &Limits::default()).unwrap();
        assert_eq!((info.format, info.width, info.height), (expected, 90, 60));
        let photo = process_default(&bytes).unwrap();
        assert_eq!(photo.format, expected);
        assert_eq!((photo.public.width, photo.public.height), (90, 60));
        assert_eq!(segment_markers(&photo.public.bytes)[0], 0xE0);
    }
    assert_eq!(PhotoFormat::WebP.content_type(), "image/webp");
    assert_eq!(PhotoFormat::Png.extension(), "png");
}

#[test]
fn transparent_png_becomes_an_opaque_jpeg_on_white() {
    let mut image = RgbaImage::new(20, 10);
    for (x, _, pixel) in image.enumerate_pixels_mut() {
        *pixel = if x < 10 {
            image::Rgba([0, 0, 0, 0])
        } else {
            image::Rgba([0, 0, 200, 255])
        };
    }
    let png = encode(&DynamicImage::ImageRgba8(image), ImageFormat::Png);
    let public = decode(&process_default(&png).unwrap().public);
    let clear = public.get_pixel(2, 5).0;
    let blue = public.get_pixel(17, 5).0;
    assert!(
        clear.iter().all(|&c| c > 235),
        "transparent part: {clear:?}"
    );
    assert!(blue[2] > 150 && blue[0] < 60, "opaque part: {blue:?}");
}

#[test]
fn identical_bytes_have_identical_hashes() {
    // Two uploads of the same photo: equal bytes, not the same buffer.
    let (once, twice) = (jpeg(64, 48), jpeg(64, 48));
    assert_eq!(once, twice);
    let first = process_default(&once).unwrap().sha256;
    let second = process_default(&twice).unwrap().sha256;
    assert_eq!(first, second);
    assert_eq!(first.len(), 64);
    assert!(first
        .bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    let other = process_default(&jpeg(64, 49)).unwrap().sha256;
    assert_ne!(first, other);
}

/// What a phone or an editor may add besides EXIF: an XMP packet with the
/// position, an IPTC caption, a comment.
fn with_more_metadata(jpeg: &[u8]) -> Vec<u8> {
    let xmp = b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta exif:GPSLatitude=\"35,49.45N\"/>";
    let jpeg = with_segment(jpeg, 0xE1, xmp);
    let jpeg = with_segment(&jpeg, 0xED, b"Photoshop 3.0\0 8BIM caption: at home");
    with_segment(&jpeg, 0xFE, b"taken at home")
}

/// What a phone records: which way is up, and where it was.
fn phone(orientation: u16) -> Tags {
    Tags {
        orientation: Some(orientation),
        gps: Some(JEONJU),
    }
}

/// Asserts that `image` (of [`halves`], maybe turned) is red at `red_at`
/// and blue at `blue_at`, both in eighths of its width and height.
fn assert_red_and_blue(name: &str, image: &RgbImage, red_at: (u32, u32), blue_at: (u32, u32)) {
    let at = |(x, y): (u32, u32)| {
        image
            .get_pixel(image.width() * x / 8, image.height() * y / 8)
            .0
    };
    let (red, blue) = (at(red_at), at(blue_at));
    assert!(
        red[0] > 150 && red[2] < 100,
        "{name}: not red at {red_at:?} eighths: {red:?}"
    );
    assert!(
        blue[2] > 150 && blue[0] < 100,
        "{name}: not blue at {blue_at:?} eighths: {blue:?}"
    );
}

fn assert_no_metadata(name: &str, bytes: &[u8]) {
    let markers = segment_markers(bytes);
    assert!(
        !markers
            .iter()
            .any(|m| (0xE1..=0xED).contains(m) || *m == 0xEF || *m == 0xFE),
        "{name} has a metadata segment: {markers:02X?}"
    );
    assert!(
        exif::Reader::new()
            .read_from_container(&mut Cursor::new(bytes))
            .is_err(),
        "{name} has EXIF"
    );
    for text in [
        &b"Sinmungo Phone"[..],
        b"xmpmeta",
        b"8BIM",
        b"taken at home",
    ] {
        assert!(
            !bytes.windows(text.len()).any(|w| w == text),
            "{name} still holds {:?}",
            String::from_utf8_lossy(text)
        );
    }
}

fn decode_bytes(bytes: &[u8]) -> RgbImage {
    image::load_from_memory_with_format(bytes, ImageFormat::Jpeg)
        .unwrap()
        .into_rgb8()
}

#[test]
fn an_upright_jpeg_keeps_its_own_data_without_the_metadata() {
    // Orientation 1 and GPS, XMP, IPTC, a comment, and a trailer after the
    // end of the image (as motion photos carry their video).
    let plain = jpeg(1400, 350);
    let mut original = with_more_metadata(&with_exif(&plain, phone(1)));
    original.extend_from_slice(b"trailing video, taken at home");

    let photo = process_default(&original).unwrap();
    assert!(photo.gps.is_some(), "the position is still read");
    assert_eq!((photo.public.width, photo.public.height), (1400, 350));
    assert_no_metadata("public", &photo.public.bytes);
    // Not re-encoded: the very bytes of the JPEG before metadata was added,
    // so its pixels are the original's exactly.
    assert_eq!(photo.public.bytes, plain);
    assert_eq!(decode(&photo.public), decode_bytes(&original));
    for (name, rendition) in renditions(&photo) {
        assert_no_metadata(name, &rendition.bytes);
        assert_eq!(
            decode(rendition).dimensions(),
            (rendition.width, rendition.height),
            "{name}"
        );
    }
}

#[test]
fn a_progressive_upright_jpeg_keeps_its_pixels() {
    let plain = jpeg_encoded(&samples::photo(2700, 400), true);
    let original = with_more_metadata(&with_exif(&plain, phone(1)));
    let photo = process_default(&original).unwrap();
    assert!(
        segment_markers(&photo.public.bytes).contains(&0xC2),
        "progressive"
    );
    assert_no_metadata("public", &photo.public.bytes);
    assert_eq!(decode(&photo.public), decode_bytes(&plain));
    let sizes = renditions(&photo).map(|(_, r)| (r.width, r.height));
    assert_eq!(sizes, [(2700, 400), (1280, 190), (320, 47)]);
}

#[test]
fn a_turned_jpeg_with_gps_is_re_encoded_upright_without_metadata() {
    // Stored 2800×1400, red on the left: orientation 6 puts red on top.
    let original = with_more_metadata(&with_exif(&jpeg_of(&halves(2800, 1400)), phone(6)));
    let photo = process_default(&original).unwrap();
    assert!(photo.gps.is_some());
    assert_eq!((photo.width, photo.height), (1400, 2800));
    let sizes = renditions(&photo).map(|(_, r)| (r.width, r.height));
    assert_eq!(sizes, [(1400, 2800), (640, 1280), (160, 320)]);
    for (name, rendition) in renditions(&photo) {
        assert_no_metadata(name, &rendition.bytes);
        let image = decode(rendition);
        assert_eq!(image.dimensions(), (rendition.width, rendition.height));
        // Red on top, blue at the bottom.
        assert_red_and_blue(name, &image, (4, 1), (4, 7));
    }
}

#[test]
fn thumbnails_drawn_at_reduced_size_show_the_photo() {
    // 2800 px wide: the 1280 thumbnail is drawn from a decode at half size,
    // the 320 one from the 1280.
    let photo = process_default(&jpeg_of(&halves(2800, 1400))).unwrap();
    for (name, rendition) in renditions(&photo) {
        assert_red_and_blue(name, &decode(rendition), (1, 4), (7, 4));
    }
}

#[test]
fn greyscale_jpegs_get_their_thumbnails() {
    let photo = process_default(&grey_jpeg(3000, 200)).unwrap();
    let sizes = renditions(&photo).map(|(_, r)| (r.width, r.height));
    assert_eq!(sizes, [(3000, 200), (1280, 85), (320, 21)]);
    let small = decode(&photo.small_thumbnail);
    let (dark, light) = (small.get_pixel(40, 10).0, small.get_pixel(280, 10).0);
    assert!(dark.iter().all(|&c| c < 70), "{dark:?}");
    assert!(light.iter().all(|&c| c > 180), "{light:?}");
}

#[test]
fn one_thumbnail_is_made_as_vipsthumbnail_would() {
    let stored = jpeg_of(&halves(2400, 1200));
    let small = thumbnail(&stored, 320, &Limits::default()).unwrap();
    assert_eq!((small.width, small.height), (320, 160));
    assert_no_metadata("thumbnail", &small.bytes);
    let image = decode(&small);
    assert_eq!(image.dimensions(), (320, 160));
    assert_red_and_blue("thumbnail", &image, (1, 4), (7, 4));

    // Turned by its EXIF: red on top, and the long side is the height.
    let turned = with_exif(&stored, phone(6));
    let small = thumbnail(&turned, 320, &Limits::default()).unwrap();
    assert_eq!((small.width, small.height), (160, 320));
    assert_no_metadata("turned thumbnail", &small.bytes);
    assert_red_and_blue("turned thumbnail", &decode(&small), (4, 1), (4, 7));

    // Small enough already: never upscaled.
    let tiny = thumbnail(&jpeg(200, 100), 320, &Limits::default()).unwrap();
    assert_eq!((tiny.width, tiny.height), (200, 100));
}

#[test]
fn jpegs_whose_segments_lie_about_their_length_are_corrupt() {
    // Small, so that the longest length a segment can claim is past its end.
    let whole = with_exif(&jpeg(64, 48), phone(1));
    assert!(whole.len() < 0xFFF0);
    // The EXIF segment's length (right after SOI and its marker) made to
    // reach past the end of the file, or to be shorter than its own field.
    for length in [0xFFFF_u16, 0xFFF0, 1, 0] {
        let mut lying = whole.clone();
        lying[4..6].copy_from_slice(&length.to_be_bytes());
        let result = process_default(&lying);
        assert!(
            matches!(result, Err(PhotoError::Corrupt(_))),
            "length {length}: {:?}",
            result.map(|p| p.width)
        );
    }
    // A comment claiming more than the file holds, after the image data
    // and in place of the end-of-image marker.
    let mut cut = whole.clone();
    cut.truncate(whole.len() - 2);
    cut.extend_from_slice(&[0xFF, 0xFE, 0x40, 0x00, b'x']);
    assert!(matches!(process_default(&cut), Err(PhotoError::Corrupt(_))));
}
