//! Content-Security-Policy judged by internet.nl's rules (`checks/tasks/http_headers.py`, 2025),
//! and — what internet.nl does not say — the exact directive and source that make it fail.
//!
//! The rules: no `'unsafe-inline'`, `'unsafe-eval'` or `'unsafe-hashes'` anywhere; no `http:`
//! (or `*`) scheme, no bare `https:`, no host without a scheme, no `*` or `127.0.0.1` host;
//! no `data:` for scripts or objects; `default-src` of `'none'`, or `'self'` with at most hosts
//! of the domain itself; `frame-src` (or the `default-src` it falls back to) limited;
//! `frame-ancestors`, `base-uri` and `form-action` present and limited to `'self'`/`'none'`
//! (`form-action` may name hosts).

/// A source expression, classified as internet.nl's regular expressions do.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Source {
    /// `'self'`.
    SelfKw,
    /// `'none'`.
    None,
    /// `'unsafe-inline'`, `'unsafe-eval'`, `'unsafe-hashes'`.
    Unsafe(String),
    /// `'report-sample'`.
    ReportSample,
    /// Nonces, hashes, `'strict-dynamic'`.
    OtherKeyword,
    /// `https:`, `data:`, …
    Scheme(String),
    /// `[scheme://]host[:port][/path]`.
    Host {
        scheme: Option<String>,
        host: String,
    },
    /// Anything else (ignored, as internet.nl does).
    Unknown,
}

fn classify(value: &str) -> Source {
    let v = value.to_ascii_lowercase();
    match v.as_str() {
        "'self'" => return Source::SelfKw,
        "'none'" => return Source::None,
        "'unsafe-inline'" | "'unsafe-eval'" | "'unsafe-hashes'" => {
            return Source::Unsafe(v.clone());
        }
        "'report-sample'" => return Source::ReportSample,
        "'strict-dynamic'" => return Source::OtherKeyword,
        _ => {}
    }
    if v.starts_with("'nonce-")
        || v.starts_with("'sha256-")
        || v.starts_with("'sha384-")
        || v.starts_with("'sha512-")
    {
        return Source::OtherKeyword;
    }
    if v.starts_with('\'') {
        return Source::Unknown;
    }
    if let Some(scheme) = v.strip_suffix(':')
        && matches!(
            scheme,
            "http" | "https" | "data" | "mediastream" | "blob" | "filesystem"
        )
    {
        return Source::Scheme(scheme.to_string());
    }
    let (scheme, rest) = match v.split_once("://") {
        Some((s, r)) if !s.is_empty() => (Some(s.to_string()), r),
        _ => (None, v.as_str()),
    };
    let host_end = if rest.starts_with('[') {
        rest.find(']').map(|i| i + 1).unwrap_or(rest.len())
    } else {
        rest.find([':', '/']).unwrap_or(rest.len())
    };
    let host = &rest[..host_end];
    if host.is_empty() || host.contains('\'') {
        return Source::Unknown;
    }
    let tail = &rest[host_end..];
    let tail_ok = {
        let (port, path) = match tail.strip_prefix(':') {
            Some(t) => {
                let end = t.find('/').unwrap_or(t.len());
                (Some(&t[..end]), &t[end..])
            }
            None => (None, tail),
        };
        port.is_none_or(|p| p == "*" || (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())))
            && (path.is_empty() || path.starts_with('/'))
    };
    if !tail_ok {
        return Source::Unknown;
    }
    Source::Host {
        scheme,
        host: host.to_string(),
    }
}

/// The directives internet.nl knows (others are ignored, as it does), with their fallbacks.
fn fallback(directive: &str) -> &'static [&'static str] {
    match directive {
        "frame-src" => &["child-src", "default-src"],
        "script-src-elem" | "script-src-attr" => &["script-src", "default-src"],
        "style-src-elem" | "style-src-attr" => &["style-src", "default-src"],
        "worker-src" => &["child-src", "script-src", "default-src"],
        "child-src" | "connect-src" | "font-src" | "img-src" | "manifest-src" | "media-src"
        | "object-src" | "prefetch-src" | "script-src" | "style-src" => &["default-src"],
        _ => &[],
    }
}

/// A parsed policy: directive → sources, in order of appearance.
#[derive(Clone, Debug, Default)]
struct Policy {
    directives: Vec<(String, Vec<(String, Source)>)>,
}

impl Policy {
    fn parse(header_values: &[&str]) -> Policy {
        let mut p = Policy::default();
        for value in header_values {
            // Several policies in one header are separated by commas.
            for policy in value.split(',') {
                for directive in policy.split(';') {
                    let mut words = directive.split_ascii_whitespace();
                    let Some(name) = words.next() else { continue };
                    let name = name.to_ascii_lowercase();
                    let sources: Vec<(String, Source)> =
                        words.map(|w| (w.to_string(), classify(w))).collect();
                    match p.directives.iter_mut().find(|(n, _)| *n == name) {
                        Some((_, existing)) => existing.extend(sources),
                        None => p.directives.push((name, sources)),
                    }
                }
            }
        }
        p
    }

    fn get(&self, name: &str) -> Option<&[(String, Source)]> {
        self.directives
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s.as_slice())
    }

    /// The directive in effect for `name`: itself, or the first fallback present.
    fn effective<'a>(&'a self, name: &'a str) -> Option<(&'a str, &'a [(String, Source)])> {
        std::iter::once(name)
            .chain(fallback(name).iter().copied())
            .find_map(|n| self.get(n).map(|s| (n, s)))
    }
}

/// One reason a policy fails: the directive and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The directive (`script-src`), or the one that is missing.
    pub directive: String,
    /// What is wrong.
    pub what: String,
}

fn same_domain(host: &str, domain: &str) -> bool {
    let host = host.trim_end_matches('.');
    host == domain || host.ends_with(&format!(".{domain}"))
}

/// internet.nl's test for `default-src` and `base-uri`: `'none'` alone, or `'self'` with at most
/// `'report-sample'` and hosts of the domain itself (all under one base).
fn none_or_self(sources: Option<&[(String, Source)]>, domain: &str) -> Result<(), String> {
    let Some(sources) = sources else {
        return Err("missing".into());
    };
    if sources.len() == 1 && sources[0].1 == Source::None {
        return Ok(());
    }
    if !sources.iter().any(|(_, s)| *s == Source::SelfKw) {
        return Err("has neither 'self' nor 'none' (alone)".into());
    }
    let mut hosts = Vec::new();
    for (text, s) in sources {
        match s {
            Source::SelfKw | Source::ReportSample => {}
            Source::Host { host, .. } => {
                let h = host.strip_prefix("*.").unwrap_or(host);
                // A parent of the domain counts only down to its registrable part (two labels
                // at least): `*.nl` is every .nl site, not this one.
                let parent_ok =
                    same_domain(domain, h) && h.split('.').filter(|l| !l.is_empty()).count() >= 2;
                if h.is_empty() || !same_domain(h, domain) && !parent_ok {
                    return Err(format!("allows {text}, outside {domain}"));
                }
                hosts.push(h.to_string());
            }
            _ => return Err(format!("allows {text}")),
        }
    }
    if let Some(base) = hosts.iter().min_by_key(|h| h.len())
        && !hosts.iter().all(|h| same_domain(h, base))
    {
        return Err("allows hosts of different domains".into());
    }
    Ok(())
}

/// Every reason the policy fails internet.nl's test, naming the directive; empty: it passes.
pub fn problems(header_values: &[&str], domain: &str) -> Vec<Problem> {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let p = Policy::parse(header_values);
    let mut out = Vec::new();
    let mut add = |d: &str, what: String| {
        out.push(Problem {
            directive: d.to_string(),
            what,
        })
    };
    for (name, sources) in &p.directives {
        if !is_known(name) {
            continue;
        }
        for (text, s) in sources {
            match s {
                Source::Unsafe(kw) => add(name, format!("{kw} lets injected script or style run")),
                Source::Scheme(sch) if sch == "http" => {
                    add(name, "http: allows loading over plain HTTP".into())
                }
                Source::Scheme(sch) if sch == "https" => {
                    add(name, "https: (bare) allows any host on the internet".into())
                }
                Source::Host { scheme, host } => {
                    if host == "*" || host == "127.0.0.1" {
                        add(name, format!("{text} allows any host (or localhost)"));
                    } else if scheme.as_deref().is_some_and(|s| s == "http" || s == "*") {
                        add(name, format!("{text} allows plain HTTP"));
                    } else if scheme.is_none() {
                        add(name, format!("{text} has no scheme (write https://{host})"));
                    }
                }
                _ => {}
            }
        }
    }
    for d in ["object-src", "script-src"] {
        if let Some((eff, sources)) = p.effective(d)
            && sources
                .iter()
                .any(|(_, s)| *s == Source::Scheme("data".into()))
        {
            let shown = if eff == d {
                d.to_string()
            } else {
                format!("{eff} (for {d})")
            };
            add(
                &shown,
                "data: lets a page load script or plugins from inline data".into(),
            );
        }
    }
    let default_ok = none_or_self(p.get("default-src"), &domain);
    if let Err(why) = &default_ok {
        add("default-src", why.clone());
        let frame_ok = p.effective("frame-src").is_some_and(|(_, s)| {
            s.iter()
                .any(|(_, s)| matches!(s, Source::SelfKw | Source::None | Source::Host { .. }))
        });
        if !frame_ok {
            add(
                "frame-src",
                "missing, and no default-src to fall back on".into(),
            );
        }
    }
    let limited = |sources: Option<&[(String, Source)]>, hosts_ok: bool| -> Result<(), String> {
        match sources {
            None => Err("missing".into()),
            Some(s)
                if s.iter().any(|(_, s)| {
                    matches!(s, Source::SelfKw | Source::None)
                        || hosts_ok && matches!(s, Source::Host { .. })
                }) =>
            {
                Ok(())
            }
            Some(_) => Err("has neither 'self' nor 'none'".into()),
        }
    };
    if let Err(why) = limited(p.get("frame-ancestors"), false) {
        add("frame-ancestors", why);
    }
    if let Err(why) = none_or_self(p.get("base-uri"), &domain) {
        add("base-uri", why);
    }
    if let Err(why) = limited(p.get("form-action"), true) {
        add("form-action", why);
    }
    out
}

/// Whether `frame-ancestors` limits framing to `'self'` or `'none'` (clickjacking covered).
pub fn frame_ancestors_limited(header_values: &[&str]) -> bool {
    let p = Policy::parse(header_values);
    p.get("frame-ancestors").is_some_and(|s| {
        !s.is_empty()
            && s.iter()
                .all(|(_, s)| matches!(s, Source::SelfKw | Source::None))
    })
}

fn is_known(name: &str) -> bool {
    !fallback(name).is_empty()
        || matches!(
            name,
            "default-src"
                | "base-uri"
                | "form-action"
                | "frame-ancestors"
                | "navigate-to"
                | "sandbox"
                | "plugin-types"
                | "report-to"
                | "trusted-types"
                | "upgrade-insecure-requests"
                | "block-all-mixed-content"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOLWERK: &str = "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

    fn named(csp: &str) -> Vec<String> {
        problems(&[csp], "example.nl")
            .into_iter()
            .map(|p| format!("{}: {}", p.directive, p.what))
            .collect()
    }

    /// `*.nl` is a parent of example.nl, but it is every .nl site: never "the domain itself".
    #[test]
    fn a_top_level_wildcard_is_outside_the_domain() {
        let p = named(
            "default-src 'self' https://*.nl; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        );
        assert!(p.iter().any(|x| x.contains("*.nl")), "{p:?}");
        assert!(named("default-src 'self' https://*.example.nl; frame-ancestors 'none'; base-uri 'self'; form-action 'self'").is_empty());
    }

    #[test]
    fn bolwerks_own_policy_passes() {
        assert!(named(BOLWERK).is_empty(), "{:?}", named(BOLWERK));
        assert!(named("default-src 'none'; frame-ancestors 'self'; base-uri 'none'; form-action https://forms.example.nl").is_empty());
        assert!(named("default-src 'self' https://cdn.example.nl; frame-ancestors 'none'; base-uri 'self'; form-action 'self'").is_empty());
    }

    #[test]
    fn the_failing_directive_is_named() {
        let p = named(&format!("{BOLWERK}; script-src 'self' 'unsafe-inline'"));
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].starts_with("script-src: 'unsafe-inline'"), "{p:?}");
        let p = named(&format!(
            "{BOLWERK}; style-src 'self' 'unsafe-inline'; script-src 'unsafe-eval'"
        ));
        assert!(
            p.iter()
                .any(|p| p.starts_with("style-src: 'unsafe-inline'")),
            "{p:?}"
        );
        assert!(
            p.iter().any(|p| p.starts_with("script-src: 'unsafe-eval'")),
            "{p:?}"
        );
        let p = named("default-src 'self'; frame-ancestors 'none'; base-uri 'self'");
        assert_eq!(p, vec!["form-action: missing".to_string()]);
        let p = named("script-src 'self'");
        for d in [
            "default-src: missing",
            "frame-src: missing",
            "frame-ancestors: missing",
            "base-uri: missing",
            "form-action: missing",
        ] {
            assert!(p.iter().any(|x| x.starts_with(d)), "{d} in {p:?}");
        }
    }

    #[test]
    fn schemes_hosts_and_data_are_judged() {
        let p = named(&format!("{BOLWERK}; img-src https:"));
        assert!(p[0].starts_with("img-src: https: (bare)"), "{p:?}");
        let p = named(&format!("{BOLWERK}; img-src http://cdn.example.nl"));
        assert!(p[0].contains("plain HTTP"), "{p:?}");
        let p = named(&format!("{BOLWERK}; connect-src api.example.nl"));
        assert!(p[0].contains("no scheme"), "{p:?}");
        let p = named(&format!("{BOLWERK}; img-src *"));
        assert!(p[0].starts_with("img-src: * allows any host"), "{p:?}");
        let p = named(&format!("{BOLWERK}; script-src 'self' data:"));
        assert!(
            p.iter().any(|p| p.starts_with("script-src: data:")),
            "{p:?}"
        );
        let p = named(
            "default-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        );
        assert!(
            p.iter()
                .any(|p| p.starts_with("default-src (for object-src): data:")),
            "{p:?}"
        );
        assert!(
            p.iter().any(|p| p.starts_with("default-src: allows data:")),
            "{p:?}"
        );
        let p = named(
            "default-src 'self' https://evil.example.com; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        );
        assert!(p.iter().any(|p| p.contains("outside example.nl")), "{p:?}");
        let p = named(
            "default-src 'self'; frame-ancestors https://example.nl; base-uri 'self'; form-action 'self'",
        );
        assert!(
            p.iter()
                .any(|p| p.starts_with("frame-ancestors: has neither")),
            "{p:?}"
        );
    }

    #[test]
    fn sources_are_classified_like_internet_nl() {
        assert_eq!(classify("'SELF'"), Source::SelfKw);
        assert_eq!(classify("https:"), Source::Scheme("https".into()));
        assert_eq!(
            classify("https://*.example.nl:443/path"),
            Source::Host {
                scheme: Some("https".into()),
                host: "*.example.nl".into()
            }
        );
        assert_eq!(classify("https://a.nl:x"), Source::Unknown);
        assert_eq!(classify("'nonce-abc='"), Source::OtherKeyword);
        assert!(frame_ancestors_limited(&[BOLWERK]));
        assert!(!frame_ancestors_limited(&["default-src 'self'"]));
    }
}
