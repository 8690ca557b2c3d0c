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
