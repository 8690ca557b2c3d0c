//! MTA-STS (RFC 8461): the policy that tells sending mail servers to deliver to a domain only
//! over TLS to the named MX hosts, and the DNS record that announces it.
//!
//! The policy is served at `https://mta-sts.<domain>/.well-known/mta-sts.txt` (the server
//! does that); the `_mta-sts.<domain>` TXT record carries an id that changes whenever the
//! policy text does, so senders know to fetch it again (§3.1).

use serde::{Deserialize, Serialize};

/// Where the policy lives on the `mta-sts.` host (RFC 8461 §3.2).
pub const POLICY_PATH: &str = "/.well-known/mta-sts.txt";

/// Shortest `max_age` accepted: a day, the RFC's advice against policies that expire before
/// a sender's next look (§3.2 recommends weeks).
pub const MIN_MAX_AGE_S: u64 = 86_400;

/// Longest `max_age` the RFC allows (§3.2: 31557600, about a year).
pub const MAX_MAX_AGE_S: u64 = 31_557_600;

/// What senders do when TLS to an MX fails (RFC 8461 §5).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Refuse to deliver without valid TLS to a listed MX.
    Enforce,
    /// Deliver anyway, but report failures (TLS-RPT); the safe way to start.
    #[default]
    Testing,
    /// The domain has no policy any more (to withdraw one that senders have cached).
    None,
}

impl Mode {
    /// The value of the policy's `mode:` field.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Testing => "testing",
            Mode::None => "none",
        }
    }
}

/// `[site.mta_sts]`: the MTA-STS policy of the site's mail domain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MtaStsConfig {
    /// `enforce`, `testing` (the default: failures are only reported) or `none`.
    #[serde(default)]
    pub mode: Mode,
    /// The domain's MX hosts (`mx1.example.nl`, or `*.example.nl` for one label below it);
    /// senders refuse any MX not listed, so this must match the MX records.
    #[serde(default)]
    pub mx: Vec<String>,
    /// Seconds senders may keep the policy (a week by default).
    #[serde(default = "default_max_age_s")]
    pub max_age_s: u64,
}

fn default_max_age_s() -> u64 {
    604_800
}

impl Default for MtaStsConfig {
    fn default() -> Self {
        MtaStsConfig {
            mode: Mode::default(),
            mx: Vec::new(),
            max_age_s: default_max_age_s(),
        }
    }
}

impl MtaStsConfig {
    /// Problems with the settings, as (key, message) pairs under `prefix`.
    pub fn problems(&self, prefix: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if self.mx.is_empty() {
            out.push((
                format!("{prefix}.mx"),
                "list the domain's MX hosts (as in its MX records); senders refuse any other"
                    .into(),
            ));
        }
        for (i, mx) in self.mx.iter().enumerate() {
            if !valid_mx_pattern(mx) {
                out.push((
                    format!("{prefix}.mx[{i}]"),
                    format!(
                        "{mx:?} is not a host name (lower case, no trailing dot; `*.` only as the first label)"
                    ),
                ));
            }
        }
        if !(MIN_MAX_AGE_S..=MAX_MAX_AGE_S).contains(&self.max_age_s) {
            out.push((
                format!("{prefix}.max_age_s"),
                format!("must be between {MIN_MAX_AGE_S} (a day) and {MAX_MAX_AGE_S} (a year)"),
            ));
        }
        out
    }

    /// The policy text for these settings.
    pub fn policy_text(&self) -> String {
        policy_text(self.mode.as_str(), &self.mx, self.max_age_s)
    }
}

/// An MX pattern of RFC 8461 §4.1: a host name, or `*.` and a host name (the wildcard stands
/// for exactly one label). Lower case only, so the policy reads as the DNS does.
pub fn valid_mx_pattern(pattern: &str) -> bool {
    let host = pattern.strip_prefix("*.").unwrap_or(pattern);
    crate::message::valid_domain(host) && !host.bytes().any(|b| b.is_ascii_uppercase())
}

/// The policy text (RFC 8461 §3.2): `version` first, then `mode`, one `mx` per host and
/// `max_age`, each line ended by CRLF.
pub fn policy_text(mode: &str, mx: &[String], max_age_s: u64) -> String {
    let mut text = format!("version: STSv1\r\nmode: {mode}\r\n");
    for host in mx {
        text.push_str(&format!("mx: {host}\r\n"));
    }
    text.push_str(&format!("max_age: {max_age_s}\r\n"));
    text
}

/// A stable id for a policy text: the first 16 hex digits of its SHA-256. It changes whenever
/// the text does, and is 1-32 letters and digits as §3.1 requires.
pub fn policy_id(policy_text: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, policy_text.as_bytes());
    digest
        .as_ref()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The TXT value of `_mta-sts.<domain>` for a policy (RFC 8461 §3.1).
pub fn sts_record(policy_text: &str) -> String {
    format!("v=STSv1; id={}", policy_id(policy_text))
}

/// The host the policy is served on: `mta-sts.<domain>`.
pub fn policy_host(domain: &str) -> String {
    format!("mta-sts.{}", domain.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mx(hosts: &[&str]) -> Vec<String> {
        hosts.iter().map(|h| h.to_string()).collect()
    }

    #[test]
    fn the_policy_text_is_the_rfc_format() {
        let text = policy_text(
            "enforce",
            &mx(&["mx1.delinde.nl", "*.mail.delinde.nl"]),
            604_800,
        );
        assert_eq!(
            text,
            "version: STSv1\r\nmode: enforce\r\nmx: mx1.delinde.nl\r\nmx: *.mail.delinde.nl\r\nmax_age: 604800\r\n"
        );
        // The config gives the same text, testing by default.
        let config = MtaStsConfig {
            mx: mx(&["mx1.delinde.nl"]),
            ..MtaStsConfig::default()
        };
        assert_eq!(
            config.policy_text(),
            "version: STSv1\r\nmode: testing\r\nmx: mx1.delinde.nl\r\nmax_age: 604800\r\n"
        );
    }

    #[test]
    fn the_id_is_stable_and_follows_the_text() {
        let a = policy_text("testing", &mx(&["mx1.delinde.nl"]), 604_800);
        let id = policy_id(&a);
        assert_eq!(id, policy_id(&a.to_string()), "same text, same id");
        assert_eq!(id.len(), 16);
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        // The SHA-256 of the text, so other tools can check it.
        assert_eq!(policy_id(""), "e3b0c44298fc1c14");
        for changed in [
            policy_text("enforce", &mx(&["mx1.delinde.nl"]), 604_800),
            policy_text("testing", &mx(&["mx2.delinde.nl"]), 604_800),
            policy_text("testing", &mx(&["mx1.delinde.nl"]), 86_400),
            policy_text(
                "testing",
                &mx(&["mx1.delinde.nl", "mx2.delinde.nl"]),
                604_800,
            ),
        ] {
            assert_ne!(policy_id(&changed), id, "{changed:?}");
        }
        assert_eq!(sts_record(&a), format!("v=STSv1; id={id}"));
    }

    #[test]
    fn settings_are_checked() {
        let ok = MtaStsConfig {
            mode: Mode::Enforce,
            mx: mx(&["mx1.delinde.nl", "*.delinde.nl"]),
            max_age_s: 86_400,
        };
        assert!(ok.problems("m").is_empty(), "{:?}", ok.problems("m"));
        let none = MtaStsConfig::default();
        assert_eq!(none.problems("m")[0].0, "m.mx");
        let bad = MtaStsConfig {
            mx: mx(&[
                "mx1.delinde.nl.",
                "*",
                "a.*.nl",
                "MX.delinde.nl",
                "mx one.nl",
            ]),
            max_age_s: 3600,
            ..MtaStsConfig::default()
        };
        let keys: Vec<String> = bad.problems("m").into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            [
                "m.mx[0]",
                "m.mx[1]",
                "m.mx[2]",
                "m.mx[3]",
                "m.mx[4]",
                "m.max_age_s"
            ]
        );
        let long = MtaStsConfig {
            max_age_s: MAX_MAX_AGE_S + 1,
            ..ok.clone()
        };
        assert_eq!(long.problems("m")[0].0, "m.max_age_s");
    }

    #[test]
    fn modes_read_as_the_rfc_names_them() {
        #[derive(Deserialize)]
        struct W {
            m: MtaStsConfig,
        }
        let w: W = serde_json::from_str(r#"{"m": {"mode": "enforce", "mx": ["a.nl"]}}"#).unwrap();
        assert_eq!(w.m.mode, Mode::Enforce);
        assert_eq!(w.m.max_age_s, 604_800);
        assert!(serde_json::from_str::<W>(r#"{"m": {"mode": "strict"}}"#).is_err());
        assert_eq!(policy_host("DeLinde.nl"), "mta-sts.delinde.nl");
    }
}
