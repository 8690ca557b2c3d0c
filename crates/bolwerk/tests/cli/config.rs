use std::path::Path;

use crate::{bolwerk, path};

fn check(dir: &Path, toml: &str) -> (bool, String) {
    let file = dir.join("bolwerk.toml");
    std::fs::write(&file, toml).unwrap();
    let out = bolwerk(&["config", "check", path(&file)]);
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[test]
fn example_config_is_valid() {
    // The example names files under /etc/bolwerk; make them in a temp dir and point there.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("etc");
    std::fs::create_dir_all(root.join("tls")).unwrap();
    for f in ["db-reader.url", "db-recorder.url", "db-editor.url"] {
        std::fs::write(root.join(f), "mysql://u:p@127.0.0.1/bolwerk").unwrap();
    }
    std::fs::create_dir_all(root.join("dns")).unwrap();
    std::fs::write(
        root.join("dns/bolwerk.key"),
        "key:\n  - id: bolwerk\n    algorithm: hmac-sha256\n    secret: 6CE3ndfhHfnmjAblP5GcHvlGFvLCeh1vXwrjV1TxBkw=\n",
    )
    .unwrap();
    for host in ["bakkerijjansen.nl", "delinde.nl"] {
        std::fs::write(root.join(format!("tls/{host}.crt")), "x").unwrap();
        std::fs::write(root.join(format!("tls/{host}.key")), "x").unwrap();
    }
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../config/example.toml"
    ))
    .unwrap();
    let (ok, text) = check(dir.path(), &example.replace("/etc/bolwerk", path(&root)));
    assert!(ok, "{text}");
    assert!(text.contains(": OK"), "{text}");
}

#[test]
fn bad_configs_get_a_clear_error_naming_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let site = "[[site]]\nname = \"a\"\nhosts = [\"a.example\"]\n";
    let cases: &[(&str, String, &[&str])] = &[
        (
            "unknown key",
            format!("[server]\nhtp = \"0.0.0.0:80\"\n{site}"),
            &["server", "unknown field `htp`"],
        ),
        (
            "bad address",
            format!("[server]\nhttp = \"localhost:80x\"\n{site}"),
            &["server.http", "invalid socket address"],
        ),
        ("syntax", "[server\nhttp = 1".to_string(), &["line 1"]),
        (
            "wrong type",
            format!("[server]\nhttp = \"127.0.0.1:80\"\nworkers = \"four\"\n{site}"),
            &["server.workers", "invalid type"],
        ),
        (
            "no sites",
            "[server]\nhttp = \"127.0.0.1:80\"\n".to_string(),
            &["site", "at least one"],
        ),
        (
            "no listener",
            site.to_string(),
            &["server", "nothing to listen on"],
        ),
        (
            "https without certificate",
            format!("[server]\nhttps = \"127.0.0.1:443\"\n{site}"),
            &["site[0].tls_cert_file", "needs tls_cert_file"],
        ),
        (
            "host on two sites",
            format!(
                "[server]\nhttp = \"127.0.0.1:80\"\n{site}[[site]]\nname = \"b\"\nhosts = [\"a.example\"]\n"
            ),
            &["site[1].hosts", "also a host of site[0]"],
        ),
        (
            "bad host",
            "[server]\nhttp = \"127.0.0.1:80\"\n[[site]]\nname = \"a\"\nhosts = [\"Not A Host\"]\n"
                .to_string(),
            &["site[0].hosts", "not a host name"],
        ),
        (
            "bad database kind",
            format!("[server]\nhttp = \"127.0.0.1:80\"\n[database]\nkind = \"oracle\"\n{site}"),
            &["database", "oracle"],
        ),
        (
            "unknown rule",
            format!(
                "[server]\nhttp = \"127.0.0.1:80\"\n[shield]\ndisabled_rules = [99999]\n{site}"
            ),
            &["shield.disabled_rules", "99999 is not a rule id"],
        ),
        (
            "bad allowlist entry",
            format!(
                "[server]\nhttp = \"127.0.0.1:80\"\n[shield]\nallowlist = [\"10.0.0.0/33\"]\n{site}"
            ),
            &["shield.allowlist[0]", "not an IP address or network"],
        ),
        (
            "bad trusted proxy",
            format!(
                "[server]\nhttp = \"127.0.0.1:80\"\ntrusted_proxies = [\"proxy.example\"]\n{site}"
            ),
            &["server.trusted_proxies[0]", "not an IP address or network"],
        ),
        (
            "missing blocklist",
            format!(
                "[server]\nhttp = \"127.0.0.1:80\"\n[shield]\nblocklists = [\"/nonexistent/drop.txt\"]\n{site}"
            ),
            &["shield.blocklists[0]", "/nonexistent/drop.txt"],
        ),
        (
            "bad shield mode",
            format!("[server]\nhttp = \"127.0.0.1:80\"\n[shield]\nmode = \"maybe\"\n{site}"),
            &["shield.mode", "maybe"],
        ),
        (
            "bad log level",
            format!("[server]\nhttp = \"127.0.0.1:80\"\n[log]\nlevel = \"loud\"\n{site}"),
            &["log.level", "loud"],
        ),
        (
            "plain SMTP to another machine",
            format!("[server]\nhttp = \"127.0.0.1:80\"\n[mail]\nrelay = \"smtp.example.nl:25\"\ntls = \"none\"\n{site}"),
            &["mail.tls", "only allowed for a relay on this machine"],
        ),
        (
            "relay without a port",
            format!("[server]\nhttp = \"127.0.0.1:80\"\n[mail]\nrelay = \"smtp.example.nl\"\n{site}"),
            &["mail.relay", "host:port"],
        ),
        (
            "form with a bad path and recipient",
            format!("[server]\nhttp = \"127.0.0.1:80\"\n{site}[[site.form]]\nname = \"contact\"\npath = \"/assets/x\"\nto = [\"info at a.example\"]\n"),
            &["site[0].form[0].path", "site[0].form[0].to", "not an e-mail address"],
        ),
        (
            "form on a site without a mail domain",
            "[server]\nhttp = \"127.0.0.1:80\"\n[[site]]\nname = \"a\"\nhosts = [\"127.0.0.1\"]\n[[site.form]]\nname = \"contact\"\npath = \"/contact\"\nto = [\"info@a.example\"]\n".to_string(),
            &["site[0].mail_domain", "set mail_domain"],
        ),
        (
            "form field kind",
            format!("[server]\nhttp = \"127.0.0.1:80\"\n{site}[[site.form]]\nname = \"c\"\npath = \"/c\"\nto = [\"i@a.example\"]\n[[site.form.field]]\nname = \"x\"\nlabel = \"X\"\nkind = \"html\"\n"),
            &["site[0].form[0].field[0].kind", "html"],
        ),
    ];
    for (name, toml, wants) in cases {
        let (ok, text) = check(dir.path(), toml);
        assert!(!ok, "{name}: accepted\n{toml}");
        assert!(
            text.contains("bolwerk.toml"),
            "{name}: names the file: {text}"
        );
        for want in *wants {
            assert!(text.contains(want), "{name}: wanted {want:?} in: {text}");
        }
        assert!(!text.contains("panicked"), "{name}: {text}");
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let toml = "[server]\nhttp = \"127.0.0.1:80\"\nmax_connections = 0\n[[site]]\nname = \"bad name!\"\nhosts = []\n";
    let (ok, text) = check(dir.path(), toml);
    assert!(!ok);
    for want in ["server.max_connections", "site[0].name", "site[0].hosts"] {
        assert!(text.contains(want), "{want} in {text}");
    }
}

#[test]
fn missing_config_file() {
    let out = bolwerk(&["serve", "--config", "/nonexistent/bolwerk.toml"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("/nonexistent/bolwerk.toml") && err.contains("cannot read"),
        "{err}"
    );
}
