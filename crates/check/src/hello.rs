//! Hand-built ClientHellos and the reading of what a server answers, up to its key exchange.
//!
//! rustls cannot offer SSL 3.0, TLS 1.0 or 1.1, nor any weak suite or group, and that is exactly
//! what a check must offer to see whether a server takes it. A probe only needs the server's
//! first flight, which is in the clear before TLS 1.3 (ServerHello, Certificate,
//! ServerKeyExchange) and still says enough in TLS 1.3 (ServerHello or HelloRetryRequest), so
//! no key is ever agreed: the probe reads, judges and hangs up.
//!
//! Everything here is pure and bounded: [`Flight::parse`] takes whatever bytes arrived (a
//! server can send anything) and never panics, never reads past a length it was given, and
//! refuses records longer than TLS allows.

/// Protocol versions, as on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// SSL 2.0 (its own hello format).
    Ssl2,
    /// SSL 3.0.
    Ssl3,
    /// TLS 1.0.
    Tls10,
    /// TLS 1.1.
    Tls11,
    /// TLS 1.2.
    Tls12,
    /// TLS 1.3.
    Tls13,
}

impl Version {
    /// The two bytes on the wire.
    pub fn wire(self) -> u16 {
        match self {
            Version::Ssl2 => 0x0002,
            Version::Ssl3 => 0x0300,
            Version::Tls10 => 0x0301,
            Version::Tls11 => 0x0302,
            Version::Tls12 => 0x0303,
            Version::Tls13 => 0x0304,
        }
    }

    /// From the wire.
    pub fn from_wire(v: u16) -> Option<Version> {
        Some(match v {
            0x0002 => Version::Ssl2,
            0x0300 => Version::Ssl3,
            0x0301 => Version::Tls10,
            0x0302 => Version::Tls11,
            0x0303 => Version::Tls12,
            0x0304 => Version::Tls13,
            _ => return None,
        })
    }

    /// `TLS 1.2`.
    pub fn name(self) -> &'static str {
        match self {
            Version::Ssl2 => "SSL 2.0",
            Version::Ssl3 => "SSL 3.0",
            Version::Tls10 => "TLS 1.0",
            Version::Tls11 => "TLS 1.1",
            Version::Tls12 => "TLS 1.2",
            Version::Tls13 => "TLS 1.3",
        }
    }
}

/// Extension code points used here.
pub mod ext {
    /// server_name (RFC 6066).
    pub const SERVER_NAME: u16 = 0;
    /// supported_groups (RFC 8422).
    pub const SUPPORTED_GROUPS: u16 = 10;
    /// ec_point_formats.
    pub const EC_POINT_FORMATS: u16 = 11;
    /// signature_algorithms.
    pub const SIGNATURE_ALGORITHMS: u16 = 13;
    /// extended_master_secret (RFC 7627).
    pub const EXTENDED_MASTER_SECRET: u16 = 23;
    /// supported_versions (RFC 8446).
    pub const SUPPORTED_VERSIONS: u16 = 43;
    /// key_share (RFC 8446).
    pub const KEY_SHARE: u16 = 51;
    /// renegotiation_info (RFC 5746).
    pub const RENEGOTIATION_INFO: u16 = 0xFF01;
}

/// The signature schemes a normal client offers: SHA-2 and the intrinsic ones.
pub const SIGALGS_SHA2: &[u16] = &[
    0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0807, 0x0808, 0x0401, 0x0501, 0x0601, 0x0402,
];
/// Only SHA-1 (RSA, DSA, ECDSA): a server that signs with one of these accepts SHA-1.
pub const SIGALGS_SHA1: &[u16] = &[0x0201, 0x0202, 0x0203];
/// Only SHA-224.
pub const SIGALGS_SHA224: &[u16] = &[0x0301, 0x0302, 0x0303];

/// What a hand-built ClientHello offers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hello {
    /// The version offered: `client_version` up to TLS 1.2; TLS 1.3 through supported_versions.
    pub version: Version,
    /// Cipher suites, in preference order.
    pub suites: Vec<u16>,
    /// supported_groups (empty: the extension is left out).
    pub groups: Vec<u16>,
    /// signature_algorithms (TLS 1.2 and 1.3 only; empty: left out).
    pub sigalgs: Vec<u16>,
    /// SNI (left out for an address).
    pub server_name: Option<String>,
    /// Offer DEFLATE compression as well as none.
    pub deflate: bool,
    /// 32 random bytes.
    pub random: [u8; 32],
}

impl Hello {
    /// A hello for `version` with every suite this crate knows for it and every group.
    pub fn new(version: Version, server_name: Option<&str>, random: [u8; 32]) -> Hello {
        let suites = if version == Version::Tls13 {
            crate::suites::tls13_ids()
        } else {
            crate::suites::legacy_ids()
        };
        Hello {
            version,
            suites,
            groups: crate::suites::GROUPS.iter().map(|g| g.id).collect(),
            sigalgs: if version >= Version::Tls12 {
                [SIGALGS_SHA2, SIGALGS_SHA224, SIGALGS_SHA1].concat()
            } else {
                Vec::new()
            },
            server_name: server_name
                .filter(|n| n.parse::<std::net::IpAddr>().is_err() && !n.is_empty())
                .map(|n| n.trim_end_matches('.').to_ascii_lowercase()),
            deflate: false,
            random,
        }
    }

    /// The bytes to send: one handshake record, or the SSL 2.0 form.
    pub fn to_bytes(&self) -> Vec<u8> {
        if self.version == Version::Ssl2 {
            return sslv2_hello(&self.random);
        }
        let mut body = Vec::with_capacity(512);
        let client_version = self.version.min(Version::Tls12).wire();
        body.extend_from_slice(&client_version.to_be_bytes());
        body.extend_from_slice(&self.random);
        body.push(0); // no session id
        put_u16_list(&mut body, &self.suites);
        if self.deflate {
            body.extend_from_slice(&[2, 1, 0]);
        } else {
            body.extend_from_slice(&[1, 0]);
        }
        if self.version > Version::Ssl3 {
            let mut exts = Vec::with_capacity(256);
            if let Some(name) = &self.server_name {
                let name = name.as_bytes();
                let mut list = Vec::with_capacity(name.len() + 3);
                list.push(0);
                put_u16(&mut list, name.len());
                list.extend_from_slice(name);
                let mut data = Vec::with_capacity(list.len() + 2);
                put_u16(&mut data, list.len());
                data.extend_from_slice(&list);
                put_ext(&mut exts, ext::SERVER_NAME, &data);
            }
            if !self.groups.is_empty() {
                let mut data = Vec::new();
                put_u16_list(&mut data, &self.groups);
                put_ext(&mut exts, ext::SUPPORTED_GROUPS, &data);
                put_ext(&mut exts, ext::EC_POINT_FORMATS, &[1, 0]);
            }
            if self.version >= Version::Tls12 && !self.sigalgs.is_empty() {
                let mut data = Vec::new();
                put_u16_list(&mut data, &self.sigalgs);
                put_ext(&mut exts, ext::SIGNATURE_ALGORITHMS, &data);
            }
            put_ext(&mut exts, ext::RENEGOTIATION_INFO, &[0]);
            put_ext(&mut exts, ext::EXTENDED_MASTER_SECRET, &[]);
            if self.version == Version::Tls13 {
                put_ext(&mut exts, ext::SUPPORTED_VERSIONS, &[2, 0x03, 0x04]);
                // No share at all: a server that supports one of our groups answers with a
                // HelloRetryRequest naming it, which is all a probe needs.
                put_ext(&mut exts, ext::KEY_SHARE, &[0, 0]);
            }
            put_u16(&mut body, exts.len());
            body.extend_from_slice(&exts);
        }
        let mut hs = Vec::with_capacity(body.len() + 4);
        hs.push(1); // client_hello
        put_u24(&mut hs, body.len());
        hs.extend_from_slice(&body);
        let mut record = Vec::with_capacity(hs.len() + 5);
        record.push(22);
        let record_version = if self.version == Version::Ssl3 {
            0x0300u16
        } else {
            0x0301
        };
        record.extend_from_slice(&record_version.to_be_bytes());
        put_u16(&mut record, hs.len());
        record.extend_from_slice(&hs);
        record
    }
}

fn put_u16(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&u16::try_from(n).unwrap_or(u16::MAX).to_be_bytes());
}

fn put_u24(out: &mut Vec<u8>, n: usize) {
    let n = u32::try_from(n).unwrap_or(0x00FF_FFFF).min(0x00FF_FFFF);
    out.extend_from_slice(&n.to_be_bytes()[1..]);
}

fn put_u16_list(out: &mut Vec<u8>, items: &[u16]) {
    put_u16(out, items.len() * 2);
    for i in items {
        out.extend_from_slice(&i.to_be_bytes());
    }
}

fn put_ext(out: &mut Vec<u8>, kind: u16, data: &[u8]) {
    out.extend_from_slice(&kind.to_be_bytes());
    put_u16(out, data.len());
    out.extend_from_slice(data);
}

/// An SSL 2.0 CLIENT-HELLO offering the SSL 2.0 ciphers.
fn sslv2_hello(random: &[u8; 32]) -> Vec<u8> {
    const CIPHERS: [[u8; 3]; 7] = [
        [0x01, 0x00, 0x80],
        [0x02, 0x00, 0x80],
        [0x03, 0x00, 0x80],
        [0x04, 0x00, 0x80],
        [0x05, 0x00, 0x80],
        [0x06, 0x00, 0x40],
        [0x07, 0x00, 0xC0],
    ];
    let mut body = vec![1, 0x00, 0x02];
    put_u16(&mut body, CIPHERS.len() * 3);
    put_u16(&mut body, 0);
    put_u16(&mut body, 16);
    for c in CIPHERS {
        body.extend_from_slice(&c);
    }
    body.extend_from_slice(&random[..16]);
    let len = u16::try_from(body.len()).unwrap_or(0x7FFF) | 0x8000;
    let mut out = len.to_be_bytes().to_vec();
    out.extend_from_slice(&body);
    out
}

/// SHA-256 of "HelloRetryRequest": the `random` of a HelloRetryRequest (RFC 8446 §4.1.3).
const HRR_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

/// The most a probe reads from one server: enough for a long certificate chain.
pub const MAX_FLIGHT: usize = 256 * 1024;

/// Longest record TLS allows (2^14 plus expansion, RFC 5246 §6.2.3).
const MAX_RECORD: usize = 16_384 + 2048;

/// Longest handshake message taken (a certificate chain of 64 KiB is already unusual).
const MAX_HANDSHAKE: usize = 128 * 1024;

/// Records in one first flight (a server sends a few; each carries at most 16 KB).
const MAX_RECORDS: usize = 64;

/// Handshake messages in one first flight (ServerHello to ServerHelloDone: five or six).
const MAX_MESSAGES: usize = 32;

/// A server's ServerHello (or HelloRetryRequest).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerHello {
    /// `server_version` / `legacy_version`.
    pub legacy_version: u16,
    /// The chosen suite.
    pub suite: u16,
    /// The chosen compression method (0: none, 1: DEFLATE).
    pub compression: u8,
    /// Whether it is a HelloRetryRequest.
    pub retry: bool,
    /// Its extensions.
    pub extensions: Vec<(u16, Vec<u8>)>,
}

impl ServerHello {
    /// The extension `kind`'s data.
    pub fn extension(&self, kind: u16) -> Option<&[u8]> {
        self.extensions
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, d)| d.as_slice())
    }

    /// The negotiated version: supported_versions when present, else `legacy_version`.
    pub fn version(&self) -> Option<Version> {
        match self.extension(ext::SUPPORTED_VERSIONS) {
            Some([a, b]) => Version::from_wire(u16::from_be_bytes([*a, *b])),
            _ => Version::from_wire(self.legacy_version),
        }
    }

    /// The group of the key share (TLS 1.3), or the one a HelloRetryRequest asks for.
    pub fn key_share_group(&self) -> Option<u16> {
        match self.extension(ext::KEY_SHARE) {
            Some([a, b, ..]) => Some(u16::from_be_bytes([*a, *b])),
            _ => None,
        }
    }
}

/// The parameters of a TLS 1.2 (or older) ServerKeyExchange.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyExchange {
    /// ECDHE: the named curve.
    pub group: Option<u16>,
    /// DHE: the prime.
    pub dh_prime: Vec<u8>,
    /// DHE: the generator.
    pub dh_generator: Vec<u8>,
    /// The signature scheme (TLS 1.2 only).
    pub sigalg: Option<u16>,
}

/// What the server sent back, as far as it was read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Flight {
    /// The ServerHello.
    pub hello: Option<ServerHello>,
    /// Certificates of the Certificate message (TLS 1.2 and older), leaf first.
    pub certificates: Vec<Vec<u8>>,
    /// The raw ServerKeyExchange body.
    pub key_exchange: Option<Vec<u8>>,
    /// ServerHelloDone arrived: the first flight is complete.
    pub done: bool,
    /// An alert: (level, description).
    pub alert: Option<(u8, u8)>,
    /// The server answered SSL 2.0's SERVER-HELLO.
    pub sslv2: bool,
    /// The rest is encrypted (TLS 1.3) or otherwise past what can be read.
    pub encrypted: bool,
    /// Handshake messages read.
    messages: usize,
}

/// Why a server's answer cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Garbled {
    /// Not TLS at all (an HTTP answer, a banner).
    NotTls(String),
    /// A length field beyond what TLS allows.
    TooLong,
    /// A message that does not parse.
    Malformed(&'static str),
}

impl std::fmt::Display for Garbled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Garbled::NotTls(s) => write!(f, "the server did not answer in TLS ({s})"),
            Garbled::TooLong => f.write_str("the server sent a record longer than TLS allows"),
            Garbled::Malformed(what) => write!(f, "the server sent a malformed {what}"),
        }
    }
}

/// A bounds-checked reader.
struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.buf.len() {
            return None;
        }
        let (a, b) = self.buf.split_at(n);
        self.buf = b;
        Some(a)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }
    fn u24(&mut self) -> Option<usize> {
        self.take(3)
            .map(|b| (usize::from(b[0]) << 16) | (usize::from(b[1]) << 8) | usize::from(b[2]))
    }
    fn vec8(&mut self) -> Option<&'a [u8]> {
        let n = self.u8()?;
        self.take(usize::from(n))
    }
    fn vec16(&mut self) -> Option<&'a [u8]> {
        let n = self.u16()?;
        self.take(usize::from(n))
    }
    fn vec24(&mut self) -> Option<&'a [u8]> {
        let n = self.u24()?;
        self.take(n)
    }
}

impl Flight {
    /// Reads what `bytes` hold so far. Incomplete records and messages are left for later
    /// (call again with more bytes); what cannot be TLS is an error.
    pub fn parse(bytes: &[u8]) -> Result<Flight, Garbled> {
        let mut flight = Flight::default();
        if bytes.is_empty() {
            return Ok(flight);
        }
        if bytes[0] & 0x80 != 0 {
            // An SSL 2.0 record: two length bytes, then the message type (4: SERVER-HELLO).
            flight.sslv2 = bytes.get(2) == Some(&4);
            if !flight.sslv2 && bytes.len() >= 3 {
                return Err(Garbled::NotTls(
                    "an SSL 2.0 message other than SERVER-HELLO".into(),
                ));
            }
            return Ok(flight);
        }
        let mut records = Reader { buf: bytes };
        let mut handshake: Vec<u8> = Vec::new();
        let mut read_to = 0;
        let mut count = 0;
        while records.buf.len() >= 5 {
            // A first flight is a handful of records; thousands of tiny ones are an attack on
            // the parser, not a server's answer.
            count += 1;
            if count > MAX_RECORDS {
                return Err(Garbled::Malformed("flight (too many records)"));
            }
            let kind = records.buf[0];
            let len = usize::from(u16::from_be_bytes([records.buf[3], records.buf[4]]));
            if !matches!(kind, 20..=23) || records.buf[1] != 3 {
                let shown: String = bytes
                    .iter()
                    .take(24)
                    .map(|&b| {
                        if b.is_ascii_graphic() || b == b' ' {
                            b as char
                        } else {
                            '.'
                        }
                    })
                    .collect();
                return Err(Garbled::NotTls(format!("it began with {shown:?}")));
            }
            if len > MAX_RECORD {
                return Err(Garbled::TooLong);
            }
            if records.buf.len() < 5 + len {
                break;
            }
            let _ = records.take(5);
            let payload = records.take(len).unwrap_or_default();
            match kind {
                21 => {
                    if let [level, desc, ..] = payload {
                        flight.alert = Some((*level, *desc));
                    } else {
                        return Err(Garbled::Malformed("alert"));
                    }
                    break;
                }
                22 => {
                    // RFC 5246 §6.2.1: handshake fragments are never empty.
                    if payload.is_empty() {
                        return Err(Garbled::Malformed("handshake record (empty)"));
                    }
                    if handshake.len() + payload.len() > MAX_HANDSHAKE + 4 {
                        return Err(Garbled::TooLong);
                    }
                    handshake.extend_from_slice(payload);
                    flight.read_messages(&handshake, &mut read_to)?;
                    if flight.done {
                        break;
                    }
                }
                23 => {
                    flight.encrypted = true;
                    break;
                }
                _ => {} // ChangeCipherSpec (TLS 1.3 middlebox compatibility)
            }
        }
        Ok(flight)
    }

    /// Reads the complete handshake messages in `hs` from `*read_to` on, and moves `*read_to`
    /// past them (each message is read once, however many records it came in).
    fn read_messages(&mut self, hs: &[u8], read_to: &mut usize) -> Result<(), Garbled> {
        let mut r = Reader {
            buf: hs.get(*read_to..).unwrap_or_default(),
        };
        while r.buf.len() >= 4 {
            let kind = r.buf[0];
            let len = (usize::from(r.buf[1]) << 16)
                | (usize::from(r.buf[2]) << 8)
                | usize::from(r.buf[3]);
            if len > MAX_HANDSHAKE {
                return Err(Garbled::TooLong);
            }
            if r.buf.len() < 4 + len {
                return Ok(());
            }
            let _ = r.take(4);
            let body = r.take(len).unwrap_or_default();
            *read_to += 4 + len;
            self.messages += 1;
            if self.messages > MAX_MESSAGES {
                return Err(Garbled::Malformed("flight (too many handshake messages)"));
            }
            match kind {
                2 if self.hello.is_none() => {
                    self.hello =
                        Some(parse_server_hello(body).ok_or(Garbled::Malformed("ServerHello"))?);
                }
                11 if self.certificates.is_empty() => {
                    self.certificates =
                        parse_certificates(body).ok_or(Garbled::Malformed("Certificate"))?;
                }
                12 if self.key_exchange.is_none() => self.key_exchange = Some(body.to_vec()),
                14 => {
                    self.done = true;
                    return Ok(());
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Whether the server has said enough: a hello or a refusal (`full`: the whole first flight).
    pub fn complete(&self, full: bool) -> bool {
        if self.alert.is_some() || self.sslv2 || self.encrypted {
            return true;
        }
        match &self.hello {
            None => false,
            Some(_) if !full => true,
            Some(h) => self.done || h.retry || h.version() == Some(Version::Tls13),
        }
    }

    /// The ServerKeyExchange read for the hello's suite.
    pub fn key_exchange(&self) -> Option<KeyExchange> {
        let hello = self.hello.as_ref()?;
        let body = self.key_exchange.as_ref()?;
        let kx = crate::suites::suite(hello.suite)?.kx;
        let tls12 = hello.version() == Some(Version::Tls12);
        parse_key_exchange(body, kx, tls12)
    }
}

fn parse_server_hello(body: &[u8]) -> Option<ServerHello> {
    let mut r = Reader { buf: body };
    let legacy_version = r.u16()?;
    let random = r.take(32)?;
    let _session = r.vec8()?;
    let suite = r.u16()?;
    let compression = r.u8()?;
    let mut extensions = Vec::new();
    if !r.buf.is_empty() {
        let mut e = Reader { buf: r.vec16()? };
        while !e.buf.is_empty() {
            let kind = e.u16()?;
            let data = e.vec16()?;
            extensions.push((kind, data.to_vec()));
        }
    }
    Some(ServerHello {
        legacy_version,
        suite,
        compression,
        retry: random == HRR_RANDOM,
        extensions,
    })
}

fn parse_certificates(body: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut r = Reader { buf: body };
    let mut list = Reader { buf: r.vec24()? };
    let mut out = Vec::new();
    while !list.buf.is_empty() {
        out.push(list.vec24()?.to_vec());
    }
    Some(out)
}

fn parse_key_exchange(body: &[u8], kx: crate::suites::Kx, tls12: bool) -> Option<KeyExchange> {
    use crate::suites::Kx;
    let mut r = Reader { buf: body };
    let mut out = KeyExchange {
        group: None,
        dh_prime: Vec::new(),
        dh_generator: Vec::new(),
        sigalg: None,
    };
    match kx {
        Kx::Ecdhe => {
            if r.u8()? != 3 {
                return None; // explicit curves: nobody should, and we cannot name them
            }
            out.group = Some(r.u16()?);
            let _point = r.vec8()?;
        }
        Kx::Dhe => {
            out.dh_prime = r.vec16()?.to_vec();
            out.dh_generator = r.vec16()?.to_vec();
            let _ys = r.vec16()?;
        }
        _ => return Some(out),
    }
    if tls12 {
        out.sigalg = r.u16();
    }
    Some(out)
}

/// An alert's description in words.
pub fn alert_name(desc: u8) -> &'static str {
    match desc {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        40 => "handshake_failure",
        47 => "illegal_parameter",
        50 => "decode_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        109 => "missing_extension",
        110 => "unsupported_extension",
        112 => "unrecognized_name",
        _ => "alert",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![kind, 3, 3];
        put_u16(&mut out, payload.len());
        out.extend_from_slice(payload);
        out
    }

    fn handshake(kind: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![kind];
        put_u24(&mut out, body.len());
        out.extend_from_slice(body);
        out
    }

    /// Thousands of empty or tiny records and messages are refused at once, not read again
    /// and again.
    #[test]
    fn a_flood_of_tiny_records_is_refused_quickly() {
        let start = std::time::Instant::now();
        let mut flood = Vec::new();
        for _ in 0..30_000 {
            flood.extend_from_slice(&[22, 3, 3, 0, 0]);
        }
        assert!(Flight::parse(&flood).is_err(), "empty handshake records");
        let mut msgs = Vec::new();
        for _ in 0..4_000 {
            msgs.extend_from_slice(&handshake(0, &[]));
        }
        let one = record(22, &msgs[..16_000]);
        assert!(Flight::parse(&one).is_err(), "thousands of messages");
        let mut tiny = Vec::new();
        for _ in 0..1_000 {
            tiny.extend_from_slice(&record(22, &[0]));
        }
        assert!(Flight::parse(&tiny).is_err(), "thousands of records");
        assert!(start.elapsed() < std::time::Duration::from_millis(500));
    }

    fn server_hello(version: u16, suite: u16, exts: &[(u16, &[u8])]) -> Vec<u8> {
        let mut b = version.to_be_bytes().to_vec();
        b.extend_from_slice(&[7; 32]);
        b.push(0);
        b.extend_from_slice(&suite.to_be_bytes());
        b.push(0);
        let mut e = Vec::new();
        for (k, d) in exts {
            put_ext(&mut e, *k, d);
        }
        put_u16(&mut b, e.len());
        b.extend_from_slice(&e);
        handshake(2, &b)
    }

    #[test]
    fn a_hello_says_what_it_offers() {
        let mut h = Hello::new(Version::Tls12, Some("Example.NL."), [1; 32]);
        h.suites = vec![0xC02F, 0x002F];
        h.groups = vec![29];
        let b = h.to_bytes();
        assert_eq!(
            &b[..3],
            &[22, 3, 1],
            "handshake record, TLS 1.0 record version"
        );
        let len = usize::from(u16::from_be_bytes([b[3], b[4]]));
        assert_eq!(b.len(), 5 + len);
        assert_eq!(b[5], 1, "client_hello");
        assert_eq!(&b[9..11], &[3, 3], "client_version TLS 1.2");
        let text = String::from_utf8_lossy(&b);
        assert!(
            text.contains("example.nl"),
            "SNI in lower case without the dot"
        );
        assert!(
            b.windows(4).any(|w| w == [0xC0, 0x2F, 0x00, 0x2F]),
            "suites in order"
        );
        assert!(!b.windows(2).any(|w| w == [0, 43]) || h.version == Version::Tls13);
        let h13 = Hello::new(Version::Tls13, Some("10.0.0.1"), [2; 32]).to_bytes();
        assert!(
            !String::from_utf8_lossy(&h13).contains("10.0.0.1"),
            "no SNI for an address"
        );
        assert!(
            h13.windows(7).any(|w| w == [0, 43, 0, 3, 2, 3, 4]),
            "supported_versions"
        );
        let v2 = Hello::new(Version::Ssl2, None, [3; 32]).to_bytes();
        assert_eq!(v2[0] & 0x80, 0x80);
        assert_eq!(
            usize::from(u16::from_be_bytes([v2[0] & 0x7F, v2[1]])),
            v2.len() - 2
        );
    }

    #[test]
    fn a_first_flight_is_read_across_records() {
        let hello = server_hello(
            0x0303,
            0xC02F,
            &[(ext::RENEGOTIATION_INFO, &[0]), (23, &[])],
        );
        let mut certs = Vec::new();
        let mut list = Vec::new();
        put_u24(&mut list, 3);
        list.extend_from_slice(&[0x30, 1, 0]);
        put_u24(&mut certs, list.len());
        certs.extend_from_slice(&list);
        let cert = handshake(11, &certs);
        let mut ske = vec![3, 0, 23, 2, 4, 4];
        ske.extend_from_slice(&[0x04, 0x01]);
        ske.extend_from_slice(&[0, 2, 9, 9]);
        let ske = handshake(12, &ske);
        let done = handshake(14, &[]);
        let mut all = [hello, cert, ske, done].concat();
        // Split the handshake messages over two records at an awkward place.
        let second = all.split_off(7);
        let bytes = [record(22, &all), record(22, &second)].concat();
        for cut in 0..bytes.len() {
            let partial = Flight::parse(&bytes[..cut]).unwrap();
            assert!(!partial.complete(true), "complete at {cut}");
        }
        let f = Flight::parse(&bytes).unwrap();
        assert!(f.complete(true));
        let h = f.hello.as_ref().unwrap();
        assert_eq!(
            (h.version(), h.suite, h.compression),
            (Some(Version::Tls12), 0xC02F, 0)
        );
        assert!(h.extension(ext::RENEGOTIATION_INFO).is_some());
        assert!(h.extension(ext::EXTENDED_MASTER_SECRET).is_some());
        assert_eq!(f.certificates, vec![vec![0x30, 1, 0]]);
        let kx = f.key_exchange().unwrap();
        assert_eq!((kx.group, kx.sigalg), (Some(23), Some(0x0401)));
    }

    #[test]
    fn refusals_and_retries_are_recognised() {
        let f = Flight::parse(&record(21, &[2, 70])).unwrap();
        assert_eq!(f.alert, Some((2, 70)));
        assert!(f.complete(false));
        let mut hrr = server_hello(0x0303, 0x1302, &[(43, &[3, 4]), (51, &[0, 29])]);
        hrr[6..38].copy_from_slice(&HRR_RANDOM);
        let f = Flight::parse(&record(22, &hrr)).unwrap();
        let h = f.hello.unwrap();
        assert!(h.retry);
        assert_eq!(
            (h.version(), h.key_share_group()),
            (Some(Version::Tls13), Some(29))
        );
    }

    #[test]
    fn garbage_is_refused_without_panicking() {
        assert!(matches!(
            Flight::parse(b"HTTP/1.1 400 Bad Request\r\n"),
            Err(Garbled::NotTls(_))
        ));
        assert_eq!(
            Flight::parse(&[22, 3, 3, 0xFF, 0xFF]),
            Err(Garbled::TooLong)
        );
        assert!(Flight::parse(&record(22, &[2, 0xFF, 0xFF, 0xFF])).is_err());
        assert!(Flight::parse(&record(22, &handshake(2, &[3, 3, 1]))).is_err());
        assert!(Flight::parse(&record(21, &[2])).is_err());
        // Every prefix and every single-byte corruption of a real flight: no panic.
        let hello = server_hello(0x0303, 0xC02F, &[(ext::RENEGOTIATION_INFO, &[0])]);
        let bytes = record(
            22,
            &[hello, handshake(12, &[3, 0, 23, 1, 4, 4, 1, 0, 0])].concat(),
        );
        for i in 0..bytes.len() {
            for v in [0u8, 1, 0x7F, 0xFF] {
                let mut b = bytes.clone();
                b[i] = v;
                if let Ok(f) = Flight::parse(&b) {
                    let _ = f.key_exchange();
                }
            }
        }
    }
}
