//! Same-origin checks for state-changing requests (defence in depth next to the CSRF token).

/// Whether a state-changing request comes from a page of our own origin.
///
/// Browsers send `Sec-Fetch-Site` (all current ones) and `Origin` (on every POST). A request
/// with `Sec-Fetch-Site` other than `same-origin`, or with an `Origin` whose host is not the
/// request's host, is refused; so is one with neither (not a browser form of ours).
pub fn is_same_origin(origin: Option<&str>, sec_fetch_site: Option<&str>, host: &str) -> bool {
    if sec_fetch_site.is_some_and(|site| site != "same-origin") {
        return false;
    }
    match origin {
        Some(o) => origin_host(o).is_some_and(|h| h.eq_ignore_ascii_case(host)),
        None => sec_fetch_site == Some("same-origin"),
    }
}

/// `https://example.nl:8443` → `example.nl:8443`; `None` for `null` or garbage.
fn origin_host(origin: &str) -> Option<&str> {
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))?;
    (!rest.is_empty() && !rest.contains('/')).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::is_same_origin;

    #[test]
    fn origins() {
        let host = "localhost:8443";
        assert!(is_same_origin(
            Some("https://localhost:8443"),
            Some("same-origin"),
            host
        ));
        assert!(is_same_origin(Some("https://localhost:8443"), None, host));
        assert!(is_same_origin(None, Some("same-origin"), host));
        assert!(!is_same_origin(Some("https://evil.example"), None, host));
        assert!(!is_same_origin(
            Some("https://localhost:8443"),
            Some("cross-site"),
            host
        ));
        assert!(!is_same_origin(Some("null"), None, host));
        assert!(!is_same_origin(None, None, host));
        assert!(!is_same_origin(
            Some("https://localhost:8443.evil.example"),
            None,
            host
        ));
    }
}
