//! TLS: certificates from PEM files, chosen per host name (SNI), TLS 1.2 and 1.3 only, with
//! ALPN for HTTP/2. Also the self-signed certificate the demo makes for itself.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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

/// Picks the certificate by the SNI name; clients that send none (an IP address in the URL)
/// get the first site's certificate.
#[derive(Debug, Default)]
pub struct SniResolver {
    by_host: HashMap<String, Arc<CertifiedKey>>,
    fallback: Option<Arc<CertifiedKey>>,
}

impl SniResolver {
    /// Registers `key` for `hosts`.
    pub fn add(&mut self, hosts: &[String], key: Arc<CertifiedKey>) {
        if self.fallback.is_none() {
            self.fallback = Some(key.clone());
        }
        for h in hosts {
            self.by_host.insert(h.clone(), key.clone());
        }
    }
}

impl ResolvesServerCert for SniResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        match hello.server_name() {
            Some(name) => self
                .by_host
                .get(&name.to_ascii_lowercase())
                .or(self.fallback.as_ref())
                .cloned(),
            None => self.fallback.clone(),
        }
    }
}

/// rustls settings: TLS 1.3 and 1.2 (no older), ring, ALPN `h2` then `http/1.1`.
pub fn server_config(resolver: SniResolver) -> Result<Arc<ServerConfig>> {
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(resolver));
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Makes a self-signed certificate for `hosts` in `dir` unless one is there already; returns
/// the certificate and key paths. The key file is readable by its owner only.
pub fn ensure_self_signed(dir: &Path, hosts: &[String]) -> Result<(PathBuf, PathBuf)> {
    let cert_path = dir.join("self-signed-cert.pem");
    let key_path = dir.join("self-signed-key.pem");
    if cert_path.is_file() && key_path.is_file() {
        return Ok((cert_path, key_path));
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(hosts.to_vec())
            .context("generating a self-signed certificate")?;
    write_private(&key_path, signing_key.serialize_pem().as_bytes())?;
    std::fs::write(&cert_path, cert.pem())
        .with_context(|| format!("writing {}", cert_path.display()))?;
    Ok((cert_path, key_path))
}

/// Writes a file only its owner can read (mode 0600): private keys, database URLs.
pub fn write_private(path: &Path, data: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    f.write_all(data)
        .with_context(|| format!("writing {}", path.display()))?;
    f.sync_all()
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
