//! Probing one TLS server: which versions, suites and groups it accepts (hand-built hellos, see
//! [`crate::hello`]), in what order it prefers them, how it signs its key exchange, and — with a
//! real rustls handshake — its certificate chain, OCSP staple and 0-RTT.
//!
//! Suites and groups are enumerated the way cipher scanners do: offer all, note the one the
//! server picks, offer the rest again, until it refuses. That finds exactly the set it accepts
//! one at a time, in one connection per accepted item plus one.

use std::collections::BTreeSet;
use std::io::Write;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ClientSessionMemoryCache, ClientSessionStore, Resumption};
use rustls::crypto::CryptoProvider;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::hello::{self, Flight, Hello, Version};
use crate::net::{Refused, Target};
use crate::suites::{self, Grade, Kx};
use crate::tls_judge::{TlsFacts, ZeroRtt};

/// What probing found: the facts to judge, and the certificate chain with its trust verdict.
#[derive(Clone, Debug)]
pub struct Probed {
    /// For [`crate::tls_judge::judge`].
    pub facts: TlsFacts,
    /// The chain, leaf first (DER).
    pub chain: Vec<Vec<u8>>,
    /// `None` when the chain leads to a trusted root.
    pub untrusted: Option<String>,
}

/// What to send once a handshake is done, so the server's session tickets arrive (and what 0-RTT
/// carries): an HTTP HEAD, or an SMTP EHLO.
#[derive(Clone, Debug)]
pub struct Nudge {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// ALPN to offer.
    pub alpn: Vec<Vec<u8>>,
}

fn random() -> [u8; 32] {
    use ring::rand::SecureRandom;
    let mut r = [0u8; 32];
    // Without randomness the probes still work; the random only has to differ per hello.
    let _ = ring::rand::SystemRandom::new().fill(&mut r);
    r
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The roots the chain is judged against: Mozilla's (webpki-roots) and `extra` (`--ca-file`).
pub fn roots(extra: &[CertificateDer<'static>]) -> Arc<RootCertStore> {
    let mut store = RootCertStore::empty();
    store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for c in extra {
        let _ = store.add(c.clone());
    }
    Arc::new(store)
}

/// The certificates in a PEM file (`--ca-file`).
pub fn certificates_from_pem(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    use rustls_pki_types::pem::PemObject;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("not PEM certificates: {e}"))?;
    if certs.is_empty() {
        return Err("no CERTIFICATE in it".into());
    }
    Ok(certs)
}

/// Whether `chain` leads from `host` to a trusted root (the name itself is judged apart):
/// `None` if so, else why not.
pub fn trust(
    roots: &Arc<RootCertStore>,
    chain: &[Vec<u8>],
    host: &str,
    now: u64,
) -> Option<String> {
    use rustls::{CertificateError, Error};
    let (leaf, rest) = chain.split_first()?;
    let verifier = match rustls::client::WebPkiServerVerifier::builder_with_provider(
        roots.clone(),
        provider(),
    )
    .build()
    {
        Ok(v) => v,
        Err(e) => return Some(format!("no verifier: {e}")),
    };
    let name = ServerName::try_from(host.trim_end_matches('.').to_string()).unwrap_or_else(|_| {
        ServerName::try_from("invalid").unwrap_or(ServerName::IpAddress(
            std::net::Ipv4Addr::UNSPECIFIED.into(),
        ))
    });
    let leaf = CertificateDer::from(leaf.clone());
    let intermediates: Vec<CertificateDer<'_>> = rest
        .iter()
        .map(|c| CertificateDer::from(c.clone()))
        .collect();
    match verifier.verify_server_cert(&leaf, &intermediates, &name, &[], UnixTime::since_unix_epoch(std::time::Duration::from_secs(now))) {
        Ok(_) => None,
        Err(Error::InvalidCertificate(CertificateError::NotValidForName))
        | Err(Error::InvalidCertificate(CertificateError::NotValidForNameContext { .. })) => None,
        Err(Error::InvalidCertificate(CertificateError::UnknownIssuer)) => Some(
            "it is issued by a CA that is not trusted (self-signed, or an intermediate certificate is missing)".into(),
        ),
        Err(Error::InvalidCertificate(CertificateError::Expired))
        | Err(Error::InvalidCertificate(CertificateError::ExpiredContext { .. })) => {
            Some("the certificate has expired".into())
        }
        Err(e) if e.to_string().contains("CaUsedAsEndEntity") => Some(
            "the server shows a CA certificate as its own (basicConstraints CA:TRUE)".into(),
        ),
        Err(e) => Some(e.to_string()),
    }
}

/// Accepts any certificate and records what the server showed; the verdict comes later, apart.
#[derive(Debug)]
struct Recorder {
    provider: Arc<CryptoProvider>,
    seen: Mutex<Option<Seen>>,
}

/// The chain (leaf first) and the OCSP staple a server showed.
type Seen = (Vec<Vec<u8>>, Vec<u8>);

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut chain = vec![end_entity.to_vec()];
        chain.extend(intermediates.iter().map(|c| c.to_vec()));
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some((chain, ocsp_response.to_vec()));
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Keeps tickets and notes whether any allows early data.
#[derive(Debug)]
struct Tickets {
    inner: ClientSessionMemoryCache,
    max_early: AtomicU32,
}

impl ClientSessionStore for Tickets {
    fn set_kx_hint(&self, n: ServerName<'static>, g: rustls::NamedGroup) {
        self.inner.set_kx_hint(n, g)
    }
    fn kx_hint(&self, n: &ServerName<'_>) -> Option<rustls::NamedGroup> {
        self.inner.kx_hint(n)
    }
    fn set_tls12_session(
        &self,
        n: ServerName<'static>,
        v: rustls::client::Tls12ClientSessionValue,
    ) {
        self.inner.set_tls12_session(n, v)
    }
    fn tls12_session(&self, n: &ServerName<'_>) -> Option<rustls::client::Tls12ClientSessionValue> {
        self.inner.tls12_session(n)
    }
    fn remove_tls12_session(&self, n: &ServerName<'static>) {
        self.inner.remove_tls12_session(n)
    }
    fn insert_tls13_ticket(
        &self,
        n: ServerName<'static>,
        v: rustls::client::Tls13ClientSessionValue,
    ) {
        self.max_early
            .fetch_max(v.max_early_data_size(), Ordering::Relaxed);
        self.inner.insert_tls13_ticket(n, v)
    }
    fn take_tls13_ticket(
        &self,
        n: &ServerName<'static>,
    ) -> Option<rustls::client::Tls13ClientSessionValue> {
        self.inner.take_tls13_ticket(n)
    }
}

fn server_name(host: &str) -> ServerName<'static> {
    ServerName::try_from(host.trim_end_matches('.').to_string())
        .unwrap_or(ServerName::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()))
}

fn client_config(
    versions: &[&'static rustls::SupportedProtocolVersion],
    recorder: Arc<Recorder>,
    nudge: &Nudge,
) -> Result<ClientConfig, String> {
    let mut cfg = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(versions)
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(recorder)
        .with_no_client_auth();
    cfg.alpn_protocols = nudge.alpn.clone();
    Ok(cfg)
}

/// A complete handshake with rustls; then the nudge, and a short read so tickets arrive.
async fn handshake(target: &Target, cfg: ClientConfig, nudge: &Nudge) -> Result<(), String> {
    let stream = target.connect().await.map_err(|e| e.to_string())?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(cfg));
    let work = async {
        let mut tls = connector
            .connect(server_name(&target.host), stream)
            .await
            .map_err(|e| e.to_string())?;
        let _ = tls.write_all(&nudge.bytes).await;
        let _ = tls.flush().await;
        let mut buf = vec![0u8; 4096];
        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), tls.read(&mut buf)).await;
        Ok::<(), String>(())
    };
    tokio::time::timeout(target.timeout, work)
        .await
        .unwrap_or_else(|_| Err("the handshake took too long".into()))
}

/// 0-RTT: does a ticket allow early data, and is early data accepted?
async fn zero_rtt(target: &Target, nudge: &Nudge) -> ZeroRtt {
    let recorder = Arc::new(Recorder {
        provider: provider(),
        seen: Mutex::new(None),
    });
    let Ok(mut cfg) = client_config(&[&rustls::version::TLS13], recorder, nudge) else {
        return ZeroRtt::Untested("no TLS 1.3 client".into());
    };
    let tickets = Arc::new(Tickets {
        inner: ClientSessionMemoryCache::new(8),
        max_early: AtomicU32::new(0),
    });
    cfg.resumption = Resumption::store(tickets.clone());
    cfg.enable_early_data = true;
    if let Err(e) = handshake(target, cfg.clone(), nudge).await {
        return ZeroRtt::Untested(format!("the TLS 1.3 handshake failed: {e}"));
    }
    if tickets.max_early.load(Ordering::Relaxed) == 0 {
        return ZeroRtt::NotOffered;
    }
    let Ok(stream) = target.connect().await else {
        return ZeroRtt::Untested("no second connection".into());
    };
    let connector = tokio_rustls::TlsConnector::from(Arc::new(cfg));
    let payload = nudge.bytes.clone();
    let work = connector.connect_with(server_name(&target.host), stream, move |conn| {
        if let Some(mut early) = conn.early_data() {
            let _ = early.write(&payload);
        }
    });
    match tokio::time::timeout(target.timeout, work).await {
        Ok(Ok(tls)) => {
            if tls.get_ref().1.is_early_data_accepted() {
                ZeroRtt::Accepted
            } else {
                ZeroRtt::Refused
            }
        }
        Ok(Err(e)) => ZeroRtt::Untested(format!("the resumed handshake failed: {e}")),
        Err(_) => ZeroRtt::Untested("the resumed handshake took too long".into()),
    }
}

struct Prober<'a> {
    target: &'a Target,
    sni: Option<String>,
    certs: Vec<Vec<u8>>,
    /// Probes that got no answer at all.
    unanswered: usize,
}

impl Prober<'_> {
    fn hello(&self, v: Version) -> Hello {
        Hello::new(v, self.sni.as_deref(), random())
    }

    async fn send(&mut self, h: &Hello, full: bool) -> Option<Flight> {
        let f = match self.target.probe(h, full).await {
            Ok(f) => f,
            Err(_) => {
                self.unanswered += 1;
                return None;
            }
        };
        if self.certs.is_empty() && !f.certificates.is_empty() {
            self.certs = f.certificates.clone();
        }
        Some(f)
    }

    /// The suite chosen when offering `h`, if the server answered `v`.
    async fn chosen(&mut self, h: &Hello, v: Version, full: bool) -> Option<Flight> {
        let f = self.send(h, full).await?;
        let ok = match &f.hello {
            Some(sh) if v == Version::Tls13 => sh.version() == Some(Version::Tls13),
            Some(sh) => sh.version() == Some(v) && !sh.retry,
            None => false,
        };
        ok.then_some(f)
    }
}

/// Probes `target`. `Err` when TLS cannot even start (unreachable, no STARTTLS).
pub async fn probe(
    target: &Target,
    roots: &Arc<RootCertStore>,
    nudge: &Nudge,
    now: u64,
) -> Result<Probed, Refused> {
    drop(target.connect().await?);
    let sni = Some(target.host.clone()).filter(|h| h.parse::<std::net::IpAddr>().is_err());
    let mut p = Prober {
        target,
        sni,
        certs: Vec::new(),
        unanswered: 0,
    };
    // Versions.
    let mut versions = Vec::new();
    for v in [
        Version::Tls13,
        Version::Tls12,
        Version::Tls11,
        Version::Tls10,
        Version::Ssl3,
        Version::Ssl2,
    ] {
        let h = p.hello(v);
        let ok = if v == Version::Ssl2 {
            p.send(&h, false).await.is_some_and(|f| f.sslv2)
        } else {
            p.chosen(&h, v, false).await.is_some()
        };
        versions.push((v, ok));
    }
    let accepted: Vec<Version> = versions
        .iter()
        .filter(|(_, ok)| *ok)
        .map(|(v, _)| *v)
        .collect();
    let legacy: Vec<Version> = accepted
        .iter()
        .copied()
        .filter(|v| *v <= Version::Tls12 && *v >= Version::Ssl3)
        .collect();
    let top = legacy.first().copied();
    let mut facts = TlsFacts {
        versions,
        legacy_suites: Vec::new(),
        tls13_suites: Vec::new(),
        groups: BTreeSet::new(),
        dh_params: Vec::new(),
        order_violation: None,
        order_tested: false,
        compression: None,
        secure_reneg: None,
        ems: None,
        kex_hash: None,
        zero_rtt: ZeroRtt::NotOffered,
        ocsp_stapled: None,
        unanswered: 0,
    };
    // Suites of each older version, by elimination.
    for &v in &legacy {
        let mut remaining = suites::legacy_ids();
        for _ in 0..=remaining.len() {
            let mut h = p.hello(v);
            h.suites = remaining.clone();
            let Some(f) = p.chosen(&h, v, true).await else {
                break;
            };
            let Some(sh) = &f.hello else { break };
            let chosen = sh.suite;
            if !remaining.contains(&chosen) {
                break; // it answered with a suite it was not offered
            }
            remaining.retain(|s| *s != chosen);
            if !facts.legacy_suites.contains(&chosen) {
                facts.legacy_suites.push(chosen);
            }
            if Some(v) == top {
                let ri = sh.extension(hello::ext::RENEGOTIATION_INFO).is_some();
                facts.secure_reneg = Some(facts.secure_reneg.unwrap_or(true) && ri);
            }
            if v == Version::Tls12 {
                let ems = sh.extension(hello::ext::EXTENDED_MASTER_SECRET).is_some();
                facts.ems = Some(facts.ems.unwrap_or(true) && ems);
            }
            if let Some(kx) = f.key_exchange() {
                if let Some(g) = kx.group {
                    facts.groups.insert(g);
                }
                if !kx.dh_prime.is_empty() {
                    let d = suites::dh_grade(&kx.dh_prime, &kx.dh_generator);
                    if !facts.dh_params.contains(&d) {
                        facts.dh_params.push(d);
                    }
                }
            }
        }
    }
    let kx_of = |id: u16| suites::suite(id).map(|s| s.kx);
    if let Some(v) = top {
        // Groups for ECDHE, by elimination.
        let ecdhe: Vec<u16> = facts
            .legacy_suites
            .iter()
            .copied()
            .filter(|&s| kx_of(s) == Some(Kx::Ecdhe))
            .collect();
        if !ecdhe.is_empty() {
            let mut remaining = suites::ec_group_ids();
            for _ in 0..=remaining.len() {
                let mut h = p.hello(v);
                h.suites = ecdhe.clone();
                h.groups = remaining.clone();
                let Some(f) = p.chosen(&h, v, true).await else {
                    break;
                };
                let Some(g) = f.key_exchange().and_then(|k| k.group) else {
                    break;
                };
                if !remaining.contains(&g) {
                    break;
                }
                facts.groups.insert(g);
                remaining.retain(|x| *x != g);
            }
        }
        // Compression: offer DEFLATE next to none.
        let mut h = p.hello(v);
        h.suites = facts.legacy_suites.clone();
        h.deflate = true;
        if let Some(f) = p.chosen(&h, v, false).await {
            facts.compression = f.hello.map(|sh| sh.compression != 0);
        }
        // Order: worse suites first, then each better one; the server must pick the better.
        let (better, mut worse): (Vec<u16>, Vec<u16>) = facts
            .legacy_suites
            .iter()
            .partition(|&&s| suites::grade(s) >= Grade::Sufficient);
        worse.sort_by_key(|&s| suites::suite(s).is_some_and(|x| x.name.contains("CHACHA")));
        if !better.is_empty() && !worse.is_empty() {
            facts.order_tested = true;
            for &b in &better {
                let mut h = p.hello(v);
                h.suites = worse.clone();
                h.suites.push(b);
                if let Some(f) = p.chosen(&h, v, false).await
                    && let Some(sh) = f.hello
                    && sh.suite != b
                {
                    facts.order_violation = Some((sh.suite, b));
                    break;
                }
            }
        }
    }
    // The hash of the key exchange signature (TLS 1.2): offer only SHA-1, then only SHA-224.
    if accepted.contains(&Version::Tls12) {
        let fs: Vec<u16> = facts
            .legacy_suites
            .iter()
            .copied()
            .filter(|&s| matches!(kx_of(s), Some(Kx::Ecdhe | Kx::Dhe)))
            .collect();
        if !fs.is_empty() {
            facts.kex_hash = Some((Grade::Good, "SHA-2"));
            for weak in [hello::SIGALGS_SHA1, hello::SIGALGS_SHA224] {
                let mut h = p.hello(Version::Tls12);
                h.suites = fs.clone();
                h.sigalgs = weak.to_vec();
                if let Some(f) = p.chosen(&h, Version::Tls12, true).await
                    && let Some(alg) = f.key_exchange().and_then(|k| k.sigalg)
                    && weak.contains(&alg)
                {
                    facts.kex_hash = Some(suites::sigalg_hash(alg));
                    break;
                }
            }
        }
    }
    // TLS 1.3 suites and groups, by elimination; a HelloRetryRequest names both.
    if accepted.contains(&Version::Tls13) {
        let mut remaining = suites::tls13_ids();
        for _ in 0..=remaining.len() {
            let mut h = p.hello(Version::Tls13);
            h.suites = remaining.clone();
            let Some(f) = p.chosen(&h, Version::Tls13, false).await else {
                break;
            };
            let Some(s) = f.hello.map(|sh| sh.suite) else {
                break;
            };
            if !remaining.contains(&s) {
                break;
            }
            facts.tls13_suites.push(s);
            remaining.retain(|x| *x != s);
        }
        let mut remaining: Vec<u16> = suites::GROUPS.iter().map(|g| g.id).collect();
        for _ in 0..=remaining.len() {
            let mut h = p.hello(Version::Tls13);
            h.groups = remaining.clone();
            let Some(f) = p.chosen(&h, Version::Tls13, false).await else {
                break;
            };
            let Some(g) = f.hello.and_then(|sh| sh.key_share_group()) else {
                break;
            };
            if !remaining.contains(&g) {
                break;
            }
            facts.groups.insert(g);
            remaining.retain(|x| *x != g);
        }
    }
    // A real handshake: the chain as the server sends it to a modern client, and the staple.
    let recorder = Arc::new(Recorder {
        provider: provider(),
        seen: Mutex::new(None),
    });
    let mut chain = Vec::new();
    if let Ok(cfg) = client_config(
        &[&rustls::version::TLS13, &rustls::version::TLS12],
        recorder.clone(),
        nudge,
    ) && handshake(target, cfg, nudge).await.is_ok()
        && let Ok(mut seen) = recorder.seen.lock()
        && let Some((c, ocsp)) = seen.take()
    {
        chain = c;
        facts.ocsp_stapled = Some(!ocsp.is_empty());
    }
    if chain.is_empty() {
        chain = std::mem::take(&mut p.certs);
    }
    if accepted.contains(&Version::Tls13) {
        facts.zero_rtt = zero_rtt(target, nudge).await;
    }
    let untrusted = if chain.is_empty() {
        Some("no certificate was received".into())
    } else {
        trust(roots, &chain, &target.host, now)
    };
    facts.unanswered = p.unanswered;
    Ok(Probed {
        facts,
        chain,
        untrusted,
    })
}
