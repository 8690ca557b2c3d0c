//! IPv6 and DNSSEC, judged from what the DNS and the network showed: name servers and servers
//! with IPv6 addresses that answer on them, the same site over both protocols, and the DNSSEC
//! chain (walked by `dns::chain`, which says in words what is broken).

use std::net::IpAddr;

use dns::chain::{Report, Severity, Status as Chain};

use crate::report::{Spec, Subtest};

/// `*.ipv6.ns-aaaa`: at least two name servers with an IPv6 address.
pub fn ns_aaaa(spec: &Spec, domain: &str, ns: &[(String, Vec<IpAddr>)]) -> Subtest {
    let details: Vec<String> = ns
        .iter()
        .map(|(n, a)| {
            let v6: Vec<String> = a
                .iter()
                .filter(|a| a.is_ipv6())
                .map(|a| a.to_string())
                .collect();
            format!(
                "{n}: {}",
                if v6.is_empty() {
                    "no AAAA".to_string()
                } else {
                    v6.join(", ")
                }
            )
        })
        .collect();
    if ns.is_empty() {
        return spec.bad(
            format!("no NS records found for {domain}"),
            "Check that the zone is delegated to name servers (NS records at the parent and the apex).",
        );
    }
    let with = ns
        .iter()
        .filter(|(_, a)| a.iter().any(IpAddr::is_ipv6))
        .count();
    let fix = "Give at least two of the domain's name servers an IPv6 address (AAAA), or move to a DNS provider that has them.";
    match with {
        0 => spec.bad("no name server of the domain has an IPv6 address", fix),
        1 => spec.bad("only one name server has an IPv6 address", fix),
        n => spec.pass(format!("{n} name servers have IPv6 addresses")),
    }
    .with_details(details)
}

/// `*.ipv6.ns-reach`, `web.ipv6.reach`, `mail.ipv6.mx-reach`: every IPv6 address answers.
/// `tried`: (host, address, `Ok` or why not).
pub fn reach(spec: &Spec, what: &str, tried: &[(String, IpAddr, Result<(), String>)]) -> Subtest {
    if tried.is_empty() {
        return spec.not_tested(format!("no IPv6 address of the {what} to try"));
    }
    let details: Vec<String> = tried
        .iter()
        .map(|(h, a, r)| match r {
            Ok(()) => format!("{h} [{a}]: answers"),
            Err(e) => format!("{h} [{a}]: {e}"),
        })
        .collect();
    let failed: Vec<String> = tried
        .iter()
        .filter(|(_, _, r)| r.is_err())
        .map(|(h, a, _)| format!("{h} [{a}]"))
        .collect();
    if failed.is_empty() {
        spec.pass(format!("every IPv6 address of the {what} answers"))
    } else {
        spec.bad(
            format!("not reachable over IPv6: {}", failed.join(", ")),
            format!("Make the {what} listen on its IPv6 address and let the firewall pass IPv6, or remove the AAAA record."),
        )
    }
    .with_details(details)
}

/// `web.ipv6.aaaa` / `mail.ipv6.mx-aaaa`: every host has an IPv6 address.
pub fn aaaa(spec: &Spec, what: &str, hosts: &[(String, Vec<IpAddr>)]) -> Subtest {
    if hosts.is_empty() {
        return spec.not_tested(format!("no {what} to look at"));
    }
    let details: Vec<String> = hosts
        .iter()
        .map(|(h, a)| {
            let v6: Vec<String> = a
                .iter()
                .filter(|a| a.is_ipv6())
                .map(|a| a.to_string())
                .collect();
            format!(
                "{h}: {}",
                if v6.is_empty() {
                    "no AAAA".to_string()
                } else {
                    v6.join(", ")
                }
            )
        })
        .collect();
    let missing: Vec<&str> = hosts
        .iter()
        .filter(|(_, a)| !a.iter().any(IpAddr::is_ipv6))
        .map(|(h, _)| h.as_str())
        .collect();
    if missing.is_empty() {
        spec.pass(format!("every {what} has an IPv6 address"))
    } else {
        spec.bad(
            format!("no IPv6 address (AAAA) for {}", missing.join(", ")),
            format!(
                "Publish an AAAA record for {} (Bolwerk publishes dns.addresses).",
                missing[0]
            ),
        )
    }
    .with_details(details)
}

/// Whether two pages are the same site: equal, or sharing most of their words (a nonce or a
/// date may differ). internet.nl compares a simhash; this is the same idea, simpler.
pub fn same_page(a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return true;
    }
    let words = |x: &[u8]| -> std::collections::BTreeSet<String> {
        String::from_utf8_lossy(x)
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let (wa, wb) = (words(a), words(b));
    let union = wa.union(&wb).count();
    if union == 0 {
        return a.is_empty() == b.is_empty();
    }
    let common = wa.intersection(&wb).count();
    common * 10 >= union * 9
}

/// `web.ipv6.same-site`: (status, body) over IPv4 and over IPv6.
pub fn same_site(
    v4: Option<&Result<(u16, Vec<u8>), String>>,
    v6: Option<&Result<(u16, Vec<u8>), String>>,
) -> Subtest {
    let spec = crate::catalogue::web::SAME_SITE;
    match (v4, v6) {
        (Some(Ok((s4, b4))), Some(Ok((s6, b6)))) => {
            if s4 == s6 && same_page(b4, b6) {
                spec.pass("the same page comes over IPv4 and IPv6")
            } else {
                spec.bad(
                    format!("IPv4 and IPv6 give different pages (status {s4} and {s6})"),
                    "Serve the site from the same server (or configuration) on both addresses.",
                )
            }
        }
        (Some(Err(e)), _) | (_, Some(Err(e))) => {
            spec.not_tested(format!("the page could not be fetched over both: {e}"))
        }
        _ => spec.not_tested("the site does not have both an IPv4 and an IPv6 address"),
    }
}

/// `*.dnssec.exists` and `*.dnssec.valid` from a chain walk.
pub fn dnssec(exists: &Spec, valid: &Spec, r: &Report) -> Vec<Subtest> {
    let chain: Vec<&str> = r.chain.iter().map(|z| z.zone.as_str()).collect();
    let mut details = vec![format!("chain: {}", chain.join(" → "))];
    details.extend(r.findings.iter().map(|f| format!("{}: {}", f.code, f.text)));
    let worst = r.at_least(Severity::Error).next();
    let said = worst
        .map(|f| f.text.clone())
        .unwrap_or_else(|| "no reason given".into());
    // A root that no anchor vouches for says nothing about the domain: the resolver is not
    // one that passes DNSSEC through, or the anchor is for another root.
    let status = if r.findings.iter().any(|f| f.code == "no-anchor") {
        Chain::Unknown
    } else {
        r.status
    };
    match status {
        Chain::Secure => vec![
            exists
                .pass(format!("{} is signed (zone {})", r.domain, r.zone))
                .with_details(details.clone()),
            valid
                .pass("the chain of trust holds from the root down")
                .with_details(details),
        ],
        Chain::Insecure => vec![
            exists
                .bad(
                    format!("{} is not protected by DNSSEC: {said}", r.domain),
                    "Sign the zone on the DNS server (docs/dns.md: Knot signs by itself) and publish its DS record at the registrar.",
                )
                .with_details(details),
            valid.not_tested("the domain is not signed"),
        ],
        Chain::Bogus => vec![
            exists
                .pass(format!("{} is signed", r.domain))
                .with_details(details.clone()),
            valid
                .bad(
                    format!("the DNSSEC chain is broken, so validating resolvers refuse {}: {said}", r.domain),
                    "Repair the link named here (`bolwerk dns check` explains every finding); until then the domain is unreachable for validating resolvers.",
                )
                .with_details(details),
        ],
        Chain::Unknown => vec![
            exists
                .bad(
                    format!("DNSSEC of {} could not be determined: {said}", r.domain),
                    "Check that the resolver (--resolver, dns.resolver) answers, and that the domain exists.",
                )
                .with_details(details),
            valid.not_tested("the DNS did not answer well enough"),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::web;
    use crate::report::Status;

    #[test]
    fn name_servers_need_two_ipv6_addresses() {
        let v6: IpAddr = "2001:db8::53".parse().unwrap();
        let v4: IpAddr = "192.0.2.53".parse().unwrap();
        let ns = vec![("a".to_string(), vec![v4, v6]), ("b".to_string(), vec![v4])];
        assert!(
            ns_aaaa(&web::NS_AAAA, "x.nl", &ns)
                .found
                .contains("only one")
        );
        let ns2 = vec![("a".to_string(), vec![v6]), ("b".to_string(), vec![v6])];
        assert_eq!(ns_aaaa(&web::NS_AAAA, "x.nl", &ns2).status, Status::Pass);
        assert_eq!(ns_aaaa(&web::NS_AAAA, "x.nl", &[]).status, Status::Fail);
    }

    #[test]
    fn reachability_names_the_address() {
        let a: IpAddr = "::1".parse().unwrap();
        let s = reach(
            &web::REACH,
            "web server",
            &[("x.nl".into(), a, Err("refused".into()))],
        );
        assert_eq!(s.status, Status::Fail);
        assert!(s.found.contains("x.nl [::1]"));
        assert_eq!(
            reach(&web::REACH, "web server", &[]).status,
            Status::NotTested
        );
        let hosts = vec![("x.nl".to_string(), vec!["192.0.2.1".parse().unwrap()])];
        assert!(
            aaaa(&web::AAAA, "web server", &hosts)
                .found
                .contains("x.nl")
        );
    }

    #[test]
    fn pages_compare_by_their_words() {
        assert!(same_page(
            b"<p>Hello world, token 123</p>",
            b"<p>Hello world, token 123</p>"
        ));
        let a = "word ".to_string() + &(0..30).map(|i| format!("w{i} ")).collect::<String>();
        let b = a.replace("w29", "w99");
        assert!(same_page(a.as_bytes(), b.as_bytes()));
        assert!(!same_page(b"welcome to the site", b"default nginx page"));
    }
}
