//! ACME end to end against Debian's `pebble` test CA on loopback: a site gets its certificate
//! by itself over HTTP-01, renews it on request, and keeps serving it while the CA is down.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use testkit::{TestServer, test_config};

/// Retries `check` for up to 60 s: issuing involves the CA's own retries and backoff. Not
/// a timing assertion; the bound only keeps a broken build from hanging.
async fn eventually<F, Fut>(mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..300 {
        if check().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    false
}

const HOST: &str = "shop.bolwerk.test";

/// A free loopback port (bound and released; the CA and the server take it right after).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn openssl(args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl (scripts/test.sh installs it)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Pebble and its DNS stand-in (every name is 127.0.0.1), stopped on drop.
struct Pebble {
    children: Vec<Child>,
    directory: String,
    /// The root that signs pebble's own HTTPS certificate (trusted by Bolwerk's ACME client).
    https_root: PathBuf,
    listen: SocketAddr,
}

impl Pebble {
    /// The CA, validating HTTP-01 on `http_port` and TLS-ALPN-01 on `tls_port` of loopback.
    fn start(dir: &Path, http_port: u16, tls_port: u16, validity_s: Option<u64>) -> Pebble {
        Pebble::start_with(dir, http_port, tls_port, validity_s, None)
    }

    /// The same, asking `dns` (a real DNS server) instead of the stand-in that says every name
    /// is 127.0.0.1: how DNS-01 answers are looked up.
    ///
    /// The ports are picked free a moment before pebble binds them; a server another test
    /// starts on port 0 can take one in between. Pebble then exits at once, and the port answers
    /// — but not as pebble. So a pebble that exits is started again on new ports.
    fn start_with(
        dir: &Path,
        http_port: u16,
        tls_port: u16,
        validity_s: Option<u64>,
        dns: Option<SocketAddr>,
    ) -> Pebble {
        for _ in 0..5 {
            let mut p = Pebble::spawn(dir, http_port, tls_port, validity_s, dns);
            let start = std::time::Instant::now();
            let up = loop {
                if p.children
                    .iter_mut()
                    .any(|c| matches!(c.try_wait(), Ok(Some(_))))
                {
                    break false;
                }
                if std::net::TcpStream::connect(p.listen).is_ok() {
                    std::thread::sleep(std::time::Duration::from_millis(300));
                    break !p
                        .children
                        .iter_mut()
                        .any(|c| matches!(c.try_wait(), Ok(Some(_))));
                }
                if start.elapsed().as_secs() > 10 {
                    break false;
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            };
            if up {
                return p;
            }
            p.stop();
        }
        panic!("pebble did not start on five sets of ports");
    }

    fn spawn(
        dir: &Path,
        http_port: u16,
        tls_port: u16,
        validity_s: Option<u64>,
        dns: Option<SocketAddr>,
    ) -> Pebble {
        // Pebble's own HTTPS listener needs a certificate; the Debian package ships none.
        let (ca_key, ca) = (dir.join("ca.key"), dir.join("ca.pem"));
        let (key, csr, cert) = (dir.join("p.key"), dir.join("p.csr"), dir.join("p.pem"));
        let ext = dir.join("san.ext");
        std::fs::write(&ext, "subjectAltName=DNS:localhost,IP:127.0.0.1\n").unwrap();
        let s = |p: &Path| p.to_str().unwrap().to_string();
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=pebble test root",
            "-keyout",
            &s(&ca_key),
            "-out",
            &s(&ca),
        ]);
        openssl(&[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
            &s(&key),
            "-out",
            &s(&csr),
        ]);
        openssl(&[
            "x509",
            "-req",
            "-in",
            &s(&csr),
            "-CA",
            &s(&ca),
            "-CAkey",
            &s(&ca_key),
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            &s(&ext),
            "-out",
            &s(&cert),
        ]);
        let (listen_port, mgmt_port, dns_port, chall_mgmt) =
            (free_port(), free_port(), free_port(), free_port());
        let config = dir.join("pebble.json");
        std::fs::write(
            &config,
            serde_json::json!({"pebble": {
                "listenAddress": format!("127.0.0.1:{listen_port}"),
                "managementListenAddress": format!("127.0.0.1:{mgmt_port}"),
                "certificate": s(&cert),
                "privateKey": s(&key),
                "httpPort": http_port,
                "tlsPort": tls_port,
                "ocspResponderURL": "",
                "externalAccountBindingRequired": false,
                "certificateValidityPeriod": validity_s.unwrap_or(157_766_400)
            }})
            .to_string(),
        )
        .unwrap();
        let mut children = Vec::new();
        if dns.is_none() {
            let stand_in = Command::new("pebble-challtestsrv")
                .args(["-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""])
                .args(["-dns01", &format!("127.0.0.1:{dns_port}")])
                .args(["-http01", "", "-https01", "", "-tlsalpn01", ""])
                .args(["-management", &format!("127.0.0.1:{chall_mgmt}")])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("pebble-challtestsrv (package pebble; scripts/test.sh installs it)");
            children.push(stand_in);
        }
        let dns_server = dns.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], dns_port)));
        let server = Command::new("pebble")
            .args([
                "-config",
                &s(&config),
                "-dnsserver",
                &dns_server.to_string(),
            ])
            .env("PEBBLE_VA_NOSLEEP", "1")
            .env("PEBBLE_WFE_NONCEREJECT", "0")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("pebble (scripts/test.sh installs it)");
        let listen: SocketAddr = format!("127.0.0.1:{listen_port}").parse().unwrap();
        children.push(server);
        Pebble {
            children,
            directory: format!("https://127.0.0.1:{listen_port}/dir"),
            https_root: ca,
            listen,
        }
    }

    async fn wait_ready(&self) {
        let addr = self.listen;
        assert!(
            eventually(|| async move { tokio::net::TcpStream::connect(addr).await.is_ok() }).await,
            "pebble listens"
        );
    }

    /// Stops the CA (the DNS stand-in too), as an outage would.
    fn stop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Pebble {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The served certificate for HOST: its issuer line and fingerprint.
fn served(port: u16) -> (String, String) {
    served_for(port, HOST)
}

/// The served certificate for `host`: its issuer line and PEM.
fn served_for(port: u16, host: &str) -> (String, String) {
    let text = crate::tls::s_client(port, &["-servername", host]);
    let issuer = text
        .lines()
        .find(|l| l.contains("i:"))
        .unwrap_or_default()
        .to_string();
    let pem_start = text.find("-----BEGIN CERTIFICATE-----").unwrap_or(0);
    let pem_end = text
        .find("-----END CERTIFICATE-----")
        .map_or(0, |e| e + "-----END CERTIFICATE-----".len());
    (
        issuer,
        text.get(pem_start..pem_end).unwrap_or_default().to_string(),
    )
}

async fn metric(s: &TestServer, name: &str) -> u64 {
    let text = s
        .client
        .get(s.metrics_url().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The demo config with its one site on HOST, certified by `pebble`, checking every second.
fn acme_config(dir: &Path, pebble: &Pebble) -> server::config::Config {
    let mut config = test_config(&dir.join("data"));
    config.data_dir = dir.join("data");
    let site = &mut config.sites[0];
    site.hosts = vec![HOST.into()];
    site.tls_cert_file = None;
    site.tls_key_file = None;
    site.tls_acme = true;
    config.acme.directory = pebble.directory.clone();
    config.acme.ca_file = Some(pebble.https_root.clone());
    config.acme.contact = Some("ops@bolwerk.test".into());
    config.acme.check_interval_s = 1;
    config.acme.retry_s = 1;
    config
}

#[tokio::test]
async fn a_site_gets_renews_and_keeps_its_certificate_from_an_acme_ca() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let http_port = free_port();
    let mut pebble = Pebble::start(dir.path(), http_port, free_port(), None);
    pebble.wait_ready().await;

    let mut config = acme_config(dir.path(), &pebble);
    config.server.http = Some(format!("127.0.0.1:{http_port}").parse().unwrap());
    config.server.redirect_http = true;
    config.metrics.listen = Some("127.0.0.1:0".parse().unwrap());
    // A failed renewal is mailed to the operator.
    let sink = testkit::SmtpSink::start(testkit::SmtpOptions::default());
    config.mail.relay = Some(format!("localhost:{}", sink.port));
    config.mail.tls = mail::TlsMode::None;
    config.mail.alerts_to = vec!["ops@delinde.example".into()];
    config.validate(Path::new("test.toml")).unwrap();
    let s = TestServer::start_in(dir.clone(), config).await;
    let port = s.https_addr.port();
    let get = move || tokio::task::spawn_blocking(move || served(port));

    // HTTPS works from the start with a stand-in; the CA's certificate replaces it.
    let (first_issuer, _) = get().await.unwrap();
    assert!(
        !first_issuer.to_lowercase().contains("pebble"),
        "{first_issuer}"
    );
    assert!(
        eventually(|| async { get().await.unwrap().0.to_lowercase().contains("pebble") }).await,
        "the site got its certificate from the CA"
    );
    let (_, issued) = get().await.unwrap();
    let store = dir.path().join("data/acme/demo");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in ["key.pem", "cert.pem", "status.json", "../account.json"] {
            let mode = std::fs::metadata(store.join(f))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{f}");
        }
    }
    let status = std::fs::read_to_string(store.join("status.json")).unwrap();
    assert!(status.contains("\"last_result\": \"ok\""), "{status}");
    assert_eq!(metric(&s, "bolwerk_acme_certificates_total").await, 1);

    // Renewal on request (what `bolwerk cert renew` asks for): a new certificate is served.
    std::fs::write(store.join("renew-requested"), b"").unwrap();
    assert!(
        eventually(|| async { get().await.unwrap().1 != issued }).await,
        "renewed"
    );
    let (_, renewed) = get().await.unwrap();
    assert_eq!(metric(&s, "bolwerk_acme_certificates_total").await, 2);

    // The CA goes away: the renewal fails, is recorded and counted, the certificate stays.
    pebble.stop();
    std::fs::write(store.join("renew-requested"), b"").unwrap();
    assert!(
        eventually(|| async { metric(&s, "bolwerk_acme_failures_total").await >= 1 }).await,
        "the failed renewal is counted"
    );
    let status = std::fs::read_to_string(store.join("status.json")).unwrap();
    assert!(!status.contains("\"last_result\": \"ok\""), "{status}");
    assert!(status.contains("\"failures\": 1"), "{status}");
    assert_eq!(
        get().await.unwrap().1,
        renewed,
        "the old certificate keeps serving"
    );
    let alerts = sink.wait_for(1, 20).await;
    assert_eq!(alerts.len(), 1, "one alert mail");
    let (msg, envelope) = &alerts[0];
    assert_eq!(envelope["rcpt_tos"][0], "ops@delinde.example");
    assert!(
        msg.contains("Subject: [Bolwerk] certificate of demo not renewed"),
        "{msg}"
    );
    assert!(msg.contains("DKIM-Signature:"), "{msg}");
    // Another failed attempt does not repeat the alert within a day.
    std::fs::write(store.join("renew-requested"), b"").unwrap();
    assert!(
        eventually(|| async { metric(&s, "bolwerk_acme_failures_total").await >= 2 }).await,
        "a second failed attempt"
    );
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(sink.messages().len(), 1);
}

#[tokio::test]
async fn tls_alpn_01_needs_no_http_listener_for_the_check() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let https_port = free_port();
    // The CA's HTTP-01 check would go to a port nobody listens on: only TLS-ALPN-01 can pass.
    // Certificates that live 30 s: renewal with a third left is due after 20 s.
    let pebble = Pebble::start(dir.path(), free_port(), https_port, Some(30));
    pebble.wait_ready().await;
    let mut config = acme_config(dir.path(), &pebble);
    config.server.https = Some(format!("127.0.0.1:{https_port}").parse().unwrap());
    config.acme.challenge = server::config::AcmeChallenge::TlsAlpn01;
    config.validate(Path::new("test.toml")).unwrap();
    let s = TestServer::start_in(dir.clone(), config).await;
    let port = s.https_addr.port();
    assert!(
        eventually(|| async {
            tokio::task::spawn_blocking(move || served(port))
                .await
                .unwrap()
                .0
                .to_lowercase()
                .contains("pebble")
        })
        .await,
        "the site got its certificate over TLS-ALPN-01"
    );
    // Nobody asks: when a third of its lifetime is left, it is renewed by itself.
    let first = tokio::task::spawn_blocking(move || served(port))
        .await
        .unwrap()
        .1;
    let info = server::acme::cert_info(&dir.path().join("data/acme/demo/cert.pem")).unwrap();
    assert!(
        info.not_after - info.not_before <= 31,
        "pebble made a short-lived one"
    );
    assert!(
        eventually(|| async {
            let now = tokio::task::spawn_blocking(move || served(port))
                .await
                .unwrap()
                .1;
            !now.is_empty() && now != first
        })
        .await,
        "renewed before it expired, without being asked"
    );
    // Ordinary visitors never see a challenge certificate: without `acme-tls/1` they get the
    // site's own, and asking for `acme-tls/1` outside a challenge gets no certificate at all.
    let out = tokio::task::spawn_blocking(move || {
        Command::new("openssl")
            .args([
                "s_client",
                "-connect",
                &format!("127.0.0.1:{port}"),
                "-servername",
                HOST,
            ])
            .args(["-alpn", "acme-tls/1"])
            .stdin(Stdio::null())
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(!text.contains("BEGIN CERTIFICATE"), "{text}");
}

/// A TXT record as (owner name, value).
type Txt = (String, String);

/// The `_acme-challenge` TXT records a kjournalprint listing adds and removes, in the order it
/// lists them.
fn challenge_txt(journal: &str) -> (Vec<Txt>, Vec<Txt>) {
    let (mut added, mut removed) = (Vec::new(), Vec::new());
    let mut adding = false;
    for line in journal.lines() {
        match line.trim() {
            ";; Added" => adding = true,
            ";; Removed" => adding = false,
            _ => {}
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        if let [name, _ttl, "TXT", value @ ..] = f.as_slice()
            && name.starts_with("_acme-challenge.")
        {
            let rec = (name.to_string(), value.join(" "));
            if adding {
                added.push(rec)
            } else {
                removed.push(rec)
            }
        }
    }
    (added, removed)
}

#[tokio::test(flavor = "multi_thread")]
async fn dns_01_answers_through_the_zone_and_takes_the_answer_away() {
    let lab = testkit::knot::KnotLab::start();
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let pebble = Pebble::start_with(dir.path(), free_port(), free_port(), None, Some(lab.addr));
    pebble.wait_ready().await;
    let mut config = acme_config(dir.path(), &pebble);
    config.sites[0].hosts = vec!["www.good.test".into(), "good.test".into()];
    config.sites[0].mail_domain = Some("good.test".into());
    config.sites[0].tls_wildcard = true;
    config.acme.challenge = server::config::AcmeChallenge::Dns01;
    let key = dir.path().join("good.key");
    std::fs::write(&key, &lab.key_file_text).unwrap();
    config.dns = toml::from_str(&format!(
        "[[zone]]\nname = \"good.test\"\nserver = \"{0}\"\nkey_file = \"{1}\"\nauthoritative = [\"{0}\"]\n",
        lab.addr,
        key.display()
    ))
    .unwrap();
    config.validate(Path::new("test.toml")).unwrap();
    // A host outside every zone is refused for DNS-01 when the config is checked.
    let mut outside = config.clone();
    outside.sites[0].hosts = vec!["www.elsewhere.test".into()];
    let mut http01 = config.clone();
    http01.acme.challenge = server::config::AcmeChallenge::Http01;
    let e = http01
        .validate(Path::new("test.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("wildcard certificate needs acme.challenge"),
        "{e}"
    );
    let e = outside
        .validate(Path::new("test.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("needs a [[dns.zone]] that holds www.elsewhere.test"),
        "{e}"
    );

    let s = TestServer::start_in(dir.clone(), config).await;
    let port = s.https_addr.port();
    let get = move || tokio::task::spawn_blocking(move || served_for(port, "www.good.test"));
    assert!(
        eventually(|| async { get().await.unwrap().0.to_lowercase().contains("pebble") }).await,
        "the site got its certificate over DNS-01"
    );
    // A wildcard certificate: `*.good.test` in place of www.good.test (proven at the same
    // `_acme-challenge.good.test` as the domain itself).
    let issued = server::acme::cert_info(&dir.path().join("data/acme/demo/cert.pem")).unwrap();
    assert!(
        issued.names.contains(&"*.good.test".to_string()),
        "{:?}",
        issued.names
    );
    assert!(
        !issued.names.contains(&"www.good.test".to_string()),
        "{:?}",
        issued.names
    );
    // Both names were proven at `_acme-challenge.good.test` (a wildcard drops its `*.`): Knot's
    // journal shows each answer added there and later removed again, and nothing anywhere else.
    // The journal is read, not the live zone, because the answers are served only for the
    // moment the CA looks.
    let journal = lab.journal("good.test.");
    let (added, removed) = challenge_txt(&journal);
    let names: std::collections::BTreeSet<&str> = added.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["_acme-challenge.good.test."].into(),
        "answers were published only where both names are proven:\n{journal}"
    );
    assert_eq!(
        added.len(),
        2,
        "one answer for good.test, one for *.good.test:\n{journal}"
    );
    assert_ne!(added[0].1, added[1].1, "two different answers");
    for a in &added {
        assert!(removed.contains(a), "{a:?} was taken out again:\n{journal}");
    }
    assert!(
        lab.dig(&["+short", "_acme-challenge.good.test", "TXT"])
            .trim()
            .is_empty(),
        "no challenge record is served any more"
    );
    assert!(
        lab.dig(&["+short", "operator.good.test", "TXT"])
            .contains("by hand")
    );
    let log = std::fs::read_to_string(lab.dir().join("knotd.log")).unwrap();
    assert!(
        log.contains("_acme-challenge") || log.contains("DDNS"),
        "the update went through Knot"
    );
}
