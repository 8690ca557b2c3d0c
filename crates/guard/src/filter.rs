//! Filters: one file per service with named patterns, like fail2ban's, each file carrying
//! real log lines as its own tests (lines that must match, with the address they must
//! yield, and lines that must not).
//!
//! A pattern is searched in the line (not anchored), so one pattern serves the syslog file,
//! the service's own log file and the journal's message alike. `<HOST>` stands for the
//! client's address.

use std::net::IpAddr;

use regex::{Regex, RegexSet};
use serde::Deserialize;

/// What `<HOST>` becomes: an IPv4 address or something IPv6-shaped; the capture must then
/// parse as an address, or the line does not count.
const HOST: &str = r"(?P<host>(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]+)";

/// What `<PORT>` becomes: the client's source port, where the line names it.
const PORT: &str = r"(?P<port>\d{1,5})";

/// The filters that ship with Bolwerk (`crates/guard/filters/`), by name.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("dovecot", include_str!("../filters/dovecot.toml")),
    ("postfix", include_str!("../filters/postfix.toml")),
    ("knot", include_str!("../filters/knot.toml")),
    ("bind", include_str!("../filters/bind.toml")),
    ("sshd", include_str!("../filters/sshd.toml")),
];

/// Why a filter file was refused.
#[derive(Debug, thiserror::Error)]
pub enum FilterError {
    /// Not TOML of the right shape.
    #[error("filter {name}: {message}")]
    Syntax {
        /// The filter.
        name: String,
        /// What the TOML parser said.
        message: String,
    },
    /// A pattern is wrong.
    #[error("filter {name}, pattern {pattern}: {message}")]
    Pattern {
        /// The filter.
        name: String,
        /// The pattern.
        pattern: String,
        /// What is wrong.
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FilterFile {
    service: String,
    #[serde(default)]
    description: String,
    threshold: u32,
    window: String,
    /// What may come before a pattern: the syslog or journal or the service's own log
    /// prefix, up to the program's tag. Every pattern is then anchored right after it, so
    /// text a client chooses (a user name, an SMTP command) further on in a line can never be
    /// read as the start of another line.
    prefix: Option<String>,
    #[serde(rename = "pattern")]
    patterns: Vec<PatternFile>,
    #[serde(default, rename = "example")]
    examples: Vec<Example>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatternFile {
    name: String,
    regex: String,
    #[serde(default = "one")]
    weight: u32,
    #[serde(default)]
    spoofable: bool,
    #[serde(default)]
    tcp_confirms: bool,
    threshold: Option<u32>,
    window: Option<String>,
}

fn one() -> u32 {
    1
}

/// A line of a filter file's own tests.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// The log line, as the service wrote it.
    pub line: String,
    /// The pattern that must match it; `None`: no pattern may.
    pub pattern: Option<String>,
    /// The address the match must yield.
    pub host: Option<String>,
}

/// One named pattern of a filter.
#[derive(Debug)]
pub struct Pattern {
    /// `auth-failed`.
    pub name: String,
    regex: Regex,
    /// How much a match counts toward the threshold (0: recorded only).
    pub weight: u32,
    /// Evidence that may arrive over UDP with a forged source: counted, never banned on
    /// (unless [`Pattern::tcp_confirms`] and the kernel saw its address and port over TCP).
    pub spoofable: bool,
    /// A spoofable match counts after all when the firewall saw an established TCP
    /// connection from the line's address and `<PORT>`: a forged UDP packet cannot make one.
    pub tcp_confirms: bool,
    /// Matches that ban, within [`Pattern::window_s`].
    pub threshold: u32,
    /// Seconds.
    pub window_s: i64,
    /// Whether threshold or window differ from the filter's (counted apart then).
    pub own_count: bool,
}

/// A parsed filter.
#[derive(Debug)]
pub struct Filter {
    /// `dovecot`.
    pub name: String,
    /// `Dovecot IMAP/POP3`.
    pub service: String,
    /// What it recognises.
    pub description: String,
    /// The patterns, in file order (the first that matches a line wins).
    pub patterns: Vec<Pattern>,
    set: RegexSet,
    /// The file's own test lines.
    pub examples: Vec<Example>,
}

/// A line a filter recognised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    /// Index into [`Filter::patterns`].
    pub pattern: usize,
    /// The client's address.
    pub host: IpAddr,
    /// Its source port, where the pattern has `<PORT>`.
    pub port: Option<u16>,
    /// How many attempts the line stands for (a capture named `attempts`, as in Dovecot's
    /// "auth failed, 12 attempts"), 1 to [`MAX_ATTEMPTS`]; 1 without one.
    pub attempts: u32,
}

/// The most attempts one line may stand for.
pub const MAX_ATTEMPTS: u32 = 20;

/// Seconds in `30s`, `10m`, `1h`, `1d`.
pub fn parse_window(s: &str) -> Result<i64, String> {
    match shield::bans::parse_duration(s)? {
        Some(secs) => Ok(secs),
        None => Err(format!("{s:?}: a window cannot be permanent")),
    }
}

impl Filter {
    /// Reads a filter file's text; `name` is the file's name without `.toml`.
    pub fn parse(name: &str, text: &str) -> Result<Filter, FilterError> {
        let file: FilterFile = toml::from_str(text).map_err(|e| FilterError::Syntax {
            name: name.to_string(),
            message: e.message().to_string(),
        })?;
        let bad = |pattern: &str, message: String| FilterError::Pattern {
            name: name.to_string(),
            pattern: pattern.to_string(),
            message,
        };
        if file.patterns.is_empty() {
            return Err(FilterError::Syntax {
                name: name.to_string(),
                message: "no [[pattern]]".into(),
            });
        }
        let window_s = parse_window(&file.window).map_err(|m| bad("(window)", m))?;
        if file.threshold == 0 {
            return Err(bad(
                "(threshold)",
                "the threshold must be at least 1".into(),
            ));
        }
        let mut patterns = Vec::with_capacity(file.patterns.len());
        let mut sources = Vec::with_capacity(file.patterns.len());
        for p in file.patterns {
            if patterns.iter().any(|q: &Pattern| q.name == p.name) {
                return Err(bad(&p.name, "the name is used twice".into()));
            }
            if p.regex.matches("<HOST>").count() != 1 {
                return Err(bad(&p.name, "<HOST> must appear exactly once".into()));
            }
            if p.regex.matches("<PORT>").count() > 1 {
                return Err(bad(&p.name, "<PORT> may appear once".into()));
            }
            if p.tcp_confirms && !(p.spoofable && p.regex.contains("<PORT>")) {
                return Err(bad(
                    &p.name,
                    "tcp_confirms needs spoofable = true and <PORT> in the regex".into(),
                ));
            }
            let body = p.regex.replace("<HOST>", HOST).replace("<PORT>", PORT);
            let source = match &file.prefix {
                Some(prefix) => format!("^(?:{prefix})(?:{body})"),
                None => body,
            };
            let regex = Regex::new(&source).map_err(|e| bad(&p.name, e.to_string()))?;
            let threshold = p.threshold.unwrap_or(file.threshold);
            if threshold == 0 {
                return Err(bad(&p.name, "the threshold must be at least 1".into()));
            }
            let own_window = match &p.window {
                Some(w) => Some(parse_window(w).map_err(|m| bad(&p.name, m))?),
                None => None,
            };
            sources.push(source);
            patterns.push(Pattern {
                own_count: p.threshold.is_some() || own_window.is_some(),
                window_s: own_window.unwrap_or(window_s),
                name: p.name,
                regex,
                weight: p.weight,
                spoofable: p.spoofable,
                tcp_confirms: p.tcp_confirms,
                threshold,
            });
        }
        let set = RegexSet::new(&sources).map_err(|e| bad("(all)", e.to_string()))?;
        Ok(Filter {
            name: name.to_string(),
            service: file.service,
            description: file.description,
            patterns,
            set,
            examples: file.examples,
        })
    }

    /// The first pattern matching `line` whose `<HOST>` is an address.
    pub fn find(&self, line: &str) -> Option<Hit> {
        let matched = self.set.matches(line);
        if !matched.matched_any() {
            return None;
        }
        matched.iter().find_map(|i| {
            let p = self.patterns.get(i)?;
            let caps = p.regex.captures(line)?;
            let host = parse_host(caps.name("host")?.as_str())?;
            let port = caps.name("port").and_then(|p| p.as_str().parse().ok());
            let attempts = caps
                .name("attempts")
                .and_then(|a| a.as_str().parse::<u32>().ok())
                .map_or(1, |n| n.clamp(1, MAX_ATTEMPTS));
            Some(Hit {
                pattern: i,
                host,
                port,
                attempts,
            })
        })
    }

    /// Runs the file's own examples; each failure as a sentence.
    pub fn check_examples(&self) -> Vec<String> {
        let mut failures = Vec::new();
        for (n, ex) in self.examples.iter().enumerate() {
            let hit = self.find(&ex.line);
            let got = hit.map(|h| (self.patterns[h.pattern].name.as_str(), h.host));
            let want_host = ex.host.as_deref().and_then(parse_host);
            let ok = match (&ex.pattern, got) {
                (None, None) => true,
                (Some(want), Some((name, host))) => {
                    want == name && ex.host.as_ref().is_none_or(|_| want_host == Some(host))
                }
                _ => false,
            };
            if !ok {
                failures.push(format!(
                    "{} example {}: wanted {}, got {}: {}",
                    self.name,
                    n + 1,
                    describe(ex.pattern.as_deref(), ex.host.as_deref()),
                    match got {
                        Some((name, host)) => format!("{name} for {host}"),
                        None => "no match".into(),
                    },
                    ex.line
                ));
            }
        }
        failures
    }
}

fn describe(pattern: Option<&str>, host: Option<&str>) -> String {
    match (pattern, host) {
        (None, _) => "no match".into(),
        (Some(p), Some(h)) => format!("{p} for {h}"),
        (Some(p), None) => p.into(),
    }
}

/// An address as logs write it: plain, or IPv4-mapped IPv6 (`::ffff:192.0.2.1`, taken as the
/// IPv4 address).
fn parse_host(s: &str) -> Option<IpAddr> {
    let ip: IpAddr = s.trim_matches(|c| c == '[' || c == ']').parse().ok()?;
    Some(match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    })
}

/// The built-in filters, with those in `dir` (`NAME.toml`) added or replacing a built-in
/// of the same name.
pub fn load(dir: Option<&std::path::Path>) -> Result<Vec<Filter>, FilterError> {
    let mut filters: Vec<Filter> = BUILT_IN
        .iter()
        .map(|(name, text)| Filter::parse(name, text))
        .collect::<Result<_, _>>()?;
    let Some(dir) = dir else {
        return Ok(filters);
    };
    let entries = std::fs::read_dir(dir).map_err(|e| FilterError::Syntax {
        name: dir.display().to_string(),
        message: format!("cannot read the filter directory: {e}"),
    })?;
    let mut paths: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    for path in paths {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(&path).map_err(|e| FilterError::Syntax {
            name: name.clone(),
            message: format!("{}: {e}", path.display()),
        })?;
        let filter = Filter::parse(&name, &text)?;
        filters.retain(|f| f.name != name);
        filters.push(filter);
    }
    Ok(filters)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"
service = "Test"
threshold = 3
window = "10m"

[[pattern]]
name = "failed"
regex = 'login failed from <HOST>\b'

[[pattern]]
name = "probe"
regex = 'probe from <HOST>$'
weight = 0
threshold = 9
window = "1h"

[[example]]
line = "x login failed from 192.0.2.1 y"
pattern = "failed"
host = "192.0.2.1"

[[example]]
line = "x login ok from 192.0.2.1"
"#;

    #[test]
    fn a_filter_reads_its_patterns_and_passes_its_examples() {
        let f = Filter::parse("test", SMALL).unwrap();
        assert_eq!(f.patterns.len(), 2);
        assert!(!f.patterns[0].own_count);
        assert!(f.patterns[1].own_count);
        assert_eq!(f.patterns[1].window_s, 3600);
        assert_eq!(f.patterns[1].weight, 0);
        assert!(f.check_examples().is_empty(), "{:?}", f.check_examples());
        let hit = f.find("probe from ::ffff:198.51.100.9").unwrap();
        assert_eq!(hit.pattern, 1);
        assert_eq!(hit.host, "198.51.100.9".parse::<IpAddr>().unwrap());
        assert_eq!(
            f.find("login failed from 2001:db8::7 now").unwrap().host,
            "2001:db8::7".parse::<IpAddr>().unwrap()
        );
        // A capture that is not an address is no match.
        assert_eq!(f.find("login failed from 999.1.1.1 x"), None);
        assert_eq!(f.find("login failed from ::: x"), None);
    }

    #[test]
    fn a_port_is_captured_for_tcp_confirmation() {
        let text = r#"
service = "DNS"
threshold = 2
window = "10m"
[[pattern]]
name = "denied"
regex = 'denied, remote <HOST>@<PORT>,'
spoofable = true
tcp_confirms = true
"#;
        let f = Filter::parse("dns", text).unwrap();
        assert!(f.patterns[0].tcp_confirms);
        let hit = f
            .find("ACL, denied, remote 203.0.113.7@56671, key none")
            .unwrap();
        assert_eq!(hit.port, Some(56671));
        assert_eq!(
            f.find("ACL, denied, remote 203.0.113.7@99999, key none")
                .unwrap()
                .port,
            None
        );
        let err = Filter::parse("dns", &text.replace("spoofable = true\n", ""))
            .unwrap_err()
            .to_string();
        assert!(err.contains("tcp_confirms needs"), "{err}");
    }

    #[test]
    fn a_prefix_anchors_every_pattern_and_attempts_multiply() {
        let text = r#"
service = "Mail"
threshold = 10
window = "10m"
prefix = '(?:\S+ +\d+ [\d:]+ \S+ )?(?:mail: )?'
[[pattern]]
name = "failed"
regex = 'login failed \((?P<attempts>\d+) attempts\): rip=<HOST>$'
"#;
        let f = Filter::parse("mail", text).unwrap();
        let hit = f
            .find("Dec  6 08:20:01 host mail: login failed (12 attempts): rip=192.0.2.1")
            .unwrap();
        assert_eq!(
            (hit.host, hit.attempts),
            ("192.0.2.1".parse::<IpAddr>().unwrap(), 12)
        );
        assert_eq!(
            f.find("login failed (99 attempts): rip=192.0.2.1")
                .unwrap()
                .attempts,
            MAX_ATTEMPTS
        );
        // Further on in a line, text a client chose is not a line of its own.
        assert_eq!(
            f.find("mail: user=<x login failed (1 attempts): rip=198.51.100.1"),
            None
        );
        assert_eq!(
            f.find("Dec  6 08:20:01 host other: login failed (1 attempts): rip=198.51.100.1"),
            None
        );
    }

    #[test]
    fn a_wrong_example_is_reported() {
        let text = SMALL.replace("host = \"192.0.2.1\"", "host = \"192.0.2.2\"");
        let f = Filter::parse("test", &text).unwrap();
        let failures = f.check_examples();
        assert_eq!(failures.len(), 1);
        assert!(
            failures[0].contains("wanted failed for 192.0.2.2"),
            "{failures:?}"
        );
    }

    #[test]
    fn broken_filters_are_refused_with_the_reason() {
        let cases = [
            (
                SMALL.replace("<HOST>\\b", "x"),
                "<HOST> must appear exactly once",
            ),
            (
                SMALL.replace("'login failed", "'(?<=a)login failed"),
                "look-around",
            ),
            (
                SMALL.replace("window = \"10m\"", "window = \"permanent\""),
                "cannot be permanent",
            ),
            (
                SMALL.replace("threshold = 3", "threshold = 0"),
                "at least 1",
            ),
            (
                SMALL.replace("name = \"probe\"", "name = \"failed\""),
                "used twice",
            ),
            (SMALL.replace("weight = 0", "wait = 0"), "unknown field"),
        ];
        for (text, want) in cases {
            let err = Filter::parse("test", &text).unwrap_err().to_string();
            assert!(err.contains(want), "{err} should say {want}");
        }
    }

    #[test]
    fn every_built_in_filter_passes_its_own_examples() {
        let filters = load(None).unwrap();
        assert_eq!(filters.len(), BUILT_IN.len());
        for f in &filters {
            let matching = f.examples.iter().filter(|e| e.pattern.is_some()).count();
            let clean = f.examples.len() - matching;
            assert!(
                matching >= f.patterns.len(),
                "{}: an example per pattern",
                f.name
            );
            assert!(
                clean >= 3,
                "{}: at least three lines that must not match",
                f.name
            );
            let failures = f.check_examples();
            assert!(failures.is_empty(), "{}", failures.join("\n"));
        }
    }

    #[test]
    fn a_filter_directory_adds_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("dovecot.toml"), SMALL).unwrap();
        std::fs::write(dir.path().join("myapp.toml"), SMALL).unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not a filter").unwrap();
        let filters = load(Some(dir.path())).unwrap();
        assert_eq!(filters.len(), BUILT_IN.len() + 1);
        let dovecot = filters.iter().find(|f| f.name == "dovecot").unwrap();
        assert_eq!(dovecot.service, "Test");
        std::fs::write(dir.path().join("bad.toml"), "service = 1").unwrap();
        let err = load(Some(dir.path())).unwrap_err().to_string();
        assert!(err.starts_with("filter bad:"), "{err}");
    }
}
