//! Absolute addresses of a site's pages, for what is read away from the page: canonical links,
//! Open Graph tags, the sitemap and the feed.

/// `https://<host><path>`, with the path percent-encoded where a URL needs it (non-ASCII
/// letters, `"`, `<`, `%`, …) so the result is a valid URL whatever the slug holds. `host` is
/// a site host as the request named it (lower-case, no port); an IPv6 literal gets its
/// brackets back.
pub fn absolute(host: &str, path: &str) -> String {
    let mut out = String::with_capacity(8 + host.len() + path.len() * 2);
    out.push_str("https://");
    if host.contains(':') {
        out.push('[');
        out.push_str(host);
        out.push(']');
    } else {
        out.push_str(host);
    }
    if !path.starts_with('/') {
        out.push('/');
    }
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::absolute;

    #[test]
    fn paths_become_urls() {
        assert_eq!(absolute("example.nl", "/"), "https://example.nl/");
        assert_eq!(
            absolute("example.nl", "/news/spring-market"),
            "https://example.nl/news/spring-market"
        );
        assert_eq!(
            absolute("example.nl", "/café"),
            "https://example.nl/caf%C3%A9"
        );
        assert_eq!(
            absolute("example.nl", "/a\"<b>%"),
            "https://example.nl/a%22%3Cb%3E%25"
        );
        assert_eq!(absolute("::1", "/x"), "https://[::1]/x");
        assert_eq!(absolute("example.nl", "x"), "https://example.nl/x");
    }
}
