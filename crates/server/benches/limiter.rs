//! The per-client rate limiter under a million distinct clients (`cargo bench -p server
//! --bench limiter`): cost of one check with that many keys held, and the memory the keys take
//! before and after idle ones are evicted (printed, as criterion measures time only).
//!
//! The limiter is built exactly as the shield builds its page budget: governor's keyed GCRA
//! over a dashmap, keyed by `Subject` (an IPv4 address or an IPv6 /64).

#![allow(clippy::unwrap_used)] // a benchmark fails loudly on a broken setup

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::num::NonZeroU32;

use criterion::{Criterion, criterion_group, criterion_main};
use shield::bans::Subject;

const CLIENTS: u32 = 1_000_000;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn client(i: u32) -> Subject {
    if i.is_multiple_of(2) {
        Subject::of(IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i)))
    } else {
        let v6 =
            Ipv6Addr::from(0x2001_0db8_0000_0000_0000_0000_0000_0000u128 | (u128::from(i) << 64));
        Subject::of(IpAddr::V6(v6))
    }
}

fn limiter(c: &mut Criterion) {
    let quota = governor::Quota::per_second(NonZeroU32::new(20).unwrap())
        .allow_burst(NonZeroU32::new(100).unwrap());
    let before = rss_kib();
    let limiter = governor::RateLimiter::dashmap(quota);
    for i in 0..CLIENTS {
        let _ = limiter.check_key(&client(i));
    }
    let full = rss_kib();
    eprintln!(
        "limiter: {} keys, about {} MiB for them",
        limiter.len(),
        (full.saturating_sub(before)) / 1024
    );
    let mut i = 0u32;
    c.bench_function("rate limit check, 1M clients held", |b| {
        b.iter(|| {
            i = (i + 7919) % CLIENTS;
            black_box(limiter.check_key(&client(i)))
        })
    });
    // A bucket that has refilled is the same as no bucket: evict them, as the shield does
    // every minute. 100 requests of burst at 20/s refill in 5 s.
    std::thread::sleep(std::time::Duration::from_secs(6));
    limiter.retain_recent();
    limiter.shrink_to_fit();
    eprintln!(
        "limiter after eviction of idle clients: {} keys, RSS {} MiB above the start (the allocator may keep freed pages)",
        limiter.len(),
        rss_kib().saturating_sub(before) / 1024
    );
}

criterion_group!(benches, limiter);
criterion_main!(benches);
