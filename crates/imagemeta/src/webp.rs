//! WebP: a RIFF file of chunks; the EXIF and XMP chunks and any unknown ones are cut out and
//! the extended header's flags for them cleared.
//!
//! Kept: the image data (VP8, VP8L, ALPH), animation (ANIM, ANMF, frames kept whole), the colour
//! profile (ICCP) and the extended header (VP8X). We clear the EXIF and XMP flags in VP8X
//! ourselves: img-parts' own `set_exif` leaves the XMP flag set and may turn the file into a
//! simple one. WebP viewers ignore EXIF orientation, so none is written back.

use img_parts::Bytes;
use img_parts::riff::RiffContent;
use img_parts::webp::{
    CHUNK_ALPH, CHUNK_ANIM, CHUNK_ANMF, CHUNK_EXIF, CHUNK_ICCP, CHUNK_VP8, CHUNK_VP8L, CHUNK_VP8X,
    CHUNK_XMP, WebP,
};

use crate::{Edited, Error, Removed, exif, holds_data};

const FORMAT: &str = "WebP";

/// The VP8X flag bits (WebP container spec, "Extended File Format") for the chunks we remove.
const EXIF_FLAG: u8 = 0b0000_1000;
const XMP_FLAG: u8 = 0b0000_0100;

/// Chunks that make up the picture.
const KEPT: [[u8; 4]; 7] = [
    CHUNK_VP8X, CHUNK_VP8, CHUNK_VP8L, CHUNK_ALPH, CHUNK_ANIM, CHUNK_ANMF, CHUNK_ICCP,
];

pub(crate) fn strip(bytes: &[u8]) -> Result<Edited, Error> {
    // RIFF sizes are 32-bit; img-parts adds them up in a u32.
    if bytes.len() > (u32::MAX / 2) as usize {
        return Err(Error::Damaged {
            format: FORMAT,
            detail: "larger than a WebP file can be",
        });
    }
    let mut webp = WebP::from_bytes(Bytes::copy_from_slice(bytes))
        .map_err(|e| Error::from_parts(FORMAT, e))?;
    let mut edited = Edited::unchanged();

    // The parser reads as far as the RIFF header's size says; the rest is not part of the file.
    let trailing = bytes.get(webp.len() as usize..).unwrap_or_default();
    if holds_data(trailing) {
        edited.removed.insert(Removed::ExtraImages);
    }

    webp.chunks_mut().retain(|chunk| {
        let id = chunk.id();
        if KEPT.contains(&id) {
            return true;
        }
        match (id, chunk.content()) {
            (CHUNK_EXIF, RiffContent::Data(data)) => {
                // Some writers keep JPEG's "Exif\0\0" prefix.
                let tiff = data.strip_prefix(b"Exif\0\0").unwrap_or(data);
                edited.removed.extend(exif::summarise(tiff).removed);
            }
            (CHUNK_XMP, _) => {
                edited.removed.insert(Removed::Xmp);
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
    clear_metadata_flags(&mut webp);
    edited.bytes = Some(webp.encoder().bytes().to_vec());
    Ok(edited)
}

/// Clears the EXIF and XMP bits in the VP8X header, since those chunks are gone.
fn clear_metadata_flags(webp: &mut WebP) {
    let vp8x = webp
        .chunks_mut()
        .iter_mut()
        .find(|chunk| chunk.id() == CHUNK_VP8X);
    if let Some(RiffContent::Data(data)) = vp8x.map(|chunk| chunk.content_mut()) {
        let mut header = data.to_vec();
        if let Some(flags) = header.first_mut() {
            *flags &= !(EXIF_FLAG | XMP_FLAG);
            *data = Bytes::from(header);
        }
    }
}
