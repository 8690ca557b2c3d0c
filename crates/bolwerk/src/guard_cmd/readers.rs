//! The guard's readers: one thread per watched log (a file, or a unit's journal through
//! `journalctl`), matching each line against the watch's filter and handing what matched to
//! the decision task. A full queue makes the reader wait (the log keeps the lines meanwhile),
//! so no line is lost under a flood.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use guard::filter::Filter;
use guard::follow::{Follower, Position, Start};
use tokio::sync::mpsc;

use super::metrics::GuardMetrics;

/// A line a filter matched.
#[derive(Debug)]
pub struct Hit {
    /// Index of the watch.
    pub watch: usize,
    /// Index of the pattern in the watch's filter.
    pub pattern: usize,
    /// The client's source port, where the line names it.
    pub port: Option<u16>,
    /// How many attempts the line stands for (`attempts` in the pattern; else 1).
    pub attempts: u32,
    /// A spoofable line the firewall confirmed came over TCP.
    pub confirmed: bool,
    /// Asked again: a TCP confirmation that failed at first (the service may write its line
    /// a moment before it answers) is asked once more, a little later.
    pub again: bool,
    /// The client.
    pub host: IpAddr,
    /// The whole line (the ban's evidence).
    pub line: String,
}

/// What every reader shares.
pub struct Shared {
    pub metrics: Arc<GuardMetrics>,
    pub stop: AtomicBool,
    pub hits: mpsc::Sender<Hit>,
    /// Where each file reader stands, by path, for a restart.
    pub positions: Mutex<HashMap<PathBuf, Position>>,
    pub poll: Duration,
    pub max_line: usize,
}

/// Matches one line and sends what it found; false when the decision task is gone.
fn handle(shared: &Shared, watch: usize, label: &str, filter: &Filter, line: &str) -> bool {
    GuardMetrics::inc(&shared.metrics.lines, &[("log", label)]);
    let Some(hit) = filter.find(line) else {
        return true;
    };
    let pattern = filter
        .patterns
        .get(hit.pattern)
        .map_or("", |p| p.name.as_str());
    GuardMetrics::inc(
        &shared.metrics.matches,
        &[("filter", &filter.name), ("pattern", pattern)],
    );
    shared
        .hits
        .blocking_send(Hit {
            watch,
            pattern: hit.pattern,
            port: hit.port,
            attempts: hit.attempts,
            confirmed: false,
            again: false,
            host: hit.host,
            line: line.to_string(),
        })
        .is_ok()
}

/// Follows a file until told to stop.
pub fn follow_file(
    shared: Arc<Shared>,
    watch: usize,
    label: String,
    filter: Arc<Filter>,
    path: PathBuf,
    saved: Option<Position>,
) {
    let mut f = Follower::new(&path, Start::End, saved, shared.max_line);
    let mut reported_missing = false;
    let mut skipped = f.skipped;
    while !shared.stop.load(Ordering::Relaxed) {
        let mut alive = true;
        let polled = f.poll(&mut |line| {
            if alive {
                alive = handle(&shared, watch, &label, &filter, line);
            }
        });
        if !alive {
            return;
        }
        match polled {
            Ok(true) => reported_missing = false,
            Ok(false) if !reported_missing => {
                reported_missing = true;
                tracing::warn!(target: "guard", log = %label, "the log file is not there (yet); waiting for it");
            }
            Ok(false) => {}
            Err(e) => {
                GuardMetrics::inc(&shared.metrics.read_errors, &[("log", &label)]);
                tracing::warn!(target: "guard", log = %label, error = %e, "could not read the log");
            }
        }
        let now = f.skipped;
        GuardMetrics::add(
            &shared.metrics.skipped,
            &[("log", &label), ("reason", "too_long")],
            now.too_long - skipped.too_long,
        );
        GuardMetrics::add(
            &shared.metrics.skipped,
            &[("log", &label), ("reason", "not_utf8")],
            now.not_utf8 - skipped.not_utf8,
        );
        skipped = now;
        if let Some(p) = f.position()
            && let Ok(mut map) = shared.positions.lock()
        {
            map.insert(path.clone(), p);
        }
        std::thread::sleep(shared.poll);
    }
}

/// Follows a systemd unit's journal, or a syslog identifier's, through `journalctl` until
/// told to stop; restarts it when it ends. `select` is `--unit UNIT` or `--identifier TAG`.
pub fn follow_journal(
    shared: Arc<Shared>,
    watch: usize,
    label: String,
    filter: Arc<Filter>,
    select: [String; 2],
) {
    while !shared.stop.load(Ordering::Relaxed) {
        let child = std::process::Command::new("journalctl")
            // `--since=now`, not `--lines=0`: with `--lines`, systemd 252's journalctl shows
            // only the newest of the entries that arrive together (one of six in the test).
            .args(["--follow", "--since=now", "--output=cat"])
            .args(&select)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn();
        let mut child = match child {
            Ok(c) => c,
            Err(e) => {
                GuardMetrics::inc(&shared.metrics.read_errors, &[("log", &label)]);
                tracing::error!(target: "guard", log = %label, error = %e, "could not run journalctl");
                std::thread::sleep(Duration::from_secs(5));
                continue;
            }
        };
        if let Some(out) = child.stdout.take() {
            let mut reader = BufReader::new(out);
            let mut buf = Vec::new();
            loop {
                buf.clear();
                // At most max_line bytes of a line are held; the rest is skipped.
                let n = match (&mut reader)
                    .take(shared.max_line as u64 + 1)
                    .read_until(b'\n', &mut buf)
                {
                    Ok(n) => n,
                    Err(_) => break,
                };
                if n == 0 || shared.stop.load(Ordering::Relaxed) {
                    break;
                }
                if buf.last() != Some(&b'\n') {
                    GuardMetrics::inc(
                        &shared.metrics.skipped,
                        &[("log", &label), ("reason", "too_long")],
                    );
                    let mut rest = Vec::new();
                    if reader.read_until(b'\n', &mut rest).is_err() {
                        break;
                    }
                    continue;
                }
                let line = String::from_utf8_lossy(&buf);
                if !handle(
                    &shared,
                    watch,
                    &label,
                    &filter,
                    line.trim_end_matches(['\n', '\r']),
                ) {
                    let _ = child.kill();
                    let _ = child.wait();
                    return;
                }
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        if !shared.stop.load(Ordering::Relaxed) {
            tracing::warn!(target: "guard", log = %label, "journalctl ended; starting it again");
            std::thread::sleep(Duration::from_secs(1));
        }
    }
}
