//! Every subtest: its stable code, title, the internet.nl subtest it matches and how bad a bad
//! verdict is (internet.nl's `scoring.py`, 2025: `*_WORST_STATUS`). `docs/check.md` has the same
//! table in words; a test keeps the two in step.

use crate::report::{Spec, Status};

const fn spec(
    code: &'static str,
    title: &'static str,
    internet_nl: Option<&'static str>,
    worst: Status,
) -> Spec {
    Spec {
        code,
        title,
        internet_nl,
        worst,
    }
}

use Status::{Fail, Info, Warning};

/// The website test.
pub mod web {
    use super::*;

    /// The domain's name servers have IPv6 addresses (at least two).
    pub const NS_AAAA: Spec = spec(
        "web.ipv6.ns-aaaa",
        "IPv6 addresses for name servers",
        Some("ns_aaaa"),
        Fail,
    );
    /// Those name servers answer over IPv6.
    pub const NS_REACH: Spec = spec(
        "web.ipv6.ns-reach",
        "IPv6 reachability of name servers",
        Some("ns_reach"),
        Fail,
    );
    /// The web server has an IPv6 address.
    pub const AAAA: Spec = spec(
        "web.ipv6.aaaa",
        "IPv6 addresses for web server",
        Some("web_aaaa"),
        Fail,
    );
    /// The web server answers on port 443 over IPv6.
    pub const REACH: Spec = spec(
        "web.ipv6.reach",
        "IPv6 reachability of web server",
        Some("web_reach"),
        Fail,
    );
    /// The same site over IPv6 as over IPv4.
    pub const SAME_SITE: Spec = spec(
        "web.ipv6.same-site",
        "Same website on IPv6 and IPv4",
        Some("web_ipv46"),
        Fail,
    );
    /// The domain is signed.
    pub const DNSSEC_EXISTS: Spec = spec(
        "web.dnssec.exists",
        "DNSSEC existence",
        Some("dnssec_exists"),
        Fail,
    );
    /// The signatures validate from the root down.
    pub const DNSSEC_VALID: Spec = spec(
        "web.dnssec.valid",
        "DNSSEC validity",
        Some("dnssec_valid"),
        Fail,
    );
    /// HTTPS answers.
    pub const HTTPS_EXISTS: Spec = spec(
        "web.https.exists",
        "HTTPS available",
        Some("https_exists"),
        Fail,
    );
    /// HTTP redirects to HTTPS on the same host first.
    pub const HTTPS_REDIRECT: Spec = spec(
        "web.https.redirect",
        "HTTPS redirect",
        Some("https_forced"),
        Fail,
    );
    /// HSTS with a max-age of at least a year.
    pub const HSTS: Spec = spec("web.https.hsts", "HSTS", Some("https_hsts"), Fail);
    /// No HTTP compression (BREACH).
    pub const HTTP_COMPRESSION: Spec = spec(
        "web.https.compression",
        "HTTP compression",
        Some("http_compression"),
        Info,
    );
    /// TLS versions.
    pub const TLS_VERSION: Spec = spec("web.tls.version", "TLS version", Some("tls_version"), Fail);
    /// Cipher suites.
    pub const TLS_CIPHERS: Spec = spec(
        "web.tls.ciphers",
        "Ciphers (algorithm selections)",
        Some("tls_ciphers"),
        Fail,
    );
    /// The server prefers better suites.
    pub const TLS_CIPHER_ORDER: Spec = spec(
        "web.tls.cipher-order",
        "Cipher order",
        Some("tls_cipher_order"),
        Fail,
    );
    /// Key exchange groups and parameters.
    pub const TLS_KEX_PARAMS: Spec = spec(
        "web.tls.kex-params",
        "Key exchange parameters",
        Some("fs_params"),
        Fail,
    );
    /// SHA-2 for the key exchange signature.
    pub const TLS_KEX_HASH: Spec = spec(
        "web.tls.kex-hash",
        "Hash function for key exchange",
        Some("kex_hash_func"),
        Warning,
    );
    /// No TLS compression (CRIME).
    pub const TLS_COMPRESSION: Spec = spec(
        "web.tls.compression",
        "TLS compression",
        Some("tls_compression"),
        Fail,
    );
    /// RFC 5746 secure renegotiation.
    pub const TLS_SECURE_RENEG: Spec = spec(
        "web.tls.secure-reneg",
        "Secure renegotiation",
        Some("renegotiation_secure"),
        Fail,
    );
    /// Client-initiated renegotiation refused.
    pub const TLS_CLIENT_RENEG: Spec = spec(
        "web.tls.client-reneg",
        "Client-initiated renegotiation",
        Some("renegotiation_client"),
        Info,
    );
    /// No 0-RTT.
    pub const TLS_ZERO_RTT: Spec = spec("web.tls.zero-rtt", "0-RTT", Some("zero_rtt"), Fail);
    /// OCSP stapling.
    pub const TLS_OCSP: Spec = spec(
        "web.tls.ocsp",
        "OCSP stapling",
        Some("ocsp_stapling"),
        Warning,
    );
    /// Extended master secret (RFC 7627) with TLS 1.2.
    pub const TLS_EMS: Spec = spec(
        "web.tls.ems",
        "Extended master secret",
        Some("extended_master_secret"),
        Warning,
    );
    /// The chain leads to a trusted root.
    pub const CERT_TRUST: Spec = spec(
        "web.cert.trust",
        "Trust chain of certificate",
        Some("cert_trust"),
        Fail,
    );
    /// Key type and size.
    pub const CERT_PUBKEY: Spec = spec(
        "web.cert.pubkey",
        "Public key of certificate",
        Some("cert_pubkey"),
        Fail,
    );
    /// SHA-2 signatures.
    pub const CERT_SIGNATURE: Spec = spec(
        "web.cert.signature",
        "Signature of certificate",
        Some("cert_signature"),
        Fail,
    );
    /// The certificate names the domain.
    pub const CERT_NAME: Spec = spec(
        "web.cert.name",
        "Domain name on certificate",
        Some("cert_hostmatch"),
        Fail,
    );
    /// Not expired, not about to expire (Bolwerk's own).
    pub const CERT_EXPIRY: Spec =
        spec("web.cert.expiry", "Certificate validity period", None, Fail);
    /// CAA records.
    pub const CAA: Spec = spec("web.cert.caa", "CAA for domain", Some("web_caa"), Warning);
    /// TLSA records for the web server.
    pub const DANE_EXISTS: Spec = spec(
        "web.dane.exists",
        "DANE existence",
        Some("dane_exists"),
        Info,
    );
    /// They match the certificate.
    pub const DANE_VALID: Spec = spec(
        "web.dane.valid",
        "DANE validity",
        Some("dane_valid"),
        Warning,
    );
    /// X-Frame-Options (or CSP frame-ancestors).
    pub const X_FRAME_OPTIONS: Spec = spec(
        "web.headers.x-frame-options",
        "X-Frame-Options",
        Some("http_x_frame"),
        Info,
    );
    /// X-Content-Type-Options: nosniff.
    pub const X_CONTENT_TYPE_OPTIONS: Spec = spec(
        "web.headers.x-content-type-options",
        "X-Content-Type-Options",
        Some("http_x_content_type"),
        Warning,
    );
    /// Content-Security-Policy by internet.nl's rules, naming the directive that fails.
    pub const CSP: Spec = spec(
        "web.headers.csp",
        "Content-Security-Policy",
        Some("http_csp"),
        Warning,
    );
    /// Referrer-Policy.
    pub const REFERRER_POLICY: Spec = spec(
        "web.headers.referrer-policy",
        "Referrer-Policy",
        Some("http_referrer_policy"),
        Warning,
    );
    /// security.txt (RFC 9116).
    pub const SECURITY_TXT: Spec = spec(
        "web.security-txt",
        "security.txt",
        Some("securitytxt"),
        Warning,
    );
}

/// The mail test.
pub mod mail {
    use super::*;

    /// MX records, or a Null MX (RFC 7505).
    pub const MX: Spec = spec("mail.mx", "Mail servers (MX)", None, Warning);
    /// The domain's name servers have IPv6 addresses.
    pub const NS_AAAA: Spec = spec(
        "mail.ipv6.ns-aaaa",
        "IPv6 addresses for name servers",
        Some("ns_aaaa"),
        Fail,
    );
    /// They answer over IPv6.
    pub const NS_REACH: Spec = spec(
        "mail.ipv6.ns-reach",
        "IPv6 reachability of name servers",
        Some("ns_reach"),
        Fail,
    );
    /// Every MX host has an IPv6 address.
    pub const MX_AAAA: Spec = spec(
        "mail.ipv6.mx-aaaa",
        "IPv6 addresses for mail servers",
        Some("mx_aaaa"),
        Fail,
    );
    /// Every MX answers on port 25 over IPv6.
    pub const MX_REACH: Spec = spec(
        "mail.ipv6.mx-reach",
        "IPv6 reachability of mail servers",
        Some("mx_reach"),
        Fail,
    );
    /// The mail domain is signed.
    pub const DNSSEC_EXISTS: Spec = spec(
        "mail.dnssec.exists",
        "DNSSEC existence (mail domain)",
        Some("dnssec_exists"),
        Fail,
    );
    /// Its signatures validate.
    pub const DNSSEC_VALID: Spec = spec(
        "mail.dnssec.valid",
        "DNSSEC validity (mail domain)",
        Some("dnssec_valid"),
        Fail,
    );
    /// The MX hosts' domains are signed.
    pub const DNSSEC_MX_EXISTS: Spec = spec(
        "mail.dnssec.mx-exists",
        "DNSSEC existence (mail server domains)",
        Some("dnssec_mx_exists"),
        Fail,
    );
    /// Their signatures validate.
    pub const DNSSEC_MX_VALID: Spec = spec(
        "mail.dnssec.mx-valid",
        "DNSSEC validity (mail server domains)",
        Some("dnssec_mx_valid"),
        Fail,
    );
    /// A DMARC record.
    pub const DMARC: Spec = spec("mail.auth.dmarc", "DMARC existence", Some("dmarc"), Fail);
    /// p=quarantine or p=reject.
    pub const DMARC_POLICY: Spec = spec(
        "mail.auth.dmarc-policy",
        "DMARC policy",
        Some("dmarc_policy"),
        Fail,
    );
    /// Aggregate reports go somewhere that takes them (stricter than internet.nl's notice).
    pub const DMARC_RUA: Spec = spec("mail.auth.dmarc-rua", "DMARC reports (rua)", None, Fail);
    /// DKIM keys published.
    pub const DKIM: Spec = spec("mail.auth.dkim", "DKIM existence", Some("dkim"), Fail);
    /// One SPF record.
    pub const SPF: Spec = spec("mail.auth.spf", "SPF existence", Some("spf"), Fail);
    /// -all or ~all, at most 10 lookups, includes that resolve.
    pub const SPF_POLICY: Spec = spec(
        "mail.auth.spf-policy",
        "SPF policy",
        Some("spf_policy"),
        Fail,
    );
    /// STARTTLS on every MX.
    pub const STARTTLS: Spec = spec(
        "mail.tls.starttls",
        "STARTTLS available",
        Some("starttls_exists"),
        Fail,
    );
    /// TLS versions.
    pub const TLS_VERSION: Spec =
        spec("mail.tls.version", "TLS version", Some("tls_version"), Fail);
    /// Cipher suites.
    pub const TLS_CIPHERS: Spec = spec(
        "mail.tls.ciphers",
        "Ciphers (algorithm selections)",
        Some("tls_ciphers"),
        Fail,
    );
    /// Cipher order.
    pub const TLS_CIPHER_ORDER: Spec = spec(
        "mail.tls.cipher-order",
        "Cipher order",
        Some("tls_cipher_order"),
        Fail,
    );
    /// Key exchange parameters.
    pub const TLS_KEX_PARAMS: Spec = spec(
        "mail.tls.kex-params",
        "Key exchange parameters",
        Some("fs_params"),
        Fail,
    );
    /// Hash function for key exchange.
    pub const TLS_KEX_HASH: Spec = spec(
        "mail.tls.kex-hash",
        "Hash function for key exchange",
        Some("kex_hash_func"),
        Warning,
    );
    /// TLS compression.
    pub const TLS_COMPRESSION: Spec = spec(
        "mail.tls.compression",
        "TLS compression",
        Some("tls_compression"),
        Fail,
    );
    /// Secure renegotiation.
    pub const TLS_SECURE_RENEG: Spec = spec(
        "mail.tls.secure-reneg",
        "Secure renegotiation",
        Some("renegotiation_secure"),
        Fail,
    );
    /// Client-initiated renegotiation.
    pub const TLS_CLIENT_RENEG: Spec = spec(
        "mail.tls.client-reneg",
        "Client-initiated renegotiation",
        Some("renegotiation_client"),
        Info,
    );
    /// 0-RTT.
    pub const TLS_ZERO_RTT: Spec = spec("mail.tls.zero-rtt", "0-RTT", Some("zero_rtt"), Fail);
    /// Extended master secret.
    pub const TLS_EMS: Spec = spec(
        "mail.tls.ems",
        "Extended master secret",
        Some("extended_master_secret"),
        Warning,
    );
    /// Trust chain (informational for mail: DANE is what protects SMTP).
    pub const CERT_TRUST: Spec = spec(
        "mail.cert.trust",
        "Trust chain of certificate",
        Some("cert_trust"),
        Info,
    );
    /// Key type and size.
    pub const CERT_PUBKEY: Spec = spec(
        "mail.cert.pubkey",
        "Public key of certificate",
        Some("cert_pubkey"),
        Fail,
    );
    /// SHA-2 signatures.
    pub const CERT_SIGNATURE: Spec = spec(
        "mail.cert.signature",
        "Signature of certificate",
        Some("cert_signature"),
        Fail,
    );
    /// The certificate names the MX host (informational unless DANE-TA is used).
    pub const CERT_NAME: Spec = spec(
        "mail.cert.name",
        "Domain name on certificate",
        Some("cert_hostmatch"),
        Info,
    );
    /// Not expired, not about to expire (Bolwerk's own).
    pub const CERT_EXPIRY: Spec = spec(
        "mail.cert.expiry",
        "Certificate validity period",
        None,
        Warning,
    );
    /// CAA for the MX host names.
    pub const CAA: Spec = spec(
        "mail.cert.caa",
        "CAA for mail server domains",
        Some("mail_caa"),
        Warning,
    );
    /// TLSA records for every MX.
    pub const DANE_EXISTS: Spec = spec(
        "mail.dane.exists",
        "DANE existence",
        Some("dane_exists"),
        Fail,
    );
    /// They match the certificate.
    pub const DANE_VALID: Spec = spec("mail.dane.valid", "DANE validity", Some("dane_valid"), Fail);
    /// A rollover scheme (two TLSA records).
    pub const DANE_ROLLOVER: Spec = spec(
        "mail.dane.rollover",
        "DANE rollover scheme",
        Some("dane_rollover"),
        Info,
    );
    /// MTA-STS (RFC 8461), which internet.nl does not test.
    pub const MTA_STS: Spec = spec("mail.mta-sts", "MTA-STS", None, Fail);
    /// TLS-RPT (RFC 8460).
    pub const TLS_RPT: Spec = spec("mail.tls-rpt", "TLS-RPT", Some("tlsrpt"), Warning);
}

/// The categories and their subtests, in report order.
pub const CATEGORIES: &[(&str, &str, &[Spec])] = &[
    (
        "web.ipv6",
        "IPv6 (web)",
        &[
            web::NS_AAAA,
            web::NS_REACH,
            web::AAAA,
            web::REACH,
            web::SAME_SITE,
        ],
    ),
    (
        "web.dnssec",
        "DNSSEC (web)",
        &[web::DNSSEC_EXISTS, web::DNSSEC_VALID],
    ),
    (
        "web.https",
        "HTTPS",
        &[
            web::HTTPS_EXISTS,
            web::HTTPS_REDIRECT,
            web::HSTS,
            web::HTTP_COMPRESSION,
        ],
    ),
    (
        "web.tls",
        "TLS (web)",
        &[
            web::TLS_VERSION,
            web::TLS_CIPHERS,
            web::TLS_CIPHER_ORDER,
            web::TLS_KEX_PARAMS,
            web::TLS_KEX_HASH,
            web::TLS_COMPRESSION,
            web::TLS_SECURE_RENEG,
            web::TLS_CLIENT_RENEG,
            web::TLS_ZERO_RTT,
            web::TLS_OCSP,
            web::TLS_EMS,
        ],
    ),
    (
        "web.cert",
        "Certificate (web)",
        &[
            web::CERT_TRUST,
            web::CERT_PUBKEY,
            web::CERT_SIGNATURE,
            web::CERT_NAME,
            web::CERT_EXPIRY,
            web::CAA,
        ],
    ),
    (
        "web.dane",
        "DANE (web)",
        &[web::DANE_EXISTS, web::DANE_VALID],
    ),
    (
        "web.headers",
        "Security options",
        &[
            web::X_FRAME_OPTIONS,
            web::X_CONTENT_TYPE_OPTIONS,
            web::CSP,
            web::REFERRER_POLICY,
            web::SECURITY_TXT,
        ],
    ),
    ("mail.mx", "Mail servers", &[mail::MX]),
    (
        "mail.ipv6",
        "IPv6 (mail)",
        &[mail::NS_AAAA, mail::NS_REACH, mail::MX_AAAA, mail::MX_REACH],
    ),
    (
        "mail.dnssec",
        "DNSSEC (mail)",
        &[
            mail::DNSSEC_EXISTS,
            mail::DNSSEC_VALID,
            mail::DNSSEC_MX_EXISTS,
            mail::DNSSEC_MX_VALID,
        ],
    ),
    (
        "mail.auth",
        "DMARC, DKIM and SPF",
        &[
            mail::DMARC,
            mail::DMARC_POLICY,
            mail::DMARC_RUA,
            mail::DKIM,
            mail::SPF,
            mail::SPF_POLICY,
        ],
    ),
    (
        "mail.tls",
        "STARTTLS",
        &[
            mail::STARTTLS,
            mail::TLS_VERSION,
            mail::TLS_CIPHERS,
            mail::TLS_CIPHER_ORDER,
            mail::TLS_KEX_PARAMS,
            mail::TLS_KEX_HASH,
            mail::TLS_COMPRESSION,
            mail::TLS_SECURE_RENEG,
            mail::TLS_CLIENT_RENEG,
            mail::TLS_ZERO_RTT,
            mail::TLS_EMS,
        ],
    ),
    (
        "mail.cert",
        "Certificate (mail)",
        &[
            mail::CERT_TRUST,
            mail::CERT_PUBKEY,
            mail::CERT_SIGNATURE,
            mail::CERT_NAME,
            mail::CERT_EXPIRY,
            mail::CAA,
        ],
    ),
    (
        "mail.dane",
        "DANE (mail)",
        &[mail::DANE_EXISTS, mail::DANE_VALID, mail::DANE_ROLLOVER],
    ),
    (
        "mail.extra",
        "Beyond internet.nl",
        &[mail::MTA_STS, mail::TLS_RPT],
    ),
];

/// Every spec.
pub fn all() -> impl Iterator<Item = &'static Spec> {
    CATEGORIES.iter().flat_map(|(_, _, specs)| specs.iter())
}

/// The worst status of the subtest `code` (`Info` for an unknown code).
pub fn worst_of(code: &str) -> Status {
    all()
        .find(|s| s.code == code)
        .map(|s| s.worst)
        .unwrap_or(Status::Info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_sit_in_their_category() {
        let mut seen = std::collections::BTreeSet::new();
        for (cat, _, specs) in CATEGORIES {
            let part = cat.split('.').next().unwrap_or_default();
            for s in *specs {
                assert!(seen.insert(s.code), "{} twice", s.code);
                assert!(s.code.starts_with(&format!("{part}.")), "{}", s.code);
            }
        }
    }

    #[test]
    fn the_docs_name_every_subtest() {
        let docs = include_str!("../../../docs/check.md");
        for s in all() {
            assert!(
                docs.contains(&format!("`{}`", s.code)),
                "docs/check.md lacks {}",
                s.code
            );
        }
    }
}
