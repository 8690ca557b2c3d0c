//! DMARC (RFC 7489) judged as internet.nl does — one record, `p=quarantine` or `p=reject` (`sp=`
//! when the record is the organisational domain's) — and, stricter than internet.nl's notice,
//! an aggregate report address (`rua`) that is present and, when it lies outside the domain,
//! authorised by a `<domain>._report._dmarc.<rua host>` record (§7.1).

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
