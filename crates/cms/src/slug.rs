//! Page paths made from titles, the way a Dutch editor expects: `Zomerfeest in België!` →
//! `zomerfeest-in-belgie`. Letters lose their accents (ë → e, ç → c), the Dutch ĳ becomes
//! ij, ß becomes ss; anything else that is not a letter or digit becomes one hyphen.

/// The last part of a path for `title`: lower-case ASCII letters, digits and single hyphens,
/// at most 80 characters, never empty (`page` when the title has no letters or digits).
pub fn from_title(title: &str) -> String {
    let mut out = String::new();
    let mut hyphen = false;
    for c in title.chars().flat_map(char::to_lowercase) {
        let plain: &str = match c {
            'a'..='z' | '0'..='9' => {
                let mut b = [0u8; 4];
                out_push(&mut out, &mut hyphen, c.encode_utf8(&mut b));
                continue;
            }
            // An apostrophe joins (`zo'n` → `zon`, `Anne's` → `annes`).
            '\'' | '’' => continue,
            '&' => "en",
            c => match plain_of(c) {
                Some(p) => p,
                None => {
                    hyphen = !out.is_empty();
                    continue;
                }
            },
        };
        out_push(&mut out, &mut hyphen, plain);
    }
    let mut cut: String = out.chars().take(80).collect();
    while cut.ends_with('-') {
        cut.pop();
    }
    if cut.is_empty() { "page".into() } else { cut }
}

/// The plain letters of an accented one (`ë` → `e`, `ĳ` → `ij`); `None` for anything else.
fn plain_of(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'ğ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => "i",
        'ĳ' => "ij",
        'ł' | 'ľ' | 'ĺ' => "l",
        'ñ' | 'ń' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'œ' => "oe",
        'ř' | 'ŕ' => "r",
        'ś' | 'š' | 'ş' | 'ș' => "s",
        'ß' => "ss",
        'ť' | 'ţ' | 'ț' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' => "u",
        'ý' | 'ÿ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        'þ' => "th",
        _ => return None,
    })
}

/// `text` lower-cased without accents, for searching the way people type: `belgie` finds
/// `België`, `CAFE` finds `café`. Other characters stay as they are.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        match plain_of(c) {
            Some(p) => out.push_str(p),
            None => out.push(c),
        }
    }
    out
}

/// Appends `s`, after one hyphen if a separator came before it.
fn out_push(out: &mut String, hyphen: &mut bool, s: &str) {
    if *hyphen && !out.is_empty() {
        out.push('-');
    }
    *hyphen = false;
    out.push_str(s);
}

#[cfg(test)]
mod tests {
    use super::{fold, from_title};

    #[test]
    fn dutch_titles() {
        assert_eq!(from_title("Zomerfeest in België!"), "zomerfeest-in-belgie");
        assert_eq!(
            from_title("Ĳsselmeer & Zuiderzee"),
            "ijsselmeer-en-zuiderzee"
        );
        assert_eq!(from_title("  Café 't Hoekje — 2027 "), "cafe-t-hoekje-2027");
        assert_eq!(from_title("Zo'n mooie dag"), "zon-mooie-dag");
        assert_eq!(
            from_title("Überraschung für Groß"),
            "uberraschung-fur-gross"
        );
        assert_eq!(from_title("Crème brûlée, façade"), "creme-brulee-facade");
        assert_eq!(from_title("///"), "page");
        assert_eq!(
            from_title("<script>alert(1)</script>"),
            "script-alert-1-script"
        );
        assert_eq!(from_title(&"Lang ".repeat(40)).len(), 79);
        assert!(!from_title(&"Lang ".repeat(40)).ends_with('-'));
        assert_eq!(
            fold("Zomerfeest in België, CAFÉ!"),
            "zomerfeest in belgie, cafe!"
        );
    }
}
