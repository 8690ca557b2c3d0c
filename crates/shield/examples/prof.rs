#![allow(clippy::unwrap_used)]
use shield::rules::{RULES, Target};
use std::time::Instant;
fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b' ' => "+".to_string(),
            b if b.is_ascii_alphanumeric() || b"-_.*".contains(&b) => (b as char).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect()
}
fn time<T>(name: &str, n: u32, mut f: impl FnMut() -> T) {
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(f());
    }
    println!(
        "{name}: {:.2} µs",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
}
fn main() {
    if std::env::args().any(|a| a == "loop") {
        inspect_loop();
        return;
    }
    if std::env::args().nth(1).as_deref() == Some("one") {
        for v in std::env::args().skip(2) {
            one(&v);
        }
        return;
    }
    let prose = "Hallo! Wij willen graag de zaal huren op 12 april, voor ongeveer 40 mensen. Is dat mogelijk? We'd also like coffee & cake (about €2,50 p.p.). Merci beaucoup, Zoë O'Brien. ";
    let mut text = String::new();
    while text.len() < 4000 {
        text.push_str(prose);
    }
    let enc = form_encode(&text).replace('+', " ");
    let rules: Vec<_> = RULES.iter().filter(|r| r.target == Target::Value).collect();
    let set = regex::bytes::RegexSetBuilder::new(rules.iter().map(|r| r.pattern))
        .unicode(false)
        .size_limit(64 << 20)
        .dfa_size_limit(64 << 20)
        .build()
        .unwrap();
    let dec = shield::normalize::decode(&enc).into_owned();
    let norm = shield::normalize::normalize_decoded(&dec);
    time("decode", 2000, || {
        shield::normalize::decode(&enc).into_owned()
    });
    time("normalize_decoded", 2000, || {
        shield::normalize::normalize_decoded(&dec)
    });
    time("set.is_match", 2000, || set.is_match(norm.as_bytes()));
    time("cmdline", 2000, || shield::normalize::cmdline(&norm));
    time("libinj sqli", 200, || {
        libinjectionrs::detect_sqli(dec.as_bytes()).is_injection()
    });
    // per rule cost
    let mut costs: Vec<(f64, u32)> = rules
        .iter()
        .map(|r| {
            let re = regex::bytes::RegexBuilder::new(r.pattern)
                .unicode(false)
                .build()
                .unwrap();
            let t = Instant::now();
            for _ in 0..200 {
                std::hint::black_box(re.is_match(norm.as_bytes()));
            }
            (t.elapsed().as_secs_f64() * 1e6 / 200.0, r.id)
        })
        .collect();
    costs.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap());
    for (c, id) in costs.iter().take(15) {
        println!("rule {id}: {c:.2} µs");
    }
    println!("sum {:.1}", costs.iter().map(|c| c.0).sum::<f64>());
}
#[allow(dead_code)]
pub fn inspect_loop() {
    let prose = "Hallo! Wij willen graag de zaal huren op 12 april, voor ongeveer 40 mensen. Is dat mogelijk? We'd also like coffee & cake (about €2,50 p.p.). Merci beaucoup, Zoë O'Brien. ";
    let mut text = String::new();
    while text.len() < 4000 {
        text.push_str(prose);
    }
    let body = format!(
        "name=Zo%C3%AB+O%27Brien&email=zoe%40example.nl&message={}",
        form_encode(&text)
    );
    let s = shield::Shield::new(shield::InspectConfig::default()).unwrap();
    let headers: &[(&str, &[u8])] = &[
        ("host", b"delinde.example"),
        ("content-type", b"application/x-www-form-urlencoded"),
    ];
    for _ in 0..1200 {
        std::hint::black_box(s.inspect(&shield::Facts {
            method: "POST",
            path: "/contact",
            query: None,
            headers,
            body: Some(body.as_bytes()),
            profile: shield::Profile::Public,
            host_in_authority: false,
        }));
    }
}
#[allow(dead_code)]
pub fn one(v: &str) {
    let s = shield::Shield::new(shield::InspectConfig::default()).unwrap();
    let q = format!("q={}", v);
    let headers: &[(&str, &[u8])] = &[("host", b"x")];
    let r = s.inspect(&shield::Facts {
        method: "GET",
        path: "/search",
        query: Some(&q),
        headers,
        body: None,
        profile: shield::Profile::Public,
        host_in_authority: false,
    });
    println!(
        "{} score={} {:?}",
        v,
        r.score,
        r.matches
            .iter()
            .map(|m| (m.rule, m.excerpt.clone()))
            .collect::<Vec<_>>()
    );
}
