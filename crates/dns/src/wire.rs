//! Talking to DNS servers: plain questions (UDP, TCP when the answer is cut), and RFC 2136
//! updates signed with TSIG (RFC 8945) over TCP. Every exchange has a deadline, and an answer
//! is only taken when it is the reply to the question asked.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode, UpdateMessage};
use hickory_proto::rr::rdata::tsig::{TsigAlgorithm, TsigError};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType, TSigner};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

use crate::Error;
use crate::plan::{Change, Op};
use crate::record::{Rec, wire_name};

/// How long one exchange may take.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// A TSIG key: its name, algorithm and secret.
#[derive(Clone)]
pub struct TsigKey {
    /// The key's name, as the server knows it.
    pub name: String,
    /// The HMAC.
    pub algorithm: TsigAlgorithm,
    /// The shared secret.
    pub secret: Vec<u8>,
}

impl std::fmt::Debug for TsigKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TsigKey({} {:?})", self.name, self.algorithm)
    }
}

/// `hmac-sha256` (the default of `keymgr -t` and `tsig-keygen`), `hmac-sha384`, `hmac-sha512`.
pub fn algorithm(name: &str) -> Result<TsigAlgorithm, Error> {
    match name.trim_end_matches('.').to_ascii_lowercase().as_str() {
        "hmac-sha256" => Ok(TsigAlgorithm::HmacSha256),
        "hmac-sha384" => Ok(TsigAlgorithm::HmacSha384),
        "hmac-sha512" => Ok(TsigAlgorithm::HmacSha512),
        other => Err(Error::Key(format!(
            "TSIG algorithm {other:?} is not supported: use hmac-sha256, hmac-sha384 or hmac-sha512"
        ))),
    }
}

fn query_message(name: Name, kind: RecordType, dnssec: bool) -> Message {
    let mut m = Message::new(rand::random(), MessageType::Query, OpCode::Query);
    m.metadata.recursion_desired = true;
    if dnssec {
        // Checking disabled: a validating upstream hands over what it would reject, so the
        // chain walk can say why.
        m.metadata.checking_disabled = true;
        let mut edns = Edns::new();
        edns.set_dnssec_ok(true).set_max_payload(4096);
        m.set_edns(edns);
    }
    m.add_query(Query::query(name, kind));
    m
}

/// Asks `server` one question. With `dnssec`, asks for the signatures too (DO) and for what a
/// validating server would hold back (CD).
pub async fn query(
    server: SocketAddr,
    name: &Name,
    kind: RecordType,
    dnssec: bool,
) -> Result<Message, Error> {
    let q = query_message(name.clone(), kind, dnssec);
    let wire = q.to_vec().map_err(|e| Error::Encode(e.to_string()))?;
    let reply = tokio::time::timeout(TIMEOUT, udp_exchange(server, &q, &wire))
        .await
        .map_err(|_| Error::Timeout { server })??;
    if !reply.metadata.truncation {
        return Ok(reply);
    }
    tokio::time::timeout(TIMEOUT, tcp_exchange(server, &q, &wire))
        .await
        .map_err(|_| Error::Timeout { server })?
        .map(|(m, _)| m)
}

/// Whether `reply` answers `asked`: same id, a response, and the same question (a forger who
/// guessed the id must also match the question).
fn answers(asked: &Message, reply: &Message) -> bool {
    reply.metadata.id == asked.metadata.id
        && reply.metadata.message_type == MessageType::Response
        && reply.queries.len() == asked.queries.len()
        && reply.queries.iter().zip(&asked.queries).all(|(a, b)| {
            a.name() == b.name()
                && a.query_type() == b.query_type()
                && a.query_class() == b.query_class()
        })
}

async fn udp_exchange(server: SocketAddr, asked: &Message, wire: &[u8]) -> Result<Message, Error> {
    let io = |e: std::io::Error| Error::Io {
        server,
        reason: e.to_string(),
    };
    let bind: SocketAddr = if server.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let sock = UdpSocket::bind(bind).await.map_err(io)?;
    sock.connect(server).await.map_err(io)?;
    sock.send(wire).await.map_err(io)?;
    let mut buf = vec![0u8; 65535];
    loop {
        let n = sock.recv(&mut buf).await.map_err(io)?;
        // Anything that is not the reply to this question is ignored (forgery, late replies).
        let Ok(m) = Message::from_vec(&buf[..n]) else {
            continue;
        };
        if answers(asked, &m) {
            return Ok(m);
        }
    }
}

async fn tcp_exchange(
    server: SocketAddr,
    asked: &Message,
    wire: &[u8],
) -> Result<(Message, Vec<u8>), Error> {
    let io = |e: std::io::Error| Error::Io {
        server,
        reason: e.to_string(),
    };
    let len = u16::try_from(wire.len()).map_err(|_| Error::Encode("message too long".into()))?;
    let mut tcp = TcpStream::connect(server).await.map_err(io)?;
    let mut out = Vec::with_capacity(wire.len() + 2);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(wire);
    tcp.write_all(&out).await.map_err(io)?;
    let n = tcp.read_u16().await.map_err(io)?;
    let mut buf = vec![0u8; usize::from(n)];
    tcp.read_exact(&mut buf).await.map_err(io)?;
    let m = Message::from_vec(&buf).map_err(|e| Error::Io {
        server,
        reason: format!("unreadable reply: {e}"),
    })?;
    if !answers(asked, &m) {
        return Err(Error::Io {
            server,
            reason: "the reply does not answer the request".into(),
        });
    }
    Ok((m, buf))
}

/// The records of `name` and `kind` as `server` (the zone's primary) has them, without
/// recursion. NXDOMAIN and NODATA are an empty list.
pub async fn records(server: SocketAddr, name: &str, kind: RecordType) -> Result<Vec<Rec>, Error> {
    let wname = wire_name(name)?;
    let mut q = query_message(wname.clone(), kind, false);
    q.metadata.recursion_desired = false;
    let wire = q.to_vec().map_err(|e| Error::Encode(e.to_string()))?;
    // TCP: the whole record set, whatever its size (DKIM keys), and no spoofed answer.
    let (m, _) = tokio::time::timeout(TIMEOUT, tcp_exchange(server, &q, &wire))
        .await
        .map_err(|_| Error::Timeout { server })??;
    match m.metadata.response_code {
        ResponseCode::NoError | ResponseCode::NXDomain => {}
        rc => {
            return Err(Error::Answer {
                server,
                name: name.to_string(),
                rcode: rc.to_string(),
            });
        }
    }
    Ok(m.answers
        .iter()
        .filter(|r| r.record_type() == kind && r.name == wname)
        .filter_map(Rec::from_wire)
        .collect())
}

/// Sends `changes` to `zone` at `server` as one update (the server applies all or none), signed
/// with `key`; only a signed NOERROR counts as done.
pub async fn update(
    server: SocketAddr,
    zone: &str,
    changes: &[Change],
    key: &TsigKey,
) -> Result<(), Error> {
    let zone_name = wire_name(zone)?;
    let mut msg = Message::new(rand::random(), MessageType::Query, OpCode::Update);
    let mut z = Query::query(zone_name.clone(), RecordType::SOA);
    z.set_query_class(DNSClass::IN);
    msg.add_zone(z);
    for c in changes {
        let mut r: Record = c.rec.to_wire()?;
        if !zone_name.zone_of(&r.name) {
            return Err(Error::OutOfZone {
                name: c.rec.name.clone(),
                zone: zone.to_string(),
            });
        }
        if c.op == Op::Delete {
            // RFC 2136 §2.5.4: class NONE, TTL 0 deletes exactly this record.
            r.dns_class = DNSClass::NONE;
            r.ttl = 0;
        }
        msg.add_update(r);
    }
    let signer = TSigner::new(
        key.secret.clone(),
        key.algorithm.clone(),
        Name::from_ascii(format!("{}.", key.name.trim_end_matches('.')))
            .map_err(|e| Error::Key(format!("key name {:?}: {e}", key.name)))?,
        300,
    )
    .map_err(|e| Error::Key(e.to_string()))?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut verifier = msg
        .finalize(&signer, now)
        .map_err(|e| Error::Encode(e.to_string()))?
        .ok_or_else(|| Error::Encode("TSIG signing gave no verifier".into()))?;
    let wire = msg.to_vec().map_err(|e| Error::Encode(e.to_string()))?;
    let (reply, bytes) = tokio::time::timeout(TIMEOUT, tcp_exchange(server, &msg, &wire))
        .await
        .map_err(|_| Error::Timeout { server })??;
    // Error replies (BADSIG, BADKEY) are not signed (RFC 8945 §5.3.2): judge them first.
    let tsig_error = reply.signature().and_then(|t| t.data.error);
    let rcode = reply.metadata.response_code;
    if rcode != ResponseCode::NoError || tsig_error.is_some() {
        return Err(refusal(server, zone, &key.name, rcode, tsig_error));
    }
    if reply.signature().is_none() {
        return Err(Error::Unsigned {
            server,
            detail: "the reply carries no TSIG".into(),
        });
    }
    verifier.verify(&bytes).map_err(|e| Error::Unsigned {
        server,
        detail: e.to_string(),
    })?;
    Ok(())
}

/// An update refused, in words that say what to fix.
fn refusal(
    server: SocketAddr,
    zone: &str,
    key: &str,
    rcode: ResponseCode,
    tsig: Option<TsigError>,
) -> Error {
    let hint = match (&tsig, rcode) {
        (Some(TsigError::BadSig), _) => format!(
            "the server knows key {key} but its secret differs from ours: copy the secret from the server's key into the secret file again"
        ),
        (Some(TsigError::BadKey), _) => format!(
            "the server does not know key {key}, or its ACL does not let the key make this change in {zone}: allow the key to update the zone, for the types A, AAAA, TXT and CAA (dist/knot/knot.conf)"
        ),
        (Some(TsigError::BadTime), _) => {
            "the clocks of this machine and the DNS server differ by more than 5 minutes: check NTP on both".to_string()
        }
        (Some(other), _) => format!("TSIG error {other:?}"),
        (None, ResponseCode::NotAuth) => format!(
            "the server is not authoritative for {zone}, or did not accept the key {key} for it"
        ),
        (None, ResponseCode::Refused) => format!(
            "the server refused: is {key} allowed to update {zone} (the zone's update ACL, e.g. Knot's `acl: {{ key: {key}, action: update }}`)?"
        ),
        (None, ResponseCode::NotZone) => format!("{zone} is not a zone on that server"),
        (None, ResponseCode::ServFail) => {
            "the server failed to apply it (Knot: does the `database: storage:` directory exist, and is the zone loaded? see its log)".to_string()
        }
        (None, rc) => format!("answer {rc}"),
    };
    let tsig = tsig
        .map(|t| format!(", TSIG {}", format!("{t:?}").to_uppercase()))
        .unwrap_or_default();
    Error::Refused(format!(
        "{server} refused the update of {zone} ({rcode}{tsig}): {hint}"
    ))
}

/// The records of `kind` in a reply's answers, by name.
pub fn answers_of(m: &Message, kind: RecordType) -> Vec<&Record> {
    m.answers
        .iter()
        .filter(|r| r.record_type() == kind)
        .collect()
}

/// The data of the records of `kind` in a reply's answers.
pub fn rdata_of(m: &Message, kind: RecordType) -> Vec<&RData> {
    answers_of(m, kind).into_iter().map(|r| &r.data).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_must_answer_the_question_asked() {
        let name = Name::from_ascii("example.nl.").unwrap_or_default();
        let asked = query_message(name.clone(), RecordType::DNSKEY, true);
        let mut reply = Message::new(asked.metadata.id, MessageType::Response, OpCode::Query);
        reply.add_query(Query::query(name.clone(), RecordType::DNSKEY));
        assert!(answers(&asked, &reply));
        let mut other = Message::new(asked.metadata.id, MessageType::Response, OpCode::Query);
        other.add_query(Query::query(name.clone(), RecordType::DS));
        assert!(!answers(&asked, &other), "same id, another question");
        let mut id = Message::new(
            asked.metadata.id.wrapping_add(1),
            MessageType::Response,
            OpCode::Query,
        );
        id.add_query(Query::query(name, RecordType::DNSKEY));
        assert!(!answers(&asked, &id));
        let empty = Message::new(asked.metadata.id, MessageType::Response, OpCode::Query);
        assert!(!answers(&asked, &empty), "no question at all");
    }
}
