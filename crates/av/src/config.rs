//! The `[antivirus]` section of the config file: where clamd listens, how long a scan may take,
//! how much clamd reads, and what happens to an upload while clamd cannot be asked.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// `[antivirus]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AvConfig {
    /// clamd's `LocalSocket` (`/run/clamav/clamd.ctl`) or `TCPSocket` (`127.0.0.1:3310`). Unset:
    /// nothing is scanned, and the server says so at start and on the admin dashboard.
    pub address: Option<String>,
    /// Seconds one scan may take, sending included.
    pub timeout_s: u64,
    /// clamd's `StreamMaxLength` (the same number): a larger file is refused, never half-scanned.
    pub max_stream_bytes: u64,
    /// While clamd cannot be asked: `refuse` the file (the default), or `accept` it and mark it
    /// unscanned, to be scanned when clamd is back.
    pub on_unavailable: OnUnavailable,
    /// Seconds between asking clamd whether it is up and which signatures it runs; a new
    /// signature version starts a rescan of every stored file.
    pub check_interval_s: u64,
    /// Files a rescan scans per minute at most, so it never crowds out uploads and visitors.
    pub rescan_per_minute: u32,
}

/// What to do with a file while clamd cannot be asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnUnavailable {
    /// Refuse it, saying why.
    Refuse,
    /// Store it, marked unscanned.
    Accept,
}

impl Default for AvConfig {
    fn default() -> Self {
        AvConfig {
            address: None,
            timeout_s: 30,
            max_stream_bytes: 100 * 1024 * 1024,
            on_unavailable: OnUnavailable::Refuse,
            check_interval_s: 600,
            rescan_per_minute: 120,
        }
    }
}

impl AvConfig {
    /// The pause between two files of a rescan.
    pub fn rescan_pause(&self) -> Duration {
        Duration::from_millis(60_000 / u64::from(self.rescan_per_minute.max(1)))
    }

    /// The client, when scanning is on.
    pub fn client(&self) -> Option<crate::Clamd> {
        let address = self.address.as_ref()?.parse().ok()?;
        Some(crate::Clamd {
            address,
            timeout: Duration::from_secs(self.timeout_s.max(1)),
            max_stream: self.max_stream_bytes,
        })
    }

    /// What is wrong, as `(key, problem)`; `max_upload` is the largest file an editor may upload.
    pub fn problems(&self, max_upload: u64) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(a) = &self.address
            && let Err(e) = a.parse::<crate::Address>()
        {
            out.push(("antivirus.address".into(), e));
        }
        if self.timeout_s == 0 || self.timeout_s > 600 {
            out.push(("antivirus.timeout_s".into(), "1 to 600 seconds".into()));
        }
        if !(10..=86_400).contains(&self.check_interval_s) {
            out.push((
                "antivirus.check_interval_s".into(),
                "10 to 86400 seconds".into(),
            ));
        }
        if !(1..=60_000).contains(&self.rescan_per_minute) {
            out.push((
                "antivirus.rescan_per_minute".into(),
                "1 to 60000 files a minute".into(),
            ));
        }
        if self.address.is_some() && max_upload > self.max_stream_bytes {
            out.push((
                "antivirus.max_stream_bytes".into(),
                format!(
                    "{} is less than admin.max_upload_bytes ({max_upload}): files in between could be uploaded but never scanned; raise clamd's StreamMaxLength and this together, or lower the upload limit",
                    self.max_stream_bytes
                ),
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn addresses_limits_and_problems() {
        let c = AvConfig {
            address: Some("/run/clamav/clamd.ctl".into()),
            ..AvConfig::default()
        };
        assert!(matches!(
            c.client().unwrap().address,
            crate::Address::Unix(_)
        ));
        assert!(c.problems(10 << 20).is_empty());
        let tcp = AvConfig {
            address: Some("127.0.0.1:3310".into()),
            max_stream_bytes: 1 << 20,
            ..AvConfig::default()
        };
        assert!(matches!(
            tcp.client().unwrap().address,
            crate::Address::Tcp(_)
        ));
        let p = format!("{:?}", tcp.problems(10 << 20));
        assert!(p.contains("max_stream_bytes"), "{p}");
        let bad = AvConfig {
            address: Some("clamd".into()),
            ..AvConfig::default()
        };
        assert!(format!("{:?}", bad.problems(0)).contains("antivirus.address"));
        assert!(
            AvConfig::default().client().is_none(),
            "off unless an address is given"
        );
    }
}
