//! The shield: Bolwerk's pure decision engine. It is fed facts about a request (method, path,
//! query, headers, a bounded body) and returns an [`Inspection`]: the rules that matched,
//! where, and an anomaly score. It does no IO and runs no async code, so every rule can be
//! unit-tested, fuzzed and benchmarked alone.
//!
//! Values are normalised first (see [`normalize`]), then checked by libinjection (SQLi, XSS)
//! and by the pattern rules in [`rules`], all linear-time.

#![warn(missing_docs)]

mod b64;
pub mod bans;
pub mod blocklist;
mod body;
mod clean;
mod clients;
pub mod crawlers;
pub mod defense;
pub mod net;
pub mod normalize;
pub mod rules;

use std::collections::BTreeMap;

use regex::Regex;
use regex::bytes::{RegexSet, RegexSetBuilder};

pub use rules::{Category, Rule, Severity, Target};
use rules::{RULES, ids};

/// A built-in pattern failed to compile (a bug, caught by the tests).
pub type BuildError = regex::Error;

/// Score at or above which a request is blocked (one critical rule).
pub const DEFAULT_THRESHOLD: u32 = 5;

/// Settings of the inspection engine.
#[derive(Clone, Debug)]
pub struct InspectConfig {
    /// Anomaly score at which a request is blocked.
    pub threshold: u32,
    /// Rule ids switched off (false positives on a site).
    pub disabled_rules: Vec<u32>,
    /// Bytes of a body that are inspected; the rest is not looked at.
    pub max_body: usize,
}

impl Default for InspectConfig {
    fn default() -> Self {
        InspectConfig {
            threshold: DEFAULT_THRESHOLD,
            disabled_rules: Vec::new(),
            max_body: 64 << 10,
        }
    }
}

/// What a route does with the request body, so the shield knows how to read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// A public route: everything is inspected.
    Public,
    /// An admin route whose body is rich text written by a signed-in editor (the page
    /// editor): the body is sanitised on output, not blocked; path, query and headers still are.
    EditorContent,
}

/// The facts of one request.
#[derive(Clone, Debug)]
pub struct Facts<'a> {
    /// Method as sent.
    pub method: &'a str,
    /// Path as sent (still percent-encoded).
    pub path: &'a str,
    /// Query string as sent, without the `?`.
    pub query: Option<&'a str>,
    /// Every header, in order, repeated ones repeated.
    pub headers: &'a [(&'a str, &'a [u8])],
    /// The body, or its first bytes (see [`InspectConfig::max_body`]).
    pub body: Option<&'a [u8]>,
    /// How to treat the body.
    pub profile: Profile,
    /// HTTP/2 and later carry the host in `:authority`; no `Host` header is then expected.
    pub host_in_authority: bool,
}

/// One rule that matched, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    /// Rule id.
    pub rule: u32,
    /// Attack class.
    pub category: Category,
    /// Points.
    pub severity: Severity,
    /// Where: `path`, `arg:q`, `body:comment`, `header:user-agent`, `cookie:x`, `request`.
    pub location: String,
    /// The start of the normalised value that matched (at most 100 characters).
    pub excerpt: String,
}

/// The result of inspecting one request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inspection {
    /// Sum of the severities of the distinct rules that matched.
    pub score: u32,
    /// The first match of each rule.
    pub matches: Vec<Match>,
}

impl Inspection {
    /// Whether the request reaches the threshold.
    pub fn is_attack(&self, threshold: u32) -> bool {
        self.score >= threshold
    }

    /// Rule ids, for logs.
    pub fn rule_ids(&self) -> Vec<u32> {
        self.matches.iter().map(|m| m.rule).collect()
    }
}

/// A compiled set of pattern rules for one target.
struct RuleSet {
    set: RegexSet,
    rules: Vec<&'static Rule>,
}

impl RuleSet {
    fn new(target: Target, disabled: &[u32]) -> Result<RuleSet, regex::Error> {
        let rules: Vec<&'static Rule> = RULES
            .iter()
            .filter(|r| r.target == target && !disabled.contains(&r.id))
            .collect();
        // ASCII classes and word boundaries: Unicode `\b` would push every non-ASCII value
        // (most honest text) off the fast DFA onto the slow engine. The patterns are ASCII.
        // Normalised text keeps line breaks (they separate shell commands); `.` spans them.
        let set = RegexSetBuilder::new(rules.iter().map(|r| r.pattern))
            .unicode(false)
            .dot_matches_new_line(true)
            .size_limit(64 << 20)
            .dfa_size_limit(64 << 20)
            .build()?;
        Ok(RuleSet { set, rules })
    }
}

/// The inspection engine, built once and shared by all requests.
pub struct Shield {
    config: InspectConfig,
    /// Distinguishes rule sets in the per-thread memory of clean header values.
    generation: u64,
    values: RuleSet,
    names: RuleSet,
    paths: RuleSet,
    agents: RuleSet,
    gadgets: Vec<String>,
    charset: Regex,
    protocol_smuggling: Regex,
    /// HTTP request lines, headers or responses after a line break (splitting, smuggling).
    http_injection: Regex,
    sql_words: regex::bytes::Regex,
    /// SQL comments as whitespace or hiding places, in the text before normalisation.
    sql_comment: regex::bytes::Regex,
    /// A value that is a whole SQL statement from its first word (pasted, not injected).
    pasted_sql: regex::bytes::Regex,
}

/// Rules that a pasted, well-formed SQL statement sets off by its nature (a quoted literal
/// followed by a `--` comment); in such a value they do not count. An injection has to break
/// out of the context it lands in first, which the other SQL rules still see.
const PASTED_SQL_DEMOTED: &[u32] = &[ids::LIBINJECTION_SQLI, 1007, 1019];

/// Rules that quotes around a phrase (`'Click here' -- nothing happens`, `'Union Jack' night`)
/// set off by their nature; in a value whose quotes all pair up that way they do not count
/// (a superset of [`PASTED_SQL_DEMOTED`]). See [`phrase_quoted`].
const PHRASE_QUOTED_DEMOTED: &[u32] = &[ids::LIBINJECTION_SQLI, 1007, 1014, 1015, 1019];

/// Whether `s` has quotes and every one of them is an apostrophe inside a word (`o'brien`)
/// or one of a pair around a phrase: opened at the start or after a space or bracket and
/// before a letter or digit, closed after a non-space and before a space, the end or
/// punctuation. Such a value cannot leave a quoted SQL string: its first quote would end
/// the string only where the next one starts another, with no operator in between.
fn phrase_quoted(s: &str) -> bool {
    let b = s.as_bytes();
    let word = |c: Option<&u8>| c.is_some_and(|c| c.is_ascii_alphanumeric() || *c >= 0x80);
    let mut any = false;
    for quote in [b'\'', b'"'] {
        let mut open = false;
        for i in (0..b.len()).filter(|&i| b[i] == quote) {
            let (prev, next) = (i.checked_sub(1).and_then(|p| b.get(p)), b.get(i + 1));
            if quote == b'\'' && word(prev) && word(next) {
                continue;
            }
            any = true;
            open = if open {
                let closes = prev.is_some_and(|c| !c.is_ascii_whitespace())
                    && next.is_none_or(|c| b" \n.,!?:)]".contains(c));
                if !closes {
                    return false;
                }
                false
            } else {
                let opens = prev.is_none_or(|c| b" \n([:".contains(c)) && word(next);
                if !opens {
                    return false;
                }
                true
            };
        }
        if open {
            return false;
        }
    }
    any
}

/// Headers whose values are machine-made and never inspected for injections.
const SKIPPED_HEADERS: &[&str] = &[
    "host",
    "accept",
    "accept-encoding",
    "accept-language",
    "accept-charset",
    "connection",
    "content-length",
    "content-type",
    "cache-control",
    "pragma",
    "upgrade-insecure-requests",
    "if-none-match",
    "if-modified-since",
    "sec-fetch-site",
    "sec-fetch-mode",
    "sec-fetch-dest",
    "sec-fetch-user",
    "sec-ch-ua",
    "sec-ch-ua-mobile",
    "sec-ch-ua-platform",
    "te",
    "dnt",
    "priority",
    "origin",
    "authorization",
    "keep-alive",
    "transfer-encoding",
];

/// Java deserialisation gadget and runtime names whose base64 forms betray a payload.
const GADGETS: &[&str] = &[
    "runtime",
    "processbuilder",
    "clonetransformer",
    "forclosure",
    "instantiatefactory",
    "instantiatetransformer",
    "invokertransformer",
    "prototypeclonefactory",
    "prototypeserializationfactory",
    "whileclosure",
    "getproperty",
    "fileoutputstream",
    "fileinputstream",
    "outputstream",
    "urlclassloader",
    "chainedtransformer",
    "constanttransformer",
    "templatesimpl",
    "java.lang",
    "java.io",
    "javax.",
    "getruntime",
];

impl Shield {
    /// Compiles the rules. Fails only if a built-in pattern is invalid (a bug, caught by tests).
    pub fn new(config: InspectConfig) -> Result<Shield, regex::Error> {
        let d = &config.disabled_rules;
        let mut gadgets = Vec::new();
        for g in GADGETS {
            for capitalised in [false, true] {
                let word: String = if capitalised {
                    let mut c = g.chars();
                    c.next()
                        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                        .unwrap_or_default()
                } else {
                    g.to_string()
                };
                gadgets.extend(b64::aligned_forms(word.as_bytes()));
            }
        }
        gadgets.retain(|g| g.len() >= 6);
        gadgets.sort();
        gadgets.dedup();
        Ok(Shield {
            values: RuleSet::new(Target::Value, d)?,
            names: RuleSet::new(Target::Name, d)?,
            paths: RuleSet::new(Target::Path, d)?,
            agents: RuleSet::new(Target::UserAgent, d)?,
            gadgets,
            charset: Regex::new(r"charset\s*=\s*[\x22']?([a-z0-9_-]+)")?,
            sql_words: regex::bytes::RegexBuilder::new(
                r"(?i)\b(select|union|insert|update|delete|drop|exec|execute|sleep|benchmark|waitfor|having|information_schema|concat|char|0x[0-9a-f]{4})\b|--|/\*|#",
            )
            .unicode(false)
            .build()?,
            sql_comment: regex::bytes::RegexBuilder::new(
                r#"(?i)/\*!|/\*\*/|[a-z0-9_'"`)]/\*[^*]{0,80}\*/\s*[a-z0-9_('"`@]|['"`]\s*/\*"#,
            )
            .unicode(false)
            .build()?,
            pasted_sql: regex::bytes::RegexBuilder::new(
                r"^\s*(select\s+[\w*.,\s()]{1,200}?\s+from\s+[\w.]+|insert\s+into\s+[\w.]+|update\s+[\w.]+\s+set\s|delete\s+from\s+[\w.]+)",
            )
            .unicode(false)
            .build()?,
            http_injection: Regex::new(
                r"(?m)^[ \t]*((get|post|head|put|delete|options|connect|trace|patch)\s+\S+\s+http/\d|(content-length\s*:\s*\d|transfer-encoding\s*:\s*chunked|set-cookie\s*:\s*[\w.-]+=|location\s*:\s*(https?:|/)|content-type\s*:\s*[a-z]+/|refresh\s*:\s*\d)|http/\d(\.\d)?\s+\d{3}\b|<html)",
            )?,
            protocol_smuggling: Regex::new(
                r"(?m)\n[ \t]*(quit|retr\s+\d|help\b|rcpt\s+to|mail\s+from|ehlo|helo|starttls|dele\s+\d|noop|rset|user\s+\S|pass\s+\S|stor\s|[a-z]\d{1,4}\s+(search|select|login|fetch|store|list|append)\b)",
            )?,
            config,
            generation: {
                static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
                NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            },
        })
    }

    /// The configuration in force.
    pub fn config(&self) -> &InspectConfig {
        &self.config
    }

    /// Inspects a request.
    pub fn inspect(&self, facts: &Facts<'_>) -> Inspection {
        let mut found = Found::default();
        self.protocol(facts, &mut found);

        if !clean::known(self.generation, "path", b"", facts.path.as_bytes()) {
            let before = found.hits;
            self.inspect_path(facts.path, &mut found);
            if found.hits == before {
                clean::remember(self.generation, "path", b"", facts.path.as_bytes());
            }
        }

        if let Some(q) = facts.query {
            if q.contains("%00") {
                found.add(
                    ids::CONTROL_BYTES,
                    Category::Protocol,
                    Severity::Critical,
                    &Loc::of("query"),
                    q,
                );
            }
            for (name, value) in body::pairs(q) {
                if clean::known(self.generation, "arg", name.as_bytes(), value.as_bytes()) {
                    continue;
                }
                let before = found.hits;
                self.inspect_field(&name, &value, "arg", &mut found);
                if found.hits == before {
                    clean::remember(self.generation, "arg", name.as_bytes(), value.as_bytes());
                }
            }
        }

        for (name, raw) in facts.headers {
            let before = found.hits;
            let skipped = SKIPPED_HEADERS.contains(name);
            if !skipped && clean::known(self.generation, name, b"", raw) {
                continue;
            }
            // HTTP/2 and hyper give lower-case names already; others are lowered here.
            let lname: std::borrow::Cow<'_, str> = if name.bytes().any(|b| b.is_ascii_uppercase()) {
                name.to_ascii_lowercase().into()
            } else {
                (*name).into()
            };
            let value = String::from_utf8_lossy(raw);
            match &*lname {
                "cookie" => {
                    // A part without `=` is a name alone; it is inspected too.
                    for part in value.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                        let (cname, cvalue) = part.split_once('=').unwrap_or((part, ""));
                        self.inspect_field(cname, cvalue, "cookie", &mut found);
                    }
                }
                "user-agent" => {
                    let norm = normalize::normalize(&value);
                    let loc = Loc {
                        kind: "header",
                        name: "user-agent",
                    };
                    self.match_set(&self.agents, &norm, &loc, &mut found);
                    self.inspect_value(&norm, &value, &loc, &mut found);
                }
                n if SKIPPED_HEADERS.contains(&n) => {}
                "referer" => {
                    // The scheme and host of the page the visitor came from are not
                    // something Bolwerk acts on; its path and query can carry payloads.
                    let tail = match value.split_once("://") {
                        Some((_, rest)) => rest.find('/').map_or("", |i| &rest[i..]),
                        None => &*value,
                    };
                    let loc = Loc {
                        kind: "header",
                        name: "referer",
                    };
                    let norm = normalize::normalize(tail);
                    self.inspect_value(&norm, tail, &loc, &mut found);
                }
                n => {
                    let norm = normalize::normalize(&value);
                    let loc = Loc {
                        kind: "header",
                        name: n,
                    };
                    if n.contains("filename") || n.contains("file-name") || n.contains("file_name")
                    {
                        self.file_name(&value, "header:filename", &mut found);
                    }
                    self.inspect_value(&norm, &value, &loc, &mut found);
                    self.base64(&value, &loc, &mut found);
                }
            }
            if !skipped && found.hits == before {
                clean::remember(self.generation, name, b"", raw);
            }
        }

        if let (Some(b), Profile::Public) = (facts.body, facts.profile) {
            let b = &b[..b.len().min(self.config.max_body)];
            // Not lower-cased: a multipart boundary is case-sensitive.
            let content_type = header(facts.headers, "content-type").unwrap_or_default();
            for field in body::fields(&content_type, b) {
                match field {
                    body::Field::Pair(name, value) => {
                        self.inspect_field(&name, &value, "body", &mut found)
                    }
                    body::Field::File(name, file) => {
                        self.inspect_field(&name, &file, "body", &mut found);
                        self.file_name(&file, "body:filename", &mut found);
                    }
                    body::Field::Whole(text) => {
                        let norm = normalize::normalize(&text);
                        self.inspect_value(&norm, &text, &Loc::of("body"), &mut found);
                    }
                }
            }
        }
        found.finish()
    }

    fn inspect_path(&self, raw: &str, found: &mut Found) {
        let path = normalize::normalize(raw);
        let lower = raw.to_ascii_lowercase();
        if raw.bytes().any(|b| b < 0x20 || b == 0x7f)
            || ["%00", "%0a", "%0d"].iter().any(|e| lower.contains(e))
        {
            found.add(
                ids::CONTROL_BYTES,
                Category::Protocol,
                Severity::Critical,
                &Loc::of("path"),
                &path,
            );
        }
        self.match_set(&self.paths, &path, &Loc::of("path"), found);
        let dotted = path
            .split('/')
            .skip(1)
            .any(|seg| seg.starts_with('.') && seg != "." && seg != "..")
            && !path.starts_with("/.well-known/");
        if dotted && !self.config.disabled_rules.contains(&ids::DOTFILE) {
            found.add(
                ids::DOTFILE,
                Category::Probe,
                Severity::Critical,
                &Loc::of("path"),
                &path,
            );
        }
        // Path segments can carry injections too (`/get/<script>`, `/get/proc/interrupts`).
        self.inspect_value(&path, raw, &Loc::of("path"), found);
    }

    /// Upload file names are judged like paths (`shell.php`, `photo. php`, `x.php.jpg`).
    fn file_name(&self, raw: &str, kind: &'static str, found: &mut Found) {
        let norm = normalize::normalize(raw);
        // Windows drops trailing dots and spaces from file names (`shell.php..`).
        let as_path = format!(
            "/{}",
            norm.trim_end_matches(['.', ' ']).trim().replace(' ', "")
        );
        self.match_set(&self.paths, &as_path, &Loc::of(kind), found);
    }

    fn inspect_field(&self, name: &str, value: &str, kind: &'static str, found: &mut Found) {
        let nname = normalize::normalize(name);
        let loc = &Loc { kind, name: &nname };
        if !nname.is_empty() {
            self.match_set(&self.names, &nname, loc, found);
            // Names carry payloads too (`java.lang.Runtime=1`, a JSON key, a cookie name).
            self.inspect_value(&nname, name, loc, found);
            self.base64(name, loc, found);
        }
        let decoded = normalize::decode(value);
        let norm = normalize::normalize_decoded(&decoded);
        if !norm.is_empty() {
            self.inspect_decoded(&norm, value, &decoded, loc, found);
        }
        self.base64(&decoded, loc, found);
    }

    /// Runs libinjection and the value rules on one value (`norm` normalised, `raw` as sent).
    fn inspect_value(&self, norm: &str, raw: &str, loc: &Loc<'_>, found: &mut Found) {
        self.inspect_decoded(norm, raw, &normalize::decode(raw), loc, found);
    }

    /// [`Self::inspect_value`] when the caller has decoded `raw` already.
    fn inspect_decoded(
        &self,
        norm: &str,
        raw: &str,
        decoded: &str,
        loc: &Loc<'_>,
        found: &mut Found,
    ) {
        found.demote = if phrase_quoted(norm) {
            PHRASE_QUOTED_DEMOTED
        } else if norm.bytes().filter(|&b| b == b'\'').count() % 2 == 0
            && self.pasted_sql.is_match(norm.as_bytes())
        {
            PASTED_SQL_DEMOTED
        } else {
            &[]
        };
        self.match_set(&self.values, norm, loc, found);
        // Protocol text smuggled after a line break: mail and file protocol commands (SMTP,
        // IMAP, POP3, FTP), and HTTP request lines, headers or responses (splitting).
        let breaks = ["\n", "\r", "%0a", "%0A", "%0d", "%0D"];
        if breaks.iter().any(|b| raw.contains(b)) {
            let decoded = normalize::percent_decode_deep(raw)
                .to_ascii_lowercase()
                .replace('\r', "\n");
            if !self.config.disabled_rules.contains(&ids::HEADER_INJECTION)
                && self.http_injection.is_match(&decoded)
            {
                found.add(
                    ids::HEADER_INJECTION,
                    Category::Protocol,
                    Severity::Critical,
                    loc,
                    norm,
                );
            }
            if !self.config.disabled_rules.contains(&ids::MAIL_SMUGGLING)
                && self.protocol_smuggling.is_match(&decoded)
            {
                found.add(
                    ids::MAIL_SMUGGLING,
                    Category::Rce,
                    Severity::Critical,
                    loc,
                    norm,
                );
            }
        }
        // Shell evasions (`c\a"t /et''c/pas$@swd`) as the shell would read them.
        let evasive = normalize::may_hide_command(norm);
        let cmdline = if evasive {
            normalize::cmdline(norm)
        } else {
            String::new()
        };
        if evasive && cmdline != norm {
            self.match_set(&self.values, &cmdline, loc, found);
        }
        let d = &self.config.disabled_rules;
        let bytes = decoded.as_bytes();
        if !d.contains(&ids::SQL_COMMENT_EVASION)
            && decoded.contains("/*")
            && self.sql_comment.is_match(bytes)
        {
            found.add(
                ids::SQL_COMMENT_EVASION,
                Category::Sqli,
                Severity::Critical,
                loc,
                norm,
            );
        }
        if !d.contains(&ids::LIBINJECTION_SQLI) && self.may_be_sqli(bytes) {
            // A panic in the detector must not take the server down; treat it as suspicious.
            let hit = std::panic::catch_unwind(|| {
                let r = libinjectionrs::detect_sqli(bytes);
                r.is_injection()
                    .then(|| r.fingerprint.map(|f| f.to_string().len()).unwrap_or(0))
            })
            .unwrap_or(Some(0));
            // Two-token fingerprints ("1c": a number then a comment, as in "50% off -- today")
            // also fit ordinary prose, so alone they do not block.
            if let Some(len) = hit {
                let severity = if (1..=2).contains(&len) {
                    Severity::Error
                } else {
                    Severity::Critical
                };
                found.add(ids::LIBINJECTION_SQLI, Category::Sqli, severity, loc, norm);
            }
        }
        // Markup injection needs a tag; attribute breakouts (`" onfocus=`) are pattern rules.
        if !d.contains(&ids::LIBINJECTION_XSS) && bytes.contains(&b'<') {
            let hit = std::panic::catch_unwind(|| libinjectionrs::detect_xss(bytes).is_injection())
                .unwrap_or(true);
            if hit {
                found.add(
                    ids::LIBINJECTION_XSS,
                    Category::Xss,
                    Severity::Critical,
                    loc,
                    norm,
                );
            }
        }
        found.demote = &[];
    }

    /// A cheap screen before libinjection (about 9 µs per 100 bytes): SQL injection needs a
    /// quote, a comment or, in a long value, also an SQL keyword. Numeric injections without
    /// any of these (`1 or 1=1`, `1 union select`) are caught by the pattern rules.
    fn may_be_sqli(&self, bytes: &[u8]) -> bool {
        let quote_or_comment = bytes
            .iter()
            .any(|b| matches!(b, b'\'' | b'"' | b'`' | b'#'))
            || bytes.windows(2).any(|w| w == b"--" || w == b"/*");
        if bytes.len() <= 256 {
            return quote_or_comment;
        }
        quote_or_comment && self.sql_words.is_match(bytes)
    }

    /// Base64 values: gadget names in any alignment, and the decoded text through the rules.
    fn base64(&self, raw: &str, loc: &Loc<'_>, found: &mut Found) {
        // Base64 of anything worth hiding mixes upper and lower case; plain words and
        // numbers (most values) are not looked at.
        if raw.len() < 8
            || !raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_'))
            || !raw.bytes().any(|b| b.is_ascii_uppercase())
            || !raw.bytes().any(|b| b.is_ascii_lowercase())
        {
            return;
        }
        if !self
            .config
            .disabled_rules
            .contains(&ids::JAVA_BASE64_GADGET)
            && self.gadgets.iter().any(|g| raw.contains(g.as_str()))
        {
            found.add(
                ids::JAVA_BASE64_GADGET,
                Category::Java,
                Severity::Critical,
                loc,
                raw,
            );
        }
        if raw.len() >= 16
            && let Some(text) = b64::decode_text(raw)
        {
            let norm = normalize::normalize(&text);
            if !normalize::is_plain(&norm) {
                self.match_set(&self.values, &norm, loc, found);
            }
        }
    }

    fn match_set(&self, set: &RuleSet, text: &str, loc: &Loc<'_>, found: &mut Found) {
        // One DFA pass decides; the slower all-matches search runs only for the rare hit.
        if text.is_empty() || !set.set.is_match(text.as_bytes()) {
            return;
        }
        for i in set.set.matches(text.as_bytes()).iter() {
            let r = set.rules[i];
            found.add(r.id, r.category, r.severity, loc, text);
        }
    }

    /// HTTP-level checks: method, framing, Host, content type and charset, ranges.
    fn protocol(&self, f: &Facts<'_>, found: &mut Found) {
        let d = &self.config.disabled_rules;
        let mut add = |id: u32, sev: Severity, what: &str| {
            if !d.contains(&id) {
                found.add(id, Category::Protocol, sev, &Loc::of("request"), what);
            }
        };
        if !matches!(f.method, "GET" | "HEAD" | "POST" | "OPTIONS") {
            add(ids::BAD_METHOD, Severity::Critical, f.method);
        }
        let count = |n: &str| {
            f.headers
                .iter()
                .filter(|(h, _)| h.eq_ignore_ascii_case(n))
                .count()
        };
        let (cl, te, hosts) = (
            count("content-length"),
            count("transfer-encoding"),
            count("host"),
        );
        if (cl > 0 && te > 0) || cl > 1 || te > 1 {
            add(
                ids::AMBIGUOUS_FRAMING,
                Severity::Critical,
                "content-length/transfer-encoding",
            );
        }
        if hosts > 1 {
            add(ids::BAD_HOST, Severity::Critical, "repeated host");
        } else if hosts == 0 && !f.host_in_authority {
            add(ids::BAD_HOST, Severity::Warning, "missing host");
        }
        let has_body = f.body.is_some_and(|b| !b.is_empty());
        if has_body && matches!(f.method, "GET" | "HEAD") {
            add(ids::BODY_ON_GET, Severity::Critical, f.method);
        }
        let overridden = f.headers.iter().any(|(h, _)| {
            h.eq_ignore_ascii_case("x-http-method-override")
                || h.eq_ignore_ascii_case("x-http-method")
                || h.eq_ignore_ascii_case("x-method-override")
        }) || f.query.is_some_and(|q| {
            const METHODS: &[&str] = &[
                "delete",
                "put",
                "patch",
                "get",
                "post",
                "head",
                "options",
                "trace",
                "connect",
                "propfind",
                "proppatch",
                "mkcol",
                "copy",
                "move",
                "lock",
                "unlock",
                "search",
            ];
            q.split('&').any(|p| {
                p.split_once('=').is_some_and(|(name, m)| {
                    name.eq_ignore_ascii_case("_method")
                        && METHODS.iter().any(|k| m.eq_ignore_ascii_case(k))
                })
            })
        });
        if overridden {
            add(ids::METHOD_OVERRIDE, Severity::Critical, "method override");
        }
        // Checked on every request, so without allocating: look only after each `%`.
        let overlong = |t: &str| {
            let b = t.as_bytes();
            b.iter()
                .enumerate()
                .filter(|(_, c)| **c == b'%')
                .any(|(i, _)| {
                    let rest = &b[i + 1..];
                    let starts =
                        |p: &[u8]| rest.len() >= p.len() && rest[..p.len()].eq_ignore_ascii_case(p);
                    starts(b"c0")
                        || starts(b"c1")
                        || starts(b"e0%8")
                        || starts(b"e0%9")
                        || starts(b"f0%8")
                        || starts(b"uff")
                })
        };
        if overlong(f.path) || f.query.is_some_and(overlong) {
            add(
                ids::OVERLONG_ENCODING,
                Severity::Critical,
                "overlong or %u encoding",
            );
        }
        if header(f.headers, "content-range").is_some() && f.method != "PUT" {
            add(
                ids::RANGE_ABUSE,
                Severity::Critical,
                "content-range on a request",
            );
        }
        if let Some(ct) = header(f.headers, "content-type") {
            let ct = ct.to_ascii_lowercase();
            if ct.contains("boundary") && !ct.trim_start().starts_with("multipart/") {
                add(
                    ids::BAD_CONTENT_TYPE,
                    Severity::Critical,
                    "boundary outside multipart",
                );
            }
            if ct.matches("charset").count() > 1 {
                add(ids::BAD_CHARSET, Severity::Critical, "two charsets");
            }
            let well_formed = ct.split(';').next().is_some_and(|m| {
                let m = m.trim();
                m.split_once('/').is_some_and(|(a, b)| {
                    let token = |t: &str| {
                        !t.is_empty()
                            && t.bytes()
                                .all(|c| c.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&c))
                    };
                    token(a) && token(b)
                })
            });
            if !well_formed {
                add(
                    ids::BAD_CONTENT_TYPE,
                    Severity::Critical,
                    "malformed content type",
                );
            }
            let mime = ct.split(';').next().unwrap_or("").trim().to_string();
            let allowed = [
                "application/x-www-form-urlencoded",
                "multipart/form-data",
                "application/json",
                "text/xml",
                "application/xml",
            ];
            if (has_body || f.method == "POST") && !allowed.contains(&mime.as_str()) {
                add(ids::BAD_CONTENT_TYPE, Severity::Critical, &mime);
            }
            if let Some(c) = self.charset.captures(&ct).and_then(|c| c.get(1))
                && !matches!(
                    c.as_str(),
                    "utf-8"
                        | "utf8"
                        | "us-ascii"
                        | "ascii"
                        | "iso-8859-1"
                        | "latin1"
                        | "iso-8859-15"
                        | "windows-1252"
                )
            {
                add(ids::BAD_CHARSET, Severity::Critical, c.as_str());
            }
        }
        if let Some(range) =
            header(f.headers, "range").or_else(|| header(f.headers, "request-range"))
        {
            let ranges = range.split(',').count();
            let bad_last = range.split(',').any(|r| r.trim().split_once('-').is_some_and(|(a, b)| {
                matches!((a.trim().trim_start_matches("bytes=").parse::<u64>(), b.trim().parse::<u64>()), (Ok(a), Ok(b)) if b < a)
            }));
            if ranges > 5 || bad_last || header(f.headers, "request-range").is_some() {
                add(ids::RANGE_ABUSE, Severity::Critical, &range);
            }
        }
    }
}

fn header<'a>(headers: &'a [(&'a str, &'a [u8])], name: &str) -> Option<std::borrow::Cow<'a, str>> {
    headers
        .iter()
        .find(|(h, _)| h.eq_ignore_ascii_case(name))
        .map(|(_, v)| String::from_utf8_lossy(v))
}

/// Where in the request a value was found; written out only when a rule matches.
#[derive(Clone, Copy)]
struct Loc<'a> {
    kind: &'static str,
    name: &'a str,
}

impl Loc<'_> {
    const fn of(kind: &'static str) -> Loc<'static> {
        Loc { kind, name: "" }
    }

    fn render(&self) -> String {
        if self.name.is_empty() {
            self.kind.to_string()
        } else {
            format!(
                "{}:{}",
                self.kind,
                self.name.chars().take(40).collect::<String>()
            )
        }
    }
}

/// Matches collected while inspecting; each rule counts once, at its strongest.
#[derive(Default)]
struct Found {
    by_rule: BTreeMap<u32, Match>,
    /// Every match, repeats included (to tell whether one value matched anything).
    hits: usize,
    /// Rules that do not count in the value being inspected.
    demote: &'static [u32],
}

impl Found {
    fn add(
        &mut self,
        rule: u32,
        category: Category,
        severity: Severity,
        location: &Loc<'_>,
        text: &str,
    ) {
        self.hits += 1;
        if self.demote.contains(&rule) {
            return;
        }
        // A weaker match of the same rule elsewhere must not hide a stronger one.
        if self
            .by_rule
            .get(&rule)
            .is_some_and(|m| m.severity >= severity)
        {
            return;
        }
        self.by_rule.insert(
            rule,
            Match {
                rule,
                category,
                severity,
                location: location.render(),
                excerpt: text.chars().take(100).collect(),
            },
        );
    }

    fn finish(self) -> Inspection {
        let matches: Vec<Match> = self.by_rule.into_values().collect();
        Inspection {
            score: matches.iter().map(|m| m.severity as u32).sum(),
            matches,
        }
    }
}

#[cfg(test)]
mod tests;
