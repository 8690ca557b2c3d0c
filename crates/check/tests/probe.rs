//! The TLS probes against real OpenSSL servers on loopback: a weak one (TLS 1.0 to 1.2, every
//! suite at security level 0) and a strict one (TLS 1.2 and 1.3, ECDHE with AEAD only).

#![allow(clippy::unwrap_used)] // tests fail loudly on the first surprise

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use check::hello::Version;
use check::net::{Start, Target};
use check::probe::{self, Nudge};
use check::report::Status;
use check::tls_judge;

struct OpenSsl {
    child: Child,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Drop for OpenSsl {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn certificate(dir: &Path, key: &[&str]) {
    let ok = Command::new("openssl")
        .args(["req", "-x509", "-newkey"])
        .args(key)
        .args(["-nodes", "-days", "2", "-subj", "/CN=tls.test"])
        .args(["-addext", "subjectAltName=DNS:tls.test"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .stderr(Stdio::null())
        .status()
        .unwrap()
        .success();
    assert!(ok, "openssl req");
}

fn s_server(key: &[&str], args: &[&str]) -> OpenSsl {
    let dir = tempfile::tempdir().unwrap();
    certificate(dir.path(), key);
    let port = free_port();
    let child = Command::new("openssl")
        .args(["s_server", "-quiet", "-www", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(dir.path().join("cert.pem"))
        .arg("-key")
        .arg(dir.path().join("key.pem"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let start = Instant::now();
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "s_server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    OpenSsl {
        child,
        addr,
        _dir: dir,
    }
}

fn target(addr: SocketAddr) -> Target {
    Target {
        addr,
        host: "tls.test".into(),
        start: Start::Direct,
        timeout: Duration::from_secs(5),
    }
}

fn nudge() -> Nudge {
    Nudge {
        bytes: b"GET / HTTP/1.0\r\n\r\n".to_vec(),
        alpn: vec![],
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_weak_server_is_caught_on_every_count() {
    let server = s_server(
        &["rsa:2048"],
        &[
            "-min_protocol",
            "TLSv1",
            "-max_protocol",
            "TLSv1.2",
            "-cipher",
            "ALL:@SECLEVEL=0",
            "-sigalgs",
            "RSA+SHA1:RSA+SHA256:RSA+SHA384",
        ],
    );
    let p = probe::probe(&target(server.addr), &probe::roots(&[]), &nudge(), now())
        .await
        .unwrap();
    let accepted = p.facts.accepted();
    for v in [Version::Tls12, Version::Tls11, Version::Tls10] {
        assert!(accepted.contains(&v), "{v:?} in {:?}", p.facts.versions);
    }
    assert!(!accepted.contains(&Version::Tls13));
    assert!(!accepted.contains(&Version::Ssl3));
    assert!(
        p.facts.legacy_suites.contains(&0x002F),
        "RSA key transport: {:?}",
        p.facts.legacy_suites
    );
    assert!(
        p.facts.legacy_suites.contains(&0xC02F),
        "{:?}",
        p.facts.legacy_suites
    );
    assert_eq!(p.facts.compression, Some(false));
    assert_eq!(p.facts.secure_reneg, Some(true));
    assert!(!p.chain.is_empty(), "the certificate is read");
    assert!(
        p.untrusted.as_deref().unwrap().contains("not trusted"),
        "{:?}",
        p.untrusted
    );
    let out = tls_judge::judge(&p.facts, &check::web::TLS);
    let get = |code: &str| out.iter().find(|s| s.code == code).unwrap();
    let v = get("web.tls.version");
    assert_eq!(v.status, Status::Fail);
    assert!(v.found.contains("TLS 1.1 and TLS 1.0"), "{v:?}");
    let c = get("web.tls.ciphers");
    assert_eq!(c.status, Status::Fail);
    assert!(c.found.contains("TLS_RSA_WITH_AES_128_CBC_SHA"), "{c:?}");
    let k = get("web.tls.kex-hash");
    assert_eq!(k.status, Status::Warning, "{k:?}");
    assert!(k.found.contains("SHA-1"), "{k:?}");
    // The server picks what the client lists first: a weak suite ahead of a good one wins.
    let o = get("web.tls.cipher-order");
    assert_eq!(o.status, Status::Fail, "{o:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_strict_server_passes_and_its_groups_are_named() {
    let server = s_server(
        &["ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        &[
            "-min_protocol",
            "TLSv1.2",
            "-cipher",
            "ECDHE+AESGCM:ECDHE+CHACHA20",
            "-groups",
            "X25519:P-256:P-384",
            "-sigalgs",
            "ECDSA+SHA256:ECDSA+SHA384",
            "-serverpref",
        ],
    );
    let roots = {
        let pem = std::fs::read(server._dir.path().join("cert.pem")).unwrap();
        let certs: Vec<_> = rustls_pki_types::pem::PemObject::pem_slice_iter(&pem)
            .map(|c: Result<rustls_pki_types::CertificateDer<'static>, _>| c.unwrap())
            .collect();
        probe::roots(&certs)
    };
    let p = probe::probe(&target(server.addr), &roots, &nudge(), now())
        .await
        .unwrap();
    assert_eq!(p.facts.accepted(), vec![Version::Tls13, Version::Tls12]);
    assert_eq!(p.untrusted, None, "trusted through the extra root");
    let groups: Vec<u16> = p.facts.groups.iter().copied().collect();
    assert_eq!(groups, vec![23, 24, 29], "P-256, P-384, x25519");
    assert!(
        p.facts.tls13_suites.contains(&0x1302),
        "{:?}",
        p.facts.tls13_suites
    );
    assert_eq!(p.facts.ems, Some(true));
    let out = tls_judge::judge(&p.facts, &check::web::TLS);
    let hash = out.iter().find(|s| s.code == "web.tls.kex-hash").unwrap();
    assert!(hash.found.contains("SHA-2 only"), "{hash:?}");
    for s in &out {
        assert!(
            matches!(s.status, Status::Pass | Status::Info | Status::NotTested),
            "{s:?}"
        );
    }
}
