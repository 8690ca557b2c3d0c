//! The report as text: per part and category, one line per subtest with its mark, code and what
//! was found, the fix under anything not met, and a score-like summary at the end.

use std::fmt::Write;

use crate::report::{Report, Status};

/// The most detail lines shown per subtest.
const MAX_DETAILS: usize = 12;

/// Text that came from the network, fit for a terminal or a mail body: control characters
/// (escape sequences, CR, LF) shown as `\u{..}`, and at most `max` characters.
pub fn clean(text: &str, max: usize) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// The longest text from the network shown per line.
const MAX_LINE: usize = 400;

/// The text report. `verbose`: the details of every subtest, not only of those not met.
pub fn text(r: &Report, verbose: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "bolwerk check {} ({})",
        r.domain,
        dns::chain::utc(r.checked_at)
    );
    let mut part = "";
    for c in &r.categories {
        let this = c.code.split('.').next().unwrap_or_default();
        if this != part {
            part = this;
            let title = if part == "web" { "Website" } else { "Mail" };
            let score = r
                .score(part)
                .map(|s| format!("  score {s}%"))
                .unwrap_or_default();
            let _ = writeln!(out, "\n{title}{score}");
        }
        let score = c.score.map(|s| format!("  ({s}%)")).unwrap_or_default();
        let _ = writeln!(out, "  {}{score}", c.title);
        for s in &c.subtests {
            let _ = writeln!(
                out,
                "    {} {:<36} {}",
                s.status.mark(),
                s.code,
                clean(&s.found, MAX_LINE)
            );
            let show = verbose || matches!(s.status, Status::Fail | Status::Warning);
            if show {
                for d in s.details.iter().take(MAX_DETAILS) {
                    let _ = writeln!(out, "        {}", clean(d, MAX_LINE));
                }
                if s.details.len() > MAX_DETAILS {
                    let _ = writeln!(out, "        … {} more", s.details.len() - MAX_DETAILS);
                }
            }
            if let Some(fix) = &s.fix
                && s.status != Status::Pass
            {
                let _ = writeln!(out, "        fix: {}", clean(fix, MAX_LINE));
            }
        }
    }
    let t = r.tally("");
    let scores: Vec<String> = ["web", "mail"]
        .iter()
        .filter_map(|p| r.score(p).map(|s| format!("{p} {s}%")))
        .collect();
    let _ = writeln!(
        out,
        "\nSummary: {}{} passed, {} failed, {} warnings, {} informational, {} not tested",
        if scores.is_empty() {
            String::new()
        } else {
            format!("{} · ", scores.join(", "))
        },
        t.pass,
        t.fail,
        t.warning,
        t.info,
        t.not_tested
    );
    let _ = writeln!(
        out,
        "✓ passed  ✗ failed  ! warning  · information or not tested"
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_text_cannot_steer_a_terminal_or_a_mail() {
        assert_eq!(
            clean("p=none\r\nFrom: x\u{1b}[2J", 100),
            "p=none\\u{d}\\u{a}From: x\\u{1b}[2J"
        );
        assert_eq!(clean("abcdef", 3), "abc…");
    }
    use crate::catalogue::web;

    #[test]
    fn the_text_shows_marks_fixes_and_a_summary() {
        let r = Report::new(
            "example.nl".into(),
            0,
            crate::assemble(
                vec![
                    web::TLS_VERSION.pass("only TLS 1.3 (good)"),
                    web::HSTS.bad("no Strict-Transport-Security header", "Send HSTS."),
                ],
                &["web"],
            ),
        );
        assert!(r.summary.failed);
        assert_eq!(r.summary.tally.fail, 1);
        let t = text(&r, false);
        assert!(t.contains("✓ web.tls.version"), "{t}");
        assert!(t.contains("✗ web.https.hsts"), "{t}");
        assert!(t.contains("fix: Send HSTS."), "{t}");
        assert!(t.contains("Summary: web "), "{t}");
        assert!(!t.contains("Mail"), "{t}");
    }
}
