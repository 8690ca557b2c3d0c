use std::io::{Read, Write};
use std::time::Duration;

use testkit::TestServer;

#[tokio::test]
async fn oversized_headers_are_refused() {
    let s = TestServer::start().await;
    let res = s
        .client
        .get(format!("{}/", s.http_url))
        .header("x-filler", "a".repeat(40_000))
        .send()
        .await;
    match res {
        Ok(r) => assert_eq!(r.status(), 431),
        Err(e) => assert!(e.is_request() || e.is_connect() || e.is_body(), "{e}"),
    }
    assert_eq!(s.get("/").await.status(), 200, "server still serves");
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let s = TestServer::start().await;
    let res = s
        .client
        .post(format!("{}/", s.http_url))
        .body(vec![b'a'; 2 << 20])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
}

#[tokio::test]
async fn slow_clients_are_disconnected() {
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.server.header_read_timeout_s = 1;
    let s = TestServer::start_in(dir, config).await;
    let addr = s.http_addr;
    // A slowloris client sends half a request and then nothing: the server must hang up.
    let closed = tokio::task::spawn_blocking(move || {
        let mut tcp = std::net::TcpStream::connect(addr).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        tcp.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
            .unwrap();
        let mut buf = Vec::new();
        // read_to_end returns when the server closes; a timeout error means it never did.
        tcp.read_to_end(&mut buf).map(|_| buf)
    })
    .await
    .unwrap();
    let buf = closed.expect("server closed the connection of a client that stopped sending");
    let text = String::from_utf8_lossy(&buf);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );
}

#[tokio::test]
async fn one_client_cannot_hold_every_connection() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.server.max_connections_per_ip = 3;
    let s = TestServer::start_in(dir, config).await;
    let addr = s.http_addr;
    let connect_from = |from: &'static str| async move {
        let sock = tokio::net::TcpSocket::new_v4().unwrap();
        sock.bind(format!("{from}:0").parse().unwrap()).unwrap();
        sock.connect(addr).await.unwrap()
    };
    // Three idle connections are allowed...
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(connect_from("127.0.40.1").await);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    // ...the fourth is closed at once: reading gives end-of-file, not a timeout.
    let mut fourth = connect_from("127.0.40.1").await;
    let mut buf = [0u8; 16];
    let read = tokio::time::timeout(Duration::from_secs(5), fourth.read(&mut buf)).await;
    assert!(
        matches!(read, Ok(Ok(0)) | Ok(Err(_))),
        "the fourth connection of one client is closed: {read:?}"
    );
    // Another client is served normally.
    let mut other = connect_from("127.0.41.1").await;
    other
        .write_all(b"GET /about HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut reply = String::new();
    other.read_to_string(&mut reply).await.unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    // A held connection still works, and when it ends its place is free again.
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut again = connect_from("127.0.40.1").await;
    again
        .write_all(b"GET /about HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut reply = String::new();
    again.read_to_string(&mut reply).await.unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
}
