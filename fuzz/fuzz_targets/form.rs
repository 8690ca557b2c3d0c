//! A contact-form post from arbitrary bytes: the posted pairs are checked (and the token) with a
//! verdict or a list of problems, never a panic.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

static FORM: OnceLock<(cms::form::FormSpec, cms::form::Tokens)> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let (spec, tokens) = FORM.get_or_init(|| {
        (
            cms::form::FormSpec::new("contact", "/contact", vec!["info@example.org".into()]),
            cms::form::Tokens::new(b"a key of thirty-two bytes, fixed"),
        )
    });
    let posted: Vec<(String, String)> = form_urlencoded_pairs(data);
    let _ = cms::form::check_values(spec, &posted);
    if let Some((_, token)) = posted.iter().find(|(n, _)| n == cms::form::TOKEN_FIELD) {
        let _ = tokens.check(token, "site", spec, 1_000_000);
    }
});

/// `a=b&c=d` split by hand (what the server's form parser hands on), percent-decoding left
/// to the values as they are: the checks must cope with any text.
fn form_urlencoded_pairs(data: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(data)
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((n, v)) => (n.to_string(), v.to_string()),
            None => (pair.to_string(), String::new()),
        })
        .collect()
}
