//! SPF (RFC 7208) judged as internet.nl does: one record; a policy that ends in `-all` or `~all`
//! (or a redirect to one); every `include:` and `redirect=` pointing at a domain with one SPF
//! record; and at most 10 DNS-querying terms (`include`, `a`, `mx`, `ptr`, `exists`,
//! `redirect`), counted through every include (§4.6.4).
//!
//! Pure: the IO side fetches the records the walk names ([`targets`]) and hands them over as a
//! map; [`evaluate`] does the counting.

use std::collections::BTreeMap;

/// The most DNS-querying terms a record may cause (RFC 7208 §4.6.4).
pub const MAX_LOOKUPS: usize = 10;

/// What the DNS gave for a name's SPF.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fetched {
    /// The `v=spf1` records there (zero, one or, wrongly, more).
    Records(Vec<String>),
    /// The DNS did not answer.
    Error(String),
}

/// The `v=spf1` records among TXT values.
pub fn spf_records(txt: &[String]) -> Vec<String> {
    txt.iter()
        .filter(|t| {
            let l = t.to_ascii_lowercase();
            l == "v=spf1" || l.starts_with("v=spf1 ")
        })
        .cloned()
        .collect()
}

/// A term's mechanism or modifier name and argument (`include`, `example.nl`).
fn term(t: &str) -> (char, String, Option<String>) {
    let t = t.trim();
    let (qualifier, rest) = match t.chars().next() {
        Some(q @ ('+' | '-' | '~' | '?')) => (q, &t[1..]),
        _ => ('+', t),
    };
    let lower = rest.to_ascii_lowercase();
    if let Some((name, arg)) = lower.split_once('=')
        && !name.contains(':')
        && !name.contains('/')
    {
        return (qualifier, format!("{name}="), Some(arg.to_string()));
    }
    match lower.split_once(':') {
        Some((name, arg)) => (qualifier, name.to_string(), Some(arg.to_string())),
        None => {
            let name = lower.split('/').next().unwrap_or_default().to_string();
            (qualifier, name, None)
        }
    }
}

/// The names an SPF record sends a checker to for more SPF: its `include:` and `redirect=`
/// targets (macros are not expanded, as internet.nl does not).
pub fn targets(record: &str) -> Vec<String> {
    record
        .split_ascii_whitespace()
        .skip(1)
        .filter_map(|t| {
            let (_, name, arg) = term(t);
            match (name.as_str(), arg) {
                ("include" | "redirect=", Some(a)) if !a.contains('%') => {
                    Some(a.trim_end_matches('.').to_string())
                }
                _ => None,
            }
        })
        .collect()
}

/// The outcome of walking a domain's SPF.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evaluation {
    /// DNS-querying terms counted, includes and redirects followed.
    pub lookups: usize,
    /// The top-level `all` (with its qualifier), or the redirect target's.
    pub all: Option<String>,
    /// What is wrong; empty: the policy is good.
    pub problems: Vec<String>,
    /// The records walked, as `name: record`.
    pub walked: Vec<String>,
}

struct Walk<'a> {
    fetched: &'a BTreeMap<String, Fetched>,
    lookups: usize,
    problems: Vec<String>,
    walked: Vec<String>,
    /// Records visited, all told: a receiver stops at 10 lookups, so a walk never needs many
    /// more, and a record that includes one name twenty times must not make it exponential.
    visits: usize,
}

/// The most records one walk visits (receivers give up after 10 lookups; past this nothing
/// changes the verdict).
const MAX_VISITS: usize = 64;

impl Walk<'_> {
    /// Walks `record` of `name`; returns its effective `all` (for the top and redirects).
    fn record(&mut self, name: &str, record: &str, depth: usize, include: bool) -> Option<String> {
        self.visits += 1;
        // Past 10 lookups receivers stop (permerror, reported by `evaluate`): so does the walk.
        if self.lookups > 10 {
            return None;
        }
        if self.visits > MAX_VISITS {
            if self.visits == MAX_VISITS + 1 {
                self.problems.push(format!(
                    "{name}: more than {MAX_VISITS} records to walk; the walk stops here"
                ));
            }
            return None;
        }
        self.walked.push(format!("{name}: {record}"));
        if depth > 12 {
            self.problems
                .push(format!("{name}: includes nest too deep (a loop?)"));
            return None;
        }
        let mut all = None;
        let mut redirect = None;
        let mut includes = Vec::new();
        for t in record.split_ascii_whitespace().skip(1) {
            let (q, mech, arg) = term(t);
            match mech.as_str() {
                "all" => {
                    all = Some(format!("{q}all"));
                    break; // terms after all are never evaluated
                }
                "include" => {
                    self.lookups += 1;
                    match arg {
                        Some(a) if !a.contains('%') => includes.push(a),
                        Some(_) => {}
                        None => self
                            .problems
                            .push(format!("{name}: include without a domain")),
                    }
                }
                "a" | "mx" | "ptr" | "exists" => self.lookups += 1,
                "redirect=" => {
                    if let Some(a) = arg {
                        redirect = Some(a);
                    }
                }
                "ip4" | "ip6" | "exp=" => {}
                m if m.ends_with('=') => {} // unknown modifiers are ignored (§6)
                other => self.problems.push(format!(
                    "{name}: unknown term {other:?} (a syntax error: receivers stop with permerror)"
                )),
            }
        }
        for target in includes {
            self.follow(name, &target, depth, "include", true);
        }
        if all.is_none()
            && let Some(target) = redirect
        {
            self.lookups += 1;
            if !target.contains('%') {
                return self.follow(name, &target, depth, "redirect", include);
            }
        }
        all
    }

    fn follow(
        &mut self,
        from: &str,
        target: &str,
        depth: usize,
        how: &str,
        include: bool,
    ) -> Option<String> {
        let target = target.trim_end_matches('.').to_string();
        match self.fetched.get(&target) {
            Some(Fetched::Records(r)) if r.len() == 1 => {
                let record = r[0].clone();
                self.record(&target, &record, depth + 1, include)
            }
            Some(Fetched::Records(r)) if r.is_empty() => {
                self.problems
                    .push(format!("{from}: {how} {target} has no SPF record"));
                None
            }
            Some(Fetched::Records(_)) => {
                self.problems.push(format!(
                    "{from}: {how} {target} has more than one SPF record"
                ));
                None
            }
            Some(Fetched::Error(e)) => {
                self.problems.push(format!("{from}: {how} {target}: {e}"));
                None
            }
            None => {
                self.problems.push(format!(
                    "{from}: {how} {target} was not looked up (too many names)"
                ));
                None
            }
        }
    }
}

/// Walks `domain`'s one SPF `record` through `fetched` (every include and redirect target).
pub fn evaluate(domain: &str, record: &str, fetched: &BTreeMap<String, Fetched>) -> Evaluation {
    let mut w = Walk {
        fetched,
        lookups: 0,
        problems: Vec::new(),
        walked: Vec::new(),
        visits: 0,
    };
    let all = w.record(domain, record, 0, false);
    if w.lookups > MAX_LOOKUPS {
        w.problems.insert(
            0,
            format!(
                "{} DNS lookups (include, a, mx, ptr, exists, redirect, counted through every include); receivers stop at {MAX_LOOKUPS} with permerror",
                w.lookups
            ),
        );
    }
    match all.as_deref() {
        Some("-all") | Some("~all") => {}
        Some(other) => w.problems.push(format!(
            "the policy ends in {other}, which lets anyone send as this domain"
        )),
        None => w
            .problems
            .push("no all (and no redirect to a policy with one): the default is ?all, which protects nothing".into()),
    }
    Evaluation {
        lookups: w.lookups,
        all,
        problems: w.problems,
        walked: w.walked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(items: &[(&str, &[&str])]) -> BTreeMap<String, Fetched> {
        items
            .iter()
            .map(|(n, r)| {
                (
                    n.to_string(),
                    Fetched::Records(r.iter().map(|s| s.to_string()).collect()),
                )
            })
            .collect()
    }

    /// One record that includes the same name twenty times, itself included twenty times…:
    /// the walk stops at the receivers' limit instead of visiting 20^13 records.
    #[test]
    fn a_self_multiplying_record_is_walked_in_bounded_time() {
        let rec = format!("v=spf1 {}-all", "include:l.nl ".repeat(20));
        let m = map(&[("l.nl", &[rec.as_str()])]);
        let start = std::time::Instant::now();
        let e = evaluate("l.nl", &rec, &m);
        assert!(start.elapsed() < std::time::Duration::from_secs(1));
        assert!(e.walked.len() <= MAX_VISITS, "{}", e.walked.len());
        assert!(e.lookups > 10);
        assert!(!e.problems.is_empty());
    }

    #[test]
    fn lookups_are_counted_through_includes() {
        let m = map(&[
            ("a.nl", &["v=spf1 include:b.nl mx a:mail.a.nl -all"]),
            ("b.nl", &["v=spf1 ip4:192.0.2.1 include:c.nl ~all"]),
            ("c.nl", &["v=spf1 exists:%{i}.x.nl ptr ?all"]),
        ]);
        let e = evaluate("a.nl", "v=spf1 include:b.nl mx a:mail.a.nl -all", &m);
        assert_eq!(e.lookups, 6, "{e:?}");
        assert!(e.problems.is_empty(), "{e:?}");
        assert_eq!(e.all.as_deref(), Some("-all"));
        assert_eq!(
            targets("v=spf1 include:B.nl. redirect=c.nl include:%{d}.x"),
            vec!["b.nl", "c.nl"]
        );
    }

    #[test]
    fn eleven_lookups_fail_and_say_so() {
        let mut items: Vec<(String, Vec<String>)> = Vec::new();
        for i in 0..11 {
            let next = if i < 10 {
                format!(" include:s{}.nl", i + 1)
            } else {
                String::new()
            };
            items.push((format!("s{i}.nl"), vec![format!("v=spf1{next} -all")]));
        }
        let m: BTreeMap<String, Fetched> = items
            .into_iter()
            .map(|(n, r)| (n, Fetched::Records(r)))
            .collect();
        let top = "v=spf1 include:s0.nl -all";
        let e = evaluate("top.nl", top, &m);
        assert_eq!(e.lookups, 11);
        assert!(e.problems[0].starts_with("11 DNS lookups"), "{e:?}");
        let ten = evaluate("top.nl", "v=spf1 include:s1.nl -all", &m);
        assert_eq!(ten.lookups, 10);
        assert!(ten.problems.is_empty(), "{ten:?}");
    }

    #[test]
    fn policies_and_broken_includes() {
        let m = map(&[
            ("none.nl", &[]),
            ("two.nl", &["v=spf1 -all", "v=spf1 ~all"]),
            ("r.nl", &["v=spf1 mx -all"]),
        ]);
        assert!(evaluate("x.nl", "v=spf1 mx ~all", &m).problems.is_empty());
        assert!(evaluate("x.nl", "v=spf1 mx ?all", &m).problems[0].contains("?all"));
        assert!(evaluate("x.nl", "v=spf1 +all", &m).problems[0].contains("+all"));
        assert!(evaluate("x.nl", "v=spf1 mx", &m).problems[0].contains("no all"));
        let r = evaluate("x.nl", "v=spf1 redirect=r.nl", &m);
        assert!(r.problems.is_empty(), "{r:?}");
        assert_eq!((r.lookups, r.all.as_deref()), (2, Some("-all")));
        assert!(
            evaluate("x.nl", "v=spf1 include:none.nl -all", &m).problems[0]
                .contains("no SPF record")
        );
        assert!(
            evaluate("x.nl", "v=spf1 include:two.nl -all", &m).problems[0]
                .contains("more than one")
        );
        assert!(evaluate("x.nl", "v=spf1 bogus -all", &m).problems[0].contains("unknown term"));
        // A loop ends.
        let l = map(&[("l.nl", &["v=spf1 include:l.nl -all"])]);
        assert!(
            !evaluate("l.nl", "v=spf1 include:l.nl -all", &l)
                .problems
                .is_empty()
        );
        assert_eq!(
            spf_records(&["v=spf10".into(), "V=SPF1 -all".into()]).len(),
            1
        );
    }
}
