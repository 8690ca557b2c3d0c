//! Prometheus metrics: what the shield decided, which rules fired, bans, and response classes.
//! Served in the text exposition format on `metrics.listen` (off unless configured; keep it on
//! loopback or behind a firewall, it is not authenticated).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;
use tokio::sync::watch;

type Labels = Vec<(String, String)>;

/// What happened to a request at the shield.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Passed on to the routes.
    Allowed,
    /// From an allowlisted address: not inspected.
    Allowlisted,
    /// Refused: the client is banned.
    Banned,
    /// Refused: the client is on a blocklist.
    Blocklisted,
    /// Refused: over its rate limit.
    RateLimited,
    /// Refused: an attack.
    Blocked,
    /// An attack, served because the shield only detects.
    Detected,
    /// Refused: body over the inspection limit.
    TooLarge,
    /// Refused: the body did not arrive within the request timeout.
    Stalled,
}

impl Outcome {
    const ALL: [Outcome; 9] = [
        Outcome::Allowed,
        Outcome::Allowlisted,
        Outcome::Banned,
        Outcome::Blocklisted,
        Outcome::RateLimited,
        Outcome::Blocked,
        Outcome::Detected,
        Outcome::TooLarge,
        Outcome::Stalled,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::Allowlisted => "allowlisted",
            Outcome::Banned => "banned",
            Outcome::Blocklisted => "blocklisted",
            Outcome::RateLimited => "rate_limited",
            Outcome::Blocked => "blocked",
            Outcome::Detected => "detected",
            Outcome::TooLarge => "too_large",
            Outcome::Stalled => "stalled",
        }
    }
}

/// Every counter and gauge, registered once. The per-outcome counters are held directly so
/// the request path only does an atomic add.
pub struct Metrics {
    registry: Registry,
    outcomes: Vec<Counter>,
    rule_hits: Family<Labels, Counter>,
    bans: Family<Labels, Counter>,
    responses: [Counter; 5],
    /// Bans in force.
    pub bans_active: Gauge,
    /// Ranges on the blocklists.
    pub blocklist_ranges: Gauge,
    /// Allowlist entries (config and database).
    pub allowlist_entries: Gauge,
    /// Clients whose rate budgets and offence counts the shield keeps now.
    pub tracked_clients: Gauge,
    /// Clients the shield forgot to make room (under a churn of addresses), since the start.
    pub evicted_clients: Gauge,
    /// Failed blocklist downloads or reads.
    pub blocklist_failures: Counter,
    /// Security events that found the queue full and were stored coalesced ("and N more").
    pub events_coalesced: Counter,
    /// Certificate files that changed but could not be loaded (the old certificate stays).
    pub tls_reload_failures: Counter,
    /// Certificates obtained from the ACME CA.
    pub acme_renewals: Counter,
    /// Failed attempts to get a certificate from the ACME CA.
    pub acme_failures: Counter,
    /// Messages the relay accepted.
    pub mail_sent: Counter,
    /// Delivery attempts that failed and will be tried again.
    pub mail_retries: Counter,
    /// Messages given up (dead letters).
    pub mail_dead: Counter,
    /// Changes waiting in each zone (for `bolwerk dns apply`, or until the next sync).
    pub dns_pending: Family<Labels, Gauge>,
    /// Record changes the DNS server accepted.
    pub dns_changes_sent: Counter,
    /// Zones that could not be read or updated.
    pub dns_update_failures: Counter,
    /// Syncs that found Bolwerk's records changed by someone else.
    pub dns_drift: Counter,
    /// 1 when a hosted name's DNSSEC chain is secure, 0 otherwise.
    pub dnssec_secure: Family<Labels, Gauge>,
    /// Seconds until the first signature of a hosted name's zone runs out.
    pub dnssec_expiry: Family<Labels, Gauge>,
    /// Problems found by the last DNSSEC check, by name and code.
    pub dnssec_findings: Family<Labels, Gauge>,
    /// Subtests the last self-check of a domain failed.
    pub check_failures: Family<Labels, Gauge>,
    /// 1 while clamd answers, 0 while it cannot be reached (absent with scanning off).
    pub av_up: Gauge,
    /// Scans by result: clean, infected, unscannable, error.
    pub av_scans: Family<Labels, Counter>,
    /// Stored files by state against the current signatures: unscanned, outdated, quarantined.
    pub av_files: Family<Labels, Gauge>,
    /// Files the running rescan has still to look at (0 when none runs).
    pub av_rescan_remaining: Gauge,
}

fn label(k: &str, v: &str) -> Labels {
    vec![(k.to_string(), v.to_string())]
}

impl Metrics {
    /// Registers everything.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("bolwerk");
        let requests = Family::<Labels, Counter>::default();
        let outcomes = Outcome::ALL
            .iter()
            .map(|o| {
                requests
                    .get_or_create(&label("outcome", o.as_str()))
                    .clone()
            })
            .collect();
        registry.register(
            "shield_requests",
            "Requests by what the shield decided",
            requests,
        );
        let rule_hits = Family::<Labels, Counter>::default();
        registry.register(
            "shield_rule_hits",
            "Attack requests by matched rule",
            rule_hits.clone(),
        );
        let bans = Family::<Labels, Counter>::default();
        registry.register("shield_bans", "Bans made, by cause", bans.clone());
        let by_class = Family::<Labels, Counter>::default();
        let responses = ["1xx", "2xx", "3xx", "4xx", "5xx"]
            .map(|c| by_class.get_or_create(&label("class", c)).clone());
        registry.register("http_responses", "Responses by status class", by_class);
        let m = Metrics {
            outcomes,
            rule_hits,
            bans,
            responses,
            bans_active: Gauge::default(),
            blocklist_ranges: Gauge::default(),
            allowlist_entries: Gauge::default(),
            tracked_clients: Gauge::default(),
            evicted_clients: Gauge::default(),
            blocklist_failures: Counter::default(),
            events_coalesced: Counter::default(),
            tls_reload_failures: Counter::default(),
            acme_renewals: Counter::default(),
            acme_failures: Counter::default(),
            mail_sent: Counter::default(),
            mail_retries: Counter::default(),
            mail_dead: Counter::default(),
            dns_pending: Family::default(),
            dns_changes_sent: Counter::default(),
            dns_update_failures: Counter::default(),
            dns_drift: Counter::default(),
            dnssec_secure: Family::default(),
            dnssec_expiry: Family::default(),
            dnssec_findings: Family::default(),
            check_failures: Family::default(),
            av_up: Gauge::default(),
            av_scans: Family::default(),
            av_files: Family::default(),
            av_rescan_remaining: Gauge::default(),
            registry: Registry::default(),
        };
        registry.register("shield_bans_active", "Bans in force", m.bans_active.clone());
        registry.register(
            "shield_blocklist_ranges",
            "Address ranges on the blocklists",
            m.blocklist_ranges.clone(),
        );
        registry.register(
            "shield_tracked_clients",
            "Clients whose rate budgets and offence counts are kept",
            m.tracked_clients.clone(),
        );
        registry.register(
            "shield_evicted_clients",
            "Clients forgotten to make room, since the start",
            m.evicted_clients.clone(),
        );
        registry.register(
            "shield_allowlist_entries",
            "Allowlist entries",
            m.allowlist_entries.clone(),
        );
        registry.register(
            "shield_blocklist_failures",
            "Blocklist downloads or reads that failed (the last good copy stays in use)",
            m.blocklist_failures.clone(),
        );
        registry.register(
            "shield_events_coalesced",
            "Security events that found the queue full and were stored coalesced per kind and address",
            m.events_coalesced.clone(),
        );
        registry.register(
            "tls_reload_failures",
            "Certificate files that changed but could not be loaded (the previous certificate stays in use)",
            m.tls_reload_failures.clone(),
        );
        registry.register(
            "acme_certificates",
            "Certificates obtained from the ACME CA",
            m.acme_renewals.clone(),
        );
        registry.register(
            "acme_failures",
            "Failed attempts to get a certificate from the ACME CA (the current one stays in use)",
            m.acme_failures.clone(),
        );
        registry.register(
            "mail_sent",
            "Messages the SMTP relay accepted",
            m.mail_sent.clone(),
        );
        registry.register(
            "mail_retries",
            "Delivery attempts that failed and will be tried again",
            m.mail_retries.clone(),
        );
        registry.register(
            "mail_dead",
            "Messages given up after permanent failures or too many attempts (shown in the admin)",
            m.mail_dead.clone(),
        );
        registry.register(
            "dns_pending_changes",
            "Record changes waiting in each zone Bolwerk keeps records in",
            m.dns_pending.clone(),
        );
        registry.register(
            "dns_changes_sent",
            "Record changes the DNS server accepted (TSIG-signed updates)",
            m.dns_changes_sent.clone(),
        );
        registry.register(
            "dns_update_failures",
            "Zone syncs that could not read or update a zone",
            m.dns_update_failures.clone(),
        );
        registry.register(
            "dns_drift",
            "Syncs that found Bolwerk's records changed by someone else",
            m.dns_drift.clone(),
        );
        registry.register(
            "dnssec_secure",
            "1 when the DNSSEC chain of trust of a hosted name holds",
            m.dnssec_secure.clone(),
        );
        registry.register(
            "dnssec_signature_expiry_seconds",
            "Seconds until the first DNSSEC signature of a hosted name's zone runs out",
            m.dnssec_expiry.clone(),
        );
        registry.register(
            "dnssec_findings",
            "Problems the last DNSSEC check found, by name and code",
            m.dnssec_findings.clone(),
        );
        registry.register(
            "check_failures",
            "Subtests the last self-check of a hosted domain failed (internet.nl's and Bolwerk's)",
            m.check_failures.clone(),
        );
        registry.register(
            "av_up",
            "1 while the virus scanner (clamd) answers, 0 while it cannot be reached",
            m.av_up.clone(),
        );
        registry.register(
            "av_scans",
            "Virus scans by result (clean, infected, unscannable, error), uploads and rescans",
            m.av_scans.clone(),
        );
        registry.register(
            "av_files",
            "Stored files not scanned, scanned with older signatures, or quarantined",
            m.av_files.clone(),
        );
        registry.register(
            "av_rescan_remaining",
            "Files the running rescan has still to scan",
            m.av_rescan_remaining.clone(),
        );
        Metrics { registry, ..m }
    }

    /// Counts a virus scan's result.
    pub fn av_scan(&self, result: &str) {
        self.av_scans.get_or_create(&label("result", result)).inc();
    }

    /// Counts a request's outcome.
    pub fn outcome(&self, o: Outcome) {
        if let Some(c) = self.outcomes.get(o as usize) {
            c.inc();
        }
    }

    /// Counts a matched rule.
    pub fn rule_hit(&self, rule: u32, category: &str) {
        self.rule_hits
            .get_or_create(&vec![
                ("rule".to_string(), rule.to_string()),
                ("category".to_string(), category.to_string()),
            ])
            .inc();
    }

    /// Counts a ban.
    pub fn ban(&self, cause: &str) {
        self.bans.get_or_create(&label("cause", cause)).inc();
    }

    /// Counts a response by its status class.
    pub fn response(&self, status: u16) {
        let i = usize::from(status / 100).saturating_sub(1);
        if let Some(c) = self.responses.get(i) {
            c.inc();
        }
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

async fn scrape(State(m): State<Arc<Metrics>>) -> Response {
    let mut res = m.render().into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    res
}

/// Serves `GET /metrics` on `listener` until shut down.
pub async fn serve(
    listener: TcpListener,
    metrics: Arc<Metrics>,
    mut shutdown: watch::Receiver<bool>,
) {
    let addr: Option<SocketAddr> = listener.local_addr().ok();
    tracing::info!(addr = ?addr, "metrics on /metrics");
    let app = Router::new()
        .route("/metrics", get(scrape))
        .with_state(metrics);
    let stop = async move {
        let _ = shutdown.wait_for(|s| *s).await;
    };
    if let Err(e) = axum::serve(listener, app)
        .with_graceful_shutdown(stop)
        .await
    {
        tracing::warn!(error = %e, "metrics listener stopped");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_show_in_the_exposition() {
        let m = Metrics::new();
        m.outcome(Outcome::Blocked);
        m.outcome(Outcome::Blocked);
        m.rule_hit(1002, "sqli");
        m.ban("not_found");
        m.response(404);
        m.bans_active.set(3);
        let text = m.render();
        assert!(
            text.contains("bolwerk_shield_requests_total{outcome=\"blocked\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("bolwerk_shield_requests_total{outcome=\"allowed\"} 0"),
            "{text}"
        );
        assert!(text.contains("rule=\"1002\""), "{text}");
        assert!(
            text.contains("bolwerk_shield_bans_total{cause=\"not_found\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("bolwerk_http_responses_total{class=\"4xx\"} 1"),
            "{text}"
        );
        assert!(text.contains("bolwerk_shield_bans_active 3"), "{text}");
        assert!(text.ends_with("# EOF\n"));
    }
}
