//! DMARC (RFC 7489) judged as internet.nl does — one record, `p=quarantine` or `p=reject` (`sp=`
//! when the record is the organisational domain's) — and, stricter than internet.nl's notice,
//! an aggregate report address (`rua`) that is present and, when it lies outside the domain,
//! authorised by a `<domain>._report._dmarc.<rua host>` record (§7.1).

use serde::{Deserialize, Serialize};

/// A DMARC record's tags, names in lower case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// `tag=value` pairs in order.
    pub tags: Vec<(String, String)>,
}

impl Record {
    /// Parses a record; `None` when it does not start with `v=DMARC1`.
    pub fn parse(text: &str) -> Option<Record> {
        let tags: Vec<(String, String)> = text
            .split(';')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .filter_map(|t| t.split_once('='))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        match tags.first() {
            Some((k, v)) if k == "v" && v.eq_ignore_ascii_case("DMARC1") => Some(Record { tags }),
            _ => None,
        }
    }

    /// The value of `tag`.
    pub fn get(&self, tag: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k == tag)
            .map(|(_, v)| v.as_str())
    }

    /// The hosts of the `rua` mailto: URIs.
    pub fn rua_hosts(&self) -> Vec<String> {
        self.get("rua")
            .map(|v| {
                v.split(',')
                    .filter_map(|u| {
                        let u = u.trim();
                        let addr = u
                            .get(..7)
                            .filter(|p| p.eq_ignore_ascii_case("mailto:"))
                            .map(|_| &u[7..])?;
                        let host = addr.split('!').next()?.rsplit_once('@')?.1;
                        Some(host.trim().trim_end_matches('.').to_ascii_lowercase())
                    })
                    .filter(|h| !h.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The `v=DMARC1` records among TXT values.
pub fn dmarc_records(txt: &[String]) -> Vec<String> {
    txt.iter()
        .filter(|t| Record::parse(t).is_some())
        .cloned()
        .collect()
}

/// What is wrong with the policy (`p=`, or `sp=` for a record found at the organisational
/// domain); `None` when it is quarantine or reject.
pub fn policy_problem(r: &Record, at_org_domain: bool) -> Option<String> {
    let (tag, value) = if at_org_domain {
        match r.get("sp") {
            Some(v) => ("sp", Some(v)),
            None => ("p", r.get("p")),
        }
    } else {
        ("p", r.get("p"))
    };
    match value.map(str::to_ascii_lowercase).as_deref() {
        Some("reject") | Some("quarantine") => None,
        Some("none") => Some(format!(
            "{tag}=none only watches: forged mail is still delivered"
        )),
        Some(other) => Some(format!("{tag}={other} is not a DMARC policy")),
        None => Some("the record has no p= policy".into()),
    }
}

/// The policy a domain's DMARC record asks receivers to apply, kept in the report so the next
/// check can tell when it got weaker: `p=reject` → `p=quarantine` passes both times, yet lets
/// forged mail through to the spam folder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// The domain whose `_dmarc` record applies (the organisational domain's when the domain
    /// has none).
    pub at: String,
    /// `p`, or `sp` for the organisational domain's record that says it.
    pub tag: String,
    /// The value, in lower case (empty when the record has none).
    pub policy: String,
    /// `pct=`: the percentage of failing mail the policy is applied to (100 when absent or
    /// unreadable).
    pub pct: u8,
}

impl Policy {
    /// The policy `r` sets; `at_org_domain` as for [`policy_problem`].
    pub fn of(r: &Record, at: &str, at_org_domain: bool) -> Policy {
        let (tag, value) = match (at_org_domain, r.get("sp")) {
            (true, Some(sp)) => ("sp", Some(sp)),
            _ => ("p", r.get("p")),
        };
        Policy {
            at: at.to_string(),
            tag: tag.to_string(),
            policy: value.unwrap_or_default().to_ascii_lowercase(),
            pct: r
                .get("pct")
                .and_then(|v| v.parse::<u8>().ok())
                .map_or(100, |p| p.min(100)),
        }
    }

    /// reject 2, quarantine 1, anything else (none, unknown, missing) 0.
    fn rank(&self) -> u8 {
        match self.policy.as_str() {
            "reject" => 2,
            "quarantine" => 1,
            _ => 0,
        }
    }

    /// How this policy is weaker than `before`, in words; `None` when it is as strict or
    /// stricter. A lower `pct` counts only for the same quarantine or reject (with `p=none`
    /// it means nothing).
    pub fn weakened_since(&self, before: &Policy) -> Option<String> {
        let shown = |p: &Policy| {
            let policy = if p.policy.is_empty() {
                "no policy".to_string()
            } else {
                format!("{}={}", p.tag, p.policy)
            };
            if p.pct < 100 && p.rank() > 0 {
                format!("{policy}; pct={}", p.pct)
            } else {
                policy
            }
        };
        let weaker = self.rank() < before.rank()
            || (self.rank() == before.rank() && self.rank() > 0 && self.pct < before.pct);
        weaker.then(|| {
            format!(
                "{} at the check before, {} now (_dmarc.{})",
                shown(before),
                shown(self),
                self.at
            )
        })
    }
}

/// Whether `host` lies outside `domain` (neither is the other or below it), so that its
/// reports need the receiving domain's consent. Without the public suffix list this is a
/// close approximation of RFC 7489's organisational domains: sibling subdomains count as
/// outside.
pub fn external(domain: &str, host: &str) -> bool {
    let d = domain.trim_end_matches('.').to_ascii_lowercase();
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    !(h == d || h.ends_with(&format!(".{d}")) || d.ends_with(&format!(".{h}")))
}

/// The name whose TXT record authorises `rua_host` to take `domain`'s reports.
pub fn authorisation_name(domain: &str, rua_host: &str) -> String {
    format!(
        "{}._report._dmarc.{}",
        domain.trim_end_matches('.').to_ascii_lowercase(),
        rua_host
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_and_policies() {
        let r = Record::parse(
            "v=DMARC1; p=reject; rua=mailto:dmarc@example.nl,mailto:x@Reports.EXAMPLE.com!10m",
        )
        .unwrap();
        assert_eq!(policy_problem(&r, false), None);
        assert_eq!(r.rua_hosts(), vec!["example.nl", "reports.example.com"]);
        let none = Record::parse("v=DMARC1; p=none").unwrap();
        assert!(policy_problem(&none, false).unwrap().contains("p=none"));
        let sp = Record::parse("v=DMARC1; p=reject; sp=none").unwrap();
        assert_eq!(policy_problem(&sp, false), None);
        assert!(policy_problem(&sp, true).unwrap().contains("sp=none"));
        assert!(policy_problem(&Record::parse("v=DMARC1").unwrap(), false).is_some());
        assert!(
            Record::parse("p=reject; v=DMARC1").is_none(),
            "v must come first"
        );
        assert!(Record::parse("v=spf1 -all").is_none());
        assert_eq!(
            dmarc_records(&["v=DMARC1; p=none".into(), "x".into()]).len(),
            1
        );
    }

    #[test]
    fn a_weaker_policy_is_told_apart_from_a_stricter_one() {
        let p = |text: &str, org: bool| Policy::of(&Record::parse(text).unwrap(), "x.nl", org);
        let reject = p("v=DMARC1; p=reject", false);
        let quarantine = p("v=DMARC1; p=quarantine", false);
        let none = p("v=DMARC1; p=none", false);
        let half = p("v=DMARC1; p=quarantine; pct=50", false);
        assert_eq!(
            quarantine.weakened_since(&reject).as_deref(),
            Some("p=reject at the check before, p=quarantine now (_dmarc.x.nl)")
        );
        assert!(none.weakened_since(&quarantine).is_some());
        assert!(none.weakened_since(&reject).is_some());
        assert_eq!(
            half.weakened_since(&quarantine).as_deref(),
            Some("p=quarantine at the check before, p=quarantine; pct=50 now (_dmarc.x.nl)")
        );
        for (now, before) in [
            (&reject, &quarantine),
            (&quarantine, &half),
            (&reject, &reject),
            (&quarantine, &none),
        ] {
            assert_eq!(now.weakened_since(before), None, "{now:?} after {before:?}");
        }
        // pct means nothing with p=none; an unreadable pct is 100.
        let none_pct = p("v=DMARC1; p=none; pct=10", false);
        assert_eq!(none_pct.weakened_since(&none), None);
        assert_eq!(p("v=DMARC1; p=reject; pct=x", false).pct, 100);
        assert_eq!(p("v=DMARC1; p=reject; pct=500", false).pct, 100);
        // At the organisational domain sp= applies, and p= when there is none.
        let org = p("v=DMARC1; p=reject; sp=quarantine", true);
        assert_eq!(
            (org.tag.as_str(), org.policy.as_str()),
            ("sp", "quarantine")
        );
        assert!(org.weakened_since(&p("v=DMARC1; p=reject", true)).is_some());
        assert!(
            p("v=DMARC1; p=REJECT", false)
                .weakened_since(&reject)
                .is_none()
        );
    }

    #[test]
    fn external_report_addresses() {
        assert!(!external("example.nl", "example.nl"));
        assert!(!external("example.nl", "dmarc.example.nl"));
        assert!(!external("shop.example.nl", "example.nl"));
        assert!(external("example.nl", "reports.provider.com"));
        assert!(external("example.nl", "badexample.nl"));
        assert_eq!(
            authorisation_name("Example.nl.", "provider.com"),
            "example.nl._report._dmarc.provider.com"
        );
    }
}
