//! The guard's decisions: each match is ignored (allowlisted, already banned, spoofable and
//! unconfirmed), or counted; at the threshold the address is banned.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use guard::tally::Counter;
use shield::bans::Subject;

/// Counter groups for an IPv6 client's /56 and /48 (a pattern's own groups are its index).
const NET56: u16 = u16::MAX - 2;
const NET48: u16 = u16::MAX - 3;
use tokio::sync::mpsc;

use super::metrics::GuardMetrics;
use super::readers::Hit;
use super::{CONFIRMS_PER_SECOND, Guard, lock, now_ms};

/// Decides on each match: allowlisted, already banned or spoofable evidence counts for
/// nothing; otherwise it is counted, and at the threshold the address is banned, dropped by
/// the kernel at once and queued for the ban list.
pub(super) async fn decide(g: Arc<Guard>, mut rx: mpsc::Receiver<Hit>) {
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
        if lock(&g.never).iter().any(|c| c.contains(hit.host)) {
            // Loopback, link-local, multicast, unspecified, or this machine's own address:
            // banning it would cut the machine off from itself or its router.
            ignore("never_banned");
            continue;
        }
        let now_ms = now_ms();
        let now = now_ms / 1000;
        if lock(&g.bans).check(hit.host, now).is_some() {
            ignore("already_banned");
            continue;
        }
        if pattern.spoofable && !hit.confirmed {
            // Asked apart (nft takes milliseconds), so forged lines never hold up the rest;
            // a confirmed line comes back through the queue.
            if pattern.tcp_confirms && hit.port.is_some() && g.firewall.is_some() {
                if g.confirm.try_send(hit).is_err() {
                    ignore("confirm_busy");
                }
            } else {
                ignore("spoofable");
            }
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
        let weight = pattern.weight.saturating_mul(hit.attempts);
        let reached = {
            let mut tally = lock(&g.tally);
            let mut reached = tally
                .add(counter, hit.host, weight, threshold, window_s, now_ms)
                .then(|| Subject::of(hit.host));
            // An IPv6 host owns at least a /64 and usually a /56 or /48: moving to a fresh
            // /64 after a few guesses must not start it from zero. Its networks count too,
            // with higher thresholds.
            let own = Subject::of(hit.host);
            if reached.is_none() && own.prefix == 64 {
                for (prefix, times, group) in [(56u8, 4u32, NET56), (48, 16, NET48)] {
                    let net = Counter { group, ..counter };
                    let wide = own.widened(prefix);
                    if tally.add_subject(
                        net,
                        wide,
                        weight,
                        threshold.saturating_mul(times),
                        window_s,
                        now_ms,
                    ) {
                        reached = Some(wide);
                        break;
                    }
                }
            }
            g.metrics.tracked.set(tally.len() as i64);
            let evicted = tally.evicted;
            g.metrics
                .evicted
                .inc_by(evicted.saturating_sub(g.metrics.evicted.get()));
            reached
        };
        let Some(subject) = reached else {
            continue;
        };
        let reason = format!(
            "{}: {} ({} in {})",
            filter.service,
            pattern.name,
            threshold,
            human_window(window_s)
        );
        let reason = if subject.prefix < 64 {
            format!("{reason}, across its /{}", subject.prefix)
        } else {
            reason
        };
        let ban = if subject.prefix < 64 {
            lock(&g.bans).ban_subject(subject, now, &reason)
        } else {
            lock(&g.bans).ban(hit.host, now, &reason)
        };
        lock(&g.tally).forget(hit.host);
        GuardMetrics::inc(&g.metrics.bans, &[("service", &filter.name)]);
        tracing::warn!(target: "guard", ip = %hit.host, subject = %ban.subject, service = %filter.name, reason = %reason, until = ?ban.until, "banned");
        g.wake_firewall.notify_one();
        // The evidence is stored cut to 1,000 characters: hold no more while it waits.
        let evidence: String = hit.line.chars().take(1000).collect();
        lock(&g.pending).push((ban, hit.host, filter.name.clone(), evidence));
        g.wake_writer.notify_one();
    }
}

/// Asks the firewall, one line at a time, whether it saw a spoofable line's address and
/// source port in an established TCP connection (see `guard.confirm_tcp_ports`): then the line
/// came over TCP, and goes back to the decisions as confirmed. The queue in front of it is
/// small and never waited on: a flood of forged lines costs the guard nothing else. A pair is
/// confirmed once only, so sweeping a victim's source ports gains an attacker at most one
/// count per real TCP session. A line read before the service answered (Knot logs a moment
/// before it replies) is asked once more, 300 ms later.
pub(super) async fn confirm(
    g: Arc<Guard>,
    mut rx: mpsc::Receiver<Hit>,
    decide: mpsc::Sender<Hit>,
    again: mpsc::Sender<Hit>,
) {
    let mut confirmed: std::collections::HashSet<(IpAddr, u16)> = Default::default();
    let mut window = (Instant::now(), 0u32);
    while let Some(hit) = rx.recv().await {
        let Some(port) = hit.port else { continue };
        if confirmed.contains(&(hit.host, port)) {
            GuardMetrics::inc(
                &g.metrics.ignored,
                &[("filter", "*"), ("reason", "confirmed_before")],
            );
            continue;
        }
        if window.0.elapsed() >= Duration::from_secs(1) {
            window = (Instant::now(), 0);
        }
        if window.1 >= CONFIRMS_PER_SECOND {
            GuardMetrics::inc(
                &g.metrics.ignored,
                &[("filter", "*"), ("reason", "confirm_busy")],
            );
            continue;
        }
        window.1 += 1;
        let g2 = g.clone();
        let host = hit.host;
        let seen = tokio::task::spawn_blocking(move || {
            let fw = g2.firewall.as_ref()?;
            match lock(fw).tcp_seen(host, port) {
                Ok(seen) => Some(seen),
                Err(e) => {
                    g2.metrics.firewall_errors.inc();
                    tracing::warn!(target: "guard", error = %e, "could not ask the firewall about TCP clients");
                    None
                }
            }
        })
        .await
        .unwrap_or(None);
        match seen {
            Some(true) => {
                if confirmed.len() >= 10_000 {
                    confirmed.clear();
                }
                confirmed.insert((hit.host, port));
                let _ = decide
                    .send(Hit {
                        confirmed: true,
                        ..hit
                    })
                    .await;
            }
            Some(false) if !hit.again => {
                let again = again.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    let _ = again.try_send(Hit { again: true, ..hit });
                });
            }
            _ => GuardMetrics::inc(
                &g.metrics.ignored,
                &[("filter", "*"), ("reason", "spoofable")],
            ),
        }
    }
}

pub(super) fn human_window(s: i64) -> String {
    match s {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}
