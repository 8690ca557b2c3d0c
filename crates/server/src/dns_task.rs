//! The server's DNS duties, on a schedule: keep Bolwerk's records in the agency's zones
//! (`dns.apply = "auto"`, or only show what waits for `bolwerk dns apply`), rotate DKIM keys
//! end to end, and walk the DNSSEC chain of every hosted name, alerting on what breaks.
//!
//! DKIM rotation, one step per sync (`dns.dkim_rotate_days`):
//! 1. the signing key set is older than the rotation age and none waits: make the next one
//!    (the sync that follows publishes it);
//! 2. a next set waits: once every authoritative server (`authoritative`, else the primary)
//!    answers both of its records exactly, it signs from then on; the old set is retired;
//! 3. a retired set older than `dns.dkim_retire_days` is deleted, and the sync that follows
//!    removes its records (Bolwerk remembers it published them).

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use dns::chain::{Finding, Report, Severity, Status, Walker};
use hickory_proto::rr::RecordType;
use serde::Serialize;
use tokio::sync::watch;

use crate::config::Config;
use crate::dns_sync;

mod rotation;

pub use rotation::rotate;

/// One zone as the last sync saw it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ZoneState {
    /// The zone.
    pub zone: String,
    /// Its primary.
    pub server: String,
    /// Changes waiting (as `+ name ttl TYPE value`), with why.
    pub pending: Vec<(String, String)>,
    /// Bolwerk's records that are right.
    pub in_sync: Vec<String>,
    /// Records at Bolwerk's names that are the operator's.
    pub foreign: usize,
    /// Why the zone could not be read or updated.
    pub error: Option<String>,
    /// Changes the last apply sent.
    pub sent: usize,
    /// Bolwerk's records had been changed by someone else.
    pub drift: bool,
}

/// What the admin page and metrics show.
#[derive(Clone, Debug, Default, Serialize)]
pub struct DnsState {
    /// When the zones were last looked at (Unix seconds).
    pub synced_at: Option<i64>,
    /// Per zone.
    pub zones: Vec<ZoneState>,
    /// Records no zone covers (publish by hand).
    pub unmanaged: Vec<String>,
    /// When the DNSSEC chains were last walked.
    pub checked_at: Option<i64>,
    /// One report per hosted name.
    pub reports: Vec<Report>,
    /// DKIM rotation steps taken, newest last (at most 50).
    pub rotation: Vec<(i64, String)>,
    /// Next DKIM key sets held back at the last sync, with why.
    pub rotation_waiting: Vec<String>,
    /// The last failure of the task itself.
    pub error: Option<String>,
}

/// Shared between the task, the admin pages and the metrics.
#[derive(Clone, Default)]
pub struct DnsStatus(Arc<RwLock<DnsState>>);

impl DnsStatus {
    /// A copy of the state.
    pub fn get(&self) -> DnsState {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn update(&self, f: impl FnOnce(&mut DnsState)) {
        f(&mut self.0.write().unwrap_or_else(|p| p.into_inner()));
    }
}

/// The DNS duties with everything they need; shared by the schedule and the admin's buttons,
/// which take turns (one sync and one check at a time, so `owned.json` has one writer).
pub struct DnsRunner {
    config: Config,
    keys: mail::KeyStore,
    /// What the last sync and check found.
    pub status: DnsStatus,
    metrics: Arc<crate::metrics::Metrics>,
    alerts: Arc<crate::alerts::Alerter>,
    clock: store::Clock,
    syncing: tokio::sync::Mutex<()>,
    seen: tokio::sync::Mutex<Seen>,
}

impl DnsRunner {
    /// For the server's config.
    pub fn new(
        config: &Config,
        metrics: Arc<crate::metrics::Metrics>,
        alerts: Arc<crate::alerts::Alerter>,
        clock: store::Clock,
    ) -> DnsRunner {
        DnsRunner {
            keys: mail::KeyStore::new(crate::outbox::key_dir(&config.data_dir)),
            seen: tokio::sync::Mutex::new(Seen::load(&config.data_dir)),
            config: config.clone(),
            status: DnsStatus::default(),
            metrics,
            alerts,
            clock,
            syncing: tokio::sync::Mutex::new(()),
        }
    }

    /// Whether the schedule checks DNSSEC: only for a config whose `[dns]` names a zone or a
    /// resolver, so that a server set up without DNS (a test, the demo) asks no one.
    pub fn checks(&self) -> bool {
        let dns = &self.config.dns;
        dns.check_interval_s > 0
            && (!dns.zones.is_empty() || dns.resolver.is_some())
            && !hosted_names(&self.config).is_empty()
    }

    /// Whether there is anything to do: zones to keep, or names to check.
    pub fn has_work(&self) -> bool {
        !self.config.dns.zones.is_empty() || self.checks()
    }

    /// Whether the server sends changes by itself.
    pub fn auto(&self) -> bool {
        self.config.dns.apply == dns::config::ApplyMode::Auto
    }

    /// One sync now (waits for one under way).
    pub async fn sync(&self, apply: bool) {
        let _one = self.syncing.lock().await;
        sync_once(
            &self.config,
            &self.keys,
            self.clock.now(),
            apply,
            &self.status,
            &self.metrics,
            Some(&self.alerts),
        )
        .await;
    }

    /// One DNSSEC check now; while one runs, its result is awaited instead of starting another
    /// (the admin's button cannot make the server hammer the resolver).
    pub async fn check(&self) -> Vec<Report> {
        let mut seen = match self.seen.try_lock() {
            Ok(s) => s,
            Err(_) => {
                let _done = self.seen.lock().await;
                return self.status.get().reports;
            }
        };
        check_once(
            &self.config,
            self.clock.now(),
            &self.status,
            &self.metrics,
            &self.alerts,
            &mut seen,
        )
        .await
    }

    /// Runs the schedule until shutdown.
    pub async fn run(self: Arc<Self>, shutdown: watch::Receiver<bool>) {
        // Two loops side by side: a slow resolver holding a DNSSEC check never delays keeping
        // the zones (and DKIM rotation), nor the other way round.
        let sync_every = Duration::from_secs(self.config.dns.sync_interval_s.max(10));
        let check_every = Duration::from_secs(self.config.dns.check_interval_s.max(60));
        let syncs = async {
            if !self.config.dns.zones.is_empty() {
                every(sync_every, Duration::ZERO, shutdown.clone(), || {
                    self.sync(self.auto())
                })
                .await;
            }
        };
        let checks = async {
            if self.checks() {
                every(
                    check_every,
                    Duration::from_secs(5),
                    shutdown.clone(),
                    || async {
                        self.check().await;
                    },
                )
                .await;
            }
        };
        tokio::join!(syncs, checks);
    }
}

/// Runs `job` after `first`, then every `period` (counted from each start), until shutdown.
async fn every<F, Fut>(
    period: Duration,
    first: Duration,
    mut shutdown: watch::Receiver<bool>,
    mut job: F,
) where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut next = tokio::time::Instant::now() + first;
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(next) => {}
            _ = shutdown.changed() => return,
        }
        next = tokio::time::Instant::now() + period;
        tokio::select! {
            _ = job() => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// One look at the zones: with `apply`, a DKIM rotation step, then plan and send; without,
/// only the plan (shown as waiting).
pub async fn sync_once(
    config: &Config,
    keys: &mail::KeyStore,
    now: i64,
    apply: bool,
    status: &DnsStatus,
    metrics: &crate::metrics::Metrics,
    alerts: Option<&crate::alerts::Alerter>,
) {
    let auto = apply;
    let mut steps = Vec::new();
    let mut waiting = Vec::new();
    if auto && config.dns.dkim_rotate_days > 0 {
        let done = rotate(config, keys, now).await;
        (steps, waiting) = (done.steps, done.waiting);
        for s in &steps {
            tracing::info!(target: "dns", "DKIM rotation: {s}");
        }
    }
    let planned = dns_sync::plan(config, keys).await;
    let (plans, unmanaged) = match planned {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(target: "dns", "cannot plan the zones: {e}");
            status.update(|s| s.error = Some(e));
            return;
        }
    };
    let applied = if auto {
        match dns_sync::apply(config, &plans, false).await {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(target: "dns", "cannot apply: {e}");
                status.update(|s| s.error = Some(e));
                Vec::new()
            }
        }
    } else {
        Vec::new()
    };
    let mut zones = Vec::new();
    for zp in &plans {
        let done = applied.iter().find(|a| a.zone == zp.zone);
        let sent = done.map(|a| a.changes).unwrap_or(0);
        let error = done
            .and_then(|a| a.error.clone())
            .or_else(|| zp.error.clone());
        if let Some(e) = &error {
            tracing::warn!(target: "dns", zone = %zp.zone, "{e}");
            metrics.dns_update_failures.inc();
        } else if sent > 0 {
            tracing::info!(target: "dns", zone = %zp.zone, "{sent} change(s) sent and accepted");
            metrics.dns_changes_sent.inc_by(sent as u64);
        }
        let plan = zp.plan.clone().unwrap_or_default();
        if zp.drift {
            let what: Vec<String> = plan.changes.iter().map(|c| c.to_string()).collect();
            tracing::warn!(target: "dns", zone = %zp.zone, "Bolwerk's records were changed by someone else: {}", what.join("; "));
            metrics.dns_drift.inc();
            if let Some(a) = alerts {
                let fix = if auto {
                    "Bolwerk has put them back."
                } else {
                    "`bolwerk dns apply` puts them back."
                };
                a.send(
                    &format!("dns-drift:{}", zp.zone),
                    &format!("records in {} changed by someone else", zp.zone),
                    &format!(
                        "The zone {} no longer holds what Bolwerk published there, though Bolwerk's settings did not change. The difference (- is in the zone now, + is Bolwerk's):\n\n{}\n\n{fix} If the change was meant, make it in Bolwerk's config instead.",
                        zp.zone,
                        what.join("\n")
                    ),
                )
                .await;
            }
        }
        let (pending, in_sync) = if sent > 0 && error.is_none() {
            (
                Vec::new(),
                plan.unchanged
                    .iter()
                    .chain(
                        plan.changes
                            .iter()
                            .filter(|c| c.op == dns::Op::Add)
                            .map(|c| &c.rec),
                    )
                    .map(|r| r.to_string())
                    .collect(),
            )
        } else {
            (
                plan.changes
                    .iter()
                    .map(|c| (c.to_string(), c.why.clone()))
                    .collect(),
                plan.unchanged.iter().map(|r| r.to_string()).collect(),
            )
        };
        metrics
            .dns_pending
            .get_or_create(&vec![("zone".to_string(), zp.zone.clone())])
            .set(pending.len() as i64);
        zones.push(ZoneState {
            drift: zp.drift,
            zone: zp.zone.clone(),
            server: zp.server.to_string(),
            pending,
            in_sync,
            foreign: plan.foreign.len(),
            error,
            sent,
        });
    }
    status.update(|s| {
        s.synced_at = Some(now);
        s.zones = zones;
        s.unmanaged = unmanaged.iter().map(|w| w.rec.to_string()).collect();
        s.error = None;
        for step in steps {
            s.rotation.push((now, step));
        }
        s.rotation_waiting = waiting;
        let extra = s.rotation.len().saturating_sub(50);
        s.rotation.drain(..extra);
    });
}

/// The names to check: every site host and mail domain, with the record sets that matter.
pub fn hosted_names(config: &Config) -> Vec<(String, Vec<(String, RecordType)>)> {
    let mut out: Vec<(String, Vec<(String, RecordType)>)> = Vec::new();
    let mut add = |name: &str, sets: &[RecordType]| {
        let name = dns::record::normal_name(name);
        if name.parse::<std::net::IpAddr>().is_ok() || !name.contains('.') {
            return;
        }
        let extra = sets.iter().map(|t| (name.clone(), *t));
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some((_, e)) => e.extend(extra),
            None => out.push((name.clone(), extra.collect())),
        }
    };
    for s in &config.sites {
        for h in &s.hosts {
            add(h, &[RecordType::A, RecordType::AAAA]);
        }
        if let Some(d) = s.mail_domain() {
            add(&d, &[RecordType::TXT, RecordType::MX]);
        }
    }
    out
}

/// When a KSK was first seen waiting for its DS, so a rollover that does not finish is noticed
/// across restarts (`DATA_DIR/dns/ksk-waiting.json`).
#[derive(Default)]
pub struct Seen {
    path: Option<std::path::PathBuf>,
    first: BTreeMap<String, i64>,
}

impl Seen {
    /// Loads what was saved (nothing if the file is missing or damaged: the wait restarts).
    pub fn load(data_dir: &std::path::Path) -> Seen {
        let path = data_dir.join("dns").join("ksk-waiting.json");
        let first = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        Seen {
            path: Some(path),
            first,
        }
    }

    /// Adds a `ksk-stuck` warning for every waiting KSK seen longer than `days`.
    pub fn judge(&mut self, reports: &mut [Report], now: i64, days: u32) {
        let mut still = BTreeMap::new();
        for r in reports.iter_mut() {
            let mut extra = Vec::new();
            for f in r.findings.iter().filter(|f| f.code == "ksk-waiting") {
                let key = format!("{} {}", f.zone, f.text);
                let since = *self.first.get(&key).unwrap_or(&now);
                still.insert(key, since);
                if now - since >= i64::from(days) * 86_400 {
                    extra.push(Finding {
                        severity: Severity::Warning,
                        code: "ksk-stuck",
                        zone: f.zone.clone(),
                        text: format!(
                            "a KSK rollover of {} has waited {} days for the DS at the registrar: {}",
                            f.zone,
                            (now - since) / 86_400,
                            f.text
                        ),
                    });
                }
            }
            r.findings.extend(extra);
            r.findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        }
        if still != self.first {
            self.first = still;
            if let Some(p) = &self.path {
                if let Some(dir) = p.parent() {
                    let _ = std::fs::create_dir_all(dir);
                }
                if let Ok(b) = serde_json::to_vec(&self.first) {
                    let tmp = p.with_extension("tmp");
                    if std::fs::write(&tmp, b).is_ok() {
                        let _ = std::fs::rename(&tmp, p);
                    }
                }
            }
        }
    }
}

/// Asks a validating resolver (hickory, same anchor and upstream) about the first record set
/// the walk checked, and notes where the two disagree: the walk explains, the resolver is the
/// reference it is held against.
async fn second_opinion(walker: &Walker, report: &mut Report, extra: &[(String, RecordType)]) {
    let Some((name, kind)) = extra.first() else {
        return;
    };
    if !matches!(
        report.status,
        Status::Secure | Status::Bogus | Status::Insecure
    ) {
        return;
    }
    let other =
        dns::chain::resolver_verdict(walker.upstream, walker.anchors.clone(), name, *kind).await;
    if other != report.status && other != Status::Unknown {
        report.findings.push(Finding {
            severity: Severity::Warning,
            code: "second-opinion",
            zone: report.zone.clone(),
            text: format!(
                "a validating resolver finds {name} {kind} {} where the walk found it {}: look at it with `delv {name}` as well",
                format!("{other:?}").to_lowercase(),
                format!("{:?}", report.status).to_lowercase()
            ),
        });
        report
            .findings
            .sort_by_key(|f| std::cmp::Reverse(f.severity));
    }
}

/// Walks every hosted name's DNSSEC chain, publishes the result, and alerts on errors and
/// warnings (each at most once a day per name and problem).
pub async fn check_once(
    config: &Config,
    now: i64,
    status: &DnsStatus,
    metrics: &crate::metrics::Metrics,
    alerts: &crate::alerts::Alerter,
    seen: &mut Seen,
) -> Vec<Report> {
    let names = hosted_names(config);
    if names.is_empty() {
        return Vec::new();
    }
    let walker = match (config.dns.resolver(), config.dns.anchors()) {
        (Ok(upstream), Ok(anchors)) => Walker {
            upstream,
            anchors: Arc::new(anchors),
            now: u64::try_from(now).unwrap_or(0),
            warn_within_s: u64::from(config.dns.rrsig_warn_days) * 86_400,
        },
        (Err(e), _) | (_, Err(e)) => {
            status.update(|s| s.error = Some(format!("DNSSEC check: {e}")));
            return Vec::new();
        }
    };
    let mut reports = Vec::new();
    for (name, extra) in names {
        let mut report = walker.walk(&name, &extra).await;
        second_opinion(&walker, &mut report, &extra).await;
        reports.push(report);
    }
    seen.judge(&mut reports, now, config.dns.ksk_stuck_days);
    metrics.dnssec_secure.clear();
    metrics.dnssec_findings.clear();
    metrics.dnssec_expiry.clear();
    for r in &reports {
        let d = ("domain".to_string(), r.domain.clone());
        metrics
            .dnssec_secure
            .get_or_create(&vec![d.clone()])
            .set(i64::from(r.status == Status::Secure));
        if let Some(e) = r.earliest_expiry {
            metrics
                .dnssec_expiry
                .get_or_create(&vec![d.clone()])
                .set(i64::try_from(e).unwrap_or(i64::MAX) - now);
        }
        for f in &r.findings {
            metrics
                .dnssec_findings
                .get_or_create(&vec![d.clone(), ("code".into(), f.code.to_string())])
                .inc();
            if f.severity >= Severity::Warning {
                let level = if f.severity == Severity::Error {
                    "error"
                } else {
                    "warning"
                };
                tracing::warn!(target: "dns", domain = %r.domain, code = f.code, level, "{}", f.text);
                alerts
                    .send(
                        &format!("dnssec:{}:{}", r.domain, f.code),
                        &format!("DNSSEC of {}: {}", r.domain, f.code),
                        &format!(
                            "Bolwerk's DNSSEC check of {} found a problem ({level}):\n\n{}\n\nSee the DNS page of the admin, or run `bolwerk dns check {}`.",
                            r.domain, f.text, r.domain
                        ),
                    )
                    .await;
            }
        }
    }
    status.update(|s| {
        s.checked_at = Some(now);
        s.reports = reports.clone();
    });
    reports
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn waiting() -> Report {
        Report {
            domain: "a.nl".into(),
            zone: "a.nl".into(),
            status: Status::Secure,
            chain: Vec::new(),
            findings: vec![Finding {
                severity: Severity::Note,
                code: "ksk-waiting",
                zone: "a.nl".into(),
                text: "KSK 123 (alg 13) is published but nl has no DS for it yet".into(),
            }],
            earliest_expiry: None,
            checked: Vec::new(),
        }
    }

    #[test]
    fn a_rollover_waiting_too_long_is_stuck_even_across_restarts() {
        let dir = tempfile::tempdir().unwrap();
        let day = 86_400;
        let mut seen = Seen::load(dir.path());
        let mut r = vec![waiting()];
        seen.judge(&mut r, 1_000_000, 7);
        assert!(
            !r[0].findings.iter().any(|f| f.code == "ksk-stuck"),
            "just seen"
        );
        // A restart: the first sighting is read back from disk.
        let mut seen = Seen::load(dir.path());
        let mut r = vec![waiting()];
        seen.judge(&mut r, 1_000_000 + 8 * day, 7);
        let stuck = r[0]
            .findings
            .iter()
            .find(|f| f.code == "ksk-stuck")
            .unwrap();
        assert_eq!(stuck.severity, Severity::Warning);
        assert!(stuck.text.contains("waited 8 days"), "{}", stuck.text);
        assert_eq!(r[0].findings[0].code, "ksk-stuck", "worst first");
        // Once the DS is there the wait is forgotten; a new rollover starts counting afresh.
        let mut done = waiting();
        done.findings.clear();
        seen.judge(&mut [done], 1_000_000 + 9 * day, 7);
        let mut r = vec![waiting()];
        seen.judge(&mut r, 1_000_000 + 10 * day, 7);
        assert!(!r[0].findings.iter().any(|f| f.code == "ksk-stuck"));
    }
}
