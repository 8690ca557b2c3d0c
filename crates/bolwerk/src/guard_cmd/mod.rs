//! `bolwerk guard`: the small privileged process beside the web server. It follows the logs
//! of the mail and DNS servers, bans their attackers into the one ban list (with the same
//! escalation, IPv6 widening and allowlist as the web shield), and keeps the kernel's
//! nftables table in step with every ban and blocklist, so a banned address is dropped on
//! every port. The only part of Bolwerk that needs `CAP_NET_ADMIN`.

mod decide;
mod metrics;
mod readers;
pub mod test_cmd;
mod upkeep;

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
use guard::tally::Tally;
use server::config::Config;
use shield::bans::{Ban, BanPolicy, BanTable};
use shield::net::Cidr;
use tokio::sync::mpsc;

use self::metrics::GuardMetrics;
use self::readers::{Hit, Shared};

/// How often the guard looks whether a ban was added or lifted elsewhere.
const SYNC_EVERY: Duration = Duration::from_millis(250);
/// A full read of the ban list and the allowlist at least this often.
const FULL_SYNC: Duration = Duration::from_secs(10);
/// TCP confirmations asked of the firewall per second, at most.
pub(super) const CONFIRMS_PER_SECOND: u32 = 50;
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
    /// Addresses never banned nor dropped: loopback, link-local, multicast, unspecified, and
    /// this machine's own (refreshed with every full sync).
    never: Mutex<Vec<Cidr>>,
    /// When `never` was last read.
    never_at: Mutex<Instant>,
    /// The allowlist the kernel has now (`None`: not yet given), to give it again on change
    /// or after a failure.
    applied_allow: Mutex<Option<Vec<Cidr>>>,
    /// Spoofable lines waiting to be confirmed over TCP (a small queue, never waited on).
    confirm: mpsc::Sender<Hit>,
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

/// Networks never banned nor dropped, and this machine's own addresses (from `ip -o addr`;
/// none when it cannot be run).
fn never_banned() -> Vec<Cidr> {
    let mut out: Vec<Cidr> = [
        "127.0.0.0/8",
        "0.0.0.0/8",
        "169.254.0.0/16",
        "224.0.0.0/4",
        "255.255.255.255/32",
        "::1/128",
        "::/128",
        "fe80::/10",
        "ff00::/8",
    ]
    .iter()
    .filter_map(|c| Cidr::parse(c))
    .collect();
    if let Ok(o) = std::process::Command::new("ip")
        .args(["-o", "addr", "show"])
        .output()
    {
        // "2: eth0    inet 192.0.2.5/24 brd ..." and "inet6 2001:db8::5/64 scope global".
        for line in String::from_utf8_lossy(&o.stdout).lines() {
            let mut words = line.split_whitespace();
            while let Some(w) = words.next() {
                if w == "inet" || w == "inet6" {
                    let addr = words.next().and_then(|a| a.split('/').next()).unwrap_or("");
                    out.extend(Cidr::parse(addr));
                }
            }
        }
    }
    out
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
                        decide::human_window(p.window_s)
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
    let (tx, rx) = mpsc::channel::<Hit>(10_000);
    let (confirm_tx, confirm_rx) = mpsc::channel::<Hit>(256);
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
        never: Mutex::new(never_banned()),
        never_at: Mutex::new(Instant::now()),
        applied_allow: Mutex::new(None),
        confirm: confirm_tx.clone(),
    });
    // Everything stored first, so the firewall starts complete.
    upkeep::sync(&g, &recorder).await;
    upkeep::apply_bans(&g).await;
    let firewall_task = tokio::spawn(upkeep::keep_firewall(g.clone()));
    let blocklists = tokio::spawn(upkeep::keep_blocklists(g.clone(), config.clone()));
    let syncer = tokio::spawn(upkeep::keep_in_sync(g.clone(), recorder.clone()));
    let writer = tokio::spawn(upkeep::store_bans(g.clone(), recorder.clone()));
    let metrics_task = config.guard.metrics.map(|addr| {
        let m = metrics.clone();
        tokio::spawn(async move {
            if let Err(e) = metrics::serve(addr, m).await {
                tracing::error!(target: "guard", error = %e, "the metrics listener stopped");
            }
        })
    });

    let confirmer = tokio::spawn(decide::confirm(
        g.clone(),
        confirm_rx,
        tx.clone(),
        confirm_tx,
    ));
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
        let journal = match (&w.journal, &w.journal_tag) {
            (Some(unit), _) => Some(["--unit".to_string(), unit.clone()]),
            (None, Some(tag)) => Some(["--identifier".to_string(), tag.clone()]),
            (None, None) => None,
        };
        let handle = match (&w.file, journal) {
            (Some(path), _) => {
                let saved = lock(&shared.positions).get(path).copied();
                let path = path.clone();
                std::thread::Builder::new()
                    .name(format!("guard-{i}"))
                    .spawn(move || readers::follow_file(s, i, label, filter, path, saved))?
            }
            (None, Some(select)) => std::thread::Builder::new()
                .name(format!("guard-{i}"))
                .spawn(move || readers::follow_journal(s, i, label, filter, select))?,
            (None, None) => continue,
        };
        threads.push(handle);
        tracing::info!(target: "guard", log = %w.label(), "following");
    }
    let decide = tokio::spawn(decide::decide(g.clone(), rx));
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
    for t in [blocklists, syncer, writer, decide, firewall_task, confirmer] {
        t.abort();
    }
    if let Some(t) = metrics_task {
        t.abort();
    }
    drop(threads);
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
