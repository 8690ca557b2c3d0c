//! Keeping things in step: the kernel with the ban table, the ban table with the database
//! (both ways), and the kernel with the blocklist files.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use server::config::Config;
use shield::bans::{Ban, Subject};
use shield::blocklist::Blocklist;
use shield::net::Cidr;

use super::metrics::GuardMetrics;
use super::{BLOCKLIST_EVERY, FULL_SYNC, Guard, SYNC_EVERY, lock, now_ms};

/// Brings the kernel in line whenever the ban table changed. One nft transaction carries
/// every ban made since the last, so a flood of attackers costs a few transactions, not one
/// per attacker.
pub(super) async fn keep_firewall(g: Arc<Guard>) {
    loop {
        g.wake_firewall.notified().await;
        while !apply_bans(&g).await {
            // nft failed (logged and counted): try again shortly, the kernel lags meanwhile.
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}

/// Brings the kernel's ban sets in line with the ban table; false when nft failed.
pub(super) async fn apply_bans(g: &Arc<Guard>) -> bool {
    if g.firewall.is_none() {
        return true;
    }
    let now = now_ms() / 1000;
    let bans: Vec<(Subject, Option<i64>)> = lock(&g.bans)
        .active(now)
        .into_iter()
        .map(|b| (b.subject, b.until))
        .collect();
    let g = g.clone();
    let done = tokio::task::spawn_blocking(move || {
        let Some(fw) = &g.firewall else { return true };
        let result = lock(fw).sync_bans(&bans, now);
        match result {
            Ok(stats) => {
                GuardMetrics::set(
                    &g.metrics.firewall_elements,
                    &[("set", "bans")],
                    stats.elements as i64,
                );
                true
            }
            Err(e) => {
                g.metrics.firewall_errors.inc();
                tracing::error!(target: "guard", error = %e, "could not update the firewall's bans");
                false
            }
        }
    });
    done.await.unwrap_or(false)
}

/// Writes the bans made here, with their evidence, and marks them stored.
pub(super) async fn store_bans(g: Arc<Guard>, recorder: store::Recorder) {
    loop {
        let _ = tokio::time::timeout(Duration::from_secs(1), g.wake_writer.notified()).await;
        let batch: Vec<_> = {
            let mut p = lock(&g.pending);
            let n = p.len().min(1000);
            p.drain(..n).collect()
        };
        if batch.is_empty() {
            continue;
        }
        let rows: Vec<store::NewBan> = batch
            .iter()
            .map(|(b, ip, source, line)| store::NewBan {
                subject: b.subject.to_string(),
                until: b.until,
                reason: b.reason.clone(),
                count: i64::from(b.count),
                client_ip: ip.to_string(),
                source: source.clone(),
                evidence: Some(line.clone()),
            })
            .collect();
        match recorder.ban_all(&rows).await {
            Ok(()) => {
                let mut bans = lock(&g.bans);
                for (b, ..) in &batch {
                    bans.saved(b);
                }
            }
            Err(e) => {
                tracing::warn!(target: "guard", error = %e, bans = batch.len(), "could not store bans; trying again");
                {
                    let mut p = lock(&g.pending);
                    let rest = std::mem::take(&mut *p);
                    p.extend(batch);
                    p.extend(rest);
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Looks four times a second whether the ban list changed (any node, the CLI, the admin),
/// and reads it all, with the allowlist, when it did or ten seconds have passed.
pub(super) async fn keep_in_sync(g: Arc<Guard>, recorder: store::Recorder) {
    let mut seen = recorder.ban_changes().await.ok();
    let mut last_full = Instant::now();
    loop {
        tokio::time::sleep(SYNC_EVERY).await;
        let changes = recorder.ban_changes().await.ok();
        if changes.is_some() && changes == seen && last_full.elapsed() < FULL_SYNC {
            continue;
        }
        seen = changes;
        last_full = Instant::now();
        sync(&g, &recorder).await;
    }
}

/// Reads the stored bans and the allowlist and brings the table and the kernel in line.
pub(super) async fn sync(g: &Arc<Guard>, recorder: &store::Recorder) {
    let now = now_ms() / 1000;
    let mark = lock(&g.bans).save_mark();
    match recorder.active_bans(now).await {
        Ok(stored) => {
            let list: Vec<Ban> = stored
                .into_iter()
                .filter_map(|b| {
                    Some(Ban {
                        subject: Subject::parse(&b.subject)?,
                        until: b.until,
                        reason: b.reason,
                        count: u32::try_from(b.count.max(1)).unwrap_or(u32::MAX),
                        at: b.created_at,
                    })
                })
                .collect();
            let mut bans = lock(&g.bans);
            bans.sync(list, now, 5, mark);
            bans.expire(now);
            g.metrics.bans_active.set(bans.active(now).len() as i64);
        }
        Err(e) => tracing::warn!(target: "guard", error = %e, "could not read the ban list"),
    }
    match recorder.allowlist().await {
        Ok(entries) => {
            let mut allow = g.config_allow.clone();
            allow.extend(entries.iter().filter_map(|a| Cidr::parse(&a.cidr)));
            *lock(&g.allow) = allow.clone();
            if lock(&g.never_at).elapsed() >= Duration::from_secs(60) {
                *lock(&g.never) = super::never_banned();
                *lock(&g.never_at) = Instant::now();
            }
            // The kernel accepts the allowlist and the never-banned before any drop, so no
            // ban or blocklist (the web server's included) can cut the machine off from its
            // own addresses, its router's link-local one, or an allowlisted network. Given at
            // start, on every change, and again after a failure.
            let mut kernel = allow;
            kernel.extend(lock(&g.never).iter().copied());
            if lock(&g.applied_allow).as_ref() != Some(&kernel) {
                apply_allowlist(g, kernel).await;
            }
        }
        Err(e) => tracing::warn!(target: "guard", error = %e, "could not read the allowlist"),
    }
    g.wake_firewall.notify_one();
}

async fn apply_allowlist(g: &Arc<Guard>, allow: Vec<Cidr>) {
    let g = g.clone();
    let _ = tokio::task::spawn_blocking(move || {
        let Some(fw) = &g.firewall else { return };
        match lock(fw).set_allowlist(&allow) {
            Ok(_) => {
                GuardMetrics::set(&g.metrics.firewall_elements, &[("set", "allowlist")], allow.len() as i64);
                *lock(&g.applied_allow) = Some(allow);
            }
            Err(e) => {
                g.metrics.firewall_errors.inc();
                tracing::error!(target: "guard", error = %e, "could not update the firewall's allowlist");
            }
        }
    })
    .await;
}

/// Loads the blocklists the web server uses (its files, and the copies it downloads into the
/// data directory) into the kernel, and again whenever one of them changes.
pub(super) async fn keep_blocklists(g: Arc<Guard>, config: Config) {
    if g.firewall.is_none() || config.shield.blocklists.is_empty() {
        return;
    }
    let paths: Vec<PathBuf> = config
        .shield
        .blocklists
        .iter()
        .map(|e| server::blocklists::Source::parse(e).local_path(&config.data_dir))
        .collect();
    let mut stamps: Vec<Option<std::time::SystemTime>> = vec![None; paths.len()];
    // True until a load succeeded, and again after one failed.
    let mut retry = true;
    loop {
        let now: Vec<Option<std::time::SystemTime>> = paths
            .iter()
            .map(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
            .collect();
        if retry || now != stamps {
            stamps = now;
            let mut lists = Vec::new();
            for p in &paths {
                match server::blocklists::load(p).await {
                    Ok(l) => lists.push(l),
                    Err(e) => {
                        tracing::warn!(target: "guard", error = %format!("{e:#}"), "blocklist not loaded into the firewall")
                    }
                }
            }
            let union = Blocklist::union(&lists);
            let g2 = g.clone();
            let started = Instant::now();
            let loaded = tokio::task::spawn_blocking(move || {
                let Some(fw) = &g2.firewall else { return true };
                match lock(fw).load_blocklist(union.ranges_v4(), union.ranges_v6()) {
                    Ok(_) => {
                        GuardMetrics::set(&g2.metrics.firewall_elements, &[("set", "blocklist")], union.len() as i64);
                        tracing::info!(target: "guard", ranges = union.len(), ms = started.elapsed().as_millis() as u64, "blocklists loaded into the firewall");
                        true
                    }
                    Err(e) => {
                        g2.metrics.firewall_errors.inc();
                        tracing::error!(target: "guard", error = %e, "could not load the blocklists into the firewall; trying again");
                        false
                    }
                }
            })
            .await
            .unwrap_or(false);
            // A failed load is tried again at the next look, changed files or not.
            retry = !loaded;
        }
        tokio::time::sleep(BLOCKLIST_EVERY).await;
    }
}
