//! What an EXIF block (a TIFF structure) holds, read as a list of tags, and the one-tag EXIF
//! block that keeps a JPEG's orientation.
//!
//! We walk the directories ourselves instead of asking kamadak-exif: we only need which tags
//! are present, never their values, so this allocates next to nothing. kamadak-exif copies each
//! value into vectors of its own when a field is read, and directory entries may all point at
//! the same bytes: reading every field of a crafted 64 KiB block with 1,000 such entries took
//! 1.2 GB (measured with 0.6.2). It reads the stripped files in the tests instead.

use std::collections::BTreeSet;

use crate::Removed;

/// The EXIF tag that says how the camera was held (TIFF 6.0, tag 274).
const ORIENTATION: u16 = 0x0112;

/// Directories we look into: a corrupt or hostile block cannot make us read more than these,
/// however its pointers loop.
const MAX_DIRECTORIES: usize = 8;

/// What an EXIF block held, for the editor, and the orientation to keep.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Summary {
    pub(crate) removed: BTreeSet<Removed>,
    /// The Orientation tag of the main image when it is a valid rotation other than "upright"
    /// (2 to 8); 1 needs no tag.
    pub(crate) orientation: Option<u16>,
}

/// Which directory a tag was found in; the same number means different things in each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Directory {
    /// IFD0: the main image.
    Main,
    /// The Exif sub-directory (exposure, dates, serial numbers).
    Exif,
    /// The GPS sub-directory.
    Gps,
    /// The interoperability sub-directory (format details only).
    Interop,
    /// IFD1 and later: the thumbnail.
    Thumbnail,
}

/// Reads which tags `tiff` (an EXIF block without the "Exif\0\0" prefix) holds.
///
/// Never fails: whatever cannot be read is reported as [`Removed::OtherExif`], since the block
/// is removed either way.
pub(crate) fn summarise(tiff: &[u8]) -> Summary {
    let mut summary = Summary::default();
    let Some(reader) = Reader::new(tiff) else {
        summary.removed.insert(Removed::OtherExif);
        return summary;
    };
    let mut pending: Vec<(usize, Directory)> = vec![(reader.first_directory, Directory::Main)];
    let mut seen: Vec<usize> = Vec::new();
    while let Some((offset, directory)) = pending.pop() {
        if seen.len() >= MAX_DIRECTORIES || seen.contains(&offset) {
            summary.removed.insert(Removed::OtherExif);
            continue;
        }
        seen.push(offset);
        let Some(count) = reader.u16_at(offset) else {
            summary.removed.insert(Removed::OtherExif);
            continue;
        };
        let entries = offset + 2;
        for index in 0..usize::from(count) {
            let at = entries + 12 * index;
            let Some(entry) = reader.entry_at(at) else {
                summary.removed.insert(Removed::OtherExif);
                break;
            };
            match (directory, entry.tag) {
                (Directory::Main, 0x8769) => pending.push((entry.value_offset(), Directory::Exif)),
                (Directory::Main, 0x8825) => {
                    // Even an empty or unreadable GPS directory is reported: we cannot tell it
                    // held nothing.
                    summary.removed.insert(Removed::GpsPosition);
                    pending.push((entry.value_offset(), Directory::Gps));
                }
                (Directory::Exif, 0xA005) => {
                    pending.push((entry.value_offset(), Directory::Interop))
                }
                (Directory::Main, ORIENTATION) => {
                    summary.orientation = entry.short_value().filter(|o| (2..=8).contains(o));
                }
                _ => {
                    summary.removed.insert(meaning(directory, entry.tag));
                }
            }
        }
        if directory == Directory::Main || directory == Directory::Thumbnail {
            // The next directory after the main image is the thumbnail's.
            match reader.u32_at(entries + 12 * usize::from(count)) {
                Some(0) => {}
                Some(next) => pending.push((next as usize, Directory::Thumbnail)),
                None => {
                    summary.removed.insert(Removed::OtherExif);
                }
            }
        }
    }
    summary
}

/// What a tag in `directory` tells about the photo, in the editor's terms.
fn meaning(directory: Directory, tag: u16) -> Removed {
    match (directory, tag) {
        (Directory::Gps, _) => Removed::GpsPosition,
        (Directory::Thumbnail, _) => Removed::Thumbnail,
        // Make, Model; LensMake, LensModel.
        (Directory::Main, 0x010F | 0x0110) | (Directory::Exif, 0xA433 | 0xA434) => {
            Removed::CameraMakeModel
        }
        // BodySerialNumber, LensSerialNumber; DNG's CameraSerialNumber.
        (Directory::Exif, 0xA431 | 0xA435) | (Directory::Main, 0xC62F) => Removed::CameraSerial,
        // CameraOwnerName.
        (Directory::Exif, 0xA430) => Removed::OwnerName,
        // Artist, Copyright, Windows' XPAuthor.
        (Directory::Main, 0x013B | 0x8298 | 0x9C9D) => Removed::Photographer,
        // DateTimeOriginal, DateTimeDigitized, their time zones and fractions of a second.
        (Directory::Exif, 0x9003 | 0x9004 | 0x9011 | 0x9012 | 0x9291 | 0x9292) => {
            Removed::DateTaken
        }
        // DateTime; its time zone and fraction of a second.
        (Directory::Main, 0x0132) | (Directory::Exif, 0x9010 | 0x9290) => Removed::DateChanged,
        // ImageDescription, Windows' XPTitle, XPComment, XPSubject; UserComment.
        (Directory::Main, 0x010E | 0x9C9B | 0x9C9C | 0x9C9F) | (Directory::Exif, 0x9286) => {
            Removed::Comments
        }
        // XMP and IPTC stored inside EXIF (TIFF tags 700 and 33723).
        (Directory::Main, 0x02BC) => Removed::Xmp,
        (Directory::Main, 0x83BB) => Removed::Iptc,
        _ => Removed::OtherExif,
    }
}

/// A TIFF directory entry: 12 bytes of tag, type, count and value (or offset to it).
struct Entry {
    tag: u16,
    kind: u16,
    count: u32,
    /// The four value bytes, already in our byte order for a LONG.
    value: u32,
    /// The first two value bytes as a SHORT (a SHORT sits left-aligned in the field).
    first_short: u16,
}

impl Entry {
    fn value_offset(&self) -> usize {
        self.value as usize
    }

    /// The value of a single SHORT entry.
    fn short_value(&self) -> Option<u16> {
        (self.kind == 3 && self.count == 1).then_some(self.first_short)
    }
}

/// Bounds-checked reads in the block's byte order.
struct Reader<'a> {
    tiff: &'a [u8],
    little_endian: bool,
    first_directory: usize,
}

impl<'a> Reader<'a> {
    fn new(tiff: &'a [u8]) -> Option<Reader<'a>> {
        let little_endian = match tiff.get(0..4)? {
            b"II*\0" => true,
            b"MM\0*" => false,
            _ => return None,
        };
        let mut reader = Reader {
            tiff,
            little_endian,
            first_directory: 0,
        };
        reader.first_directory = reader.u32_at(4)? as usize;
        Some(reader)
    }

    fn u16_at(&self, at: usize) -> Option<u16> {
        let bytes: [u8; 2] = self.tiff.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if self.little_endian {
            u16::from_le_bytes(bytes)
        } else {
            u16::from_be_bytes(bytes)
        })
    }

    fn u32_at(&self, at: usize) -> Option<u32> {
        let bytes: [u8; 4] = self.tiff.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if self.little_endian {
            u32::from_le_bytes(bytes)
        } else {
            u32::from_be_bytes(bytes)
        })
    }

    fn entry_at(&self, at: usize) -> Option<Entry> {
        Some(Entry {
            tag: self.u16_at(at)?,
            kind: self.u16_at(at.checked_add(2)?)?,
            count: self.u32_at(at.checked_add(4)?)?,
            value: self.u32_at(at.checked_add(8)?)?,
            first_short: self.u16_at(at.checked_add(8)?)?,
        })
    }
}

/// An EXIF block ("Exif\0\0" and a TIFF structure) holding nothing but `orientation` in IFD0,
/// for a JPEG APP1 segment.
///
/// Phones store the picture as the sensor saw it and say in this tag how to turn it; without it
/// a portrait photo shows on its side.
pub(crate) fn orientation_only(orientation: u16) -> Vec<u8> {
    let mut block = Vec::with_capacity(32);
    block.extend_from_slice(b"Exif\0\0");
    // Big-endian TIFF header; IFD0 right after it, at offset 8.
    block.extend_from_slice(b"MM\0*");
    block.extend_from_slice(&8u32.to_be_bytes());
    // One entry: Orientation, SHORT, count 1, the value left-aligned in the four value bytes.
    block.extend_from_slice(&1u16.to_be_bytes());
    block.extend_from_slice(&ORIENTATION.to_be_bytes());
    block.extend_from_slice(&3u16.to_be_bytes());
    block.extend_from_slice(&1u32.to_be_bytes());
    block.extend_from_slice(&orientation.to_be_bytes());
    block.extend_from_slice(&[0, 0]);
    // No next directory.
    block.extend_from_slice(&0u32.to_be_bytes());
    block
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A little-endian TIFF block with IFD0 holding `entries` (tag, type, count, value).
    fn tiff(entries: &[(u16, u16, u32, u32)], next: u32) -> Vec<u8> {
        let mut t = b"II*\0\x08\0\0\0".to_vec();
        t.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        for &(tag, kind, count, value) in entries {
            t.extend_from_slice(&tag.to_le_bytes());
            t.extend_from_slice(&kind.to_le_bytes());
            t.extend_from_slice(&count.to_le_bytes());
            t.extend_from_slice(&value.to_le_bytes());
        }
        t.extend_from_slice(&next.to_le_bytes());
        t
    }

    #[test]
    fn orientation_alone_is_nothing_to_report() {
        let summary = summarise(&tiff(&[(ORIENTATION, 3, 1, 6)], 0));
        assert!(summary.removed.is_empty());
        assert_eq!(summary.orientation, Some(6));
    }

    #[test]
    fn upright_and_invalid_orientations_are_not_kept() {
        for value in [0, 1, 9, 0xFFFF] {
            let summary = summarise(&tiff(&[(ORIENTATION, 3, 1, value)], 0));
            assert_eq!(summary.orientation, None, "{value}");
        }
        // A LONG is not how Orientation is stored.
        let summary = summarise(&tiff(&[(ORIENTATION, 4, 1, 6)], 0));
        assert_eq!(summary.orientation, None);
    }

    #[test]
    fn make_and_gps_pointer_are_named() {
        // The GPS pointer leads nowhere readable: still reported as a position.
        let summary = summarise(&tiff(&[(0x010F, 2, 4, 0), (0x8825, 4, 1, 9999)], 0));
        let removed: Vec<_> = summary.removed.into_iter().collect();
        assert_eq!(
            removed,
            [
                Removed::GpsPosition,
                Removed::CameraMakeModel,
                Removed::OtherExif
            ]
        );
    }

    #[test]
    fn a_directory_that_points_at_itself_ends() {
        // IFD0's next directory is IFD0 again.
        let summary = summarise(&tiff(&[(0x010F, 2, 4, 0)], 8));
        assert!(summary.removed.contains(&Removed::OtherExif));
        assert!(summary.removed.contains(&Removed::CameraMakeModel));
    }

    #[test]
    fn garbage_is_other_exif() {
        for block in [
            &b""[..],
            b"II*",
            b"XX*\0\x08\0\0\0",
            b"MM\0*\xFF\xFF\xFF\xFF",
        ] {
            let summary = summarise(block);
            assert_eq!(
                summary.removed.into_iter().collect::<Vec<_>>(),
                [Removed::OtherExif]
            );
        }
    }

    #[test]
    fn a_block_whose_entries_share_one_value_is_cheap() {
        // 5,000 ASCII entries that all point at the same 4 KiB: costly for a reader that parses
        // values (see the module comment); we read none.
        let entries: Vec<_> = (0..5000u32)
            .map(|i| (0x1000 + i as u16, 2, 4096, 60_020))
            .collect();
        let mut block = tiff(&entries, 0);
        block.resize(60_020 + 4096, 0);
        let summary = summarise(&block);
        assert_eq!(
            summary.removed.into_iter().collect::<Vec<_>>(),
            [Removed::OtherExif]
        );
    }

    #[test]
    fn more_entries_than_bytes_is_other_exif() {
        let mut block = tiff(&[(0x010F, 2, 4, 0)], 0);
        // Claim 1,000 entries where there is one.
        block[8..10].copy_from_slice(&1000u16.to_le_bytes());
        let summary = summarise(&block);
        assert!(summary.removed.contains(&Removed::CameraMakeModel));
        assert!(summary.removed.contains(&Removed::OtherExif));
    }

    #[test]
    fn orientation_block_reads_back() {
        let block = orientation_only(6);
        let summary = summarise(&block[6..]);
        assert_eq!(summary.orientation, Some(6));
        assert!(summary.removed.is_empty());
    }
}
