//! The DNS records a domain needs so that receivers can trust its mail, and how a published
//! record differs from the one it should be, in plain words.
//!
//! - SPF names the machines that may send for the domain: the relay Bolwerk hands mail to, or
//!   this server when it sends itself.
//! - DKIM publishes the public keys of the key sets ([`crate::dkim`]).
//! - DMARC tells receivers to reject mail that passes neither, and where to send reports.
//! - MTA-STS and TLS-RPT tell senders to deliver to the domain only over TLS, and where to
//!   report when they cannot ([`crate::mta_sts`]).

use serde::Serialize;

/// One record to publish.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Wanted {
    /// `SPF`, `DKIM`, `DMARC`, `MTA-STS` or `TLSRPT`.
    pub kind: &'static str,
    /// Full name, e.g. `_dmarc.example.nl`.
    pub name: String,
    /// The TXT value.
    pub value: String,
    /// Why this value, in one sentence.
    pub why: String,
}

/// The SPF record for mail sent through `relay` (`host:port`), or by this server itself
/// (`relay` on loopback or absent) whose sites answer at `site_host`.
pub fn spf(domain: &str, relay: Option<&str>, site_host: &str) -> Wanted {
    let relay_host = relay
        .and_then(|r| r.rsplit_once(':').map(|(h, _)| h))
        .map(|h| h.trim_start_matches('[').trim_end_matches(']'))
        .filter(|h| {
            *h != "localhost"
                && h.parse::<std::net::IpAddr>()
                    .map(|ip| !ip.is_loopback())
                    .unwrap_or(true)
        });
    let (mechanism, why) = match relay_host {
        Some(h) if h.parse::<std::net::IpAddr>().is_ok() => (
            if h.contains(':') {
                format!("ip6:{h}")
            } else {
                format!("ip4:{h}")
            },
            format!("Mail leaves through the relay at {h}; nothing else may send as {domain}."),
        ),
        Some(h) => (
            format!("a:{h}"),
            format!(
                "Mail leaves through the relay {h}; nothing else may send as {domain}. If your mail provider publishes its own SPF include (such as include:_spf.provider.nl), use that instead of a:{h}."
            ),
        ),
        None => (
            format!("a:{site_host}"),
            format!(
                "Mail leaves from this server (the address {site_host} points to); nothing else may send as {domain}."
            ),
        ),
    };
    Wanted {
        kind: "SPF",
        name: domain.to_string(),
        value: format!("v=spf1 {mechanism} -all"),
        why,
    }
}

/// The DMARC record: reject what fails, reports to `rua`.
pub fn dmarc(domain: &str, rua: &str) -> Wanted {
    Wanted {
        kind: "DMARC",
        name: format!("_dmarc.{domain}"),
        value: format!("v=DMARC1; p=reject; rua=mailto:{rua}; adkim=s; aspf=s"),
        why: format!(
            "Receivers reject mail claiming to be from {domain} that fails SPF and DKIM, and send a daily report to {rua}."
        ),
    }
}

/// The TLS-RPT record (RFC 8460): senders mail a daily report of failed TLS connections to
/// the domain's mail servers to `rua`.
pub fn tls_rpt(domain: &str, rua: &str) -> Wanted {
    Wanted {
        kind: "TLSRPT",
        name: format!("_smtp._tls.{domain}"),
        value: format!("v=TLSRPTv1; rua=mailto:{rua}"),
        why: format!(
            "Mail servers sending to {domain} report once a day to {rua} when they could not set up TLS to its mail servers."
        ),
    }
}

/// The MTA-STS record (RFC 8461 §3.1) announcing `policy_text`: its id changes with the text,
/// which is how senders learn to fetch the policy again.
pub fn mta_sts(domain: &str, policy_text: &str) -> Wanted {
    Wanted {
        kind: "MTA-STS",
        name: format!("_mta-sts.{domain}"),
        value: crate::mta_sts::sts_record(policy_text),
        why: format!(
            "Tells mail servers sending to {domain} to fetch its policy from https://{}{} and deliver only over TLS to the MX hosts it lists; the id changes whenever the policy does.",
            crate::mta_sts::policy_host(domain),
            crate::mta_sts::POLICY_PATH
        ),
    }
}

/// How a published TXT value compares with the wanted one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// The published value matches (or is at least as strict).
    pub ok: bool,
    /// What is wrong, in plain words; empty when ok.
    pub problems: Vec<String>,
}

impl Verdict {
    fn from(problems: Vec<String>) -> Verdict {
        Verdict {
            ok: problems.is_empty(),
            problems,
        }
    }
}

/// Tags of a `k=v; k=v` record, keys lower-cased.
fn tags(value: &str) -> Vec<(String, String)> {
    value
        .split(';')
        .filter_map(|t| t.split_once('='))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect()
}

/// Judges the TXT values found at a DKIM name against the key that should be there.
pub fn check_dkim(found: &[String], wanted: &str) -> Verdict {
    let want_p = tags(wanted)
        .into_iter()
        .find(|(k, _)| k == "p")
        .map(|(_, v)| v)
        .unwrap_or_default();
    let keys: Vec<&String> = found.iter().filter(|v| v.contains("p=")).collect();
    if keys.is_empty() {
        return Verdict::from(vec![
            "no DKIM record is published under this name yet".into(),
        ]);
    }
    let mut problems = Vec::new();
    if keys.len() > 1 {
        problems.push("more than one record under this name; keep only one".into());
    }
    let t = tags(keys[0]);
    let p: String = t
        .iter()
        .find(|(k, _)| k == "p")
        .map(|(_, v)| v.split_whitespace().collect())
        .unwrap_or_default();
    if p.is_empty() {
        problems.push(
            "the published record has an empty key (p=), which means the key is revoked".into(),
        );
    } else if p != want_p {
        problems.push(
            "the published key is a different one: copy the value shown here exactly (DNS panels sometimes cut long values; split it into 255-character strings if yours asks)".into(),
        );
    }
    let want_k = tags(wanted)
        .into_iter()
        .find(|(k, _)| k == "k")
        .map(|(_, v)| v)
        .unwrap_or_default();
    let k = t
        .iter()
        .find(|(k, _)| k == "k")
        .map(|(_, v)| v.as_str())
        .unwrap_or("rsa");
    if !k.eq_ignore_ascii_case(&want_k) {
        problems.push(format!("the record says k={k}, it should say k={want_k}"));
    }
    Verdict::from(problems)
}

/// Judges the SPF records found at the domain: exactly one, ending in `-all` (or `~all`,
/// noted), and allowing the sending path.
pub fn check_spf(found: &[String], wanted: &Wanted) -> Verdict {
    let spf: Vec<&String> = found
        .iter()
        .filter(|v| v.to_ascii_lowercase().starts_with("v=spf1"))
        .collect();
    match spf.len() {
        0 => {
            return Verdict::from(vec![
            "no SPF record is published: anyone can send as this domain as far as SPF is concerned"
                .into(),
        ]);
        }
        1 => {}
        _ => {
            return Verdict::from(vec![
                "there are several SPF records; receivers then ignore all of them (SPF permerror). Merge them into one".into(),
            ]);
        }
    }
    let terms: Vec<String> = spf[0]
        .split_whitespace()
        .map(|t| t.to_ascii_lowercase())
        .collect();
    let mut problems = Vec::new();
    let want_mech = wanted
        .value
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_ascii_lowercase();
    let allows = terms
        .iter()
        .any(|t| *t == want_mech || t.starts_with("include:") || t.starts_with("redirect="));
    if !allows {
        problems.push(format!(
            "the record does not allow the way Bolwerk sends ({want_mech}); mail from it may fail SPF"
        ));
    }
    match terms.last().map(String::as_str) {
        Some("-all") => {}
        Some("~all") => problems.push(
            "the record ends in ~all (soft fail); -all tells receivers to refuse other senders"
                .into(),
        ),
        Some("?all") | Some("+all") | Some("all") => problems.push(
            "the record ends in ?all or +all, which lets anyone send as this domain; use -all"
                .into(),
        ),
        _ if terms.iter().any(|t| t.starts_with("redirect=")) => {}
        _ => problems.push("the record has no -all at the end".into()),
    }
    Verdict::from(problems)
}

/// Judges the DMARC record found at `_dmarc.<domain>`.
pub fn check_dmarc(found: &[String]) -> Verdict {
    let dmarc: Vec<&String> = found
        .iter()
        .filter(|v| v.to_ascii_lowercase().starts_with("v=dmarc1"))
        .collect();
    match dmarc.len() {
        0 => return Verdict::from(vec!["no DMARC record is published: receivers decide for themselves what to do with forged mail, and nobody sends you reports".into()]),
        1 => {}
        _ => return Verdict::from(vec!["there are several DMARC records; receivers then ignore DMARC. Keep one".into()]),
    }
    let t = tags(dmarc[0]);
    let get = |k: &str| {
        t.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.to_ascii_lowercase())
    };
    let mut problems = Vec::new();
    match get("p").as_deref() {
        Some("reject") => {}
        Some("quarantine") => problems.push("p=quarantine sends forged mail to spam; p=reject refuses it (recommended once reports show only your own senders)".into()),
        Some("none") => problems.push("p=none only watches: forged mail is still delivered. Move to p=reject once the reports show only your own senders".into()),
        _ => problems.push("the record has no valid policy (p=)".into()),
    }
    if let Some(pct) = get("pct")
        && pct != "100"
    {
        problems.push(format!(
            "pct={pct}: the policy applies to only part of the mail"
        ));
    }
    if get("rua").is_none() {
        problems.push("no rua= address: you will not get the aggregate reports that show who sends as your domain".into());
    }
    Verdict::from(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spf_follows_the_sending_path() {
        assert_eq!(
            spf(
                "bakkerij.nl",
                Some("smtp.provider.nl:587"),
                "www.bakkerij.nl"
            )
            .value,
            "v=spf1 a:smtp.provider.nl -all"
        );
        assert_eq!(
            spf("bakkerij.nl", Some("192.0.2.25:25"), "www.bakkerij.nl").value,
            "v=spf1 ip4:192.0.2.25 -all"
        );
        assert_eq!(
            spf("bakkerij.nl", Some("[2001:db8::25]:25"), "x").value,
            "v=spf1 ip6:2001:db8::25 -all"
        );
        for local in [None, Some("127.0.0.1:25"), Some("localhost:25")] {
            assert_eq!(
                spf("bakkerij.nl", local, "www.bakkerij.nl").value,
                "v=spf1 a:www.bakkerij.nl -all"
            );
        }
    }

    #[test]
    fn spf_checks_explain_the_difference() {
        let want = spf("b.nl", Some("smtp.p.nl:587"), "b.nl");
        let ok = check_spf(&["v=spf1 a:smtp.p.nl -all".into()], &want);
        assert!(ok.ok, "{ok:?}");
        assert!(check_spf(&["v=spf1 include:_spf.p.nl -all".into()], &want).ok);
        let soft = check_spf(&["v=spf1 a:smtp.p.nl ~all".into()], &want);
        assert!(soft.problems[0].contains("soft fail"));
        let open = check_spf(&["v=spf1 a:smtp.p.nl +all".into()], &want);
        assert!(open.problems[0].contains("anyone"));
        let two = check_spf(&["v=spf1 -all".into(), "v=spf1 mx -all".into()], &want);
        assert!(two.problems[0].contains("several"));
        let none = check_spf(&["google-site-verification=x".into()], &want);
        assert!(none.problems[0].contains("no SPF record"));
        let other = check_spf(&["v=spf1 mx -all".into()], &want);
        assert!(other.problems[0].contains("does not allow"));
    }

    #[test]
    fn dmarc_checks() {
        let want = dmarc("b.nl", "dmarc@b.nl");
        assert_eq!(want.name, "_dmarc.b.nl");
        assert!(check_dmarc(std::slice::from_ref(&want.value)).ok);
        assert!(
            check_dmarc(&["v=DMARC1; p=none; rua=mailto:x@b.nl".into()]).problems[0]
                .contains("only watches")
        );
        let v = check_dmarc(&["v=DMARC1; p=reject; pct=20".into()]);
        assert_eq!(v.problems.len(), 2, "{v:?}");
        assert!(!check_dmarc(&[]).ok);
    }

    #[test]
    fn mta_sts_and_tls_rpt_records() {
        let t = tls_rpt("b.nl", "tls@b.nl");
        assert_eq!(
            (t.kind, t.name.as_str(), t.value.as_str()),
            (
                "TLSRPT",
                "_smtp._tls.b.nl",
                "v=TLSRPTv1; rua=mailto:tls@b.nl"
            )
        );
        assert!(t.why.contains("tls@b.nl"), "{}", t.why);
        let policy = crate::mta_sts::policy_text("enforce", &["mx.b.nl".into()], 86_400);
        let m = mta_sts("b.nl", &policy);
        assert_eq!((m.kind, m.name.as_str()), ("MTA-STS", "_mta-sts.b.nl"));
        assert_eq!(
            m.value,
            format!("v=STSv1; id={}", crate::mta_sts::policy_id(&policy))
        );
        assert!(
            m.why
                .contains("https://mta-sts.b.nl/.well-known/mta-sts.txt"),
            "{}",
            m.why
        );
    }

    #[test]
    fn dkim_checks() {
        let want = "v=DKIM1; k=ed25519; p=AAAA";
        assert!(check_dkim(&["v=DKIM1; k=ed25519; p=AAAA".into()], want).ok);
        // Long values come back split into strings; whitespace inside p= is ignored.
        assert!(check_dkim(&["v=DKIM1; k=ed25519; p=AA AA".into()], want).ok);
        assert!(
            check_dkim(&["v=DKIM1; k=ed25519; p=BBBB".into()], want).problems[0]
                .contains("different")
        );
        assert!(check_dkim(&["v=DKIM1; k=rsa; p=AAAA".into()], want).problems[0].contains("k=rsa"));
        assert!(check_dkim(&["v=DKIM1; p=".into()], want).problems[0].contains("revoked"));
        assert!(check_dkim(&[], want).problems[0].contains("no DKIM record"));
    }
}

/// One record: what to publish, and what the DNS has.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordCheck {
    /// What to publish.
    pub wanted: Wanted,
    /// For DKIM: `signing`, `next` (published before it takes over) or `retired` (kept until
    /// mail in transit has arrived); empty for SPF and DMARC.
    pub role: String,
    /// The TXT values found at the name (after a check).
    pub found: Vec<String>,
    /// The verdict (after a check).
    pub verdict: Option<Verdict>,
    /// Set when the DNS did not answer (which is not "not published").
    pub lookup_error: Option<String>,
}

/// Everything a domain needs for its mail to be trusted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DomainRecords {
    /// The domain.
    pub domain: String,
    /// SPF, the DKIM keys, DMARC.
    pub records: Vec<RecordCheck>,
}

/// How Bolwerk sends for a domain, for the records it needs.
#[derive(Clone, Debug)]
pub struct SendingPath<'a> {
    /// `mail.relay`.
    pub relay: Option<&'a str>,
    /// A host name of the site (the server's address when it sends itself).
    pub site_host: &'a str,
    /// Where DMARC reports go.
    pub rua: &'a str,
}

/// The records of `domain`, not yet checked.
pub fn wanted(
    domain: &str,
    keys: &crate::KeyStore,
    path: &SendingPath,
) -> Result<DomainRecords, crate::Error> {
    let mut records = vec![RecordCheck {
        wanted: spf(domain, path.relay, path.site_host),
        role: String::new(),
        found: Vec::new(),
        verdict: None,
        lookup_error: None,
    }];
    let state = keys.state(domain)?;
    let sets = state
        .active
        .iter()
        .map(|s| (s.clone(), "signing"))
        .chain(state.next.iter().map(|s| (s.clone(), "next")))
        .chain(state.retired.iter().map(|s| (s.clone(), "retired")));
    for (set, role) in sets {
        for r in keys.records(domain, &set)? {
            let why = match role {
                "signing" => format!("Key {} signs the mail sent now.", r.kind.tag()),
                "next" => format!(
                    "The next {} key: publish it now; it takes over once the DNS shows it.",
                    r.kind.tag()
                ),
                _ => format!(
                    "A retired {} key: keep it published for a week so mail still in transit verifies, then remove it.",
                    r.kind.tag()
                ),
            };
            records.push(RecordCheck {
                wanted: Wanted {
                    kind: "DKIM",
                    name: r.name,
                    value: r.value,
                    why,
                },
                role: role.into(),
                found: Vec::new(),
                verdict: None,
                lookup_error: None,
            });
        }
    }
    records.push(RecordCheck {
        wanted: dmarc(domain, path.rua),
        role: String::new(),
        found: Vec::new(),
        verdict: None,
        lookup_error: None,
    });
    Ok(DomainRecords {
        domain: domain.to_string(),
        records,
    })
}

/// Looks every record up (all at once) and judges what is published.
pub async fn check(mut recs: DomainRecords, dns: &crate::dns::TxtLookup) -> DomainRecords {
    // Side by side: each lookup has its own timeout, so the slowest one is the bound.
    let found: Vec<Result<Vec<String>, String>> =
        futures_util::future::join_all(recs.records.iter().map(|r| dns.txt(&r.wanted.name))).await;
    for (r, f) in recs.records.iter_mut().zip(found) {
        match f {
            Ok(values) => {
                r.verdict = Some(match r.wanted.kind {
                    "SPF" => check_spf(&values, &r.wanted),
                    "DMARC" => check_dmarc(&values),
                    _ => check_dkim(&values, &r.wanted.value),
                });
                r.found = values;
            }
            Err(e) => r.lookup_error = Some(e),
        }
    }
    recs
}
