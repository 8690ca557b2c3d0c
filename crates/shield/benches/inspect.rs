//! Cost of inspecting typical and large requests (`cargo bench -p shield`).

#![allow(clippy::unwrap_used)] // a benchmark fails loudly on a broken setup

use criterion::{Criterion, criterion_group, criterion_main};
use shield::{Facts, InspectConfig, Profile, Shield};
use std::hint::black_box;

const UA: &[u8] = b"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

fn page(s: &Shield) -> shield::Inspection {
    page_with(
        s,
        "/news/spring-market",
        "page=2&sort=date&q=repair+caf%C3%A9",
        UA,
        b"https://delinde.example/news",
    )
}

/// A page request whose header values the shield has not seen before on this thread.
fn page_with(s: &Shield, path: &str, query: &str, ua: &[u8], referer: &[u8]) -> shield::Inspection {
    let headers: &[(&str, &[u8])] = &[
        ("host", b"delinde.example"),
        ("user-agent", ua),
        ("accept", b"text/html,application/xhtml+xml,*/*;q=0.8"),
        ("accept-language", b"nl-NL,nl;q=0.9,en;q=0.8"),
        ("cookie", b"lang=nl"),
        ("referer", referer),
    ];
    s.inspect(&Facts {
        method: "GET",
        path,
        query: Some(query),
        headers,
        body: None,
        profile: Profile::Public,
        host_in_authority: false,
    })
}

fn form(s: &Shield, body: &[u8]) -> shield::Inspection {
    let headers: &[(&str, &[u8])] = &[
        ("host", b"delinde.example"),
        ("user-agent", UA),
        ("content-type", b"application/x-www-form-urlencoded"),
    ];
    s.inspect(&Facts {
        method: "POST",
        path: "/contact",
        query: None,
        headers,
        body: Some(body),
        profile: Profile::Public,
        host_in_authority: false,
    })
}

/// As a browser encodes a form field: space as `+`, everything else but letters and digits as `%XX`.
fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b' ' => "+".to_string(),
            b if b.is_ascii_alphanumeric() || b"-_.*".contains(&b) => (b as char).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let s = Shield::new(InspectConfig::default()).unwrap();
    let big = Shield::new(InspectConfig {
        max_body: 2 << 20,
        ..Default::default()
    })
    .unwrap();
    // A 4 KB contact form: prose in several languages, as visitors write it.
    let prose = "Hallo! Wij willen graag de zaal huren op 12 april, voor ongeveer 40 mensen. Is dat mogelijk? \
                 We'd also like coffee & cake (about €2,50 p.p.). Merci beaucoup, Zoë O'Brien. ";
    let mut text = String::new();
    while text.len() < 4000 {
        text.push_str(prose);
    }
    let body4k = format!(
        "name=Zo%C3%AB+O%27Brien&email=zoe%40example.nl&message={}",
        form_encode(&text)
    );
    let body1m = format!(
        "message={}",
        "lorem+ipsum+dolor+sit+amet+".repeat((1 << 20) / 27)
    );
    assert!(!page(&s).is_attack(5) && !form(&s, body4k.as_bytes()).is_attack(5));
    c.bench_function("page request", |b| b.iter(|| black_box(page(&s))));
    // Nothing seen before: a new browser, a new path, a new search; every part judged.
    let mut n = 0u64;
    c.bench_function("page request, all parts new", |b| {
        b.iter(|| {
            n += 1;
            let ua = format!("{}{n}", std::str::from_utf8(UA).unwrap());
            let referer = format!("https://delinde.example/news/{n}");
            let path = format!("/news/spring-market-{n}");
            let query = format!("page=2&sort=date&q=repair+caf%C3%A9+{n}");
            black_box(page_with(
                &s,
                &path,
                &query,
                ua.as_bytes(),
                referer.as_bytes(),
            ))
        })
    });
    c.bench_function("4 KB form post", |b| {
        b.iter(|| black_box(form(&s, body4k.as_bytes())))
    });
    let mut g = c.benchmark_group("large");
    g.sample_size(10);
    g.bench_function("1 MB form body", |b| {
        b.iter(|| black_box(form(&big, body1m.as_bytes())))
    });
    g.finish();
}

fn blocklist(c: &mut Criterion) {
    let mut text = String::with_capacity(20_000_000);
    for i in 0u32..700_000 {
        let a = i.wrapping_mul(2_654_435_761);
        text.push_str(&format!(
            "{}.{}.{}.0/24\n",
            a >> 24,
            (a >> 16) & 255,
            (a >> 8) & 255
        ));
    }
    for i in 0u64..300_000 {
        let a = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        text.push_str(&format!(
            "2001:{:x}:{:x}::/48\n",
            (a >> 48) & 0xffff,
            (a >> 32) & 0xffff
        ));
    }
    let mut g = c.benchmark_group("blocklist 1M prefixes");
    g.sample_size(10);
    g.bench_function("parse and merge", |b| {
        b.iter(|| black_box(shield::blocklist::Blocklist::parse(&text).unwrap()))
    });
    g.finish();
    let list = shield::blocklist::Blocklist::parse(&text).unwrap();
    let v4: std::net::IpAddr = "203.0.113.9".parse().unwrap();
    let v6: std::net::IpAddr = "2001:db8:1:2::1".parse().unwrap();
    c.bench_function("blocklist lookup v4", |b| {
        b.iter(|| black_box(list.contains(black_box(v4))))
    });
    c.bench_function("blocklist lookup v6", |b| {
        b.iter(|| black_box(list.contains(black_box(v6))))
    });
}

criterion_group!(inspect, benches, blocklist);
criterion_main!(inspect);
