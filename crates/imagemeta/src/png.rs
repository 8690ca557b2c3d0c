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

pub(crate) fn strip(bytes: &[u8]) -> Result<Edited, Error> {
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
