//! The mail authentication subtests (DMARC, DKIM, SPF) and the mail server list (MX, Null MX),
//! judged from what the DNS answered.

use std::collections::BTreeMap;

use crate::catalogue::mail;
use crate::dmarc::{self, Record};
use crate::report::Subtest;
use crate::spf;

/// TXT values at a name, or why the DNS did not say.
pub type Txt = Result<Vec<String>, String>;

/// What the DNS said about the MX of the domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mx {
    /// The DNS did not answer.
    Error(String),
    /// The domain does not exist.
    NoDomain,
    /// The MX records: (preference, exchange without the final dot; empty for the root).
    Records(Vec<(u16, String)>),
}

/// How the domain takes mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MailServers {
    /// These hosts, best first.
    Hosts(Vec<String>),
    /// A Null MX (RFC 7505): it takes no mail.
    NullMx,
    /// No MX at all.
    None,
}

/// `mail.mx`, and the mail servers to test.
pub fn mx(domain: &str, m: &Mx) -> (Subtest, MailServers) {
    let spec = mail::MX;
    match m {
        Mx::Error(e) => (
            spec.not_tested(format!("the MX records could not be looked up: {e}")),
            MailServers::None,
        ),
        Mx::NoDomain => (
            spec.note(
                format!("{domain} does not exist in the DNS"),
                "Check the domain name, and that its zone is published.",
            ),
            MailServers::None,
        ),
        Mx::Records(r) if r.is_empty() => (
            spec.note(
                format!("{domain} has no MX records"),
                format!("Publish MX records for the mail servers, or a Null MX (`{domain}. MX 0 .`) if the domain takes no mail."),
            ),
            MailServers::None,
        ),
        Mx::Records(r) => {
            let null = r.iter().any(|(_, h)| h.is_empty());
            let details: Vec<String> = r
                .iter()
                .map(|(p, h)| format!("MX {p} {}", if h.is_empty() { "." } else { h }))
                .collect();
            if null && r.len() == 1 {
                if r[0].0 != 0 {
                    return (
                        spec.bad(
                            "a Null MX with a preference other than 0",
                            format!("Write the Null MX as `{domain}. MX 0 .` (RFC 7505)."),
                        )
                        .with_details(details),
                        MailServers::NullMx,
                    );
                }
                return (
                    spec.pass("a Null MX (RFC 7505): the domain takes no mail")
                        .with_details(details),
                    MailServers::NullMx,
                );
            }
            if null {
                let hosts: Vec<String> =
                    r.iter().filter(|(_, h)| !h.is_empty()).map(|(_, h)| h.clone()).collect();
                return (
                    spec.phase_out(
                        "a Null MX next to other MX records, which makes no sense",
                        "Remove the Null MX (`MX 0 .`) if the domain takes mail, or the other MX records if it does not.",
                    )
                    .with_details(details),
                    MailServers::Hosts(hosts),
                );
            }
            let mut sorted = r.clone();
            sorted.sort();
            let hosts: Vec<String> = sorted.into_iter().map(|(_, h)| h).collect();
            (
                spec.pass(format!("mail servers: {}", hosts.join(", "))).with_details(details),
                MailServers::Hosts(hosts),
            )
        }
    }
}

/// What the DNS said about DMARC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DmarcFacts {
    /// TXT at `_dmarc.<domain>`.
    pub own: Txt,
    /// When there is none: the organisational domain and its TXT at `_dmarc.`.
    pub org: Option<(String, Txt)>,
    /// TXT at each external `rua` host's authorisation name.
    pub authorisations: BTreeMap<String, Txt>,
}

/// Where the DMARC record that applies lives, its TXT, and whether that is the organisational
/// domain's (the domain has none of its own).
fn applying(domain: &str, f: &DmarcFacts) -> (String, Txt, bool) {
    match (&f.own, &f.org) {
        (Ok(t), _) if !dmarc::dmarc_records(t).is_empty() => {
            (domain.to_string(), f.own.clone(), false)
        }
        (Ok(_), Some((org, t))) => (org.clone(), t.clone(), true),
        _ => (domain.to_string(), f.own.clone(), false),
    }
}

/// The policy of the one DMARC record that applies; `None` without exactly one readable record
/// (which `mail.auth.dmarc` already fails).
pub fn dmarc_policy(domain: &str, f: &DmarcFacts) -> Option<dmarc::Policy> {
    let (at, txt, at_org) = applying(domain, f);
    let records = dmarc::dmarc_records(txt.as_ref().ok()?);
    let [record] = records.as_slice() else {
        return None;
    };
    Record::parse(record).map(|r| dmarc::Policy::of(&r, &at, at_org))
}

/// `mail.auth.dmarc`, `-policy`, `-rua`.
pub fn dmarc(domain: &str, f: &DmarcFacts) -> Vec<Subtest> {
    let fix_publish = format!(
        "Publish `_dmarc.{domain}. TXT \"v=DMARC1; p=reject; rua=mailto:dmarc@{domain}\"` (Bolwerk's `mail records` shows it)."
    );
    let (at, txt, at_org) = applying(domain, f);
    let records = match &txt {
        Err(e) => {
            return vec![
                mail::DMARC.bad(
                    format!("the DMARC record could not be looked up: {e}"),
                    fix_publish,
                ),
                mail::DMARC_POLICY.not_tested("no DMARC record"),
                mail::DMARC_RUA.not_tested("no DMARC record"),
            ];
        }
        Ok(t) => dmarc::dmarc_records(t),
    };
    let record = match records.as_slice() {
        [] => {
            return vec![
                mail::DMARC.bad(format!("no DMARC record at _dmarc.{domain}"), fix_publish),
                mail::DMARC_POLICY.not_tested("no DMARC record"),
                mail::DMARC_RUA.not_tested("no DMARC record"),
            ];
        }
        [one] => one.clone(),
        _ => {
            return vec![
                mail::DMARC
                    .bad(
                        format!(
                            "{} DMARC records at _dmarc.{at}: receivers then ignore DMARC",
                            records.len()
                        ),
                        "Keep exactly one v=DMARC1 record.",
                    )
                    .with_details(records.clone()),
                mail::DMARC_POLICY.not_tested("more than one DMARC record"),
                mail::DMARC_RUA.not_tested("more than one DMARC record"),
            ];
        }
    };
    let mut out = vec![
        mail::DMARC
            .pass(if at_org {
                format!("no record at _dmarc.{domain}; the organisational domain's at _dmarc.{at} applies")
            } else {
                format!("DMARC record at _dmarc.{at}")
            })
            .with_details(vec![record.clone()]),
    ];
    let Some(parsed) = Record::parse(&record) else {
        out.push(mail::DMARC_POLICY.not_tested("unreadable record"));
        out.push(mail::DMARC_RUA.not_tested("unreadable record"));
        return out;
    };
    out.push(match dmarc::policy_problem(&parsed, at_org) {
        None => mail::DMARC_POLICY.pass(format!(
            "p={}{}",
            parsed.get("p").unwrap_or_default(),
            parsed.get("sp").map(|s| format!(", sp={s}")).unwrap_or_default()
        )),
        Some(why) => mail::DMARC_POLICY.bad(
            why,
            "Set p=quarantine, then p=reject once the DMARC reports show only your own servers sending (Bolwerk shows them under DMARC reports).",
        ),
    });
    let hosts = parsed.rua_hosts();
    if hosts.is_empty() {
        out.push(mail::DMARC_RUA.bad(
            "no rua: nobody sends you aggregate reports, so forgery and your own misconfigured senders go unseen",
            format!("Add rua=mailto:dmarc@{domain} to the DMARC record and let Bolwerk read that mailbox ([mail.dmarc_imap])."),
        ));
        return out;
    }
    let mut unauthorised = Vec::new();
    let mut details = Vec::new();
    for host in &hosts {
        if !dmarc::external(&at, host) {
            details.push(format!("{host}: inside {at}"));
            continue;
        }
        let name = dmarc::authorisation_name(&at, host);
        let ok = match f.authorisations.get(host) {
            Some(Ok(t)) => !dmarc::dmarc_records(t).is_empty(),
            _ => false,
        };
        details.push(format!(
            "{host}: {name} {}",
            if ok {
                "authorises it"
            } else {
                "has no v=DMARC1 record"
            }
        ));
        if !ok {
            unauthorised.push(name);
        }
    }
    out.push(if unauthorised.is_empty() {
        mail::DMARC_RUA
            .pass(format!("reports go to {}", hosts.join(", ")))
            .with_details(details)
    } else {
        mail::DMARC_RUA
            .bad(
                format!("report addresses outside the domain are not authorised: {} is missing", unauthorised.join(", ")),
                format!("Ask the report receiver to publish `{} TXT \"v=DMARC1\"`, or send reports to an address in {at}.", unauthorised[0]),
            )
            .with_details(details)
    });
    out
}

/// What the DNS said about SPF.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpfFacts {
    /// TXT at the domain.
    pub own: Txt,
    /// Every include and redirect target's SPF records.
    pub fetched: BTreeMap<String, spf::Fetched>,
}

/// `mail.auth.spf`, `-policy`.
pub fn spf(domain: &str, f: &SpfFacts) -> Vec<Subtest> {
    let fix = format!(
        "Publish one record `{domain}. TXT \"v=spf1 mx -all\"` listing the servers that send your mail (`bolwerk mail records` shows Bolwerk's)."
    );
    let records = match &f.own {
        Err(e) => {
            return vec![
                mail::SPF.bad(format!("the SPF record could not be looked up: {e}"), fix),
                mail::SPF_POLICY.not_tested("no SPF record"),
            ];
        }
        Ok(t) => spf::spf_records(t),
    };
    let record = match records.as_slice() {
        [] => {
            return vec![
                mail::SPF.bad(format!("no SPF record at {domain}"), fix),
                mail::SPF_POLICY.not_tested("no SPF record"),
            ];
        }
        [one] => one.clone(),
        _ => {
            return vec![
                mail::SPF
                    .bad(
                        format!(
                            "{} SPF records: receivers then ignore SPF (permerror)",
                            records.len()
                        ),
                        "Merge them into one v=spf1 record.",
                    )
                    .with_details(records.clone()),
                mail::SPF_POLICY.not_tested("more than one SPF record"),
            ];
        }
    };
    let e = spf::evaluate(domain, &record, &f.fetched);
    let mut details = e.walked.clone();
    details.push(format!("{} DNS lookups", e.lookups));
    vec![
        mail::SPF.pass(format!("SPF record: {record}")),
        if e.problems.is_empty() {
            mail::SPF_POLICY
                .pass(format!(
                    "ends in {}, {} of at most {} DNS lookups",
                    e.all.as_deref().unwrap_or("a redirect"),
                    e.lookups,
                    spf::MAX_LOOKUPS
                ))
                .with_details(details)
        } else {
            let fix = if e.lookups > spf::MAX_LOOKUPS {
                "Cut the lookups to 10 or fewer: replace includes by ip4:/ip6: ranges, or drop senders you no longer use."
            } else if e.problems.iter().any(|p| p.contains("all")) {
                "End the record in -all (or ~all while testing) so receivers refuse other senders."
            } else {
                "Fix or remove the includes and redirects that point at domains without exactly one SPF record."
            };
            mail::SPF_POLICY
                .bad(e.problems.join("; "), fix)
                .with_details(details)
        },
    ]
}

/// DKIM keys to look for: the selectors Bolwerk signs with, and the value each should have.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DkimWanted {
    /// (selector, the TXT value it should have if known).
    pub selectors: Vec<(String, Option<String>)>,
}

/// What the DNS said about DKIM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DkimFacts {
    /// TXT at each wanted `<selector>._domainkey.<domain>`.
    pub selectors: Vec<(String, Option<String>, Txt)>,
    /// Whether `_domainkey.<domain>` exists (internet.nl's test): `Ok(true)` NOERROR,
    /// `Ok(false)` NXDOMAIN.
    pub domainkey: Result<bool, String>,
}

fn p_value(txt: &str) -> Option<String> {
    txt.split(';')
        .filter_map(|t| t.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("p"))
        .map(|(_, v)| v.split_whitespace().collect())
}

/// `mail.auth.dkim`. `non_sending`: SPF is `v=spf1 -all` and DMARC rejects, so a domain without
/// DKIM simply sends no mail (internet.nl passes it then).
pub fn dkim(domain: &str, f: &DkimFacts, non_sending: bool) -> Subtest {
    let spec = mail::DKIM;
    if f.selectors.is_empty() {
        return match &f.domainkey {
            Ok(true) => spec.pass(format!(
                "_domainkey.{domain} exists, so DKIM keys are published (name the selectors with --dkim-selector or --config to check them)"
            )),
            _ if non_sending => spec.pass("no DKIM, but SPF and DMARC say this domain sends no mail"),
            Ok(false) => spec.bad(
                format!("no DKIM keys: _domainkey.{domain} does not exist"),
                "Publish the DKIM key records of the domain (`bolwerk dkim records`, or `bolwerk dns apply`).",
            ),
            Err(e) => spec.bad(
                format!("_domainkey.{domain} could not be looked up: {e}"),
                "Publish the DKIM key records of the domain (`bolwerk dkim records`).",
            ),
        };
    }
    let mut bad = Vec::new();
    let mut details = Vec::new();
    for (selector, wanted, txt) in &f.selectors {
        let name = format!("{selector}._domainkey.{domain}");
        let keys: Vec<&String> = match txt {
            Ok(t) => t.iter().filter(|v| p_value(v).is_some()).collect(),
            Err(e) => {
                bad.push(format!("{name}: {e}"));
                continue;
            }
        };
        match keys.as_slice() {
            [] => bad.push(format!("{name}: not published")),
            [one] => {
                let p = p_value(one).unwrap_or_default();
                if p.is_empty() {
                    bad.push(format!("{name}: p= is empty (the key is revoked)"));
                } else if let Some(w) = wanted
                    && p_value(w).is_some_and(|wp| wp != p)
                {
                    bad.push(format!("{name}: a different key than Bolwerk signs with"));
                } else {
                    details.push(format!("{name}: published"));
                }
            }
            _ => bad.push(format!("{name}: more than one record")),
        }
    }
    details.extend(bad.iter().cloned());
    if bad.is_empty() {
        spec.pass(format!(
            "every DKIM key is published ({} selectors)",
            f.selectors.len()
        ))
        .with_details(details)
    } else {
        spec.bad(
            format!("DKIM: {}", bad.join("; ")),
            "Publish the records `bolwerk dkim records` prints, exactly (or let `bolwerk dns apply` do it).",
        )
        .with_details(details)
    }
}

/// Whether SPF and DMARC together say the domain sends no mail.
pub fn non_sending(spf_txt: &Txt, dmarc: &DmarcFacts) -> bool {
    let spf_none = spf_txt.as_ref().is_ok_and(|t| {
        let r = spf::spf_records(t);
        r.len() == 1 && r[0].split_ascii_whitespace().collect::<Vec<_>>() == ["v=spf1", "-all"]
    });
    let reject = dmarc.own.as_ref().is_ok_and(|t| {
        dmarc::dmarc_records(t)
            .first()
            .and_then(|r| Record::parse(r))
            .is_some_and(|r| r.get("p").is_some_and(|p| p.eq_ignore_ascii_case("reject")))
    });
    spf_none && reject
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Status;

    fn txt(v: &[&str]) -> Txt {
        Ok(v.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn dmarc_none_fails_with_the_fix() {
        let f = DmarcFacts {
            own: txt(&["v=DMARC1; p=none; rua=mailto:d@example.nl"]),
            org: None,
            authorisations: BTreeMap::new(),
        };
        let out = dmarc("example.nl", &f);
        assert_eq!(out[0].status, Status::Pass);
        assert_eq!(out[1].status, Status::Fail);
        assert!(out[1].found.contains("p=none"));
        assert!(out[1].fix.as_deref().unwrap().contains("p=quarantine"));
        assert_eq!(out[2].status, Status::Pass);
    }

    #[test]
    fn external_rua_needs_authorisation() {
        let mut f = DmarcFacts {
            own: txt(&["v=DMARC1; p=reject; rua=mailto:d@reports.example.com"]),
            org: None,
            authorisations: BTreeMap::new(),
        };
        let out = dmarc("example.nl", &f);
        assert_eq!(out[2].status, Status::Fail);
        assert!(
            out[2]
                .found
                .contains("example.nl._report._dmarc.reports.example.com"),
            "{:?}",
            out[2]
        );
        f.authorisations
            .insert("reports.example.com".into(), txt(&["v=DMARC1"]));
        assert_eq!(dmarc("example.nl", &f)[2].status, Status::Pass);
        let no_rua = DmarcFacts {
            own: txt(&["v=DMARC1; p=reject"]),
            org: None,
            authorisations: BTreeMap::new(),
        };
        assert_eq!(dmarc("example.nl", &no_rua)[2].status, Status::Fail);
        let org = DmarcFacts {
            own: txt(&[]),
            org: Some(("example.nl".into(), txt(&["v=DMARC1; p=reject; sp=none"]))),
            authorisations: BTreeMap::new(),
        };
        let out = dmarc("shop.example.nl", &org);
        assert_eq!(out[0].status, Status::Pass);
        assert!(out[1].found.contains("sp=none"));
        let policy = dmarc_policy("shop.example.nl", &org).unwrap();
        assert_eq!(
            (
                policy.at.as_str(),
                policy.tag.as_str(),
                policy.policy.as_str()
            ),
            ("example.nl", "sp", "none")
        );
        assert_eq!(
            dmarc_policy("example.nl", &no_rua).unwrap().policy,
            "reject"
        );
        let two = DmarcFacts {
            own: txt(&["v=DMARC1; p=reject", "v=DMARC1; p=none"]),
            org: None,
            authorisations: BTreeMap::new(),
        };
        assert_eq!(dmarc_policy("example.nl", &two), None);
    }

    #[test]
    fn mx_and_null_mx() {
        let (s, m) = mx(
            "x.nl",
            &Mx::Records(vec![(20, "b.x.nl".into()), (10, "a.x.nl".into())]),
        );
        assert_eq!(s.status, Status::Pass);
        assert_eq!(
            m,
            MailServers::Hosts(vec!["a.x.nl".into(), "b.x.nl".into()])
        );
        let (s, m) = mx("x.nl", &Mx::Records(vec![(0, String::new())]));
        assert_eq!((s.status, m), (Status::Pass, MailServers::NullMx));
        let (s, _) = mx(
            "x.nl",
            &Mx::Records(vec![(0, String::new()), (10, "a.x.nl".into())]),
        );
        assert_eq!(s.status, Status::Warning);
        let (s, m) = mx("x.nl", &Mx::Records(vec![]));
        assert_eq!((s.status, m), (Status::Info, MailServers::None));
        assert!(s.fix.unwrap().contains("MX 0 ."));
    }

    #[test]
    fn dkim_by_selector_or_by_existence() {
        let want = "v=DKIM1; k=rsa; p=ABC";
        let f = DkimFacts {
            selectors: vec![
                ("s1-rsa".into(), Some(want.into()), txt(&[want])),
                ("s1-ed25519".into(), None, txt(&[])),
            ],
            domainkey: Ok(true),
        };
        let s = dkim("x.nl", &f, false);
        assert_eq!(s.status, Status::Fail);
        assert!(
            s.found
                .contains("s1-ed25519._domainkey.x.nl: not published"),
            "{s:?}"
        );
        let other = DkimFacts {
            selectors: vec![("s1-rsa".into(), Some(want.into()), txt(&["v=DKIM1; p=XYZ"]))],
            domainkey: Ok(true),
        };
        assert!(dkim("x.nl", &other, false).found.contains("different key"));
        let none = DkimFacts {
            selectors: vec![],
            domainkey: Ok(false),
        };
        assert_eq!(dkim("x.nl", &none, false).status, Status::Fail);
        assert_eq!(dkim("x.nl", &none, true).status, Status::Pass);
        let exists = DkimFacts {
            selectors: vec![],
            domainkey: Ok(true),
        };
        assert_eq!(dkim("x.nl", &exists, false).status, Status::Pass);
    }

    #[test]
    fn spf_subtests() {
        let f = SpfFacts {
            own: txt(&["v=spf1 mx -all", "google-site-verification=x"]),
            fetched: BTreeMap::new(),
        };
        let out = spf("x.nl", &f);
        assert_eq!((out[0].status, out[1].status), (Status::Pass, Status::Pass));
        let two = SpfFacts {
            own: txt(&["v=spf1 -all", "v=spf1 mx -all"]),
            fetched: BTreeMap::new(),
        };
        assert_eq!(spf("x.nl", &two)[0].status, Status::Fail);
        let none = SpfFacts {
            own: txt(&[]),
            fetched: BTreeMap::new(),
        };
        assert_eq!(spf("x.nl", &none)[0].status, Status::Fail);
    }
}
