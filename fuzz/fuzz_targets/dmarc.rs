//! DMARC aggregate reports from arbitrary bytes (XML, gzip, zip or a mail): a report or a plain
//! error, never a panic, a hang or a memory blow-up (libFuzzer's RSS limit is 2 GiB).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mail::dmarc::parse(data);
});
