//! Active content in a PDF, found the way pdfid finds it: the names that make a reader run
//! something (`/JavaScript`, `/OpenAction`, `/Launch`, an embedded file, …), looked for in the
//! file and in every Flate-compressed stream of it (object streams hide them there), with
//! `#xx` escapes in names undone (`/J#61vaScript` is `/JavaScript`). ClamAV has nothing offline
//! for this (bench/clamav/README.md). A PDF a site publishes needs none of it.

use std::io::Read;

/// The names that make a PDF reader act, and what each does, in words.
const ACTIVE: &[(&str, &str)] = &[
    ("JavaScript", "JavaScript"),
    ("JS", "JavaScript"),
    ("OpenAction", "an action that runs when the file is opened"),
    ("AA", "actions that run on events (opening a page, closing)"),
    ("Launch", "a command that starts a program"),
    ("EmbeddedFile", "an embedded file"),
    ("EmbeddedFiles", "embedded files"),
    ("RichMedia", "embedded Flash or video"),
    ("XFA", "an XFA form (scriptable)"),
    ("SubmitForm", "a form that sends data somewhere"),
    ("ImportData", "importing data from another file"),
    ("GoToE", "a jump into an embedded file"),
    ("GoToR", "a jump into another file"),
];

/// Bytes inflated from one stream, and from all streams of a file: enough for any honest
/// document's object streams; a decompression bomb stops here.
const MAX_STREAM_OUT: u64 = 8 * 1024 * 1024;
const MAX_TOTAL_OUT: u64 = 64 * 1024 * 1024;
/// Streams looked into.
const MAX_STREAMS: usize = 10_000;

/// What a PDF holds that a reader would act on: `(name, what it does)`, each name once. An
/// encrypted PDF is reported as such, since nothing in it can be inspected.
pub fn active_content(pdf: &[u8]) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = Vec::new();
    let mut note = |name: &str| {
        if let Some((n, what)) = ACTIVE.iter().find(|(n, _)| *n == name)
            && !found.iter().any(|(f, _)| f == n)
        {
            found.push(((*n).to_string(), (*what).to_string()));
        }
        if name == "Encrypt" && !found.iter().any(|(f, _)| f == "Encrypt") {
            found.push((
                "Encrypt".into(),
                "encryption, which hides everything in it from inspection".into(),
            ));
        }
    };
    for name in names(pdf) {
        note(&name);
    }
    let mut total = 0u64;
    for body in flate_streams(pdf).take(MAX_STREAMS) {
        if total >= MAX_TOTAL_OUT {
            break;
        }
        let mut out = Vec::new();
        let limit = MAX_STREAM_OUT.min(MAX_TOTAL_OUT - total);
        let _ = flate2::read::ZlibDecoder::new(body)
            .take(limit)
            .read_to_end(&mut out);
        total += u64::try_from(out.len()).unwrap_or(u64::MAX);
        for name in names(&out) {
            note(&name);
        }
    }
    if let Some(filter) = hidden_object_stream(pdf) {
        found.push((
            filter,
            "objects packed in a way Bolwerk cannot look into".into(),
        ));
    }
    found
}

/// Every name (`/Something`) in `bytes`, with `#xx` escapes undone.
fn names(bytes: &[u8]) -> impl Iterator<Item = String> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            if bytes[i] != b'/' {
                i += 1;
                continue;
            }
            i += 1;
            let mut name = Vec::new();
            while i < bytes.len() && !is_delimiter(bytes[i]) && name.len() < 64 {
                if bytes[i] == b'#'
                    && let (Some(h), Some(l)) = (
                        bytes.get(i + 1).and_then(|c| hex(*c)),
                        bytes.get(i + 2).and_then(|c| hex(*c)),
                    )
                {
                    name.push(h * 16 + l);
                    i += 3;
                    continue;
                }
                name.push(bytes[i]);
                i += 1;
            }
            if !name.is_empty() {
                return Some(String::from_utf8_lossy(&name).into_owned());
            }
        }
        None
    })
}

fn is_delimiter(b: u8) -> bool {
    b.is_ascii_whitespace() || b"()<>[]{}/%".contains(&b)
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

/// The bodies of the streams whose dictionary names `/FlateDecode` (also written with `#xx`).
fn flate_streams(pdf: &[u8]) -> impl Iterator<Item = &[u8]> + '_ {
    streams(pdf).filter_map(|(dict, body)| {
        names(dict)
            .any(|n| n == "FlateDecode" || n == "Fl")
            .then_some(body)
    })
}

/// Filters other than Flate: objects packed with one of them (an object stream) are hidden
/// from the look above.
const OTHER_FILTERS: [&str; 8] = [
    "ASCIIHexDecode",
    "AHx",
    "ASCII85Decode",
    "A85",
    "LZWDecode",
    "LZW",
    "RunLengthDecode",
    "RL",
];

/// The first object stream packed with a filter the look does not undo, if any.
fn hidden_object_stream(pdf: &[u8]) -> Option<String> {
    streams(pdf).take(MAX_STREAMS).find_map(|(dict, _)| {
        let names: Vec<String> = names(dict).collect();
        if !names.iter().any(|n| n == "ObjStm") {
            return None;
        }
        names
            .into_iter()
            .find(|n| OTHER_FILTERS.contains(&n.as_str()))
    })
}

/// Every stream: its dictionary (the last `<<` within 1 KiB before `stream`) and its body.
fn streams(pdf: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        loop {
            let start = find(pdf, b"stream", at)?;
            at = start + 6;
            // `endstream` contains `stream`: skip it.
            if start >= 3 && &pdf[start - 3..start] == b"end" {
                continue;
            }
            let mut body = start + 6;
            if pdf.get(body) == Some(&b'\r') {
                body += 1;
            }
            if pdf.get(body) == Some(&b'\n') {
                body += 1;
            }
            let end = find(pdf, b"endstream", body).unwrap_or(pdf.len());
            at = end;
            let dict_from = start.saturating_sub(1024);
            let dict = &pdf[dict_from..start];
            let dict_start = dict.windows(2).rposition(|w| w == b"<<").unwrap_or(0);
            return Some((&dict[dict_start..], pdf.get(body..end).unwrap_or_default()));
        }
    })
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::io::Write;

    fn deflate(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn names_of(pdf: &[u8]) -> Vec<String> {
        active_content(pdf).into_iter().map(|(n, _)| n).collect()
    }

    const PLAIN: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

    #[test]
    fn a_plain_document_has_none() {
        assert!(active_content(PLAIN).is_empty());
        // Text that mentions JavaScript is text, not a name.
        let text = b"%PDF-1.7\n4 0 obj << /Length 40 >> stream\nBT (How /JavaScript works) Tj ET\nendstream endobj\n";
        assert_eq!(
            names_of(text),
            vec!["JavaScript"],
            "a name inside a string is still flagged: pdfid does the same, safe side"
        );
        let prose = b"%PDF-1.7\n4 0 obj << /Length 40 >> stream\nBT (How JavaScript works) Tj ET\nendstream endobj\n";
        assert!(active_content(prose).is_empty());
    }

    #[test]
    fn actions_are_found_plain_escaped_and_compressed() {
        let open = b"%PDF-1.7\n1 0 obj << /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj\n";
        assert_eq!(names_of(open), vec!["OpenAction", "JavaScript", "JS"]);
        let escaped = b"%PDF-1.7\n1 0 obj << /Open#41ction << /S /J#61vaScript >> >> endobj\n";
        assert_eq!(names_of(escaped), vec!["OpenAction", "JavaScript"]);
        let hidden = deflate(b"1 0 obj << /Type /Catalog /OpenAction 2 0 R >> endobj 2 0 obj << /S /Launch /F (cmd.exe) >> endobj");
        let mut objstm = b"%PDF-1.7\n5 0 obj << /Type /ObjStm /N 2 /First 10 /Filter /FlateDecode /Length 99 >>\nstream\n".to_vec();
        objstm.extend_from_slice(&hidden);
        objstm.extend_from_slice(b"\nendstream\nendobj\n");
        assert_eq!(names_of(&objstm), vec!["OpenAction", "Launch"]);
        let enc = b"%PDF-1.7\ntrailer << /Root 1 0 R /Encrypt 9 0 R >>\n";
        assert_eq!(names_of(enc), vec!["Encrypt"]);
    }

    #[test]
    fn objects_packed_with_filters_it_does_not_undo_are_flagged() {
        for filter in [
            "[/ASCIIHexDecode /FlateDecode]",
            "/ASCII85Decode",
            "/LZW",
            "[/RL]",
        ] {
            let pdf = format!(
                "%PDF-1.7\n5 0 obj << /Type /ObjStm /N 1 /First 4 /Filter {filter} /Length 9 >>\nstream\n3f3f3f>\nendstream\nendobj\n"
            );
            let found = names_of(pdf.as_bytes());
            assert_eq!(found.len(), 1, "{filter}: {found:?}");
            assert!(filter.contains(found[0].as_str()), "{filter}: {found:?}");
        }
        // The same filters on a page's content (old PDFs use LZW) are no hiding place.
        let page = b"%PDF-1.4\n4 0 obj << /Length 9 /Filter /LZWDecode >>\nstream\n123456789\nendstream\nendobj\n";
        assert!(active_content(page).is_empty());
    }

    #[test]
    fn a_decompression_bomb_stops_at_the_limit() {
        let bomb = deflate(&vec![0u8; 40 * 1024 * 1024]);
        let mut pdf = b"%PDF-1.7\n1 0 obj << /Filter /FlateDecode >>\nstream\n".to_vec();
        pdf.extend_from_slice(&bomb);
        pdf.extend_from_slice(b"\nendstream\n");
        let start = std::time::Instant::now();
        assert!(active_content(&pdf).is_empty());
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }
}
