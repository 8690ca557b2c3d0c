use std::process::Command;

use testkit::TestServer;

#[tokio::test]
async fn https_speaks_http2_and_http1() {
    let s = TestServer::start().await;
    let res = s.get_tls("/").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.version(), reqwest::Version::HTTP_2, "ALPN picks h2");
    let h1 = s
        .tls_client
        .get(format!("{}/about", s.https_url))
        .version(reqwest::Version::HTTP_11)
        .send()
        .await;
    // reqwest may still negotiate h2; what matters is that both succeed.
    assert_eq!(h1.unwrap().status(), 200);
}

/// Real OpenSSL client: TLS 1.2 and 1.3 are accepted, 1.1 and 1.0 refused.
#[tokio::test]
async fn only_tls_12_and_13() {
    let s = TestServer::start().await;
    let connect = format!("127.0.0.1:{}", s.https_addr.port());
    let try_version = move |flag: &str| {
        let out = Command::new("openssl")
            .args([
                "s_client",
                "-connect",
                &connect,
                "-servername",
                "localhost",
                flag,
            ])
            .stdin(std::process::Stdio::null())
            .output()
            .expect("openssl must be installed (scripts/test.sh installs it)");
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
    };
    let (s12, s13, s11) = tokio::task::spawn_blocking(move || {
        (
            try_version("-tls1_2"),
            try_version("-tls1_3"),
            try_version("-tls1_1"),
        )
    })
    .await
    .unwrap();
    assert!(s12.contains("New, TLSv1.2, Cipher is ECDHE"), "{s12}");
    assert!(s13.contains("New, TLSv1.3, Cipher is TLS_"), "{s13}");
    assert!(
        s11.contains("New, (NONE), Cipher is (NONE)") && s11.contains("handshake failure"),
        "{s11}"
    );
}

#[tokio::test]
async fn graceful_stop() {
    let s = TestServer::start().await;
    let addr = s.http_addr;
    assert_eq!(s.get("/").await.status(), 200);
    s.stop().await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "listener closed after stop"
    );
}

/// Runs `openssl s_client` against the server with extra arguments; stdout and stderr.
pub(crate) fn s_client(port: u16, args: &[&str]) -> String {
    let out = Command::new("openssl")
        .args(["s_client", "-connect", &format!("127.0.0.1:{port}")])
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("openssl must be installed (scripts/test.sh installs it)");
    String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
}

/// The SHA-256 fingerprint of the certificate the server presents for `name`.
fn served_fingerprint(port: u16, name: &str) -> String {
    let shown = s_client(port, &["-servername", name]);
    fingerprint_of_pem(&shown)
}

fn fingerprint_of_pem(text: &str) -> String {
    use std::io::Write;
    let mut child = Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A fresh self-signed certificate and key for `name`, made by OpenSSL.
fn new_certificate(dir: &std::path::Path, name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let (cert, key) = (
        dir.join(format!("{name}.crt")),
        dir.join(format!("{name}.key")),
    );
    let ok = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args(["-nodes", "-days", "2", "-subj", &format!("/CN={name}")])
        .args(["-addext", &format!("subjectAltName=DNS:{name}")])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap()
        .status
        .success();
    assert!(ok, "openssl made a certificate");
    (cert, key)
}

#[tokio::test]
async fn weak_protocols_and_suites_are_refused() {
    let s = TestServer::start().await;
    let port = s.https_addr.port();
    let out = tokio::task::spawn_blocking(move || {
        [
            // TLS 1.0, with OpenSSL's own floor lowered so that the server is what refuses.
            s_client(port, &["-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"]),
            // Suites without forward secrecy or without AEAD, over TLS 1.2.
            s_client(
                port,
                &[
                    "-tls1_2",
                    "-cipher",
                    "AES128-SHA:AES256-SHA256:DES-CBC3-SHA:@SECLEVEL=0",
                ],
            ),
            s_client(
                port,
                &[
                    "-tls1_2",
                    "-cipher",
                    "ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384",
                ],
            ),
        ]
    })
    .await
    .unwrap();
    for (what, text) in ["TLS 1.0", "no forward secrecy", "CBC"].iter().zip(&out) {
        assert!(
            text.contains("Cipher is (NONE)") && !text.contains("BEGIN CERTIFICATE"),
            "{what}: {text}"
        );
    }
    // The suites a modern client offers are all forward-secret AEAD ones.
    let good = tokio::task::spawn_blocking(move || {
        s_client(
            port,
            &[
                "-tls1_2",
                "-cipher",
                "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305",
            ],
        )
    })
    .await
    .unwrap();
    assert!(
        good.contains("New, TLSv1.2, Cipher is ECDHE-ECDSA"),
        "{good}"
    );
}

#[tokio::test]
async fn sessions_are_resumed() {
    let s = TestServer::start().await;
    let port = s.https_addr.port();
    let dir = tempfile::tempdir().unwrap();
    let sess = dir.path().join("session.pem");
    let sess = sess.to_str().unwrap().to_string();
    let second = tokio::task::spawn_blocking(move || {
        let first = s_client(
            port,
            &["-tls1_2", "-servername", "localhost", "-sess_out", &sess],
        );
        assert!(first.contains("New, TLSv1.2"), "{first}");
        s_client(
            port,
            &["-tls1_2", "-servername", "localhost", "-sess_in", &sess],
        )
    })
    .await
    .unwrap();
    assert!(second.contains("Reused, TLSv1.2"), "{second}");
}

#[tokio::test]
async fn sni_picks_each_sites_certificate() {
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    let (cert, key) = new_certificate(dir.path(), "second.example");
    let mut second = config.sites[0].clone();
    second.name = "second".into();
    second.hosts = vec!["second.example".into()];
    second.tls_cert_file = Some(cert.clone());
    second.tls_key_file = Some(key);
    config.sites.push(second);
    let first_cert = config.sites[0].tls_cert_file.clone().unwrap();
    let s = TestServer::start_in(dir.clone(), config).await;
    let port = s.https_addr.port();
    let (a, b) = tokio::task::spawn_blocking(move || {
        (
            served_fingerprint(port, "localhost"),
            served_fingerprint(port, "second.example"),
        )
    })
    .await
    .unwrap();
    let file = |p: &std::path::Path| fingerprint_of_pem(&std::fs::read_to_string(p).unwrap());
    assert!(a.starts_with("sha256 Fingerprint="), "{a}");
    assert_eq!(a, file(&first_cert));
    assert_eq!(b, file(&cert));
    assert_ne!(a, b);
}

#[tokio::test]
async fn a_certificate_replaced_on_disk_is_served_without_restart_and_a_broken_one_is_not() {
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.server.tls_reload_s = 1;
    config.metrics.listen = Some("127.0.0.1:0".parse().unwrap());
    let (cert_file, key_file) = (
        config.sites[0].tls_cert_file.clone().unwrap(),
        config.sites[0].tls_key_file.clone().unwrap(),
    );
    let s = TestServer::start_in(dir.clone(), config).await;
    let port = s.https_addr.port();
    let fp = move || served_fingerprint(port, "localhost");
    let before = tokio::task::spawn_blocking(fp).await.unwrap();

    // A renewed certificate (as certbot or an ACME client writes it) is picked up.
    let (new_cert, new_key) = new_certificate(dir.path(), "localhost");
    std::fs::copy(&new_key, &key_file).unwrap();
    std::fs::copy(&new_cert, &cert_file).unwrap();
    let wanted = fingerprint_of_pem(&std::fs::read_to_string(&new_cert).unwrap());
    assert_ne!(before, wanted);
    assert!(
        crate::eventually(|| async { tokio::task::spawn_blocking(fp).await.unwrap() == wanted })
            .await,
        "the new certificate is served without a restart"
    );

    // A broken file is refused, counted, and the certificate in use stays.
    std::fs::write(
        &cert_file,
        "-----BEGIN CERTIFICATE-----\nnot base64 at all\n",
    )
    .unwrap();
    let metrics = s.metrics_url().unwrap();
    assert!(
        crate::eventually(|| async {
            let text = s
                .client
                .get(&metrics)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            text.contains("bolwerk_tls_reload_failures_total 1")
        })
        .await,
        "the refused reload is counted"
    );
    assert_eq!(tokio::task::spawn_blocking(fp).await.unwrap(), wanted);
}

/// The certificate a client is shown, as `openssl x509 -text` prints it.
fn served_certificate_text(port: u16, args: &[&str]) -> String {
    use std::io::Write;
    let shown = s_client(port, args);
    assert!(
        shown.contains("BEGIN CERTIFICATE"),
        "a certificate: {shown}"
    );
    let mut child = Command::new("openssl")
        .args(["x509", "-noout", "-text", "-fingerprint", "-sha256"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(shown.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A client that sends no SNI (one that connects by address) or a name no site has sees a
/// neutral certificate that names none of the sites, and the handshake still succeeds, so the
/// demo stays reachable at `https://127.0.0.1:PORT/`; the sites' names get their certificates.
#[tokio::test]
async fn a_client_naming_no_site_sees_no_site_name() {
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    let (cert, key) = new_certificate(dir.path(), "second.example");
    let mut second = config.sites[0].clone();
    second.name = "second".into();
    second.hosts = vec!["second.example".into()];
    second.tls_cert_file = Some(cert.clone());
    second.tls_key_file = Some(key);
    config.sites.push(second);
    let first_cert = config.sites[0].tls_cert_file.clone().unwrap();
    let s = TestServer::start_in(dir.clone(), config).await;
    let port = s.https_addr.port();
    let (none, unknown, unknown13, known) = tokio::task::spawn_blocking(move || {
        (
            served_certificate_text(port, &["-noservername", "-tls1_2"]),
            served_certificate_text(port, &["-servername", "unknown.example", "-tls1_2"]),
            served_certificate_text(port, &["-servername", "evil.test", "-tls1_3"]),
            served_fingerprint(port, "LOCALHOST"),
        )
    })
    .await
    .unwrap();
    let file = |p: &std::path::Path| fingerprint_of_pem(&std::fs::read_to_string(p).unwrap());
    let sites = [file(&first_cert), file(&cert)];
    for text in [&none, &unknown, &unknown13] {
        for name in [
            "localhost",
            "127.0.0.1",
            "second.example",
            "De Linde",
            "rcgen",
        ] {
            assert!(!text.contains(name), "{name} in {text}");
        }
        assert!(text.contains("DNS:invalid"), "{text}");
        for site in &sites {
            let fp = site.trim_start_matches("sha256 Fingerprint=");
            assert!(!text.contains(fp), "a site's certificate: {text}");
        }
    }
    // The site's name, in any case, still gets the site's certificate.
    assert_eq!(known, sites[0]);
    // And a client by address gets the page after the (expected) warning.
    let out = tokio::task::spawn_blocking(move || {
        Command::new("curl")
            .args(["-sk", "-o", "/dev/null", "-w", "%{http_code}"])
            .arg(format!("https://127.0.0.1:{port}/about"))
            .output()
            .expect("curl")
    })
    .await
    .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "200");
}
