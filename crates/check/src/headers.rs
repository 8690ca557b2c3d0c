//! What the web server's answers say: the HTTP → HTTPS redirect, HSTS, compression and the
//! security headers, judged as internet.nl does (`checks/tasks/http_headers.py`,
//! `checks/tasks/tls/http.py`).

use crate::catalogue::web;
use crate::report::Subtest;

/// One answer's status and headers (names in lower case, in order).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Headers.
    pub headers: Vec<(String, String)>,
}

impl Answer {
    /// Every value of header `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The first value of `name`.
    pub fn first(&self, name: &str) -> Option<&str> {
        self.all(name).into_iter().next()
    }
}

/// A year: internet.nl's (and the HSTS preload list's) minimum `max-age`.
pub const HSTS_MIN_AGE: u64 = 31_536_000;

/// The `max-age` of an HSTS header value, or why it has none (RFC 6797 §6.1).
pub fn hsts_max_age(value: &str) -> Result<u64, String> {
    let mut max_age = None;
    for directive in value.split(';') {
        let directive = directive.trim();
        if directive.is_empty() {
            continue;
        }
        let (name, val) = match directive.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim().trim_matches('"'))),
            None => (directive, None),
        };
        if name.eq_ignore_ascii_case("max-age") {
            if max_age.is_some() {
                return Err("max-age appears twice".into());
            }
            let v = val.ok_or("max-age has no value")?;
            max_age = Some(
                v.parse::<u64>()
                    .map_err(|_| format!("max-age={v} is not a number of seconds"))?,
            );
        }
    }
    max_age.ok_or_else(|| "no max-age".to_string())
}

/// `web.https.hsts` from the HTTPS answer (the first header counts, as for browsers).
pub fn hsts(a: &Answer) -> Subtest {
    let fix = "Send Strict-Transport-Security: max-age=31536000 (a year or more) on every HTTPS answer (Bolwerk does by itself).";
    let values = a.all("strict-transport-security");
    let Some(first) = values.first() else {
        return web::HSTS.bad("no Strict-Transport-Security header", fix);
    };
    let details = values.iter().map(|v| v.to_string()).collect();
    match hsts_max_age(first) {
        Err(why) => web::HSTS.bad(format!("the HSTS header is not valid: {why}"), fix),
        Ok(age) if age < HSTS_MIN_AGE => web::HSTS.bad(
            format!(
                "HSTS max-age={age} ({} days) is less than a year",
                age / 86_400
            ),
            fix,
        ),
        Ok(age) => web::HSTS.pass(format!("HSTS max-age={age} ({} days)", age / 86_400)),
    }
    .with_details(details)
}

/// `web.https.compression`: whether the server compressed an answer to a client that offered
/// compression (BREACH).
pub fn compression(a: &Answer) -> Subtest {
    match a.first("content-encoding") {
        Some(enc) if !enc.trim().eq_ignore_ascii_case("identity") => web::HTTP_COMPRESSION.bad(
            format!("the page is sent compressed ({enc})"),
            "Compress static files only, not pages that carry secrets such as form tokens, to rule out BREACH.",
        ),
        _ => web::HTTP_COMPRESSION.pass("pages are not sent compressed"),
    }
}

/// What plain HTTP answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plain {
    /// Nothing listens on port 80 (or it does not answer HTTP).
    Closed(String),
    /// An answer, and where it redirects to.
    Answer {
        /// Status.
        status: u16,
        /// Its Location header.
        location: Option<String>,
    },
}

/// `web.https.redirect`: plain HTTP must first redirect to HTTPS on the same host (#1208 of
/// internet.nl: upgrade first, then go elsewhere); no HTTP at all is fine too.
pub fn redirect(host: &str, plain: &Plain) -> Subtest {
    let fix = format!(
        "Answer every plain-HTTP request with a 301 to https://{host}/ (same host, same path) before anything else."
    );
    match plain {
        Plain::Closed(why) => {
            web::HTTPS_REDIRECT.pass(format!("no plain HTTP is offered ({why}), only HTTPS"))
        }
        Plain::Answer { status, location } => {
            let Some(loc) = location.as_deref().filter(|_| (300..400).contains(status)) else {
                return web::HTTPS_REDIRECT.bad(
                    format!("plain HTTP answers {status} without redirecting to HTTPS"),
                    fix,
                );
            };
            let lower = loc.trim().to_ascii_lowercase();
            let Some(rest) = lower.strip_prefix("https://") else {
                return web::HTTPS_REDIRECT
                    .bad(format!("plain HTTP redirects to {loc}, not to HTTPS"), fix);
            };
            let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
            let to_host = if authority.starts_with('[') {
                authority
                    .split(']')
                    .next()
                    .unwrap_or_default()
                    .trim_start_matches('[')
            } else {
                authority.split(':').next().unwrap_or_default()
            };
            if to_host.trim_end_matches('.') == host.trim_end_matches('.').to_ascii_lowercase() {
                web::HTTPS_REDIRECT.pass(format!("plain HTTP redirects ({status}) to {loc}"))
            } else {
                web::HTTPS_REDIRECT.bad(
                    format!("plain HTTP redirects to another host first ({loc})"),
                    fix,
                )
            }
        }
    }
}

/// `web.headers.x-content-type-options`.
pub fn x_content_type_options(a: &Answer) -> Subtest {
    match a.first("x-content-type-options") {
        Some(v)
            if v.split(',')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("nosniff") =>
        {
            web::X_CONTENT_TYPE_OPTIONS.pass("X-Content-Type-Options: nosniff")
        }
        Some(v) => web::X_CONTENT_TYPE_OPTIONS.bad(
            format!("X-Content-Type-Options is {v:?}, not nosniff"),
            "Send X-Content-Type-Options: nosniff on every answer.",
        ),
        None => web::X_CONTENT_TYPE_OPTIONS.bad(
            "no X-Content-Type-Options header",
            "Send X-Content-Type-Options: nosniff on every answer.",
        ),
    }
}

/// `web.headers.x-frame-options`: DENY or SAMEORIGIN, or (what browsers obey first) a CSP
/// `frame-ancestors` limited to `'self'` or `'none'`.
pub fn x_frame_options(a: &Answer) -> Subtest {
    let csp = a.all("content-security-policy");
    match a.first("x-frame-options") {
        Some(v)
            if matches!(
                v.split(',')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_uppercase()
                    .as_str(),
                "DENY" | "SAMEORIGIN"
            ) =>
        {
            web::X_FRAME_OPTIONS.pass(format!("X-Frame-Options: {v}"))
        }
        other => {
            if crate::csp::frame_ancestors_limited(&csp) {
                return web::X_FRAME_OPTIONS.pass(
                    "no valid X-Frame-Options, but CSP frame-ancestors forbids framing (internet.nl looks only at X-Frame-Options)",
                );
            }
            web::X_FRAME_OPTIONS.bad(
                match other {
                    Some(v) => format!("X-Frame-Options is {v:?}, not DENY or SAMEORIGIN"),
                    None => "no X-Frame-Options header and no CSP frame-ancestors".into(),
                },
                "Send X-Frame-Options: DENY (or SAMEORIGIN) and CSP frame-ancestors 'none' (or 'self').",
            )
        }
    }
}

/// `web.headers.referrer-policy`: the last policy is the one browsers use; `no-referrer` and
/// `same-origin` are good, `strict-origin[-when-cross-origin]` acceptable, the rest leak.
pub fn referrer_policy(a: &Answer) -> Subtest {
    let spec = web::REFERRER_POLICY;
    let Some(value) = a.first("referrer-policy").filter(|v| !v.trim().is_empty()) else {
        return spec.info(
            "no Referrer-Policy: browsers default to strict-origin-when-cross-origin (internet.nl recommends setting one)",
        );
    };
    let last = value
        .split(',')
        .map(str::trim)
        .next_back()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match last.as_str() {
        "no-referrer" | "same-origin" => spec.pass(format!("Referrer-Policy: {value}")),
        "strict-origin" | "strict-origin-when-cross-origin" => spec.pass(format!(
            "Referrer-Policy: {value} (same-origin or no-referrer would share less)"
        )),
        "origin" | "origin-when-cross-origin" | "no-referrer-when-downgrade" | "unsafe-url" => spec
            .bad(
                format!("Referrer-Policy {last} sends where visitors come from to other sites"),
                "Send Referrer-Policy: same-origin (or no-referrer).",
            ),
        _ => spec.bad(
            format!("Referrer-Policy {value:?} is not a policy browsers know"),
            "Send Referrer-Policy: same-origin (or no-referrer).",
        ),
    }
}

/// `web.headers.csp`, naming the directive that fails.
pub fn csp(a: &Answer, domain: &str) -> Subtest {
    let spec = web::CSP;
    let values = a.all("content-security-policy");
    if values.is_empty() {
        return spec.bad(
            "no Content-Security-Policy header",
            "Send a CSP such as: default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none' (Bolwerk's own).",
        );
    }
    let details: Vec<String> = values.iter().map(|v| v.to_string()).collect();
    let problems = crate::csp::problems(&values, domain);
    let Some(first) = problems.first() else {
        return spec
            .pass("the Content-Security-Policy meets internet.nl's rules")
            .with_details(details);
    };
    let named: Vec<String> = problems
        .iter()
        .map(|p| format!("{}: {}", p.directive, p.what))
        .collect();
    spec.bad(
        format!("the CSP fails on {}", named.join("; ")),
        format!(
            "Change {} first ({}); internet.nl needs 'self' or 'none' for default-src, frame-ancestors, base-uri and form-action, and no unsafe sources.",
            first.directive, first.what
        ),
    )
    .with_details(details)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Status;

    fn answer(headers: &[(&str, &str)]) -> Answer {
        Answer {
            status: 200,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn hsts_needs_a_year() {
        assert_eq!(
            hsts_max_age("max-age=31536000; includeSubDomains"),
            Ok(31_536_000)
        );
        assert_eq!(hsts_max_age("Max-Age=\"600\""), Ok(600));
        assert!(hsts_max_age("includeSubDomains").is_err());
        assert!(hsts_max_age("max-age=1; max-age=2").is_err());
        assert!(hsts_max_age("max-age=-1").is_err());
        assert!(hsts_max_age("max-age=").is_err());
        let ok = hsts(&answer(&[(
            "strict-transport-security",
            "max-age=63072000",
        )]));
        assert_eq!(ok.status, Status::Pass);
        let short = hsts(&answer(&[("strict-transport-security", "max-age=86400")]));
        assert_eq!(short.status, Status::Fail);
        assert!(short.found.contains("less than a year"), "{short:?}");
        assert_eq!(hsts(&answer(&[])).status, Status::Fail);
    }

    #[test]
    fn the_redirect_must_go_to_https_on_the_same_host_first() {
        let to = |loc: &str| Plain::Answer {
            status: 301,
            location: Some(loc.into()),
        };
        assert_eq!(
            redirect("example.nl", &to("https://example.nl/")).status,
            Status::Pass
        );
        assert_eq!(
            redirect("example.nl", &to("https://EXAMPLE.nl:8443/x")).status,
            Status::Pass
        );
        assert_eq!(
            redirect("example.nl", &to("https://www.example.nl/")).status,
            Status::Fail
        );
        assert_eq!(
            redirect("example.nl", &to("http://example.nl/")).status,
            Status::Fail
        );
        let none = Plain::Answer {
            status: 200,
            location: None,
        };
        assert_eq!(redirect("example.nl", &none).status, Status::Fail);
        assert_eq!(
            redirect("example.nl", &Plain::Closed("refused".into())).status,
            Status::Pass
        );
    }

    #[test]
    fn security_headers() {
        let good = answer(&[
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"),
            ("referrer-policy", "no-referrer, same-origin"),
        ]);
        assert_eq!(x_content_type_options(&good).status, Status::Pass);
        assert_eq!(x_frame_options(&good).status, Status::Pass);
        assert_eq!(referrer_policy(&good).status, Status::Pass);
        let bad = answer(&[
            ("x-content-type-options", "sniff"),
            ("x-frame-options", "ALLOW-FROM https://x"),
            ("referrer-policy", "same-origin, unsafe-url"),
        ]);
        assert_eq!(x_content_type_options(&bad).status, Status::Warning);
        assert_eq!(x_frame_options(&bad).status, Status::Info);
        assert_eq!(referrer_policy(&bad).status, Status::Warning);
        let csp_only = answer(&[("content-security-policy", "frame-ancestors 'none'")]);
        assert_eq!(x_frame_options(&csp_only).status, Status::Pass);
        assert_eq!(referrer_policy(&answer(&[])).status, Status::Info);
        let gz = answer(&[("content-encoding", "gzip")]);
        assert_eq!(compression(&gz).status, Status::Info);
        assert!(compression(&gz).fix.is_some());
    }

    #[test]
    fn csp_names_the_directive() {
        let s = csp(
            &answer(&[(
                "content-security-policy",
                "default-src 'self'; script-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
            )]),
            "example.nl",
        );
        assert_eq!(s.status, Status::Warning);
        assert!(s.found.contains("script-src: 'unsafe-inline'"), "{s:?}");
        assert!(
            s.fix.as_deref().unwrap().starts_with("Change script-src"),
            "{s:?}"
        );
        assert!(
            csp(&answer(&[]), "example.nl")
                .found
                .contains("no Content-Security-Policy")
        );
    }
}
