//! Copies made from real encoded pictures, read back independently (imagesize).

use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};

fn photo(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        Rgb([
            (x * 7 % 256) as u8,
            (y * 5 % 256) as u8,
            ((x ^ y) % 256) as u8,
        ])
    })
}

fn encoded(picture: DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    picture
        .write_to(&mut std::io::Cursor::new(&mut out), format)
        .expect("encode");
    out
}

fn size_of(bytes: &[u8]) -> (usize, usize) {
    let s = imagesize::blob_size(bytes).expect("a readable copy");
    (s.width, s.height)
}

#[test]
fn a_large_photo_gets_each_width_in_proportion() {
    let jpeg = encoded(
        DynamicImage::ImageRgb8(photo(2400, 1200)),
        ImageFormat::Jpeg,
    );
    let copies = variants::make("image/jpeg", &jpeg).expect("copies");
    let jpegs: Vec<_> = copies
        .iter()
        .filter(|v| v.content_type == "image/jpeg")
        .collect();
    assert_eq!(
        jpegs
            .iter()
            .map(|v| (v.width, v.height))
            .collect::<Vec<_>>(),
        [(480, 240), (960, 480), (1920, 960)]
    );
    for v in &copies {
        assert_eq!(size_of(&v.bytes), (v.width as usize, v.height as usize));
        assert!(
            v.bytes.len() < jpeg.len(),
            "a copy is smaller than the original"
        );
    }
    // WebP only where it is smaller than the JPEG of the same width.
    for w in copies.iter().filter(|v| v.content_type == "image/webp") {
        let same = jpegs
            .iter()
            .find(|j| j.width == w.width)
            .expect("a JPEG too");
        assert!(w.bytes.len() < same.bytes.len());
    }
}

#[test]
fn narrow_pictures_and_gifs_get_no_copies() {
    let small = encoded(DynamicImage::ImageRgb8(photo(400, 300)), ImageFormat::Png);
    assert!(
        variants::make("image/png", &small)
            .expect("fine")
            .is_empty()
    );
    let gif = encoded(
        DynamicImage::ImageRgba8(RgbaImage::new(2000, 10)),
        ImageFormat::Gif,
    );
    assert!(variants::make("image/gif", &gif).expect("fine").is_empty());
    assert!(
        variants::make("application/pdf", b"%PDF")
            .expect("fine")
            .is_empty()
    );
}

#[test]
fn a_flat_graphic_keeps_its_transparency_and_often_wins_as_webp() {
    let logo = RgbaImage::from_fn(1000, 500, |x, _| {
        if x < 500 {
            Rgba([0, 80, 160, 255])
        } else {
            Rgba([0, 0, 0, 0])
        }
    });
    let png = encoded(DynamicImage::ImageRgba8(logo), ImageFormat::Png);
    let copies = variants::make("image/png", &png).expect("copies");
    assert!(
        copies
            .iter()
            .any(|v| v.content_type == "image/png" && v.width == 960)
    );
    for v in &copies {
        let back = image::load_from_memory(&v.bytes).expect("decodable");
        assert!(
            back.color().has_alpha(),
            "{} lost its transparency",
            v.content_type
        );
    }
}

#[test]
fn a_photo_turned_by_its_exif_is_copied_upright() {
    // A 1200 × 600 picture stored sideways, with orientation 6 ("turn 90° clockwise").
    let jpeg = encoded(DynamicImage::ImageRgb8(photo(1200, 600)), ImageFormat::Jpeg);
    let tiff: &[u8] = b"MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x06\0\0\0\0\0\0";
    let mut app1 = vec![0xFF, 0xE1];
    let len = (2 + 6 + tiff.len()) as u16;
    app1.extend_from_slice(&len.to_be_bytes());
    app1.extend_from_slice(b"Exif\0\0");
    app1.extend_from_slice(tiff);
    let mut turned = jpeg[..2].to_vec();
    turned.extend_from_slice(&app1);
    turned.extend_from_slice(&jpeg[2..]);
    let copies = variants::make("image/jpeg", &turned).expect("copies");
    // Shown as 600 wide and 1200 high: only the 480 copy is narrower.
    let sizes: Vec<_> = copies.iter().map(|v| (v.width, v.height)).collect();
    assert!(sizes.iter().all(|s| *s == (480, 960)), "{sizes:?}");
    assert!(!copies.is_empty());
}

#[test]
fn a_picture_claiming_a_huge_size_is_refused_before_memory_is_taken() {
    // A PNG header for 100 000 × 100 000 pixels (with a right checksum) and nothing behind it.
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\r".to_vec();
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    for chunk in [&b"IDAT"[..], b"IEND"] {
        png.extend_from_slice(&0u32.to_be_bytes());
        png.extend_from_slice(chunk);
        png.extend_from_slice(&crc32(chunk).to_be_bytes());
    }
    match variants::make("image/png", &png) {
        Err(variants::Error::TooLarge(mp)) => assert_eq!(mp, 10_000),
        Err(other) => assert!(
            other.to_string().contains("limit") || other.to_string().contains("large"),
            "{other}"
        ),
        Ok(v) => panic!("copies of a bomb: {}", v.len()),
    }
    // Damaged bytes are an error, not a panic.
    assert!(variants::make("image/jpeg", b"\xFF\xD8\xFF\xE0garbage").is_err());
}

/// PNG's CRC-32 (the bitwise form; a test needs one checksum).
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for b in bytes {
        crc ^= u32::from(*b);
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

/// Each copy is made from the next wider one (faster); it must look like a copy made from the
/// whole picture: a smooth photo-like picture, the 480 copy compared pixel by pixel.
#[test]
fn a_copy_made_from_a_wider_copy_looks_like_one_from_the_whole_picture() {
    let (w, h) = (2400, 1600);
    let smooth = RgbImage::from_fn(w, h, |x, y| {
        let fx = x as f32 / w as f32;
        let fy = y as f32 / h as f32;
        Rgb([
            (255.0 * fx) as u8,
            (255.0 * fy) as u8,
            (127.0 + 127.0 * (fx * 12.0).sin() * (fy * 9.0).cos()) as u8,
        ])
    });
    let png = encoded(DynamicImage::ImageRgb8(smooth.clone()), ImageFormat::Png);
    let copies = variants::make("image/png", &png).expect("copies");
    let small = copies
        .iter()
        .find(|v| v.width == 480 && v.content_type == "image/png")
        .expect("a 480 copy");
    let chained = image::load_from_memory(&small.bytes)
        .expect("a readable copy")
        .to_rgb8();
    let direct = DynamicImage::ImageRgb8(smooth)
        .resize_exact(480, small.height, image::imageops::FilterType::CatmullRom)
        .to_rgb8();
    assert_eq!(chained.dimensions(), direct.dimensions());
    let diff: u64 = chained
        .as_raw()
        .iter()
        .zip(direct.as_raw())
        .map(|(a, b)| u64::from(a.abs_diff(*b)))
        .sum();
    let mean = diff as f64 / chained.as_raw().len() as f64;
    assert!(mean < 1.5, "mean difference {mean}");
}
