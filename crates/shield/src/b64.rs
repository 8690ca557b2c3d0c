//! Just enough base64 for the shield: the encodings of a keyword at every byte alignment (so
//! it can be found inside a longer base64 payload without decoding), and a cautious decoder.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// The base64 text that stands for `word` when it starts at byte offset 0, 1 or 2 of a
/// 3-byte group, with the characters that depend on neighbouring bytes cut off.
pub fn aligned_forms(word: &[u8]) -> Vec<String> {
    (0..3usize)
        .filter_map(|offset| {
            let mut padded = vec![0u8; offset];
            padded.extend_from_slice(word);
            let enc = encode(&padded);
            let start = (offset * 4).div_ceil(3);
            let end = (offset + word.len()) / 3 * 4;
            enc.get(start..end).map(str::to_string)
        })
        .collect()
}

fn value(c: u8) -> Option<u32> {
    match c {
        b'A'..=b'Z' => Some(u32::from(c - b'A')),
        b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
        b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    }
}

/// Decodes standard or URL-safe base64 if the result is mostly printable text.
pub fn decode_text(s: &str) -> Option<String> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        acc = (acc << 6) | value(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    let printable = out
        .iter()
        .filter(|b| b.is_ascii_graphic() || **b == b' ')
        .count();
    (out.len() >= 6 && printable * 10 >= out.len() * 9)
        .then(|| String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_found_inside_longer_payloads() {
        let forms = aligned_forms(b"invokertransformer");
        for prefix in ["", "x", "xy", "xyz"] {
            let payload = encode(format!("{prefix}invokertransformer and more").as_bytes());
            assert!(
                forms.iter().any(|f| payload.contains(f.as_str())),
                "{prefix:?}: {payload} vs {forms:?}"
            );
        }
    }

    #[test]
    fn decoding() {
        assert_eq!(
            decode_text("PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==").as_deref(),
            Some("<script>alert(1)</script>")
        );
        assert_eq!(decode_text("not base64!"), None);
        assert_eq!(decode_text("AAECAwQFBgcICQ"), None, "binary is not text");
    }
}
