//! DKIM keys on disk and dual signing (RSA-2048 and Ed25519, RFC 8463).
//!
//! Layout under the key directory (`<data_dir>/dkim`), every file 0600 and every directory
//! 0700:
//!
//! ```text
//! <domain>/<selector>/rsa.der       PKCS#8, published as <selector>-rsa._domainkey.<domain>
//! <domain>/<selector>/ed25519.der   PKCS#8, published as <selector>-ed25519._domainkey.<domain>
//! <domain>/state.json               which selector signs, which waits, which are retired
//! ```
//!
//! Rotation: a new key set waits (`next`) until its records are published, then becomes
//! `active`; the one it replaces is `retired` and stays published for a while so that mail
//! still in transit verifies, until it is removed.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use mail_auth::common::crypto::{Ed25519Key, RsaKey, Sha256};
use mail_auth::common::headers::HeaderWriter;
use mail_auth::dkim::{Canonicalization, DkimSigner, Done};
use serde::{Deserialize, Serialize};

use crate::Error;

/// Headers covered by the signatures (those Bolwerk writes).
const SIGNED_HEADERS: &[&str] = &[
    "From",
    "Reply-To",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
];

/// The two key types of a key set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyKind {
    /// RSA-2048 with SHA-256, understood by every receiver.
    Rsa,
    /// Ed25519 with SHA-256 (RFC 8463), small and modern.
    Ed25519,
}

impl KeyKind {
    /// Both, in signing order.
    pub const ALL: [KeyKind; 2] = [KeyKind::Rsa, KeyKind::Ed25519];

    fn file(self) -> &'static str {
        match self {
            KeyKind::Rsa => "rsa.der",
            KeyKind::Ed25519 => "ed25519.der",
        }
    }

    /// The DKIM selector for this key of key set `set`.
    pub fn selector(self, set: &str) -> String {
        match self {
            KeyKind::Rsa => format!("{set}-rsa"),
            KeyKind::Ed25519 => format!("{set}-ed25519"),
        }
    }

    /// `k=` of the DNS record.
    pub fn tag(self) -> &'static str {
        match self {
            KeyKind::Rsa => "rsa",
            KeyKind::Ed25519 => "ed25519",
        }
    }
}

/// Which key set of a domain does what.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainState {
    /// Signs outgoing mail.
    pub active: Option<String>,
    /// Generated, waiting for its records to be published before it takes over.
    pub next: Option<String>,
    /// Replaced; still published so that mail in transit verifies, until removed.
    #[serde(default)]
    pub retired: Vec<String>,
    /// When each set took its present role (made, activated, retired), Unix seconds: how
    /// automatic rotation knows a key's age. Older state files lack it.
    #[serde(default)]
    pub since: std::collections::BTreeMap<String, i64>,
}

/// One DNS TXT record to publish.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DkimRecord {
    /// Key set name.
    pub set: String,
    /// Key type.
    pub kind: KeyKind,
    /// Full record name: `<selector>._domainkey.<domain>`.
    pub name: String,
    /// The TXT value: `v=DKIM1; k=...; p=...`.
    pub value: String,
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The key directory.
#[derive(Clone, Debug)]
pub struct KeyStore {
    dir: PathBuf,
}

/// Checks a key set name: it becomes part of DNS names and paths.
pub fn check_set_name(set: &str) -> Result<(), Error> {
    let ok = !set.is_empty()
        && set.len() <= 40
        && set.starts_with(|c: char| c.is_ascii_alphanumeric())
        && set
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(Error::Refused(format!(
            "selector {set:?}: use lower-case letters, digits and -, at most 40"
        )))
    }
}

/// A key set name from the date: `bw202611`, with a letter added when that one exists.
pub fn default_set_name(existing: &[String], year: i32, month: u32) -> String {
    let base = format!("bw{year}{month:02}");
    if !existing.contains(&base) {
        return base;
    }
    ('b'..='z')
        .map(|c| format!("{base}{c}"))
        .find(|n| !existing.contains(n))
        .unwrap_or_else(|| format!("{base}-{}", crate::message::random_hex(3)))
}

impl KeyStore {
    /// Keys under `dir` (usually `<data_dir>/dkim`).
    pub fn new(dir: impl Into<PathBuf>) -> KeyStore {
        KeyStore { dir: dir.into() }
    }

    fn domain_dir(&self, domain: &str) -> Result<PathBuf, Error> {
        if !crate::message::valid_domain(domain) {
            return Err(Error::Refused(format!("{domain:?} is not a domain name")));
        }
        Ok(self.dir.join(domain.to_ascii_lowercase()))
    }

    /// Domains that have keys.
    pub fn domains(&self) -> Vec<String> {
        let mut out: Vec<String> = std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().join("state.json").is_file())
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        out.sort();
        out
    }

    /// The domain's state; empty when it has no keys.
    pub fn state(&self, domain: &str) -> Result<DomainState, Error> {
        let path = self.domain_dir(domain)?.join("state.json");
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| Error::Keys(format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(DomainState::default()),
            Err(e) => Err(Error::Keys(format!("{}: {e}", path.display()))),
        }
    }

    fn save_state(&self, domain: &str, state: &DomainState) -> Result<(), Error> {
        let dir = self.domain_dir(domain)?;
        let bytes = serde_json::to_vec_pretty(state).map_err(|e| Error::Keys(e.to_string()))?;
        write_private(&dir.join("state.json"), &bytes)
    }

    /// Makes a new key set (RSA-2048 and Ed25519). The first one of a domain signs at once;
    /// later ones wait as `next` until [`KeyStore::activate`]. Returns the set's name.
    pub fn generate(&self, domain: &str, set: Option<&str>) -> Result<String, Error> {
        let dir = self.domain_dir(domain)?;
        let mut state = self.state(domain)?;
        let known: Vec<String> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().is_dir())
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        let set = match set {
            Some(s) => {
                check_set_name(s)?;
                if known.iter().any(|k| k == s) {
                    return Err(Error::Refused(format!(
                        "selector {s} already exists for {domain}; pick another name"
                    )));
                }
                s.to_string()
            }
            None => {
                let (y, m) = crate::year_month_now();
                default_set_name(&known, y, m)
            }
        };
        let rsa = generate_rsa()?;
        let ed = Ed25519Key::generate_pkcs8()
            .map_err(|e| Error::Keys(format!("cannot make an Ed25519 key: {e}")))?;
        let set_dir = dir.join(&set);
        create_private_dir(&set_dir)?;
        write_private(&set_dir.join(KeyKind::Rsa.file()), &rsa)?;
        write_private(&set_dir.join(KeyKind::Ed25519.file()), &ed)?;
        if state.active.is_none() {
            state.active = Some(set.clone());
        } else {
            state.next = Some(set.clone());
        }
        state.since.insert(set.clone(), unix_now());
        self.save_state(domain, &state)?;
        Ok(set)
    }

    /// Lets the waiting (or a named) key set sign; the one before is retired.
    pub fn activate(&self, domain: &str, set: &str) -> Result<DomainState, Error> {
        let mut state = self.state(domain)?;
        self.read_key(domain, set, KeyKind::Rsa)?;
        self.read_key(domain, set, KeyKind::Ed25519)?;
        if state.active.as_deref() == Some(set) {
            return Ok(state);
        }
        let now = unix_now();
        if let Some(old) = state.active.take() {
            state.since.insert(old.clone(), now);
            state.retired.push(old);
        }
        state.retired.retain(|r| r != set);
        state.active = Some(set.to_string());
        state.since.insert(set.to_string(), now);
        if state.next.as_deref() == Some(set) {
            state.next = None;
        }
        self.save_state(domain, &state)?;
        Ok(state)
    }

    /// Deletes a retired key set (after its records are taken out of the DNS).
    pub fn remove_retired(&self, domain: &str, set: &str) -> Result<(), Error> {
        let mut state = self.state(domain)?;
        if !state.retired.iter().any(|r| r == set) {
            return Err(Error::Refused(format!(
                "selector {set} of {domain} is not retired; only retired keys can be removed"
            )));
        }
        check_set_name(set)?;
        let dir = self.domain_dir(domain)?.join(set);
        std::fs::remove_dir_all(&dir)
            .map_err(|e| Error::Keys(format!("removing {}: {e}", dir.display())))?;
        state.retired.retain(|r| r != set);
        state.since.remove(set);
        self.save_state(domain, &state)
    }

    /// Records that `set` took its present role at `t` (Unix seconds): for a caller with its
    /// own clock, such as automatic rotation.
    pub fn mark_since(&self, domain: &str, set: &str, t: i64) -> Result<(), Error> {
        let mut state = self.state(domain)?;
        state.since.insert(set.to_string(), t);
        self.save_state(domain, &state)
    }

    /// Since when `set` has had its present role: the recorded time, or for sets made before
    /// times were recorded, when its key file was written.
    pub fn since(&self, domain: &str, set: &str) -> Option<i64> {
        if let Some(t) = self.state(domain).ok()?.since.get(set) {
            return Some(*t);
        }
        check_set_name(set).ok()?;
        let path = self
            .domain_dir(domain)
            .ok()?
            .join(set)
            .join(KeyKind::Rsa.file());
        let modified = std::fs::metadata(path).ok()?.modified().ok()?;
        modified
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .and_then(|d| i64::try_from(d.as_secs()).ok())
    }

    fn read_key(&self, domain: &str, set: &str, kind: KeyKind) -> Result<Vec<u8>, Error> {
        check_set_name(set)?;
        let path = self.domain_dir(domain)?.join(set).join(kind.file());
        std::fs::read(&path).map_err(|e| Error::Keys(format!("{}: {e}", path.display())))
    }

    /// The TXT records of a key set.
    pub fn records(&self, domain: &str, set: &str) -> Result<Vec<DkimRecord>, Error> {
        KeyKind::ALL
            .iter()
            .map(|&kind| {
                let der = self.read_key(domain, set, kind)?;
                let public = public_key(kind, &der)?;
                Ok(DkimRecord {
                    set: set.to_string(),
                    kind,
                    name: format!("{}._domainkey.{domain}", kind.selector(set)),
                    value: format!("v=DKIM1; k={}; p={}", kind.tag(), B64.encode(public)),
                })
            })
            .collect()
    }

    /// The signer of the domain's active key set, or `None` when the domain has no keys.
    pub fn signer(&self, domain: &str) -> Result<Option<Signer>, Error> {
        let Some(set) = self.state(domain)?.active else {
            return Ok(None);
        };
        let rsa_der = self.read_key(domain, &set, KeyKind::Rsa)?;
        let ed_der = self.read_key(domain, &set, KeyKind::Ed25519)?;
        let rsa =
            RsaKey::<Sha256>::from_key_der(rustls_pki_types::PrivateKeyDer::Pkcs8(rsa_der.into()))
                .map_err(|e| Error::Keys(format!("RSA key of {domain}/{set}: {e}")))?;
        let ed = Ed25519Key::from_pkcs8_maybe_unchecked_der(&ed_der)
            .map_err(|e| Error::Keys(format!("Ed25519 key of {domain}/{set}: {e}")))?;
        let domain = domain.to_ascii_lowercase();
        Ok(Some(Signer {
            rsa: DkimSigner::from_key(rsa)
                .domain(&domain)
                .selector(KeyKind::Rsa.selector(&set))
                .headers(SIGNED_HEADERS.iter().copied())
                .header_canonicalization(Canonicalization::Relaxed)
                .body_canonicalization(Canonicalization::Relaxed),
            ed: DkimSigner::from_key(ed)
                .domain(&domain)
                .selector(KeyKind::Ed25519.selector(&set))
                .headers(SIGNED_HEADERS.iter().copied())
                .header_canonicalization(Canonicalization::Relaxed)
                .body_canonicalization(Canonicalization::Relaxed),
            domain,
            set,
        }))
    }
}

/// Signs a domain's mail with both keys of its active set.
pub struct Signer {
    domain: String,
    set: String,
    rsa: DkimSigner<RsaKey<Sha256>, Done>,
    ed: DkimSigner<Ed25519Key, Done>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signer({} {})", self.domain, self.set)
    }
}

impl Signer {
    /// The key set in use.
    pub fn set(&self) -> &str {
        &self.set
    }

    /// The message with two `DKIM-Signature:` headers in front (Ed25519 first, so that it
    /// ends up second in verification order for receivers reading top-down; both are valid).
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let rsa = self
            .rsa
            .sign(message)
            .map_err(|e| Error::Keys(format!("RSA signing: {e}")))?;
        let ed = self
            .ed
            .sign(message)
            .map_err(|e| Error::Keys(format!("Ed25519 signing: {e}")))?;
        let mut out = Vec::with_capacity(message.len() + 1200);
        out.extend_from_slice(ed.to_header().as_bytes());
        out.extend_from_slice(rsa.to_header().as_bytes());
        out.extend_from_slice(message);
        Ok(out)
    }
}

/// RSA-2048 as PKCS#8 DER. ring can sign with RSA but not make keys, so OpenSSL's command
/// makes it (installed on every Debian); the result is checked by loading it.
fn generate_rsa() -> Result<Vec<u8>, Error> {
    let out = std::process::Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
        ])
        .stderr(std::process::Stdio::piped())
        .output()
        .map_err(|e| {
            Error::Keys(format!(
                "cannot run openssl to make the RSA key ({e}); install the openssl package"
            ))
        })?;
    if !out.status.success() {
        return Err(Error::Keys(format!(
            "openssl genpkey failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    // The PEM form is PKCS#8 ("PRIVATE KEY"); OpenSSL's DER form would be PKCS#1.
    use rustls_pki_types::pem::PemObject;
    let der = rustls_pki_types::PrivatePkcs8KeyDer::from_pem_slice(&out.stdout)
        .map_err(|e| Error::Keys(format!("openssl made an unreadable RSA key: {e}")))?;
    let der = der.secret_pkcs8_der().to_vec();
    ring::rsa::KeyPair::from_pkcs8(&der)
        .map_err(|e| Error::Keys(format!("openssl made an unusable RSA key: {e}")))?;
    Ok(der)
}

/// The `p=` bytes: SubjectPublicKeyInfo for RSA (what `openssl rsa -pubout` prints, which
/// every verifier reads), the raw 32 bytes for Ed25519 (RFC 8463).
fn public_key(kind: KeyKind, pkcs8: &[u8]) -> Result<Vec<u8>, Error> {
    use ring::signature::KeyPair;
    match kind {
        KeyKind::Rsa => {
            let pair = ring::rsa::KeyPair::from_pkcs8(pkcs8)
                .map_err(|e| Error::Keys(format!("RSA key: {e}")))?;
            Ok(rsa_spki(pair.public().as_ref()))
        }
        KeyKind::Ed25519 => {
            let pair = ring::signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8)
                .map_err(|e| Error::Keys(format!("Ed25519 key: {e}")))?;
            Ok(pair.public_key().as_ref().to_vec())
        }
    }
}

/// Wraps a PKCS#1 RSAPublicKey into a SubjectPublicKeyInfo (rsaEncryption, NULL params).
fn rsa_spki(pkcs1: &[u8]) -> Vec<u8> {
    fn der(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let n = content.len();
        if n < 0x80 {
            out.push(n as u8);
        } else {
            let bytes: Vec<u8> = n
                .to_be_bytes()
                .into_iter()
                .skip_while(|b| *b == 0)
                .collect();
            out.push(0x80 | bytes.len() as u8);
            out.extend(bytes);
        }
        out.extend_from_slice(content);
        out
    }
    const ALGORITHM: &[u8] = &[
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];
    let mut bits = vec![0u8];
    bits.extend_from_slice(pkcs1);
    let mut content = ALGORITHM.to_vec();
    content.extend(der(0x03, &bits));
    der(0x30, &content)
}

fn create_private_dir(dir: &Path) -> Result<(), Error> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| Error::Keys(format!("creating {}: {e}", dir.display())))
}

/// Writes a file readable by its owner only, through a temporary file and a rename, so a
/// crash leaves the old file or the new one, never half of one.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let dir = path.parent().unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    let tmp = path.with_extension("tmp");
    let fail = |e: std::io::Error| Error::Keys(format!("writing {}: {e}", path.display()));
    let _ = std::fs::remove_file(&tmp);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(fail)?;
    f.write_all(bytes).map_err(fail)?;
    f.sync_all().map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn keygen_stores_private_keys_owner_only_and_rotates() {
        let dir = tempfile::tempdir().expect("tempdir");
        let keys = KeyStore::new(dir.path().join("dkim"));
        let first = keys.generate("bakkerij.test", Some("one")).expect("keygen");
        assert_eq!(first, "one");
        for f in ["rsa.der", "ed25519.der"] {
            let p = dir.path().join("dkim/bakkerij.test/one").join(f);
            let mode = std::fs::metadata(&p)
                .expect("key file")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{}", p.display());
        }
        let mode = std::fs::metadata(dir.path().join("dkim/bakkerij.test"))
            .expect("dir")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
        assert_eq!(
            keys.state("bakkerij.test")
                .expect("state")
                .active
                .as_deref(),
            Some("one")
        );
        assert!(matches!(
            keys.generate("bakkerij.test", Some("one")),
            Err(Error::Refused(_))
        ));
        let second = keys.generate("bakkerij.test", Some("two")).expect("keygen");
        let s = keys.state("bakkerij.test").expect("state");
        assert_eq!(
            (s.active.as_deref(), s.next.as_deref()),
            (Some("one"), Some("two"))
        );
        assert_eq!(
            keys.signer("bakkerij.test")
                .expect("signer")
                .expect("some")
                .set(),
            "one"
        );
        let s = keys.activate("bakkerij.test", &second).expect("activate");
        assert_eq!(s.active.as_deref(), Some("two"));
        assert_eq!(s.next, None);
        assert_eq!(s.retired, vec!["one".to_string()]);
        assert!(matches!(
            keys.remove_retired("bakkerij.test", "two"),
            Err(Error::Refused(_))
        ));
        keys.remove_retired("bakkerij.test", "one").expect("remove");
        assert!(!dir.path().join("dkim/bakkerij.test/one").exists());
        assert_eq!(keys.domains(), vec!["bakkerij.test".to_string()]);
    }

    #[test]
    fn records_carry_the_public_keys() {
        let dir = tempfile::tempdir().expect("tempdir");
        let keys = KeyStore::new(dir.path());
        let set = keys.generate("bakkerij.test", None).expect("keygen");
        assert!(set.starts_with("bw2"), "{set}");
        let records = keys.records("bakkerij.test", &set).expect("records");
        assert_eq!(records.len(), 2);
        assert_eq!(
            records[0].name,
            format!("{set}-rsa._domainkey.bakkerij.test")
        );
        assert!(
            records[0]
                .value
                .starts_with("v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A")
        );
        assert_eq!(
            records[1].name,
            format!("{set}-ed25519._domainkey.bakkerij.test")
        );
        let p = records[1].value.rsplit("p=").next().unwrap_or_default();
        assert_eq!(B64.decode(p).expect("base64").len(), 32);
    }

    #[test]
    fn bad_names_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let keys = KeyStore::new(dir.path());
        assert!(keys.generate("../etc", None).is_err());
        assert!(keys.generate("bakkerij.test", Some("../x")).is_err());
        assert!(keys.generate("bakkerij.test", Some("A")).is_err());
        assert!(
            keys.signer("bakkerij.test")
                .expect("no keys is fine")
                .is_none()
        );
    }

    #[test]
    fn default_names_do_not_collide() {
        let existing = vec!["bw202611".to_string(), "bw202611b".to_string()];
        assert_eq!(default_set_name(&[], 2026, 11), "bw202611");
        assert_eq!(default_set_name(&existing, 2026, 11), "bw202611c");
    }
}
