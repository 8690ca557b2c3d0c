//! `bolwerk guard`: the small privileged process beside the web server. It follows the logs
//! of the mail and DNS servers, bans their attackers into the one ban list (with the same
//! escalation, IPv6 widening and allowlist as the web shield), and keeps the kernel's
//! nftables table in step with every ban and blocklist, so a banned address is dropped on
//! every port. The only part of Bolwerk that needs `CAP_NET_ADMIN`.

mod metrics;
mod readers;
pub mod test_cmd;

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use guard::filter::Filter;
use guard::follow::Position;
use guard::nft::Firewall;
use guard::tally::{Counter, Tally};
use server::config::Config;
use shield::bans::{Ban, BanPolicy, BanTable, Subject};
use shield::blocklist::Blocklist;
use shield::net::Cidr;
use tokio::sync::mpsc;

use self::metrics::GuardMetrics;
use self::readers::{Hit, Shared};

/// How often the guard looks whether a ban was added or lifted elsewhere.
const SYNC_EVERY: Duration = Duration::from_millis(250);
/// A full read of the ban list and the allowlist at least this often.
const FULL_SYNC: Duration = Duration::from_secs(10);
/// TCP confirmations asked of the firewall per second, at most.
const CONFIRMS_PER_SECOND: u32 = 50;
/// How often blocklist files are looked at for changes.
const BLOCKLIST_EVERY: Duration = Duration::from_secs(30);

/// One watch, resolved: its filter and the thresholds that apply.
struct Resolved {
    label: String,
    filter: usize,
    threshold: Option<u32>,
    window_s: Option<i64>,
}

/// What the decision task and the sync task share.
struct Guard {
    filters: Vec<Arc<Filter>>,
    watches: Vec<Resolved>,
    bans: Mutex<BanTable>,
    /// From the config file and the database.
    allow: Mutex<Vec<Cidr>>,
    config_allow: Vec<Cidr>,
    tally: Mutex<Tally>,
    firewall: Option<Mutex<Firewall>>,
    metrics: Arc<GuardMetrics>,
    /// TCP confirmations asked in the current second: when it began, and how many.
    confirm_budget: Mutex<(Instant, u32)>,
    /// Wakes the task that brings the kernel's ban sets in line.
    wake_firewall: tokio::sync::Notify,
    /// Bans made here, not yet stored.
    pending: Mutex<Vec<(Ban, IpAddr, String, String)>>,
    wake_writer: tokio::sync::Notify,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The argv that runs nft.
fn nft_command(config: &Config) -> Vec<String> {
    config
        .guard
        .nft
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// `bolwerk guard ...`.
pub fn main(args: crate::cli::GuardArgs) -> Result<ExitCode> {
    use crate::cli::GuardCommand;
    let filters_dir = |config: Option<&Path>| -> Result<Option<PathBuf>> {
        Ok(match config {
            Some(file) => Config::load(file)?.guard.filters_dir,
            None => None,
        })
    };
    match args.command {
        Some(GuardCommand::Test {
            filter,
            log,
            show,
            config,
        }) => {
            let dir = filters_dir(config.as_deref())?;
            test_cmd::run(&filter, log.as_deref(), show, dir.as_deref())
        }
        Some(GuardCommand::Filters { config }) => {
            let dir = filters_dir(config.as_deref())?;
            for f in guard::filter::load(dir.as_deref())? {
                println!("{:<10} {}: {}", f.name, f.service, f.description);
                for p in &f.patterns {
                    let mut notes = Vec::new();
                    if p.spoofable {
                        notes.push("spoofable: never bans".to_string());
                    }
                    if p.weight != 1 {
                        notes.push(format!("weight {}", p.weight));
                    }
                    let notes = if notes.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", notes.join(", "))
                    };
                    println!(
                        "    {:<24} {} in {}{notes}",
                        p.name,
                        p.threshold,
                        human_window(p.window_s)
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        None => {
            let Some(file) = args.config else {
                bail!("give the config file: bolwerk guard --config /etc/bolwerk/bolwerk.toml");
            };
            let config = Config::load(&file)?;
            if args.uninstall {
                return uninstall(&config);
            }
            crate::logging::init(&config.log)?;
            crate::runtime(2)?.block_on(run(config))
        }
    }
}

/// `bolwerk guard --uninstall`: removes the guard's table, and nothing else.
pub fn uninstall(config: &Config) -> Result<ExitCode> {
    let was = Firewall::uninstall(&config.guard.table, &nft_command(config))
        .with_context(|| format!("removing the nftables table inet {}", config.guard.table))?;
    if was {
        println!("removed the nftables table inet {}", config.guard.table);
    } else {
        println!("there was no nftables table inet {}", config.guard.table);
    }
    Ok(ExitCode::SUCCESS)
}

/// Resolves the watches against the filters; a watch naming no filter is an error.
fn resolve(config: &Config, filters: &[Arc<Filter>]) -> Result<Vec<Resolved>> {
    let mut out = Vec::new();
    for (i, w) in config.guard.watches.iter().enumerate() {
        let Some(filter) = filters.iter().position(|f| f.name == w.filter) else {
            let names: Vec<&str> = filters.iter().map(|f| f.name.as_str()).collect();
            bail!(
                "guard.watch[{i}]: there is no filter {:?} (there are: {})",
                w.filter,
                names.join(", ")
            );
        };
        let window_s = match &w.window {
            Some(s) => Some(guard::filter::parse_window(s).map_err(anyhow::Error::msg)?),
            None => None,
        };
        out.push(Resolved {
            label: w.label(),
            filter,
            threshold: w.threshold,
            window_s,
        });
    }
    Ok(out)
}

fn positions_file(config: &Config) -> PathBuf {
    config.guard.state_dir.join("positions.json")
}

fn load_positions(path: &Path) -> HashMap<PathBuf, Position> {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str::<Vec<(PathBuf, Position)>>(&t).ok())
        .map(|v| v.into_iter().collect())
        .unwrap_or_default()
}

fn save_positions(path: &Path, positions: &HashMap<PathBuf, Position>) {
    let list: Vec<(&PathBuf, &Position)> = positions.iter().collect();
    let Ok(text) = serde_json::to_string(&list) else {
        return;
    };
    let tmp = path.with_extension("json.tmp");
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, path))
        .is_err()
    {
        tracing::warn!(target: "guard", path = %path.display(), "could not save where the logs were read up to");
    }
}

/// `bolwerk guard`: runs until SIGTERM or Ctrl-C.
pub async fn run(config: Config) -> Result<ExitCode> {
    let signals = crate::ShutdownSignals::install()?;
    let filters: Vec<Arc<Filter>> = guard::filter::load(config.guard.filters_dir.as_deref())?
        .into_iter()
        .map(Arc::new)
        .collect();
    let watches = resolve(&config, &filters)?;
    if watches.is_empty() {
        tracing::warn!(target: "guard", "no [[guard.watch]] in the config: the guard only keeps the firewall in step with the ban list");
    }
    let store = store::Store::open(&config.database, &config.data_dir)
        .await
        .context("opening the database")?;
    let recorder = store.recorder.clone();
    let firewall = if config.guard.firewall {
        let mut fw = Firewall::new(&config.guard.table, nft_command(&config))?;
        fw.set_confirm_ports(config.guard.confirm_tcp_ports.clone());
        fw.install().with_context(|| {
            format!(
                "setting up the nftables table inet {} (the web server's own blocking works without it; set guard.firewall = false to run the guard without the kernel firewall)",
                config.guard.table
            )
        })?;
        tracing::info!(target: "guard", table = %config.guard.table, "the kernel drops banned addresses (nftables table inet {})", config.guard.table);
        Some(Mutex::new(fw))
    } else {
        tracing::warn!(target: "guard", "guard.firewall = false: bans go into the ban list only; the kernel drops nothing");
        None
    };
    let config_allow: Vec<Cidr> = config
        .shield
        .allowlist
        .iter()
        .filter_map(|c| Cidr::parse(c))
        .collect();
    let metrics = Arc::new(GuardMetrics::new());
    let g = Arc::new(Guard {
        filters,
        watches,
        bans: Mutex::new(BanTable::new(BanPolicy {
            durations: config.shield.ban_durations_s.clone(),
            ..BanPolicy::default()
        })),
        allow: Mutex::new(config_allow.clone()),
        config_allow,
        tally: Mutex::new(Tally::new(config.guard.max_tracked)),
        firewall,
        metrics: metrics.clone(),
        pending: Mutex::new(Vec::new()),
        wake_writer: tokio::sync::Notify::new(),
        wake_firewall: tokio::sync::Notify::new(),
        confirm_budget: Mutex::new((Instant::now(), 0)),
    });
    // Everything stored first, so the firewall starts complete.
    sync(&g, &recorder).await;
    apply_bans(&g).await;
    let firewall_task = tokio::spawn(keep_firewall(g.clone()));
    let blocklists = tokio::spawn(keep_blocklists(g.clone(), config.clone()));
    let syncer = tokio::spawn(keep_in_sync(g.clone(), recorder.clone()));
    let writer = tokio::spawn(store_bans(g.clone(), recorder.clone()));
    let metrics_task = config.guard.metrics.map(|addr| {
        let m = metrics.clone();
        tokio::spawn(async move {
            if let Err(e) = metrics::serve(addr, m).await {
                tracing::error!(target: "guard", error = %e, "the metrics listener stopped");
            }
        })
    });

    let (tx, rx) = mpsc::channel::<Hit>(10_000);
    let positions_path = positions_file(&config);
    let shared = Arc::new(Shared {
        metrics: metrics.clone(),
        stop: Default::default(),
        hits: tx,
        positions: Mutex::new(load_positions(&positions_path)),
        poll: Duration::from_millis(config.guard.poll_ms),
        max_line: config.guard.max_line_bytes,
    });
    let mut threads = Vec::new();
    for (i, w) in config.guard.watches.iter().enumerate() {
        let filter = g.filters[g.watches[i].filter].clone();
        let label = g.watches[i].label.clone();
        let s = shared.clone();
        let handle = match (&w.file, &w.journal) {
            (Some(path), _) => {
                let saved = lock(&shared.positions).get(path).copied();
                let path = path.clone();
                std::thread::Builder::new()
                    .name(format!("guard-{i}"))
                    .spawn(move || readers::follow_file(s, i, label, filter, path, saved))?
            }
            (None, Some(unit)) => {
                let unit = unit.clone();
                std::thread::Builder::new()
                    .name(format!("guard-{i}"))
                    .spawn(move || readers::follow_journal(s, i, label, filter, unit))?
            }
            (None, None) => continue,
        };
        threads.push(handle);
        tracing::info!(target: "guard", log = %w.label(), "following");
    }
    let decide = tokio::spawn(decide(g.clone(), rx, shared.hits.clone()));
    let saver = {
        let (s, p) = (shared.clone(), positions_path.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(5)).await;
                let positions = lock(&s.positions).clone();
                tokio::task::spawn_blocking({
                    let p = p.clone();
                    move || save_positions(&p, &positions)
                })
                .await
                .ok();
            }
        })
    };
    tracing::info!(target: "guard", watches = g.watches.len(), filters = g.filters.len(), "the guard is running");
    signals.wait().await;
    tracing::info!(target: "guard", "stopping");
    shared.stop.store(true, Ordering::Relaxed);
    saver.abort();
    save_positions(&positions_path, &lock(&shared.positions).clone());
    // Bans made but not written yet are written before the guard goes.
    g.wake_writer.notify_one();
    for _ in 0..50 {
        if lock(&g.pending).is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for t in [blocklists, syncer, writer, decide, firewall_task] {
        t.abort();
    }
    if let Some(t) = metrics_task {
        t.abort();
    }
    drop(threads);
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Decides on each match: allowlisted, already banned or spoofable evidence counts for
/// nothing; otherwise it is counted, and at the threshold the address is banned, dropped by
/// the kernel at once and queued for the ban list.
async fn decide(g: Arc<Guard>, mut rx: mpsc::Receiver<Hit>, again: mpsc::Sender<Hit>) {
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

fn human_window(s: i64) -> String {
    match s {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// Brings the kernel in line whenever the ban table changed. One nft transaction carries
/// every ban made since the last, so a flood of attackers costs a few transactions, not one
/// per attacker.
async fn keep_firewall(g: Arc<Guard>) {
    loop {
        g.wake_firewall.notified().await;
        while !apply_bans(&g).await {
            // nft failed (logged and counted): try again shortly, the kernel lags meanwhile.
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}

/// Brings the kernel's ban sets in line with the ban table; false when nft failed.
async fn apply_bans(g: &Arc<Guard>) -> bool {
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
async fn store_bans(g: Arc<Guard>, recorder: store::Recorder) {
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
async fn keep_in_sync(g: Arc<Guard>, recorder: store::Recorder) {
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
async fn sync(g: &Arc<Guard>, recorder: &store::Recorder) {
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
            let changed = *lock(&g.allow) != allow;
            if changed {
                *lock(&g.allow) = allow.clone();
                for c in &allow {
                    lock(&g.tally).forget(c.addr());
                }
                apply_allowlist(g, allow).await;
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
            Ok(_) => GuardMetrics::set(&g.metrics.firewall_elements, &[("set", "allowlist")], allow.len() as i64),
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
async fn keep_blocklists(g: Arc<Guard>, config: Config) {
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
    let mut first = true;
    loop {
        let now: Vec<Option<std::time::SystemTime>> = paths
            .iter()
            .map(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
            .collect();
        if first || now != stamps {
            first = false;
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
            let _ = tokio::task::spawn_blocking(move || {
                let Some(fw) = &g2.firewall else { return };
                match lock(fw).load_blocklist(union.ranges_v4(), union.ranges_v6()) {
                    Ok(_) => {
                        GuardMetrics::set(&g2.metrics.firewall_elements, &[("set", "blocklist")], union.len() as i64);
                        tracing::info!(target: "guard", ranges = union.len(), ms = started.elapsed().as_millis() as u64, "blocklists loaded into the firewall");
                    }
                    Err(e) => {
                        g2.metrics.firewall_errors.inc();
                        tracing::error!(target: "guard", error = %e, "could not load the blocklists into the firewall");
                    }
                }
            })
            .await;
        }
        tokio::time::sleep(BLOCKLIST_EVERY).await;
    }
}
