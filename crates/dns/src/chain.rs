//! The DNSSEC chain of trust of a hosted domain, walked from the root's trust anchor down to the
//! domain, with every broken link said in words an operator can act on: no DS at the parent, a
//! DS that matches no key, a missing, bad, expired or not yet valid signature, signatures about
//! to expire, a new KSK still waiting for its DS.
//!
//! A validating resolver only says "bogus"; this walk says why. It asks one upstream (a
//! resolver, or in the tests the authoritative server of a whole test hierarchy) with DO and CD
//! set, so that a validating upstream still shows what it would reject, and checks everything
//! itself with the clock it is given (tests move it).

use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;

use hickory_proto::dnssec::TrustAnchors;
use hickory_proto::dnssec::rdata::{DNSKEY, DNSSECRData, DS};
use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::{DNSClass, Name, RData, RecordType};
use serde::Serialize;

use crate::record::wire_name;
use crate::wire;
use proof::dnskeys;

mod proof;
mod verdict;
mod words;

pub use verdict::resolver_verdict;
pub use words::utc;
use words::{describe_ds, describe_key, left};

/// The verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Every link from the anchor to the domain's records holds.
    Secure,
    /// Provably unsigned: a parent says, signed, that there is no DS. Visitors are not protected.
    Insecure,
    /// A link is broken: validating resolvers refuse the domain's records (it is unreachable).
    Bogus,
    /// The DNS did not answer well enough to judge.
    Unknown,
}

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Something to know (a rollover under way).
    Note,
    /// Will break if nothing happens (signatures expiring soon).
    Warning,
    /// Broken now, or not protected.
    Error,
}

/// Every [`Finding::code`] the walk gives, so a reader (the admin's words per code) can cover
/// them all; the walk asserts (in debug builds, so in every test) that it gives no other.
pub const FINDING_CODES: &[&str] = &[
    "lookup",
    "no-anchor",
    "alias",
    "expiring",
    "unsigned",
    "no-ds",
    "no-dnskey",
    "ds-mismatch",
    "ksk-waiting",
    "stale-ds",
    "ds-unproven",
    "no-signature",
    "unknown-key",
    "expired",
    "not-yet-valid",
    "bad-signature",
];

/// One thing found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// How bad.
    pub severity: Severity,
    /// Stable code for alerts, tests and the admin's words: one of [`FINDING_CODES`].
    pub code: &'static str,
    /// The zone it is about.
    pub zone: String,
    /// What, and what to do.
    pub text: String,
}

/// One zone of the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ZoneLink {
    /// The zone (`.` for the root).
    pub zone: String,
    /// Its DS records at the parent, as `tag/algorithm/digest type`.
    pub ds: Vec<String>,
    /// Its keys, as `KSK 12345 (alg 13)`.
    pub keys: Vec<String>,
    /// Secure up to here, or where it stopped.
    pub status: Status,
}

/// What the walk found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The name asked about.
    pub domain: String,
    /// The zone it is in (the deepest zone cut at or above it).
    pub zone: String,
    /// The verdict.
    pub status: Status,
    /// The zones from the root down.
    pub chain: Vec<ZoneLink>,
    /// Everything found, worst first.
    pub findings: Vec<Finding>,
    /// When the first signature of the domain's own zone runs out (Unix seconds).
    pub earliest_expiry: Option<u64>,
    /// The record sets whose signatures were checked, as `name TYPE`.
    pub checked: Vec<String>,
}

impl Report {
    /// The findings at `severity` or worse.
    pub fn at_least(&self, severity: Severity) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.severity >= severity)
    }
}

/// Trust anchors from zone-file lines (`. 3600 IN DNSKEY 257 3 13 <base64>`), or the IANA
/// root keys when `text` is `None`.
pub fn anchors(text: Option<&str>) -> Result<TrustAnchors, crate::Error> {
    match text {
        None => Ok(TrustAnchors::default()),
        Some(t) => TrustAnchors::from_str(t)
            .map_err(|e| crate::Error::Config(format!("trust anchor: {e}"))),
    }
}

/// Walks chains.
#[derive(Clone)]
pub struct Walker {
    /// Who is asked.
    pub upstream: SocketAddr,
    /// The root's keys.
    pub anchors: Arc<TrustAnchors>,
    /// Unix seconds the signatures are judged at.
    pub now: u64,
    /// Warn when a signature of the domain's zone runs out within this many seconds.
    pub warn_within_s: u64,
}

type Failure = (&'static str, String);

/// The longest one walk may take.
const WALK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);
/// Keys of one zone looked at; a zone has two to four, a few more during rollovers.
const MAX_KEYS: usize = 32;
/// Signatures tried per record set, and keys tried per key tag (KeyTrap, CVE-2023-50387).
const MAX_SIGS: usize = 8;
const MAX_SAME_TAG: usize = 4;
/// NSEC3 records hashed per answer, and the most iterations hashed (RFC 9276 §3.2: more is
/// treated as insecure by validators, so it proves nothing here).
const MAX_NSEC3: usize = 16;
const MAX_NSEC3_ITERATIONS: u16 = 150;

struct Walk {
    findings: Vec<Finding>,
    chain: Vec<ZoneLink>,
    checked: Vec<String>,
    /// The first signature expiry seen per signing zone.
    expiry: std::collections::BTreeMap<String, u64>,
}

impl Walk {
    fn add(&mut self, severity: Severity, code: &'static str, zone: &Name, text: String) {
        debug_assert!(
            FINDING_CODES.contains(&code),
            "{code} is not in FINDING_CODES"
        );
        self.findings.push(Finding {
            severity,
            code,
            zone: show(zone),
            text,
        });
    }
}

fn show(n: &Name) -> String {
    if n.is_root() {
        ".".into()
    } else {
        crate::record::normal_name(&n.to_ascii())
    }
}

impl Walker {
    /// Walks from the root to `domain` (a zone's apex or a name in it) through every zone cut,
    /// then checks the signatures over its zone's SOA and over `extra` record sets (a site's
    /// addresses, its MX).
    pub async fn walk(&self, domain: &str, extra: &[(String, RecordType)]) -> Report {
        let mut w = Walk {
            findings: Vec::new(),
            chain: Vec::new(),
            checked: Vec::new(),
            expiry: Default::default(),
        };
        let status = match wire_name(domain) {
            // A resolver that answers slowly on every question cannot hold a check (or the
            // schedule behind it) for longer than this.
            Ok(target) => {
                match tokio::time::timeout(WALK_TIMEOUT, self.walk_to(&target, extra, &mut w)).await
                {
                    Ok(s) => s,
                    Err(_) => {
                        w.add(
                            Severity::Error,
                            "lookup",
                            &target,
                            format!(
                                "the walk took longer than {} s: {} answers too slowly",
                                WALK_TIMEOUT.as_secs(),
                                self.upstream
                            ),
                        );
                        Status::Unknown
                    }
                }
            }
            Err(e) => {
                w.add(Severity::Error, "lookup", &Name::root(), e.to_string());
                Status::Unknown
            }
        };
        w.findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        let earliest_expiry = w.chain.last().and_then(|l| w.expiry.get(&l.zone).copied());
        Report {
            domain: crate::record::normal_name(domain),
            zone: w.chain.last().map(|l| l.zone.clone()).unwrap_or_default(),
            status,
            chain: w.chain,
            findings: w.findings,
            earliest_expiry,
            checked: w.checked,
        }
    }

    async fn ask(&self, name: &Name, kind: RecordType, w: &mut Walk) -> Option<Message> {
        match wire::query(self.upstream, name, kind, true).await {
            Ok(m) => match m.metadata.response_code {
                ResponseCode::NoError | ResponseCode::NXDomain => Some(m),
                rc => {
                    w.add(
                        Severity::Error,
                        "lookup",
                        name,
                        format!("{} answered {rc} for {} {kind}", self.upstream, show(name)),
                    );
                    None
                }
            },
            Err(e) => {
                w.add(Severity::Error, "lookup", name, e.to_string());
                None
            }
        }
    }

    async fn walk_to(&self, target: &Name, extra: &[(String, RecordType)], w: &mut Walk) -> Status {
        let mut zone = Name::root();
        let Some(m) = self.ask(&zone, RecordType::DNSKEY, w).await else {
            return Status::Unknown;
        };
        let keys = dnskeys(&m, &zone);
        let anchored: Vec<DNSKEY> = keys
            .iter()
            .filter(|k| self.anchors.contains(k.public_key()))
            .cloned()
            .collect();
        let mut link = ZoneLink {
            zone: ".".into(),
            ds: Vec::new(),
            keys: keys.iter().map(describe_key).collect(),
            status: Status::Secure,
        };
        if anchored.is_empty() {
            w.add(
                Severity::Error,
                "no-anchor",
                &zone,
                format!(
                    "no key of the root zone {} serves matches the trust anchor (is the anchor for this root, or the upstream a real resolver?)",
                    self.upstream
                ),
            );
            link.status = Status::Bogus;
            w.chain.push(link);
            return Status::Bogus;
        }
        if let Err((code, text)) = self.verify(&m, &zone, RecordType::DNSKEY, &anchored, &zone, w) {
            w.add(Severity::Error, code, &zone, text);
            link.status = Status::Bogus;
            w.chain.push(link);
            return Status::Bogus;
        }
        w.chain.push(link);
        let mut zone_keys = keys;
        let labels = target.num_labels();
        for n in 1..=labels {
            let name = target.trim_to(usize::from(n));
            let Some(soa) = self.ask(&name, RecordType::SOA, w).await else {
                return Status::Unknown;
            };
            if soa.metadata.response_code == ResponseCode::NXDomain {
                w.add(
                    Severity::Error,
                    "lookup",
                    &name,
                    format!("{} does not exist in the DNS", show(&name)),
                );
                return Status::Unknown;
            }
            let mut cut = soa.answers.iter().any(|r| {
                r.record_type() == RecordType::SOA && r.dns_class == DNSClass::IN && r.name == name
            });
            if !cut {
                // A DS makes it a zone cut whatever the SOA answer says: hiding a signed
                // child's SOA must not let the walk stop above it.
                let Some(ds) = self.ask(&name, RecordType::DS, w).await else {
                    return Status::Unknown;
                };
                cut = ds.answers.iter().any(|r| {
                    r.record_type() == RecordType::DS
                        && r.dns_class == DNSClass::IN
                        && r.name == name
                });
            }
            if !cut {
                continue;
            }
            match self.link(&zone, &zone_keys, &name, w).await {
                Ok(Some(keys)) => {
                    zone = name;
                    zone_keys = keys;
                }
                Ok(None) => return Status::Insecure,
                Err(s) => return s,
            }
        }
        // The zone's own records.
        let mut sets = vec![(zone.clone(), RecordType::SOA)];
        for (n, t) in extra {
            if let Ok(name) = wire_name(n)
                && zone.zone_of(&name)
            {
                sets.push((name, *t));
            }
        }
        let mut bogus = false;
        let mut target_seen = *target == zone;
        for (name, kind) in sets {
            let Some(m) = self.ask(&name, kind, w).await else {
                bogus = true;
                continue;
            };
            let has = |t: RecordType| {
                m.answers
                    .iter()
                    .any(|r| r.record_type() == t && r.dns_class == DNSClass::IN && r.name == name)
            };
            // An alias: its own signature is this zone's to check; where it points is not.
            let kind = if !has(kind) && has(RecordType::CNAME) {
                RecordType::CNAME
            } else {
                kind
            };
            if !has(kind) {
                continue;
            }
            if name == *target {
                target_seen = true;
            }
            let what = format!("{} {kind}", show(&name));
            if !w.checked.contains(&what) {
                w.checked.push(what);
            } else {
                continue;
            }
            if let Err((code, text)) = self.verify(&m, &name, kind, &zone_keys, &zone, w) {
                w.add(Severity::Error, code, &zone, text);
                bogus = true;
            } else if kind == RecordType::CNAME {
                w.add(
                    Severity::Note,
                    "alias",
                    &zone,
                    format!(
                        "{} is an alias (CNAME): the alias is signed, but the name it points to is in another zone, checked on its own",
                        show(&name)
                    ),
                );
            }
        }
        if !target_seen && !bogus {
            w.add(
                Severity::Error,
                "lookup",
                target,
                format!(
                    "{} has none of the records asked for, so nothing at it could be checked",
                    show(target)
                ),
            );
            return Status::Unknown;
        }
        if let Some(exp) = w.expiry.get(&show(&zone)).copied()
            && exp.saturating_sub(self.now) < self.warn_within_s
        {
            w.add(
                Severity::Warning,
                "expiring",
                &zone,
                format!(
                    "a signature of {} runs out at {} ({}): the signer must renew it before then (Knot re-signs by itself: check `knotc zone-status {}`)",
                    show(&zone),
                    utc(exp),
                    left(exp, self.now),
                    show(&zone)
                ),
            );
        }
        if bogus { Status::Bogus } else { Status::Secure }
    }

    /// Checks the link from `parent` (its keys trusted) to `child`: `Ok(Some(keys))` when the
    /// child's keys are trusted now, `Ok(None)` when the child is provably unsigned.
    async fn link(
        &self,
        parent: &Name,
        parent_keys: &[DNSKEY],
        child: &Name,
        w: &mut Walk,
    ) -> Result<Option<Vec<DNSKEY>>, Status> {
        let dsm = self
            .ask(child, RecordType::DS, w)
            .await
            .ok_or(Status::Unknown)?;
        let ds: Vec<DS> = dsm
            .answers
            .iter()
            .filter(|r| r.name == *child && r.dns_class == DNSClass::IN)
            .filter_map(|r| match &r.data {
                RData::DNSSEC(DNSSECRData::DS(d)) => Some(d.clone()),
                _ => None,
            })
            .collect();
        let km = self
            .ask(child, RecordType::DNSKEY, w)
            .await
            .ok_or(Status::Unknown)?;
        let keys = dnskeys(&km, child);
        let mut link = ZoneLink {
            zone: show(child),
            ds: ds.iter().map(describe_ds).collect(),
            keys: keys.iter().map(describe_key).collect(),
            status: Status::Secure,
        };
        if ds.is_empty() {
            match self.no_ds_proof(&dsm, child, parent, parent_keys, w) {
                Ok(()) => {
                    link.status = Status::Insecure;
                    w.chain.push(link);
                    let text = if keys.is_empty() {
                        format!(
                            "{} is not signed: nothing protects its records. Sign it on the DNS server (docs/dns.md), then publish its DS at the registrar",
                            show(child)
                        )
                    } else {
                        let ksk: Vec<String> = keys
                            .iter()
                            .filter(|k| k.is_key_signing_key())
                            .filter_map(|k| k.calculate_key_tag().ok())
                            .map(|t| t.to_string())
                            .collect();
                        format!(
                            "{} is signed, but {} has no DS record for it, so no resolver checks the signatures: publish the DS of KSK {} at the registrar (`keymgr {} ds` on the Knot server prints it)",
                            show(child),
                            show(parent),
                            if ksk.is_empty() {
                                "?".into()
                            } else {
                                ksk.join(", ")
                            },
                            show(child)
                        )
                    };
                    let code = if keys.is_empty() { "unsigned" } else { "no-ds" };
                    w.add(Severity::Error, code, child, text);
                    return Ok(None);
                }
                Err((code, text)) => {
                    w.add(Severity::Error, code, child, text);
                    link.status = Status::Bogus;
                    w.chain.push(link);
                    return Err(Status::Bogus);
                }
            }
        }
        let fail = |w: &mut Walk, mut link: ZoneLink, code, text| {
            w.add(Severity::Error, code, child, text);
            link.status = Status::Bogus;
            w.chain.push(link);
            Err(Status::Bogus)
        };
        if let Err((code, text)) = self.verify(&dsm, child, RecordType::DS, parent_keys, parent, w)
        {
            return fail(w, link, code, text);
        }
        if keys.is_empty() {
            return fail(
                w,
                link,
                "no-dnskey",
                format!(
                    "{} has a DS for {} ({}), but {} publishes no DNSKEY: resolvers reject the whole domain. Sign the zone again, or remove the DS at the registrar",
                    show(parent),
                    show(child),
                    ds.iter().map(describe_ds).collect::<Vec<_>>().join(", "),
                    show(child)
                ),
            );
        }
        let entry: Vec<DNSKEY> = keys
            .iter()
            .filter(|k| ds.iter().any(|d| d.covers(child, k).unwrap_or(false)))
            .cloned()
            .collect();
        if entry.is_empty() {
            return fail(
                w,
                link,
                "ds-mismatch",
                format!(
                    "the DS at {} ({}) matches no key of {} (its keys: {}): resolvers reject the whole domain. Publish the DS of the current KSK at the registrar (`keymgr {} ds`)",
                    show(parent),
                    ds.iter().map(describe_ds).collect::<Vec<_>>().join(", "),
                    show(child),
                    keys.iter().map(describe_key).collect::<Vec<_>>().join(", "),
                    show(child)
                ),
            );
        }
        if let Err((code, text)) = self.verify(&km, child, RecordType::DNSKEY, &entry, child, w) {
            return fail(w, link, code, text);
        }
        for k in keys
            .iter()
            .filter(|k| k.is_key_signing_key() && !entry.contains(k))
        {
            w.add(
                Severity::Note,
                "ksk-waiting",
                child,
                format!(
                    "{} is published but {} has no DS for it yet: during a KSK rollover, publish its DS at the registrar (the old KSK stays until then)",
                    describe_key(k),
                    show(parent)
                ),
            );
        }
        for d in ds
            .iter()
            .filter(|d| !keys.iter().any(|k| d.covers(child, k).unwrap_or(false)))
        {
            w.add(
                Severity::Note,
                "stale-ds",
                child,
                format!(
                    "the DS {} at {} matches no key of {} any more: remove it at the registrar",
                    describe_ds(d),
                    show(parent),
                    show(child)
                ),
            );
        }
        w.chain.push(link);
        Ok(Some(keys))
    }
}
