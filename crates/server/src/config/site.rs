//! What a site's settings imply: its language and clock, mail domain and certificate names.

use super::SiteConfig;

/// What is wrong with a `lang` and `timezone` pair under `section` (`admin`, `site[0]`).
pub(super) fn locale_problems(section: &str, lang: &str, tz: &str) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    if i18n::Lang::parse(lang).is_none() {
        problems.push((
            format!("{section}.lang"),
            format!("{lang:?}: \"nl\" (Dutch) or \"en\" (English)"),
        ));
    }
    if let Err(e) = i18n::format::zone(tz) {
        problems.push((format!("{section}.timezone"), e));
    }
    problems
}

impl SiteConfig {
    /// The site's language (checked when the config is loaded).
    pub fn lang(&self) -> i18n::Lang {
        i18n::Lang::parse(&self.lang).unwrap_or_default()
    }

    /// The site's time zone (checked when the config is loaded; UTC if it somehow is not).
    pub fn time_zone(&self) -> i18n::TimeZone {
        i18n::format::zone(&self.timezone).unwrap_or(i18n::TimeZone::UTC)
    }

    /// The domain the site's mail is sent for: `mail_domain`, or the first host name that is
    /// a domain, without `www.`.
    pub fn mail_domain(&self) -> Option<String> {
        if let Some(d) = &self.mail_domain {
            return Some(d.to_ascii_lowercase());
        }
        self.hosts
            .iter()
            .map(|h| h.strip_prefix("www.").unwrap_or(h).to_ascii_lowercase())
            .find(|h| mail::message::valid_domain(h) && h.parse::<std::net::IpAddr>().is_err())
    }

    /// `mta-sts.<mail domain>` when the site has an MTA-STS policy: the host it is served on.
    pub fn mta_sts_host(&self) -> Option<String> {
        self.mta_sts.as_ref()?;
        Some(mail::mta_sts::policy_host(&self.mail_domain()?))
    }

    /// The names to ask the ACME CA for: [`SiteConfig::tls_names`], or with `tls_wildcard`
    /// the domain and `*.<domain>` in place of the names one label under it.
    pub fn acme_names(&self) -> Vec<String> {
        let names = self.tls_names();
        let Some(domain) = self.mail_domain().filter(|_| self.tls_wildcard) else {
            return names;
        };
        let suffix = format!(".{domain}");
        let mut out = vec![domain.clone(), format!("*.{domain}")];
        for n in names {
            let under_one = n
                .strip_suffix(&suffix)
                .is_some_and(|label| !label.is_empty() && !label.contains('.'));
            if n != domain && !under_one && !out.contains(&n) {
                out.push(n);
            }
        }
        out
    }

    /// Every name the site's certificate must cover (SNI, ACME): its hosts, and the MTA-STS
    /// host, which senders only fetch over HTTPS with a valid certificate (RFC 8461 §3.3).
    pub fn tls_names(&self) -> Vec<String> {
        let mut names = self.hosts.clone();
        if let Some(h) = self.mta_sts_host().filter(|h| !names.contains(h)) {
            names.push(h);
        }
        names
    }
}

#[cfg(test)]
mod tests {
    use super::locale_problems;

    #[test]
    fn a_language_or_zone_we_do_not_know_is_named_with_its_key() {
        assert!(locale_problems("admin", "nl", "Europe/Amsterdam").is_empty());
        assert!(locale_problems("site[0]", "en", "UTC").is_empty());
        let p = locale_problems("site[1]", "de", "Mars/Olympus");
        let keys: Vec<&str> = p.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["site[1].lang", "site[1].timezone"]);
        assert!(p[0].1.contains("\"de\""), "{p:?}");
    }
}
