//! Uploaded files: the type is decided by the content (magic bytes), never by the name; files
//! are stored outside any web root under random names and served with their detected type.

use std::path::{Path, PathBuf};

use rand::RngCore;

/// Types we accept, by their first bytes. SVG is refused: it is a document that can carry
/// script, and no sanitiser is worth that risk for a logo.
pub fn sniff(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.starts_with(PNG) {
        Some(("image/png", "png"))
    } else if bytes.starts_with(b"\xff\xd8\xff") {
        Some(("image/jpeg", "jpg"))
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(("image/gif", "gif"))
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(("image/webp", "webp"))
    } else if bytes.starts_with(b"%PDF-") {
        Some(("application/pdf", "pdf"))
    } else {
        None
    }
}

/// Whether `name` is one of ours: 32 lower-case hex characters (with `-w480`, `-w960` or
/// `-w1920` for a resized copy) and a known extension. Anything else never reaches the
/// database or the file system.
pub fn is_stored_name(name: &str) -> bool {
    match name.split_once('.') {
        // ASCII only: the split below is by bytes, and a name is ours only if it is hex.
        Some((stem, ext)) if stem.is_ascii() => {
            let (hex, width) = stem.split_at(stem.len().min(32));
            hex.len() == 32
                && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
                && (width.is_empty()
                    || variants::WIDTHS
                        .iter()
                        .any(|w| width.strip_prefix("-w") == Some(&w.to_string())))
                && matches!(ext, "png" | "jpg" | "gif" | "webp" | "pdf")
        }
        _ => false,
    }
}

/// The file name of the copy of `original` (a stored name) at `width` in the format `ext`.
pub fn variant_name(original: &str, width: u32, ext: &str) -> String {
    let stem = original.split_once('.').map_or(original, |(s, _)| s);
    format!("{stem}-w{width}.{ext}")
}

/// A fresh random file name (128 bits) with `ext`.
pub fn random_name(ext: &str) -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{hex}.{ext}")
}

/// Where uploads live: `<data_dir>/media`.
pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("media")
}

/// Writes the file under a temporary name, syncs it, then renames it into place, so a crash
/// never leaves half a file under a real name.
pub async fn store(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    crate::files::create_dir_async(dir).await?;
    let tmp = dir.join(format!(".{name}.part"));
    crate::files::write_async(&tmp, bytes).await?;
    tokio::fs::rename(&tmp, dir.join(name)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), Some(("image/png", "png")));
        assert_eq!(sniff(b"\xff\xd8\xff\xe0"), Some(("image/jpeg", "jpg")));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(("image/webp", "webp")));
        assert_eq!(sniff(b"%PDF-1.7"), Some(("application/pdf", "pdf")));
        assert_eq!(
            sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>"),
            None
        );
        assert_eq!(sniff(b"<?xml version=\"1.0\"?><svg>"), None);
        assert_eq!(sniff(b"<html><script>"), None);
        assert_eq!(sniff(b"MZ\x90\0"), None, "executables");
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn names() {
        let n = random_name("png");
        assert!(is_stored_name(&n), "{n}");
        assert_ne!(n, random_name("png"));
        for bad in [
            "../../etc/passwd",
            "x.png",
            &format!("{}.svg", "a".repeat(32)),
            &format!("{}.png", "A".repeat(32)),
            &"a".repeat(32),
            &format!("{}-w481.jpg", "a".repeat(32)),
            &format!("{}-w.jpg", "a".repeat(32)),
            &format!("{}-w480-w480.jpg", "a".repeat(32)),
            &format!("{}-x480.jpg", "a".repeat(32)),
            // A multi-byte letter where the hex ends (it once split inside the letter).
            &format!("{}é.png", "a".repeat(31)),
            &format!("{}é-w480.png", "a".repeat(32)),
        ] {
            assert!(!is_stored_name(bad), "{bad}");
        }
        let copy = variant_name(&format!("{}.jpg", "a".repeat(32)), 960, "webp");
        assert_eq!(copy, format!("{}-w960.webp", "a".repeat(32)));
        assert!(is_stored_name(&copy));
    }
}
