//! Undoing the encodings attackers hide behind, before any rule looks at a value.
//!
//! Every rule sees the same normalised text: URL-decoded until stable (at most five rounds,
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
        // Copy up to the next escape in one go.
        let next = b[i + 1..]
            .iter()
            .position(|&c| c == b'%')
            .map_or(b.len(), |p| i + 1 + p);
        out.extend_from_slice(&b[i..next]);
        i = next;
    }
    // Overlong two-byte forms of ASCII (`%c0%af` for `/`), as old decoders read them.
    if out.iter().any(|&c| c == 0xc0 || c == 0xc1) {
        out = overlong_to_ascii(&out);
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// `C0 AF` → `/`, `C0 AE` → `.`, `C1 9C` → `\\`: the two-byte overlong encodings of ASCII.
fn overlong_to_ascii(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match (b[i], b.get(i + 1)) {
            (lead @ (0xc0 | 0xc1), Some(&next)) if next & 0xc0 == 0x80 => {
                out.push(((lead & 0x01) << 6) | (next & 0x3f));
                i += 2;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
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

/// Percent-decodes until nothing changes, at most five rounds (double, triple... encoding).
pub fn percent_decode_deep(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let mut cur = percent_decode_once(s);
    for _ in 0..4 {
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
        // A numeric reference ends at its last digit (`&#13ascript`), as browsers read it.
        let end = if let Some(num) = after
            .strip_prefix("#x")
            .or_else(|| after.strip_prefix("#X"))
        {
            2 + num
                .find(|c: char| !c.is_ascii_hexdigit())
                .unwrap_or(num.len())
        } else if let Some(num) = after.strip_prefix('#') {
            1 + num.find(|c: char| !c.is_ascii_digit()).unwrap_or(num.len())
        } else {
            end
        };
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

/// Percent-decoding until stable, then HTML character references; borrows when there is
/// nothing to decode (most values).
pub fn decode(raw: &str) -> std::borrow::Cow<'_, str> {
    if !raw.contains(['%', '&', '\\']) {
        return raw.into();
    }
    let decoded = html_entities(&percent_decode_deep(raw));
    if decoded.contains("\\u") || decoded.contains("\\x") {
        js_escapes(&decoded).into()
    } else {
        decoded.into()
    }
}

/// JavaScript string escapes (`\u006f`, `\u{6f}`, `\x6f`), as an engine would read them.
pub fn js_escapes(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            let (digits, skip) = match b[i + 1] {
                b'u' if b.get(i + 2) == Some(&b'{') => {
                    let end = s[i + 3..].find('}').map(|e| i + 3 + e);
                    match end {
                        Some(e) if e - (i + 3) <= 6 => (&s[i + 3..e], e + 1 - i),
                        _ => ("", 0),
                    }
                }
                // `get`: the digits may not split a multi-byte character (found by fuzzing).
                b'u' => (s.get(i + 2..i + 6).unwrap_or(""), 6),
                b'x' => (s.get(i + 2..i + 4).unwrap_or(""), 4),
                _ => ("", 0),
            };
            if let Some(c) = (!digits.is_empty())
                .then(|| u32::from_str_radix(digits, 16).ok())
                .flatten()
                .and_then(char::from_u32)
            {
                out.push(c);
                i += skip;
                continue;
            }
        }
        let c = s[i..].chars().next().unwrap_or(' ');
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// Whether normalising `raw` would only copy it: lower-case ASCII letters, digits and
/// punctuation that no step changes.
fn already_normal(raw: &str) -> bool {
    let b = raw.as_bytes();
    b.iter().all(|c| {
        matches!(c, b'a'..=b'z' | b'0'..=b'9' | b' ' | b'.' | b',' | b'-' | b'_' | b':' | b';' | b'=' | b'(' | b')' | b'!' | b'?' | b'@' | b'+' | b'\'' | b'"' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'|' | b'$' | b'#' | b'~' | b'^' | b'`' | b'*')
            || (*c == b'/')
    }) && !raw.contains("  ")
        && !raw.contains("/*")
}

/// The full normalisation: decode, lower-case, strip comments, squeeze whitespace.
pub fn normalize(raw: &str) -> String {
    if already_normal(raw) {
        return raw.to_string();
    }
    normalize_fully(raw)
}

fn normalize_fully(raw: &str) -> String {
    normalize_decoded(&decode(raw))
}

/// The steps after decoding, for text already put through [`decode`].
///
/// One pass over the bytes: ASCII (most of any text, even in other languages) is handled
/// byte by byte; only the other characters are decoded, mapped and lower-cased as Unicode.
pub fn normalize_decoded(decoded: &str) -> String {
    if already_normal(decoded) {
        return decoded.to_string();
    }
    let uncommented = uncomment(decoded);
    let decoded = uncommented.as_ref();
    let b = decoded.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut last_space = false;
    let push_space = |out: &mut Vec<u8>, last_space: &mut bool| {
        if !*last_space {
            out.push(b' ');
            *last_space = true;
        }
    };
    // A line break separates shell commands, so a run of white space keeps one if it had one.
    let push_break = |out: &mut Vec<u8>, last_space: &mut bool| {
        if *last_space {
            if let Some(last) = out.last_mut() {
                *last = b'\n';
            }
        } else {
            out.push(b'\n');
            *last_space = true;
        }
    };
    let mut i = 0;
    while i < b.len() {
        // Runs of printable ASCII and single spaces, other than `\\` (most of any text), in
        // one go.
        let start = i;
        while let Some(&c) = b.get(i) {
            let repeated_space = c == b' '
                && (if i == start {
                    last_space
                } else {
                    b[i - 1] == b' '
                });
            if c == b'\\' || !(0x20..0x7f).contains(&c) || repeated_space {
                break;
            }
            i += 1;
        }
        if i > start {
            out.extend(b[start..i].iter().map(u8::to_ascii_lowercase));
            last_space = b[i - 1] == b' ';
            continue;
        }
        let c = b[i];
        if c < 0x80 {
            i += 1;
            match c {
                b'\\' => {
                    out.push(b'/');
                    last_space = false;
                }
                b'\n' | b'\r' => push_break(&mut out, &mut last_space),
                0..=0x20 | 0x7f => push_space(&mut out, &mut last_space),
                c => {
                    out.push(c.to_ascii_lowercase());
                    last_space = false;
                }
            }
            continue;
        }
        let ch = decoded[i..].chars().next().unwrap_or(' ');
        i += ch.len_utf8();
        let ch = look_alike(ch);
        if ch.is_ascii() {
            // A look-alike of ASCII: read as the ASCII it imitates (never starts a comment).
            match ch as u8 {
                b'\\' => {
                    out.push(b'/');
                    last_space = false;
                }
                0..=0x20 | 0x7f => push_space(&mut out, &mut last_space),
                c => {
                    out.push(c.to_ascii_lowercase());
                    last_space = false;
                }
            }
        } else if ch.is_whitespace() || matches!(ch, '\u{a0}' | '\u{fffd}') {
            push_space(&mut out, &mut last_space);
        } else {
            let mut buf = [0u8; 4];
            for l in ch.to_lowercase() {
                out.extend_from_slice(l.encode_utf8(&mut buf).as_bytes());
            }
            last_space = false;
        }
    }
    // Only whole characters were pushed, so this never fails.
    String::from_utf8(out).unwrap_or_default()
}

/// SQL and script block comments read as one space (`UNION/**/SELECT`, `document/*x*/.cookie`),
/// except where the text inside counts: MySQL executes `/*!50000OR*/` (read as `OR`), and a
/// browser sees no comment around markup (`/*<script>…*/` keeps its markup). An unterminated
/// `/*` stays as it is (`admin'/*`).
fn uncomment(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains("/*") {
        return s.into();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("/*") {
        let Some(len) = rest[start + 2..].find("*/") else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push(' ');
        let body = &rest[start + 2..start + 2 + len];
        if let Some(executed) = body.strip_prefix('!') {
            out.push_str(executed.trim_start_matches(|c: char| c.is_ascii_digit()));
            out.push(' ');
        } else if body.contains(['<', '>']) {
            out.push_str(body);
            out.push(' ');
        }
        rest = &rest[start + 2 + len + 2..];
    }
    out.push_str(rest);
    out.into()
}

/// Characters that imitate ASCII, read as the ASCII they imitate.
fn look_alike(c: char) -> char {
    match c {
        // Fullwidth forms (＜script＞).
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        // Circled digits and letters, and the ideographic full stop, as in ①②⑦。⓪。⓪。①
        '\u{2460}'..='\u{2468}' => char::from_u32(c as u32 - 0x2460 + u32::from(b'1')).unwrap_or(c),
        '\u{24ea}' => '0',
        '\u{24d0}'..='\u{24e9}' => char::from_u32(c as u32 - 0x24d0 + u32::from(b'a')).unwrap_or(c),
        '\u{3002}' | '\u{ff61}' => '.',
        // Characters whose low seven bits spell markup (the US-ASCII trick: ¼script¾).
        '\u{bc}' => '<',
        '\u{be}' => '>',
        '\u{a2}' => '"',
        // Typographic quotes and primes, which some databases and parsers read as quotes.
        '\u{2018}' | '\u{2019}' | '\u{201b}' | '\u{2032}' | '\u{b4}' | '\u{2bc}' => '\'',
        '\u{201c}' | '\u{201d}' | '\u{2033}' => '"',
        c => c,
    }
}

/// Removes what a shell expands to nothing in an attack: special parameters (`$@ $? $_ $$
/// $! $* $- $#`, `$0`-`$9`), `${}`, and single-letter variables glued into a word (`uname$u`).
fn strip_empty_variables(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            let next = b.get(i + 1).copied();
            let after = b.get(i + 2).copied();
            match next {
                Some(b'@' | b'?' | b'_' | b'$' | b'!' | b'*' | b'-' | b'#' | b'0'..=b'9') => {
                    i += 2;
                    continue;
                }
                Some(b'{') if after == Some(b'}') => {
                    i += 3;
                    continue;
                }
                Some(b'a'..=b'z')
                    if !after.is_some_and(|c| c.is_ascii_alphanumeric())
                        && i > 0
                        && b[i - 1].is_ascii_alphanumeric() =>
                {
                    i += 2;
                    continue;
                }
                _ => {}
            }
        }
        let c = s[i..].chars().next().unwrap_or(' ');
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// The text as a shell would read it: quotes, carets and empty variables (`$@`, `$?`, `$_`,
/// `${}`) removed, as CRS's `cmdLine` transformation does.
pub fn cmdline(norm: &str) -> String {
    let s: std::borrow::Cow<'_, str> = if norm.contains('$') {
        strip_empty_variables(norm).into()
    } else {
        norm.into()
    };
    let s: String = s
        .chars()
        .filter(|c| !matches!(c, '"' | '\'' | '^'))
        .collect();
    if s.contains("/ ") {
        s.replace("/ ", "/")
    } else {
        s
    }
}

/// Whether [`cmdline`] could read `norm` differently enough to matter: it has a quote, caret or
/// `$`. In long text (a message) apostrophes inside words (`we'd`, `o'brien`, `l'école`), one
/// a word, are prose and do not count; short values are always read both ways.
pub fn may_hide_command(norm: &str) -> bool {
    let b = norm.as_bytes();
    if !b.iter().any(|c| matches!(c, b'"' | b'\'' | b'^' | b'$')) {
        return false;
    }
    if b.len() <= 256 || b.iter().any(|c| matches!(c, b'"' | b'^' | b'$')) {
        return true;
    }
    let letter = |c: Option<&u8>| c.is_some_and(|c| c.is_ascii_alphabetic() || *c >= 0x80);
    let mut quotes_in_word = 0;
    for (i, &c) in b.iter().enumerate() {
        match c {
            b' ' => quotes_in_word = 0,
            b'\'' => {
                quotes_in_word += 1;
                let inside = i > 0 && letter(b.get(i - 1)) && letter(b.get(i + 1));
                if quotes_in_word > 1 || !inside {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
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

    /// The normaliser written the plain way, character by character: the fast one must agree.
    fn reference(decoded: &str) -> String {
        let mut out = String::new();
        let mut last_space = false;
        for c in uncomment(decoded).chars() {
            let c = match look_alike(c) {
                '\\' => '/',
                '\n' | '\r' => '\n',
                '\u{0}'..='\u{1f}' | '\u{7f}' | '\u{a0}' | '\u{fffd}' => ' ',
                c => c,
            };
            if c == '\n' || c == '\r' {
                if last_space {
                    out.pop();
                }
                out.push('\n');
                last_space = true;
                continue;
            }
            if c.is_whitespace() {
                if !last_space {
                    out.push(' ');
                    last_space = true;
                }
                continue;
            }
            last_space = false;
            out.extend(c.to_lowercase());
        }
        out
    }

    #[test]
    fn the_byte_loop_matches_the_character_loop() {
        let cases = [
            "UNION/**/SELECT/*!50000*/pass",
            "a\tb\n\nc  d",
            "C:\\Windows\\System32",
            "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
            "/* unterminated",
            "x\u{1}y\u{7f}z",
            "ends with space ",
            "Zoë Ærø \u{a0}ÉCOLE ＜ＳＣＲＩＰＴ＞ ①② ¼script¾ 。 İ ß \u{2003} /*é*/x",
        ];
        for c in cases {
            let decoded = decode(c);
            assert_eq!(normalize_decoded(&decoded), reference(&decoded), "{c:?}");
        }
        // Random mixes of ASCII, look-alikes and other letters.
        let alphabet: Vec<char> = "aZ/*\\ \t'é Ë＜①。¼\u{a0}İ\u{3000}".chars().collect();
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..20_000 {
            let mut t = String::new();
            for _ in 0..(x % 10) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                t.push(alphabet[(x % alphabet.len() as u64) as usize]);
            }
            assert_eq!(normalize_decoded(&t), reference(&t), "{t:?}");
        }
    }

    #[test]
    fn the_shortcut_changes_nothing() {
        // Every string the shortcut accepts normalises to itself the long way too.
        let alphabet: Vec<char> = "az09 .,-_:;=()!?@+'\"<>[]{}|$#~^`*/".chars().collect();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            let len = (x % 12) as usize;
            let mut t = String::new();
            for _ in 0..len {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                t.push(alphabet[(x % alphabet.len() as u64) as usize]);
            }
            if already_normal(&t) {
                assert_eq!(normalize_fully(&t), t, "{t:?}");
            }
        }
        assert!(!already_normal("A") && !already_normal("%41") && !already_normal("a&lt;"));
        assert!(!already_normal("a\\b") && !already_normal("a\tb") && !already_normal("é"));
    }

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
        assert_eq!(normalize("' /*!50000OR*/ 1='1"), "' or 1='1");
        assert_eq!(normalize("/*<script>*/x"), " <script> x");
        assert_eq!(normalize("admin'/*"), "admin'/*");
        assert_eq!(normalize("don’t ‘quote’ “me”"), "don't 'quote' \"me\"");
        assert_eq!(normalize("%2525252527"), "'");
        assert_eq!(normalize("etc%c0%afpasswd"), "etc/passwd");
        assert_eq!(normalize("%c0%ae%c0%ae%c1%9c"), "../");
        assert_eq!(
            normalize("..\\..\\Windows\\win.ini"),
            "../../windows/win.ini"
        );
        assert_eq!(normalize("a\u{0}b\t\n c"), "a b\nc");
        assert_eq!(normalize("%2527%2520OR%25201=1"), "' or 1=1");
    }

    #[test]
    fn apostrophes_in_long_prose_are_not_shell_quotes() {
        let prose = "we'd like to come on saturday, o'brien said. ".repeat(8);
        assert!(!may_hide_command(&prose));
        assert!(may_hide_command("c'a't /etc/passwd"));
        assert!(
            may_hide_command("we'd"),
            "short values are always read both ways"
        );
        for evasion in [
            "w'h'oami", "wh''oami", "'whoami'", "who$@ami", "\"id\"", "w^hoami",
        ] {
            assert!(
                may_hide_command(&format!("{prose}; {evasion}")),
                "{evasion}"
            );
        }
        assert!(!may_hide_command("plain words only"));
    }

    #[test]
    fn plain_values() {
        assert!(is_plain("hello world"));
        assert!(is_plain("Café Zoë, 12-3"));
        assert!(!is_plain("O'Brien"));
        assert!(!is_plain("<b>"));
    }

    #[test]
    fn escapes_next_to_multibyte_characters_do_not_panic() {
        // Found by fuzzing (bench/fuzz.sh): `\u` or `\x` followed by multi-byte UTF-8 sliced
        // a character in two and panicked on a request header.
        for s in [
            "\\u1ÏÏ",
            "\\x1Ï",
            "\\u12Ïx",
            "a\\u1é4",
            "\\uÏÏÏÏ",
            "\\u{é}",
            "\\x",
        ] {
            let out = js_escapes(s);
            assert!(!out.is_empty(), "{s:?}");
        }
        assert_eq!(js_escapes("\\u006f\\x6fÏ"), "ooÏ");
    }
}
