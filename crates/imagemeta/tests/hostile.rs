//! Files made to cost the parser memory: refused before they are parsed.

#![allow(clippy::unwrap_used)]

#[test]
fn a_jpeg_of_millions_of_empty_segments_is_refused() {
    // 10 MB: SOI, 2.5 million empty quantisation-table segments, a comment, EOI.
    let mut jpeg = vec![0xFF, 0xD8];
    for _ in 0..2_500_000 {
        jpeg.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x02]);
    }
    jpeg.extend_from_slice(&[0xFF, 0xFE, 0x00, 0x02, 0xFF, 0xD9]);
    let e = imagemeta::strip("image/jpeg", &jpeg).unwrap_err();
    assert!(e.to_string().contains("more than 1000 segments"), "{e}");
}

#[test]
fn a_png_of_a_million_empty_chunks_is_refused() {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for _ in 0..1_000_000 {
        png.extend_from_slice(b"\0\0\0\0sRGB\0\0\0\0");
    }
    let e = imagemeta::strip("image/png", &png).unwrap_err();
    assert!(e.to_string().contains("more than 100000 chunks"), "{e}");
}
