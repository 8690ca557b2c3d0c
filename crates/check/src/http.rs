//! HTTP fetches of the check: plain HTTP (does it redirect?), the HTTPS home page (its headers),
//! security.txt and the MTA-STS policy. Each goes to one chosen address, with a deadline, no
//! redirects followed and the body cut at a limit.
//!
//! Pages are read whatever the certificate (its verdict is the certificate subtests' business);
//! only the MTA-STS policy is fetched with verification, as senders do (RFC 8461 §3.3).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::RootCertStore;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::{DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use crate::headers::Answer;

/// What a fetch gave: status, headers, body.
pub type Fetched = Result<(Answer, Vec<u8>), String>;

/// Accepts any certificate (the page, not the certificate, is what is wanted here).
#[derive(Debug)]
struct AnyCert(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCert {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn client(
    host: &str,
    addr: SocketAddr,
    roots: Option<&Arc<RootCertStore>>,
    timeout: Duration,
) -> Result<reqwest::Client, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let mut tls = match roots {
        Some(r) => builder
            .with_root_certificates(r.clone())
            .with_no_client_auth(),
        None => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCert(provider)))
            .with_no_client_auth(),
    };
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .resolve(host, addr)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .http1_only()
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent("bolwerk-check (+https://internet.nl-style self-check)")
        .build()
        .map_err(|e| e.to_string())
}

/// GETs `url` (whose host is `host`) from `addr`, reading at most `max_body` bytes of body.
/// With `roots`, the certificate must verify against them. Compression is asked for only on
/// the home page (to see whether the server compresses): nothing here unpacks a body, so a
/// file that is read (security.txt, the MTA-STS policy) is asked for as it is.
pub async fn get(
    url: &str,
    host: &str,
    addr: SocketAddr,
    roots: Option<&Arc<RootCertStore>>,
    max_body: usize,
    timeout: Duration,
    compressed: bool,
) -> Fetched {
    let c = client(host, addr, roots, timeout)?;
    let work = async {
        let mut res = c
            .get(url)
            .header(
                "accept-encoding",
                if compressed {
                    "gzip, deflate, br"
                } else {
                    "identity"
                },
            )
            .send()
            .await
            .map_err(describe)?;
        let answer = Answer {
            status: res.status().as_u16(),
            headers: res
                .headers()
                .iter()
                .take(200)
                .map(|(n, v)| {
                    (
                        n.as_str().to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
        };
        let mut body = Vec::new();
        while body.len() < max_body {
            match res.chunk().await {
                Ok(Some(b)) => {
                    let room = max_body - body.len();
                    body.extend_from_slice(&b[..b.len().min(room)]);
                }
                Ok(None) | Err(_) => break,
            }
        }
        Ok((answer, body))
    };
    tokio::time::timeout(timeout * 2, work)
        .await
        .unwrap_or_else(|_| Err("no answer in time".into()))
}

/// The innermost cause of a reqwest error (the certificate problem, the refused connection).
fn describe(e: reqwest::Error) -> String {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        msg = s.to_string();
        source = s.source();
    }
    msg
}
