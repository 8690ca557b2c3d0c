//! Dutch and English for Bolwerk: which language a reader gets, the message catalogs, and
//! dates, times and numbers written the way each language writes them.
//!
//! The catalogs are [Fluent](https://projectfluent.org) files under `locales/<lang>/`, built
//! into the binary. Every message exists in both languages with the same variables; a test
//! holds the two side by side, so a key added in one language only fails the build's tests,
//! not a reader's page.

mod catalog;
pub mod format;
#[cfg(feature = "templates")]
pub mod templates;

pub use catalog::{Arg, defined_twice, exists, missing_keys, text, text_with, variables_differ};
pub use jiff::tz::TimeZone;

/// A language Bolwerk speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Dutch, the default: the agency's customers are Dutch organisations.
    #[default]
    Nl,
    /// English.
    En,
}

impl Lang {
    /// Every language, in the order they are offered.
    pub const ALL: [Lang; 2] = [Lang::Nl, Lang::En];

    /// The BCP 47 code, as in `<html lang="…">`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
        }
    }

    /// The language's name in itself, for a language chooser.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Nl => "Nederlands",
            Lang::En => "English",
        }
    }

    /// `nl`, `nl-NL`, `nl-BE`, `en`, `en-GB`… (any case); `None` for any other language.
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("nl") {
            Some(Lang::Nl)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The language a browser's `Accept-Language` prefers most among those spoken here;
    /// `None` when it names neither (or the header is not usable).
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(u16, Lang)> = None;
        // A browser sends a handful; a hostile header of thousands is not read to the end.
        for item in header.split(',').take(32) {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Lang::parse) else {
                continue;
            };
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1000), quality)
                .unwrap_or(0);
            if q > 0 && best.is_none_or(|(b, _)| q > b) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, lang)| lang)
    }
}

/// A `q` value in thousandths (`0.8` → 800); `None` when it is not one.
fn quality(q: &str) -> Option<u16> {
    let q = q.trim();
    let (whole, frac) = q.split_once('.').unwrap_or((q, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = match whole {
        "0" => format!("{frac:0<3}").parse::<u16>().ok()?,
        "1" if frac.bytes().all(|b| b == b'0') => 1000,
        _ => return None,
    };
    Some(thousandths)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_read_by_their_primary_language() {
        assert_eq!(Lang::parse("nl-NL"), Some(Lang::Nl));
        assert_eq!(Lang::parse("NL"), Some(Lang::Nl));
        assert_eq!(Lang::parse("en_GB"), Some(Lang::En));
        assert_eq!(Lang::parse("de"), None);
        assert_eq!(Lang::parse(""), None);
    }

    #[test]
    fn accept_language_picks_the_most_preferred_spoken_here() {
        assert_eq!(
            Lang::from_accept_language("nl-NL,nl;q=0.9,en-US;q=0.8,en;q=0.7"),
            Some(Lang::Nl)
        );
        assert_eq!(
            Lang::from_accept_language("en-US,en;q=0.9,nl;q=0.8"),
            Some(Lang::En)
        );
        assert_eq!(
            Lang::from_accept_language("de-DE,de;q=0.9,en;q=0.5,nl;q=0.6"),
            Some(Lang::Nl)
        );
        assert_eq!(Lang::from_accept_language("fr,de"), None);
        assert_eq!(
            Lang::from_accept_language("nl;q=0,en;q=0.1"),
            Some(Lang::En)
        );
        assert_eq!(Lang::from_accept_language("nl;q=banana"), None);
        assert_eq!(Lang::from_accept_language(""), None);
        let hostile = "xx,".repeat(100_000) + "nl";
        assert_eq!(Lang::from_accept_language(&hostile), None);
    }
}
