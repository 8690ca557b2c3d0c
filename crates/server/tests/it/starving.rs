//! Nobody can starve the server by holding connections: idle HTTP/2 connections, bodies that
//! trickle in (over HTTP/1.1 and HTTP/2) and connections kept for ever are closed within the
//! configured limits, honest clients are served meanwhile, and the holders get banned.
//!
//! The bounds below are generous multiples of the configured limits (seconds), there only so a
//! broken server fails the test instead of hanging it; they are not speed measurements.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use testkit::TestServer;

use crate::eventually;
use crate::raw;

/// Eight connections in all, four per client, a two-second idle limit and a three-second
/// request limit; four held connections or stalled requests earn a ban.
async fn small_server() -> TestServer {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.server.max_connections = 8;
    config.server.max_connections_per_ip = 4;
    config.server.idle_timeout_s = 2;
    config.server.request_timeout_s = 3;
    config.server.shutdown_grace_s = 2;
    config.shield.ban_stalled_threshold = 4;
    TestServer::start_in(dir, config).await
}

/// A POST that promises 50,000 bytes (under the public body limit) and sends one every half second; how long the server
/// let it go on, and what it answered.
fn trickle_h1(from: &str, to: SocketAddr) -> tokio::task::JoinHandle<(Duration, u16)> {
    let from = from.to_string();
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        let mut tcp = raw::tcp_from(&from, to).await;
        let start = Instant::now();
        let head = "POST /contact HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 50000\r\n\r\n";
        tcp.write_all(head.as_bytes()).await.unwrap();
        // Up to a minute of trickling: far longer than any limit.
        for _ in 0..120 {
            if tcp.write_all(b"a").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
            if start.elapsed() > Duration::from_secs(60) {
                break;
            }
            // Stop writing once the server has answered (the answer is read below).
            let mut peek = [0u8; 1];
            if let Ok(Ok(n)) =
                tokio::time::timeout(Duration::from_millis(1), tcp.peek(&mut peek)).await
                && n > 0
            {
                break;
            }
        }
        let (status, _) = raw::read_answer(&mut tcp).await;
        (start.elapsed(), status)
    })
}

#[tokio::test]
async fn holders_are_closed_and_a_third_client_is_still_served() {
    let s = small_server().await;
    let addr = s.http_addr;
    // Attacker one fills its share with idle HTTP/2 connections that answer pings.
    let idle: Vec<_> = (0..4)
        .map(|_| raw::hold_idle_h2("127.0.9.1", addr))
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        raw::closed_at_once("127.0.9.1", addr).await,
        "a fifth connection of the same client is closed at once"
    );
    // Attacker two fills the rest with bodies that trickle in.
    let slow: Vec<_> = (0..4).map(|_| trickle_h1("127.0.9.2", addr)).collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Every connection the server will take is held now; an honest visitor still gets the
    // page once the holders are cut off.
    let (status, _) = raw::h1(
        "127.0.9.3",
        addr,
        b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status, 200, "the honest visitor is served");
    for h in idle {
        let held = h.await.unwrap();
        // idle_timeout_s (2) + shutdown_grace_s (2), with room for a slow machine.
        assert!(
            held < Duration::from_secs(15),
            "idle h2 connection held {held:?}"
        );
    }
    for h in slow {
        let (held, status) = h.await.unwrap();
        assert!(
            held < Duration::from_secs(15),
            "trickled body held {held:?}"
        );
        assert!(status == 408 || status == 0, "answered {status}");
    }
    // Both attackers held four places without finishing a request: banned.
    for attacker in ["127.0.9.1", "127.0.9.2"] {
        let banned = eventually(|| async {
            raw::h1(
                attacker,
                addr,
                b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
            )
            .await
            .0 == 403
        })
        .await;
        assert!(banned, "{attacker} is banned for holding connections");
    }
    // Banned, a client keeps one connection at most: it holds no places any more.
    let _one = raw::hold_idle_h2("127.0.9.1", addr);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(raw::closed_at_once("127.0.9.1", addr).await);
    let store = s.open_store().await;
    let bans = store.recorder.active_bans(store::now()).await.unwrap();
    assert!(
        bans.iter()
            .any(|b| b.subject == "127.0.9.1" && b.reason.contains("held")),
        "{bans:?}"
    );
    let (status, _) = raw::h1(
        "127.0.9.3",
        addr,
        b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status, 200, "the honest visitor is not banned");
}

#[tokio::test]
async fn an_http2_body_that_trickles_is_cut_off() {
    let s = small_server().await;
    let (mut send, conn) = raw::h2c("127.0.9.4", s.http_addr).await;
    let (mut tx, body) = raw::streamed();
    let feeder = tokio::spawn(async move {
        for _ in 0..120 {
            if tx.send_data(Bytes::from_static(b"a")).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    });
    let req = hyper::Request::post("http://localhost/contact")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .unwrap();
    let start = Instant::now();
    let res = tokio::time::timeout(Duration::from_secs(20), send.send_request(req))
        .await
        .expect("the server answers a stalled body")
        .unwrap();
    assert_eq!(res.status(), 408);
    assert!(start.elapsed() < Duration::from_secs(15));
    feeder.abort();
    conn.abort();
}

#[tokio::test]
async fn connections_are_closed_at_their_maximum_age_even_when_busy() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.server.max_connection_age_s = 2;
    config.server.shutdown_grace_s = 1;
    let s = TestServer::start_in(dir, config).await;
    let (mut send, conn) = raw::h2c("127.0.9.5", s.http_addr).await;
    let start = Instant::now();
    let mut served = 0;
    // A client that never stops asking (four requests a second) on one connection.
    while start.elapsed() < Duration::from_secs(20) && !conn.is_finished() {
        if send.ready().await.is_err() {
            break;
        }
        let req = hyper::Request::get("http://localhost/")
            .body(raw::full(Bytes::new()))
            .unwrap();
        match send.send_request(req).await {
            Ok(res) if res.status() == 200 => served += 1,
            _ => break,
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(served > 0, "the connection served requests at first");
    let ended = tokio::time::timeout(Duration::from_secs(10), conn).await;
    assert!(ended.is_ok(), "the connection was closed");
    // max_connection_age_s (2) + shutdown_grace_s (1), with room for a slow machine.
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "{:?}",
        start.elapsed()
    );
    // A new connection is served as usual.
    let (mut send, _conn) = raw::h2c("127.0.9.5", s.http_addr).await;
    let req = hyper::Request::get("http://localhost/")
        .body(raw::full(Bytes::new()))
        .unwrap();
    assert_eq!(send.send_request(req).await.unwrap().status(), 200);
}

#[tokio::test]
async fn a_response_the_client_never_takes_does_not_keep_the_connection() {
    let s = small_server().await;
    // HTTP/2 with a receive window of zero: the server can send the head of the answer but not
    // one byte of its body; the client keeps the connection alive and never opens the window.
    let tcp = raw::tcp_from("127.0.9.6", s.http_addr).await;
    let (mut send, conn) =
        hyper::client::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
            .initial_stream_window_size(0)
            .handshake(hyper_util::rt::TokioIo::new(tcp))
            .await
            .unwrap();
    let conn = tokio::spawn(conn);
    let start = Instant::now();
    let req = hyper::Request::get("http://localhost/about")
        .body(raw::full(Bytes::new()))
        .unwrap();
    let res = send.send_request(req).await.unwrap();
    assert_eq!(res.status(), 200);
    // The body is never read. The connection ends once no progress was made for longer than
    // a request may last (request_timeout_s 3 + 5, then shutdown_grace_s 2).
    let ended = tokio::time::timeout(Duration::from_secs(30), conn).await;
    assert!(ended.is_ok(), "the stalled connection was closed");
    assert!(
        start.elapsed() < Duration::from_secs(25),
        "{:?}",
        start.elapsed()
    );
    drop(res);
}

#[tokio::test]
async fn http2_streams_beyond_the_limit_are_refused() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.server.http2_max_streams = 10;
    let s = TestServer::start_in(dir, config).await;
    let mut tcp = raw::h2_raw("127.0.9.7", s.http_addr).await;
    // Twelve posts whose bodies never come: ten may be open at once, the rest are refused.
    let mut burst = Vec::new();
    for i in 0..12u32 {
        burst.extend(raw::frame(1, 0x4, 1 + 2 * i, &raw::request_head(true)));
    }
    {
        use tokio::io::AsyncWriteExt;
        tcp.write_all(&burst).await.unwrap();
    }
    let frames = raw::read_frames(&mut tcp, Duration::from_secs(2)).await;
    // RST_STREAM (3) with REFUSED_STREAM (7).
    let refused: Vec<u32> = frames
        .iter()
        .filter(|(kind, _, _, p)| *kind == 3 && p.as_slice() == [0, 0, 0, 7])
        .map(|(_, _, stream, _)| *stream)
        .collect();
    assert_eq!(refused.len(), 2, "{frames:?}");
}

#[tokio::test]
async fn a_rapid_reset_flood_closes_the_connection() {
    let s = small_server().await;
    let mut tcp = raw::h2_raw("127.0.9.8", s.http_addr).await;
    // CVE-2023-44487: open a stream and cancel it at once, a thousand times, in one write.
    let mut burst = Vec::new();
    for i in 0..1000u32 {
        let id = 1 + 2 * i;
        burst.extend(raw::frame(1, 0x5, id, &raw::request_head(false)));
        burst.extend(raw::frame(3, 0, id, &[0, 0, 0, 8])); // RST_STREAM CANCEL
    }
    {
        use tokio::io::AsyncWriteExt;
        let _ = tcp.write_all(&burst).await;
    }
    let frames = raw::read_frames(&mut tcp, Duration::from_secs(10)).await;
    // GOAWAY (7) with ENHANCE_YOUR_CALM (11), and far fewer than a thousand answers.
    let goaway = frames
        .iter()
        .find(|(kind, _, _, _)| *kind == 7)
        .expect("the server sends GOAWAY");
    assert_eq!(&goaway.3[4..8], &[0, 0, 0, 11], "ENHANCE_YOUR_CALM");
    let answered = frames.iter().filter(|(kind, _, _, _)| *kind == 1).count();
    assert!(answered < 1000, "{answered} streams answered");
    // Others are served as usual.
    let (status, _) = raw::h1(
        "127.0.9.9",
        s.http_addr,
        b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn when_places_run_low_idle_holders_are_cut_early() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut config = testkit::test_config(dir.path());
    config.server.max_connections = 8;
    config.server.max_connections_per_ip = 8;
    // Long limits: without the pressure rule a waiting visitor would wait half a minute.
    config.server.idle_timeout_s = 60;
    config.server.header_read_timeout_s = 30;
    config.server.shutdown_grace_s = 1;
    let s = TestServer::start_in(dir, config).await;
    let addr = s.http_addr;
    let holders: Vec<_> = (0..8)
        .map(|_| raw::hold_idle_h2("127.0.9.10", addr))
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let start = Instant::now();
    let (status, _) = raw::h1(
        "127.0.9.11",
        addr,
        b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status, 200);
    // Two seconds before the first request under pressure, plus the grace period; far below
    // the 30 s the normal limits would allow.
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "{:?}",
        start.elapsed()
    );
    for h in holders {
        assert!(h.await.unwrap() < Duration::from_secs(15));
    }
}
