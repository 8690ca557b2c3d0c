//! security.txt (RFC 9116) on every host of a site, and the MTA-STS policy (RFC 8461) on
//! `mta-sts.<mail domain>` only, over HTTP/1.1 and HTTP/2.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use cms::security_txt::SecurityTxtConfig;
use mail::mta_sts::{Mode, MtaStsConfig};
use testkit::{TestServer, test_config};

const MTA_STS_HOST: &str = "mta-sts.delinde.example";
const POLICY: &str = "version: STSv1\r\nmode: enforce\r\nmx: mx1.delinde.example\r\nmx: *.mail.delinde.example\r\nmax_age: 86400\r\n";

/// One response, read whole.
struct Got {
    status: u16,
    headers: hyper::HeaderMap,
    body: String,
}

impl Got {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }
}

/// `method path` over TLS with SNI `sni` (the certificate checked against `cert`) and `host`
/// as the request's host (`Host` over HTTP/1.1, `:authority` over HTTP/2).
async fn fetch(
    s: &TestServer,
    cert: &Path,
    h2: bool,
    sni: &str,
    host: &str,
    method: &str,
    path: &str,
) -> Got {
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls_pki_types::CertificateDer::pem_file_iter(cert).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    tls.alpn_protocols = vec![if h2 {
        b"h2".to_vec()
    } else {
        b"http/1.1".to_vec()
    }];
    let tcp = tokio::net::TcpStream::connect(s.https_addr).await.unwrap();
    let name = rustls_pki_types::ServerName::try_from(sni.to_string()).unwrap();
    let stream = tokio_rustls::TlsConnector::from(Arc::new(tls))
        .connect(name, tcp)
        .await
        .unwrap_or_else(|e| panic!("TLS to {sni}: {e}"));
    let io = hyper_util::rt::TokioIo::new(stream);
    let res = if h2 {
        let (mut send, conn) =
            hyper::client::conn::http2::handshake(hyper_util::rt::TokioExecutor::new(), io)
                .await
                .unwrap();
        tokio::spawn(conn);
        let req = hyper::Request::builder()
            .method(method)
            .uri(format!("https://{host}{path}"))
            .body(String::new())
            .unwrap();
        send.send_request(req).await.unwrap()
    } else {
        let (mut send, conn) = hyper::client::conn::http1::handshake(io).await.unwrap();
        tokio::spawn(conn);
        let req = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("host", host)
            .body(String::new())
            .unwrap();
        send.send_request(req).await.unwrap()
    };
    let want = if h2 {
        hyper::Version::HTTP_2
    } else {
        hyper::Version::HTTP_11
    };
    assert_eq!(res.version(), want);
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = axum::body::to_bytes(axum::body::Body::new(res.into_body()), 1 << 20)
        .await
        .unwrap();
    Got {
        status,
        headers,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}

/// The values of the `name:` lines of a security.txt, in order.
fn field<'a>(body: &'a str, name: &str) -> Vec<&'a str> {
    body.lines()
        .filter_map(|l| l.strip_prefix(name)?.strip_prefix(": "))
        .collect()
}

/// `2027-05-26T10:00:00Z` to Unix seconds; panics on anything else (RFC 3339 in UTC is what
/// RFC 9116 §2.5.5 asks for).
fn rfc3339(v: &str) -> i64 {
    let (date, time) = v.split_once('T').expect("T between date and time");
    let time = time.strip_suffix('Z').expect("UTC, written Z");
    let hms: Vec<i64> = time.split(':').map(|p| p.parse().unwrap()).collect();
    assert_eq!(hms.len(), 3, "{v}");
    assert!(time.len() == 8, "{v}");
    cms::date::parse_iso(date).expect("a date") + hms[0] * 3600 + hms[1] * 60 + hms[2]
}

fn demo_cert(s: &TestServer) -> PathBuf {
    s.config.sites[0].tls_cert_file.clone().unwrap()
}

#[tokio::test]
async fn security_txt_names_the_contacts_and_an_expiry_counted_from_now_on_every_host() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = test_config(dir.path());
    config.sites[0].security_txt = Some(SecurityTxtConfig {
        contact: vec![
            "mailto:security@delinde.example".into(),
            "https://delinde.example/melden".into(),
        ],
        expires_days: 30,
        policy: Some("https://delinde.example/beleid".into()),
        ..SecurityTxtConfig::default()
    });
    let s = TestServer::start_in(dir, config).await;
    let cert = demo_cert(&s);
    for h2 in [false, true] {
        for host in ["localhost", "127.0.0.1"] {
            let what = format!("{host}, h2: {h2}");
            let before = s.clock.now();
            let got = fetch(
                &s,
                &cert,
                h2,
                "localhost",
                host,
                "GET",
                "/.well-known/security.txt",
            )
            .await;
            assert_eq!(got.status, 200, "{what}");
            assert_eq!(
                got.header("content-type"),
                Some("text/plain; charset=utf-8"),
                "{what}"
            );
            assert!(got.header("set-cookie").is_none(), "{what}: no cookie");
            assert_eq!(got.header("cache-control"), Some("max-age=3600"), "{what}");
            assert!(got.header("strict-transport-security").is_some(), "{what}");
            let b = &got.body;
            assert_eq!(
                field(b, "Contact"),
                [
                    "mailto:security@delinde.example",
                    "https://delinde.example/melden"
                ],
                "{what}: {b}"
            );
            assert_eq!(field(b, "Preferred-Languages"), ["nl, en"], "{b}");
            assert_eq!(
                field(b, "Policy"),
                ["https://delinde.example/beleid"],
                "{b}"
            );
            assert_eq!(
                field(b, "Canonical"),
                [format!("https://{host}/.well-known/security.txt")],
                "{what}: the host asked"
            );
            let expires = field(b, "Expires");
            assert_eq!(expires.len(), 1, "{b}");
            let at = rfc3339(expires[0]);
            assert!(
                (before + 30 * 86_400..=s.clock.now() + 30 * 86_400).contains(&at),
                "{what}: Expires {} is not 30 days from now",
                expires[0]
            );
        }
    }
    // Always fresh: a month later, it still expires a month ahead.
    s.clock.advance(31 * 86_400);
    let later = fetch(
        &s,
        &cert,
        false,
        "localhost",
        "localhost",
        "GET",
        "/.well-known/security.txt",
    )
    .await;
    let at = rfc3339(field(&later.body, "Expires")[0]);
    assert!(at >= s.clock.now() + 30 * 86_400 - 5, "{}", later.body);
    // HEAD has the headers and no body.
    let head = fetch(
        &s,
        &cert,
        true,
        "localhost",
        "localhost",
        "HEAD",
        "/.well-known/security.txt",
    )
    .await;
    assert_eq!((head.status, head.body.as_str()), (200, ""));
    // A host no site has learns nothing.
    let other = fetch(
        &s,
        &cert,
        false,
        "localhost",
        "other.example",
        "GET",
        "/.well-known/security.txt",
    )
    .await;
    assert_eq!(other.status, 421);
    assert!(!other.body.contains("security@"), "{}", other.body);
}

#[tokio::test]
async fn without_a_table_the_alert_addresses_are_the_contact_and_the_root_file_redirects() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = test_config(dir.path());
    config.mail.alerts_to = vec!["beheer@agency.example".into()];
    let s = TestServer::start_in(dir, config).await;
    let cert = demo_cert(&s);
    let got = fetch(
        &s,
        &cert,
        false,
        "localhost",
        "localhost",
        "GET",
        "/.well-known/security.txt",
    )
    .await;
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(
        field(&got.body, "Contact"),
        ["mailto:beheer@agency.example"]
    );
    assert_eq!(field(&got.body, "Preferred-Languages"), ["nl, en"]);
    let at = rfc3339(field(&got.body, "Expires")[0]);
    let days = (at - s.clock.now()) as f64 / 86_400.0;
    assert!(
        (179.9..=180.0).contains(&days),
        "default 180 days, got {days}"
    );
    // The legacy location sends the visitor on (RFC 9116 §3), over both protocols.
    for h2 in [false, true] {
        let root = fetch(
            &s,
            &cert,
            h2,
            "localhost",
            "localhost",
            "GET",
            "/security.txt",
        )
        .await;
        assert_eq!(root.status, 301, "h2: {h2}");
        assert_eq!(root.header("location"), Some("/.well-known/security.txt"));
        assert!(root.header("set-cookie").is_none());
    }
}

#[tokio::test]
async fn no_contact_anywhere_means_no_security_txt() {
    let s = TestServer::start().await;
    assert!(s.config.mail.alerts_to.is_empty() && s.config.sites[0].security_txt.is_none());
    let cert = demo_cert(&s);
    for path in ["/.well-known/security.txt", "/security.txt"] {
        let got = fetch(&s, &cert, false, "localhost", "localhost", "GET", path).await;
        assert_eq!(got.status, 404, "{path}");
        assert!(!got.body.contains("Contact:"), "{path}: {}", got.body);
        assert!(got.header("set-cookie").is_none());
    }
}

#[tokio::test]
async fn over_plain_http_security_txt_is_redirected_like_every_page() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = test_config(dir.path());
    config.server.redirect_http = true;
    config.mail.alerts_to = vec!["beheer@agency.example".into()];
    let s = TestServer::start_in(dir, config).await;
    let res = s
        .client
        .get(format!("{}/.well-known/security.txt", s.http_url))
        .header("host", "localhost")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 301);
    assert_eq!(
        res.headers()["location"],
        format!(
            "https://localhost:{}/.well-known/security.txt",
            s.https_addr.port()
        )
        .as_str()
    );
}

/// The demo site with an MTA-STS policy and a certificate that covers its `mta-sts.` host.
async fn with_mta_sts(redirect_http: bool) -> (TestServer, PathBuf) {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = test_config(dir.path());
    config.server.redirect_http = redirect_http;
    let names: Vec<String> = ["localhost", "127.0.0.1", MTA_STS_HOST]
        .map(String::from)
        .into();
    let (cert, key) = server::tls::ensure_self_signed(&dir.path().join("tls-sts"), &names).unwrap();
    let site = &mut config.sites[0];
    (site.tls_cert_file, site.tls_key_file) = (Some(cert.clone()), Some(key));
    site.mta_sts = Some(MtaStsConfig {
        mode: Mode::Enforce,
        mx: vec![
            "mx1.delinde.example".into(),
            "*.mail.delinde.example".into(),
        ],
        max_age_s: 86_400,
    });
    assert_eq!(site.mta_sts_host().as_deref(), Some(MTA_STS_HOST));
    (TestServer::start_in(dir, config).await, cert)
}

#[tokio::test]
async fn the_mta_sts_policy_is_served_byte_exact_on_its_own_host() {
    let (s, cert) = with_mta_sts(false).await;
    let policy = s.config.sites[0].mta_sts.as_ref().unwrap().policy_text();
    assert_eq!(policy, POLICY);
    for h2 in [false, true] {
        let got = fetch(
            &s,
            &cert,
            h2,
            MTA_STS_HOST,
            MTA_STS_HOST,
            "GET",
            "/.well-known/mta-sts.txt",
        )
        .await;
        assert_eq!(got.status, 200, "h2: {h2}");
        assert_eq!(got.body, POLICY, "h2: {h2}");
        assert_eq!(
            got.header("content-type"),
            Some("text/plain"),
            "RFC 8461 §3.2"
        );
        assert!(got.header("set-cookie").is_none());
        assert!(
            got.header("location").is_none(),
            "senders follow no redirect"
        );
        // Nothing else lives on that host: no page, stylesheet, admin or security.txt.
        for path in [
            "/",
            "/about",
            "/assets/site.css",
            "/_admin/login",
            "/.well-known/security.txt",
            "/.well-known/mta-sts.txt/",
            "/.well-known/mta-sts.txtx",
        ] {
            let other = fetch(&s, &cert, h2, MTA_STS_HOST, MTA_STS_HOST, "GET", path).await;
            assert_eq!(other.status, 404, "{path}, h2: {h2}");
            assert!(
                !other.body.contains("De Linde") && !other.body.contains("Sign in"),
                "{path}: {}",
                other.body
            );
        }
        let post = fetch(
            &s,
            &cert,
            h2,
            MTA_STS_HOST,
            MTA_STS_HOST,
            "POST",
            "/.well-known/mta-sts.txt",
        )
        .await;
        assert_eq!(post.status, 405, "h2: {h2}");
        // The site's own hosts have no policy: it lives on the mta-sts host only.
        let site = fetch(
            &s,
            &cert,
            h2,
            "localhost",
            "localhost",
            "GET",
            "/.well-known/mta-sts.txt",
        )
        .await;
        assert_eq!(site.status, 404, "h2: {h2}");
        assert!(!site.body.contains("STSv1"), "{}", site.body);
    }
}

#[tokio::test]
async fn the_mta_sts_policy_is_never_served_over_plain_http() {
    let (s, _cert) = with_mta_sts(true).await;
    for path in ["/.well-known/mta-sts.txt", "/"] {
        let res = s
            .client
            .get(format!("{}{path}", s.http_url))
            .header("host", MTA_STS_HOST)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 301, "{path}: the same redirect as every host");
        assert_eq!(
            res.headers()["location"],
            format!("https://{MTA_STS_HOST}:{}{path}", s.https_addr.port()).as_str()
        );
        assert!(!res.text().await.unwrap().contains("STSv1"));
    }
}

#[tokio::test]
async fn an_acme_site_asks_for_its_mta_sts_host_and_serves_it_from_the_start() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = test_config(dir.path());
    // No CA answers here: the site runs on its stand-in, which already names every host.
    config.acme.directory = "https://127.0.0.1:9/directory".into();
    config.acme.contact = Some("beheer@agency.example".into());
    let site = &mut config.sites[0];
    (site.tls_cert_file, site.tls_key_file, site.tls_acme) = (None, None, true);
    site.mta_sts = Some(MtaStsConfig {
        mx: vec!["mx1.delinde.example".into()],
        ..MtaStsConfig::default()
    });
    let acme = server::acme::sites(&config);
    assert!(
        acme[0].hosts.iter().any(|h| h == MTA_STS_HOST),
        "{:?}",
        acme[0].hosts
    );
    let s = TestServer::start_in(dir, config).await;
    let stand_in = acme[0].cert_file();
    let info = server::acme::cert_info(&stand_in).unwrap();
    assert!(
        info.names.iter().any(|n| n == MTA_STS_HOST),
        "{:?}",
        info.names
    );
    let got = fetch(
        &s,
        &stand_in,
        true,
        MTA_STS_HOST,
        MTA_STS_HOST,
        "GET",
        "/.well-known/mta-sts.txt",
    )
    .await;
    assert_eq!(got.status, 200);
    assert!(
        got.body.starts_with("version: STSv1\r\nmode: testing\r\n"),
        "{}",
        got.body
    );
}

fn problems(toml: &str) -> Vec<(String, String)> {
    let base = "[server]\nhttp = \"127.0.0.1:0\"\n[[site]]\nname = \"a\"\nhosts = [\"a.example\", \"www.a.example\"]\n";
    match server::Config::from_text(None, Path::new("bolwerk.toml"), &format!("{base}{toml}")) {
        Ok(_) => Vec::new(),
        Err(e) => e.problems,
    }
}

fn named(problems: &[(String, String)], key: &str, words: &str) -> bool {
    problems.iter().any(|(k, m)| k == key && m.contains(words))
}

#[test]
fn bad_mta_sts_settings_are_named() {
    let good = "[site.mta_sts]\nmode = \"enforce\"\nmx = [\"mx1.a.example\", \"*.a.example\"]\n";
    assert_eq!(problems(good), []);
    let p = problems("[site.mta_sts]\nmode = \"strict\"\nmx = [\"mx1.a.example\"]\n");
    assert!(
        named(&p, "site[0].mta_sts.mode", "unknown variant `strict`"),
        "{p:?}"
    );
    let p = problems("[site.mta_sts]\nmx = [\"mx1.a.example\"]\nmax_age_s = 3600\n");
    assert!(named(&p, "site[0].mta_sts.max_age_s", "86400"), "{p:?}");
    let p = problems("[site.mta_sts]\nmx = [\"mx1.a.example\"]\nmax_age_s = 40000000\n");
    assert!(named(&p, "site[0].mta_sts.max_age_s", "31557600"), "{p:?}");
    let p = problems("[site.mta_sts]\nmode = \"testing\"\n");
    assert!(named(&p, "site[0].mta_sts.mx", "MX hosts"), "{p:?}");
    let p = problems("[site.mta_sts]\nmx = [\"mx one.a.example\", \"a.*.example\"]\n");
    assert!(
        named(&p, "site[0].mta_sts.mx[0]", "not a host name"),
        "{p:?}"
    );
    assert!(
        named(&p, "site[0].mta_sts.mx[1]", "not a host name"),
        "{p:?}"
    );
    // The policy host is not a page host, of this site or another.
    let p = problems(
        "[site.mta_sts]\nmx = [\"mx1.a.example\"]\n[[site]]\nname = \"b\"\nhosts = [\"mta-sts.a.example\"]\n",
    );
    assert!(
        !p.is_empty() && p.iter().any(|(_, m)| m.contains("mta-sts.a.example")),
        "{p:?}"
    );
}

#[test]
fn bad_security_txt_settings_are_named() {
    let good = "[site.security_txt]\ncontact = [\"mailto:sec@a.example\"]\nexpires_days = 90\n";
    assert_eq!(problems(good), []);
    let p =
        problems("[site.security_txt]\ncontact = [\"sec@a.example\", \"http://a.example/x\"]\n");
    assert!(
        named(&p, "site[0].security_txt.contact[0]", "mailto: or https:"),
        "{p:?}"
    );
    assert!(
        named(&p, "site[0].security_txt.contact[1]", "mailto: or https:"),
        "{p:?}"
    );
    let p = problems(
        "[site.security_txt]\ncontact = [\"mailto:sec@a.example\\r\\nHiring: https://x.example\"]\n",
    );
    assert!(
        named(&p, "site[0].security_txt.contact[0]", "one line"),
        "{p:?}"
    );
    let p =
        problems("[site.security_txt]\ncontact = [\"mailto:sec@a.example\"]\nexpires_days = 400\n");
    assert!(
        named(&p, "site[0].security_txt.expires_days", "365"),
        "{p:?}"
    );
    let p = problems("[site.security_txt]\nexpires_days = 90\n");
    assert!(
        named(&p, "site[0].security_txt.contact", "mail.alerts_to"),
        "{p:?}"
    );
    let with_alerts = "[mail]\nalerts_to = [\"beheer@a.example\"]\n[[site]]\nname = \"b\"\nhosts = [\"b.example\"]\n[site.security_txt]\nexpires_days = 90\n";
    assert_eq!(
        problems(with_alerts),
        [],
        "the alert addresses are the contact"
    );
}
