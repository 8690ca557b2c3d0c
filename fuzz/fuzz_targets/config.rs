//! A config file from arbitrary text, alone and over the defaults (as `demo --config` reads
//! it): a config or a list of problems naming the key, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use server::config::Config;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = std::path::Path::new("/nonexistent/bolwerk-fuzz.toml");
    let _ = Config::from_text(None, path, text);
    let _ = Config::from_text(Some(&Config::default()), path, text);
});
