//! A whole request from arbitrary bytes through normalisation and every rule: the shield must
//! give a verdict, never panic or hang, whatever the path, query, headers and body (urlencoded,
//! multipart, JSON or anything) hold.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

static SHIELD: OnceLock<shield::Shield> = OnceLock::new();

const TYPES: [&str; 5] = [
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=XyZ",
    "application/json",
    "text/plain",
    "application/xml",
];

fuzz_target!(|data: &[u8]| {
    let shield = SHIELD.get_or_init(|| {
        shield::Shield::new(shield::InspectConfig::default()).expect("the built-in rules compile")
    });
    // Parts separated by 0xff: path, query, header name, header value, cookie, body.
    let mut parts = data.split(|b| *b == 0xff);
    let text = |b: Option<&[u8]>| String::from_utf8_lossy(b.unwrap_or_default()).into_owned();
    let kind = data.first().map_or(0, |b| usize::from(*b) % TYPES.len());
    let path = format!("/{}", text(parts.next()));
    let query = text(parts.next());
    let name = text(parts.next()).to_ascii_lowercase();
    let value = parts.next().unwrap_or_default();
    let cookie = parts.next().unwrap_or_default();
    let body = parts.next();
    let headers: Vec<(&str, &[u8])> = vec![
        ("host", b"localhost"),
        ("content-type", TYPES[kind].as_bytes()),
        ("cookie", cookie),
        (name.as_str(), value),
    ];
    let facts = shield::Facts {
        method: if body.is_some() { "POST" } else { "GET" },
        path: &path,
        query: Some(&query),
        headers: &headers,
        body,
        profile: shield::Profile::Public,
        host_in_authority: false,
    };
    let found = shield.inspect(&facts);
    let _ = found.is_attack(shield.config().threshold);
});
