//! The `[dns]` section of the config file: which zones Bolwerk may update on the agency's DNS
//! server (and with which TSIG key), what it publishes there, and how it checks DNSSEC.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use hickory_proto::rr::{RData, RecordType};
use serde::{Deserialize, Serialize};

/// Name servers of one zone waited for; more is a broken or hostile zone.
const MAX_NAME_SERVERS: usize = 16;

/// `[dns]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DnsConfig {
    /// TTL of the records Bolwerk publishes, in seconds.
    pub ttl: u32,
    /// The addresses every site host gets as A/AAAA records (this server's public addresses).
    /// Empty: Bolwerk leaves the addresses alone.
    pub addresses: Vec<IpAddr>,
    /// The certificate authorities that may issue for the hosted domains (CAA `issue`), e.g.
    /// `["letsencrypt.org"]`. Unset: Let's Encrypt when `acme.directory` is Let's Encrypt's and
    /// a site uses ACME, otherwise no CAA record. `[]`: no CAA record.
    pub caa: Option<Vec<String>>,
    /// `manual`: `bolwerk dns apply` sends the changes. `auto`: the server keeps the records in
    /// sync by itself (needed for DKIM key rotation without anyone typing a command).
    pub apply: ApplyMode,
    /// Seconds between the server's looks at the zones (with `apply = "auto"`).
    pub sync_interval_s: u64,
    /// The resolver the DNSSEC check asks (with DO and CD set). Unset: the first `nameserver`
    /// of `/etc/resolv.conf`.
    pub resolver: Option<SocketAddr>,
    /// Trust anchor file (zone-file `DNSKEY` lines of the root's KSK). Unset: the IANA root
    /// keys built in.
    pub trust_anchor_file: Option<PathBuf>,
    /// Seconds between DNSSEC checks of every hosted name by the server (when `[dns]` names a
    /// zone or a resolver); 0: only on request.
    pub check_interval_s: u64,
    /// Seconds between the server's full self-checks (`bolwerk check`, internet.nl's subtests)
    /// of every hosted domain, under the same condition as `check_interval_s`; 0: off.
    pub selfcheck_interval_s: u64,
    /// Warn when a signature of a hosted zone runs out within this many days.
    pub rrsig_warn_days: u32,
    /// Warn when a new KSK has waited this many days for its DS at the parent.
    pub ksk_stuck_days: u32,
    /// Days a DKIM key set signs before the next one is made and published; 0: never rotate
    /// by itself. Needs `apply = "auto"` and a zone for the mail domain.
    pub dkim_rotate_days: u32,
    /// Days a replaced DKIM key stays published, so mail in transit still verifies.
    pub dkim_retire_days: u32,
    /// The zones Bolwerk may update.
    #[serde(rename = "zone")]
    pub zones: Vec<ZoneConfig>,
}

/// How changes are sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApplyMode {
    /// By `bolwerk dns apply`, after the operator read the plan.
    Manual,
    /// By the server, every `sync_interval_s`.
    Auto,
}

impl Default for DnsConfig {
    fn default() -> Self {
        DnsConfig {
            ttl: 3600,
            addresses: Vec::new(),
            caa: None,
            apply: ApplyMode::Manual,
            sync_interval_s: 300,
            resolver: None,
            trust_anchor_file: None,
            check_interval_s: 6 * 3600,
            selfcheck_interval_s: 86_400,
            rrsig_warn_days: 5,
            ksk_stuck_days: 7,
            dkim_rotate_days: 0,
            dkim_retire_days: 7,
            zones: Vec::new(),
        }
    }
}

/// `[[dns.zone]]`: one zone on the agency's DNS server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneConfig {
    /// The zone, e.g. `bakkerijjansen.nl`.
    pub name: String,
    /// The primary server that takes updates (`192.0.2.53:53`).
    pub server: SocketAddr,
    /// The TSIG key file: Knot's `keymgr -t NAME` output, BIND's `tsig-keygen NAME` output, or
    /// the base64 secret alone.
    pub key_file: PathBuf,
    /// The key's name; read from the key file when it names it.
    pub key_name: Option<String>,
    /// `hmac-sha256` (default), `hmac-sha384` or `hmac-sha512`; read from the key file when it
    /// names it.
    pub algorithm: Option<String>,
    /// The servers that must all answer a new record before Bolwerk relies on it (a new DKIM key,
    /// an ACME challenge). Empty: the primary and every name server in the zone's NS records.
    #[serde(default)]
    pub authoritative: Vec<SocketAddr>,
}

impl ZoneConfig {
    /// The servers that must all answer a new record: `authoritative`, or else the primary and
    /// every name server the zone lists (its NS records, their addresses from the primary or
    /// through `resolver`, port 53). A zone whose name servers cannot be found is an error,
    /// never "the primary will do".
    pub async fn waits_for(
        &self,
        resolver: Option<SocketAddr>,
    ) -> Result<Vec<SocketAddr>, crate::Error> {
        if !self.authoritative.is_empty() {
            return Ok(self.authoritative.clone());
        }
        let zone = crate::record::wire_name(&self.name)?;
        let ns = crate::wire::query(self.server, &zone, RecordType::NS, false).await?;
        let hosts: Vec<hickory_proto::rr::Name> = ns
            .answers
            .iter()
            .filter_map(|r| match &r.data {
                RData::NS(n) => Some(n.0.clone()),
                _ => None,
            })
            .take(MAX_NAME_SERVERS)
            .collect();
        let mut out = vec![self.server];
        for host in &hosts {
            let mut found = Vec::new();
            for kind in [RecordType::A, RecordType::AAAA] {
                for asked in [Some(self.server), resolver].into_iter().flatten() {
                    let Ok(m) = crate::wire::query(asked, host, kind, false).await else {
                        continue;
                    };
                    let ips: Vec<IpAddr> = m
                        .answers
                        .iter()
                        .filter(|r| r.name == *host)
                        .filter_map(|r| match &r.data {
                            RData::A(a) => Some(IpAddr::V4(a.0)),
                            RData::AAAA(a) => Some(IpAddr::V6(a.0)),
                            _ => None,
                        })
                        .collect();
                    if !ips.is_empty() {
                        found.extend(ips);
                        break;
                    }
                }
            }
            if found.is_empty() {
                return Err(crate::Error::Config(format!(
                    "cannot find the address of {host}, a name server of {}: set authoritative in its [[dns.zone]]",
                    self.name
                )));
            }
            for ip in found {
                let a = SocketAddr::new(ip, 53);
                if !out.contains(&a) {
                    out.push(a);
                }
            }
        }
        Ok(out)
    }

    /// Reads the key file.
    pub fn key(&self) -> Result<crate::TsigKey, crate::Error> {
        let text = std::fs::read_to_string(&self.key_file)
            .map_err(|e| crate::Error::Key(format!("{}: {e}", self.key_file.display())))?;
        let file = crate::key::parse(&text)
            .map_err(|e| crate::Error::Key(format!("{}: {e}", self.key_file.display())))?;
        let name = self.key_name.clone().or(file.name).ok_or_else(|| {
            crate::Error::Key(format!(
                "{} does not name the key: set key_name in [[dns.zone]] {}",
                self.key_file.display(),
                self.name
            ))
        })?;
        let algorithm = crate::wire::algorithm(
            self.algorithm
                .as_deref()
                .or(file.algorithm.as_deref())
                .unwrap_or("hmac-sha256"),
        )?;
        Ok(crate::TsigKey {
            name,
            algorithm,
            secret: file.secret,
        })
    }
}

impl DnsConfig {
    /// The resolver the DNSSEC check asks: `resolver`, or the first `nameserver` of
    /// `/etc/resolv.conf`.
    pub fn resolver(&self) -> Result<SocketAddr, crate::Error> {
        if let Some(r) = self.resolver {
            return Ok(r);
        }
        let conf = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
        conf.lines()
            .filter_map(|l| l.trim().strip_prefix("nameserver"))
            .filter_map(|rest| rest.trim().split('%').next()?.parse::<IpAddr>().ok())
            .map(|ip| SocketAddr::new(ip, 53))
            .next()
            .ok_or_else(|| {
                crate::Error::Config(
                    "no resolver: set dns.resolver (no nameserver in /etc/resolv.conf)".into(),
                )
            })
    }

    /// The trust anchors: `trust_anchor_file`, or the IANA root keys.
    pub fn anchors(&self) -> Result<hickory_proto::dnssec::TrustAnchors, crate::Error> {
        match &self.trust_anchor_file {
            Some(f) => {
                let t = std::fs::read_to_string(f).map_err(|e| {
                    crate::Error::Config(format!("trust anchor file {}: {e}", f.display()))
                })?;
                crate::chain::anchors(Some(&t))
            }
            None => crate::chain::anchors(None),
        }
    }

    /// The configured zone `name` belongs to (the longest that contains it).
    pub fn zone_of(&self, name: &str) -> Option<&ZoneConfig> {
        let name = crate::record::normal_name(name);
        self.zones
            .iter()
            .filter(|z| {
                let z = crate::record::normal_name(&z.name);
                name == z || name.ends_with(&format!(".{z}"))
            })
            .max_by_key(|z| z.name.len())
    }

    /// What is wrong, as `(key, problem)`.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut p = |k: &str, v: String| out.push((k.to_string(), v));
        if self.ttl < 60 || self.ttl > 86_400 {
            p(
                "dns.ttl",
                format!("{} is outside 60..=86400 seconds", self.ttl),
            );
        }
        if self.sync_interval_s < 10 {
            p("dns.sync_interval_s", "at least 10 seconds".into());
        }
        if self.check_interval_s != 0 && self.check_interval_s < 60 {
            p(
                "dns.check_interval_s",
                "0 (off) or at least 60 seconds".into(),
            );
        }
        if let Some(caa) = &self.caa {
            for ca in caa {
                if crate::record::wire_name(ca).is_err()
                    || ca.contains(char::is_whitespace)
                    || ca.is_empty()
                {
                    p(
                        "dns.caa",
                        format!("{ca:?} is not a CA's domain name (such as letsencrypt.org)"),
                    );
                }
            }
        }
        if let Some(f) = &self.trust_anchor_file {
            match std::fs::read_to_string(f) {
                Ok(t) => {
                    if let Err(e) = crate::chain::anchors(Some(&t)) {
                        p("dns.trust_anchor_file", format!("{}: {e}", f.display()));
                    }
                }
                Err(e) => p("dns.trust_anchor_file", format!("{}: {e}", f.display())),
            }
        }
        if self.selfcheck_interval_s != 0 && self.selfcheck_interval_s < 600 {
            p(
                "dns.selfcheck_interval_s",
                "0 (off) or at least 600 seconds".into(),
            );
        }
        if self.dkim_rotate_days != 0 && self.dkim_rotate_days < 7 {
            p("dns.dkim_rotate_days", "0 (off) or at least 7 days".into());
        }
        if self.dkim_rotate_days != 0 && self.apply != ApplyMode::Auto {
            p(
                "dns.dkim_rotate_days",
                "rotating DKIM keys by itself needs apply = \"auto\" (the server publishes the new key)".into(),
            );
        }
        if self.dkim_retire_days < 2 {
            p(
                "dns.dkim_retire_days",
                "at least 2 days, so mail in transit still verifies".into(),
            );
        }
        let mut seen = std::collections::BTreeSet::new();
        for z in &self.zones {
            let k = format!("dns.zone {}", z.name);
            if crate::record::wire_name(&z.name).is_err() || z.name.trim_end_matches('.').is_empty()
            {
                p(&k, "not a zone name".into());
            }
            if !seen.insert(crate::record::normal_name(&z.name)) {
                p(&k, "listed twice".into());
            }
            if let Err(e) = z.key() {
                p(&k, e.to_string());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn zones_are_found_by_the_longest_suffix() {
        let z = |n: &str| ZoneConfig {
            name: n.into(),
            server: "127.0.0.1:53".parse().unwrap(),
            key_file: "/nonexistent".into(),
            key_name: None,
            algorithm: None,
            authoritative: vec![],
        };
        let c = DnsConfig {
            zones: vec![z("example.nl"), z("shop.example.nl.")],
            ..DnsConfig::default()
        };
        assert_eq!(c.zone_of("www.example.nl").unwrap().name, "example.nl");
        assert_eq!(c.zone_of("Example.NL.").unwrap().name, "example.nl");
        assert_eq!(
            c.zone_of("a.shop.example.nl").unwrap().name,
            "shop.example.nl."
        );
        assert!(c.zone_of("badexample.nl").is_none());
    }

    #[test]
    fn problems_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("k");
        std::fs::write(&key, "c2hvcnQ=").unwrap();
        let c: DnsConfig = toml::from_str(&format!(
            "ttl = 5\ncaa = [\"lets encrypt\"]\ndkim_rotate_days = 30\n[[zone]]\nname = \"a.nl\"\nserver = \"127.0.0.1:53\"\nkey_file = \"{}\"\n",
            key.display()
        ))
        .unwrap();
        let text = format!("{:?}", c.problems());
        assert!(text.contains("dns.ttl"), "{text}");
        assert!(text.contains("dns.caa"), "{text}");
        assert!(text.contains("apply = \\\"auto\\\""), "{text}");
        assert!(text.contains("at least 16"), "{text}");
        assert!(DnsConfig::default().problems().is_empty());
    }
}
