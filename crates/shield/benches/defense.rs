//! One decision of the defence engine with 10 k, 1 M and 10 M distinct clients seen before it
//! (`cargo bench -p shield --bench defense`): the cost must not grow with the table, which
//! is bounded (see `shield::defense::Policy::max_clients`). Memory is measured by the
//! `scale` example (`bench/scale.sh`), as criterion measures time only.

#![allow(clippy::unwrap_used)] // a benchmark fails loudly on a broken setup

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use criterion::{Criterion, criterion_group, criterion_main};
use shield::defense::{Defense, Policy, RouteClass, Time};
use shield::{InspectConfig, Shield};

fn client(i: u64) -> IpAddr {
    if i.is_multiple_of(2) {
        IpAddr::V4(Ipv4Addr::from(0x0a00_0000u32.wrapping_add(i as u32 / 2)))
    } else {
        let v6 = 0x2001_0db8_0000_0000_0000_0000_0000_0000u128 | (u128::from(i) << 64);
        IpAddr::V6(Ipv6Addr::from(v6))
    }
}

fn admit(c: &mut Criterion) {
    let mut g = c.benchmark_group("defense admit");
    for seen in [10_000u64, 1_000_000, 10_000_000] {
        let d = Defense::new(
            Policy::default(),
            Shield::new(InspectConfig::default()).unwrap(),
        );
        let now = Time::from_unix_ms(1_800_000_000_000);
        for i in 0..seen {
            black_box(d.admit(client(i), RouteClass::Page, "GET", now));
        }
        // Clients already known (a returning visitor) and new ones (the churn goes on).
        let mut i = 0u64;
        g.bench_function(format!("known client, {seen} seen"), |b| {
            b.iter(|| {
                i = (i + 7919) % seen.min(500_000);
                black_box(d.admit(client(seen - 1 - i), RouteClass::Page, "GET", now))
            })
        });
        let mut fresh = seen;
        g.bench_function(format!("new client, {seen} seen"), |b| {
            b.iter(|| {
                fresh += 1;
                black_box(d.admit(client(fresh), RouteClass::Page, "GET", now))
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = admit
}
criterion_main!(benches);
