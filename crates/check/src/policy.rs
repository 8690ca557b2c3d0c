//! What internet.nl does not test (or only lately): MTA-STS (RFC 8461) — the `_mta-sts` record,
//! the policy fetched over HTTPS with a valid certificate, its mode, and that it lists every MX
//! — and TLS-RPT (RFC 8460), the `_smtp._tls` record that asks for reports on failed TLS.

use crate::auth::Txt;
use crate::catalogue::mail;
use crate::report::Subtest;

/// The most of a policy that is read (RFC 8461 §3.2 suggests 64 KiB).
pub const MAX_POLICY: usize = 64 * 1024;

/// A parsed MTA-STS policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// `enforce`, `testing` or `none`.
    pub mode: String,
    /// The MX patterns.
    pub mx: Vec<String>,
    /// Seconds.
    pub max_age: u64,
}

/// Parses a policy text (`key: value` lines, CRLF or LF); why not, if it is not one.
pub fn parse_policy(text: &str) -> Result<Policy, String> {
    let mut version = None;
    let mut mode = None;
    let mut mx = Vec::new();
    let mut max_age = None;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let Some((k, v)) = line.split_once(':') else {
            return Err(format!("the line {line:?} is not key: value"));
        };
        let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
        match k.as_str() {
            "version" => version = Some(v.to_string()),
            "mode" => mode = Some(v.to_ascii_lowercase()),
            "mx" => mx.push(v.trim_end_matches('.').to_ascii_lowercase()),
            "max_age" => {
                max_age = Some(
                    v.parse::<u64>()
                        .map_err(|_| format!("max_age {v:?} is not a number"))?,
                )
            }
            _ => {}
        }
    }
    if version.as_deref() != Some("STSv1") {
        return Err("no `version: STSv1` line".into());
    }
    let mode = mode.ok_or("no mode")?;
    if !matches!(mode.as_str(), "enforce" | "testing" | "none") {
        return Err(format!("mode {mode} is not enforce, testing or none"));
    }
    let max_age = max_age.ok_or("no max_age")?;
    if max_age > 31_557_600 {
        return Err(format!("max_age {max_age} is more than a year (31557600)"));
    }
    if mx.is_empty() && mode != "none" {
        return Err("no mx lines".into());
    }
    Ok(Policy { mode, mx, max_age })
}

/// Whether an MX host matches a policy pattern (`*.` stands for exactly one label).
pub fn mx_matches(pattern: &str, host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(rest) => host
            .split_once('.')
            .is_some_and(|(label, r)| !label.is_empty() && r == rest),
        None => pattern == host,
    }
}

/// What fetching the policy gave.
pub type Fetched = Result<(u16, Option<String>, Vec<u8>), String>;

/// `mail.mta-sts`.
pub fn mta_sts(domain: &str, txt: &Txt, policy: Option<&Fetched>, mx_hosts: &[String]) -> Subtest {
    let spec = mail::MTA_STS;
    let name = format!("_mta-sts.{domain}");
    let url = format!("https://mta-sts.{domain}/.well-known/mta-sts.txt");
    let records: Vec<&String> = match txt {
        Err(e) => return spec.not_tested(format!("{name} could not be looked up: {e}")),
        Ok(t) => t
            .iter()
            .filter(|v| v.to_ascii_lowercase().starts_with("v=stsv1"))
            .collect(),
    };
    let record = match records.as_slice() {
        [] => {
            return spec.phase_out(
                format!("no MTA-STS: {name} has no v=STSv1 record, so senders may deliver without TLS"),
                "Set [site.mta_sts] (mode \"testing\", then \"enforce\") and publish the _mta-sts record `bolwerk mail records` shows.",
            );
        }
        [one] => one.to_string(),
        _ => {
            return spec.bad(
                format!(
                    "{} v=STSv1 records at {name}: senders then ignore MTA-STS",
                    records.len()
                ),
                "Keep exactly one _mta-sts record.",
            );
        }
    };
    let id = record
        .split(';')
        .filter_map(|t| t.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("id"))
        .map(|(_, v)| v.trim().to_string());
    let id_ok = id.as_ref().is_some_and(|i| {
        (1..=32).contains(&i.len()) && i.bytes().all(|b| b.is_ascii_alphanumeric())
    });
    if !id_ok {
        return spec.bad(
            format!("the record {record:?} has no valid id= (1 to 32 letters and digits)"),
            "Publish `v=STSv1; id=<new id>` and change the id whenever the policy changes.",
        );
    }
    let mut details = vec![format!("{name}: {record}")];
    let (status, ct, body) = match policy {
        None => return spec.not_tested("the policy was not fetched"),
        Some(Err(e)) => {
            return spec
                .bad(
                    format!("the policy at {url} could not be fetched with a valid certificate: {e}"),
                    format!("Serve the policy at {url} with a publicly trusted certificate (Bolwerk serves it when [site.mta_sts] is set and its certificate covers mta-sts.{domain})."),
                )
                .with_details(details);
        }
        Some(Ok(x)) => x,
    };
    if *status != 200 {
        return spec
            .bad(
                format!("{url} answers {status}"),
                format!("Serve the policy at {url} (Bolwerk does when [site.mta_sts] is set)."),
            )
            .with_details(details);
    }
    let media = ct
        .as_deref()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if media != "text/plain" {
        return spec
            .bad(
                format!("{url} is served as {media:?}, not text/plain"),
                "Serve the policy with Content-Type: text/plain (RFC 8461 §3.2).",
            )
            .with_details(details);
    }
    let text = String::from_utf8_lossy(body);
    details.extend(
        text.lines()
            .map(|l| format!("policy: {}", l.trim_end_matches('\r'))),
    );
    let p = match parse_policy(&text) {
        Ok(p) => p,
        Err(why) => {
            return spec
                .bad(
                    format!("the policy at {url} is not valid: {why}"),
                    "Serve a policy of version, mode, mx and max_age lines (RFC 8461 §3.2).",
                )
                .with_details(details);
        }
    };
    let unlisted: Vec<&String> = mx_hosts
        .iter()
        .filter(|h| !p.mx.iter().any(|pat| mx_matches(pat, h)))
        .collect();
    if p.mode != "none" && !unlisted.is_empty() {
        return spec
            .bad(
                format!(
                    "the policy does not list the MX host(s) {}: senders {} mail to them",
                    unlisted.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
                    if p.mode == "enforce" { "refuse to deliver" } else { "report failures for" }
                ),
                "List every MX host in [site.mta_sts] mx (and keep it in step with the MX records).",
            )
            .with_details(details);
    }
    match p.mode.as_str() {
        "enforce" => spec
            .pass(format!("MTA-STS enforced for {}", p.mx.join(", ")))
            .with_details(details),
        "testing" => spec
            .phase_out(
                "MTA-STS in testing mode: failures are only reported, mail is still delivered without TLS",
                "Switch [site.mta_sts] mode to \"enforce\" once the TLS reports show no failures.",
            )
            .with_details(details),
        _ => spec
            .bad(
                "the MTA-STS policy has mode none: it withdraws protection",
                "Set mode to \"testing\" or \"enforce\" (none is only for withdrawing a policy).",
            )
            .with_details(details),
    }
}

/// `mail.tls-rpt`.
pub fn tls_rpt(domain: &str, txt: &Txt) -> Subtest {
    let spec = mail::TLS_RPT;
    let name = format!("_smtp._tls.{domain}");
    let fix = format!(
        "Publish `{name}. TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@{domain}\"` (`bolwerk mail records` shows it)."
    );
    let records: Vec<&String> = match txt {
        Err(e) => return spec.not_tested(format!("{name} could not be looked up: {e}")),
        Ok(t) => t
            .iter()
            .filter(|v| v.to_ascii_lowercase().starts_with("v=tlsrptv1"))
            .collect(),
    };
    let record = match records.as_slice() {
        [] => {
            return spec.bad(
                format!("no TLS-RPT record at {name}: nobody reports failed TLS to you"),
                fix,
            );
        }
        [one] => one.to_string(),
        _ => {
            return spec.bad(
                format!("{} TLS-RPT records at {name}", records.len()),
                "Keep exactly one v=TLSRPTv1 record.",
            );
        }
    };
    let rua = record
        .split(';')
        .filter_map(|t| t.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("rua"))
        .map(|(_, v)| v.trim().to_string());
    let ok = rua.as_deref().is_some_and(|r| {
        r.split(',').all(|u| {
            let u = u.trim().to_ascii_lowercase();
            u.starts_with("mailto:") && u.contains('@') || u.starts_with("https://")
        })
    });
    if ok {
        spec.pass(format!("TLS reports go to {}", rua.unwrap_or_default()))
            .with_details(vec![record])
    } else {
        spec.bad(
            format!("the TLS-RPT record {record:?} has no valid rua= (mailto: or https:)"),
            fix,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Status;

    const POLICY: &str = "version: STSv1\r\nmode: enforce\r\nmx: mx.example.nl\r\nmx: *.backup.example.nl\r\nmax_age: 604800\r\n";

    fn ok(body: &str) -> Fetched {
        Ok((200, Some("text/plain".into()), body.as_bytes().to_vec()))
    }

    fn txt(v: &[&str]) -> Txt {
        Ok(v.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn policies_parse_and_list_the_mx() {
        let p = parse_policy(POLICY).unwrap();
        assert_eq!(
            (p.mode.as_str(), p.mx.len(), p.max_age),
            ("enforce", 2, 604_800)
        );
        assert!(mx_matches("*.backup.example.nl", "a.backup.example.nl."));
        assert!(!mx_matches("*.backup.example.nl", "a.b.backup.example.nl"));
        assert!(
            parse_policy("mode: enforce\nmx: a\nmax_age: 1")
                .unwrap_err()
                .contains("version")
        );
        assert!(parse_policy("version: STSv1\nmode: on\nmx: a\nmax_age: 1").is_err());
        assert!(parse_policy("version: STSv1\nmode: enforce\nmax_age: 1").is_err());
    }

    #[test]
    fn mta_sts_is_judged_end_to_end() {
        let rec = txt(&["v=STSv1; id=20260101"]);
        let mx = vec!["mx.example.nl".to_string()];
        assert_eq!(
            mta_sts("example.nl", &rec, Some(&ok(POLICY)), &mx).status,
            Status::Pass
        );
        let other_mx = vec!["mail.elsewhere.nl".to_string()];
        let s = mta_sts("example.nl", &rec, Some(&ok(POLICY)), &other_mx);
        assert_eq!(s.status, Status::Fail);
        assert!(s.found.contains("mail.elsewhere.nl"), "{s:?}");
        let testing = POLICY.replace("enforce", "testing");
        assert_eq!(
            mta_sts("example.nl", &rec, Some(&ok(&testing)), &mx).status,
            Status::Warning
        );
        assert_eq!(
            mta_sts("example.nl", &txt(&[]), None, &mx).status,
            Status::Warning
        );
        assert_eq!(
            mta_sts("example.nl", &txt(&["v=STSv1;"]), None, &mx).status,
            Status::Fail
        );
        let err: Fetched = Err("certificate not trusted".into());
        assert!(
            mta_sts("example.nl", &rec, Some(&err), &mx)
                .found
                .contains("valid certificate")
        );
        let html: Fetched = Ok((200, Some("text/html".into()), b"x".to_vec()));
        assert_eq!(
            mta_sts("example.nl", &rec, Some(&html), &mx).status,
            Status::Fail
        );
    }

    #[test]
    fn tls_rpt_records() {
        assert_eq!(
            tls_rpt("x.nl", &txt(&["v=TLSRPTv1; rua=mailto:t@x.nl"])).status,
            Status::Pass
        );
        assert_eq!(
            tls_rpt("x.nl", &txt(&["v=TLSRPTv1; rua=ftp://x"])).status,
            Status::Warning
        );
        assert_eq!(tls_rpt("x.nl", &txt(&[])).status, Status::Warning);
    }
}
