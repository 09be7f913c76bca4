//! Photo intake through its front door, `accept`: files carrying the metadata phones and editors
//! write, files that are not what they seem, and files built to exhaust memory.
//!
//! The fixtures are generated pictures (gradients and a red square), never of a person; they and
//! the script that made them are in `tests/fixtures/`. Each metadata-laden fixture is first shown
//! to really carry what the test then proves is gone, so no test passes on an empty input.

// The helpers below are test code too: a fixture that will not load should fail loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Cursor;

use exif::{In, Tag};
use image::RgbImage;
use kinlink_photos::{CleanPhoto, Limits, Rejected, accept, placeholder};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

/// EXIF as an independent parser (kamadak-exif) finds it in a JPEG, PNG or WebP file.
fn exif_of(bytes: &[u8]) -> Result<exif::Exif, exif::Error> {
    exif::Reader::new().read_from_container(&mut Cursor::new(bytes))
}

fn has_field(exif: &exif::Exif, tag: Tag) -> bool {
    exif.get_field(tag, In::PRIMARY).is_some()
}

const APP1: u8 = 0xE1; // EXIF and XMP
const APP13: u8 = 0xED; // Photoshop IRB, which carries IPTC
const COM: u8 = 0xFE;
const SOS: u8 = 0xDA;

/// The markers of a JPEG's segments up to and including its first scan header, and where the
/// scan's data starts. Panics on anything that is not a well-formed segment sequence.
fn segments_before_scan(jpeg: &[u8]) -> (Vec<u8>, usize) {
    assert_eq!(jpeg[..2], [0xFF, 0xD8], "starts with SOI");
    let mut at = 2;
    let mut markers = Vec::new();
    loop {
        assert_eq!(jpeg[at], 0xFF, "a segment starts at byte {at}");
        let marker = jpeg[at + 1];
        markers.push(marker);
        let length = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
        at += 2 + length;
        if marker == SOS {
            return (markers, at);
        }
    }
}

/// Everything a clean JPEG from this crate may contain: the JFIF header, quantisation and Huffman
/// tables, a baseline frame and its scan, and after the scan nothing but restart markers up to
/// the final EOI. Any other segment, before or after the pixels, is a place metadata could hide.
fn assert_only_picture_segments(jpeg: &[u8]) {
    let (markers, scan_data) = segments_before_scan(jpeg);
    for marker in &markers {
        assert!(
            [0xE0, 0xDB, 0xC0, 0xC4, SOS].contains(marker),
            "unexpected segment FF{marker:02X} in {markers:02X?}"
        );
    }
    assert!(contains(jpeg, "JFIF\0"), "APP0 is the plain JFIF header");
    let mut last_marker = None;
    for (index, pair) in jpeg.windows(2).enumerate().skip(scan_data) {
        // In entropy-coded data 0xFF is followed by a stuffed 0x00 or a restart marker.
        if pair[0] == 0xFF && pair[1] != 0x00 && !(0xD0..=0xD7).contains(&pair[1]) {
            assert_eq!(
                last_marker, None,
                "a second marker FF{:02X} after the scan",
                pair[1]
            );
            last_marker = Some((index, pair[1]));
        }
    }
    assert_eq!(
        last_marker,
        Some((jpeg.len() - 2, 0xD9)),
        "the scan ends with EOI, then nothing"
    );
}

fn pixels_of(photo: &CleanPhoto) -> RgbImage {
    let decoded = image::load_from_memory_with_format(&photo.jpeg, image::ImageFormat::Jpeg)
        .unwrap()
        .to_rgb8();
    assert_eq!(decoded.dimensions(), (photo.width, photo.height));
    decoded
}

/// The fixtures' corner square is (220, 20, 20) before JPEG's losses.
fn is_red(pixels: &RgbImage, x: u32, y: u32) -> bool {
    let [red, green, blue] = pixels.get_pixel(x, y).0;
    red > 180 && green < 70 && blue < 70
}

fn assert_no_trace_of(output: &[u8], markers: &[&str]) {
    for marker in markers {
        assert!(
            !contains(output, marker),
            "{marker:?} survived into the output"
        );
    }
}

// 1. A phone photo: EXIF (GPS, camera, time, orientation), XMP, IPTC and a comment.

const JPEG_MARKERS: &[&str] = &[
    "XMP-CITY-MARKER",
    "IPTC-CITY-MARKER",
    "IPTC-CAPTION-MARKER",
    "COM-MARKER",
    "Example Road",
    "FixtureCam",
    "GPS-Phone",
    "2024:05:17",
    "Exif\0\0",
    "http://ns.adobe.com/xap/1.0/",
    "Photoshop 3.0",
    "8BIM",
];

#[test]
fn a_phone_photo_loses_its_location_camera_time_and_every_other_note() {
    let input = fixture("exif-gps-rotated.jpg");

    let exif = exif_of(&input).expect("the fixture carries EXIF");
    for tag in [
        Tag::GPSLatitude,
        Tag::GPSLatitudeRef,
        Tag::GPSLongitude,
        Tag::GPSLongitudeRef,
        Tag::Make,
        Tag::Model,
        Tag::DateTimeOriginal,
    ] {
        assert!(has_field(&exif, tag), "the fixture has {tag}");
    }
    let orientation = exif.get_field(Tag::Orientation, In::PRIMARY).unwrap();
    assert_eq!(orientation.value.get_uint(0), Some(6));
    let (input_segments, _) = segments_before_scan(&input);
    for marker in [APP1, APP13, COM] {
        assert!(
            input_segments.contains(&marker),
            "the fixture has FF{marker:02X}"
        );
    }
    for marker in JPEG_MARKERS {
        assert!(contains(&input, marker), "the fixture contains {marker:?}");
    }

    let photo = accept(&input, &Limits::default()).unwrap();

    assert!(
        matches!(exif_of(&photo.jpeg), Err(exif::Error::NotFound(_))),
        "no EXIF at all in the output"
    );
    assert_only_picture_segments(&photo.jpeg);
    assert_no_trace_of(&photo.jpeg, JPEG_MARKERS);

    // Orientation 6: the stored 800 × 600 pixels are shown turned 90° clockwise, so the red
    // square stored top-left must now be top-right.
    assert_eq!((photo.width, photo.height), (600, 800));
    let pixels = pixels_of(&photo);
    assert!(is_red(&pixels, 560, 40), "red square is top-right");
    assert!(!is_red(&pixels, 40, 40), "and no longer top-left");
}

// 2. PNG with text, international text (XMP) and EXIF chunks.

#[test]
fn a_png_loses_its_text_xmp_and_exif_chunks_and_its_transparency_turns_white() {
    let input = fixture("metadata.png");
    let markers = [
        "PNG-TEXT-MARKER-Camden",
        "PNG-ITXT-MARKER-Islington",
        "PNG-EXIF-MARKER-Cam",
        "GPS-Phone",
        "tEXt",
        "iTXt",
        "eXIf",
    ];
    for marker in markers {
        assert!(contains(&input, marker), "the fixture contains {marker:?}");
    }
    let exif = exif_of(&input).expect("the fixture's eXIf chunk is read");
    assert!(has_field(&exif, Tag::GPSLatitude) && has_field(&exif, Tag::Make));

    let photo = accept(&input, &Limits::default()).unwrap();

    assert!(matches!(
        exif_of(&photo.jpeg),
        Err(exif::Error::NotFound(_))
    ));
    assert_only_picture_segments(&photo.jpeg);
    assert_no_trace_of(&photo.jpeg, &markers);
    assert_eq!((photo.width, photo.height), (320, 240));
    let pixels = pixels_of(&photo);
    // The transparent block hides black pixels: flattened onto white it is white, where merely
    // dropping the alpha channel would show black.
    let [red, green, blue] = pixels.get_pixel(300, 20).0;
    assert!(
        red > 245 && green > 245 && blue > 245,
        "got {red},{green},{blue}"
    );
    assert!(is_red(&pixels, 20, 20), "the opaque part is kept");
}

// 3. WebP in the extended container, with EXIF and XMP chunks.

#[test]
fn a_webp_loses_its_exif_and_xmp_chunks_and_is_turned_the_right_way_up() {
    let input = fixture("metadata.webp");
    let markers = [
        "WEBP-EXIF-MARKER-Cam",
        "WEBP-XMP-MARKER-Hackney",
        "GPS-Phone",
        "VP8X",
        "EXIF",
        "XMP ",
    ];
    for marker in markers {
        assert!(contains(&input, marker), "the fixture contains {marker:?}");
    }
    let exif = exif_of(&input).expect("the fixture's EXIF chunk is read");
    assert!(has_field(&exif, Tag::GPSLatitude) && has_field(&exif, Tag::Make));

    let photo = accept(&input, &Limits::default()).unwrap();

    assert!(matches!(
        exif_of(&photo.jpeg),
        Err(exif::Error::NotFound(_))
    ));
    assert_only_picture_segments(&photo.jpeg);
    assert_no_trace_of(&photo.jpeg, &markers);
    // Orientation 8: the stored 320 × 240 pixels are shown turned 90° anticlockwise, so the red
    // square stored top-left must now be bottom-left.
    assert_eq!((photo.width, photo.height), (240, 320));
    let pixels = pixels_of(&photo);
    assert!(is_red(&pixels, 20, 300), "red square is bottom-left");
    assert!(!is_red(&pixels, 20, 20), "and no longer top-left");
}

// 4. The kind of file is read from its content; what is not a usable photo is refused by name.

/// The smallest GIF: one white pixel.
const GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00\
    \x21\xf9\x04\x01\x00\x00\x00\x00\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00\x3b";

/// The start of an iPhone's HEIC photo: an ISO-BMFF `ftyp` box with the brand `heic`.
const HEIC: &[u8] = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic";

#[test]
fn the_kind_of_file_is_judged_by_its_content_alone() {
    // There is no file name or declared type to get wrong: each fixture is recognised from its
    // bytes, and every one comes out as a JPEG.
    for name in ["exif-gps-rotated.jpg", "metadata.png", "metadata.webp"] {
        let photo = accept(&fixture(name), &Limits::default()).unwrap();
        assert_eq!(
            photo.jpeg[..3],
            [0xFF, 0xD8, 0xFF],
            "{name} comes out as JPEG"
        );
    }
    assert_eq!(CleanPhoto::MEDIA_TYPE, "image/jpeg");
}

#[test]
fn other_kinds_of_image_are_refused_by_name() {
    let gif = accept(GIF, &Limits::default()).unwrap_err();
    assert!(
        matches!(&gif, Rejected::UnsupportedType { found } if found == "image/gif"),
        "{gif:?}"
    );
    assert_eq!(gif.code(), "unsupported_type");
    assert_eq!(
        gif.to_string(),
        "GIF images cannot be used. Save the photo as a JPEG, PNG or WebP and upload that instead."
    );

    let heic = accept(HEIC, &Limits::default()).unwrap_err();
    assert!(
        matches!(&heic, Rejected::UnsupportedType { found } if found == "image/heif"),
        "{heic:?}"
    );
    assert!(
        heic.to_string()
            .starts_with("HEIC and HEIF images cannot be used.")
    );
}

#[test]
fn files_that_are_not_images_are_refused() {
    let not_images: [&[u8]; 4] = [
        b"Contact details for the birth family: see the case file.",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        b"<svg xmlns=\"http://www.w3.org/2000/svg\"><circle r=\"4\"/></svg>",
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00",
    ];
    for bytes in not_images {
        let refused = accept(bytes, &Limits::default()).unwrap_err();
        assert!(matches!(refused, Rejected::NotAnImage), "{refused:?}");
        assert_eq!(refused.code(), "not_an_image");
    }
}

#[test]
fn an_empty_file_is_refused_as_empty() {
    let refused = accept(&[], &Limits::default()).unwrap_err();
    assert!(matches!(refused, Rejected::Empty));
    assert_eq!(refused.code(), "empty");
    assert_eq!(
        refused.to_string(),
        "The file is empty. Choose a photo to upload."
    );
}

#[test]
fn a_file_over_the_size_limit_is_refused_and_one_at_the_limit_is_not() {
    let refused = accept(&vec![0xFF; 10 * 1024 * 1024 + 1], &Limits::default()).unwrap_err();
    assert!(matches!(refused, Rejected::TooLarge { max_bytes } if max_bytes == 10 * 1024 * 1024));
    assert_eq!(refused.code(), "too_large");
    assert_eq!(
        refused.to_string(),
        "The file is larger than 10 MB. Choose a smaller photo."
    );

    let jpeg = fixture("exif-gps-rotated.jpg");
    let exactly = Limits {
        max_bytes: jpeg.len(),
        ..Limits::default()
    };
    assert!(accept(&jpeg, &exactly).is_ok());
    let one_short = Limits {
        max_bytes: jpeg.len() - 1,
        ..Limits::default()
    };
    assert!(matches!(
        accept(&jpeg, &one_short),
        Err(Rejected::TooLarge { .. })
    ));
}

#[test]
fn a_truncated_file_is_refused_as_unreadable() {
    let jpeg = fixture("exif-gps-rotated.jpg");
    // Cut inside the metadata, just after the frame header, and part-way through the pixels: the
    // JPEG decoder would fill the missing part with grey, so the cut must be noticed before it.
    let frame_header = jpeg
        .windows(2)
        .position(|pair| pair == [0xFF, 0xC0])
        .unwrap();
    for cut in [200, frame_header + 30, jpeg.len() / 2, jpeg.len() - 2] {
        let refused = accept(&jpeg[..cut], &Limits::default()).unwrap_err();
        assert!(
            matches!(refused, Rejected::Unreadable),
            "cut at {cut}: {refused:?}"
        );
        assert_eq!(refused.code(), "unreadable");
    }
    let png = fixture("metadata.png");
    for cut in [40, png.len() / 2, png.len() - 20] {
        let refused = accept(&png[..cut], &Limits::default()).unwrap_err();
        assert!(
            matches!(refused, Rejected::Unreadable),
            "PNG cut at {cut}: {refused:?}"
        );
    }
    // In the WebP the pixels come before the EXIF and XMP chunks: cut through the pixels.
    let webp = fixture("metadata.webp");
    let pixels_at = webp.windows(4).position(|four| four == b"VP8L").unwrap();
    let pixels_length = u32::from_le_bytes(webp[pixels_at + 4..pixels_at + 8].try_into().unwrap());
    for cut in [40, pixels_at + 8 + pixels_length as usize / 2] {
        let refused = accept(&webp[..cut], &Limits::default()).unwrap_err();
        assert!(
            matches!(refused, Rejected::Unreadable),
            "WebP cut at {cut}: {refused:?}"
        );
    }
}

#[test]
fn damaged_files_of_every_kind_are_refused_or_accepted_but_never_crash() {
    // A flipped bit in a header can declare a large picture of garbage; a low pixel limit keeps
    // this test about crashing, not about decoding speed.
    let small = Limits {
        max_pixels: 1_000_000,
        ..Limits::default()
    };
    for name in ["exif-gps-rotated.jpg", "metadata.png", "metadata.webp"] {
        let original = fixture(name);
        let step = (original.len() / 16).max(1);
        for at in (0..original.len()).step_by(step) {
            let _ = accept(&original[..at], &small);
            let mut flipped = original.clone();
            flipped[at] ^= 0xA5;
            if let Ok(photo) = accept(&flipped, &small) {
                assert_only_picture_segments(&photo.jpeg);
            }
        }
    }
}

// 5. Decompression bombs.

#[test]
fn a_png_declaring_two_and_a_half_gigapixels_is_refused_before_decoding() {
    let bomb = fixture("bomb-50000x50000.png");
    assert!(bomb.len() < 8 * 1024, "the bomb is {} bytes", bomb.len());

    // Decoding first would mean allocating 2.5 GB and then failing on the missing rows, which
    // would come back as Unreadable, not as this. Two guards stand in the way, the header check
    // and the decoder's memory budget, and either alone refuses it before allocating; the JPEG
    // test below pins the header check on its own.
    let refused = accept(&bomb, &Limits::default()).unwrap_err();
    assert!(
        matches!(
            refused,
            Rejected::TooManyPixels {
                width: 50_000,
                height: 50_000
            }
        ),
        "{refused:?}"
    );
    assert_eq!(refused.code(), "too_many_pixels");
    assert!(refused.to_string().contains("50000 × 50000 pixels"));
}

/// Rewrites the width and height in the first baseline frame header (SOF0).
fn with_declared_size(jpeg: &[u8], width: u16, height: u16) -> Vec<u8> {
    let sof = jpeg
        .windows(2)
        .position(|pair| pair == [0xFF, 0xC0])
        .unwrap();
    let mut patched = jpeg.to_vec();
    // FF C0, length (2), precision (1), then height and width.
    patched[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    patched[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    patched
}

#[test]
fn a_jpeg_declaring_more_pixels_than_allowed_is_refused_before_decoding() {
    let jpeg = fixture("exif-gps-rotated.jpg");
    let refused = accept(
        &with_declared_size(&jpeg, 65_000, 65_000),
        &Limits::default(),
    );
    assert!(
        matches!(
            refused,
            Err(Rejected::TooManyPixels {
                width: 65_000,
                height: 65_000
            })
        ),
        "{refused:?}"
    );

    // The limit is the caller's: the unpatched 480,000-pixel fixture is refused under a lower one.
    let small = Limits {
        max_pixels: 479_999,
        ..Limits::default()
    };
    assert!(matches!(
        accept(&jpeg, &small),
        Err(Rejected::TooManyPixels {
            width: 800,
            height: 600
        })
    ));
    let exact = Limits {
        max_pixels: 480_000,
        ..Limits::default()
    };
    assert!(accept(&jpeg, &exact).is_ok());
}

#[test]
fn a_header_declaring_fewer_pixels_than_its_data_yields_only_what_it_declared() {
    // 16 × 16 declared over 2,000 × 2,000 pixels of data: the decoder stops at what was declared.
    let photo = accept(&fixture("lying-small.png"), &Limits::default()).unwrap();
    assert_eq!((photo.width, photo.height), (16, 16));
}

// 6. Size of the output, and the demo placeholder.

fn png_of(width: u32, height: u32) -> Vec<u8> {
    let picture = RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut png = Vec::new();
    picture
        .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    png
}

#[test]
fn a_large_photo_is_scaled_down_to_the_longest_side_keeping_its_shape() {
    let wide = accept(&png_of(2000, 1125), &Limits::default()).unwrap();
    assert_eq!((wide.width, wide.height), (1600, 900));
    pixels_of(&wide);

    let tall = accept(&png_of(900, 2000), &Limits::default()).unwrap();
    assert_eq!((tall.width, tall.height), (720, 1600));

    let smaller_out = Limits {
        max_side_out: 400,
        ..Limits::default()
    };
    let thumbnail = accept(&png_of(900, 2000), &smaller_out).unwrap();
    assert_eq!((thumbnail.width, thumbnail.height), (180, 400));

    let small = accept(&png_of(640, 480), &Limits::default()).unwrap();
    assert_eq!(
        (small.width, small.height),
        (640, 480),
        "small photos are not enlarged"
    );
}

#[test]
fn placeholders_are_deterministic_distinct_and_clean() {
    let first = placeholder(1);
    assert_eq!(first, placeholder(1), "the same seed gives the same bytes");
    let others = [placeholder(2), placeholder(u64::MAX)];
    for jpeg in [&first, &others[0], &others[1]] {
        let photo = accept(jpeg, &Limits::default()).unwrap();
        assert_eq!((photo.width, photo.height), (480, 360));
        assert_only_picture_segments(jpeg);
    }
    assert_ne!(first, others[0]);
    assert_ne!(first, others[1]);
    assert_ne!(others[0], others[1]);

    // Not a flat field: the soft shapes make the picture vary across it.
    let pixels = image::load_from_memory(&first).unwrap().to_rgb8();
    let samples =
        [(0, 0), (479, 0), (0, 359), (479, 359), (240, 180)].map(|(x, y)| pixels.get_pixel(x, y).0);
    assert!(samples.iter().any(|sample| sample != &samples[0]));
}
