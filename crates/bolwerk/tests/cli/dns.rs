//! `bolwerk dns plan | apply | check` against a real Knot serving a signed test hierarchy.

use std::path::Path;

use testkit::knot::KnotLab;

use crate::{bolwerk, path};

fn write_config(dir: &Path, lab: &KnotLab, key_text: &str) -> std::path::PathBuf {
    let key = dir.join("good.key");
    std::fs::write(&key, key_text).unwrap();
    std::fs::write(dir.join("anchor.key"), &lab.anchor).unwrap();
    let file = dir.join("bolwerk.toml");
    std::fs::write(
        &file,
        format!(
            r#"data_dir = "{d}/data"
[server]
http = "127.0.0.1:0"
[dns]
addresses = ["192.0.2.20", "2001:db8::20"]
caa = ["letsencrypt.org"]
resolver = "{addr}"
trust_anchor_file = "{d}/anchor.key"
[[dns.zone]]
name = "good.test"
server = "{addr}"
key_file = "{key}"
[[site]]
name = "good"
hosts = ["good.test", "www.good.test"]
[[site.form]]
name = "contact"
path = "/contact"
to = ["info@good.test"]
[site.mta_sts]
mode = "enforce"
mx = ["mx.good.test"]
[[site]]
name = "nods"
hosts = ["www.nods.test"]
"#,
            d = dir.display(),
            addr = lab.addr,
            key = key.display(),
        ),
    )
    .unwrap();
    file
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn plan_apply_and_check_against_a_real_knot() {
    let lab = KnotLab::start();
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), &lab, &lab.key_file_text);
    let c = path(&cfg);
    let o = bolwerk(&[
        "dkim",
        "keygen",
        "--config",
        c,
        "--domain",
        "good.test",
        "--selector",
        "k1",
    ]);
    assert!(o.status.success(), "{}", text(&o));

    // The plan: a diff, nothing sent.
    let o = bolwerk(&["dns", "plan", "--config", c]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "changes are waiting: {out}");
    for line in [
        "zone good.test",
        "- www.good.test 60 A 192.0.2.10",
        "+ www.good.test 3600 A 192.0.2.20",
        "+ www.good.test 3600 AAAA 2001:db8::20",
        "+ good.test 3600 CAA 0 issue \"letsencrypt.org\"",
        "+ k1-rsa._domainkey.good.test 3600 TXT \"v=DKIM1; k=rsa; p=",
        "+ _dmarc.good.test 3600 TXT \"v=DMARC1; p=reject",
        "+ _mta-sts.good.test 3600 TXT \"v=STSv1; id=",
        "+ _smtp._tls.good.test 3600 TXT \"v=TLSRPTv1; rua=mailto:",
        "+ mta-sts.good.test 3600 A 192.0.2.20",
        "not in any [[dns.zone]]",
        "www.nods.test 3600 A 192.0.2.20",
    ] {
        assert!(out.contains(line), "{line:?} missing from:\n{out}");
    }
    assert!(
        lab.dig(&["+short", "www.good.test", "A"])
            .contains("192.0.2.10"),
        "plan sent nothing"
    );

    // Not from a terminal and without --yes: refused, nothing sent.
    let o = bolwerk(&["dns", "apply", "--config", c]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("add --yes"), "{}", text(&o));
    assert!(
        lab.dig(&["+short", "www.good.test", "A"])
            .contains("192.0.2.10")
    );

    // A wrong secret: the zone is not changed, and the operator is told why.
    let bad_dir = tempfile::tempdir().unwrap();
    let bad = write_config(bad_dir.path(), &lab, &lab.wrong_key_file_text);
    let o = bolwerk(&["dns", "apply", "--yes", "--config", path(&bad)]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("NOT changed") && out.contains("BADSIG") && out.contains("secret differs"),
        "{out}"
    );
    assert!(
        lab.dig(&["+short", "www.good.test", "A"])
            .contains("192.0.2.10")
    );

    // Sent with the right key: afterwards the plan is empty, the operator's record is still there.
    let o = bolwerk(&["dns", "apply", "--yes", "--config", c]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("good.test: 15 change(s) sent and accepted"),
        "{out}"
    );
    let o = bolwerk(&["dns", "plan", "--config", c]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("in sync"), "{}", text(&o));
    assert!(
        lab.dig(&["+short", "www.good.test", "A"])
            .contains("192.0.2.20")
    );
    assert!(
        lab.dig(&["+short", "operator.good.test", "TXT"])
            .contains("by hand")
    );
    assert!(
        lab.dig(&["+short", "good.test", "A"])
            .contains("192.0.2.20")
    );

    // A retired DKIM key, once removed from Bolwerk, is removed from the zone as well.
    let o = bolwerk(&[
        "dkim",
        "keygen",
        "--config",
        c,
        "--domain",
        "good.test",
        "--selector",
        "k2",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let o = bolwerk(&[
        "dkim",
        "activate",
        "--config",
        c,
        "--domain",
        "good.test",
        "--selector",
        "k2",
        "--force",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let o = bolwerk(&[
        "dkim",
        "remove",
        "--config",
        c,
        "--domain",
        "good.test",
        "--selector",
        "k1",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let o = bolwerk(&["dns", "apply", "--yes", "--config", c]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("- k1-rsa._domainkey.good.test"), "{out}");
    assert!(out.contains("+ k2-ed25519._domainkey.good.test"), "{out}");
    assert!(
        lab.dig(&["+short", "k1-rsa._domainkey.good.test", "TXT"])
            .trim()
            .is_empty()
    );
    assert!(
        lab.dig(&["+short", "k2-rsa._domainkey.good.test", "TXT"])
            .contains("DKIM1")
    );

    // DNSSEC: good.test is secure to its records; www.nods.test has no DS at its parent.
    let o = bolwerk(&["dns", "check", "--config", c]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("www.good.test: secure  [. → test → good.test]"),
        "{out}"
    );
    assert!(out.contains("www.nods.test: NOT SIGNED"), "{out}");
    assert!(
        out.contains("no-ds: nods.test is signed, but test has no DS record"),
        "{out}"
    );
    let o = bolwerk(&["dns", "check", "--config", c, "wrongds.test"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("BROKEN") && out.contains("ds-mismatch"),
        "{out}"
    );
    let o = bolwerk(&["dns", "check", "--config", c, "--json", "good.test"]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["status"], "secure");
    assert!(v[0]["earliest_expiry"].as_u64().unwrap() > 0);
}
