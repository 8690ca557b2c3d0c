//! What the fuzz target `fuzz/fuzz_targets/check.rs` feeds the parsers, run here on its seeds and
//! on a few hundred thousand mutations of them: no input may panic (debug builds also catch
//! overflows). `bench/fuzz.sh 300 check` runs the real, coverage-guided thing.

#![allow(clippy::unwrap_used)]

fn feed(data: &[u8]) {
    if let Ok(flight) = check::hello::Flight::parse(data) {
        let _ = flight.key_exchange();
        let _ = flight.complete(true);
    }
    let text = String::from_utf8_lossy(data);
    let _ = check::csp::problems(&[&text], "example.nl");
    let _ = check::headers::hsts_max_age(&text);
    let _ = check::security_txt::problems(
        &check::security_txt::Fetched {
            path: "/.well-known/security.txt".into(),
            status: Some(200),
            content_type: Some("text/plain".into()),
            body: data.to_vec(),
        },
        1_796_554_800,
    );
    let _ = check::spf::evaluate("example.nl", &text, &Default::default());
    let _ = check::spf::targets(&text);
    if let Some(r) = check::dmarc::Record::parse(&text) {
        let _ = r.rua_hosts();
        let _ = check::dmarc::policy_problem(&r, true);
    }
    let _ = check::policy::parse_policy(&text);
    let _ = check::policy::tls_rpt("example.nl", &Ok(vec![text.to_string()]));
    let _ = check::cert::names(data);
    let _ = check::suites::dh_grade(data, &data[..data.len().min(2)]);
}

#[test]
fn mutated_seeds_never_panic() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/seeds/check");
    let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    assert!(seeds.len() >= 4, "the seeds are there");
    seeds.push(Vec::new());
    // xorshift: the same mutations every run.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for seed in &seeds {
        feed(seed);
        for _ in 0..20_000 {
            let mut m = seed.clone();
            for _ in 0..(next() % 4 + 1) {
                let r = next();
                match r % 4 {
                    0 if !m.is_empty() => {
                        let i = (r >> 8) as usize % m.len();
                        m[i] = (r >> 32) as u8;
                    }
                    1 => {
                        let i = (r >> 8) as usize % (m.len() + 1);
                        m.insert(i, (r >> 32) as u8);
                    }
                    2 if !m.is_empty() => {
                        let i = (r >> 8) as usize % m.len();
                        m.truncate(i);
                    }
                    _ => m.extend_from_slice(b"\xff\x00'*:; "),
                }
            }
            feed(&m);
        }
    }
}
