//! Loads a large random blocklist through `guard::nft::Firewall` inside a network namespace
//! and prints what it cost. Run by `bench/nft-load.sh`, which makes and removes the namespace:
//!
//! ```text
//! nft_load NETNS [PREFIXES] [--text]
//! ```
//!
//! PREFIXES (default 1,000,000) random non-overlapping prefixes: 90 % IPv4 /24../32, 10 % IPv6
//! /32../64. Each nft run is wrapped in GNU time (`/usr/bin/time`) to get nft's peak memory;
//! the kernel's growth is read from `Slab:` in /proc/meminfo (machine-wide, so other work on
//! the machine adds noise). `--text` loads the same shards as `nft -f` text instead, for the
//! comparison with the JSON the firewall sends.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Instant;

use guard::nft::{Firewall, SHARD, plan};
use shield::bans::Subject;

/// xorshift64*: reproducible numbers without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// `n` random prefixes of `lo..=hi` bits, overlapping ones dropped, as merged ranges.
fn prefixes<A: plan::Addr>(
    n: usize,
    lo: u32,
    hi: u32,
    rng: &mut Rng,
    make: impl Fn(u128) -> A,
) -> Vec<(A, A)> {
    let bits = A::BITS;
    let mut nets: Vec<(u128, u128)> = (0..n)
        .map(|_| {
            let len = lo + (rng.next() % u64::from(hi - lo + 1)) as u32;
            let raw = (u128::from(rng.next()) << 64 | u128::from(rng.next())) >> (128 - bits);
            let host = (u128::MAX >> (128 - bits)).checked_shr(len).unwrap_or(0);
            (raw & !host, (raw & !host) | host)
        })
        .collect();
    nets.sort_unstable();
    let mut out: Vec<(u128, u128)> = Vec::with_capacity(n);
    for (f, l) in nets {
        if out.last().is_none_or(|p| p.1 < f) {
            out.push((f, l));
        }
    }
    plan::merge(out.into_iter().map(|(f, l)| (make(f), make(l))).collect())
}

fn slab_kb() -> i64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find(|l| l.starts_with("Slab:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn own_peak_kb() -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|m| {
            m.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Per nft run: (peak RSS in KB, seconds), from GNU time's log; the log is emptied.
fn nft_runs(log: &str) -> Vec<(i64, f64)> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let _ = std::fs::write(log, "");
    text.lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            Some((w.next()?.parse().ok()?, w.next()?.parse().ok()?))
        })
        .collect()
}

fn report(what: &str, wall: f64, runs: &[(i64, f64)], slab_before: i64) {
    let peak = runs.iter().map(|r| r.0).max().unwrap_or(0);
    let slowest = runs.iter().map(|r| r.1).fold(0.0, f64::max);
    println!(
        "{what}: wall {wall:.2} s, {} nft runs (slowest {slowest:.2} s), nft peak RSS {} MB, kernel Slab {:+} MB",
        runs.len(),
        peak / 1024,
        (slab_kb() - slab_before) / 1024
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let netns = args
        .first()
        .ok_or("usage: nft_load NETNS [PREFIXES] [--text]")?
        .clone();
    let n: usize = args
        .get(1)
        .filter(|a| !a.starts_with("--"))
        .map_or(Ok(1_000_000), |a| a.parse())?;
    let text = args.iter().any(|a| a == "--text");
    let log = format!("/tmp/nft_load-{}.time", std::process::id());
    let _ = std::fs::write(&log, "");
    let command: Vec<String> = [
        "/usr/bin/time",
        "-a",
        "-o",
        &log,
        "-f",
        "%M %e",
        "ip",
        "netns",
        "exec",
        &netns,
        "nft",
    ]
    .map(String::from)
    .to_vec();

    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let t = Instant::now();
    let v4 = prefixes(n - n / 10, 24, 32, &mut rng, |x| x as u32);
    let v6 = prefixes(n / 10, 32, 64, &mut rng, |x| x);
    println!(
        "{n} random prefixes -> {} IPv4 + {} IPv6 ranges ({:.2} s to make); shards of {SHARD}",
        v4.len(),
        v6.len(),
        t.elapsed().as_secs_f64()
    );

    if text {
        return load_text(&command, &log, &v4, &v6);
    }

    let mut fw = Firewall::new("bolwerk", command)?;
    fw.install()?;
    nft_runs(&log);
    for round in ["load", "reload (swap)"] {
        let slab = slab_kb();
        let t = Instant::now();
        let st = fw.load_blocklist(&v4, &v6)?;
        let wall = t.elapsed().as_secs_f64();
        report(
            &format!("{round} of {} ranges into {} sets", st.ranges, st.sets),
            wall,
            &nft_runs(&log),
            slab,
        );
    }

    // Bans with the big blocklist in place: the case nft 1.0.6 makes slow for in-place adds.
    let now = 1_900_000_000;
    let bans: Vec<(Subject, Option<i64>)> = (0..10_000u32)
        .map(|i| {
            (
                Subject::of(std::net::Ipv4Addr::from(0x0a00_0000 + i * 2).into()),
                Some(now + 600 + i64::from(i)),
            )
        })
        .collect();
    let mut more = bans.clone();
    more.push((
        Subject::of(std::net::Ipv4Addr::new(10, 9, 9, 9).into()),
        None,
    ));
    for (what, list) in [
        ("sync of 10,000 bans", &bans),
        ("one more ban", &more),
        ("no change", &more),
    ] {
        let slab = slab_kb();
        let t = Instant::now();
        let st = fw.sync_bans(list, now)?;
        report(
            &format!("{what}: {} transactions", st.transactions),
            t.elapsed().as_secs_f64(),
            &nft_runs(&log),
            slab,
        );
    }
    println!(
        "the guard's own peak RSS (VmHWM): {} MB",
        own_peak_kb() / 1024
    );
    let _ = std::fs::remove_file(&log);
    Ok(())
}

/// The same shards as `nft -f -` text, for comparison.
fn load_text(
    command: &[String],
    log: &str,
    v4: &[(u32, u32)],
    v6: &[(u128, u128)],
) -> Result<(), Box<dyn std::error::Error>> {
    fn elem<A: plan::Addr>(f: A, l: A) -> String {
        match serde_json::to_value(plan::range_expr(f, l)) {
            Ok(serde_json::Value::String(s)) => s,
            Ok(v) => match (v.get("prefix"), v.get("range")) {
                (Some(p), _) => format!("{}/{}", p["addr"].as_str().unwrap_or(""), p["len"]),
                (_, Some(r)) => format!(
                    "{}-{}",
                    r[0].as_str().unwrap_or(""),
                    r[1].as_str().unwrap_or("")
                ),
                _ => String::new(),
            },
            Err(_) => String::new(),
        }
    }
    let run = |script: String| -> Result<(), Box<dyn std::error::Error>> {
        let mut child = Command::new(&command[0])
            .args(&command[1..])
            .args(["-f", "-"])
            .stdin(Stdio::piped())
            .spawn()?;
        child
            .stdin
            .take()
            .ok_or("stdin")?
            .write_all(script.as_bytes())?;
        if !child.wait()?.success() {
            return Err("nft failed".into());
        }
        Ok(())
    };
    run("add table inet bolwerk_text\n".into())?;
    nft_runs(log);
    let slab = slab_kb();
    let t = Instant::now();
    let mut sets = 0;
    for (i, chunk) in v4.chunks(SHARD).enumerate() {
        let elems: Vec<String> = chunk.iter().map(|&(f, l)| elem(f, l)).collect();
        run(format!(
            "add set inet bolwerk_text t4_{i} {{ type ipv4_addr; flags interval; elements = {{ {} }} }}\n",
            elems.join(", ")
        ))?;
        sets += 1;
    }
    for (i, chunk) in v6.chunks(SHARD).enumerate() {
        let elems: Vec<String> = chunk.iter().map(|&(f, l)| elem(f, l)).collect();
        run(format!(
            "add set inet bolwerk_text t6_{i} {{ type ipv6_addr; flags interval; elements = {{ {} }} }}\n",
            elems.join(", ")
        ))?;
        sets += 1;
    }
    report(
        &format!("text load into {sets} sets"),
        t.elapsed().as_secs_f64(),
        &nft_runs(log),
        slab,
    );
    run("delete table inet bolwerk_text\n".into())?;
    let _ = std::fs::remove_file(log);
    Ok(())
}
