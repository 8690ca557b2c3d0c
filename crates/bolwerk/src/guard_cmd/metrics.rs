//! The guard's Prometheus metrics: lines read and skipped per log, matches per pattern, bans
//! per service, what was matched but not counted, and the firewall's state. Served on
//! `guard.metrics` (off unless set; keep it on loopback, it is not authenticated).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

type Labels = Vec<(String, String)>;

/// Every metric of the guard.
pub struct GuardMetrics {
    registry: Registry,
    /// Lines read, per watched log (`dovecot:/var/log/mail.log`).
    pub lines: Family<Labels, Counter>,
    /// Lines skipped, per log and reason (`too_long`) or read with bad bytes replaced
    /// (`not_utf8`).
    pub skipped: Family<Labels, Counter>,
    /// Lines a pattern matched, per filter and pattern.
    pub matches: Family<Labels, Counter>,
    /// Matches that did not count, per filter and reason (`allowlisted`, `spoofable`,
    /// `already_banned`).
    pub ignored: Family<Labels, Counter>,
    /// Bans made, per service (filter).
    pub bans: Family<Labels, Counter>,
    /// Bans in force (all sources).
    pub bans_active: Gauge,
    /// Elements in the firewall's sets, per set (`bans`, `blocklist`, `allowlist`).
    pub firewall_elements: Family<Labels, Gauge>,
    /// Failed nft runs.
    pub firewall_errors: Counter,
    /// Addresses being counted, and those forgotten to stay within `guard.max_tracked`.
    pub tracked: Gauge,
    /// See `tracked`.
    pub evicted: Counter,
    /// Errors reading a log (other than its absence).
    pub read_errors: Family<Labels, Counter>,
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}

impl GuardMetrics {
    /// All metrics, registered.
    pub fn new() -> GuardMetrics {
        let mut registry = Registry::with_prefix("guard");
        let m = GuardMetrics {
            lines: Family::default(),
            skipped: Family::default(),
            matches: Family::default(),
            ignored: Family::default(),
            bans: Family::default(),
            bans_active: Gauge::default(),
            firewall_elements: Family::default(),
            firewall_errors: Counter::default(),
            tracked: Gauge::default(),
            evicted: Counter::default(),
            read_errors: Family::default(),
            registry: Registry::default(),
        };
        registry.register("lines", "Log lines read, per log", m.lines.clone());
        registry.register(
            "lines_skipped",
            "Log lines skipped (too long) or damaged (not UTF-8)",
            m.skipped.clone(),
        );
        registry.register(
            "matches",
            "Log lines a filter pattern matched",
            m.matches.clone(),
        );
        registry.register(
            "ignored",
            "Matches that did not count, by reason",
            m.ignored.clone(),
        );
        registry.register(
            "bans",
            "Bans made by the guard, per service",
            m.bans.clone(),
        );
        registry.register(
            "bans_active",
            "Bans in force, from every source",
            m.bans_active.clone(),
        );
        registry.register(
            "firewall_elements",
            "Elements in the nftables sets",
            m.firewall_elements.clone(),
        );
        registry.register(
            "firewall_errors",
            "nft runs that failed",
            m.firewall_errors.clone(),
        );
        registry.register(
            "tracked_addresses",
            "Addresses being counted",
            m.tracked.clone(),
        );
        registry.register(
            "evicted_addresses",
            "Addresses forgotten to stay within guard.max_tracked",
            m.evicted.clone(),
        );
        registry.register("read_errors", "Errors reading a log", m.read_errors.clone());
        GuardMetrics { registry, ..m }
    }

    /// A counter of a family by label pairs.
    pub fn inc(family: &Family<Labels, Counter>, pairs: &[(&str, &str)]) {
        family.get_or_create(&labels(pairs)).inc();
    }

    /// Adds `n`.
    pub fn add(family: &Family<Labels, Counter>, pairs: &[(&str, &str)], n: u64) {
        if n > 0 {
            family.get_or_create(&labels(pairs)).inc_by(n);
        }
    }

    /// Sets a gauge of a family.
    pub fn set(family: &Family<Labels, Gauge>, pairs: &[(&str, &str)], v: i64) {
        family.get_or_create(&labels(pairs)).set(v);
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

/// Serves `/metrics` until the task is dropped.
pub async fn serve(addr: SocketAddr, metrics: Arc<GuardMetrics>) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(target: "guard", addr = %listener.local_addr()?, "metrics on /metrics");
    let app = Router::new()
        .route("/metrics", get(scrape))
        .with_state(metrics);
    axum::serve(listener, app).await?;
    Ok(())
}

async fn scrape(State(m): State<Arc<GuardMetrics>>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        m.render(),
    )
}
