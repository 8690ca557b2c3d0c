use std::io::{Read, Write};

use reqwest::StatusCode;
use testkit::TestServer;

#[tokio::test]
async fn unknown_host_gets_421_and_no_site_content() {
    let s = TestServer::start().await;
    for host in ["other.example", "localhost.evil.example", "127.0.0.2"] {
        let res = s
            .client
            .get(format!("{}/about", s.http_url))
            .header("host", host)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::MISDIRECTED_REQUEST, "{host}");
        let body = res.text().await.unwrap();
        assert!(
            !body.contains("De Linde") && !body.contains("About"),
            "{host}: {body}"
        );
    }
    // Known hosts, with or without port and in any case, are served.
    for host in ["localhost", "LOCALHOST:8080", "127.0.0.1"] {
        let res = s
            .client
            .get(format!("{}/about", s.http_url))
            .header("host", host)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{host}");
    }
}

#[tokio::test]
async fn two_sites_never_mix() {
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    let mut other = config.sites[0].clone();
    other.name = "bakery".into();
    other.title = Some("Bakkerij Jansen".into());
    other.hosts = vec!["bakery.test".into()];
    config.sites.push(other);
    let s = TestServer::start_in(dir, config).await;
    let demo = s.get("/about").await.text().await.unwrap();
    assert!(demo.contains("De Linde"));
    let bakery = s
        .client
        .get(format!("{}/about", s.http_url))
        .header("host", "bakery.test")
        .send()
        .await
        .unwrap();
    assert_eq!(
        bakery.status(),
        StatusCode::NOT_FOUND,
        "the bakery has no /about"
    );
    assert!(bakery.text().await.unwrap().contains("Bakkerij Jansen"));
    let home = s
        .client
        .get(format!("{}/", s.http_url))
        .header("host", "bakery.test")
        .send()
        .await
        .unwrap();
    let home = home.text().await.unwrap();
    assert!(
        home.contains("being built") && !home.contains("De Linde"),
        "{home}"
    );
}

#[tokio::test]
async fn request_without_host_is_refused() {
    let s = TestServer::start().await;
    let addr = s.http_addr;
    let reply = tokio::task::spawn_blocking(move || {
        let mut tcp = std::net::TcpStream::connect(addr).unwrap();
        tcp.write_all(b"GET /about HTTP/1.0\r\n\r\n").unwrap();
        let mut out = String::new();
        tcp.read_to_string(&mut out).unwrap();
        out
    })
    .await
    .unwrap();
    assert!(reply.starts_with("HTTP/1.0 400"), "{reply}");
}

/// The admin interface, its assets and the site's stylesheet answer only on the sites' hosts:
/// 421 for any other `Host`, over plain HTTP, HTTPS with HTTP/1.1 and HTTP/2 (`:authority`).
#[tokio::test]
async fn the_admin_and_assets_answer_only_on_the_sites_hosts() {
    let s = TestServer::start().await;
    let paths = [
        "/_admin/login",
        "/_admin/",
        "/_admin",
        "/_admin/assets/admin.css",
        "/_admin/assets/admin.js",
        "/_admin/logins",
        "/assets/site.css",
    ];
    for host in ["other.example", "localhost.evil.example", "127.0.0.2"] {
        for path in paths {
            let res = s
                .client
                .get(format!("{}{path}", s.http_url))
                .header("host", host)
                .send()
                .await
                .unwrap();
            assert_eq!(
                res.status(),
                StatusCode::MISDIRECTED_REQUEST,
                "{host}{path}"
            );
            let body = res.text().await.unwrap();
            assert!(!body.contains("Sign in") && !body.contains("{"), "{body}");
            for h2 in [false, true] {
                let (status, body) = over_tls(&s, h2, host, path).await;
                assert_eq!(status, 421, "{host}{path} over TLS, h2: {h2}");
                assert!(!body.contains("Sign in"), "{body}");
            }
        }
        // A method the route does not have gets no 405 that would show the route exists.
        let res = s
            .client
            .post(format!("{}/_admin/logins", s.http_url))
            .header("host", host)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("a=b")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::MISDIRECTED_REQUEST, "{host}");
    }
    // The sites' own hosts get the admin as before.
    for h2 in [false, true] {
        for host in ["localhost", "127.0.0.1"] {
            let (status, body) = over_tls(&s, h2, host, "/_admin/login").await;
            assert_eq!(status, 200, "{host}, h2: {h2}");
            assert!(body.contains("Sign in"), "{body}");
            let (status, _) = over_tls(&s, h2, host, "/_admin/assets/admin.css").await;
            assert_eq!(status, 200, "{host}, h2: {h2}");
        }
    }
    assert_eq!(s.get("/assets/site.css").await.status(), StatusCode::OK);
    assert_eq!(
        s.get("/_admin/login").await.status(),
        StatusCode::PERMANENT_REDIRECT
    );
}

/// `GET path` over TLS (SNI `localhost`, the site's certificate checked) with `host` as the
/// request's host: the `Host` header over HTTP/1.1, `:authority` over HTTP/2. Status and body.
async fn over_tls(s: &TestServer, h2: bool, host: &str, path: &str) -> (u16, String) {
    use rustls_pki_types::pem::PemObject;
    let cert = s.config.sites[0].tls_cert_file.clone().unwrap();
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls_pki_types::CertificateDer::pem_file_iter(&cert).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
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
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let stream = tokio_rustls::TlsConnector::from(std::sync::Arc::new(tls))
        .connect(name, tcp)
        .await
        .unwrap();
    let io = hyper_util::rt::TokioIo::new(stream);
    let authority = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    let res = if h2 {
        let (mut send, conn) =
            hyper::client::conn::http2::handshake(hyper_util::rt::TokioExecutor::new(), io)
                .await
                .unwrap();
        tokio::spawn(conn);
        let req = hyper::Request::get(format!("https://{authority}{path}"))
            .body(String::new())
            .unwrap();
        send.send_request(req).await.unwrap()
    } else {
        let (mut send, conn) = hyper::client::conn::http1::handshake(io).await.unwrap();
        tokio::spawn(conn);
        let req = hyper::Request::get(path)
            .header("host", authority)
            .body(String::new())
            .unwrap();
        send.send_request(req).await.unwrap()
    };
    assert_eq!(
        res.version(),
        if h2 {
            hyper::Version::HTTP_2
        } else {
            hyper::Version::HTTP_11
        }
    );
    let status = res.status().as_u16();
    let body = axum::body::to_bytes(axum::body::Body::new(res.into_body()), 1 << 20)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}
