//! Cipher suites and key exchange groups as the NCSC-NL TLS guidelines (2025, appendix B) and
//! internet.nl's `tls_constants.py` rank them: good, sufficient, phase-out; anything else is
//! insufficient.
//!
//! The table holds every suite the probes offer: the NCSC lists, and the weak ones servers still
//! accept (RSA key transport, CBC with SHA-1, 3DES, RC4, NULL, export, anonymous), so that a
//! server accepting one is caught by name.

use serde::Serialize;

/// How good a suite, group or version is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Grade {
    /// Must not be used.
    Insufficient,
    /// To be phased out: allowed for old clients, with a plan to remove.
    PhaseOut,
    /// Sufficient.
    Sufficient,
    /// Good.
    Good,
}

impl Grade {
    /// As the NCSC writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Good => "good",
            Grade::Sufficient => "sufficient",
            Grade::PhaseOut => "phase-out",
            Grade::Insufficient => "insufficient",
        }
    }
}

/// How a TLS 1.2 suite agrees on keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kx {
    /// TLS 1.3: the key share, outside the suite.
    Tls13,
    /// Ephemeral elliptic-curve Diffie-Hellman.
    Ecdhe,
    /// Ephemeral finite-field Diffie-Hellman.
    Dhe,
    /// RSA key transport or static DH: no forward secrecy.
    Static,
    /// No authentication at all.
    Anon,
}

/// One cipher suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Suite {
    /// IANA code point.
    pub id: u16,
    /// IANA name without `TLS_`.
    pub name: &'static str,
    /// Key exchange.
    pub kx: Kx,
    /// NCSC grade.
    pub grade: Grade,
}

impl Suite {
    /// Whether it is a TLS 1.3 suite.
    pub fn tls13(&self) -> bool {
        self.kx == Kx::Tls13
    }
}

const fn s(id: u16, name: &'static str, kx: Kx, grade: Grade) -> Suite {
    Suite {
        id,
        name,
        kx,
        grade,
    }
}

use Grade::{Good, Insufficient as Bad, PhaseOut, Sufficient};
use Kx::{Anon, Dhe, Ecdhe, Static, Tls13};

/// Every suite the probes know, best first within each key exchange.
pub const SUITES: &[Suite] = &[
    // TLS 1.3
    s(0x1302, "AES_256_GCM_SHA384", Tls13, Good),
    s(0x1303, "CHACHA20_POLY1305_SHA256", Tls13, Good),
    s(0x1301, "AES_128_GCM_SHA256", Tls13, Sufficient),
    s(0x1304, "AES_128_CCM_SHA256", Tls13, Sufficient),
    s(0x1305, "AES_128_CCM_8_SHA256", Tls13, Bad),
    // ECDHE-ECDSA
    s(
        0xC02C,
        "ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        Ecdhe,
        Sufficient,
    ),
    s(
        0xCCA9,
        "ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        Ecdhe,
        Sufficient,
    ),
    s(
        0xC02B,
        "ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        Ecdhe,
        Sufficient,
    ),
    s(0xC0AD, "ECDHE_ECDSA_WITH_AES_256_CCM", Ecdhe, Sufficient),
    s(0xC0AC, "ECDHE_ECDSA_WITH_AES_128_CCM", Ecdhe, Sufficient),
    s(
        0xC087,
        "ECDHE_ECDSA_WITH_CAMELLIA_256_GCM_SHA384",
        Ecdhe,
        PhaseOut,
    ),
    s(
        0xC086,
        "ECDHE_ECDSA_WITH_CAMELLIA_128_GCM_SHA256",
        Ecdhe,
        PhaseOut,
    ),
    s(
        0xC05D,
        "ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384",
        Ecdhe,
        PhaseOut,
    ),
    s(
        0xC05C,
        "ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256",
        Ecdhe,
        PhaseOut,
    ),
    s(
        0xC024,
        "ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
        Ecdhe,
        PhaseOut,
    ),
    s(
        0xC023,
        "ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
        Ecdhe,
        PhaseOut,
    ),
    s(
        0xC073,
        "ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384",
        Ecdhe,
        PhaseOut,
    ),
    s(
        0xC072,
        "ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256",
        Ecdhe,
        PhaseOut,
    ),
    s(
        0xC049,
        "ECDHE_ECDSA_WITH_ARIA_256_CBC_SHA384",
        Ecdhe,
        PhaseOut,
    ),
    s(
        0xC048,
        "ECDHE_ECDSA_WITH_ARIA_128_CBC_SHA256",
        Ecdhe,
        PhaseOut,
    ),
    s(0xC0AF, "ECDHE_ECDSA_WITH_AES_256_CCM_8", Ecdhe, Bad),
    s(0xC0AE, "ECDHE_ECDSA_WITH_AES_128_CCM_8", Ecdhe, Bad),
    s(0xC00A, "ECDHE_ECDSA_WITH_AES_256_CBC_SHA", Ecdhe, Bad),
    s(0xC009, "ECDHE_ECDSA_WITH_AES_128_CBC_SHA", Ecdhe, Bad),
    s(0xC008, "ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA", Ecdhe, Bad),
    s(0xC007, "ECDHE_ECDSA_WITH_RC4_128_SHA", Ecdhe, Bad),
    s(0xC006, "ECDHE_ECDSA_WITH_NULL_SHA", Ecdhe, Bad),
    // ECDHE-RSA
    s(
        0xC030,
        "ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        Ecdhe,
        Sufficient,
    ),
    s(
        0xCCA8,
        "ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        Ecdhe,
        Sufficient,
    ),
    s(
        0xC02F,
        "ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        Ecdhe,
        Sufficient,
    ),
    s(
        0xC08B,
        "ECDHE_RSA_WITH_CAMELLIA_256_GCM_SHA384",
        Ecdhe,
        PhaseOut,
    ),
    s(
        0xC08A,
        "ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256",
        Ecdhe,
        PhaseOut,
    ),
    s(
        0xC061,
        "ECDHE_RSA_WITH_ARIA_256_GCM_SHA384",
        Ecdhe,
        PhaseOut,
    ),
    s(
        0xC060,
        "ECDHE_RSA_WITH_ARIA_128_GCM_SHA256",
        Ecdhe,
        PhaseOut,
    ),
    s(0xC028, "ECDHE_RSA_WITH_AES_256_CBC_SHA384", Ecdhe, PhaseOut),
    s(0xC027, "ECDHE_RSA_WITH_AES_128_CBC_SHA256", Ecdhe, PhaseOut),
    s(
        0xC077,
        "ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384",
        Ecdhe,
        PhaseOut,
    ),
    s(
        0xC076,
        "ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
        Ecdhe,
        PhaseOut,
    ),
    s(
        0xC04D,
        "ECDHE_RSA_WITH_ARIA_256_CBC_SHA384",
        Ecdhe,
        PhaseOut,
    ),
    s(
        0xC04C,
        "ECDHE_RSA_WITH_ARIA_128_CBC_SHA256",
        Ecdhe,
        PhaseOut,
    ),
    s(0xC014, "ECDHE_RSA_WITH_AES_256_CBC_SHA", Ecdhe, Bad),
    s(0xC013, "ECDHE_RSA_WITH_AES_128_CBC_SHA", Ecdhe, Bad),
    s(0xC012, "ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", Ecdhe, Bad),
    s(0xC011, "ECDHE_RSA_WITH_RC4_128_SHA", Ecdhe, Bad),
    s(0xC010, "ECDHE_RSA_WITH_NULL_SHA", Ecdhe, Bad),
    // DHE-RSA
    s(
        0xCCAA,
        "DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        Dhe,
        PhaseOut,
    ),
    s(0x009F, "DHE_RSA_WITH_AES_256_GCM_SHA384", Dhe, PhaseOut),
    s(0x009E, "DHE_RSA_WITH_AES_128_GCM_SHA256", Dhe, PhaseOut),
    s(0xC09F, "DHE_RSA_WITH_AES_256_CCM", Dhe, PhaseOut),
    s(0xC09E, "DHE_RSA_WITH_AES_128_CCM", Dhe, PhaseOut),
    s(
        0xC07D,
        "DHE_RSA_WITH_CAMELLIA_256_GCM_SHA384",
        Dhe,
        PhaseOut,
    ),
    s(
        0xC07C,
        "DHE_RSA_WITH_CAMELLIA_128_GCM_SHA256",
        Dhe,
        PhaseOut,
    ),
    s(0xC053, "DHE_RSA_WITH_ARIA_256_GCM_SHA384", Dhe, PhaseOut),
    s(0xC052, "DHE_RSA_WITH_ARIA_128_GCM_SHA256", Dhe, PhaseOut),
    s(0x006B, "DHE_RSA_WITH_AES_256_CBC_SHA256", Dhe, PhaseOut),
    s(0x0067, "DHE_RSA_WITH_AES_128_CBC_SHA256", Dhe, PhaseOut),
    s(
        0x00C4,
        "DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256",
        Dhe,
        PhaseOut,
    ),
    s(
        0x00BE,
        "DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
        Dhe,
        PhaseOut,
    ),
    s(0xC045, "DHE_RSA_WITH_ARIA_256_CBC_SHA384", Dhe, PhaseOut),
    s(0xC044, "DHE_RSA_WITH_ARIA_128_CBC_SHA256", Dhe, PhaseOut),
    s(0x0039, "DHE_RSA_WITH_AES_256_CBC_SHA", Dhe, Bad),
    s(0x0033, "DHE_RSA_WITH_AES_128_CBC_SHA", Dhe, Bad),
    s(0x0088, "DHE_RSA_WITH_CAMELLIA_256_CBC_SHA", Dhe, Bad),
    s(0x0045, "DHE_RSA_WITH_CAMELLIA_128_CBC_SHA", Dhe, Bad),
    s(0x0016, "DHE_RSA_WITH_3DES_EDE_CBC_SHA", Dhe, Bad),
    s(0x0015, "DHE_RSA_WITH_DES_CBC_SHA", Dhe, Bad),
    s(0x0014, "DHE_RSA_EXPORT_WITH_DES40_CBC_SHA", Dhe, Bad),
    // DHE-DSS
    s(0x00A3, "DHE_DSS_WITH_AES_256_GCM_SHA384", Dhe, Bad),
    s(0x00A2, "DHE_DSS_WITH_AES_128_GCM_SHA256", Dhe, Bad),
    s(0x006A, "DHE_DSS_WITH_AES_256_CBC_SHA256", Dhe, Bad),
    s(0x0040, "DHE_DSS_WITH_AES_128_CBC_SHA256", Dhe, Bad),
    s(0x0038, "DHE_DSS_WITH_AES_256_CBC_SHA", Dhe, Bad),
    s(0x0032, "DHE_DSS_WITH_AES_128_CBC_SHA", Dhe, Bad),
    s(0x0013, "DHE_DSS_WITH_3DES_EDE_CBC_SHA", Dhe, Bad),
    // RSA key transport and static (EC)DH: no forward secrecy
    s(0x009D, "RSA_WITH_AES_256_GCM_SHA384", Static, Bad),
    s(0x009C, "RSA_WITH_AES_128_GCM_SHA256", Static, Bad),
    s(0xC09D, "RSA_WITH_AES_256_CCM", Static, Bad),
    s(0xC09C, "RSA_WITH_AES_128_CCM", Static, Bad),
    s(0xC051, "RSA_WITH_ARIA_256_GCM_SHA384", Static, Bad),
    s(0xC050, "RSA_WITH_ARIA_128_GCM_SHA256", Static, Bad),
    s(0x003D, "RSA_WITH_AES_256_CBC_SHA256", Static, Bad),
    s(0x003C, "RSA_WITH_AES_128_CBC_SHA256", Static, Bad),
    s(0x0035, "RSA_WITH_AES_256_CBC_SHA", Static, Bad),
    s(0x002F, "RSA_WITH_AES_128_CBC_SHA", Static, Bad),
    s(0x00C0, "RSA_WITH_CAMELLIA_256_CBC_SHA256", Static, Bad),
    s(0x00BA, "RSA_WITH_CAMELLIA_128_CBC_SHA256", Static, Bad),
    s(0x0084, "RSA_WITH_CAMELLIA_256_CBC_SHA", Static, Bad),
    s(0x0041, "RSA_WITH_CAMELLIA_128_CBC_SHA", Static, Bad),
    s(0x0096, "RSA_WITH_SEED_CBC_SHA", Static, Bad),
    s(0x0007, "RSA_WITH_IDEA_CBC_SHA", Static, Bad),
    s(0x000A, "RSA_WITH_3DES_EDE_CBC_SHA", Static, Bad),
    s(0x0009, "RSA_WITH_DES_CBC_SHA", Static, Bad),
    s(0x0005, "RSA_WITH_RC4_128_SHA", Static, Bad),
    s(0x0004, "RSA_WITH_RC4_128_MD5", Static, Bad),
    s(0x0008, "RSA_EXPORT_WITH_DES40_CBC_SHA", Static, Bad),
    s(0x0006, "RSA_EXPORT_WITH_RC2_CBC_40_MD5", Static, Bad),
    s(0x0003, "RSA_EXPORT_WITH_RC4_40_MD5", Static, Bad),
    s(0x003B, "RSA_WITH_NULL_SHA256", Static, Bad),
    s(0x0002, "RSA_WITH_NULL_SHA", Static, Bad),
    s(0x0001, "RSA_WITH_NULL_MD5", Static, Bad),
    s(0xC00F, "ECDH_RSA_WITH_AES_256_CBC_SHA", Static, Bad),
    s(0xC00E, "ECDH_RSA_WITH_AES_128_CBC_SHA", Static, Bad),
    s(0xC005, "ECDH_ECDSA_WITH_AES_256_CBC_SHA", Static, Bad),
    s(0xC004, "ECDH_ECDSA_WITH_AES_128_CBC_SHA", Static, Bad),
    // Anonymous: no authentication at all
    s(0xC019, "ECDH_anon_WITH_AES_256_CBC_SHA", Anon, Bad),
    s(0xC018, "ECDH_anon_WITH_AES_128_CBC_SHA", Anon, Bad),
    s(0x00A7, "DH_anon_WITH_AES_256_GCM_SHA384", Anon, Bad),
    s(0x00A6, "DH_anon_WITH_AES_128_GCM_SHA256", Anon, Bad),
    s(0x003A, "DH_anon_WITH_AES_256_CBC_SHA", Anon, Bad),
    s(0x0034, "DH_anon_WITH_AES_128_CBC_SHA", Anon, Bad),
    s(0x001B, "DH_anon_WITH_3DES_EDE_CBC_SHA", Anon, Bad),
    s(0x0018, "DH_anon_WITH_RC4_128_MD5", Anon, Bad),
];

/// The suite with code point `id`.
pub fn suite(id: u16) -> Option<&'static Suite> {
    SUITES.iter().find(|s| s.id == id)
}

/// `TLS_…` name of `id`, or its number.
pub fn suite_name(id: u16) -> String {
    match suite(id) {
        Some(s) => format!("TLS_{}", s.name),
        None => format!("unknown suite 0x{id:04X}"),
    }
}

/// The grade of `id`; a suite not in the table is insufficient.
pub fn grade(id: u16) -> Grade {
    suite(id).map(|s| s.grade).unwrap_or(Grade::Insufficient)
}

/// The TLS 1.2 (and older) suites, for the probes.
pub fn legacy_ids() -> Vec<u16> {
    SUITES.iter().filter(|s| !s.tls13()).map(|s| s.id).collect()
}

/// The TLS 1.3 suites.
pub fn tls13_ids() -> Vec<u16> {
    SUITES.iter().filter(|s| s.tls13()).map(|s| s.id).collect()
}

/// A named group (RFC 8422, RFC 7919, RFC 8446).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Group {
    /// IANA code point.
    pub id: u16,
    /// Name.
    pub name: &'static str,
    /// NCSC grade (table 4 and 10).
    pub grade: Grade,
}

const fn g(id: u16, name: &'static str, grade: Grade) -> Group {
    Group { id, name, grade }
}

/// The groups the probes offer, one at a time.
pub const GROUPS: &[Group] = &[
    g(29, "x25519", Good),
    g(30, "x448", Good),
    g(23, "secp256r1", Good),
    g(24, "secp384r1", Good),
    g(25, "secp521r1", Good),
    g(26, "brainpoolP256r1", Good),
    g(27, "brainpoolP384r1", Good),
    g(28, "brainpoolP512r1", Good),
    g(31, "brainpoolP256r1tls13", Good),
    g(32, "brainpoolP384r1tls13", Good),
    g(33, "brainpoolP512r1tls13", Good),
    g(21, "secp224r1", PhaseOut),
    g(22, "secp256k1", Bad),
    g(19, "secp192r1", Bad),
    g(20, "secp224k1", Bad),
    g(18, "secp192k1", Bad),
    g(17, "secp160r2", Bad),
    g(16, "secp160r1", Bad),
    g(15, "secp160k1", Bad),
    g(14, "sect571r1", Bad),
    g(13, "sect571k1", Bad),
    g(11, "sect409r1", Bad),
    g(9, "sect283r1", Bad),
    g(6, "sect233r1", Bad),
    g(3, "sect163r2", Bad),
    g(256, "ffdhe2048", PhaseOut),
    g(257, "ffdhe3072", Sufficient),
    g(258, "ffdhe4096", Sufficient),
    g(259, "ffdhe6144", Sufficient),
    g(260, "ffdhe8192", Sufficient),
];

/// The group with code point `id`.
pub fn group(id: u16) -> Option<&'static Group> {
    GROUPS.iter().find(|g| g.id == id)
}

/// Name of group `id`, or its number.
pub fn group_name(id: u16) -> String {
    group(id)
        .map(|g| g.name.to_string())
        .unwrap_or_else(|| format!("group {id}"))
}

/// The grade of group `id`; unknown groups are insufficient.
pub fn group_grade(id: u16) -> Grade {
    group(id).map(|g| g.grade).unwrap_or(Grade::Insufficient)
}

/// The elliptic-curve groups (everything below the finite-field range), for TLS 1.2 ECDHE.
pub fn ec_group_ids() -> Vec<u16> {
    GROUPS.iter().filter(|g| g.id < 256).map(|g| g.id).collect()
}

/// The grade of a finite-field DH group the server chose by itself (TLS 1.2 DHE, where the
/// server sends its prime): the RFC 7919 groups are recognised by their fixed leading 192 bits
/// (the first 64 bits all ones, then the bits of e) and trailing 64 ones; ffdhe2048 is
/// phase-out, the bigger ones sufficient; any other prime is insufficient (NCSC table 10), and
/// anything under 2048 bits is anyway.
pub fn dh_grade(prime: &[u8], generator: &[u8]) -> (Grade, String) {
    const FFDHE_PREFIX: [u8; 24] = [
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xAD, 0xF8, 0x54, 0x58, 0xA2, 0xBB, 0x4A,
        0x9A, 0xAF, 0xDC, 0x56, 0x20, 0x27, 0x3D, 0x3C, 0xF1,
    ];
    let p: &[u8] = {
        let first = prime.iter().position(|&b| b != 0).unwrap_or(prime.len());
        &prime[first..]
    };
    let bits = p.len() * 8;
    let g_is_2 = generator.iter().skip_while(|&&b| b == 0).eq([2u8].iter());
    let ffdhe = g_is_2
        && p.starts_with(&FFDHE_PREFIX)
        && p.len() >= 32
        && p[p.len() - 8..].iter().all(|&b| b == 0xFF);
    let name = if ffdhe {
        format!("ffdhe{bits}")
    } else {
        format!("DH-{bits}")
    };
    let grade = match (ffdhe, bits) {
        (_, b) if b < 2048 => Grade::Insufficient,
        (true, 2048) => Grade::PhaseOut,
        (true, 3072 | 4096 | 6144 | 8192) => Grade::Sufficient,
        _ => Grade::Insufficient,
    };
    (grade, name)
}

/// A signature scheme's hash (TLS 1.2 `SignatureAndHashAlgorithm`), graded for the key exchange
/// hash test (NCSC 3.3.5): SHA-1 and MD5 insufficient, SHA-224 phase-out, SHA-2 and the
/// intrinsic schemes (PSS, EdDSA) good.
pub fn sigalg_hash(scheme: u16) -> (Grade, &'static str) {
    let [hash, sig] = scheme.to_be_bytes();
    match (hash, sig) {
        (8, _) => (Grade::Good, "intrinsic (RSA-PSS/EdDSA)"),
        (1, _) => (Grade::Insufficient, "MD5"),
        (2, _) => (Grade::Insufficient, "SHA-1"),
        (3, _) => (Grade::PhaseOut, "SHA-224"),
        (4, _) => (Grade::Good, "SHA-256"),
        (5, _) => (Grade::Good, "SHA-384"),
        (6, _) => (Grade::Good, "SHA-512"),
        _ => (Grade::Insufficient, "unknown hash"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suites_are_graded_as_the_ncsc_lists_them() {
        assert_eq!(grade(0x1302), Grade::Good);
        assert_eq!(grade(0x1301), Grade::Sufficient);
        assert_eq!(grade(0xC02F), Grade::Sufficient);
        assert_eq!(grade(0xC027), Grade::PhaseOut);
        assert_eq!(grade(0x009E), Grade::PhaseOut);
        assert_eq!(grade(0xC013), Grade::Insufficient, "CBC with SHA-1");
        assert_eq!(grade(0x002F), Grade::Insufficient, "RSA key transport");
        assert_eq!(grade(0x000A), Grade::Insufficient, "3DES");
        assert_eq!(grade(0xBEEF), Grade::Insufficient, "unknown");
        assert_eq!(suite_name(0xC02F), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
        let mut ids: Vec<u16> = SUITES.iter().map(|s| s.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), SUITES.len(), "a code point twice");
    }

    #[test]
    fn dh_primes_are_recognised() {
        let mut ffdhe2048 = vec![0xFF; 8];
        ffdhe2048.extend_from_slice(&[
            0xAD, 0xF8, 0x54, 0x58, 0xA2, 0xBB, 0x4A, 0x9A, 0xAF, 0xDC, 0x56, 0x20, 0x27, 0x3D,
            0x3C, 0xF1,
        ]);
        ffdhe2048.resize(248, 0x5A);
        ffdhe2048.extend_from_slice(&[0xFF; 8]);
        assert_eq!(dh_grade(&ffdhe2048, &[2]).0, Grade::PhaseOut);
        let mut ffdhe3072 = ffdhe2048[..248].to_vec();
        ffdhe3072.resize(376, 0x11);
        ffdhe3072.extend_from_slice(&[0xFF; 8]);
        assert_eq!(
            dh_grade(&ffdhe3072, &[0, 2]),
            (Grade::Sufficient, "ffdhe3072".into())
        );
        let custom = vec![0xC3; 256];
        assert_eq!(
            dh_grade(&custom, &[2]),
            (Grade::Insufficient, "DH-2048".into())
        );
        assert_eq!(dh_grade(&[0xC3; 128], &[2]).0, Grade::Insufficient);
        assert_eq!(dh_grade(&[], &[]).0, Grade::Insufficient);
    }

    #[test]
    fn key_exchange_hashes() {
        assert_eq!(sigalg_hash(0x0201).0, Grade::Insufficient);
        assert_eq!(sigalg_hash(0x0303).0, Grade::PhaseOut);
        assert_eq!(sigalg_hash(0x0401).0, Grade::Good);
        assert_eq!(sigalg_hash(0x0804).0, Grade::Good);
    }
}
