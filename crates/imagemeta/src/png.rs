//! PNG (and APNG): ancillary chunks are kept only when they change how the picture looks.
//!
//! Kept: every critical chunk (IHDR, PLTE, IDAT, IEND and any we do not know, which a viewer
//! needs or refuses the file for), colour and transparency (iCCP, sRGB, gAMA, cHRM, cICP, mDCV,
//! cLLI, sBIT, tRNS, bKGD), pixel size and placement (pHYs, oFFs, sCAL, pCAL), palette
//! suggestions (hIST, sPLT) and animation (acTL, fcTL, fdAT). Everything else goes: eXIf, the
//! text chunks (tEXt, zTXt, iTXt, where XMP also lives), tIME and private chunks. Kept chunks are
//! copied with their checksums; nothing after IEND is kept. PNG readers ignore EXIF orientation
//! in practice, so none is written back.

use img_parts::Bytes;
use img_parts::png::Png;

use crate::{Edited, Error, Removed, exif, holds_data};

const FORMAT: &str = "PNG";

/// Ancillary chunks that affect how the picture is shown.
const KEPT_ANCILLARY: [&[u8; 4]; 18] = [
    b"iCCP", b"sRGB", b"gAMA", b"cHRM", b"cICP", b"mDCV", b"cLLI", b"sBIT", b"tRNS", b"bKGD",
    b"pHYs", b"oFFs", b"sCAL", b"pCAL", b"hIST", b"sPLT", b"acTL", b"fcTL",
];

/// More chunks than this is no picture anyone made (an encoder writes at most a few thousand
/// IDAT chunks): each costs the parser about 70 bytes however small it is.
const MAX_CHUNKS: usize = 100_000;

/// Counts the chunks, without allocating.
fn chunks(bytes: &[u8]) -> usize {
    let (mut pos, mut count) = (8usize, 0);
    while let Some(len) = bytes.get(pos..pos + 4) {
        count += 1;
        if count > MAX_CHUNKS {
            break;
        }
        let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]);
        pos = pos.saturating_add(12).saturating_add(len as usize);
    }
    count
}

pub(crate) fn strip(bytes: &[u8]) -> Result<Edited, Error> {
    if chunks(bytes) > MAX_CHUNKS {
        return Err(Error::Damaged {
            format: FORMAT,
            detail: "more than 100000 chunks",
        });
    }
    let mut png =
        Png::from_bytes(Bytes::copy_from_slice(bytes)).map_err(|e| Error::from_parts(FORMAT, e))?;
    let mut edited = Edited::unchanged();

    // The parser stops at IEND; what follows is not part of the picture.
    let trailing = bytes.get(png.len()..).unwrap_or_default();
    if holds_data(trailing) {
        edited.removed.insert(Removed::ExtraImages);
    }

    png.chunks_mut().retain(|chunk| {
        let kind = chunk.kind();
        // Bit 5 of the first letter (lower case) marks an ancillary chunk (PNG spec 5.4).
        let critical = kind[0] & 0x20 == 0;
        if critical || KEPT_ANCILLARY.contains(&&kind) || &kind == b"fdAT" {
            return true;
        }
        let contents = chunk.contents();
        match &kind {
            b"eXIf" => edited.removed.extend(exif::summarise(contents).removed),
            b"tEXt" | b"zTXt" | b"iTXt" => {
                edited.removed.insert(text_meaning(contents));
            }
            b"tIME" => {
                edited.removed.insert(Removed::DateChanged);
            }
            _ => {
                edited.removed.insert(Removed::OtherData);
            }
        }
        false
    });

    if edited.removed.is_empty() {
        return Ok(edited);
    }
    edited.bytes = Some(png.encoder().bytes().to_vec());
    Ok(edited)
}

/// What a text chunk holds, from its keyword (the bytes before the first NUL; PNG spec 11.3.4
/// lists the registered ones, ImageMagick adds "Raw profile type ...").
fn text_meaning(contents: &[u8]) -> Removed {
    let keyword = contents.split(|&b| b == 0).next().unwrap_or_default();
    match keyword {
        b"XML:com.adobe.xmp" | b"Raw profile type xmp" => Removed::Xmp,
        b"Raw profile type exif" | b"Raw profile type APP1" => Removed::OtherExif,
        b"Raw profile type iptc" | b"Raw profile type 8bim" => Removed::Iptc,
        b"Author" | b"Copyright" => Removed::Photographer,
        b"Comment" | b"Description" | b"Title" => Removed::Comments,
        b"Creation Time" => Removed::DateTaken,
        _ => Removed::TextChunks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_keywords() {
        assert_eq!(text_meaning(b"Author\0Jan"), Removed::Photographer);
        assert_eq!(
            text_meaning(b"XML:com.adobe.xmp\0\0\0\0\0<x/>"),
            Removed::Xmp
        );
        assert_eq!(text_meaning(b"Software\0GIMP"), Removed::TextChunks);
        assert_eq!(text_meaning(b""), Removed::TextChunks);
    }
}
