//! Resized copies of an uploaded image, so a phone gets a picture the width of a phone.
//!
//! For each of [`WIDTHS`] narrower than the picture as it shows (a JPEG's EXIF orientation
//! applied), one copy in the upload's own format (JPEG at quality 80, PNG, WebP) and, where
//! it is smaller, one in lossless WebP. GIFs get none (they may move). Pure: bytes in, bytes
//! out; decoding is bounded by [`MAX_PIXELS`] before any pixel memory is taken.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// The widths made, in pixels: a phone, a tablet or narrow window, a large screen.
pub const WIDTHS: [u32; 3] = [480, 960, 1920];

/// Pictures with more pixels than this are not resized (50 megapixels: decoding takes about
/// 200 MB, which is where a camera's largest photos end).
pub const MAX_PIXELS: u64 = 50_000_000;

/// JPEG quality of the copies: invisible loss at a fraction of a camera's size.
const JPEG_QUALITY: u8 = 80;

/// One resized copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// Width in pixels (one of [`WIDTHS`]).
    pub width: u32,
    /// Height in pixels, in proportion.
    pub height: u32,
    /// `image/jpeg`, `image/png` or `image/webp`.
    pub content_type: &'static str,
    /// File name extension without the dot.
    pub extension: &'static str,
    /// The encoded file.
    pub bytes: Vec<u8>,
}

/// Why no copies could be made.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Larger than [`MAX_PIXELS`].
    #[error("the picture has {0} megapixels; copies are made for pictures up to 50")]
    TooLarge(u64),
    /// Not a picture this crate reads, or damaged.
    #[error("the picture cannot be read: {0}")]
    Unreadable(String),
    /// Encoding failed (a bug, or memory).
    #[error("a resized copy could not be written: {0}")]
    Encode(String),
}

/// The copies of `bytes` (of `content_type`) for every width in [`WIDTHS`] narrower than the
/// picture; none for a picture at most 480 wide, or for a GIF.
pub fn make(content_type: &str, bytes: &[u8]) -> Result<Vec<Variant>, Error> {
    let (format, content_type, extension) = match essence(content_type).as_str() {
        "image/jpeg" | "image/jpg" | "image/pjpeg" => (ImageFormat::Jpeg, "image/jpeg", "jpg"),
        "image/png" => (ImageFormat::Png, "image/png", "png"),
        "image/webp" => (ImageFormat::WebP, "image/webp", "webp"),
        _ => return Ok(Vec::new()),
    };
    let picture = decode(format, bytes)?;
    let (full_width, full_height) = (picture.width(), picture.height());
    let mut groups = Vec::new();
    // Widest first, each next copy made from the one before rather than from the whole
    // picture: halving a 1920-wide copy costs a fraction of scaling 12 megapixels again
    // (BENCHMARKS.md, "Resized copies of a photo").
    let mut source = picture;
    for width in WIDTHS.into_iter().rev().filter(|w| *w < full_width) {
        let height = scaled_height(full_width, full_height, width);
        let small = source.resize_exact(width, height, image::imageops::FilterType::CatmullRom);
        let mut out = Vec::new();
        let own = encode(&small, format)?;
        let webp = if format == ImageFormat::WebP {
            None
        } else {
            Some(encode(&small, ImageFormat::WebP)?).filter(|w| w.len() < own.len())
        };
        out.push(Variant {
            width,
            height,
            content_type,
            extension,
            bytes: own,
        });
        if let Some(bytes) = webp {
            out.push(Variant {
                width,
                height,
                content_type: "image/webp",
                extension: "webp",
                bytes,
            });
        }
        groups.push(out);
        source = small;
    }
    // Narrowest first, as before.
    Ok(groups.into_iter().rev().flatten().collect())
}

fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Height for `width`, keeping the proportion (at least 1).
fn scaled_height(w: u32, h: u32, width: u32) -> u32 {
    let scaled = (u64::from(h) * u64::from(width) + u64::from(w) / 2) / u64::from(w.max(1));
    u32::try_from(scaled).unwrap_or(u32::MAX).max(1)
}

/// Decodes with the size checked from the header first, and turned as its EXIF says.
fn decode(format: ImageFormat, bytes: &[u8]) -> Result<DynamicImage, Error> {
    let unreadable = |e: image::ImageError| Error::Unreadable(e.to_string());
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    // The header is read before any pixel buffer: a picture claiming 100 000 × 100 000 is
    // refused here, not allocated.
    limits.max_alloc = Some(MAX_PIXELS * 4 + (64 << 20));
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    let (w, h) = decoder.dimensions();
    let pixels = u64::from(w) * u64::from(h);
    if pixels > MAX_PIXELS {
        return Err(Error::TooLarge(pixels / 1_000_000));
    }
    let orientation = decoder.orientation().map_err(unreadable)?;
    let mut picture = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    picture.apply_orientation(orientation);
    Ok(picture)
}

fn encode(picture: &DynamicImage, format: ImageFormat) -> Result<Vec<u8>, Error> {
    let failed = |e: image::ImageError| Error::Encode(e.to_string());
    let mut out = Vec::new();
    match format {
        ImageFormat::Jpeg => {
            let rgb = picture.to_rgb8();
            JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
                .encode_image(&rgb)
                .map_err(failed)?;
        }
        // PNG and WebP keep transparency when there is any.
        _ => {
            let flat = if picture.color().has_alpha() {
                DynamicImage::ImageRgba8(picture.to_rgba8())
            } else {
                DynamicImage::ImageRgb8(picture.to_rgb8())
            };
            flat.write_to(&mut Cursor::new(&mut out), format)
                .map_err(failed)?;
        }
    }
    Ok(out)
}
