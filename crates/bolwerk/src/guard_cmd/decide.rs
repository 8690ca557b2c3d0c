//! The guard's decisions: each match is ignored (allowlisted, already banned, spoofable and
//! unconfirmed), or counted; at the threshold the address is banned.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use guard::tally::Counter;
use tokio::sync::mpsc;

use super::metrics::GuardMetrics;
use super::readers::Hit;
use super::{CONFIRMS_PER_SECOND, Guard, lock, now_ms};

/// Decides on each match: allowlisted, already banned or spoofable evidence counts for
/// nothing; otherwise it is counted, and at the threshold the address is banned, dropped by
/// the kernel at once and queued for the ban list.
pub(super) async fn decide(g: Arc<Guard>, mut rx: mpsc::Receiver<Hit>, again: mpsc::Sender<Hit>) {
    while let Some(hit) = rx.recv().await {
        let Some(watch) = g.watches.get(hit.watch) else {
            continue;
        };
        let filter = &g.filters[watch.filter];
        let Some(pattern) = filter.patterns.get(hit.pattern) else {
            continue;
        };
        let ignore = |reason: &str| {
            GuardMetrics::inc(
                &g.metrics.ignored,
                &[("filter", &filter.name), ("reason", reason)],
            );
        };
        if lock(&g.allow).iter().any(|c| c.contains(hit.host)) {
            ignore("allowlisted");
            continue;
        }
        let now_ms = now_ms();
        let now = now_ms / 1000;
        if lock(&g.bans).check(hit.host, now).is_some() {
            ignore("already_banned");
            continue;
        }
        let confirmed = if pattern.spoofable {
            tcp_confirmed(&g, pattern.tcp_confirms, hit.host, hit.port).await
        } else {
            None
        };
        if pattern.spoofable && confirmed != Some(true) {
            if confirmed == Some(false) && !hit.again {
                // Knot writes the line a few microseconds before it answers over TCP: ask
                // again a little later, without holding up the other lines.
                let again = again.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    let _ = again.send(Hit { again: true, ..hit }).await;
                });
                continue;
            }
            ignore("spoofable");
            continue;
        }
        let threshold = watch.threshold.unwrap_or(pattern.threshold);
        let window_s = watch.window_s.unwrap_or(pattern.window_s);
        let counter = Counter {
            filter: u16::try_from(watch.filter).unwrap_or(u16::MAX - 1),
            group: if pattern.own_count {
                u16::try_from(hit.pattern).unwrap_or(u16::MAX - 1)
            } else {
                u16::MAX
            },
        };
        let reached = {
            let mut tally = lock(&g.tally);
            let reached = tally.add(
                counter,
                hit.host,
                pattern.weight,
                threshold,
                window_s,
                now_ms,
            );
            g.metrics.tracked.set(tally.len() as i64);
            let evicted = tally.evicted;
            g.metrics
                .evicted
                .inc_by(evicted.saturating_sub(g.metrics.evicted.get()));
            reached
        };
        if !reached {
            continue;
        }
        let reason = format!(
            "{}: {} ({} in {})",
            filter.service,
            pattern.name,
            threshold,
            human_window(window_s)
        );
        let ban = lock(&g.bans).ban(hit.host, now, &reason);
        lock(&g.tally).forget(hit.host);
        GuardMetrics::inc(&g.metrics.bans, &[("service", &filter.name)]);
        tracing::warn!(target: "guard", ip = %hit.host, subject = %ban.subject, service = %filter.name, reason = %reason, until = ?ban.until, "banned");
        g.wake_firewall.notify_one();
        lock(&g.pending).push((ban, hit.host, filter.name.clone(), hit.line));
        g.wake_writer.notify_one();
    }
}

/// Whether the firewall saw `host` and `port` in an established TCP connection lately (see
/// `guard.confirm_tcp_ports`): then a line that could have been forged over UDP was not.
///
/// Each question runs nft; a flood of forged denials must not make the guard do nothing else,
/// so at most [`CONFIRMS_PER_SECOND`] are asked and the rest count as unconfirmed (an attacker
/// really on TCP keeps trying, and is confirmed a moment later).
/// `None`: not asked (not a `tcp_confirms` pattern, no firewall, or over the budget).
async fn tcp_confirmed(
    g: &Arc<Guard>,
    wanted: bool,
    host: IpAddr,
    port: Option<u16>,
) -> Option<bool> {
    let (true, Some(port), Some(_)) = (wanted, port, g.firewall.as_ref()) else {
        return None;
    };
    {
        let mut budget = lock(&g.confirm_budget);
        if budget.0.elapsed() >= Duration::from_secs(1) {
            *budget = (Instant::now(), 0);
        }
        if budget.1 >= CONFIRMS_PER_SECOND {
            GuardMetrics::inc(
                &g.metrics.ignored,
                &[("filter", "*"), ("reason", "confirm_budget")],
            );
            return None;
        }
        budget.1 += 1;
    }
    let g = g.clone();
    tokio::task::spawn_blocking(move || {
        let fw = g.firewall.as_ref()?;
        match lock(fw).tcp_seen(host, port) {
            Ok(seen) => Some(seen),
            Err(e) => {
                g.metrics.firewall_errors.inc();
                tracing::warn!(target: "guard", error = %e, "could not ask the firewall about TCP clients");
                None
            }
        }
    })
    .await
    .unwrap_or(None)
}

pub(super) fn human_window(s: i64) -> String {
    match s {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}
