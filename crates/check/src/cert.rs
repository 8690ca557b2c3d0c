//! The certificate a server shows, judged as internet.nl does (NCSC 3.3.2, 3.3.5): a chain to a
//! trusted root, public keys of sufficient size, SHA-2 signatures, the host's name on it; and
//! (Bolwerk's own) how long it still lasts.
//!
//! Pure: the chain arrives as DER, the trust verdict from the verifier, `now` from the caller.

use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};
use x509_parser::public_key::PublicKey;

use crate::report::{Spec, Subtest};

/// The specs of one side (web or mail).
#[derive(Clone, Copy, Debug)]
pub struct CertSpecs {
    /// Trust chain.
    pub trust: Spec,
    /// Public keys.
    pub pubkey: Spec,
    /// Signatures.
    pub signature: Spec,
    /// Name match.
    pub name: Spec,
    /// Validity period.
    pub expiry: Spec,
}

/// What was seen of a server's certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertFacts {
    /// The chain as sent, leaf first (DER).
    pub chain: Vec<Vec<u8>>,
    /// `None`: the chain leads to a trusted root; `Some(why)` otherwise.
    pub untrusted: Option<String>,
    /// The name the client asked for.
    pub host: String,
}

/// Warn when a certificate runs out within this many days.
pub const EXPIRY_WARN_DAYS: u64 = 14;

/// One certificate, read.
struct Read<'a> {
    cert: X509Certificate<'a>,
}

fn read(der: &[u8]) -> Option<Read<'_>> {
    X509Certificate::from_der(der)
        .ok()
        .map(|(_, cert)| Read { cert })
}

fn common_name(c: &X509Certificate<'_>) -> String {
    c.subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| c.subject().to_string())
}

/// Self-signed (a root shipped along): internet.nl leaves roots out of the key and signature
/// tests, as their strength is the trust store's business.
fn is_root(c: &X509Certificate<'_>) -> bool {
    c.subject().as_raw() == c.issuer().as_raw()
}

fn rsa_bits(modulus: &[u8]) -> usize {
    let m: &[u8] = {
        let first = modulus
            .iter()
            .position(|&b| b != 0)
            .unwrap_or(modulus.len());
        &modulus[first..]
    };
    match m.first() {
        None => 0,
        Some(&b) => (m.len() - 1) * 8 + (8 - b.leading_zeros() as usize),
    }
}

/// A public key graded: (grade, description).
fn grade_key(c: &X509Certificate<'_>) -> (crate::suites::Grade, String) {
    use crate::suites::Grade;
    let spki = c.public_key();
    let alg = spki.algorithm.algorithm.to_id_string();
    match alg.as_str() {
        "1.3.101.112" => return (Grade::Good, "Ed25519".into()),
        "1.3.101.113" => return (Grade::Good, "Ed448".into()),
        _ => {}
    }
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => {
            let bits = rsa_bits(rsa.modulus);
            let grade = match bits {
                b if b >= 3072 => Grade::Good,
                b if b >= 2048 => Grade::PhaseOut,
                _ => Grade::Insufficient,
            };
            (grade, format!("RSA-{bits}"))
        }
        Ok(PublicKey::EC(_)) => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string())
                .unwrap_or_default();
            match curve.as_str() {
                "1.2.840.10045.3.1.7" => (Grade::Good, "ECDSA P-256".into()),
                "1.3.132.0.34" => (Grade::Good, "ECDSA P-384".into()),
                "1.3.132.0.35" => (Grade::Good, "ECDSA P-521".into()),
                "1.3.36.3.3.2.8.1.1.7" => (Grade::Good, "ECDSA brainpoolP256r1".into()),
                "1.3.36.3.3.2.8.1.1.11" => (Grade::Good, "ECDSA brainpoolP384r1".into()),
                "1.3.36.3.3.2.8.1.1.13" => (Grade::Good, "ECDSA brainpoolP512r1".into()),
                "1.3.132.0.33" => (Grade::PhaseOut, "ECDSA P-224".into()),
                other => (Grade::Insufficient, format!("ECDSA on curve {other}")),
            }
        }
        Ok(PublicKey::DSA(_)) => (Grade::Insufficient, "DSA".into()),
        _ => (Grade::Insufficient, format!("key algorithm {alg}")),
    }
}

/// Whether a signature algorithm uses SHA-2 (or is intrinsic): (ok, name).
fn grade_signature(c: &X509Certificate<'_>) -> (bool, String) {
    let oid = c.signature_algorithm.algorithm.to_id_string();
    let (ok, name) = match oid.as_str() {
        "1.2.840.113549.1.1.11" => (true, "sha256WithRSAEncryption"),
        "1.2.840.113549.1.1.12" => (true, "sha384WithRSAEncryption"),
        "1.2.840.113549.1.1.13" => (true, "sha512WithRSAEncryption"),
        "1.2.840.113549.1.1.10" => (true, "RSASSA-PSS"),
        "1.2.840.10045.4.3.2" => (true, "ecdsa-with-SHA256"),
        "1.2.840.10045.4.3.3" => (true, "ecdsa-with-SHA384"),
        "1.2.840.10045.4.3.4" => (true, "ecdsa-with-SHA512"),
        "1.3.101.112" => (true, "Ed25519"),
        "1.3.101.113" => (true, "Ed448"),
        "1.2.840.113549.1.1.5" => (false, "sha1WithRSAEncryption"),
        "1.2.840.113549.1.1.4" => (false, "md5WithRSAEncryption"),
        "1.2.840.113549.1.1.14" => (false, "sha224WithRSAEncryption"),
        "1.2.840.10045.4.1" => (false, "ecdsa-with-SHA1"),
        "1.2.840.10045.4.3.1" => (false, "ecdsa-with-SHA224"),
        _ => (false, ""),
    };
    let name = if name.is_empty() {
        format!("signature algorithm {oid}")
    } else {
        name.to_string()
    };
    (ok, name)
}

/// The DNS names and addresses the certificate is for (its subjectAltName).
pub fn names(der: &[u8]) -> Vec<String> {
    let Some(r) = read(der) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Ok(Some(san)) = r.cert.subject_alternative_name() {
        for n in &san.value.general_names {
            match n {
                GeneralName::DNSName(d) => out.push(d.to_ascii_lowercase()),
                GeneralName::IPAddress(b) => {
                    if let Ok(a) = <[u8; 4]>::try_from(*b) {
                        out.push(std::net::Ipv4Addr::from(a).to_string());
                    } else if let Ok(a) = <[u8; 16]>::try_from(*b) {
                        out.push(std::net::Ipv6Addr::from(a).to_string());
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// Whether `pattern` (a SAN entry) covers `host`: exactly, or `*.` for exactly one label
/// (RFC 6125 §6.4.3, the form CAs issue).
pub fn name_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if pattern == host {
        return true;
    }
    match (pattern.strip_prefix("*."), host.split_once('.')) {
        (Some(rest), Some((label, host_rest))) => {
            !label.is_empty() && rest == host_rest && rest.contains('.')
        }
        _ => false,
    }
}

/// The SubjectPublicKeyInfo (DER) of a certificate, for DANE `selector 1`.
pub fn spki(der: &[u8]) -> Option<Vec<u8>> {
    read(der).map(|r| r.cert.public_key().raw.to_vec())
}

/// `notAfter` as Unix seconds.
pub fn not_after(der: &[u8]) -> Option<i64> {
    read(der).map(|r| r.cert.validity().not_after.timestamp())
}

/// Judges the facts: trust, public keys, signatures, name, validity period.
pub fn judge(f: &CertFacts, specs: &CertSpecs, now: u64) -> Vec<Subtest> {
    use crate::suites::Grade;
    let Some(leaf_der) = f.chain.first() else {
        let why = "no certificate could be read from the server";
        return vec![
            specs.trust.not_tested(why),
            specs.pubkey.not_tested(why),
            specs.signature.not_tested(why),
            specs.name.not_tested(why),
            specs.expiry.not_tested(why),
        ];
    };
    let read_chain: Vec<Read<'_>> = f.chain.iter().filter_map(|d| read(d)).collect();
    let mut out = Vec::new();
    let subjects: Vec<String> = read_chain.iter().map(|r| common_name(&r.cert)).collect();
    let chain_text = format!("chain: {}", subjects.join(" → "));
    out.push(match &f.untrusted {
        None => specs.trust.pass("the chain leads to a trusted root").with_details(vec![chain_text]),
        Some(why) => specs
            .trust
            .bad(
                format!("the chain does not lead to a trusted root: {why}"),
                "Serve a certificate from a publicly trusted CA (Let's Encrypt: set tls_acme = true) and send the intermediate certificates along with it.",
            )
            .with_details(vec![chain_text]),
    });
    // Keys and signatures: every certificate but a root shipped along (a self-signed leaf is
    // judged: it is all there is).
    let judged: Vec<&Read<'_>> = read_chain
        .iter()
        .enumerate()
        .filter(|(i, r)| *i == 0 || !is_root(&r.cert))
        .map(|(_, r)| r)
        .collect();
    if read_chain.is_empty() {
        let why = "the certificate could not be parsed";
        out.push(specs.pubkey.not_tested(why));
        out.push(specs.signature.not_tested(why));
    } else {
        let keys: Vec<(Grade, String)> = judged
            .iter()
            .map(|r| {
                let (g, k) = grade_key(&r.cert);
                (g, format!("{}: {k} ({})", common_name(&r.cert), g.as_str()))
            })
            .collect();
        let details: Vec<String> = keys.iter().map(|(_, d)| d.clone()).collect();
        let worst = keys.iter().map(|(g, _)| *g).min().unwrap_or(Grade::Good);
        let weak: Vec<String> = keys
            .iter()
            .filter(|(g, _)| *g == worst)
            .map(|(_, d)| d.clone())
            .collect();
        out.push(
            match worst {
                Grade::Insufficient => specs.pubkey.bad(
                    format!("too weak a key: {}", weak.join(", ")),
                    "Get a new certificate with an ECDSA P-256/P-384 key or an RSA key of at least 3072 bits.",
                ),
                Grade::PhaseOut => specs.pubkey.phase_out(
                    format!("a key being phased out: {}", weak.join(", ")),
                    "At the next renewal, use an ECDSA P-256/P-384 key or RSA of at least 3072 bits (RSA-2048 is phase-out).",
                ),
                _ => specs.pubkey.pass(format!("strong keys: {}", details.join(", "))),
            }
            .with_details(details),
        );
        let sigs: Vec<(bool, String)> = judged
            .iter()
            .map(|r| {
                let (ok, name) = grade_signature(&r.cert);
                (ok, format!("{}: {name}", common_name(&r.cert)))
            })
            .collect();
        let bad: Vec<String> = sigs
            .iter()
            .filter(|(ok, _)| !ok)
            .map(|(_, d)| d.clone())
            .collect();
        let details: Vec<String> = sigs.into_iter().map(|(_, d)| d).collect();
        out.push(
            if bad.is_empty() {
                specs.signature.pass("every certificate is signed with SHA-2 (or EdDSA)")
            } else {
                specs.signature.bad(
                    format!("signed with a weak hash: {}", bad.join(", ")),
                    "Get the certificate (and intermediates) reissued with SHA-256 signatures; every public CA does so by default.",
                )
            }
            .with_details(details),
        );
    }
    let names = names(leaf_der);
    out.push(if names.iter().any(|n| name_matches(n, &f.host)) {
        specs.name.pass(format!("the certificate names {}", f.host))
    } else {
        specs
            .name
            .bad(
                format!(
                    "the certificate does not name {} (it names {})",
                    f.host,
                    if names.is_empty() {
                        "no host in its subjectAltName".to_string()
                    } else {
                        names.join(", ")
                    }
                ),
                format!("Get a certificate whose subjectAltName includes {} (Bolwerk's ACME covers every host of the site).", f.host),
            )
            .with_details(names.clone())
    });
    out.push(match not_after(leaf_der) {
        None => specs.expiry.not_tested("the certificate could not be parsed"),
        Some(end) => {
            let now_i = i64::try_from(now).unwrap_or(i64::MAX);
            let left = end.saturating_sub(now_i);
            let when = dns::chain::utc(u64::try_from(end.max(0)).unwrap_or(0));
            let warn = i64::try_from(EXPIRY_WARN_DAYS * 86_400).unwrap_or(i64::MAX);
            if left <= 0 {
                specs.expiry.bad(
                    format!("the certificate expired at {when}"),
                    "Renew the certificate now (with ACME Bolwerk renews by itself: see `bolwerk cert status`).",
                )
            } else if left < warn {
                let days = left / 86_400;
                specs.expiry.phase_out(
                    format!(
                        "the certificate runs out at {when}, in {}",
                        if days == 1 { "1 day".to_string() } else if days == 0 { "less than a day".to_string() } else { format!("{days} days") }
                    ),
                    "Renew the certificate before it runs out (`bolwerk cert renew`, or check why automatic renewal stopped).",
                )
            } else {
                specs.expiry.pass(format!("valid until {when} ({} days)", left / 86_400))
            }
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_as_rfc_6125_says() {
        assert!(name_matches("example.nl", "Example.NL."));
        assert!(name_matches("*.example.nl", "www.example.nl"));
        assert!(!name_matches("*.example.nl", "example.nl"));
        assert!(!name_matches("*.example.nl", "a.b.example.nl"));
        assert!(
            !name_matches("*.nl", "example.nl"),
            "no wildcard over a TLD"
        );
        assert!(!name_matches("www.example.nl", "example.nl"));
    }

    #[test]
    fn rsa_sizes_are_counted_in_bits() {
        assert_eq!(rsa_bits(&[0, 0x80, 0, 0]), 24);
        assert_eq!(rsa_bits(&[0x01, 0xFF]), 9);
        assert_eq!(rsa_bits(&[]), 0);
    }

    #[test]
    fn no_chain_is_not_tested_rather_than_a_panic() {
        let specs = CertSpecs {
            trust: crate::catalogue::web::CERT_TRUST,
            pubkey: crate::catalogue::web::CERT_PUBKEY,
            signature: crate::catalogue::web::CERT_SIGNATURE,
            name: crate::catalogue::web::CERT_NAME,
            expiry: crate::catalogue::web::CERT_EXPIRY,
        };
        let f = CertFacts {
            chain: vec![b"not a certificate".to_vec()],
            untrusted: Some("bad".into()),
            host: "example.nl".into(),
        };
        let out = judge(&f, &specs, 0);
        assert_eq!(out.len(), 5);
        assert_eq!(out[0].status, crate::report::Status::Fail);
    }
}
