//! Photo intake for register profiles: every uploaded photo of a child passes through [`accept`],
//! which decodes it and draws a fresh JPEG from the pixels alone, so nothing the camera or an
//! editor wrote into the file reaches the register.
//!
//! Why: a photo must never reveal where a child is. Phones write the GPS position, the time and
//! the device into EXIF; editors add XMP and IPTC (city, caption), comments and PNG text chunks;
//! WebP carries EXIF and XMP chunks. None of it is copied, because the output is encoded from a
//! pixel buffer into a new file: [`image`]'s JPEG encoder writes no EXIF, XMP, IPTC or comment
//! segment unless asked, and this crate never asks. Not even the colour profile is kept (it can
//! hold free text), so wide-gamut phone photos come out slightly less saturated: an accepted cost.
//!
//! What it accepts: JPEG, PNG and WebP, judged by the file's content (its magic bytes, through
//! `infer`). There is no file name or declared content type in the API, on purpose: both come
//! from the uploader and can say anything, so a JPEG named `photo.png` is a JPEG, and a GIF
//! named `photo.jpg` is refused as a GIF.
//!
//! Bounds: a size limit on the upload, and a pixel limit checked against the dimensions in the
//! file's header *before* any pixel is decoded, so a decompression bomb (a few kilobytes that
//! declare a 50,000 × 50,000 image) is refused without allocating for it; the decoder then runs
//! with the header's dimensions and a memory budget as hard limits. The EXIF orientation is
//! applied to the pixels before the metadata is dropped, so phone photos stay the right way up.
//! Transparency is flattened onto white and the longest side is scaled down to
//! [`Limits::max_side_out`].
//!
//! What it must not do: any I/O, async or logging of the photo; keep or pass on any byte of the
//! input file other than decoded pixels; panic, whatever the input.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, RgbImage};

mod jpeg;
mod placeholder;

/// How big an upload may be, and how big the photo that comes out is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The largest upload, in bytes.
    pub max_bytes: usize,
    /// The most pixels (width × height, as the file's header declares them) that will be decoded.
    pub max_pixels: u64,
    /// The longest side of the photo that comes out, in pixels; larger photos are scaled down.
    pub max_side_out: u32,
}

impl Default for Limits {
    /// 10 MiB in, 40 megapixels (a current phone camera, with room) and 1600 px out: plenty for
    /// a profile page, small enough to keep the register's storage and pages light.
    fn default() -> Self {
        Limits {
            max_bytes: 10 * 1024 * 1024,
            max_pixels: 40_000_000,
            max_side_out: 1600,
        }
    }
}

/// A photo that has been through [`accept`]: a JPEG with no metadata, right way up.
#[derive(Clone, PartialEq, Eq)]
pub struct CleanPhoto {
    /// The JPEG file; always JPEG, whatever came in.
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// The size, not the bytes: a photo in a log or a failed assertion is noise at best.
impl std::fmt::Debug for CleanPhoto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CleanPhoto")
            .field("jpeg", &format_args!("{} bytes", self.jpeg.len()))
            .field("width", &self.width)
            .field("height", &self.height)
            .finish()
    }
}

impl CleanPhoto {
    /// The media type of [`CleanPhoto::jpeg`], for storing and serving it.
    pub const MEDIA_TYPE: &'static str = "image/jpeg";
}

/// Why an upload was refused. The messages are shown to social workers as they are: they say
/// what went wrong in plain words and what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejected {
    #[error("The file is empty. Choose a photo to upload.")]
    Empty,
    #[error(
        "The file is larger than {}. Choose a smaller photo.",
        size_in_words(*.max_bytes)
    )]
    TooLarge { max_bytes: usize },
    #[error("The file is not a photo. Choose a JPEG, PNG or WebP photo.")]
    NotAnImage,
    #[error(
        "{} images cannot be used. Save the photo as a JPEG, PNG or WebP and upload that instead.",
        kind_in_words(.found)
    )]
    UnsupportedType {
        /// The media type the content was recognised as, e.g. `image/gif`.
        found: String,
    },
    #[error(
        "The photo is {width} × {height} pixels, which is too big to use. Choose a smaller photo, \
         or make this one smaller and try again."
    )]
    TooManyPixels { width: u32, height: u32 },
    #[error(
        "The photo could not be read. The file may be damaged or incomplete: save it again, or \
         choose a different photo."
    )]
    Unreadable,
}

impl Rejected {
    /// A stable code for logs, metrics and API clients; never changes once released.
    pub fn code(&self) -> &'static str {
        match self {
            Rejected::Empty => "empty",
            Rejected::TooLarge { .. } => "too_large",
            Rejected::NotAnImage => "not_an_image",
            Rejected::UnsupportedType { .. } => "unsupported_type",
            Rejected::TooManyPixels { .. } => "too_many_pixels",
            Rejected::Unreadable => "unreadable",
        }
    }
}

/// Checks an upload and returns it as a clean JPEG, or says why it was refused.
///
/// The kind of file is judged from `bytes` alone; see the crate documentation for the steps.
pub fn accept(bytes: &[u8], limits: &Limits) -> Result<CleanPhoto, Rejected> {
    if bytes.is_empty() {
        return Err(Rejected::Empty);
    }
    if bytes.len() > limits.max_bytes {
        return Err(Rejected::TooLarge {
            max_bytes: limits.max_bytes,
        });
    }
    let format = kind_by_content(bytes)?;
    // The JPEG decoder is lenient and fills a cut-off photo with grey; an upload that stopped
    // half-way should be sent again, not stored half grey.
    if format == ImageFormat::Jpeg && !jpeg::reaches_its_end(bytes) {
        return Err(Rejected::Unreadable);
    }
    // The decoders are fuzzed upstream, but this function promises not to panic on any input:
    // should one panic all the same, that is a file it could not read.
    let image = std::panic::catch_unwind(|| decode(bytes, format, limits))
        .unwrap_or(Err(Rejected::Unreadable))?;
    let pixels = scale_down(flatten_onto_white(image), limits.max_side_out);
    encode(&pixels)
}

/// A synthetic picture for demo data, never of a person: soft circles over a gradient in
/// colours chosen from `seed`, 480 × 360. The same seed always gives the same bytes. It is made
/// through [`accept`], so it is exactly what a real upload would be stored as.
pub fn placeholder(seed: u64) -> Vec<u8> {
    let picture = placeholder::picture(seed);
    let mut png = Vec::new();
    // Lossless in, so the only lossy step is the one every upload takes.
    let made = DynamicImage::ImageRgb8(picture)
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .map_err(|_| Rejected::Unreadable)
        .and_then(|()| accept(&png, &Limits::default()));
    // Encoding a 480 × 360 in-memory picture and accepting it cannot fail (the tests check it
    // does not); if it ever did, an empty file is a broken demo image, not a crashed demo job.
    made.map(|photo| photo.jpeg).unwrap_or_default()
}

/// Only these three are accepted: every browser shows them and every phone can export them.
fn kind_by_content(bytes: &[u8]) -> Result<ImageFormat, Rejected> {
    let Some(kind) = infer::get(bytes) else {
        return Err(Rejected::NotAnImage);
    };
    match kind.mime_type() {
        "image/jpeg" => Ok(ImageFormat::Jpeg),
        "image/png" => Ok(ImageFormat::Png),
        "image/webp" => Ok(ImageFormat::WebP),
        other if kind.matcher_type() == infer::MatcherType::Image => {
            Err(Rejected::UnsupportedType {
                found: other.to_owned(),
            })
        }
        _ => Err(Rejected::NotAnImage),
    }
}

/// The most bytes one decoded pixel can take from the three accepted decoders (16-bit RGBA PNG).
const MAX_BYTES_PER_PIXEL: u64 = 8;
/// Room for what a decoder allocates besides the pixels: metadata chunks, row buffers, tables.
const DECODER_HEADROOM: u64 = 16 * 1024 * 1024;

fn decode(bytes: &[u8], format: ImageFormat, limits: &Limits) -> Result<DynamicImage, Rejected> {
    let budget = limits
        .max_pixels
        .saturating_mul(MAX_BYTES_PER_PIXEL)
        .saturating_add(DECODER_HEADROOM);

    // Reading the header allocates nothing for pixels; the budget still bounds what a decoder
    // may buffer while reading it (PNG text chunks, for instance).
    let mut header_limits = image::Limits::default();
    header_limits.max_alloc = Some(budget);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(header_limits);
    let mut decoder = reader.into_decoder().map_err(|_| Rejected::Unreadable)?;

    let (width, height) = decoder.dimensions();
    if u64::from(width).saturating_mul(u64::from(height)) > limits.max_pixels {
        return Err(Rejected::TooManyPixels { width, height });
    }
    if width == 0 || height == 0 {
        return Err(Rejected::Unreadable);
    }

    // A damaged EXIF block must not cost the photo: it is dropped anyway, and the worst case is
    // a photo shown on its side, which the social worker sees at once and can replace.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);

    // From here the header's word is the hard limit: the decoder may not produce more pixels
    // than it promised, nor allocate beyond the budget.
    let mut pixel_limits = image::Limits::default();
    pixel_limits.max_image_width = Some(width);
    pixel_limits.max_image_height = Some(height);
    pixel_limits.max_alloc = Some(budget);
    let too_many = |error: ImageError| match error {
        ImageError::Limits(_) => Rejected::TooManyPixels { width, height },
        _ => Rejected::Unreadable,
    };
    pixel_limits
        .reserve(decoder.total_bytes())
        .map_err(too_many)?;
    decoder.set_limits(pixel_limits).map_err(too_many)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(too_many)?;

    image.apply_orientation(orientation);
    Ok(image)
}

/// JPEG has no transparency; white is what a transparent area looks like on a profile page.
fn flatten_onto_white(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    let mut flat = RgbImage::new(rgba.width(), rgba.height());
    for (from, to) in rgba.pixels().zip(flat.pixels_mut()) {
        let [red, green, blue, alpha] = from.0;
        let alpha = u32::from(alpha);
        let over_white = |channel: u8| {
            let mixed = (u32::from(channel) * alpha + 255 * (255 - alpha) + 127) / 255;
            u8::try_from(mixed).unwrap_or(u8::MAX)
        };
        to.0 = [over_white(red), over_white(green), over_white(blue)];
    }
    flat
}

/// The largest side a baseline JPEG can have.
const JPEG_MAX_SIDE: u32 = 65_535;

fn scale_down(pixels: RgbImage, max_side_out: u32) -> RgbImage {
    let max_side = max_side_out.clamp(1, JPEG_MAX_SIDE);
    let (width, height) = pixels.dimensions();
    let longest = width.max(height);
    if longest <= max_side {
        return pixels;
    }
    // Rounded, and never below one pixel, so very long thin images still come out.
    let shrink = |side: u32| {
        let scaled =
            (u64::from(side) * u64::from(max_side) + u64::from(longest) / 2) / u64::from(longest);
        u32::try_from(scaled).unwrap_or(max_side).clamp(1, max_side)
    };
    // Triangle (bilinear) is smooth enough for a profile photo at a fraction of Lanczos's cost.
    image::imageops::resize(&pixels, shrink(width), shrink(height), FilterType::Triangle)
}

/// Quality 85: no visible artefacts on photos, about a third of the size of quality 95.
const JPEG_QUALITY: u8 = 85;

fn encode(pixels: &RgbImage) -> Result<CleanPhoto, Rejected> {
    let mut jpeg = Vec::new();
    // A fresh encoder is given pixels and nothing else: no EXIF, ICC profile or comment is set,
    // so it writes only the JFIF header, the tables and the scan.
    JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY)
        .encode_image(pixels)
        .map_err(|_| Rejected::Unreadable)?;
    Ok(CleanPhoto {
        jpeg,
        width: pixels.width(),
        height: pixels.height(),
    })
}

fn size_in_words(bytes: usize) -> String {
    const MIB: u128 = 1024 * 1024;
    let bytes = bytes as u128;
    if bytes < MIB {
        return format!("{} KB", bytes.div_ceil(1024));
    }
    let tenths = bytes * 10 / MIB;
    match tenths % 10 {
        0 => format!("{} MB", tenths / 10),
        tenth => format!("{}.{tenth} MB", tenths / 10),
    }
}

fn kind_in_words(media_type: &str) -> &'static str {
    match media_type {
        "image/gif" => "GIF",
        "image/heif" => "HEIC and HEIF",
        "image/avif" => "AVIF",
        "image/tiff" => "TIFF",
        "image/bmp" => "BMP",
        "image/jp2" => "JPEG 2000",
        "image/jxl" => "JPEG XL",
        "image/vnd.ms-photo" => "JPEG XR",
        "image/x-canon-cr2" => "Camera RAW",
        "image/vnd.adobe.photoshop" => "Photoshop",
        "image/vnd.microsoft.icon" => "Icon",
        _ => "These",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_said_in_megabytes_or_kilobytes() {
        assert_eq!(size_in_words(10 * 1024 * 1024), "10 MB");
        assert_eq!(size_in_words(5 * 1024 * 1024 / 2), "2.5 MB");
        assert_eq!(size_in_words(300 * 1024), "300 KB");
        assert_eq!(size_in_words(1), "1 KB");
        assert_eq!(size_in_words(usize::MAX).chars().last(), Some('B'));
    }

    #[test]
    fn scaling_keeps_the_aspect_ratio_and_at_least_one_pixel() {
        let wide = scale_down(RgbImage::new(4000, 3000), 1600);
        assert_eq!(wide.dimensions(), (1600, 1200));
        let tall = scale_down(RgbImage::new(999, 3001), 1000);
        assert_eq!(tall.dimensions(), (333, 1000));
        let thread = scale_down(RgbImage::new(20_000, 2), 100);
        assert_eq!(thread.dimensions(), (100, 1));
        let small = scale_down(RgbImage::new(300, 200), 1600);
        assert_eq!(small.dimensions(), (300, 200));
    }

    #[test]
    fn transparency_becomes_white_and_half_transparency_a_blend() {
        let mut rgba = image::RgbaImage::new(3, 1);
        rgba.put_pixel(0, 0, image::Rgba([0, 0, 0, 0]));
        rgba.put_pixel(1, 0, image::Rgba([0, 0, 0, 255]));
        rgba.put_pixel(2, 0, image::Rgba([200, 0, 100, 128]));
        let flat = flatten_onto_white(DynamicImage::ImageRgba8(rgba));
        assert_eq!(flat.get_pixel(0, 0).0, [255, 255, 255]);
        assert_eq!(flat.get_pixel(1, 0).0, [0, 0, 0]);
        assert_eq!(flat.get_pixel(2, 0).0, [227, 127, 177]);
    }

    #[test]
    fn every_code_is_distinct_snake_case() {
        let all = [
            Rejected::Empty,
            Rejected::TooLarge { max_bytes: 1 },
            Rejected::NotAnImage,
            Rejected::UnsupportedType {
                found: "image/gif".into(),
            },
            Rejected::TooManyPixels {
                width: 1,
                height: 1,
            },
            Rejected::Unreadable,
        ];
        let codes: Vec<_> = all.iter().map(Rejected::code).collect();
        assert_eq!(
            codes,
            [
                "empty",
                "too_large",
                "not_an_image",
                "unsupported_type",
                "too_many_pixels",
                "unreadable"
            ]
        );
    }
}
