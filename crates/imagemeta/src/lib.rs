//! Removes metadata from uploaded images (EXIF, XMP, IPTC, GPS position, camera serial numbers,
//! comments) by cutting segments and chunks out of the file, so the pixels are never decoded or
//! re-encoded and the picture stays exactly as it was.
//!
//! Pure: bytes in, bytes out, plus what was removed in words an editor reads. It keeps what
//! affects how the picture looks (colour profiles, the EXIF orientation of a JPEG, animation) and
//! does not look inside the pixel data itself. Only JPEG, PNG, WebP and GIF are stripped; other
//! types (HEIC, AVIF, TIFF, SVG, ...) come back untouched, for the caller to accept or refuse.

#![warn(missing_docs)]

mod exif;
mod gif;
mod jpeg;
mod png;
mod webp;

use std::collections::BTreeSet;

/// An image with its metadata removed, and what the metadata held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stripped {
    /// The file to store: the upload itself, byte for byte, when `removed` is empty.
    pub bytes: Vec<u8>,
    /// What was in the file and is gone now, each kind once, most sensitive first.
    pub removed: Vec<Removed>,
}

/// A kind of metadata that was in the file, for telling the editor what was removed.
///
/// The order is the order to list them in: where the photo was taken comes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Removed {
    /// GPS coordinates (or anything else in EXIF's GPS directory).
    GpsPosition,
    /// Camera or lens make and model.
    CameraMakeModel,
    /// Serial numbers of the camera body or lens, which tie photos to one device.
    CameraSerial,
    /// The camera owner's name as set in the camera.
    OwnerName,
    /// Artist, author and copyright fields.
    Photographer,
    /// When the photo was taken (or digitised).
    DateTaken,
    /// When the file was last changed (EXIF `DateTime`, PNG `tIME`).
    DateChanged,
    /// Comments and descriptions (JPEG and GIF comments, EXIF user comments, descriptions).
    Comments,
    /// A small preview of the picture, which may show what was cropped or retouched away.
    Thumbnail,
    /// Further images or data after the end of the picture (phone previews, depth maps).
    ExtraImages,
    /// EXIF fields other than the ones above (exposure, maker notes, software, ...).
    OtherExif,
    /// XMP metadata (Adobe's XML packet: editing history, keywords, often the same as EXIF).
    Xmp,
    /// IPTC or Photoshop metadata (captions, keywords, credits).
    Iptc,
    /// PNG text chunks that are not one of the kinds above.
    TextChunks,
    /// Other embedded application data that no viewer needs to show the picture.
    OtherData,
}

impl Removed {
    /// What was removed, in lower-case English for a sentence like "Removed from the photo: …".
    pub fn words(&self) -> &'static str {
        match self {
            Removed::GpsPosition => "the GPS position",
            Removed::CameraMakeModel => "the camera make and model",
            Removed::CameraSerial => "the camera's serial number",
            Removed::OwnerName => "the camera owner's name",
            Removed::Photographer => "the photographer / copyright",
            Removed::DateTaken => "the date and time taken",
            Removed::DateChanged => "the date and time last changed",
            Removed::Comments => "comments",
            Removed::Thumbnail => "a preview thumbnail",
            Removed::ExtraImages => "extra images or data after the picture",
            Removed::OtherExif => "other EXIF data",
            Removed::Xmp => "XMP data",
            Removed::Iptc => "IPTC data",
            Removed::TextChunks => "text chunks",
            Removed::OtherData => "other embedded data",
        }
    }
}

/// Why an image could not be stripped.
///
/// Every variant is the uploader's fault (a damaged, cut-short or mislabelled file), so the
/// upload should be refused; the messages are safe to show. Stripping never fails for a file
/// that a viewer could read as the format it was labelled with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file does not start the way the format it was uploaded as does.
    #[error("the image could not be read: this is not a {format} file")]
    WrongFormat {
        /// "JPEG", "PNG", "WebP" or "GIF".
        format: &'static str,
    },
    /// The file ends in the middle of a segment, chunk or block.
    #[error("the image could not be read: the {format} file is cut short")]
    Truncated {
        /// "JPEG", "PNG", "WebP" or "GIF".
        format: &'static str,
    },
    /// The file's structure is broken in a way other than being cut short.
    #[error("the image could not be read: the {format} file is damaged ({detail})")]
    Damaged {
        /// "JPEG", "PNG", "WebP" or "GIF".
        format: &'static str,
        /// What is wrong, in a few words.
        detail: &'static str,
    },
}

impl Error {
    /// Reads img-parts' error for `format` into ours.
    fn from_parts(format: &'static str, error: img_parts::Error) -> Error {
        match error {
            img_parts::Error::WrongSignature => Error::WrongFormat { format },
            img_parts::Error::Truncated => Error::Truncated { format },
            img_parts::Error::BadCRC => Error::Damaged {
                format,
                detail: "a chunk's checksum is wrong",
            },
        }
    }
}

/// Removes the metadata from `bytes`, an image of type `content_type`.
///
/// JPEG, PNG, WebP and GIF are stripped (`image/jpeg`, `image/png`, `image/webp`,
/// `image/gif`, with `image/jpg`, `image/pjpeg` and `image/apng` taken as aliases, parameters
/// and case ignored); any other type comes back unchanged with nothing removed. A file that is
/// not of the type it claims is an error, not passed through, so a mislabelled photo cannot
/// keep its GPS position.
///
/// Work and memory are linear in the size of the file: the result is at most the input plus a
/// few dozen bytes, and no part of the file is decompressed.
pub fn strip(content_type: &str, bytes: &[u8]) -> Result<Stripped, Error> {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let edited = match essence.as_str() {
        "image/jpeg" | "image/jpg" | "image/pjpeg" => jpeg::strip(bytes)?,
        "image/png" | "image/apng" => png::strip(bytes)?,
        "image/webp" => webp::strip(bytes)?,
        "image/gif" => gif::strip(bytes)?,
        _ => Edited::unchanged(),
    };
    Ok(edited.finish(bytes))
}

/// The width and height an image shows at, in pixels: from its header (nothing is decoded),
/// swapped for a JPEG whose EXIF orientation turns it a quarter (5 to 8), as browsers show it.
/// `None` when the header cannot be read.
pub fn display_size(content_type: &str, bytes: &[u8]) -> Option<(u32, u32)> {
    let size = imagesize::blob_size(bytes).ok()?;
    let (w, h) = (
        u32::try_from(size.width).ok()?,
        u32::try_from(size.height).ok()?,
    );
    if w == 0 || h == 0 {
        return None;
    }
    let jpeg = matches!(
        content_type.split(';').next().unwrap_or_default().trim(),
        "image/jpeg" | "image/jpg" | "image/pjpeg"
    );
    let turned = jpeg && jpeg::orientation(bytes).is_some_and(|o| (5..=8).contains(&o));
    Some(if turned { (h, w) } else { (w, h) })
}

/// What a format's strip function did: the new file, if anything changed, and what it removed.
#[derive(Debug, Default)]
struct Edited {
    /// The rewritten file, or `None` when nothing needed rewriting.
    bytes: Option<Vec<u8>>,
    removed: BTreeSet<Removed>,
}

impl Edited {
    fn unchanged() -> Edited {
        Edited::default()
    }

    /// Keeps the original bytes when nothing was removed or rewritten, so a clean file is stored
    /// exactly as uploaded (not normalised by the segment parser).
    fn finish(self, original: &[u8]) -> Stripped {
        let bytes = match self.bytes {
            Some(bytes) => bytes,
            None => original.to_vec(),
        };
        Stripped {
            bytes,
            removed: self.removed.into_iter().collect(),
        }
    }
}

/// Whether bytes left after an image's end marker are worth reporting: encoders and cameras
/// often pad with zeros, which hold nothing.
fn holds_data(trailing: &[u8]) -> bool {
    trailing.iter().any(|&b| b != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_types_pass_through() {
        let svg = b"<svg xmlns='http://www.w3.org/2000/svg'/>";
        let out = strip("image/svg+xml", svg).unwrap();
        assert_eq!(out.bytes, svg);
        assert!(out.removed.is_empty());
    }

    #[test]
    fn content_type_parameters_and_case_are_ignored() {
        let err = strip("Image/JPEG; q=1", b"not a jpeg").unwrap_err();
        assert_eq!(err, Error::WrongFormat { format: "JPEG" });
        assert_eq!(
            err.to_string(),
            "the image could not be read: this is not a JPEG file"
        );
    }

    #[test]
    fn words_are_lower_case_except_names() {
        let all = [
            Removed::GpsPosition,
            Removed::CameraMakeModel,
            Removed::CameraSerial,
            Removed::OwnerName,
            Removed::Photographer,
            Removed::DateTaken,
            Removed::DateChanged,
            Removed::Comments,
            Removed::Thumbnail,
            Removed::ExtraImages,
            Removed::OtherExif,
            Removed::Xmp,
            Removed::Iptc,
            Removed::TextChunks,
            Removed::OtherData,
        ];
        let mut seen = std::collections::HashSet::new();
        for removed in all {
            let words = removed.words();
            // Lower case, but for the names of formats.
            let first = words.split(' ').next().unwrap();
            assert!(
                first.chars().all(|c| c.is_lowercase()) || ["XMP", "IPTC"].contains(&first),
                "{removed:?}"
            );
            assert!(seen.insert(words), "{removed:?} says the same as another");
        }
    }
}
