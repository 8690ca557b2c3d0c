//! `bolwerk dkim ...` and `bolwerk mail records --check` against a real DNS server.

use std::os::unix::fs::PermissionsExt;

use crate::{bolwerk, path};

fn run(args: &[&str]) -> (bool, String) {
    let out = bolwerk(args);
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// The TXT values `dkim status` prints for key set `set`: (name, value) pairs.
fn records_of(text: &str, set: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    lines
        .windows(2)
        .filter_map(|w| {
            let name = w[0].trim().strip_prefix("TXT ")?;
            name.starts_with(&format!("{set}-"))
                .then(|| (name.to_string(), w[1].trim().trim_matches('"').to_string()))
        })
        .collect()
}

#[test]
fn keys_are_made_switched_only_when_published_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut dns = testkit::DnsServer::start();
    let cfg = dir.path().join("bolwerk.toml");
    std::fs::write(
        &cfg,
        format!(
            "data_dir = {:?}\n[server]\nhttp = \"127.0.0.1:0\"\n[mail]\ndns = \"{}\"\nrelay = \"smtp.provider.example:587\"\n[[site]]\nname = \"shop\"\nhosts = [\"www.shop.example\"]\n[[site.form]]\nname = \"contact\"\npath = \"/contact\"\nto = [\"info@shop.example\"]\n",
            data, dns.addr
        ),
    )
    .unwrap();
    let c = path(&cfg);
    let (ok, text) = run(&[
        "dkim",
        "keygen",
        "--config",
        c,
        "--domain",
        "shop.example",
        "--selector",
        "one",
    ]);
    assert!(ok, "{text}");
    assert!(
        text.contains("signs shop.example's mail from now on"),
        "{text}"
    );
    assert!(text.contains("one-rsa._domainkey.shop.example"), "{text}");
    assert!(text.contains("v=DKIM1; k=ed25519; p="), "{text}");
    let mode = std::fs::metadata(data.join("dkim/shop.example/one/rsa.der"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let (ok, text) = run(&[
        "dkim",
        "keygen",
        "--config",
        c,
        "--domain",
        "shop.example",
        "--selector",
        "two",
    ]);
    assert!(ok, "{text}");
    assert!(
        text.contains("bolwerk dkim activate --domain shop.example --selector two"),
        "{text}"
    );

    // Not in the DNS yet: refused, exit 1, and nothing changes.
    let (ok, text) = run(&[
        "dkim",
        "activate",
        "--config",
        c,
        "--domain",
        "shop.example",
        "--selector",
        "two",
    ]);
    assert!(!ok);
    assert!(text.contains("no DKIM record is published"), "{text}");
    let (_, status) = run(&["dkim", "status", "--config", c]);
    assert!(status.contains("one (signing)"), "{status}");
    // Published: switched, and the old set is retired.
    for (name, value) in records_of(&status, "two") {
        dns.publish(&name, &[&value]);
    }
    let (ok, text) = run(&[
        "dkim",
        "activate",
        "--config",
        c,
        "--domain",
        "shop.example",
        "--selector",
        "two",
    ]);
    assert!(ok, "{text}");
    assert!(text.contains("Retired: one"), "{text}");
    let (ok, text) = run(&[
        "dkim",
        "remove",
        "--config",
        c,
        "--domain",
        "shop.example",
        "--selector",
        "two",
    ]);
    assert!(!ok, "the signing keys cannot be removed: {text}");
    let (ok, text) = run(&[
        "dkim",
        "remove",
        "--config",
        c,
        "--domain",
        "shop.example",
        "--selector",
        "one",
    ]);
    assert!(ok, "{text}");
    assert!(!data.join("dkim/shop.example/one").exists());

    // The whole set of records, checked: SPF follows the relay.
    let (ok, text) = run(&["mail", "records", "--config", c, "--check"]);
    assert!(!ok, "SPF and DMARC are missing: {text}");
    assert!(
        text.contains("v=spf1 a:smtp.provider.example -all"),
        "{text}"
    );
    assert!(text.contains("no SPF record is published"), "{text}");
    dns.publish(
        "shop.example",
        &["v=spf1 include:_spf.provider.example -all"],
    );
    dns.publish(
        "_dmarc.shop.example",
        &["v=DMARC1; p=reject; rua=mailto:dmarc-reports@shop.example"],
    );
    let (ok, text) = run(&["mail", "records", "--config", c, "--check"]);
    assert!(ok, "{text}");
    assert_eq!(
        text.matches("ok: published and correct").count(),
        4,
        "{text}"
    );
}

#[test]
fn bad_names_get_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (ok, text) = run(&[
        "dkim",
        "keygen",
        "--data-dir",
        path(&data),
        "--domain",
        "../etc",
    ]);
    assert!(!ok);
    assert!(text.contains("is not a domain name"), "{text}");
    let (ok, text) = run(&[
        "dkim",
        "keygen",
        "--data-dir",
        path(&data),
        "--domain",
        "shop.example",
        "--selector",
        "Bad Name",
    ]);
    assert!(!ok);
    assert!(text.contains("use lower-case letters"), "{text}");
}

#[test]
fn dmarc_reports_are_imported_once_and_summed_up() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let d = path(&data);
    let sample = |n: &str| format!("{}/../mail/tests/dmarc/{n}", env!("CARGO_MANIFEST_DIR"));
    // Microsoft sends gzip.
    let gz = dir.path().join("microsoft.xml.gz");
    let out = std::process::Command::new("gzip")
        .arg("-c")
        .arg(sample("microsoft.xml"))
        .output()
        .unwrap();
    std::fs::write(&gz, out.stdout).unwrap();
    let hostile = dir.path().join("evil.xml");
    std::fs::write(
        &hostile,
        "<?xml version=\"1.0\"?><!DOCTYPE f [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><feedback>&x;</feedback>",
    )
    .unwrap();
    let (ok, text) = run(&[
        "dmarc",
        "import",
        "--data-dir",
        d,
        &sample("google.xml"),
        path(&gz),
        &sample("yahoo.xml"),
        path(&hostile),
        "/nonexistent/report.xml",
    ]);
    assert!(!ok, "one file was hostile, one missing: {text}");
    assert!(text.contains("imported report 17384729384729384729 from google.com about delinde.example (17 messages, 3 failing DMARC)"), "{text}");
    assert!(text.contains("from Enterprise Outlook"), "{text}");
    assert!(
        text.contains("evil.xml: not imported: the XML declares a DOCTYPE"),
        "{text}"
    );
    assert!(
        text.contains("/nonexistent/report.xml: not imported"),
        "{text}"
    );
    let (ok, text) = run(&["dmarc", "import", "--data-dir", d, &sample("google.xml")]);
    assert!(ok, "{text}");
    assert!(text.contains("already imported"), "{text}");
    // The reports' period lies in 2026-11; ask far enough back.
    let (ok, text) = run(&["dmarc", "report", "--data-dir", d, "--days", "100000"]);
    assert!(ok, "{text}");
    assert!(
        text.contains("delinde.example: 3 reports, 64 messages, 43 failing DMARC"),
        "{text}"
    );
    let forger = text
        .lines()
        .find(|l| l.contains("203.0.113.66"))
        .unwrap_or_default();
    assert!(forger.contains("forges your domain"), "{text}");
    assert!(forger.contains("Yahoo, google.com"), "{text}");
}

#[test]
fn a_test_message_goes_out_signed_through_the_relay() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let sink = testkit::SmtpSink::start(testkit::SmtpOptions::default());
    let cfg = dir.path().join("bolwerk.toml");
    std::fs::write(
        &cfg,
        format!(
            "data_dir = {:?}\n[server]\nhttp = \"127.0.0.1:0\"\n[mail]\nrelay = \"localhost:{}\"\ntls = \"none\"\n[[site]]\nname = \"shop\"\ntitle = \"Shop\"\nhosts = [\"shop.example\"]\n[[site.form]]\nname = \"contact\"\npath = \"/contact\"\nto = [\"info@shop.example\"]\n",
            data, sink.port
        ),
    )
    .unwrap();
    let c = path(&cfg);
    let (ok, text) = run(&["mail", "test", "ops@example.org", "--config", c]);
    assert!(!ok, "no keys yet: {text}");
    assert!(text.contains("has no DKIM keys yet"), "{text}");
    assert!(run(&["dkim", "keygen", "--config", c, "--domain", "shop.example"]).0);
    let (ok, text) = run(&["mail", "test", "ops@example.org", "--config", c]);
    assert!(ok, "{text}");
    assert!(
        text.contains("Sent from noreply@shop.example to ops@example.org"),
        "{text}"
    );
    let got = sink.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].0.matches("DKIM-Signature:").count(),
        2,
        "{}",
        got[0].0
    );
    assert!(
        got[0]
            .0
            .contains("Subject: Bolwerk test message for shop.example")
    );
    let (ok, text) = run(&["mail", "test", "not an address", "--config", c]);
    assert!(!ok);
    assert!(text.contains("recipient address"), "{text}");
}
