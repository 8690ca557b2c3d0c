//! Undoing the encodings attackers hide behind, before any rule looks at a value.
//!
//! Every rule sees the same normalised text: URL-decoded until stable (at most three rounds,
//! `%u00XX` included), HTML character references decoded, NUL and other control bytes turned
//! into spaces, overlong UTF-8 replaced, lower-cased, SQL comments and runs of whitespace
//! collapsed to one space, and backslashes turned into slashes. Each step is linear in the input.

/// Percent-decodes once; `+` stays (query and form parsers turn it into a space earlier).
/// Also decodes IIS-style `%uXXXX`. Invalid escapes are kept as they are.
pub fn percent_decode_once(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if matches!(b.get(i + 1), Some(b'u' | b'U'))
                && i + 6 <= b.len()
                && let Some(c) = hex4(&b[i + 2..i + 6]).and_then(char::from_u32)
            {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                i += 6;
                continue;
            }
            if let (Some(h), Some(l)) = (
                b.get(i + 1).and_then(|c| hex(*c)),
                b.get(i + 2).and_then(|c| hex(*c)),
            ) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn hex4(b: &[u8]) -> Option<u32> {
    b.iter()
        .try_fold(0u32, |acc, c| hex(*c).map(|v| acc * 16 + u32::from(v)))
}

/// Percent-decodes until nothing changes, at most three rounds (double and triple encoding).
pub fn percent_decode_deep(s: &str) -> String {
    let mut cur = s.to_string();
    for _ in 0..3 {
        if !cur.contains('%') {
            break;
        }
        let next = percent_decode_once(&cur);
        if next == cur {
            break;
        }
        cur = next;
    }
    cur
}

/// Decodes `&lt;`, `&quot;`, `&#60;`, `&#x3c;` and friends (with or without the `;`).
pub fn html_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('&') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
            .unwrap_or(after.len());
        let name = &after[..end.min(10)];
        let decoded = if let Some(num) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X"))
        {
            u32::from_str_radix(num, 16).ok().and_then(char::from_u32)
        } else if let Some(num) = name.strip_prefix('#') {
            num.parse::<u32>().ok().and_then(char::from_u32)
        } else {
            match name.to_ascii_lowercase().as_str() {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "amp" => Some('&'),
                "colon" => Some(':'),
                "lpar" => Some('('),
                "rpar" => Some(')'),
                "sol" => Some('/'),
                "tab" => Some(' '),
                "newline" => Some('\n'),
                _ => None,
            }
        };
        match decoded {
            Some(c) if !name.is_empty() => {
                out.push(c);
                let consumed = name.len() + usize::from(after[name.len()..].starts_with(';'));
                rest = &after[consumed..];
            }
            _ => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The full normalisation: decode, lower-case, strip comments, squeeze whitespace.
pub fn normalize(raw: &str) -> String {
    let decoded = html_entities(&percent_decode_deep(raw));
    let mut out = String::with_capacity(decoded.len());
    let mut chars = decoded.chars().peekable();
    let mut last_space = false;
    while let Some(c) = chars.next() {
        // SQL block comments (also MySQL's /*!...*/) become one space.
        if c == '/' && chars.peek() == Some(&'*') {
            chars.next();
            let mut prev = ' ';
            for d in chars.by_ref() {
                if prev == '*' && d == '/' {
                    break;
                }
                prev = d;
            }
            if !last_space {
                out.push(' ');
                last_space = true;
            }
            continue;
        }
        let c = match c {
            '\\' => '/',
            '\u{0}'..='\u{1f}' | '\u{7f}' | '\u{a0}' | '\u{fffd}' => ' ',
            c => c,
        };
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
                last_space = true;
            }
            continue;
        }
        last_space = false;
        for l in c.to_lowercase() {
            out.push(l);
        }
    }
    out
}

/// The text as a shell would read it: quotes, carets and empty variables (`$@`, `$?`, `$_`,
/// `${}`) removed, as CRS's `cmdLine` transformation does.
pub fn cmdline(norm: &str) -> String {
    let s = norm
        .replace("$@", "")
        .replace("$?", "")
        .replace("$_", "")
        .replace("${}", "");
    s.chars()
        .filter(|c| !matches!(c, '"' | '\'' | '^'))
        .collect::<String>()
        .replace("/ ", "/")
}

/// Whether a value is plain enough that no rule can match it: letters, digits, spaces and a
/// few harmless punctuation marks. Most honest values are; they skip the detectors.
pub fn is_plain(s: &str) -> bool {
    s.bytes().all(|b| {
        b.is_ascii_alphanumeric()
            || matches!(b, b' ' | b'.' | b',' | b'-' | b'_' | b'@' | b'!' | b'?')
    }) || (s
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '.' | ',' | '-' | '_' | '@' | '!' | '?'))
        && !s.is_ascii())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding() {
        assert_eq!(percent_decode_deep("%253Cscript%253E"), "<script>");
        assert_eq!(percent_decode_deep("%u003cscript%u003e"), "<script>");
        assert_eq!(percent_decode_deep("100%"), "100%");
        assert_eq!(percent_decode_deep("%zz%4"), "%zz%4");
        assert_eq!(
            html_entities("&lt;img src=x&gt; &#x6a;&#97;vascript&colon;"),
            "<img src=x> javascript:"
        );
        assert_eq!(html_entities("fish & chips &amp"), "fish & chips &");
    }

    #[test]
    fn normalising() {
        assert_eq!(
            normalize("UNION/**/SELECT/*!50000*/pass"),
            "union select pass"
        );
        assert_eq!(
            normalize("..\\..\\Windows\\win.ini"),
            "../../windows/win.ini"
        );
        assert_eq!(normalize("a\u{0}b\t\n c"), "a b c");
        assert_eq!(normalize("%2527%2520OR%25201=1"), "' or 1=1");
    }

    #[test]
    fn plain_values() {
        assert!(is_plain("hello world"));
        assert!(is_plain("Café Zoë, 12-3"));
        assert!(!is_plain("O'Brien"));
        assert!(!is_plain("<b>"));
    }
}
