//! JPEG: metadata lives in APPn and COM segments, which are cut out; the scans (the compressed
//! pixels) are copied byte for byte.
//!
//! Kept: APP0 JFIF (without its thumbnail), APP2 ICC_PROFILE (the colours), APP14 Adobe (the
//! colour transform, without which CMYK and some RGB files show in the wrong colours) and every
//! non-APP segment. An EXIF Orientation other than upright is written back in a one-tag EXIF
//! segment. Everything after the end-of-image marker goes too: phones put preview images and
//! depth maps there (listed by the APP2 MPF segment, which goes with them), each with its own
//! EXIF and GPS position.

use std::collections::BTreeSet;

use img_parts::Bytes;
use img_parts::jpeg::{Jpeg, JpegSegment, markers};

use crate::{Edited, Error, Removed, exif, holds_data};

const FORMAT: &str = "JPEG";

/// What to do with one segment.
#[derive(Debug, PartialEq, Eq)]
enum Fate {
    Keep,
    /// Keep these contents instead (a JFIF segment without its thumbnail).
    Replace(Bytes),
    /// Drop it, reporting what it held.
    Drop(BTreeSet<Removed>),
    /// Drop an EXIF segment, reporting what it held, and keep this orientation (2 to 8).
    DropExif(BTreeSet<Removed>, Option<u16>),
}

/// More segments than this before the first scan is no photo (a camera writes a dozen): each
/// costs the parser about 70 bytes of memory however small it is, so a 10 MB file of empty
/// segments would cost half a gigabyte.
const MAX_SEGMENTS: usize = 1000;

/// Counts the segments before the first scan, without allocating.
fn segments_before_scan(bytes: &[u8]) -> usize {
    let mut pos = 2; // after SOI
    let mut count = 0;
    while count <= MAX_SEGMENTS {
        // Fill bytes (0xFF) may precede a marker.
        while bytes.get(pos) == Some(&0xFF) && bytes.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (bytes.get(pos), bytes.get(pos + 1)) else {
            break;
        };
        count += 1;
        if marker == markers::SOS || marker == markers::EOI {
            break;
        }
        if (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            pos += 2;
            continue;
        }
        let Some(len) = bytes.get(pos + 2..pos + 4) else {
            break;
        };
        pos += 2 + usize::from(u16::from_be_bytes([len[0], len[1]]));
    }
    count
}

/// The EXIF orientation (1 to 8) of a JPEG, from its first EXIF segment before the picture.
pub(crate) fn orientation(bytes: &[u8]) -> Option<u16> {
    if segments_before_scan(bytes) > MAX_SEGMENTS {
        return None;
    }
    let jpeg = Jpeg::from_bytes(Bytes::copy_from_slice(bytes)).ok()?;
    let exif = jpeg
        .segments()
        .iter()
        .find(|s| s.marker() == markers::APP1 && s.contents().starts_with(b"Exif\0\0"))?;
    exif::summarise(&exif.contents()[6..]).orientation
}

pub(crate) fn strip(bytes: &[u8]) -> Result<Edited, Error> {
    if segments_before_scan(bytes) > MAX_SEGMENTS {
        return Err(Error::Damaged {
            format: FORMAT,
            detail: "more than 1000 segments before the picture",
        });
    }
    let mut jpeg = Jpeg::from_bytes(Bytes::copy_from_slice(bytes))
        .map_err(|e| Error::from_parts(FORMAT, e))?;
    let mut edited = Edited::unchanged();
    let mut orientation = None;
    // Where the first EXIF segment was among the kept segments, to put the orientation back.
    let mut exif_position = None;

    let segments = std::mem::take(jpeg.segments_mut());
    let mut kept = Vec::with_capacity(segments.len());
    for segment in segments {
        match fate(segment.marker(), segment.contents()) {
            Fate::Keep => kept.push(segment),
            Fate::Replace(contents) => {
                edited.removed.insert(Removed::Thumbnail);
                kept.push(JpegSegment::new_with_contents(segment.marker(), contents));
            }
            Fate::Drop(removed) => edited.removed.extend(removed),
            Fate::DropExif(removed, found) => {
                edited.removed.extend(removed);
                exif_position.get_or_insert(kept.len());
                orientation = orientation.or(found);
            }
        }
    }

    // img-parts stops at the first scan and keeps the rest of the file as that scan's data;
    // walk it for segments between later scans and for whatever follows the image.
    if let Some(last) = kept.last_mut().filter(|s| s.marker() == markers::SOS) {
        let tail = last.len_with_entropy() - last.len();
        let rest = &bytes[bytes.len().saturating_sub(tail)..];
        if let Some(cleaned) = clean_after_first_scan(rest, &mut edited.removed) {
            *last = JpegSegment::new_with_entropy(
                markers::SOS,
                last.contents().clone(),
                Bytes::from(cleaned),
            );
        }
    }

    // An EXIF block that held nothing but the orientation is left as it was.
    if edited.removed.is_empty() {
        return Ok(edited);
    }
    if let (Some(orientation), Some(position)) = (orientation, exif_position) {
        let segment = JpegSegment::new_with_contents(
            markers::APP1,
            exif::orientation_only(orientation).into(),
        );
        kept.insert(position, segment);
    }
    *jpeg.segments_mut() = kept;
    edited.bytes = Some(jpeg.encoder().bytes().to_vec());
    Ok(edited)
}

/// Decides about one segment from its marker and contents (without the length).
fn fate(marker: u8, contents: &[u8]) -> Fate {
    let drop = |removed: Removed| Fate::Drop(BTreeSet::from([removed]));
    match marker {
        markers::APP0 if contents.starts_with(b"JFIF\0") => jfif_without_thumbnail(contents),
        markers::APP0 if contents.starts_with(b"JFXX\0") => drop(Removed::Thumbnail),
        markers::APP1 if contents.starts_with(b"Exif\0\0") => {
            let summary = exif::summarise(&contents[6..]);
            Fate::DropExif(summary.removed, summary.orientation)
        }
        markers::APP1 if contents.starts_with(b"http://ns.adobe.com/") => drop(Removed::Xmp),
        markers::APP2 if contents.starts_with(b"ICC_PROFILE\0") => Fate::Keep,
        markers::APP2 if contents.starts_with(b"MPF\0") => drop(Removed::ExtraImages),
        // FlashPix extension data: EXIF that did not fit in APP1.
        markers::APP2 if contents.starts_with(b"FPXR\0") => drop(Removed::OtherExif),
        markers::APP13 if contents.starts_with(b"Photoshop 3.0\0") => drop(Removed::Iptc),
        markers::APP14 if contents.starts_with(b"Adobe") => Fate::Keep,
        markers::APP0..=markers::APP15 => drop(Removed::OtherData),
        markers::COM => drop(Removed::Comments),
        _ => Fate::Keep,
    }
}

/// The JFIF header without the uncompressed thumbnail it may carry.
///
/// The header is "JFIF\0", version (2), units (1), densities (2 + 2) and the thumbnail's width
/// and height (1 + 1): 14 bytes, followed by 3 × width × height bytes of RGB.
fn jfif_without_thumbnail(contents: &[u8]) -> Fate {
    match contents.get(..14) {
        Some(header) if contents.len() > 14 || header[12..] != [0, 0] => {
            let mut header = header.to_vec();
            header[12] = 0;
            header[13] = 0;
            Fate::Replace(header.into())
        }
        _ => Fate::Keep,
    }
}

/// Cleans what follows the first scan header: the scan data, any further tables and scans of a
/// progressive JPEG, the end-of-image marker and whatever comes after it.
///
/// Returns the cleaned bytes, or `None` when nothing had to go. The scan data is copied as it
/// is; a file cut short inside a scan (which viewers show in part) is kept as it is.
fn clean_after_first_scan(rest: &[u8], removed: &mut BTreeSet<Removed>) -> Option<Vec<u8>> {
    // Spans of `rest` to drop, in order.
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    let mut at = 0;
    let end_of_image = loop {
        // Inside scan data a 0xFF byte is always followed by 0x00 (a stuffed 0xFF) or a
        // restart marker; anything else is a marker that ends the scan.
        let Some(found) = rest[at..].iter().position(|&b| b == 0xFF) else {
            break None;
        };
        let start = at + found;
        let mut marker_at = start + 1;
        while rest.get(marker_at) == Some(&0xFF) {
            marker_at += 1;
        }
        let Some(&marker) = rest.get(marker_at) else {
            break None;
        };
        match marker {
            0x00 | markers::RST0..=markers::RST7 => at = marker_at + 1,
            markers::EOI => break Some(marker_at + 1),
            // TEM and SOI carry no length; neither belongs here, but neither is metadata.
            0x01 | markers::SOI => at = marker_at + 1,
            _ => {
                let Some(length) = rest
                    .get(marker_at + 1..marker_at + 3)
                    .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
                    .filter(|&l| l >= 2)
                else {
                    break None;
                };
                let contents_at = marker_at + 3;
                let end = marker_at + 1 + length;
                let Some(contents) = rest.get(contents_at..end) else {
                    break None;
                };
                match fate(marker, contents) {
                    Fate::Keep => {}
                    // A JFIF header between scans is out of place; drop it whole.
                    Fate::Replace(_) => {
                        removed.insert(Removed::Thumbnail);
                        cuts.push((start, end));
                    }
                    Fate::Drop(found) | Fate::DropExif(found, _) => {
                        // An EXIF block after the first scan is not where readers look for
                        // the orientation, so none is kept from it.
                        removed.extend(found);
                        cuts.push((start, end));
                    }
                }
                at = end;
            }
        }
    };
    if let Some(end) = end_of_image.filter(|&end| end < rest.len()) {
        if holds_data(&rest[end..]) {
            removed.insert(Removed::ExtraImages);
        }
        cuts.push((end, rest.len()));
    }
    if cuts.is_empty() {
        return None;
    }
    let mut cleaned = Vec::with_capacity(rest.len());
    let mut from = 0;
    for (start, end) in cuts {
        cleaned.extend_from_slice(&rest[from..start]);
        from = end;
    }
    cleaned.extend_from_slice(&rest[from..]);
    Some(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(marker: u8, contents: &[u8]) -> Vec<u8> {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&(contents.len() as u16 + 2).to_be_bytes());
        s.extend_from_slice(contents);
        s
    }

    /// SOI, `segments`, a scan header, `scan`, EOI and `after`. img-parts does not look inside
    /// tables or scans, so these need not decode.
    fn jpeg(segments: &[Vec<u8>], scan: &[u8], after: &[u8]) -> Vec<u8> {
        let mut j = vec![0xFF, 0xD8];
        for s in segments {
            j.extend_from_slice(s);
        }
        j.extend_from_slice(&segment(markers::DQT, b"\0table"));
        j.extend_from_slice(&segment(markers::SOS, b"\x01\x01\x00\x00\x3F\x00"));
        j.extend_from_slice(scan);
        j.extend_from_slice(&[0xFF, 0xD9]);
        j.extend_from_slice(after);
        j
    }

    /// An EXIF APP1 segment with Make and, if given, Orientation (big-endian TIFF).
    fn exif_segment(orientation: Option<u16>) -> Vec<u8> {
        let entries: u16 = if orientation.is_some() { 2 } else { 1 };
        let mut e = b"Exif\0\0MM\0*\0\0\0\x08".to_vec();
        e.extend_from_slice(&entries.to_be_bytes());
        // Make, ASCII, 4 bytes inline.
        e.extend_from_slice(b"\x01\x0F\x00\x02\x00\x00\x00\x04ACME");
        if let Some(o) = orientation {
            e.extend_from_slice(b"\x01\x12\x00\x03\x00\x00\x00\x01");
            e.extend_from_slice(&o.to_be_bytes());
            e.extend_from_slice(&[0, 0]);
        }
        e.extend_from_slice(&[0, 0, 0, 0]);
        segment(markers::APP1, &e)
    }

    const JFIF: &[u8] = b"JFIF\0\x01\x02\x00\x00\x01\x00\x01\x00\x00";
    /// Scan data with a stuffed 0xFF and a restart marker, which are pixels, not markers.
    const SCAN: &[u8] = b"\x12\xFF\x00\x34\xFF\xD0\x56";

    fn strip_bytes(input: &[u8]) -> (Vec<u8>, Vec<Removed>) {
        let edited = strip(input).unwrap();
        let removed = edited.removed.into_iter().collect();
        (edited.bytes.unwrap_or_else(|| input.to_vec()), removed)
    }

    #[test]
    fn a_turned_photo_keeps_only_its_orientation() {
        let jfif = segment(markers::APP0, JFIF);
        let input = jpeg(&[jfif.clone(), exif_segment(Some(8))], SCAN, b"");
        let (out, removed) = strip_bytes(&input);
        let orientation = segment(markers::APP1, &exif::orientation_only(8));
        assert_eq!(out, jpeg(&[jfif, orientation], SCAN, b""));
        assert_eq!(removed, [Removed::CameraMakeModel]);
    }

    #[test]
    fn an_upright_photo_gets_no_exif_back() {
        for orientation in [None, Some(1)] {
            let input = jpeg(&[exif_segment(orientation)], SCAN, b"");
            let (out, removed) = strip_bytes(&input);
            assert_eq!(out, jpeg(&[], SCAN, b""), "{orientation:?}");
            assert_eq!(removed, [Removed::CameraMakeModel]);
        }
    }

    #[test]
    fn exif_with_only_the_orientation_is_left_alone() {
        let mut only = b"Exif\0\0MM\0*\0\0\0\x08\0\x01".to_vec();
        only.extend_from_slice(b"\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00\0\0\0\0");
        let input = jpeg(&[segment(markers::APP1, &only)], SCAN, b"");
        let edited = strip(&input).unwrap();
        assert_eq!(edited.bytes, None);
        assert!(edited.removed.is_empty());
    }

    #[test]
    fn jfif_thumbnail_goes_and_header_stays() {
        let mut with_thumbnail = JFIF.to_vec();
        with_thumbnail[12] = 1;
        with_thumbnail[13] = 1;
        with_thumbnail.extend_from_slice(b"rgb");
        let input = jpeg(&[segment(markers::APP0, &with_thumbnail)], SCAN, b"");
        let (out, removed) = strip_bytes(&input);
        assert_eq!(out, jpeg(&[segment(markers::APP0, JFIF)], SCAN, b""));
        assert_eq!(removed, [Removed::Thumbnail]);
    }

    #[test]
    fn data_after_the_image_goes_but_zero_padding_is_no_news() {
        let (out, removed) = strip_bytes(&jpeg(&[], SCAN, b"\xFF\xD8second image"));
        assert_eq!(out, jpeg(&[], SCAN, b""));
        assert_eq!(removed, [Removed::ExtraImages]);

        let padded = jpeg(&[], SCAN, &[0; 16]);
        let edited = strip(&padded).unwrap();
        assert!(edited.removed.is_empty());
        assert_eq!(edited.bytes, None);
    }

    #[test]
    fn segments_between_scans_are_looked_at() {
        let mut scans = SCAN.to_vec();
        scans.extend_from_slice(&segment(markers::DHT, b"\0huffman"));
        scans.extend_from_slice(&exif_segment(Some(6)));
        scans.extend_from_slice(&segment(markers::SOS, b"\x01\x01\x00\x00\x3F\x00"));
        scans.extend_from_slice(SCAN);
        let (out, removed) = strip_bytes(&jpeg(&[], &scans, b""));

        let mut expected = SCAN.to_vec();
        expected.extend_from_slice(&segment(markers::DHT, b"\0huffman"));
        expected.extend_from_slice(&segment(markers::SOS, b"\x01\x01\x00\x00\x3F\x00"));
        expected.extend_from_slice(SCAN);
        assert_eq!(out, jpeg(&[], &expected, b""));
        assert_eq!(removed, [Removed::CameraMakeModel]);
    }

    #[test]
    fn a_file_cut_short_inside_the_scan_is_kept_as_it_is() {
        let mut input = jpeg(&[segment(markers::COM, b"hi")], SCAN, b"");
        input.truncate(input.len() - 3);
        let (out, removed) = strip_bytes(&input);
        let mut expected = jpeg(&[], SCAN, b"");
        expected.truncate(expected.len() - 3);
        assert_eq!(out, expected);
        assert_eq!(removed, [Removed::Comments]);
    }

    #[test]
    fn colour_segments_stay() {
        let kept = [
            segment(markers::APP0, JFIF),
            segment(markers::APP2, b"ICC_PROFILE\0\x01\x01profile"),
            segment(markers::APP14, b"Adobe\0\x64\0\0\0\0\x01"),
        ];
        let input = jpeg(&kept, SCAN, b"");
        let edited = strip(&input).unwrap();
        assert_eq!(edited.bytes, None);
        assert!(edited.removed.is_empty());
    }

    #[test]
    fn other_application_segments_go() {
        let input = jpeg(
            &[
                segment(markers::APP2, b"MPF\0index"),
                segment(markers::APP11, b"JP\0\0c2pa"),
                segment(markers::APP13, b"Photoshop 3.0\08BIM"),
                segment(markers::APP1, b"http://ns.adobe.com/xap/1.0/\0<x/>"),
            ],
            SCAN,
            b"",
        );
        let (out, removed) = strip_bytes(&input);
        assert_eq!(out, jpeg(&[], SCAN, b""));
        assert_eq!(
            removed,
            [
                Removed::ExtraImages,
                Removed::Xmp,
                Removed::Iptc,
                Removed::OtherData
            ]
        );
    }
}
