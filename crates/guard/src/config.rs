//! The `[guard]` section of the config file: which logs to follow with which filter, and
//! the firewall table the guard owns.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// `[guard]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GuardConfig {
    /// The nftables table (family `inet`) the guard owns; it touches no other.
    pub table: String,
    /// Whether the kernel drops banned addresses (false: the guard only bans into the ban
    /// list, for the web server and other nodes).
    pub firewall: bool,
    /// The `nft` program.
    pub nft: String,
    /// Ports whose TCP clients the kernel remembers (address and source port, for two
    /// minutes), so that a DNS denial naming them is known to have come over TCP and may ban
    /// (`tcp_confirms` in a filter). Empty: no such record; DNS lines then never ban.
    pub confirm_tcp_ports: Vec<u16>,
    /// Filters of your own (`NAME.toml`), added to the built-in ones or replacing one.
    pub filters_dir: Option<PathBuf>,
    /// Milliseconds between looks at the log files.
    pub poll_ms: u64,
    /// Longest log line read, in bytes; longer ones are skipped and counted.
    pub max_line_bytes: usize,
    /// Addresses counted at once; past this the guard forgets those heard from longest ago.
    pub max_tracked: usize,
    /// The guard's own state (where it stopped reading each log); not the web server's data
    /// directory, which belongs to another user.
    pub state_dir: PathBuf,
    /// Where the guard serves its Prometheus metrics (`/metrics`); none when unset.
    pub metrics: Option<SocketAddr>,
    /// The logs to follow.
    #[serde(rename = "watch")]
    pub watches: Vec<Watch>,
}

impl Default for GuardConfig {
    fn default() -> Self {
        GuardConfig {
            table: "bolwerk".into(),
            firewall: true,
            nft: "nft".into(),
            confirm_tcp_ports: vec![53],
            filters_dir: None,
            poll_ms: 100,
            max_line_bytes: 16 * 1024,
            max_tracked: 100_000,
            state_dir: PathBuf::from("/var/lib/bolwerk-guard"),
            metrics: None,
            watches: Vec::new(),
        }
    }
}

/// `[[guard.watch]]`: one log and the filter that reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Watch {
    /// The filter's name (`dovecot`, `postfix`, `knot`, `bind`, `sshd`, or one of yours).
    pub filter: String,
    /// A log file (rotation and truncation are followed).
    pub file: Option<PathBuf>,
    /// A systemd unit whose journal to follow (`dovecot.service`), through `journalctl`.
    pub journal: Option<String>,
    /// Or the journal's entries with this syslog identifier (`dovecot`, `postfix/smtpd`): for
    /// services not run as their own unit.
    pub journal_tag: Option<String>,
    /// Overrides the filter's threshold.
    pub threshold: Option<u32>,
    /// Overrides the filter's window (`10m`).
    pub window: Option<String>,
}

impl Watch {
    /// For messages and metrics: `dovecot:/var/log/mail.log`.
    pub fn label(&self) -> String {
        match (&self.file, &self.journal, &self.journal_tag) {
            (Some(f), ..) => format!("{}:{}", self.filter, f.display()),
            (None, Some(u), _) => format!("{}:journal:{u}", self.filter),
            (None, None, Some(t)) => format!("{}:journal-tag:{t}", self.filter),
            (None, None, None) => self.filter.clone(),
        }
    }
}

impl GuardConfig {
    /// What is wrong, as (key, problem) pairs; filters are checked when they are loaded.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let valid_table = !self.table.is_empty()
            && self.table.len() <= 64
            && self
                .table
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid_table {
            out.push((
                "guard.table".into(),
                "letters, digits, _ and - only, at most 64".into(),
            ));
        }
        if self.poll_ms == 0 || self.poll_ms > 10_000 {
            out.push(("guard.poll_ms".into(), "between 1 and 10000".into()));
        }
        if self.max_line_bytes < 256 {
            out.push(("guard.max_line_bytes".into(), "at least 256".into()));
        }
        if self.max_tracked == 0 {
            out.push(("guard.max_tracked".into(), "at least 1".into()));
        }
        for (i, w) in self.watches.iter().enumerate() {
            let key = format!("guard.watch[{i}]");
            let sources = [
                w.file.is_some(),
                w.journal.is_some(),
                w.journal_tag.is_some(),
            ];
            if sources.iter().filter(|s| **s).count() != 1 {
                out.push((
                    key.clone(),
                    "give one of file, journal or journal_tag".into(),
                ));
            }
            if w.threshold == Some(0) {
                out.push((format!("{key}.threshold"), "at least 1".into()));
            }
            if let Some(window) = &w.window {
                match shield::bans::parse_duration(window) {
                    Ok(Some(_)) => {}
                    Ok(None) => out.push((format!("{key}.window"), "cannot be permanent".into())),
                    Err(e) => out.push((format!("{key}.window"), e)),
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_sane_and_mistakes_are_named() {
        assert!(GuardConfig::default().problems().is_empty());
        let c: GuardConfig = toml::from_str(
            r#"
table = "bad name"
[[watch]]
filter = "dovecot"
[[watch]]
filter = "knot"
file = "/var/log/knot.log"
window = "forever"
"#,
        )
        .unwrap();
        let keys: Vec<String> = c.problems().into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            ["guard.table", "guard.watch[0]", "guard.watch[1].window"]
        );
        assert!(toml::from_str::<GuardConfig>("tabel = \"x\"").is_err());
    }
}
