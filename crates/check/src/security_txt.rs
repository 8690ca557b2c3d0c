//! security.txt (RFC 9116) as internet.nl judges it: served at `/.well-known/security.txt`
//! over HTTPS as `text/plain` (UTF-8), with at least one `Contact` and exactly one `Expires`
//! that lies in the future — and, as RFC 9116 §2.5.5 advises, less than a year ahead.

use crate::catalogue::web;
use crate::report::Subtest;

/// The most of the file that is read (internet.nl: 100 KiB).
pub const MAX_LEN: usize = 100 * 1024;

/// What fetching the file gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetched {
    /// The path it was found at (`/.well-known/security.txt` or the legacy `/security.txt`).
    pub path: String,
    /// HTTP status (`None`: no answer).
    pub status: Option<u16>,
    /// Content-Type.
    pub content_type: Option<String>,
    /// The body (at most [`MAX_LEN`] bytes).
    pub body: Vec<u8>,
}

/// Seconds since 1970 of an RFC 3339 date-time (`2026-12-31T23:00:00Z`, `…+01:00`, fractions).
pub fn rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => return None,
            };
            let t = &rest[1..];
            if t.len() != 5 || t.as_bytes()[2] != b':' {
                return None;
            }
            let oh: i64 = t.get(0..2)?.parse().ok()?;
            let om: i64 = t.get(3..5)?.parse().ok()?;
            sign * (oh * 3600 + om * 60)
        }
    };
    // Howard Hinnant's days_from_civil.
    let (y2, m2) = if mo <= 2 {
        (y - 1, mo + 9)
    } else {
        (y, mo - 3)
    };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * m2 + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + mi * 60 + sec - offset)
}

/// The fields of a security.txt, with PGP armour taken off (RFC 9116 §2.3).
pub fn fields(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let signed = text
        .trim_start()
        .starts_with("-----BEGIN PGP SIGNED MESSAGE-----");
    let mut in_header = signed;
    for raw in text.lines() {
        let line = raw.trim_end_matches('\r');
        if signed {
            if line.starts_with("-----BEGIN PGP SIGNED MESSAGE-----") {
                continue;
            }
            if in_header {
                if line.trim().is_empty() {
                    in_header = false;
                }
                continue;
            }
            if line.starts_with("-----BEGIN PGP SIGNATURE-----") {
                break;
            }
        }
        let line = line.strip_prefix("- ").unwrap_or(line);
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            out.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    out
}

/// Every problem of the file; empty: it is good.
pub fn problems(f: &Fetched, now: u64) -> Vec<String> {
    let mut p = Vec::new();
    match f.status {
        None => {
            p.push("no answer over HTTPS".into());
            return p;
        }
        Some(200) => {}
        Some(404) => {
            p.push(format!("{} answers 404: there is no security.txt", f.path));
            return p;
        }
        Some(s) => {
            p.push(format!("{} answers {s}", f.path));
            return p;
        }
    }
    if f.path != "/.well-known/security.txt" {
        p.push("found only at /security.txt; RFC 9116 puts it at /.well-known/security.txt".into());
    }
    let ct = f
        .content_type
        .clone()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let mut params = ct.split(';').map(str::trim);
    let media = params.next().unwrap_or_default();
    if media.is_empty() {
        p.push("no Content-Type (it must be text/plain)".into());
        return p;
    }
    if media != "text/plain" {
        p.push(format!("Content-Type is {media}, not text/plain"));
        return p;
    }
    if let Some(cs) = params.find_map(|x| x.strip_prefix("charset=")) {
        let cs = cs.trim_matches('"');
        if cs != "utf-8" && cs != "csutf8" {
            p.push(format!("charset is {cs}, not utf-8"));
        }
    }
    let Ok(text) = std::str::from_utf8(&f.body) else {
        p.push("the file is not valid UTF-8".into());
        return p;
    };
    let fields = fields(text);
    let contacts: Vec<&String> = fields
        .iter()
        .filter(|(n, _)| n == "contact")
        .map(|(_, v)| v)
        .collect();
    if contacts.is_empty() {
        p.push("no Contact field (RFC 9116 §2.5.3 requires one)".into());
    }
    for c in &contacts {
        let lower = c.to_ascii_lowercase();
        if !(lower.starts_with("mailto:")
            || lower.starts_with("https://")
            || lower.starts_with("tel:"))
        {
            p.push(format!(
                "Contact {c} is not a mailto:, https:// or tel: URI"
            ));
        }
    }
    let expires: Vec<&String> = fields
        .iter()
        .filter(|(n, _)| n == "expires")
        .map(|(_, v)| v)
        .collect();
    let now = i64::try_from(now).unwrap_or(i64::MAX);
    match expires.as_slice() {
        [] => p.push("no Expires field (RFC 9116 §2.5.5 requires one)".into()),
        [e] => match rfc3339(e) {
            None => p.push(format!("Expires {e} is not an RFC 3339 date-time")),
            Some(t) if t <= now => p.push(format!("Expires {e} has passed: the file is stale")),
            Some(t) if t - now > 366 * 86_400 => p.push(format!(
                "Expires {e} is more than a year ahead (RFC 9116 §2.5.5 advises less)"
            )),
            Some(_) => {}
        },
        _ => p.push("Expires appears more than once".into()),
    }
    if fields
        .iter()
        .filter(|(n, _)| n == "preferred-languages")
        .count()
        > 1
    {
        p.push("Preferred-Languages appears more than once".into());
    }
    for (name, v) in &fields {
        if matches!(
            name.as_str(),
            "canonical" | "policy" | "acknowledgments" | "hiring"
        ) && !v.to_ascii_lowercase().starts_with("https://")
        {
            p.push(format!("{name} {v} must be an https:// URI"));
        }
    }
    p
}

/// `web.security-txt`.
pub fn judge(f: &Fetched, host: &str, now: u64) -> Subtest {
    let problems = problems(f, now);
    if problems.is_empty() {
        return web::SECURITY_TXT.pass(format!(
            "https://{host}/.well-known/security.txt has a Contact and a current Expires"
        ));
    }
    web::SECURITY_TXT
        .bad(
            format!("security.txt: {}", problems.join("; ")),
            "Serve /.well-known/security.txt as text/plain with a Contact and an Expires less than a year ahead (Bolwerk does so from [site.security_txt] or mail.alerts_to, Expires kept fresh).",
        )
        .with_details(problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Status;

    const NOW: u64 = 1_796_554_800; // 2026-12-06 11:00 UTC

    fn fetched(body: &str) -> Fetched {
        Fetched {
            path: "/.well-known/security.txt".into(),
            status: Some(200),
            content_type: Some("text/plain; charset=utf-8".into()),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn dates_are_read_as_rfc_3339() {
        assert_eq!(rfc3339("2026-12-06T11:00:00Z"), Some(1_796_554_800));
        assert_eq!(
            rfc3339("2026-12-06T12:00:00.123+01:00"),
            Some(1_796_554_800)
        );
        assert_eq!(rfc3339("2000-02-29T00:00:00Z"), Some(951_782_400));
        assert_eq!(rfc3339("2026-13-06T11:00:00Z"), None);
        assert_eq!(rfc3339("2026-12-06"), None);
        assert_eq!(rfc3339("2026-12-06T11:00:00+1"), None);
        assert_eq!(rfc3339("２０２６-12-06T11:00:00Z"), None);
    }

    #[test]
    fn a_good_file_passes_and_each_fault_is_named() {
        let good = "Contact: mailto:security@example.nl\nExpires: 2027-06-01T00:00:00Z\nPreferred-Languages: nl, en\n";
        assert!(
            problems(&fetched(good), NOW).is_empty(),
            "{:?}",
            problems(&fetched(good), NOW)
        );
        assert_eq!(
            judge(&fetched(good), "example.nl", NOW).status,
            Status::Pass
        );
        let p = problems(&fetched("Expires: 2027-06-01T00:00:00Z\n"), NOW);
        assert!(p[0].contains("no Contact"), "{p:?}");
        let p = problems(
            &fetched("Contact: mailto:a@b.nl\nExpires: 2026-01-01T00:00:00Z\n"),
            NOW,
        );
        assert!(p[0].contains("has passed"), "{p:?}");
        let p = problems(
            &fetched("Contact: mailto:a@b.nl\nExpires: 2029-01-01T00:00:00Z\n"),
            NOW,
        );
        assert!(p[0].contains("more than a year"), "{p:?}");
        let p = problems(&fetched("Contact: http://example.nl/\n"), NOW);
        assert!(p.iter().any(|x| x.contains("not a mailto")), "{p:?}");
        assert!(p.iter().any(|x| x.contains("no Expires")), "{p:?}");
        let mut html = fetched("<html>");
        html.content_type = Some("text/html".into());
        assert!(problems(&html, NOW)[0].contains("not text/plain"));
        let missing = Fetched {
            status: Some(404),
            ..fetched("")
        };
        assert!(problems(&missing, NOW)[0].contains("404"));
        let mut legacy = fetched(good);
        legacy.path = "/security.txt".into();
        assert!(problems(&legacy, NOW)[0].contains("only at /security.txt"));
    }

    #[test]
    fn signed_files_are_read_inside_the_armour() {
        let signed = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nContact: mailto:a@b.nl\n- Expires: 2027-06-01T00:00:00Z\n-----BEGIN PGP SIGNATURE-----\nContact: mailto:evil@x.nl\n-----END PGP SIGNATURE-----\n";
        let f = fields(signed);
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(problems(&fetched(signed), NOW).is_empty());
    }
}
