//! Bolwerk's records in the agency's zones: what the sites need (their addresses, SPF, DKIM,
//! DMARC, CAA, MTA-STS and TLS-RPT), planned against what each zone's primary server has, and
//! sent as one TSIG-signed update per zone. What Bolwerk published is remembered
//! (`DATA_DIR/dns/owned.json`), so that a record it stops needing (a removed DKIM key, a host
//! taken off a site) is removed, and nothing else of a zone is ever touched.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use dns::{Kind, Plan, Rec, Slot, Want};
use serde::{Deserialize, Serialize};

use crate::config::Config;

/// The records the config asks for, by zone.
#[derive(Clone, Debug, Default)]
pub struct Wanted {
    /// By configured zone (normalised name).
    pub by_zone: BTreeMap<String, Vec<Want>>,
    /// Records no `[[dns.zone]]` covers: to publish by hand.
    pub unmanaged: Vec<Want>,
}

/// The CAs that may issue for the hosted domains (`dns.caa`, or Let's Encrypt when a site
/// uses ACME with Let's Encrypt's directory).
pub fn caa_issuers(config: &Config) -> Vec<String> {
    if let Some(c) = &config.dns.caa {
        return c.clone();
    }
    let acme = config.sites.iter().any(|s| s.tls_acme);
    if acme && config.acme.directory.contains("letsencrypt.org") {
        vec!["letsencrypt.org".into()]
    } else {
        Vec::new()
    }
}

fn is_name(host: &str) -> bool {
    host.parse::<std::net::IpAddr>().is_err() && host != "localhost" && host.contains('.')
}

/// Every record the sites need.
pub fn wanted(config: &Config, keys: &mail::KeyStore) -> Result<Wanted, String> {
    let ttl = config.dns.ttl;
    let mut all: Vec<Want> = Vec::new();
    let mut push = |name: &str, kind: Kind, value: String, why: String| {
        let rec = Rec::new(name, kind, ttl, value);
        if !all.iter().any(|w| w.rec == rec) {
            all.push(Want { rec, why });
        }
    };
    let mut apexes: BTreeSet<String> = BTreeSet::new();
    for site in &config.sites {
        let mut hosts: Vec<String> = site.hosts.iter().filter(|h| is_name(h)).cloned().collect();
        hosts.extend(site.mta_sts_host());
        for h in &hosts {
            if let Some(z) = config.dns.zone_of(h) {
                apexes.insert(dns::record::normal_name(&z.name));
            }
            for ip in &config.dns.addresses {
                let (kind, what) = if ip.is_ipv4() {
                    (Kind::A, "IPv4")
                } else {
                    (Kind::Aaaa, "IPv6")
                };
                push(
                    h,
                    kind,
                    ip.to_string(),
                    format!(
                        "Site {} answers at {h} over {what} (dns.addresses).",
                        site.name
                    ),
                );
            }
        }
        if let (Some(sts), Some(domain)) = (&site.mta_sts, site.mail_domain()) {
            let policy = sts.policy_text();
            let w = mail::records::mta_sts(&domain, &policy);
            push(&w.name, Kind::Txt, w.value, w.why);
            let w = mail::records::tls_rpt(&domain, &config.mail.rua_for(&domain));
            push(&w.name, Kind::Txt, w.value, w.why);
        }
    }
    let mut domains: Vec<(String, String)> = config
        .mail_sites()
        .into_iter()
        .map(|(s, d)| (d, s.hosts.first().cloned().unwrap_or_default()))
        .collect();
    domains.dedup_by(|a, b| a.0 == b.0);
    for (domain, host) in domains {
        let recs = mail::records::wanted(
            &domain,
            keys,
            &mail::records::SendingPath {
                relay: config.mail.relay.as_deref(),
                site_host: &host,
                rua: &config.mail.rua_for(&domain),
            },
        )
        .map_err(|e| format!("mail records of {domain}: {e}"))?;
        for r in recs.records {
            push(&r.wanted.name, Kind::Txt, r.wanted.value, r.wanted.why);
        }
    }
    let cas = caa_issuers(config);
    for apex in &apexes {
        for ca in &cas {
            push(
                apex,
                Kind::Caa,
                format!("0 issue \"{ca}\""),
                format!(
                    "Only {ca} may issue certificates for {apex} and the names under it (dns.caa)."
                ),
            );
        }
    }
    let mut out = Wanted::default();
    for w in all {
        match config.dns.zone_of(&w.rec.name) {
            Some(z) => out
                .by_zone
                .entry(dns::record::normal_name(&z.name))
                .or_default()
                .push(w),
            None => out.unmanaged.push(w),
        }
    }
    for z in &config.dns.zones {
        out.by_zone
            .entry(dns::record::normal_name(&z.name))
            .or_default();
    }
    Ok(out)
}

/// The slots Bolwerk published in each zone, and the records it last made them hold.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owned {
    /// By zone.
    pub zones: BTreeMap<String, BTreeSet<Slot>>,
    /// By zone: what the last accepted apply left there (to tell a change made by someone
    /// else from one Bolwerk wants).
    #[serde(default)]
    pub records: BTreeMap<String, Vec<Rec>>,
}

impl Owned {
    fn path(data_dir: &Path) -> PathBuf {
        data_dir.join("dns").join("owned.json")
    }

    /// What was saved (nothing before the first apply). A damaged file is an error: without
    /// it Bolwerk could leave records behind, so it says so instead of guessing.
    pub fn load(data_dir: &Path) -> Result<Owned, String> {
        let p = Owned::path(data_dir);
        match std::fs::read(&p) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| {
                format!(
                    "{} is damaged ({e}); move it away to start over",
                    p.display()
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Owned::default()),
            Err(e) => Err(format!("{}: {e}", p.display())),
        }
    }

    /// Saves atomically (a crash leaves the old or the new file, never half of one).
    pub fn save(&self, data_dir: &Path) -> Result<(), String> {
        let p = Owned::path(data_dir);
        let dir = data_dir.join("dns");
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        // A name of its own, so that a CLI apply and the server never write the same temp file.
        let tmp = p.with_extension(format!("json.{}.tmp", std::process::id()));
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| e.to_string())?;
        std::fs::write(&tmp, bytes).map_err(|e| format!("{}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, &p).map_err(|e| format!("{}: {e}", p.display()))
    }
}

/// One zone's plan, or why there is none.
#[derive(Clone, Debug, Serialize)]
pub struct ZonePlan {
    /// The zone.
    pub zone: String,
    /// Its primary.
    pub server: SocketAddr,
    /// What to change.
    pub plan: Option<Plan>,
    /// Why the zone could not be read.
    pub error: Option<String>,
    /// The records wanted (for `apply` and the owned state).
    #[serde(skip)]
    pub wanted: Vec<Want>,
    /// Bolwerk wants what it last published, yet the zone differs: someone else changed or
    /// removed Bolwerk's records.
    pub drift: bool,
}

/// Reads every configured zone's current records at Bolwerk's slots and plans the changes.
pub async fn plan(
    config: &Config,
    keys: &mail::KeyStore,
) -> Result<(Vec<ZonePlan>, Vec<Want>), String> {
    let wanted = wanted(config, keys)?;
    let owned = Owned::load(&config.data_dir)?;
    let mut out = Vec::new();
    for z in &config.dns.zones {
        let zone = dns::record::normal_name(&z.name);
        let want = wanted.by_zone.get(&zone).cloned().unwrap_or_default();
        let before: Vec<Slot> = owned
            .zones
            .get(&zone)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default();
        let mut slots: BTreeSet<(String, Kind)> = dns::plan::slots_of(&want)
            .into_iter()
            .map(|s| (s.name, s.kind))
            .collect();
        slots.extend(before.iter().map(|s| (s.name.clone(), s.kind)));
        let mut current = Vec::new();
        let mut error = None;
        for (name, kind) in &slots {
            match dns::wire::records(z.server, name, kind.record_type()).await {
                Ok(r) => current.extend(r),
                Err(e) => {
                    error = Some(format!("reading {name} {kind}: {e}"));
                    break;
                }
            }
        }
        let plan = error
            .is_none()
            .then(|| dns::plan::plan(&zone, &want, &before, &current));
        let drift = plan.as_ref().is_some_and(|p| !p.is_empty())
            && owned
                .records
                .get(&zone)
                .is_some_and(|last| *last == sorted_recs(&want));
        out.push(ZonePlan {
            zone: zone.clone(),
            server: z.server,
            plan,
            error,
            wanted: want,
            drift,
        });
    }
    Ok((out, wanted.unmanaged))
}

fn sorted_recs(wanted: &[Want]) -> Vec<Rec> {
    let mut r: Vec<Rec> = wanted.iter().map(|w| w.rec.clone()).collect();
    r.sort();
    r
}

/// What applying one zone's plan did.
#[derive(Clone, Debug, Serialize)]
pub struct Applied {
    /// The zone.
    pub zone: String,
    /// Changes sent and accepted.
    pub changes: usize,
    /// Why it was not done.
    pub error: Option<String>,
}

/// Sends each zone's plan (zones that could not be read or planned are skipped), then remembers
/// what Bolwerk owns in every zone whose update was accepted (or had nothing to change).
///
/// Without `takeover` (the server's own syncs), a zone whose plan would delete records at a
/// name Bolwerk has not published at before is left alone: taking over what someone else put
/// there is for an operator who read the plan (`bolwerk dns apply`).
pub async fn apply(
    config: &Config,
    plans: &[ZonePlan],
    takeover: bool,
) -> Result<Vec<Applied>, String> {
    let mut owned = Owned::load(&config.data_dir)?;
    let mut out = Vec::new();
    for zp in plans {
        let Some(plan) = &zp.plan else {
            out.push(Applied {
                zone: zp.zone.clone(),
                changes: 0,
                error: zp.error.clone(),
            });
            continue;
        };
        let known = owned.zones.get(&zp.zone);
        let foreign: Vec<String> = plan
            .changes
            .iter()
            .filter(|c| c.op == dns::Op::Delete)
            .filter(|c| {
                !known.is_some_and(|k| {
                    k.iter()
                        .any(|s| s.name == c.rec.name && s.kind == c.rec.kind)
                })
            })
            .map(|c| c.rec.to_string())
            .collect();
        let result = if plan.is_empty() {
            Ok(())
        } else if !takeover && !foreign.is_empty() {
            Err(format!(
                "the plan replaces records Bolwerk did not publish ({}): review it with `bolwerk dns plan` and send it once with `bolwerk dns apply`",
                foreign.join("; ")
            ))
        } else {
            match config.dns.zone_of(&zp.zone).map(|z| z.key()) {
                Some(Ok(key)) => dns::wire::update(zp.server, &zp.zone, &plan.changes, &key)
                    .await
                    .map_err(|e| e.to_string()),
                Some(Err(e)) => Err(e.to_string()),
                None => Err(format!("{} is not a configured zone", zp.zone)),
            }
        };
        match result {
            Ok(()) => {
                owned
                    .zones
                    .insert(zp.zone.clone(), dns::plan::slots_of(&zp.wanted));
                owned
                    .records
                    .insert(zp.zone.clone(), sorted_recs(&zp.wanted));
                out.push(Applied {
                    zone: zp.zone.clone(),
                    changes: plan.changes.len(),
                    error: None,
                });
            }
            Err(e) => out.push(Applied {
                zone: zp.zone.clone(),
                changes: 0,
                error: Some(e),
            }),
        }
    }
    owned.save(&config.data_dir)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn config(text: &str) -> Config {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("k.key");
        std::fs::write(&key, "6CE3ndfhHfnmjAblP5GcHvlGFvLCeh1vXwrjV1TxBkw=\n").unwrap();
        let text = text
            .replace("KEY", &key.display().to_string())
            .replace("DATA", &dir.path().display().to_string());
        let c = Config::from_text(None, Path::new("t.toml"), &text).unwrap();
        std::mem::forget(dir);
        c
    }

    #[test]
    fn every_site_record_lands_in_its_zone() {
        let c = config(
            r#"
data_dir = "DATA"
[server]
http = "127.0.0.1:0"
[dns]
addresses = ["192.0.2.10", "2001:db8::10"]
caa = ["letsencrypt.org"]
[[dns.zone]]
name = "bakker.nl"
server = "127.0.0.1:53"
key_file = "KEY"
key_name = "k"
[[site]]
name = "bakker"
hosts = ["bakker.nl", "www.bakker.nl"]
[[site.form]]
name = "contact"
path = "/contact"
to = ["info@bakker.nl"]
[site.mta_sts]
mode = "enforce"
mx = ["mx.bakker.nl"]
[[site]]
name = "other"
hosts = ["linde.nl"]
"#,
        );
        let keys = mail::KeyStore::new(c.data_dir.join("keys"));
        keys.generate("bakker.nl", Some("2026-12")).unwrap();
        let w = wanted(&c, &keys).unwrap();
        let zone = &w.by_zone["bakker.nl"];
        let names: BTreeSet<String> = zone
            .iter()
            .map(|w| format!("{} {}", w.rec.name, w.rec.kind))
            .collect();
        for n in [
            "bakker.nl A",
            "bakker.nl AAAA",
            "www.bakker.nl A",
            "mta-sts.bakker.nl AAAA",
            "bakker.nl TXT",
            "_dmarc.bakker.nl TXT",
            "2026-12-rsa._domainkey.bakker.nl TXT",
            "2026-12-ed25519._domainkey.bakker.nl TXT",
            "_mta-sts.bakker.nl TXT",
            "_smtp._tls.bakker.nl TXT",
            "bakker.nl CAA",
        ] {
            assert!(names.contains(n), "{n} missing from {names:#?}");
        }
        assert!(
            w.unmanaged
                .iter()
                .any(|x| x.rec.name == "linde.nl" && x.rec.kind == Kind::A),
            "a site outside every zone is listed for publishing by hand"
        );
        assert!(!w.unmanaged.iter().any(|x| x.rec.kind == Kind::Caa));
    }
}
