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
