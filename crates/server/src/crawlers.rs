//! Forward-confirmed reverse DNS for clients that claim to be Googlebot or Bingbot: the
//! address must resolve to a name of the search engine, and that name back to the address.
//! Only then is a crawler spared a 404 ban; verdicts are cached for a day.
//!
//! The questions go straight to a DNS server over UDP (the configured one, or the first
//! `nameserver` of `/etc/resolv.conf`): a stub resolver would answer loopback and private
//! names itself, and this check must only trust what the DNS says.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::Duration;

use hickory_proto::op::{Message, MessageType, OpCode, Query};
use hickory_proto::rr::{Name, RData, RecordType};
use shield::crawlers::Crawler;
use tokio::net::UdpSocket;

/// How long a verdict is kept.
const TTL: i64 = 86_400;
/// Verdicts kept at most.
const MAX_CACHED: usize = 10_000;
/// Per question.
const TIMEOUT: Duration = Duration::from_secs(3);

/// Checks crawler claims through DNS.
pub struct Verifier {
    server: Option<SocketAddr>,
    cache: Mutex<HashMap<IpAddr, (bool, i64)>>,
}

impl Verifier {
    /// Asks `server`, or when `None` the first name server of `/etc/resolv.conf`.
    pub fn new(server: Option<SocketAddr>) -> Verifier {
        Verifier {
            server: server.or_else(system_server),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The cached verdict on `ip`, if there is a fresh one.
    pub fn known(&self, ip: IpAddr, now: i64) -> Option<bool> {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .get(&ip)
            .filter(|(_, at)| now - at < TTL)
            .map(|(ok, _)| *ok)
    }

    /// Whether `ip` really is `crawler`: PTR to one of its names, and that name's A/AAAA back
    /// to `ip`. No answer counts as "no".
    pub async fn verify(&self, ip: IpAddr, crawler: Crawler, now: i64) -> bool {
        if let Some(v) = self.known(ip, now) {
            return v;
        }
        let ok = match self.server {
            Some(server) => check(server, ip, crawler).await,
            None => {
                tracing::warn!(target: "shield", "no DNS server for the crawler check (shield.crawler_dns)");
                false
            }
        };
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= MAX_CACHED {
            cache.retain(|_, (_, at)| now - *at < TTL);
            if cache.len() >= MAX_CACHED {
                cache.clear();
            }
        }
        cache.insert(ip, (ok, now));
        ok
    }
}

async fn check(server: SocketAddr, ip: IpAddr, crawler: Crawler) -> bool {
    let names = match ask(server, Name::from(ip), RecordType::PTR).await {
        Ok(a) => a,
        Err(e) => {
            tracing::debug!(target: "shield", error = %e, client.ip = %ip, "reverse DNS failed");
            return false;
        }
    };
    for rdata in names {
        let RData::PTR(ptr) = rdata else { continue };
        let name = ptr.0;
        if !crawler.owns(&name.to_ascii()) {
            continue;
        }
        let kind = if ip.is_ipv4() {
            RecordType::A
        } else {
            RecordType::AAAA
        };
        if let Ok(addrs) = ask(server, name, kind).await {
            let back = addrs.iter().any(|r| match r {
                RData::A(a) => IpAddr::V4(a.0) == ip,
                RData::AAAA(a) => IpAddr::V6(a.0) == ip,
                _ => false,
            });
            if back {
                return true;
            }
        }
    }
    false
}

/// One question over UDP; the answers of the asked type.
async fn ask(server: SocketAddr, name: Name, kind: RecordType) -> anyhow::Result<Vec<RData>> {
    let id: u16 = rand::random();
    let mut q = Message::new(id, MessageType::Query, OpCode::Query);
    q.metadata.recursion_desired = true;
    q.add_query(Query::query(name, kind));
    let bind: SocketAddr = if server.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let sock = UdpSocket::bind(bind).await?;
    sock.connect(server).await?;
    sock.send(&q.to_vec()?).await?;
    let mut buf = vec![0u8; 4096];
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    loop {
        let n = tokio::time::timeout_at(deadline, sock.recv(&mut buf)).await??;
        let Ok(r) = Message::from_vec(&buf[..n]) else {
            continue;
        };
        // Ignore anything that is not the answer to this question (spoofing).
        if r.metadata.id != id || r.metadata.message_type != MessageType::Response {
            continue;
        }
        return Ok(r
            .answers
            .iter()
            .filter(|rec| rec.record_type() == kind)
            .map(|rec| rec.data.clone())
            .collect());
    }
}

/// The first `nameserver` of `/etc/resolv.conf`.
fn system_server() -> Option<SocketAddr> {
    let conf = std::fs::read_to_string("/etc/resolv.conf").ok()?;
    conf.lines()
        .filter_map(|l| l.trim().strip_prefix("nameserver"))
        .filter_map(|rest| rest.trim().split('%').next()?.parse::<IpAddr>().ok())
        .map(|ip| SocketAddr::new(ip, 53))
        .next()
}
