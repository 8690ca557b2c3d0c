//! `/robots.txt` (RFC 9309): what crawlers may fetch, and where the sitemap is.
//!
//! The default names nothing to keep out. In particular it does not list the admin path:
//! robots.txt is the first file every scanner reads, and a configurable admin path only helps
//! while it is not published; the admin keeps itself out of search results with
//! `X-Robots-Tag: noindex` instead.

/// Where robots.txt is served (RFC 9309 §2.3), on every host of every site.
pub const PATH: &str = "/robots.txt";

/// Longest override, in bytes. Google reads the first 500 KiB; a hand-written file for one
/// site is a few lines.
pub const MAX_LEN: usize = 32 * 1024;

/// The robots.txt for `host`: the site's own text when it has one, else everything allowed;
/// either way with a `Sitemap:` line pointing to this host's sitemap unless the text has one.
pub fn text(custom: Option<&str>, host: &str) -> String {
    let mut out = match custom {
        Some(t) => t.trim_end().to_string() + "\n",
        None => "User-agent: *\nAllow: /\n".to_string(),
    };
    let has_sitemap = out
        .lines()
        .any(|l| field(l).is_some_and(|f| f.eq_ignore_ascii_case("sitemap")));
    if !has_sitemap {
        out.push_str("Sitemap: ");
        out.push_str(&crate::url::absolute(host, crate::sitemap::PATH));
        out.push('\n');
    }
    out
}

/// The field name of a `name: value` line; `None` for comments, blank lines and anything else.
fn field(line: &str) -> Option<&str> {
    let line = line.trim();
    if line.starts_with('#') {
        return None;
    }
    let (name, _) = line.split_once(':')?;
    let name = name.trim();
    (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphabetic() || c == '-')).then_some(name)
}

/// What is wrong with an override, one message per problem (empty when it can be served):
/// too long, control characters, or a line that is neither a comment nor `field: value`
/// (HTML pasted by mistake, a lost line break).
pub fn problems(custom: &str) -> Vec<String> {
    let mut out = Vec::new();
    if custom.len() > MAX_LEN {
        out.push(format!("longer than {MAX_LEN} bytes"));
    }
    if custom.trim().is_empty() {
        out.push("is empty: leave it out for the default (everything allowed)".into());
    }
    if custom
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        out.push("contains control characters".into());
    }
    for (i, line) in custom.lines().enumerate() {
        let line = line.trim();
        if !line.is_empty() && !line.starts_with('#') && field(line).is_none() {
            out.push(format!(
                "line {}: {line:?} is neither a comment (#) nor a \"field: value\" line",
                i + 1
            ));
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_allows_everything_and_names_the_sitemap() {
        assert_eq!(
            text(None, "example.nl"),
            "User-agent: *\nAllow: /\nSitemap: https://example.nl/sitemap.xml\n"
        );
    }

    #[test]
    fn an_override_gets_the_sitemap_line_unless_it_has_one() {
        assert_eq!(
            text(Some("User-agent: *\nDisallow: /private\n\n"), "a.example"),
            "User-agent: *\nDisallow: /private\nSitemap: https://a.example/sitemap.xml\n"
        );
        let own = "User-agent: *\nDisallow:\nsitemap: https://b.example/map.xml";
        assert_eq!(text(Some(own), "a.example"), format!("{own}\n"));
        // A commented-out Sitemap line is not one.
        assert!(
            text(Some("# Sitemap: x\nUser-agent: *"), "a.example")
                .contains("a.example/sitemap.xml")
        );
    }

    #[test]
    fn overrides_are_checked() {
        assert!(problems("User-agent: *\n# comment\n\nDisallow: /x\r\nCrawl-delay: 5").is_empty());
        assert_eq!(problems("  ").len(), 1);
        assert_eq!(problems("User-agent: *\u{0}").len(), 1);
        let html = problems("User-agent: *\n<html>");
        assert_eq!(html.len(), 1);
        assert!(html[0].starts_with("line 2:"), "{html:?}");
        assert!(!problems(&"Disallow: /x\n".repeat(4000)).is_empty());
    }
}
