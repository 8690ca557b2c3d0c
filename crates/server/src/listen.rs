//! The accept loop: connection limit, TLS handshake with a deadline, HTTP/1.1 and HTTP/2 with
//! bounded headers and a header/idle timeout, graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use std::collections::HashMap;
use std::sync::Mutex;

use shield::bans::Subject;
use shield::net::Cidr;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::config::ServerConfig;

/// The peer address of the connection a request came on; the shield keys on it.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub SocketAddr);

/// Open connections per client, capped.
struct PerIp {
    max: usize,
    open: Mutex<HashMap<Subject, usize>>,
}

/// One open connection of a client; gives its place back when dropped.
struct Slot {
    table: Arc<PerIp>,
    client: Subject,
}

impl PerIp {
    fn acquire(self: &Arc<Self>, ip: std::net::IpAddr) -> Option<Slot> {
        let client = Subject::of(ip);
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let n = open.entry(client).or_insert(0);
        if *n >= self.max {
            return None;
        }
        *n += 1;
        Some(Slot {
            table: self.clone(),
            client,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.table.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.client) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.client);
            }
        }
    }
}

/// Decides at accept whether a client's connection is closed at once (a banned or
/// blocklisted client when bans close connections).
pub type Gate = Arc<dyn Fn(std::net::IpAddr) -> bool + Send + Sync>;

/// Whether a request arrived over TLS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tls(pub bool);

/// Serves `router` on `listener` until `shutdown` turns true, then lets requests in flight
/// finish for up to `shutdown_grace_s`.
pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    router: Router,
    config: ServerConfig,
    gate: Gate,
    mut shutdown: watch::Receiver<bool>,
) {
    let builder = Arc::new(http_builder(&config));
    let trusted: Arc<Vec<Cidr>> = Arc::new(
        config
            .trusted_proxies
            .iter()
            .filter_map(|c| Cidr::parse(c))
            .collect(),
    );
    let permits = Arc::new(Semaphore::new(config.max_connections));
    let per_ip = Arc::new(PerIp {
        max: config.max_connections_per_ip,
        open: Mutex::new(HashMap::new()),
    });
    let graceful = GracefulShutdown::new();
    let handshake_timeout = Duration::from_secs(config.tls_handshake_timeout_s);
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = shutdown.changed() => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Usually EMFILE or a connection reset before accept: back off briefly.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => break,
        };
        // One client (an IPv4 address or an IPv6 /64) may not hold every connection; a
        // trusted proxy speaks for many clients and is exempt.
        let slot = if trusted.iter().any(|c| c.contains(peer.ip())) {
            None
        } else if gate(peer.ip()) {
            tracing::debug!(client.ip = %peer.ip(), "refused client; connection closed");
            continue;
        } else {
            match per_ip.acquire(peer.ip()) {
                Some(slot) => Some(slot),
                None => {
                    tracing::debug!(client.ip = %peer.ip(), "too many connections from one client; closed");
                    continue;
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let watcher = graceful.watcher();
        let builder = builder.clone();
        let router = router.clone();
        let tls = tls.clone();
        let trusted = trusted.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let _slot = slot;
            match tls {
                None => serve_conn(&builder, stream, peer, false, router, watcher, trusted).await,
                Some(acceptor) => {
                    match tokio::time::timeout(handshake_timeout, acceptor.accept(stream)).await {
                        Ok(Ok(tls_stream))
                            if tls_stream.get_ref().1.alpn_protocol()
                                == Some(crate::tls::ACME_TLS_ALPN) =>
                        {
                            // The CA's TLS-ALPN-01 validator: the handshake was the answer.
                            tracing::debug!(client.ip = %peer.ip(), "ACME TLS-ALPN-01 check answered");
                        }
                        Ok(Ok(tls_stream)) => {
                            serve_conn(&builder, tls_stream, peer, true, router, watcher, trusted)
                                .await
                        }
                        Ok(Err(e)) => {
                            tracing::debug!(client.ip = %peer.ip(), error = %e, "TLS handshake failed")
                        }
                        Err(_) => {
                            tracing::debug!(client.ip = %peer.ip(), "TLS handshake timed out")
                        }
                    }
                }
            }
        });
    }
    drop(listener);
    let grace = Duration::from_secs(config.shutdown_grace_s);
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the shutdown grace period; closing them");
    }
}

fn http_builder(config: &ServerConfig) -> Builder<TokioExecutor> {
    let mut b = Builder::new(TokioExecutor::new());
    b.http1()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(config.header_read_timeout_s))
        .max_buf_size(config.max_header_bytes)
        .max_headers(100)
        .keep_alive(true);
    b.http2()
        .timer(TokioTimer::new())
        .max_header_list_size(config.max_header_bytes as u32)
        .max_concurrent_streams(100)
        .keep_alive_interval(Duration::from_secs(30))
        .keep_alive_timeout(Duration::from_secs(10));
    b
}

async fn serve_conn<S>(
    builder: &Builder<TokioExecutor>,
    stream: S,
    peer: SocketAddr,
    tls: bool,
    router: Router,
    watcher: hyper_util::server::graceful::Watcher,
    trusted: Arc<Vec<Cidr>>,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
        let client = client_ip(peer.ip(), req.headers(), &trusted);
        req.extensions_mut()
            .insert(ClientAddr(SocketAddr::new(client, peer.port())));
        req.extensions_mut().insert(Tls(tls));
        router.clone().oneshot(req)
    });
    let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
    if let Err(e) = watcher.watch(conn.into_owned()).await {
        tracing::debug!(client.ip = %peer.ip(), error = %e, "connection ended with an error");
    }
}

/// The client's address: the peer's, unless the peer is a trusted proxy; then the right-most
/// `X-Forwarded-For` entry that is not itself a trusted proxy. Entries a proxy did not add
/// (left of the first untrusted one) are the client's own claims and are ignored.
pub fn client_ip(
    peer: std::net::IpAddr,
    headers: &hyper::HeaderMap,
    trusted: &[Cidr],
) -> std::net::IpAddr {
    let is_trusted = |ip: std::net::IpAddr| trusted.iter().any(|c| c.contains(ip));
    if trusted.is_empty() || !is_trusted(peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop.parse::<std::net::IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(ip) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_only_from_trusted_proxies() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        let trusted = vec![Cidr::parse("10.0.0.0/8").unwrap()];
        let mut h = hyper::HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            "198.51.100.1, 203.0.113.9, 10.0.0.2".parse().unwrap(),
        );
        assert_eq!(
            client_ip(ip("10.0.0.1"), &h, &trusted),
            ip("203.0.113.9"),
            "right-most untrusted hop"
        );
        assert_eq!(
            client_ip(ip("192.0.2.50"), &h, &trusted),
            ip("192.0.2.50"),
            "untrusted peer: header ignored"
        );
        assert_eq!(
            client_ip(ip("10.0.0.1"), &h, &[]),
            ip("10.0.0.1"),
            "no trusted proxies configured"
        );
        let mut bad = hyper::HeaderMap::new();
        bad.insert("x-forwarded-for", "not-an-ip".parse().unwrap());
        assert_eq!(client_ip(ip("10.0.0.1"), &bad, &trusted), ip("10.0.0.1"));
        assert_eq!(
            client_ip(ip("10.0.0.1"), &hyper::HeaderMap::new(), &trusted),
            ip("10.0.0.1")
        );
    }
}
