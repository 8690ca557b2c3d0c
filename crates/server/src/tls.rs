//! TLS: certificates from PEM files, chosen per host name (SNI), TLS 1.2 and 1.3 only, with
//! ALPN for HTTP/2. Also the self-signed certificate the demo makes for itself.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use anyhow::{Context, Result, anyhow};
use rustls::ServerConfig;
use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// The one crypto provider (ring) Bolwerk uses everywhere.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Reads a certificate chain and its private key.
pub fn load_certified_key(cert_file: &Path, key_file: &Path) -> Result<Arc<CertifiedKey>> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert_file)
        .with_context(|| format!("reading certificate {}", cert_file.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("parsing certificate {}", cert_file.display()))?;
    if certs.is_empty() {
        return Err(anyhow!("{}: no certificate found", cert_file.display()));
    }
    let key = PrivateKeyDer::from_pem_file(key_file)
        .with_context(|| format!("reading private key {}", key_file.display()))?;
    let signing_key = provider()
        .key_provider
        .load_private_key(key)
        .with_context(|| format!("loading private key {}", key_file.display()))?;
    let ck = CertifiedKey::new(certs, signing_key);
    ck.keys_match().with_context(|| {
        format!(
            "{} does not belong to {}",
            key_file.display(),
            cert_file.display()
        )
    })?;
    Ok(Arc::new(ck))
}

/// Picks the certificate by the SNI name. A client that sends no name, or a name no site has,
/// gets the neutral certificate: self-signed, made at start, naming only `invalid` (RFC 2606),
/// so a scanner that connects by address learns none of the customers' host names.
///
/// Why not refuse those handshakes: a browser opening `https://127.0.0.1:8443/` sends no SNI
/// (RFC 6066 allows none for an address), and the demo, like any install reached by address,
/// must still answer. That client sees a certificate warning (it would for the demo's
/// self-signed one too) and then gets the site whose host the address is, or 421.
#[derive(Clone, Debug)]
pub struct SniResolver {
    by_host: HashMap<String, Arc<CertifiedKey>>,
    neutral: Arc<CertifiedKey>,
}

impl SniResolver {
    /// A resolver with no site yet: every client gets the neutral certificate.
    pub fn new() -> Result<SniResolver> {
        Ok(SniResolver {
            by_host: HashMap::new(),
            neutral: neutral_certificate()?,
        })
    }

    /// Registers `key` for `hosts`, or puts it in place of their certificate.
    pub fn add(&mut self, hosts: &[String], key: Arc<CertifiedKey>) {
        for h in hosts {
            self.by_host.insert(h.to_ascii_lowercase(), key.clone());
        }
    }

    /// Puts `key` in place of the certificate of `hosts`.
    pub fn replace(&mut self, hosts: &[String], key: Arc<CertifiedKey>) {
        self.add(hosts, key);
    }
}

impl ResolvesServerCert for SniResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let found = hello.server_name().and_then(|name| {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            self.by_host.get(&name).cloned()
        });
        Some(found.unwrap_or_else(|| self.neutral.clone()))
    }
}

/// The certificate for clients that name no site: self-signed for `invalid`, valid for a year
/// from yesterday, with a fresh key each start. It carries no site's name and nothing that
/// names the software.
fn neutral_certificate() -> Result<Arc<CertifiedKey>> {
    let mut params = rcgen::CertificateParams::new(vec!["invalid".to_string()])
        .context("neutral certificate names")?;
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(rcgen::DnType::CommonName, "invalid");
    params.distinguished_name = dn;
    set_validity(&mut params);
    let key = rcgen::KeyPair::generate().context("neutral certificate key")?;
    let cert = params
        .self_signed(&key)
        .context("generating the neutral certificate")?;
    let der_key = PrivateKeyDer::try_from(key.serialize_der())
        .map_err(|e| anyhow!("neutral certificate key: {e}"))?;
    let signing_key = provider()
        .key_provider
        .load_private_key(der_key)
        .context("neutral certificate key")?;
    Ok(Arc::new(CertifiedKey::new(
        vec![cert.der().clone()],
        signing_key,
    )))
}

/// Valid from yesterday for 365 days (browsers accept at most 398).
fn set_validity(params: &mut rcgen::CertificateParams) {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let day = |unix: i64| {
        let (y, m, d) = cms::date::civil_from_days(unix.div_euclid(86_400));
        rcgen::date_time_ymd(y as i32, m as u8, d as u8)
    };
    params.not_before = day(now - 86_400);
    params.not_after = day(now + 365 * 86_400);
}

/// Where one site's certificate comes from.
#[derive(Clone, Debug)]
pub struct CertSource {
    /// The site's name, for messages.
    pub site: String,
    /// Its host names (SNI).
    pub hosts: Vec<String>,
    /// PEM certificate chain.
    pub cert_file: PathBuf,
    /// PEM private key.
    pub key_file: PathBuf,
}

/// Every site's certificate, re-read from its files when they change: a renewed certificate
/// is served from the next handshake on, without a restart. A file that cannot be read or
/// does not match its key leaves the certificate in use as it was.
#[derive(Debug)]
pub struct Certificates {
    sources: Vec<CertSource>,
    current: std::sync::RwLock<Arc<SniResolver>>,
    /// Modification times of each source's two files when last loaded.
    loaded: std::sync::Mutex<Vec<Option<(SystemTime, SystemTime)>>>,
    /// ACME TLS-ALPN-01 answers by host name, shown only to clients that ask for
    /// `acme-tls/1` (the CA's validator; browsers never do).
    alpn_challenges: std::sync::RwLock<HashMap<String, Arc<CertifiedKey>>>,
}

/// The ALPN protocol of ACME's TLS-ALPN-01 challenge (RFC 8737).
pub const ACME_TLS_ALPN: &[u8] = b"acme-tls/1";

/// A site whose certificate could not be (re)loaded, and why.
#[derive(Debug)]
pub struct CertError {
    /// The site's name.
    pub site: String,
    /// What was wrong.
    pub error: anyhow::Error,
}

fn modified(source: &CertSource) -> Option<(SystemTime, SystemTime)> {
    let m = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    Some((m(&source.cert_file)?, m(&source.key_file)?))
}

impl Certificates {
    /// Loads every site's certificate; any failure is an error (the server does not start
    /// with a site it cannot serve).
    pub fn load(sources: Vec<CertSource>) -> Result<Certificates> {
        let mut resolver = SniResolver::new()?;
        let mut loaded = Vec::with_capacity(sources.len());
        for source in &sources {
            let stamp = modified(source);
            let key = load_certified_key(&source.cert_file, &source.key_file)
                .with_context(|| format!("TLS certificate of site {}", source.site))?;
            resolver.add(&source.hosts, key);
            loaded.push(stamp);
        }
        Ok(Certificates {
            sources,
            current: std::sync::RwLock::new(Arc::new(resolver)),
            loaded: std::sync::Mutex::new(loaded),
            alpn_challenges: std::sync::RwLock::new(HashMap::new()),
        })
    }

    /// Shows `answer` to the CA's TLS-ALPN-01 validator for `host` (or stops, with `None`).
    pub fn set_alpn_challenge(&self, host: &str, answer: Option<Arc<CertifiedKey>>) {
        if let Ok(mut c) = self.alpn_challenges.write() {
            match answer {
                Some(a) => c.insert(host.to_ascii_lowercase(), a),
                None => c.remove(&host.to_ascii_lowercase()),
            };
        }
    }

    /// Re-reads the files of sites whose files changed since they were loaded (all of them
    /// when `force`, as on SIGHUP). Returns the sites reloaded and the sites whose new files
    /// were refused; those keep their certificate.
    pub fn reload(&self, force: bool) -> (Vec<String>, Vec<CertError>) {
        let (mut reloaded, mut failed) = (Vec::new(), Vec::new());
        let Ok(mut loaded) = self.loaded.lock() else {
            return (reloaded, failed);
        };
        let mut next: Option<SniResolver> = None;
        for (i, source) in self.sources.iter().enumerate() {
            let stamp = modified(source);
            if !force && stamp.is_some() && loaded.get(i).copied().flatten() == stamp {
                continue;
            }
            if !force && stamp.is_none() && loaded.get(i).copied().flatten().is_none() {
                continue; // still missing; reported when it went missing
            }
            match load_certified_key(&source.cert_file, &source.key_file) {
                Ok(key) => {
                    if next.is_none() {
                        next = self.snapshot();
                    }
                    if let Some(resolver) = next.as_mut() {
                        resolver.replace(&source.hosts, key);
                        reloaded.push(source.site.clone());
                    }
                }
                Err(error) => failed.push(CertError {
                    site: source.site.clone(),
                    error,
                }),
            }
            if let Some(slot) = loaded.get_mut(i) {
                *slot = stamp;
            }
        }
        if let (Some(resolver), Ok(mut current)) = (next, self.current.write()) {
            *current = Arc::new(resolver);
        }
        (reloaded, failed)
    }

    fn snapshot(&self) -> Option<SniResolver> {
        self.current.read().ok().map(|r| SniResolver::clone(&r))
    }
}

impl ResolvesServerCert for Certificates {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let acme = hello
            .alpn()
            .is_some_and(|mut protocols| protocols.any(|p| p == ACME_TLS_ALPN));
        if acme {
            // Only the challenge answer, never the site's certificate, and nothing else.
            let name = hello.server_name()?.to_ascii_lowercase();
            return self.alpn_challenges.read().ok()?.get(&name).cloned();
        }
        let resolver = self.current.read().ok()?.clone();
        resolver.resolve(hello)
    }
}

/// The self-signed certificate that answers a TLS-ALPN-01 challenge for `host`: it carries
/// the SHA-256 of the key authorization in the critical `acmeIdentifier` extension.
pub fn alpn_challenge_certificate(host: &str, digest: &[u8]) -> Result<Arc<CertifiedKey>> {
    let mut params = rcgen::CertificateParams::new(vec![host.to_string()])
        .context("challenge certificate names")?;
    params
        .custom_extensions
        .push(rcgen::CustomExtension::new_acme_identifier(digest));
    let key = rcgen::KeyPair::generate().context("challenge key")?;
    let cert = params.self_signed(&key).context("challenge certificate")?;
    let der_key =
        PrivateKeyDer::try_from(key.serialize_der()).map_err(|e| anyhow!("challenge key: {e}"))?;
    let signing_key = provider()
        .key_provider
        .load_private_key(der_key)
        .context("challenge key")?;
    Ok(Arc::new(CertifiedKey::new(
        vec![cert.der().clone()],
        signing_key,
    )))
}

/// rustls settings: TLS 1.3 and 1.2 (no older), ring's forward-secret AEAD suites only,
/// ALPN `h2` then `http/1.1`, session resumption by a server-side cache and by tickets.
pub fn server_config(certificates: Arc<Certificates>) -> Result<Arc<ServerConfig>> {
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_cert_resolver(certificates);
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec(), ACME_TLS_ALPN.to_vec()];
    // The server's order (ring's: AES-GCM and ChaCha20 by strength), not the client's.
    config.ignore_client_order = true;
    config.session_storage = rustls::server::ServerSessionMemoryCache::new(4096);
    config.ticketer = rustls::crypto::ring::Ticketer::new().context("TLS session tickets")?;
    Ok(Arc::new(config))
}

/// Makes a self-signed certificate for `hosts` in `dir` unless one is there already; returns
/// the certificate and key paths. The key file is readable by its owner only.
pub fn ensure_self_signed(dir: &Path, hosts: &[String]) -> Result<(PathBuf, PathBuf)> {
    let cert_path = dir.join("self-signed-cert.pem");
    let key_path = dir.join("self-signed-key.pem");
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    // Kept while it has a month left and a lifetime browsers accept (at most 398 days).
    let usable = crate::acme::cert_info(&cert_path).is_ok_and(|c| {
        c.not_after - now > 30 * 86_400 && c.not_after - c.not_before <= 398 * 86_400
    });
    if usable && key_path.is_file() {
        return Ok((cert_path, key_path));
    }
    crate::files::create_dir(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut params =
        rcgen::CertificateParams::new(hosts.to_vec()).context("self-signed certificate names")?;
    set_validity(&mut params);
    let signing_key = rcgen::KeyPair::generate().context("self-signed key")?;
    let cert = params
        .self_signed(&signing_key)
        .context("generating a self-signed certificate")?;
    write_private(&key_path, signing_key.serialize_pem().as_bytes())?;
    write_private(&cert_path, cert.pem().as_bytes())?;
    Ok((cert_path, key_path))
}

/// Writes a file only its owner can read (mode 0600, also if it was there with a wider
/// one): private keys, database URLs, everything in the data directory.
pub fn write_private(path: &Path, data: &[u8]) -> Result<()> {
    crate::files::write(path, data).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_certificate_lives_a_year_and_an_old_long_lived_one_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let hosts = vec!["localhost".to_string()];
        // What earlier versions made: valid until the year 4096.
        let old = rcgen::generate_simple_self_signed(hosts.clone()).unwrap();
        std::fs::write(dir.path().join("self-signed-cert.pem"), old.cert.pem()).unwrap();
        std::fs::write(
            dir.path().join("self-signed-key.pem"),
            old.signing_key.serialize_pem(),
        )
        .unwrap();
        let (cert, key) = ensure_self_signed(dir.path(), &hosts).unwrap();
        let info = crate::acme::cert_info(&cert).unwrap();
        let days = (info.not_after - info.not_before) / 86_400;
        assert!((365..=367).contains(&days), "{days} days");
        assert!(load_certified_key(&cert, &key).is_ok());
        // Kept as it is on the next start.
        let pem = std::fs::read(&cert).unwrap();
        ensure_self_signed(dir.path(), &hosts).unwrap();
        assert_eq!(std::fs::read(&cert).unwrap(), pem);
    }
}
