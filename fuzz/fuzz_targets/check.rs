//! What servers and the DNS send the self-check (a TLS first flight, headers, security.txt, SPF,
//! DMARC, MTA-STS and TLS-RPT text, SMTP is in `check::net`'s own tests): a verdict or a plain
//! error, never a panic, an overflow or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
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
});
