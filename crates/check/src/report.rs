//! What a check found: one [`Subtest`] per question, grouped in [`Category`]s, with a status, what
//! was found and one sentence on how to fix it.
//!
//! A subtest's worst outcome follows internet.nl's weighting (`scoring.py`'s `*_WORST_STATUS`): a
//! mandatory subtest fails, an optional one only warns, an informational one informs. The
//! [`Spec`] of each subtest carries that worst status, so a judge says "bad" and the spec
//! decides how bad.

use serde::Serialize;

/// How a subtest came out, worst first (so `min` is the worst of several).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not met, and it counts: the check exits with status 1.
    Fail,
    /// Not met, recommended (internet.nl's "warning"/notice), or a phase-out setting.
    Warning,
    /// Worth knowing; no judgement.
    Info,
    /// Not applicable, or could not be tested (the reason says which).
    NotTested,
    /// Met.
    Pass,
}

impl Status {
    /// The mark in the text report.
    pub fn mark(self) -> &'static str {
        match self {
            Status::Pass => "✓",
            Status::Fail => "✗",
            Status::Warning => "!",
            Status::Info | Status::NotTested => "·",
        }
    }
}

/// What a subtest is: its stable code, its title, the internet.nl subtest it matches (none for
/// Bolwerk's own), and the worst status a "bad" verdict gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spec {
    /// Stable code for scripts and alerts: `web.tls.version`.
    pub code: &'static str,
    /// Title as people read it.
    pub title: &'static str,
    /// internet.nl's subtest name (`tls_version`), or `None` for what internet.nl lacks.
    pub internet_nl: Option<&'static str>,
    /// The status of a bad verdict: `Fail` (mandatory), `Warning` (optional) or `Info`.
    pub worst: Status,
}

impl Spec {
    fn make(&self, status: Status, found: String, fix: Option<String>) -> Subtest {
        Subtest {
            code: self.code,
            title: self.title,
            status,
            found,
            fix,
            details: Vec::new(),
            internet_nl: self.internet_nl,
        }
    }

    /// Met.
    pub fn pass(&self, found: impl Into<String>) -> Subtest {
        self.make(Status::Pass, found.into(), None)
    }

    /// Not met: [`Spec::worst`], with the fix.
    pub fn bad(&self, found: impl Into<String>, fix: impl Into<String>) -> Subtest {
        self.make(self.worst, found.into(), Some(fix.into()))
    }

    /// Allowed for now but being phased out: a warning (or info where the subtest only informs).
    pub fn phase_out(&self, found: impl Into<String>, fix: impl Into<String>) -> Subtest {
        self.make(
            self.worst.max(Status::Warning),
            found.into(),
            Some(fix.into()),
        )
    }

    /// Worth knowing, with a suggestion.
    pub fn note(&self, found: impl Into<String>, fix: impl Into<String>) -> Subtest {
        self.make(Status::Info, found.into(), Some(fix.into()))
    }

    /// Worth knowing, no verdict.
    pub fn info(&self, found: impl Into<String>) -> Subtest {
        self.make(Status::Info, found.into(), None)
    }

    /// Could not be tested, or does not apply; `why` says which.
    pub fn not_tested(&self, why: impl Into<String>) -> Subtest {
        self.make(Status::NotTested, why.into(), None)
    }
}

/// One subtest's outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Subtest {
    /// Stable code (see [`Spec::code`]).
    pub code: &'static str,
    /// Title.
    pub title: &'static str,
    /// The verdict.
    pub status: Status,
    /// What was found, in one sentence.
    pub found: String,
    /// How to fix it, in one sentence; `None` when there is nothing to fix.
    pub fix: Option<String>,
    /// The evidence: records, suites, headers, per server.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
    /// internet.nl's name for it, `None` for what internet.nl lacks.
    pub internet_nl: Option<&'static str>,
}

impl Subtest {
    /// The same with `details`.
    pub fn with_details(mut self, details: Vec<String>) -> Subtest {
        self.details = details;
        self
    }

    /// Whether the subtest counts towards the score (internet.nl's mandatory subtests).
    pub fn scored(&self, spec_worst: Status) -> bool {
        spec_worst == Status::Fail && matches!(self.status, Status::Pass | Status::Fail)
    }
}

/// A group of subtests (`web.tls`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Category {
    /// Stable code: `web.ipv6`, `mail.auth`.
    pub code: &'static str,
    /// Title.
    pub title: &'static str,
    /// Its subtests, in the order of the catalogue.
    pub subtests: Vec<Subtest>,
    /// Passed mandatory subtests out of those judged, in percent (internet.nl's score of the
    /// category); `None` when none was judged.
    pub score: Option<u8>,
}

impl Category {
    /// A category with its score worked out.
    pub fn new(code: &'static str, title: &'static str, subtests: Vec<Subtest>) -> Category {
        let (mut passed, mut judged) = (0u32, 0u32);
        for s in &subtests {
            let worst = crate::catalogue::worst_of(s.code);
            if s.scored(worst) {
                judged += 1;
                if s.status == Status::Pass {
                    passed += 1;
                }
            }
        }
        let score = (judged > 0).then(|| u8::try_from(passed * 100 / judged).unwrap_or(100));
        Category {
            code,
            title,
            subtests,
            score,
        }
    }
}

/// Counts per status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Passed.
    pub pass: usize,
    /// Failed.
    pub fail: usize,
    /// Warnings.
    pub warning: usize,
    /// Informational.
    pub info: usize,
    /// Not tested.
    pub not_tested: usize,
}

/// The verdict in a few numbers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Whether any subtest failed (the CLI's exit status 1).
    pub failed: bool,
    /// internet.nl's score of the website test, in percent.
    pub web_score: Option<u8>,
    /// internet.nl's score of the mail test, in percent.
    pub mail_score: Option<u8>,
    /// Counts per status.
    pub tally: Tally,
}

/// The whole verdict on a domain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The domain checked.
    pub domain: String,
    /// When (Unix seconds).
    pub checked_at: u64,
    /// The numbers.
    pub summary: Summary,
    /// The categories, web first, then mail.
    pub categories: Vec<Category>,
    /// The DMARC policy that applies, when there is exactly one readable record: kept so the
    /// next check can tell a weakened policy, which still passes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dmarc: Option<crate::dmarc::Policy>,
}

impl Report {
    /// A report with its summary worked out.
    pub fn new(domain: String, checked_at: u64, categories: Vec<Category>) -> Report {
        let mut r = Report {
            domain,
            checked_at,
            summary: Summary::default(),
            categories,
            dmarc: None,
        };
        r.summary = Summary {
            failed: r.failed(),
            web_score: r.score("web"),
            mail_score: r.score("mail"),
            tally: r.tally(""),
        };
        r
    }

    /// Every subtest.
    pub fn subtests(&self) -> impl Iterator<Item = &Subtest> {
        self.categories.iter().flat_map(|c| c.subtests.iter())
    }

    /// The subtest with `code`.
    pub fn get(&self, code: &str) -> Option<&Subtest> {
        self.subtests().find(|s| s.code == code)
    }

    /// Whether any subtest failed (the CLI's exit status 1).
    pub fn failed(&self) -> bool {
        self.subtests().any(|s| s.status == Status::Fail)
    }

    /// Counts per status, for the subtests whose code starts with `prefix` (`""`: all).
    pub fn tally(&self, prefix: &str) -> Tally {
        let mut t = Tally::default();
        for s in self.subtests().filter(|s| s.code.starts_with(prefix)) {
            match s.status {
                Status::Pass => t.pass += 1,
                Status::Fail => t.fail += 1,
                Status::Warning => t.warning += 1,
                Status::Info => t.info += 1,
                Status::NotTested => t.not_tested += 1,
            }
        }
        t
    }

    /// internet.nl's overall score for `part` (`web` or `mail`): the mean of its categories'
    /// scores, as internet.nl weighs every category the same.
    pub fn score(&self, part: &str) -> Option<u8> {
        let scores: Vec<u32> = self
            .categories
            .iter()
            .filter(|c| c.code.split('.').next() == Some(part))
            .filter_map(|c| c.score.map(u32::from))
            .collect();
        if scores.is_empty() {
            return None;
        }
        let n = u32::try_from(scores.len()).unwrap_or(1);
        u8::try_from(scores.iter().sum::<u32>() / n).ok()
    }
}

/// The outcomes of the same subtests for several servers (addresses, MX hosts), as one per
/// code: the worst status, what each server showed when they differ, the fix of the worst.
pub fn merge(per_server: Vec<(String, Vec<Subtest>)>) -> Vec<Subtest> {
    if per_server.len() == 1 {
        return per_server.into_iter().flat_map(|(_, s)| s).collect();
    }
    let mut codes: Vec<&'static str> = Vec::new();
    for (_, subtests) in &per_server {
        for s in subtests {
            if !codes.contains(&s.code) {
                codes.push(s.code);
            }
        }
    }
    let mut out = Vec::new();
    for code in codes {
        let found: Vec<(&String, &Subtest)> = per_server
            .iter()
            .filter_map(|(label, subtests)| {
                subtests.iter().find(|s| s.code == code).map(|s| (label, s))
            })
            .collect();
        let Some(worst) = found.iter().map(|(_, s)| *s).min_by_key(|s| s.status) else {
            continue;
        };
        let mut merged = worst.clone();
        let all_same = found.iter().all(|(_, s)| s.found == worst.found);
        if !all_same {
            merged.found = found
                .iter()
                .map(|(label, s)| format!("{label}: {}", s.found))
                .collect::<Vec<_>>()
                .join("; ");
        }
        merged.details = found
            .iter()
            .flat_map(|(label, s)| s.details.iter().map(move |d| format!("{label}: {d}")))
            .collect();
        out.push(merged);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Spec = Spec {
        code: "web.tls.version",
        title: "TLS version",
        internet_nl: Some("tls_version"),
        worst: Status::Fail,
    };
    const B: Spec = Spec {
        code: "web.headers.csp",
        title: "CSP",
        internet_nl: Some("http_csp"),
        worst: Status::Warning,
    };

    #[test]
    fn the_spec_decides_how_bad_bad_is() {
        assert_eq!(A.bad("x", "y").status, Status::Fail);
        assert_eq!(B.bad("x", "y").status, Status::Warning);
        assert_eq!(A.phase_out("x", "y").status, Status::Warning);
        assert_eq!(A.pass("x").fix, None);
    }

    #[test]
    fn merging_keeps_the_worst_and_says_who() {
        let merged = merge(vec![
            ("127.0.0.1".into(), vec![A.pass("TLS 1.3, TLS 1.2")]),
            (
                "::1".into(),
                vec![
                    A.bad("TLS 1.0 offered", "switch it off")
                        .with_details(vec!["d".into()]),
                ],
            ),
        ]);
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].status, Status::Fail);
        assert!(
            merged[0].found.contains("::1: TLS 1.0 offered"),
            "{:?}",
            merged[0]
        );
        assert!(merged[0].found.contains("127.0.0.1: TLS 1.3"));
        assert_eq!(merged[0].details, vec!["::1: d".to_string()]);
        assert_eq!(merged[0].fix.as_deref(), Some("switch it off"));
    }

    #[test]
    fn the_score_counts_only_mandatory_judged_subtests() {
        let c = Category::new(
            "web.tls",
            "TLS",
            vec![
                crate::catalogue::web::TLS_VERSION.pass("ok"),
                crate::catalogue::web::TLS_CIPHERS.bad("bad", "fix"),
                crate::catalogue::web::TLS_KEX_HASH.bad("bad", "fix"),
                crate::catalogue::web::TLS_CLIENT_RENEG.not_tested("n/a"),
            ],
        );
        assert_eq!(c.score, Some(50));
    }
}
