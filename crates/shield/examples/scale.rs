//! The defence engine under a churn of client addresses (issue 13): `cargo run --release -p
//! shield --example scale -- [clients...]`. For each count (default 10k, 1M and 10M), a fresh
//! engine sees that many distinct clients (half IPv4 addresses, half IPv6 /64s, each new, as
//! spoof-like churn would send them), each making one page request through `admit` and
//! `inspect`, then 404s from a tenth of them through `observe`. Prints the resident memory
//! the engine added, the clients it keeps, how many it forgot to make room, and the cost per
//! decision for the first and the last million (which must not grow with the table).
//!
//! `RATE` (new clients a second, default 10000) sets how fast they come: at 10 000 a second
//! most clients' budgets are full again by the time their shard is full, and they are dropped
//! without losing anything; at `RATE=100000000` they all come within the budgets' memory and
//! the engine has to forget clients that still carry state. Run one count per process for
//! its own peak memory (`bench/scale.sh` does).

#![allow(clippy::unwrap_used, clippy::print_stdout)] // a benchmark fails loudly on a broken setup

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Instant;

use shield::defense::{Defense, Observation, Policy, RouteClass, Time};
use shield::{Facts, InspectConfig, Profile, Shield};

/// A line of `/proc/self/status` (`VmRSS`, `VmHWM`) in MiB.
fn status_mib(key: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let l = s.lines().find(|l| l.starts_with(key))?;
            l.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .unwrap_or(0.0)
        / 1024.0
}

fn client(i: u64) -> IpAddr {
    if i.is_multiple_of(2) {
        IpAddr::V4(Ipv4Addr::from(0x0a00_0000u32.wrapping_add(i as u32 / 2)))
    } else {
        let v6 = 0x2001_0db8_0000_0000_0000_0000_0000_0000u128 | (u128::from(i) << 64);
        IpAddr::V6(Ipv6Addr::from(v6))
    }
}

fn main() {
    let counts: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.replace('_', "").parse().ok())
        .collect();
    let counts = if counts.is_empty() {
        vec![10_000, 1_000_000, 10_000_000]
    } else {
        counts
    };
    let rate: u64 = std::env::var("RATE")
        .ok()
        .and_then(|r| r.replace('_', "").parse().ok())
        .unwrap_or(10_000)
        .max(1);
    let headers: [(&str, &[u8]); 2] = [("host", b"example.nl"), ("user-agent", b"Mozilla/5.0")];
    let facts = Facts {
        method: "GET",
        path: "/nieuws",
        query: Some("pagina=2"),
        headers: &headers,
        body: None,
        profile: Profile::Public,
        host_in_authority: false,
    };
    println!(
        "| clients | new a second | RSS added | peak RSS | kept | forgotten | ns/decision, first 1M | ns/decision, last 1M |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for n in counts {
        let start_rss = status_mib("VmRSS:");
        let d = Defense::new(
            Policy::default(),
            Shield::new(InspectConfig::default()).unwrap(),
        );
        let at = |i: u64| {
            Time::from_unix_ms(1_800_000_000_000 + (u128::from(i) * 1000 / u128::from(rate)) as i64)
        };
        let window = n.min(1_000_000);
        let mut first = 0.0;
        let mut mark = Instant::now();
        for i in 0..n {
            let ip = client(i);
            black_box(d.admit(ip, RouteClass::Page, "GET", at(i)));
            black_box(d.inspect(ip, &facts, at(i)));
            if i % 10 == 0 {
                let path = format!("/wp-{i}.php");
                let seen = Observation::NotFound {
                    path: &path,
                    claims_crawler: false,
                };
                black_box(d.observe(ip, seen, at(i)));
            }
            if i + 1 == window {
                first = mark.elapsed().as_nanos() as f64 / window as f64;
            }
            if i + 1 == n - window {
                mark = Instant::now();
            }
        }
        let last = if n > window {
            mark.elapsed().as_nanos() as f64 / window as f64
        } else {
            first
        };
        let (kept, _) = d.tracked_clients();
        println!(
            "| {n} | {rate} | {:.0} MiB | {:.0} MiB | {kept} | {} | {first:.0} | {last:.0} |",
            status_mib("VmRSS:") - start_rss,
            status_mib("VmHWM:"),
            d.evicted_clients()
        );
        drop(d);
    }
}
