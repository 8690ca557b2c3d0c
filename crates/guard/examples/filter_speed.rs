//! Lines per second through a filter, the way the guard reads a log: the follower reads the
//! file from its start in 64 KiB chunks, splits lines, and the filter searches each one.
//!
//!     cargo run --release -p guard --example filter_speed -- dovecot /tmp/dovecot-1m.log
//!
//! `bench/guard/filters.sh` runs it beside `fail2ban-regex` on the same files.

#![allow(clippy::unwrap_used)]

use std::time::Instant;

use guard::follow::{Follower, Start};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, name, path] = args.as_slice() else {
        eprintln!("usage: filter_speed FILTER LOGFILE");
        std::process::exit(2);
    };
    let filters = guard::filter::load(None).unwrap();
    let filter = filters
        .iter()
        .find(|f| &f.name == name)
        .expect("no such filter");
    let started = Instant::now();
    let mut follower = Follower::new(
        std::path::Path::new(path),
        Start::Beginning,
        None,
        16 * 1024,
    );
    let (mut lines, mut matched) = (0u64, 0u64);
    follower
        .poll(&mut |line| {
            lines += 1;
            if filter.find(line).is_some() {
                matched += 1;
            }
        })
        .unwrap();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{name}: {lines} lines, {matched} matched, {secs:.3} s, {:.0} lines/s",
        lines as f64 / secs
    );
}
