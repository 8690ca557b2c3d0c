//! Text made safe for XML documents (the sitemap and the Atom feed), which no template engine
//! writes for us.

/// `s` with `& < > " '` escaped and the characters XML 1.0 forbids (C0 controls other than
/// tab, line feed and carriage return; U+FFFE, U+FFFF) left out: one such character in a
/// title would make every feed reader refuse the whole document.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_and_quotes_are_escaped() {
        assert_eq!(
            escape("\"><script>alert('x')</script> & co"),
            "&quot;&gt;&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt; &amp; co"
        );
    }

    #[test]
    fn characters_xml_forbids_are_dropped() {
        assert_eq!(escape("a\u{0}b\u{1b}c\u{FFFF}d\te\nf"), "abcd\te\nf");
        assert_eq!(escape("café ☕"), "café ☕");
    }
}
