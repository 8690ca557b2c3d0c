//! security.txt (RFC 9116): who to tell about a vulnerability in a site, served at
//! `/.well-known/security.txt` on each of its hosts.
//!
//! The required `Expires` is written when the file is served (now plus `expires_days`), so it
//! never goes stale the way a file edited once a year does; `Canonical` names the host asked.

use serde::{Deserialize, Serialize};

/// Where the file lives (RFC 9116 §3).
pub const PATH: &str = "/.well-known/security.txt";

/// The legacy location at the root, which RFC 9116 §3 lets redirect to [`PATH`].
pub const LEGACY_PATH: &str = "/security.txt";

/// Longest `expires_days`: RFC 9116 §2.5.5 advises an `Expires` less than a year away.
pub const MAX_EXPIRES_DAYS: u32 = 365;

/// `[site.security_txt]`: the site's security.txt. Without the table, the contacts are the
/// `mail.alerts_to` addresses and the rest is the default.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityTxtConfig {
    /// Where to report (`mailto:` or `https:` URIs), most preferred first; the
    /// `mail.alerts_to` addresses when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contact: Vec<String>,
    /// `Expires` is this many days after the moment the file is served.
    #[serde(default = "default_expires_days")]
    pub expires_days: u32,
    /// Languages reports may be written in (`Preferred-Languages`, RFC 5646 tags).
    #[serde(default = "default_preferred_languages")]
    pub preferred_languages: String,
    /// `https:` URI of the disclosure policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// `https:` URI of the page thanking reporters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledgments: Option<String>,
    /// URI of the key to encrypt reports with (`https:`, `openpgp4fpr:` or `dns:`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption: Option<String>,
    /// `https:` URI of security job openings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hiring: Option<String>,
}

fn default_expires_days() -> u32 {
    180
}

fn default_preferred_languages() -> String {
    "nl, en".into()
}

impl Default for SecurityTxtConfig {
    fn default() -> Self {
        SecurityTxtConfig {
            contact: Vec::new(),
            expires_days: default_expires_days(),
            preferred_languages: default_preferred_languages(),
            policy: None,
            acknowledgments: None,
            encryption: None,
            hiring: None,
        }
    }
}

/// Why a URI is refused, or `None` if it is one line of printable ASCII with one of
/// `schemes` and something after it.
fn uri_problem(uri: &str, schemes: &[&str]) -> Option<String> {
    // No spaces, no CR/LF or other control characters: one field, one line (RFC 9116 §2.3).
    if uri.is_empty() || !uri.bytes().all(|b| b.is_ascii_graphic()) {
        return Some(format!(
            "{uri:?}: a URI is one line of printable ASCII, without spaces (percent-encode the rest)"
        ));
    }
    let lower = uri.to_ascii_lowercase();
    let Some(scheme) = schemes.iter().find(|s| lower.starts_with(*s)) else {
        return Some(format!("{uri:?}: use a {} URI", schemes.join(" or ")));
    };
    let rest = &uri[scheme.len()..];
    let ok = match *scheme {
        "https:" => rest
            .strip_prefix("//")
            .and_then(|r| r.split(['/', '?', '#']).next())
            .is_some_and(|host| !host.is_empty()),
        "mailto:" => mail::message::check_address("", rest).is_ok(),
        _ => !rest.is_empty(),
    };
    (!ok).then(|| match *scheme {
        "https:" => format!("{uri:?}: write https://host/path"),
        "mailto:" => format!("{uri:?}: write mailto: and one e-mail address"),
        _ => format!("{uri:?}: nothing after {scheme}"),
    })
}

impl SecurityTxtConfig {
    /// Problems with the settings, as (key, message) pairs under `prefix`.
    pub fn problems(&self, prefix: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut push = |k: String, m: String| out.push((format!("{prefix}.{k}"), m));
        for (i, c) in self.contact.iter().enumerate() {
            if let Some(p) = uri_problem(c, &["mailto:", "https:"]) {
                push(format!("contact[{i}]"), p);
            }
        }
        if !(1..=MAX_EXPIRES_DAYS).contains(&self.expires_days) {
            push(
                "expires_days".into(),
                format!(
                    "must be between 1 and {MAX_EXPIRES_DAYS} (RFC 9116 advises less than a year)"
                ),
            );
        }
        let tags: Vec<&str> = self.preferred_languages.split(',').map(str::trim).collect();
        let tag_ok = |t: &&str| {
            (1..=35).contains(&t.len())
                && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !t.starts_with('-')
        };
        if !tags.iter().all(tag_ok) {
            push(
                "preferred_languages".into(),
                format!(
                    "{:?}: list language tags separated by commas, like \"nl, en\"",
                    self.preferred_languages
                ),
            );
        }
        let uris: [(&str, &Option<String>, &[&str]); 4] = [
            ("policy", &self.policy, &["https:"]),
            ("acknowledgments", &self.acknowledgments, &["https:"]),
            (
                "encryption",
                &self.encryption,
                &["https:", "openpgp4fpr:", "dns:"],
            ),
            ("hiring", &self.hiring, &["https:"]),
        ];
        for (key, value, schemes) in uris {
            if let Some(p) = value.as_deref().and_then(|v| uri_problem(v, schemes)) {
                push(key.into(), p);
            }
        }
        out
    }

    /// The settings a site serves: its own table with the contacts settled (its `contact`,
    /// or else `alerts_to` as `mailto:`), or `None` when there is nobody to contact.
    pub fn resolve(table: Option<&SecurityTxtConfig>, alerts_to: &[String]) -> Option<Self> {
        let mut settled = table.cloned().unwrap_or_default();
        if settled.contact.is_empty() {
            settled.contact = alerts_to.iter().map(|a| format!("mailto:{a}")).collect();
        }
        (!settled.contact.is_empty()).then_some(settled)
    }

    /// The file as served on `host` at `now` (Unix seconds): fields in RFC 9116's order,
    /// one per line.
    pub fn text(&self, host: &str, now: i64) -> String {
        let host = if host.contains(':') {
            format!("[{host}]") // an IPv6 literal
        } else {
            host.to_string()
        };
        let expires = now.saturating_add(i64::from(self.expires_days) * 86_400);
        let mut out = String::new();
        let mut field = |name: &str, value: &str| {
            out.push_str(name);
            out.push_str(": ");
            out.push_str(value);
            out.push('\n');
        };
        for c in &self.contact {
            field("Contact", c);
        }
        field("Expires", &crate::date::rfc3339(expires));
        if let Some(e) = &self.encryption {
            field("Encryption", e);
        }
        if let Some(a) = &self.acknowledgments {
            field("Acknowledgments", a);
        }
        field("Preferred-Languages", self.preferred_languages.trim());
        field("Canonical", &format!("https://{host}{PATH}"));
        if let Some(p) = &self.policy {
            field("Policy", p);
        }
        if let Some(h) = &self.hiring {
            field("Hiring", h);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_has_every_field_in_order() {
        let config = SecurityTxtConfig {
            contact: vec![
                "mailto:security@delinde.nl".into(),
                "https://delinde.nl/melden".into(),
            ],
            expires_days: 30,
            policy: Some("https://delinde.nl/beleid".into()),
            acknowledgments: Some("https://delinde.nl/dank".into()),
            encryption: Some("openpgp4fpr:5f2de5521c63a801ab59ccb603d49de44b29100f".into()),
            hiring: Some("https://delinde.nl/vacatures".into()),
            ..SecurityTxtConfig::default()
        };
        // 2026-11-27T14:05:09Z, plus 30 days.
        let text = config.text("www.delinde.nl", 1_795_737_600 + 14 * 3600 + 5 * 60 + 9);
        assert_eq!(
            text,
            "Contact: mailto:security@delinde.nl\n\
             Contact: https://delinde.nl/melden\n\
             Expires: 2026-12-27T14:05:09Z\n\
             Encryption: openpgp4fpr:5f2de5521c63a801ab59ccb603d49de44b29100f\n\
             Acknowledgments: https://delinde.nl/dank\n\
             Preferred-Languages: nl, en\n\
             Canonical: https://www.delinde.nl/.well-known/security.txt\n\
             Policy: https://delinde.nl/beleid\n\
             Hiring: https://delinde.nl/vacatures\n"
        );
        assert!(
            config.problems("s").is_empty(),
            "{:?}",
            config.problems("s")
        );
        let v6 = SecurityTxtConfig::default().text("2001:db8::1", 0);
        assert!(
            v6.contains("Canonical: https://[2001:db8::1]/.well-known/security.txt\n"),
            "{v6}"
        );
        assert!(v6.contains("Expires: 1970-06-30T00:00:00Z\n"), "{v6}");
    }

    #[test]
    fn contacts_fall_back_to_the_alert_addresses() {
        let alerts = ["beheer@agency.nl".to_string()];
        let own = SecurityTxtConfig {
            contact: vec!["mailto:sec@delinde.nl".into()],
            ..SecurityTxtConfig::default()
        };
        let r = SecurityTxtConfig::resolve(Some(&own), &alerts).unwrap();
        assert_eq!(r.contact, ["mailto:sec@delinde.nl"]);
        let r = SecurityTxtConfig::resolve(None, &alerts).unwrap();
        assert_eq!(r.contact, ["mailto:beheer@agency.nl"]);
        assert_eq!(
            (r.expires_days, r.preferred_languages.as_str()),
            (180, "nl, en")
        );
        let days = SecurityTxtConfig {
            expires_days: 7,
            ..SecurityTxtConfig::default()
        };
        let r = SecurityTxtConfig::resolve(Some(&days), &alerts).unwrap();
        assert_eq!((r.contact.len(), r.expires_days), (1, 7));
        assert_eq!(SecurityTxtConfig::resolve(None, &[]), None);
        assert_eq!(SecurityTxtConfig::resolve(Some(&days), &[]), None);
    }

    #[test]
    fn bad_values_are_named() {
        let bad = SecurityTxtConfig {
            contact: vec![
                "security@delinde.nl".into(),
                "http://delinde.nl/melden".into(),
                "mailto:a@b.nl\r\nHiring: https://evil.example".into(),
                "https://".into(),
                "mailto:not an address".into(),
            ],
            expires_days: 0,
            preferred_languages: "nl; en".into(),
            policy: Some("ftp://delinde.nl/beleid".into()),
            acknowledgments: Some("https://delinde.nl/dank\n".into()),
            encryption: Some("http://keys.example/k.asc".into()),
            hiring: Some(String::new()),
        };
        let keys: Vec<String> = bad.problems("s").into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            [
                "s.contact[0]",
                "s.contact[1]",
                "s.contact[2]",
                "s.contact[3]",
                "s.contact[4]",
                "s.expires_days",
                "s.preferred_languages",
                "s.policy",
                "s.acknowledgments",
                "s.encryption",
                "s.hiring",
            ]
        );
        let line_break = &bad.problems("s")[2].1;
        assert!(line_break.contains("one line"), "{line_break}");
        let long = SecurityTxtConfig {
            expires_days: MAX_EXPIRES_DAYS + 1,
            ..SecurityTxtConfig::default()
        };
        assert_eq!(long.problems("s")[0].0, "s.expires_days");
    }
}
