//! Search-engine crawlers that may be exempt from 404 bans, and the host names their
//! addresses must reverse-resolve to (as Google and Bing document the check: reverse DNS to
//! one of their domains, then forward DNS of that name back to the same address).
//!
//! Only the claim and the names are decided here; the DNS lookups happen in the server.

/// A crawler whose claim can be verified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Crawler {
    /// Googlebot and Google's other crawlers.
    Google,
    /// Bingbot.
    Bing,
}

impl Crawler {
    /// Name for logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Crawler::Google => "Googlebot",
            Crawler::Bing => "Bingbot",
        }
    }

    /// Whether `host` (from a PTR record, a trailing dot allowed) is one of the crawler's own
    /// names. `googleusercontent.com` is left out on purpose: anyone's cloud machine has such
    /// a name.
    pub fn owns(self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let domains: &[&str] = match self {
            Crawler::Google => &["googlebot.com", "google.com"],
            Crawler::Bing => &["search.msn.com"],
        };
        domains.iter().any(|d| {
            host.len() > d.len()
                && host.ends_with(d)
                && host.as_bytes()[host.len() - d.len() - 1] == b'.'
        })
    }
}

/// The crawler a `User-Agent` claims to be, if any.
pub fn claimed(user_agent: &str) -> Option<Crawler> {
    let ua = user_agent.to_ascii_lowercase();
    if ua.contains("googlebot")
        || ua.contains("google-inspectiontool")
        || ua.contains("storebot-google")
    {
        Some(Crawler::Google)
    } else if ua.contains("bingbot") || ua.contains("adidxbot") || ua.contains("bingpreview") {
        Some(Crawler::Bing)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_are_read_from_the_user_agent() {
        assert_eq!(
            claimed("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"),
            Some(Crawler::Google)
        );
        assert_eq!(
            claimed("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"),
            Some(Crawler::Bing)
        );
        assert_eq!(
            claimed("Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"),
            None
        );
    }

    #[test]
    fn only_the_crawlers_own_domains_count() {
        assert!(Crawler::Google.owns("crawl-66-249-66-1.googlebot.com."));
        assert!(Crawler::Google.owns("rate-limited-proxy-66-249-90-77.google.com"));
        assert!(Crawler::Bing.owns("msnbot-157-55-39-1.search.msn.com."));
        assert!(
            !Crawler::Google.owns("googlebot.com"),
            "the bare domain is no crawler"
        );
        assert!(!Crawler::Google.owns("crawl-1.googlebot.com.evil.example"));
        assert!(!Crawler::Google.owns("evilgooglebot.com"));
        assert!(!Crawler::Google.owns("x.bc.googleusercontent.com"));
        assert!(!Crawler::Bing.owns("crawl-1.googlebot.com"));
    }
}
