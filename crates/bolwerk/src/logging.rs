//! The tracing subscriber: readable lines or JSON, filtered by `log.level` (or `RUST_LOG`).
//!
//! Log lines carry what visitors send (user names at sign-in, paths, hosts, user agents), so
//! both formats keep one event on one line and let no control character through: the human
//! format escapes every field value and message here, in one place ([`EscapedFields`]), and
//! JSON strings are escaped by serde, with C1 controls and the Unicode line separators escaped
//! on top ([`JsonSafe`]). A forged "admin signed in" line or a terminal escape in a user name
//! shows up as `\r\n…` or `\u{1b}[2J`, never as a new line or a cleared screen.

use std::fmt;
use std::io::IsTerminal;

use anyhow::{Result, anyhow};
use server::config::{LogConfig, LogFormat};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::FormatFields;
use tracing_subscriber::fmt::format::{DefaultFields, Writer};

/// Installs the global subscriber; logs go to standard error.
pub fn init(config: &LogConfig) -> Result<()> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(s) if !s.is_empty() => EnvFilter::try_new(s),
        _ => EnvFilter::try_new(&config.level),
    }
    .map_err(|e| anyhow!("log level: {e}"))?;
    let result = match config.format {
        LogFormat::Human => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            // Colours only for a terminal; a file or the journal gets plain text.
            .with_ansi(std::io::stderr().is_terminal())
            .fmt_fields(EscapedFields::default())
            .with_target(false)
            .try_init(),
        LogFormat::Json => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(|| JsonSafe(std::io::stderr()))
            .with_ansi(false)
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init(),
    };
    result.map_err(|e| anyhow!("installing the logger: {e}"))
}

/// Whether `c` may not appear raw in a log line: C0 and C1 controls and DEL (line breaks, ESC,
/// BEL, backspace…), the Unicode line and paragraph separators, and the bidirectional
/// overrides and isolates that make a line read differently from how it is stored.
fn must_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Writes through to `W` with every [`must_escape`] character written as `\r`, `\n`, `\t` or
/// `\u{…}` (Rust's notation).
struct Escaping<W>(W);

impl<W: fmt::Write> fmt::Write for Escaping<W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut rest = s;
        while let Some(at) = rest.find(must_escape) {
            self.0.write_str(&rest[..at])?;
            let c = rest[at..].chars().next().unwrap_or_default();
            match c {
                '\r' => self.0.write_str("\\r")?,
                '\n' => self.0.write_str("\\n")?,
                '\t' => self.0.write_str("\\t")?,
                c => write!(self.0, "\\u{{{:x}}}", c as u32)?,
            }
            rest = &rest[at + c.len_utf8()..];
        }
        self.0.write_str(rest)
    }
}

/// The human format's field formatter: tracing's own (`name=value`, the message first), with
/// every value and message escaped. Event and span fields both pass through it.
#[derive(Debug, Default)]
pub struct EscapedFields(DefaultFields);

impl<'writer> FormatFields<'writer> for EscapedFields {
    fn format_fields<R: RecordFields>(
        &self,
        mut writer: Writer<'writer>,
        fields: R,
    ) -> fmt::Result {
        let mut escaping = Escaping(&mut writer);
        // A writer without colours: tracing's field names would otherwise come wrapped in ANSI
        // codes, which this would escape.
        self.0.format_fields(Writer::new(&mut escaping), fields)
    }
}

/// Standard error for the JSON format: serde escapes C0 controls in strings, this escapes the
/// C1 controls, DEL and U+2028/U+2029 it leaves raw, as `\u0085` (still the same JSON string). Each
/// event arrives as one write of one formatted line.
struct JsonSafe<W>(W);

impl<W: std::io::Write> std::io::Write for JsonSafe<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match std::str::from_utf8(buf) {
            Ok(s) if s.chars().any(json_must_escape) => {
                let mut out = String::with_capacity(s.len() + 16);
                for c in s.chars() {
                    if json_must_escape(c) {
                        out.push_str(&format!("\\u{:04x}", c as u32));
                    } else {
                        out.push(c);
                    }
                }
                self.0.write_all(out.as_bytes())?;
            }
            _ => self.0.write_all(buf)?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// What serde_json leaves raw inside strings that a terminal or a line reader could act on
/// (JSON itself has no such characters outside strings).
fn json_must_escape(c: char) -> bool {
    must_escape(c) && c >= '\u{7f}'
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A log sink for one test.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::ErrorKind::Other)?
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    const FORGED: &str = "x\r\n2026-01-01T00:00:00Z  INFO admin signed in user=admin";
    const HOSTILE: &[&str] = &[
        FORGED,
        "\x1b[2J\x1b[1;1H",
        "a\u{9b}31mred\u{85}next\u{2028}line\u{202e}nimda",
        "bell\x07back\x08tab\tnul\0del\x7f",
    ];

    /// Logs each hostile value as a `%` field, a `?` field, a plain string, in the message and
    /// in a span field, as the server does.
    fn emit() {
        for v in HOSTILE {
            let span = tracing::info_span!("request", host = %v);
            let _in = span.enter();
            tracing::info!(target: "shield", user = %v, agent = ?v, path = *v, "admin sign-in failed for {v}");
        }
    }

    fn lines_of(text: &str) -> Vec<&str> {
        assert!(text.ends_with('\n'), "{text:?}");
        text.lines().collect()
    }

    fn assert_clean(text: &str) {
        assert!(!text.contains('\r'), "raw CR: {text:?}");
        assert!(!text.contains('\x1b'), "raw ESC: {text:?}");
        for c in text.chars() {
            assert!(c == '\n' || !must_escape(c), "raw {c:?} in {text:?}");
        }
        assert_eq!(
            lines_of(text).len(),
            HOSTILE.len(),
            "one line per event: {text}"
        );
        for line in lines_of(text) {
            assert!(!line.contains("\nINFO") && line.contains("admin sign-in failed"));
        }
    }

    #[test]
    fn the_human_format_escapes_every_field_and_the_message() {
        let sink = Sink::default();
        let w = sink.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || w.clone())
            .with_ansi(false)
            .fmt_fields(EscapedFields::default())
            .with_target(false)
            .finish();
        tracing::subscriber::with_default(subscriber, emit);
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        assert_clean(&text);
        let first = lines_of(&text)[0];
        assert!(
            first.contains(r"user=x\r\n2026-01-01T00:00:00Z  INFO admin signed in user=admin"),
            "{first}"
        );
        assert!(text.contains(r"\u{1b}[2J"), "{text}");
        assert!(
            text.contains(r"\u{9b}31mred\u{85}next\u{2028}line\u{202e}nimda"),
            "{text}"
        );
        assert!(
            text.contains(r"request{host=x\r\n2026"),
            "span fields too: {text}"
        );
    }

    #[test]
    fn the_json_format_has_one_line_per_event_and_no_raw_controls() {
        let sink = Sink::default();
        let w = sink.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || JsonSafe(w.clone()))
            .with_ansi(false)
            .json()
            .flatten_event(true)
            .finish();
        tracing::subscriber::with_default(subscriber, emit);
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        assert_clean(&text);
        for (line, v) in lines_of(&text).into_iter().zip(HOSTILE) {
            let event: serde_json::Value = serde_json::from_str(line).unwrap();
            // Escaped, not changed: the values read back exactly.
            assert_eq!(event["user"], *v, "{line}");
            assert_eq!(
                event["message"],
                format!("admin sign-in failed for {v}"),
                "{line}"
            );
        }
    }

    #[test]
    fn escaping_leaves_ordinary_text_alone() {
        let mut out = String::new();
        fmt::Write::write_str(&mut Escaping(&mut out), "Zoë's café — 東京 /a?b=c").unwrap();
        assert_eq!(out, "Zoë's café — 東京 /a?b=c");
    }
}
