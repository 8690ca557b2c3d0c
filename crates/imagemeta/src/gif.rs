//! GIF: comment extensions and metadata application extensions are cut out of the block stream.
//!
//! img-parts does not read GIF, so we walk the blocks here (GIF89a spec, sections 17 to 27):
//! a header, the screen descriptor and global colour table, then images (0x2C), extensions
//! (0x21) and the trailer (0x3B). Kept: images as they are, graphic control and plain text
//! extensions, the looping extension (NETSCAPE2.0, ANIMEXTS1.0) and ICC profiles (ICCRGBG1012).
//! Removed: comments, XMP ("XMP DataXMP"), ImageMagick's IPTC and Photoshop blocks, other
//! application and unknown extensions, and anything after the trailer. Every read is
//! bounds-checked; a file that ends inside a block is refused.

use crate::{Edited, Error, Removed, holds_data};

const FORMAT: &str = "GIF";

const IMAGE: u8 = 0x2C;
const EXTENSION: u8 = 0x21;
const TRAILER: u8 = 0x3B;

const PLAIN_TEXT: u8 = 0x01;
const GRAPHIC_CONTROL: u8 = 0xF9;
const COMMENT: u8 = 0xFE;
const APPLICATION: u8 = 0xFF;

pub(crate) fn strip(bytes: &[u8]) -> Result<Edited, Error> {
    let truncated = Error::Truncated { format: FORMAT };
    match bytes.get(..6) {
        Some(b"GIF87a" | b"GIF89a") => {}
        Some(_) => return Err(Error::WrongFormat { format: FORMAT }),
        None if b"GIF89a".starts_with(bytes) || b"GIF87a".starts_with(bytes) => {
            return Err(truncated);
        }
        None => return Err(Error::WrongFormat { format: FORMAT }),
    }
    // Logical screen descriptor: width, height, flags, background, aspect ratio.
    let flags = *bytes.get(10).ok_or(truncated.clone())?;
    let mut at = 13 + colour_table_len(flags);
    if at > bytes.len() {
        return Err(truncated);
    }

    let mut edited = Edited::unchanged();
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..at]);
    // A file may end without a trailer: many encoders leave it out and viewers do not mind.
    while let Some(&introducer) = bytes.get(at) {
        match introducer {
            TRAILER => {
                out.push(TRAILER);
                let after = &bytes[at + 1..];
                if holds_data(after) {
                    edited.removed.insert(Removed::ExtraImages);
                }
                break;
            }
            IMAGE => {
                // Position and size (8 bytes), flags, the local colour table, the LZW code size.
                let flags = *bytes.get(at + 9).ok_or(truncated.clone())?;
                let data = at + 10 + colour_table_len(flags) + 1;
                let end = skip_sub_blocks(bytes, data).ok_or(truncated.clone())?;
                out.extend_from_slice(&bytes[at..end]);
                at = end;
            }
            EXTENSION => {
                let label = *bytes.get(at + 1).ok_or(truncated.clone())?;
                let end = skip_sub_blocks(bytes, at + 2).ok_or(truncated.clone())?;
                match extension_meaning(label, &bytes[at + 2..end]) {
                    None => out.extend_from_slice(&bytes[at..end]),
                    Some(removed) => {
                        edited.removed.insert(removed);
                    }
                }
                at = end;
            }
            _ => {
                return Err(Error::Damaged {
                    format: FORMAT,
                    detail: "a block of an unknown kind",
                });
            }
        }
    }
    if !edited.removed.is_empty() {
        edited.bytes = Some(out);
    }
    Ok(edited)
}

/// What an extension holds, or `None` when it is part of the picture. `blocks` are its
/// sub-blocks, from the first size byte to the terminating zero.
fn extension_meaning(label: u8, blocks: &[u8]) -> Option<Removed> {
    match label {
        GRAPHIC_CONTROL | PLAIN_TEXT => None,
        COMMENT => Some(Removed::Comments),
        APPLICATION => {
            // The first sub-block is 11 bytes: an 8-byte name and a 3-byte code.
            let id = match blocks.split_first() {
                Some((11, rest)) => rest.get(..11),
                _ => None,
            };
            match id {
                Some(b"NETSCAPE2.0" | b"ANIMEXTS1.0" | b"ICCRGBG1012") => None,
                Some(b"XMP DataXMP") => Some(Removed::Xmp),
                Some(b"MGKIPTC0000" | b"MGK8BIM0000") => Some(Removed::Iptc),
                _ => Some(Removed::OtherData),
            }
        }
        _ => Some(Removed::OtherData),
    }
}

/// The size of the colour table that `flags` announces: 3 × 2^(n+1) bytes when bit 7 is set.
fn colour_table_len(flags: u8) -> usize {
    if flags & 0x80 == 0 {
        0
    } else {
        3 << ((flags & 0x07) + 1)
    }
}

/// The position after the sub-blocks that start at `at`: each is a size byte and that many
/// bytes, and a zero size ends them. `None` when the file ends first.
///
/// XMP's "magic trailer" relies on this walk: its last 258 bytes count down so that reading the
/// XML as sub-blocks always lands on the terminating zero.
fn skip_sub_blocks(bytes: &[u8], mut at: usize) -> Option<usize> {
    loop {
        let size = usize::from(*bytes.get(at)?);
        at += 1;
        if size == 0 {
            return Some(at);
        }
        at += size;
        if at > bytes.len() {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1×1 GIF89a with a two-colour global table and the given blocks before the image.
    fn gif(blocks: &[&[u8]]) -> Vec<u8> {
        let mut g = b"GIF89a\x01\x00\x01\x00\x80\x00\x00".to_vec();
        g.extend_from_slice(&[0, 0, 0, 255, 255, 255]);
        for block in blocks {
            g.extend_from_slice(block);
        }
        // Image descriptor, LZW code size 2, one data sub-block, terminator, trailer.
        g.extend_from_slice(b"\x2C\0\0\0\0\x01\0\x01\0\0\x02\x02\x44\x01\0\x3B");
        g
    }

    const COMMENT_BLOCK: &[u8] = b"\x21\xFE\x05hello\x00";
    const LOOP_BLOCK: &[u8] = b"\x21\xFF\x0BNETSCAPE2.0\x03\x01\x00\x00\x00";

    #[test]
    fn comment_goes_and_loop_stays() {
        let input = gif(&[LOOP_BLOCK, COMMENT_BLOCK]);
        let edited = strip(&input).unwrap();
        assert_eq!(edited.bytes, Some(gif(&[LOOP_BLOCK])));
        assert_eq!(
            edited.removed.into_iter().collect::<Vec<_>>(),
            [Removed::Comments]
        );
    }

    #[test]
    fn xmp_with_magic_trailer_goes() {
        let mut xmp = b"\x21\xFF\x0BXMP DataXMP<x:xmpmeta>GPS</x:xmpmeta>".to_vec();
        xmp.push(1);
        xmp.extend((0..=255u8).rev());
        xmp.push(0);
        let input = gif(&[&xmp]);
        let edited = strip(&input).unwrap();
        assert_eq!(edited.bytes, Some(gif(&[])));
        assert_eq!(
            edited.removed.into_iter().collect::<Vec<_>>(),
            [Removed::Xmp]
        );
    }

    #[test]
    fn clean_gif_is_unchanged() {
        let edited = strip(&gif(&[LOOP_BLOCK])).unwrap();
        assert_eq!(edited.bytes, None);
        assert!(edited.removed.is_empty());
    }

    #[test]
    fn every_prefix_is_an_answer_not_a_panic() {
        let input = gif(&[LOOP_BLOCK, COMMENT_BLOCK]);
        for len in 0..input.len() {
            let _ = strip(&input[..len]);
        }
    }

    #[test]
    fn not_a_gif() {
        assert_eq!(
            strip(b"\x89PNG\r\n\x1a\n").unwrap_err(),
            Error::WrongFormat { format: FORMAT }
        );
        assert_eq!(
            strip(b"GIF8").unwrap_err(),
            Error::Truncated { format: FORMAT }
        );
    }
}
