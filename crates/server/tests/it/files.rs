//! The data directory is Bolwerk's alone: directories 0700, files 0600 (issue 12, item 10).
//! These run in the test process, whose umask (022) would leave new files 0644: what they
//! check is the server's own doing, not the binary's umask (`bolwerk/tests/cli/demo.rs`
//! checks that).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use store::Role;
use testkit::TestServer;

/// A real 1×1 PNG.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99=\x1d\0\0\0\0IEND\xaeB`\x82";

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
}

/// `root` and everything below it.
fn tree(root: &Path) -> Vec<PathBuf> {
    let mut out = vec![root.to_path_buf()];
    let mut i = 0;
    while i < out.len() {
        if out[i].is_dir() {
            let mut below: Vec<PathBuf> = std::fs::read_dir(&out[i])
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            below.sort();
            out.extend(below);
        }
        i += 1;
    }
    out
}

/// Every directory 0700 and every file 0600; returns the paths, relative to `root`.
fn assert_private(root: &Path) -> Vec<String> {
    let mut names = Vec::new();
    for p in tree(root) {
        let want = if p.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode(&p), want, "{} is {:o}", p.display(), mode(&p));
        names.push(p.strip_prefix(root).unwrap().display().to_string());
    }
    names
}

/// A second site with ACME certificates from a CA that cannot be reached: it starts on a
/// stand-in kept in `acme/shop/`.
fn config_with_acme(dir: &Path) -> server::Config {
    let mut config = testkit::test_config(dir);
    let mut shop = config.sites[0].clone();
    shop.name = "shop".into();
    shop.hosts = vec!["shop.example".into()];
    shop.tls_cert_file = None;
    shop.tls_key_file = None;
    shop.tls_acme = true;
    shop.forms = Vec::new();
    config.sites.push(shop);
    config.acme.directory = "https://127.0.0.1:9/directory".into();
    config.acme.contact = Some("ops@example.org".into());
    config.acme.retry_s = 3600;
    config
}

async fn upload(s: &TestServer) {
    let b = crate::admin::signed_in(s, "anneke", Role::Editor).await;
    // Two sites in this config: the editor is given the one uploaded to.
    s.set_sites_of("anneke", &["demo"]).await;
    let csrf = b.csrf().await;
    let res = b
        .upload(
            &format!("/media/upload?csrf={csrf}&site=demo"),
            "logo.png",
            PNG.to_vec(),
        )
        .await;
    assert_eq!(res.status(), 303);
}

#[tokio::test]
async fn a_fresh_data_directory_is_readable_by_its_owner_only() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let data = dir.path().join("data");
    let s = TestServer::start_in(dir.clone(), config_with_acme(&data)).await;
    upload(&s).await;
    let status = data.join("acme/shop/status.json");
    assert!(
        crate::eventually(|| async { status.exists() }).await,
        "the failed ACME attempt is recorded"
    );
    // While the server runs: the database with its -wal and -shm, the demo's certificate, the
    // ACME stand-in, the DKIM keys, the upload.
    let names = assert_private(&data);
    for wanted in [
        "",
        "bolwerk.db",
        "bolwerk.db-wal",
        "bolwerk.db-shm",
        "tls/self-signed-cert.pem",
        "tls/self-signed-key.pem",
        "acme/shop/cert.pem",
        "acme/shop/key.pem",
        "acme/shop/status.json",
        "dkim",
        "media",
    ] {
        assert!(names.iter().any(|n| n == wanted), "{wanted} in {names:?}");
    }
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("media/") && n.ends_with(".png")),
        "{names:?}"
    );
    assert!(
        names.iter().filter(|n| n.starts_with("dkim/")).count() >= 2,
        "{names:?}"
    );
}

#[tokio::test]
async fn what_an_earlier_run_left_readable_is_made_private_on_start() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let data = dir.path().join("data");
    let s = TestServer::start_in(dir.clone(), config_with_acme(&data)).await;
    upload(&s).await;
    s.stop().await;
    // As an older version, a copy or a restore left it: the directory 0755, files 0644.
    for p in tree(&data) {
        let wide = if p.is_dir() { 0o755 } else { 0o644 };
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(wide)).unwrap();
    }
    assert_eq!(mode(&data.join("bolwerk.db")), 0o644);
    let config = {
        let mut c = config_with_acme(&data);
        c.server.http = Some("127.0.0.1:0".parse().unwrap());
        c
    };
    let s = TestServer::start_in(dir.clone(), config).await;
    assert_eq!(s.get("/").await.status(), 200);
    let names = assert_private(&data);
    assert!(
        names.iter().any(|n| n == "bolwerk.db-wal"),
        "SQLite made its -wal with the narrowed mode: {names:?}"
    );
}
