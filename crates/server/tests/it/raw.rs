//! Clients an attacker would write: raw HTTP/1.1 and HTTP/2 over TCP from a chosen loopback
//! address, with full control over what is sent and when.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::BodyExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A TCP connection from `from` (any 127.x.y.z works on Linux) to `to`.
pub async fn tcp_from(from: &str, to: SocketAddr) -> TcpStream {
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.bind(SocketAddr::new(from.parse::<IpAddr>().unwrap(), 0))
        .unwrap();
    sock.connect(to).await.unwrap()
}

/// Sends `request` (which should say `Connection: close`) and reads until the server closes;
/// the status (0 when the server closed without answering) and the whole answer.
pub async fn h1(from: &str, to: SocketAddr, request: &[u8]) -> (u16, String) {
    let mut tcp = tcp_from(from, to).await;
    if tcp.write_all(request).await.is_err() {
        return (0, String::new());
    }
    read_answer(&mut tcp).await
}

/// Reads until the server closes (20 s at most: a server that never closes fails the test).
pub async fn read_answer(tcp: &mut TcpStream) -> (u16, String) {
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), tcp.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the server never closed the connection");
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|t| t.get(..3))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, text)
}

/// Whether a connection from `from` is closed at once, or even refused (banned with
/// `ban_response = "close"`, or over the per-client connection cap).
pub async fn closed_at_once(from: &str, to: SocketAddr) -> bool {
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.bind(SocketAddr::new(from.parse::<IpAddr>().unwrap(), 0))
        .unwrap();
    let Ok(mut tcp) = sock.connect(to).await else {
        return true;
    };
    let mut b = [0u8; 1];
    matches!(
        tokio::time::timeout(Duration::from_secs(2), tcp.read(&mut b)).await,
        Ok(Ok(0) | Err(_))
    )
}

/// An HTTP/2 (prior knowledge, no TLS) connection from `from`, as hyper's client makes it.
pub async fn h2c(
    from: &str,
    to: SocketAddr,
) -> (
    hyper::client::conn::http2::SendRequest<
        http_body_util::combinators::BoxBody<Bytes, hyper::Error>,
    >,
    tokio::task::JoinHandle<Result<(), hyper::Error>>,
) {
    let tcp = tcp_from(from, to).await;
    let (send, conn) = hyper::client::conn::http2::handshake(
        hyper_util::rt::TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(tcp),
    )
    .await
    .unwrap();
    (send, tokio::spawn(conn))
}

/// A body of fixed length (the client sends `content-length`).
pub fn full(bytes: impl Into<Bytes>) -> http_body_util::combinators::BoxBody<Bytes, hyper::Error> {
    http_body_util::Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

/// A body of unknown length (no `content-length`) and the sender that feeds it.
pub fn streamed() -> (
    http_body_util::channel::Sender<Bytes, hyper::Error>,
    http_body_util::combinators::BoxBody<Bytes, hyper::Error>,
) {
    let (tx, body) = http_body_util::channel::Channel::<Bytes, hyper::Error>::new(4);
    (tx, body.boxed())
}

/// Opens an HTTP/2 connection from `from` that sends its preface and settings, answers every
/// ping, and never asks for anything; returns how long the server kept it open.
pub fn hold_idle_h2(from: &str, to: SocketAddr) -> tokio::task::JoinHandle<Duration> {
    let from = from.to_string();
    tokio::spawn(async move {
        let mut tcp = tcp_from(&from, to).await;
        let start = Instant::now();
        let mut hello = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
        hello.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 0, 0]); // SETTINGS, empty
        if tcp.write_all(&hello).await.is_err() {
            return start.elapsed();
        }
        let mut head = [0u8; 9];
        loop {
            let read = tokio::time::timeout(Duration::from_secs(60), tcp.read_exact(&mut head));
            match read.await {
                Ok(Ok(_)) => {}
                _ => return start.elapsed(),
            }
            let len = usize::from(head[0]) << 16 | usize::from(head[1]) << 8 | usize::from(head[2]);
            let (kind, flags) = (head[3], head[4]);
            let mut payload = vec![0u8; len];
            if tcp.read_exact(&mut payload).await.is_err() {
                return start.elapsed();
            }
            let answer: Option<Vec<u8>> = match (kind, flags & 1) {
                (4, 0) => Some(vec![0, 0, 0, 4, 1, 0, 0, 0, 0]), // SETTINGS ack
                (6, 0) => {
                    let mut ping = vec![0, 0, 8, 6, 1, 0, 0, 0, 0]; // PING ack
                    ping.extend_from_slice(&payload);
                    Some(ping)
                }
                _ => None,
            };
            if let Some(a) = answer
                && tcp.write_all(&a).await.is_err()
            {
                return start.elapsed();
            }
        }
    })
}

/// One HTTP/2 frame: length, type, flags, stream, payload.
pub fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len();
    let mut f = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, kind, flags];
    f.extend_from_slice(&(stream & 0x7fff_ffff).to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// The header block of `GET /` (or `POST /contact`) for `localhost`, from HPACK's static table.
pub fn request_head(post: bool) -> Vec<u8> {
    // :method GET (2) or POST (3), :scheme http (6), then :path and :authority as literals.
    let mut h = vec![if post { 0x83 } else { 0x82 }, 0x86];
    let path: &[u8] = if post { b"/contact" } else { b"/" };
    h.push(0x44); // :path, literal without indexing (static name 4)
    h.push(path.len() as u8);
    h.extend_from_slice(path);
    h.push(0x41); // :authority (static name 1)
    h.push(9);
    h.extend_from_slice(b"localhost");
    h
}

/// Opens a raw HTTP/2 connection from `from` (preface and empty SETTINGS sent).
pub async fn h2_raw(from: &str, to: SocketAddr) -> TcpStream {
    let mut tcp = tcp_from(from, to).await;
    let mut hello = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    hello.extend_from_slice(&frame(4, 0, 0, &[]));
    tcp.write_all(&hello).await.unwrap();
    tcp
}

/// Reads frames until the server closes the connection (or `within` passes): each frame's
/// type, flags, stream and payload.
pub async fn read_frames(tcp: &mut TcpStream, within: Duration) -> Vec<(u8, u8, u32, Vec<u8>)> {
    let mut frames = Vec::new();
    let deadline = tokio::time::Instant::now() + within;
    let mut head = [0u8; 9];
    loop {
        match tokio::time::timeout_at(deadline, tcp.read_exact(&mut head)).await {
            Ok(Ok(_)) => {}
            _ => return frames,
        }
        let len = usize::from(head[0]) << 16 | usize::from(head[1]) << 8 | usize::from(head[2]);
        let stream = u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & 0x7fff_ffff;
        let mut payload = vec![0u8; len];
        if tcp.read_exact(&mut payload).await.is_err() {
            return frames;
        }
        if head[3] == 4 && head[4] & 1 == 0 {
            // Acknowledge the server's settings, as every client must.
            let _ = tcp.write_all(&frame(4, 1, 0, &[])).await;
        }
        frames.push((head[3], head[4], stream, payload));
    }
}
