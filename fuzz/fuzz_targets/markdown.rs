//! What an editor writes, from arbitrary text: Markdown becomes sanitised HTML, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let html = cms::markdown::to_safe_html(&text);
    // The sanitiser's promise, checked on everything the fuzzer finds.
    assert!(!html.to_ascii_lowercase().contains("<script"), "{html}");
});
