//! Strips the photos in `fixtures/` (made by `fixtures/make.py` with Pillow) and checks what is
//! left with an independent reader: kamadak-exif for EXIF, img-parts (which verifies PNG
//! checksums) for the chunks, and a search for the personal strings the fixtures hold.

#![allow(clippy::unwrap_used)] // a test fails loudly on a broken fixture

use std::io::Cursor;

use imagemeta::{Removed, strip};
use img_parts::jpeg::Jpeg;
use img_parts::png::Png;
use img_parts::riff::RiffContent;
use img_parts::webp::WebP;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Strings from the fixtures' metadata that must not survive stripping.
const PERSONAL: [&[u8]; 7] = [
    b"Jan Jansen",
    b"Phonemaker",
    b"Phone 12",
    b"SN-0123456789",
    b"2024:05:01",
    b"taken at home",
    b"between scans",
];

fn assert_nothing_personal(bytes: &[u8]) {
    for needle in PERSONAL {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "{} is still in the file",
            String::from_utf8_lossy(needle)
        );
    }
}

fn exif_of(bytes: &[u8]) -> Option<exif::Exif> {
    exif::Reader::new()
        .read_from_container(&mut Cursor::new(bytes))
        .ok()
}

/// From the first scan header to the end-of-image marker: the compressed pixels.
fn scans(jpeg: &[u8]) -> &[u8] {
    let start = jpeg.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    let end = start
        + jpeg[start..]
            .windows(2)
            .position(|w| w == [0xFF, 0xD9])
            .unwrap();
    &jpeg[start..end + 2]
}

/// A second run finds nothing more and changes nothing.
fn assert_idempotent(content_type: &str, stripped: &[u8]) {
    let again = strip(content_type, stripped).unwrap();
    assert_eq!(again.removed, []);
    assert_eq!(again.bytes, stripped);
}

#[test]
fn jpeg_photo_keeps_orientation_colours_and_pixels() {
    let original = fixture("photo.jpg");
    let out = strip("image/jpeg", &original).unwrap();

    assert_eq!(
        out.removed,
        [
            Removed::GpsPosition,
            Removed::CameraMakeModel,
            Removed::CameraSerial,
            Removed::Photographer,
            Removed::DateTaken,
            Removed::DateChanged,
            Removed::Comments,
            Removed::ExtraImages,
            Removed::OtherExif,
            Removed::Xmp,
            Removed::Iptc,
        ]
    );
    assert_nothing_personal(&out.bytes);

    // Only the orientation is left in the EXIF, and it still says "turn 90°".
    let exif = exif_of(&out.bytes).expect("an EXIF segment with the orientation");
    let fields: Vec<_> = exif.fields().map(|f| (f.tag, f.ifd_num)).collect();
    assert_eq!(fields, [(exif::Tag::Orientation, exif::In::PRIMARY)]);
    let orientation = exif
        .get_field(exif::Tag::Orientation, exif::In::PRIMARY)
        .unwrap();
    assert_eq!(orientation.value.get_uint(0), Some(6));

    // The pixels are byte for byte the same, and the file ends with them.
    assert_eq!(scans(&out.bytes), scans(&original));
    assert!(out.bytes.ends_with(scans(&original)));

    // JFIF and the colour profile are kept as they were.
    let before = Jpeg::from_bytes(original.into()).unwrap();
    let after = Jpeg::from_bytes(out.bytes.clone().into()).unwrap();
    let markers: Vec<u8> = after.segments().iter().map(|s| s.marker()).collect();
    assert_eq!(markers[..3], [0xE0, 0xE1, 0xE2]);
    assert_eq!(
        before.segments_by_marker(0xE2).collect::<Vec<_>>(),
        after.segments_by_marker(0xE2).collect::<Vec<_>>()
    );
    assert_idempotent("image/jpeg", &out.bytes);
}

#[test]
fn progressive_jpeg_loses_a_comment_between_scans() {
    let original = fixture("progressive.jpg");
    let out = strip("image/jpeg", &original).unwrap();

    assert!(out.removed.contains(&Removed::Comments));
    assert!(out.removed.contains(&Removed::GpsPosition));
    assert_nothing_personal(&out.bytes);
    let exif = exif_of(&out.bytes).unwrap();
    let orientation = exif
        .get_field(exif::Tag::Orientation, exif::In::PRIMARY)
        .unwrap();
    assert_eq!(orientation.value.get_uint(0), Some(6));

    // Every scan is still there, byte for byte: taking the comment back out of the original
    // gives the stripped scans.
    let comment = b"\xFF\xFE\x00\x0Fbetween scans";
    let original_scans = scans(&original);
    let at = original_scans
        .windows(comment.len())
        .position(|w| w == comment)
        .unwrap();
    let without_comment = [&original_scans[..at], &original_scans[at + comment.len()..]].concat();
    assert_eq!(scans(&out.bytes), without_comment);
    assert_idempotent("image/jpeg", &out.bytes);
}

#[test]
fn png_photo_keeps_colours_pixels_and_checksums() {
    let original = fixture("photo.png");
    let out = strip("image/png", &original).unwrap();

    assert_eq!(
        out.removed,
        [
            Removed::GpsPosition,
            Removed::CameraMakeModel,
            Removed::CameraSerial,
            Removed::Photographer,
            Removed::DateTaken,
            Removed::DateChanged,
            Removed::OtherExif,
            Removed::Xmp,
        ]
    );
    assert_nothing_personal(&out.bytes);
    assert!(exif_of(&out.bytes).is_none());

    // img-parts checks every chunk's CRC while reading.
    let before = Png::from_bytes(original.into()).unwrap();
    let after = Png::from_bytes(out.bytes.clone().into()).unwrap();
    let kinds: Vec<[u8; 4]> = after.chunks().iter().map(|c| c.kind()).collect();
    assert_eq!(kinds, [*b"IHDR", *b"iCCP", *b"pHYs", *b"IDAT", *b"IEND"]);
    for kind in [*b"IHDR", *b"iCCP", *b"pHYs", *b"IDAT"] {
        assert_eq!(before.chunk_by_type(kind), after.chunk_by_type(kind));
    }
    assert_idempotent("image/png", &out.bytes);
}

#[test]
fn webp_photo_loses_exif_and_xmp_and_their_flags() {
    let original = fixture("photo.webp");
    let out = strip("image/webp", &original).unwrap();

    assert_eq!(
        out.removed,
        [
            Removed::GpsPosition,
            Removed::CameraMakeModel,
            Removed::CameraSerial,
            Removed::Photographer,
            Removed::DateTaken,
            Removed::DateChanged,
            Removed::OtherExif,
            Removed::Xmp,
        ]
    );
    assert_nothing_personal(&out.bytes);
    assert!(exif_of(&out.bytes).is_none());

    let before = WebP::from_bytes(original.into()).unwrap();
    let after = WebP::from_bytes(out.bytes.clone().into()).unwrap();
    let ids: Vec<[u8; 4]> = after.chunks().iter().map(|c| c.id()).collect();
    assert!(!ids.contains(b"EXIF") && !ids.contains(b"XMP "), "{ids:?}");
    for id in [*b"ICCP", *b"VP8 "] {
        assert_eq!(before.chunk_by_id(id), after.chunk_by_id(id));
    }
    let flags = match after.chunk_by_id(*b"VP8X").map(|c| c.content()) {
        Some(RiffContent::Data(data)) => data[0],
        other => panic!("no VP8X header: {other:?}"),
    };
    // ICC profile still announced; EXIF (0x08) and XMP (0x04) no longer.
    assert_eq!(flags & 0x2C, 0x20);
    // The RIFF size matches the file.
    assert_eq!(after.len() as usize, out.bytes.len());
    assert_idempotent("image/webp", &out.bytes);
}

#[test]
fn gif_loses_comment_and_xmp_but_keeps_looping() {
    let original = fixture("photo.gif");
    let out = strip("image/gif", &original).unwrap();

    assert_eq!(out.removed, [Removed::Comments, Removed::Xmp]);
    assert_nothing_personal(&out.bytes);
    assert!(out.bytes.windows(11).any(|w| w == b"NETSCAPE2.0"));
    assert!(!out.bytes.windows(11).any(|w| w == b"XMP DataXMP"));
    assert_eq!(out.bytes.last(), Some(&0x3B));
    assert_idempotent("image/gif", &out.bytes);
}

#[test]
fn files_without_metadata_are_unchanged() {
    for (name, content_type) in [
        ("plain.jpg", "image/jpeg"),
        ("plain.png", "image/png"),
        ("plain.webp", "image/webp"),
        ("plain.gif", "image/gif"),
    ] {
        let original = fixture(name);
        let out = strip(content_type, &original).unwrap();
        assert_eq!(out.removed, [], "{name}");
        assert_eq!(out.bytes, original, "{name}");
    }
}

#[test]
fn a_file_of_another_format_is_refused() {
    let png = fixture("photo.png");
    let err = strip("image/jpeg", &png).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the image could not be read: this is not a JPEG file"
    );
    assert!(strip("image/gif", &png).is_err());
    assert!(strip("image/webp", &fixture("photo.jpg")).is_err());
}

const ALL: [(&str, &str); 9] = [
    ("photo.jpg", "image/jpeg"),
    ("progressive.jpg", "image/jpeg"),
    ("plain.jpg", "image/jpeg"),
    ("photo.png", "image/png"),
    ("plain.png", "image/png"),
    ("photo.webp", "image/webp"),
    ("plain.webp", "image/webp"),
    ("photo.gif", "image/gif"),
    ("plain.gif", "image/gif"),
];

/// The result is never larger than the input plus the one-tag EXIF segment, and is the input
/// itself when nothing was removed.
fn assert_bounded(input: &[u8], result: Result<imagemeta::Stripped, imagemeta::Error>) {
    if let Ok(out) = result {
        assert!(out.bytes.len() <= input.len() + 64);
        if out.removed.is_empty() {
            assert_eq!(out.bytes, input);
        }
    }
}

#[test]
fn every_prefix_of_every_fixture_is_an_answer_not_a_panic() {
    for (name, content_type) in ALL {
        let original = fixture(name);
        for len in 0..original.len() {
            let input = &original[..len];
            assert_bounded(input, strip(content_type, input));
        }
    }
}

#[test]
fn damaged_bytes_are_an_answer_not_a_panic() {
    for (name, content_type) in ALL {
        let original = fixture(name);
        for at in 0..original.len() {
            for damage in [
                0x00,
                0xFF,
                original[at] ^ 0x55,
                original[at].wrapping_add(1),
            ] {
                let mut input = original.clone();
                input[at] = damage;
                assert_bounded(&input, strip(content_type, &input));
            }
        }
    }
}

#[test]
fn display_size_reads_headers_and_turns_with_the_orientation() {
    // The photo says "turn 90°" (orientation 6): it shows taller than it is stored.
    let photo = strip("image/jpeg", &fixture("photo.jpg")).unwrap().bytes;
    let stored = imagesize::blob_size(&photo).expect("a readable header");
    let (w, h) = imagemeta::display_size("image/jpeg", &photo).expect("a size");
    assert_eq!((w as usize, h as usize), (stored.height, stored.width));
    // PNG has no orientation: as stored.
    let png = fixture("photo.png");
    let stored = imagesize::blob_size(&png).expect("a readable header");
    let (w, h) = imagemeta::display_size("image/png", &png).expect("a size");
    assert_eq!((w as usize, h as usize), (stored.width, stored.height));
    // A file that is not an image, or a cut-off header, has no size.
    assert_eq!(imagemeta::display_size("image/png", b"%PDF-1.7"), None);
    assert_eq!(imagemeta::display_size("image/png", &png[..12]), None);
}
