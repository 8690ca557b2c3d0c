//! The domain self-check (the `check` crate: internet.nl's subtests and more) run by the server
//! for every hosted domain on a schedule, the results kept (`DATA_DIR/check/<domain>.json`), a
//! regression — a subtest that was met and no longer is (a certificate about to expire, DMARC
//! gone, a header gone), or a DMARC policy weaker than before — mailed to the operator, and the
//! last reports shown on the admin Check page.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::sync::watch;

use crate::config::Config;

/// The longest one domain's check may take.
const DOMAIN_BUDGET: Duration = Duration::from_secs(15 * 60);

/// The last report of each domain, and what changed since the one before.
#[derive(Clone, Default)]
pub struct CheckStatus(Arc<RwLock<BTreeMap<String, Checked>>>);

/// One domain's last check.
#[derive(Clone, Debug)]
pub struct Checked {
    /// The report.
    pub report: check::Report,
    /// Subtests met at the check before and not now, and a DMARC policy weaker than before:
    /// (code, title, what is wrong now).
    pub regressions: Vec<(String, String, String)>,
}

impl CheckStatus {
    /// A copy, by domain.
    pub fn get(&self) -> BTreeMap<String, Checked> {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// The self-check with everything it needs; shared by the schedule and the admin's button.
pub struct CheckRunner {
    config: Config,
    /// The last reports.
    pub status: CheckStatus,
    metrics: Arc<crate::metrics::Metrics>,
    alerts: Arc<crate::alerts::Alerter>,
    clock: store::Clock,
    running: tokio::sync::Mutex<()>,
}

/// The domains the server checks: each site's domain (its first host without `www.`).
pub fn domains(config: &Config) -> Vec<String> {
    let mut out: Vec<String> = config
        .sites
        .iter()
        .filter_map(|s| s.mail_domain())
        .collect();
    out.dedup();
    out.retain(|d| d.contains('.') && d.parse::<std::net::IpAddr>().is_err());
    out
}

/// The domains `runner` checks (none until `[dns]` names a zone or a resolver).
pub fn domains_of(runner: &CheckRunner) -> Vec<String> {
    if runner.configured() {
        domains(&runner.config)
    } else {
        Vec::new()
    }
}

/// The DKIM selectors Bolwerk signs `domain`'s mail with (active and waiting key sets), each
/// with the record it should have.
pub fn dkim_selectors(config: &Config, domain: &str) -> Vec<(String, Option<String>)> {
    let keys = mail::KeyStore::new(crate::outbox::key_dir(&config.data_dir));
    let Ok(state) = keys.state(domain) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for set in state.active.iter().chain(state.next.iter()) {
        match keys.records(domain, set) {
            Ok(records) => {
                for r in records {
                    out.push((r.kind.selector(set), Some(r.value)));
                }
            }
            Err(_) => {
                for k in mail::KeyKind::ALL {
                    out.push((k.selector(set), None));
                }
            }
        }
    }
    out
}

/// This machine's name when it is a full one, for EHLO.
pub fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| {
            h.contains('.')
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        })
        .unwrap_or_else(|| "bolwerk-check.invalid".into())
}

impl CheckRunner {
    /// For the server's config.
    pub fn new(
        config: &Config,
        metrics: Arc<crate::metrics::Metrics>,
        alerts: Arc<crate::alerts::Alerter>,
        clock: store::Clock,
    ) -> CheckRunner {
        CheckRunner {
            config: config.clone(),
            status: CheckStatus::default(),
            metrics,
            alerts,
            clock,
            running: tokio::sync::Mutex::new(()),
        }
    }

    /// Whether checks may run at all: `[dns]` names a zone or a resolver (a server set up
    /// without DNS, such as a test or the demo, asks no one).
    pub fn configured(&self) -> bool {
        let dns = &self.config.dns;
        (!dns.zones.is_empty() || dns.resolver.is_some()) && !domains(&self.config).is_empty()
    }

    /// Whether the schedule runs: configured, and `dns.selfcheck_interval_s` set.
    pub fn scheduled(&self) -> bool {
        self.config.dns.selfcheck_interval_s > 0 && self.configured()
    }

    /// The options for one domain.
    pub fn options(&self, domain: &str) -> Result<check::Options, String> {
        let resolver = self.config.dns.resolver().map_err(|e| e.to_string())?;
        let anchors = self.config.dns.anchors().map_err(|e| e.to_string())?;
        Ok(check::Options {
            domain: domain.to_string(),
            resolver,
            anchors: Arc::new(anchors),
            extra_roots: Vec::new(),
            ports: check::Ports::default(),
            dkim: check::auth::DkimWanted {
                selectors: dkim_selectors(&self.config, domain),
            },
            ehlo: hostname(),
            web: true,
            mail: true,
            now: u64::try_from(self.clock.now()).unwrap_or(0),
            timeout: Duration::from_secs(10),
            public_only: true,
        })
    }

    /// Checks every domain now (one run at a time; a second asks wait for the first).
    pub async fn run_all(&self) {
        if !self.configured() {
            return;
        }
        let Ok(_one) = self.running.try_lock() else {
            let _done = self.running.lock().await;
            return;
        };
        for domain in domains(&self.config) {
            let options = match self.options(&domain) {
                Ok(o) => o,
                Err(e) => {
                    tracing::warn!(target: "check", %domain, "cannot check: {e}");
                    continue;
                }
            };
            // A domain whose servers answer just before every deadline could stretch one run
            // over days: each domain gets a budget, and the others still get their turn.
            match tokio::time::timeout(DOMAIN_BUDGET, check::run(&options)).await {
                Ok(report) => self.record(report).await,
                Err(_) => tracing::warn!(
                    target: "check",
                    %domain,
                    "the check took longer than {} minutes and was stopped",
                    DOMAIN_BUDGET.as_secs() / 60
                ),
            }
        }
    }

    /// Keeps `report`, compares it with the one before (from disk, so across restarts), and
    /// alerts on every subtest that was met and is not now, and on a weaker DMARC policy.
    pub async fn record(&self, report: check::Report) {
        let domain = report.domain.clone();
        let dir = self.config.data_dir.join("check");
        let file = dir.join(format!("{domain}.json"));
        let stored = std::fs::read(&file)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok());
        let before: BTreeMap<String, String> = stored.as_ref().map(statuses).unwrap_or_default();
        // A report from before the policy was kept has none: nothing to compare with.
        let dmarc_before: Option<check::dmarc::Policy> = stored
            .as_ref()
            .and_then(|v| serde_json::from_value(v["dmarc"].clone()).ok());
        let now_json = serde_json::to_value(&report).unwrap_or_default();
        let mut regressions = Vec::new();
        for t in report.subtests() {
            let was_met = before.get(t.code).is_some_and(|s| s == "pass");
            let now_bad = matches!(t.status, check::Status::Fail | check::Status::Warning);
            if was_met && now_bad {
                regressions.push((
                    t.code.to_string(),
                    t.title.to_string(),
                    format!(
                        "{}{}",
                        t.found,
                        t.fix
                            .as_ref()
                            .map(|f| format!(" — {f}"))
                            .unwrap_or_default()
                    ),
                ));
            }
        }
        // A weaker DMARC policy still passes (quarantine is as good as reject to the subtest),
        // so it is compared on its own; a policy that now fails is already listed above.
        let policy = check::catalogue::mail::DMARC_POLICY;
        if let (Some(now), Some(was)) = (&report.dmarc, &dmarc_before)
            && let Some(why) = now.weakened_since(was)
            && !regressions.iter().any(|(code, _, _)| code == policy.code)
        {
            regressions.push((
                policy.code.to_string(),
                "DMARC policy as strict as before".to_string(),
                format!(
                    "{why}: receivers refuse less of the mail forged in the domain's name — set it back, unless the change was meant"
                ),
            ));
        }
        if let Err(e) = crate::files::create_dir(&dir).and_then(|()| {
            crate::files::write(
                &file,
                &serde_json::to_vec_pretty(&now_json).unwrap_or_default(),
            )
        }) {
            tracing::warn!(target: "check", %domain, "cannot keep the report: {e}");
        }
        let failed = report
            .subtests()
            .filter(|t| t.status == check::Status::Fail)
            .count();
        self.metrics
            .check_failures
            .get_or_create(&vec![("domain".to_string(), domain.clone())])
            .set(i64::try_from(failed).unwrap_or(i64::MAX));
        for (code, title, what) in &regressions {
            tracing::warn!(target: "check", %domain, code, "no longer met: {title}: {what}");
            self.alerts
                .send(
                    &format!("check:{domain}:{code}"),
                    &format!("{domain}: {title} no longer met"),
                    &format!(
                        "Bolwerk's self-check of {domain} found that \"{title}\" ({code}) was met at the last check and is not now:\n\n{what}\n\nSee the Check page of the admin, or run `bolwerk check {domain}`."
                    ),
                )
                .await;
        }
        self.status
            .0
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                domain,
                Checked {
                    report,
                    regressions,
                },
            );
    }

    /// Runs the schedule until shutdown: the first check a minute after the start.
    pub async fn run(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        if !self.scheduled() {
            return;
        }
        let period = Duration::from_secs(self.config.dns.selfcheck_interval_s.max(600));
        let mut next = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(next) => {}
                _ = shutdown.changed() => return,
            }
            next = tokio::time::Instant::now() + period;
            tokio::select! {
                _ = self.run_all() => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}

/// `code → status` of a stored report.
fn statuses(v: &serde_json::Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for c in v["categories"].as_array().into_iter().flatten() {
        for t in c["subtests"].as_array().into_iter().flatten() {
            if let (Some(code), Some(status)) = (t["code"].as_str(), t["status"].as_str()) {
                out.insert(code.to_string(), status.to_string());
            }
        }
    }
    out
}
