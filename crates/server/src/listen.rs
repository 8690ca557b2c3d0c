//! The accept loop: connection limit, TLS handshake with a deadline, HTTP/1.1 and HTTP/2 with
//! bounded headers, streams and resets, an idle timeout and a maximum age for every
//! connection, graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use hyper::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use std::collections::HashMap;
use std::sync::Mutex;

use shield::bans::Subject;
use shield::net::Cidr;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;
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
    /// A place for one more connection of `ip`'s client, if it has fewer than `max` open.
    fn acquire(self: &Arc<Self>, ip: std::net::IpAddr, max: usize) -> Option<Slot> {
        let client = Subject::of(ip);
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let n = open.entry(client).or_insert(0);
        if *n >= max {
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

/// What the listener asks the shield about clients.
pub trait Doorman: Send + Sync {
    /// Whether a connection from `ip` is closed at accept (a banned or blocklisted client
    /// when bans close connections).
    fn refuses(&self, ip: std::net::IpAddr) -> bool;
    /// A connection from `ip` ended before its first request completed, after holding its
    /// place until the server cut it (idle, slow headers, a TLS handshake that never finished).
    fn held(&self, ip: std::net::IpAddr);
    /// Whether `ip` is banned or blocklisted: it may then keep one connection at most (to read
    /// its refusal), so a banned client holds no places.
    fn banned(&self, ip: std::net::IpAddr) -> bool;
}

/// The shield, as the listener sees it.
pub type Gate = Arc<dyn Doorman>;

/// When the request's head had arrived: the request timeout counts from here.
#[derive(Clone, Copy, Debug)]
pub struct Arrived(pub Instant);

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
    let limits = ConnLimits::from(&config);
    let pressure = Arc::new(Pressure {
        permits: permits.clone(),
        low: (config.max_connections / 10).max(1),
        on: std::sync::atomic::AtomicBool::new(false),
        wake: tokio::sync::Notify::new(),
    });
    let handshake_timeout = Duration::from_secs(config.tls_handshake_timeout_s);
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = shutdown.changed() => break,
        };
        pressure.check();
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
        } else if gate.refuses(peer.ip()) {
            tracing::debug!(client.ip = %peer.ip(), "refused client; connection closed");
            continue;
        } else {
            let max = if gate.banned(peer.ip()) {
                1
            } else {
                per_ip.max
            };
            match per_ip.acquire(peer.ip(), max) {
                Some(slot) => Some(slot),
                None => {
                    tracing::debug!(client.ip = %peer.ip(), "too many connections from one client; closed");
                    continue;
                }
            }
        };
        let _ = stream.set_nodelay(true);
        // Only a client's own connections count towards its bans, not a proxy's.
        let held_by = slot.as_ref().map(|_| gate.clone());
        let conn = Conn {
            peer,
            router: router.clone(),
            trusted: trusted.clone(),
            shutdown: shutdown.clone(),
            limits,
            pressure: pressure.clone(),
        };
        let builder = builder.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let _slot = slot;
            let ended = match tls {
                None => conn.serve(&builder, stream, false).await,
                Some(acceptor) => {
                    match tokio::time::timeout(handshake_timeout, acceptor.accept(stream)).await {
                        Ok(Ok(tls_stream))
                            if tls_stream.get_ref().1.alpn_protocol()
                                == Some(crate::tls::ACME_TLS_ALPN) =>
                        {
                            // The CA's TLS-ALPN-01 validator: the handshake was the answer.
                            tracing::debug!(client.ip = %peer.ip(), "ACME TLS-ALPN-01 check answered");
                            Ended::Served
                        }
                        Ok(Ok(tls_stream)) => conn.serve(&builder, tls_stream, true).await,
                        Ok(Err(e)) => {
                            tracing::debug!(client.ip = %peer.ip(), error = %e, "TLS handshake failed");
                            Ended::Served
                        }
                        Err(_) => {
                            tracing::debug!(client.ip = %peer.ip(), "TLS handshake timed out");
                            Ended::Held
                        }
                    }
                }
            };
            if let (Ended::Held, Some(gate)) = (ended, held_by) {
                gate.held(peer.ip());
            }
        });
    }
    drop(listener);
    // Every connection task holds a permit: all of them back means all connections closed.
    // Each connection was told to finish (see `Conn::serve`) and is cut off after the grace
    // period; this waits a little longer than that.
    let all = u32::try_from(config.max_connections).unwrap_or(u32::MAX);
    let grace = Duration::from_secs(config.shutdown_grace_s) + Duration::from_secs(1);
    if tokio::time::timeout(grace, permits.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the shutdown grace period; closing them");
    }
}

/// The time limits every connection lives under.
#[derive(Clone, Copy)]
struct ConnLimits {
    /// Without a request in progress.
    idle: Duration,
    /// Before the first request (the header deadline, for HTTP/2 too).
    first: Duration,
    /// With a request in progress but no progress (no request begun, no body frame sent):
    /// a response the client never reads.
    stall: Duration,
    max_age: Duration,
    grace: Duration,
}

impl From<&ServerConfig> for ConnLimits {
    fn from(c: &ServerConfig) -> ConnLimits {
        let idle = Duration::from_secs(c.idle_timeout_s.max(1));
        let header = Duration::from_secs(c.header_read_timeout_s.max(1));
        let request = Duration::from_secs(c.request_timeout_s.max(1));
        ConnLimits {
            idle,
            first: idle.min(header),
            stall: idle.max(request + Duration::from_secs(5)),
            max_age: Duration::from_secs(c.max_connection_age_s.max(1)),
            grace: Duration::from_secs(c.shutdown_grace_s),
        }
    }
}

/// How a connection ended, for the shield.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ended {
    /// It completed a request, or the client closed it.
    Served,
    /// The server cut it before its first request completed.
    Held,
}

/// Requests in progress on a connection and when it last made progress.
struct Activity {
    started: Instant,
    in_flight: AtomicUsize,
    completed: AtomicU64,
    /// Milliseconds after `started` of the last progress: a request begun or ended, a frame
    /// of a response body sent.
    last_ms: AtomicU64,
}

/// One request in progress, until its response body is sent (or dropped).
struct InFlight(Arc<Activity>);

impl Activity {
    fn begin(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.progress();
        InFlight(self.clone())
    }

    fn progress(&self) {
        let ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Release);
    }

    /// When the connection is to be closed unless something happens first.
    fn cut_at(&self, limits: &ConnLimits) -> Instant {
        let last = self.started + Duration::from_millis(self.last_ms.load(Ordering::Acquire));
        if self.in_flight.load(Ordering::Acquire) > 0 {
            last + limits.stall
        } else if self.completed.load(Ordering::Acquire) == 0 {
            self.started + limits.first
        } else {
            last + limits.idle
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let a = &self.0;
        a.progress();
        a.completed.fetch_add(1, Ordering::AcqRel);
        a.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A response body that keeps its request in progress until it is sent, and counts each
/// frame sent as progress.
struct Tracked {
    inner: axum::body::Body,
    busy: Option<InFlight>,
}

impl http_body::Body for Tracked {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let this = &mut *self;
        let polled = std::pin::Pin::new(&mut this.inner).poll_frame(cx);
        match &polled {
            std::task::Poll::Ready(Some(Ok(_))) => {
                if let Some(busy) = &this.busy {
                    busy.0.progress();
                }
            }
            std::task::Poll::Ready(_) => this.busy = None,
            std::task::Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Whether the server is running out of connection places. Then idle connections, and
/// connections that have not begun a request, are cut much sooner (see
/// [`Pressure::limits`]), so clients that hold connections without using them cannot keep
/// honest visitors waiting in the backlog for long.
struct Pressure {
    permits: Arc<Semaphore>,
    /// Fewer free places than this is pressure: a tenth of `max_connections`.
    low: usize,
    /// Pressure as last seen at accept, so waiters are woken once when it begins.
    on: std::sync::atomic::AtomicBool,
    wake: tokio::sync::Notify,
}

impl Pressure {
    /// Called after each accept: wakes every connection when pressure begins.
    fn check(&self) {
        let low = self.permits.available_permits() < self.low;
        if low && !self.on.swap(true, Ordering::AcqRel) {
            tracing::info!("connection places running low; idle connections are closed early");
            self.wake.notify_waiters();
        } else if !low {
            self.on.store(false, Ordering::Release);
        }
    }

    /// The limits now: under pressure, five seconds idle and two before the first request.
    fn limits(&self, normal: &ConnLimits) -> ConnLimits {
        if self.permits.available_permits() >= self.low {
            return *normal;
        }
        ConnLimits {
            idle: normal.idle.min(Duration::from_secs(5)),
            first: normal.first.min(Duration::from_secs(2)),
            ..*normal
        }
    }
}

/// One accepted connection and what serving it needs.
struct Conn {
    peer: SocketAddr,
    router: Router,
    trusted: Arc<Vec<Cidr>>,
    shutdown: watch::Receiver<bool>,
    limits: ConnLimits,
    pressure: Arc<Pressure>,
}

impl Conn {
    /// Serves HTTP/1.1 or HTTP/2 until the client closes, or the server closes it: no first
    /// request within the header deadline, idle for `idle_timeout_s` (pings are not
    /// requests), a response the client does not take for longer than a request may last,
    /// `max_connection_age_s` reached, or shutdown. The server asks the client to close
    /// (HTTP/2 GOAWAY) and cuts the connection off after the grace period.
    async fn serve<S>(self, builder: &Builder<TokioExecutor>, stream: S, tls: bool) -> Ended
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let Conn {
            peer,
            router,
            trusted,
            mut shutdown,
            limits,
            pressure,
        } = self;
        let activity = Arc::new(Activity {
            started: Instant::now(),
            in_flight: AtomicUsize::new(0),
            completed: AtomicU64::new(0),
            last_ms: AtomicU64::new(0),
        });
        let service = {
            let activity = activity.clone();
            hyper::service::service_fn(move |mut req: Request<Incoming>| {
                let busy = activity.begin();
                let client = client_ip(peer.ip(), req.headers(), &trusted);
                req.extensions_mut()
                    .insert(ClientAddr(SocketAddr::new(client, peer.port())));
                req.extensions_mut().insert(Tls(tls));
                req.extensions_mut().insert(Arrived(Instant::now()));
                let answer = router.clone().oneshot(req);
                async move {
                    let res = answer.await;
                    res.map(|r| {
                        r.map(|inner| {
                            axum::body::Body::new(Tracked {
                                inner,
                                busy: Some(busy),
                            })
                        })
                    })
                }
            })
        };
        // No upgrades: no route answers one, and an upgraded connection would leave these limits.
        let conn = builder.serve_connection(TokioIo::new(stream), service);
        let mut conn = std::pin::pin!(conn);
        let old_at = activity.started + limits.max_age;
        let mut cut_at: Option<Instant> = None;
        let mut cut_early = false;
        let mut timed_out = false;
        loop {
            let limits = pressure.limits(&limits);
            let due = activity.cut_at(&limits);
            tokio::select! {
                // Places ran low: look again with the shorter limits.
                _ = pressure.wake.notified(), if cut_at.is_none() => {}
                result = conn.as_mut() => {
                    if let Err(e) = result {
                        timed_out = e
                            .downcast_ref::<hyper::Error>()
                            .is_some_and(hyper::Error::is_timeout);
                        tracing::debug!(client.ip = %peer.ip(), error = %e, "connection ended with an error");
                    }
                    break;
                }
                _ = tokio::time::sleep_until(due.min(old_at)), if cut_at.is_none() => {
                    let now = Instant::now();
                    let stale = activity.cut_at(&limits) <= now;
                    if stale || now >= old_at {
                        cut_early = stale;
                        tracing::debug!(client.ip = %peer.ip(), stale, "closing connection");
                        conn.as_mut().graceful_shutdown();
                        cut_at = Some(now + limits.grace);
                    }
                }
                _ = shutdown.changed(), if cut_at.is_none() => {
                    conn.as_mut().graceful_shutdown();
                    cut_at = Some(Instant::now() + limits.grace);
                }
                _ = tokio::time::sleep_until(cut_at.unwrap_or(old_at)), if cut_at.is_some() => {
                    tracing::debug!(client.ip = %peer.ip(), "connection did not close in time; cut off");
                    break;
                }
            }
        }
        // Only connections the server had to cut count; one the client closed does not.
        let held = activity.completed.load(Ordering::Acquire) == 0 && (cut_early || timed_out);
        if held { Ended::Held } else { Ended::Served }
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
        .max_header_list_size(u32::try_from(config.max_header_bytes).unwrap_or(u32::MAX))
        .max_concurrent_streams(config.http2_max_streams)
        // Rapid reset (CVE-2023-44487) and its kin: streams the client opens and resets
        // before they are served, and streams it makes the server reset, are bounded; past
        // that the connection is closed with ENHANCE_YOUR_CALM.
        .max_pending_accept_reset_streams(20)
        .max_local_error_reset_streams(64)
        .keep_alive_interval(Duration::from_secs(30))
        .keep_alive_timeout(Duration::from_secs(10));
    b
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
