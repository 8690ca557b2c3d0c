//! Runs a request dataset (the JSONL of `../shared/datasets/`, or `bench/honest.jsonl`)
//! through the shield directly, without a server, and prints per category how many attacks
//! and how many benign requests it would block. For tuning rules quickly; the figures in
//! BENCHMARKS.md come from `replay.py` against the running server.
//!
//! ```sh
//! cargo run --release -p shield --example evaluate -- DATASET.jsonl [--show-missed CATEGORY] [--show-blocked CATEGORY]
//! ```

#![allow(clippy::unwrap_used)] // a developer tool: fail loudly on a broken dataset

use std::collections::BTreeMap;

use shield::{Facts, InspectConfig, Profile, Shield};

fn b64(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

struct Req {
    method: String,
    uri: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Option<Vec<u8>>,
}

fn from_raw(raw: &[u8]) -> Option<Req> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let uri = first.next()?.to_string();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().as_bytes().to_vec()))
        .collect();
    let body = raw
        .get(end + 4..)
        .filter(|b| !b.is_empty())
        .map(<[u8]>::to_vec);
    Some(Req {
        method,
        uri,
        headers,
        body,
    })
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let (missed, blocked) = (show("--show-missed"), show("--show-blocked"));
    let shield = Shield::new(InspectConfig::default()).unwrap();
    let mut tally: BTreeMap<String, [u32; 4]> = BTreeMap::new();
    for file in args.iter().filter(|a| a.ends_with(".jsonl")) {
        for line in std::fs::read_to_string(file).unwrap().lines() {
            let r: serde_json::Value = serde_json::from_str(line).unwrap();
            let category = r["category"].as_str().unwrap_or("?").to_string();
            let attack = r["label"] == "attack";
            let req = if let Some(raw) = r["raw_b64"].as_str() {
                match from_raw(&b64(raw)) {
                    Some(q) => q,
                    None => continue,
                }
            } else {
                Req {
                    method: r["method"].as_str().unwrap_or("GET").to_string(),
                    uri: r["uri"].as_str().unwrap_or("/").to_string(),
                    headers: r["headers"]
                        .as_array()
                        .map(|h| {
                            h.iter()
                                .map(|p| {
                                    (
                                        p[0].as_str().unwrap_or("").to_ascii_lowercase(),
                                        p[1].as_str().unwrap_or("").as_bytes().to_vec(),
                                    )
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                    body: r["body"].as_str().map(|b| b.as_bytes().to_vec()),
                }
            };
            // As replay.py --host-header localhost sends it.
            let mut req = req;
            if !req
                .headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("host"))
            {
                req.headers.push(("host".into(), b"localhost".to_vec()));
            }
            let (path, query) = match req.uri.split_once('?') {
                Some((p, q)) => (p.to_string(), Some(q.to_string())),
                None => (req.uri.clone(), None),
            };
            let headers: Vec<(&str, &[u8])> = req
                .headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_slice()))
                .collect();
            let found = shield.inspect(&Facts {
                method: &req.method,
                path: &path,
                query: query.as_deref(),
                headers: &headers,
                body: req.body.as_deref(),
                profile: Profile::Public,
                host_in_authority: false,
            });
            let hit = found.is_attack(shield::DEFAULT_THRESHOLD);
            let t = tally.entry(category.clone()).or_default();
            if attack {
                t[0] += 1;
                t[1] += u32::from(hit);
            } else {
                t[2] += 1;
                t[3] += u32::from(hit);
            }
            let id = r["id"].as_str().unwrap_or("?");
            if attack
                && !hit
                && missed
                    .as_deref()
                    .is_some_and(|c| c == category || c == "all")
            {
                println!(
                    "MISSED {id} {} {} body={:?}",
                    req.method,
                    req.uri,
                    req.body.as_deref().map(String::from_utf8_lossy)
                );
            }
            if hit
                && blocked
                    .as_deref()
                    .is_some_and(|c| c == category || c == "all")
            {
                let label = if attack { "attack" } else { "BENIGN" };
                println!(
                    "BLOCKED {label} {id} rules={:?} {} {}",
                    found.rule_ids(),
                    req.method,
                    req.uri
                );
            }
        }
    }
    let pct = |a: u32, b: u32| {
        if b == 0 {
            0.0
        } else {
            100.0 * f64::from(a) / f64::from(b)
        }
    };
    println!(
        "{:<14} {:>8} {:>8} {:>8} {:>8}",
        "category", "attacks", "TPR %", "benign", "FPR %"
    );
    let mut all = [0u32; 4];
    for (c, t) in &tally {
        println!(
            "{c:<14} {:>8} {:>8.1} {:>8} {:>8.1}",
            t[0],
            pct(t[1], t[0]),
            t[2],
            pct(t[3], t[2])
        );
        for i in 0..4 {
            all[i] += t[i];
        }
    }
    println!(
        "{:<14} {:>8} {:>8.1} {:>8} {:>8.1}",
        "all",
        all[0],
        pct(all[1], all[0]),
        all[2],
        pct(all[3], all[2])
    );
}
