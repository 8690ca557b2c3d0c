//! `bolwerk cert status` and `bolwerk cert renew`.

use crate::{bolwerk, path};

#[test]
fn status_shows_each_sites_certificate_and_renew_asks_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // The demo's data directory: one site with a self-signed certificate from files.
    let out = bolwerk(&["cert", "status", "--data-dir", path(&data)]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("demo (files)"), "{text}");
    assert!(text.contains("names:   localhost, 127.0.0.1"), "{text}");
    assert!(text.contains("days left"), "{text}");
    let json = bolwerk(&["cert", "status", "--json", "--data-dir", path(&data)]);
    let line: serde_json::Value = serde_json::from_str(
        String::from_utf8_lossy(&json.stdout)
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(line["source"], "files");
    assert!(line["days_left"].as_i64().unwrap() > 300);

    // A site with files cannot be renewed from here; an ACME site gets a request the
    // running server picks up.
    let refused = bolwerk(&["cert", "renew", "demo", "--data-dir", path(&data)]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("takes its certificate from files"));
    let cfg = dir.path().join("acme.toml");
    std::fs::write(
        &cfg,
        format!(
            "data_dir = {:?}\n[server]\nhttp = \"127.0.0.1:0\"\nhttps = \"127.0.0.1:0\"\n[acme]\ncontact = \"ops@example.org\"\n[[site]]\nname = \"shop\"\nhosts = [\"shop.example\"]\ntls_acme = true\n",
            path(&data)
        ),
    )
    .unwrap();
    let check = bolwerk(&["config", "check", path(&cfg)]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let renew = bolwerk(&["cert", "renew", "shop", "--config", path(&cfg)]);
    assert!(
        renew.status.success(),
        "{}",
        String::from_utf8_lossy(&renew.stderr)
    );
    assert!(data.join("acme/shop/renew-requested").exists());
    let unknown = bolwerk(&["cert", "renew", "nope", "--config", path(&cfg)]);
    assert!(!unknown.status.success());
    // No certificate yet (the server makes a stand-in when it starts): status says so, fails.
    let status = bolwerk(&["cert", "status", "--config", path(&cfg)]);
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(
        text.contains("shop (acme)") && text.contains("error:"),
        "{text}"
    );
    assert!(text.contains("last ACME attempt: none yet"), "{text}");
    assert!(!status.status.success());
}
