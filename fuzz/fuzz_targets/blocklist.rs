//! Blocklist files (plain lists, Spamhaus DROP, FireHOL) from arbitrary text: parsed or
//! refused with an error, never a panic; what parses answers lookups.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(list) = shield::blocklist::Blocklist::parse(&text) {
        let merged = shield::blocklist::Blocklist::union(&[list]);
        for ip in [
            "192.0.2.1",
            "2001:db8::1",
            "0.0.0.0",
            "255.255.255.255",
            "::",
        ] {
            if let Ok(ip) = ip.parse() {
                let _ = merged.contains(ip);
            }
        }
    }
});
