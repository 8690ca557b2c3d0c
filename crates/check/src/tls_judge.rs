//! The TLS subtests, judged from what the probes saw ([`TlsFacts`]) by the NCSC-NL guidelines as
//! internet.nl applies them: versions (1.3 good, 1.2 sufficient, older insufficient), suites,
//! the server's own order, key exchange groups and parameters, the hash signing the key
//! exchange, compression, renegotiation, 0-RTT, OCSP stapling and the extended master secret.

use std::collections::BTreeSet;

use crate::hello::Version;
use crate::report::{Spec, Subtest};
use crate::suites::{self, Grade};

/// The specs of one side.
#[derive(Clone, Copy, Debug)]
pub struct TlsSpecs {
    /// Versions.
    pub version: Spec,
    /// Suites.
    pub ciphers: Spec,
    /// Order.
    pub order: Spec,
    /// Key exchange parameters.
    pub kex_params: Spec,
    /// Key exchange hash.
    pub kex_hash: Spec,
    /// Compression.
    pub compression: Spec,
    /// Secure renegotiation.
    pub secure_reneg: Spec,
    /// Client-initiated renegotiation.
    pub client_reneg: Spec,
    /// 0-RTT.
    pub zero_rtt: Spec,
    /// Extended master secret.
    pub ems: Spec,
    /// OCSP stapling (web only).
    pub ocsp: Option<Spec>,
}

/// What became of 0-RTT.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ZeroRtt {
    /// The server's tickets allow no early data.
    NotOffered,
    /// Tickets allow it, but the early data sent was refused.
    Refused,
    /// Early data was accepted: replayable requests.
    Accepted,
    /// Could not be tested (why).
    Untested(String),
}

/// Everything the probes found out about one TLS server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsFacts {
    /// Versions probed, and whether each was accepted.
    pub versions: Vec<(Version, bool)>,
    /// Suites accepted with TLS 1.2 or older (at the highest such version accepted).
    pub legacy_suites: Vec<u16>,
    /// TLS 1.3 suites accepted.
    pub tls13_suites: Vec<u16>,
    /// Groups accepted for ECDHE or the TLS 1.3 key share.
    pub groups: BTreeSet<u16>,
    /// Finite-field DH parameters seen with DHE suites: (grade, name).
    pub dh_params: Vec<(Grade, String)>,
    /// The server chose a worse suite over a better one: (chosen, expected).
    pub order_violation: Option<(u16, u16)>,
    /// The order test ran (there were worse suites to compare with).
    pub order_tested: bool,
    /// The server chose DEFLATE (TLS 1.2 and older); `None` when only TLS 1.3 was seen.
    pub compression: Option<bool>,
    /// The server sent renegotiation_info; `None` without TLS 1.2 or older.
    pub secure_reneg: Option<bool>,
    /// The server sent extended_master_secret with TLS 1.2; `None` without TLS 1.2.
    pub ems: Option<bool>,
    /// The weakest key exchange hash the server signed with when offered only weak ones:
    /// `None` when no ECDHE/DHE suite with TLS 1.2 was accepted.
    pub kex_hash: Option<(Grade, &'static str)>,
    /// 0-RTT.
    pub zero_rtt: ZeroRtt,
    /// An OCSP response was stapled (`None`: not seen, no TLS handshake completed).
    pub ocsp_stapled: Option<bool>,
    /// Probes that got no answer at all (no connection, or silence until the deadline), as
    /// opposed to a refusal: a server that rate-limits could hide exactly its weak settings.
    pub unanswered: usize,
}

impl TlsFacts {
    /// Versions accepted, best first.
    pub fn accepted(&self) -> Vec<Version> {
        let mut v: Vec<Version> = self
            .versions
            .iter()
            .filter(|(_, ok)| *ok)
            .map(|(v, _)| *v)
            .collect();
        v.sort_by(|a, b| b.cmp(a));
        v
    }

    fn legacy(&self) -> bool {
        self.accepted().iter().any(|v| *v <= Version::Tls12)
    }
}

fn version_grade(v: Version) -> Grade {
    match v {
        Version::Tls13 => Grade::Good,
        Version::Tls12 => Grade::Sufficient,
        _ => Grade::Insufficient,
    }
}

/// Judges every TLS subtest.
pub fn judge(f: &TlsFacts, s: &TlsSpecs) -> Vec<Subtest> {
    let mut out = vec![
        versions(f, s),
        ciphers(f, s),
        order(f, s),
        kex_params(f, s),
        kex_hash(f, s),
    ];
    if f.unanswered > 0 {
        for t in out
            .iter_mut()
            .take(3)
            .filter(|t| t.status == crate::Status::Pass)
        {
            t.status = crate::Status::NotTested;
            t.found = format!(
                "{} probes got no answer (rate limiting or a firewall?), so what was refused may only have gone unanswered: not judged; check again later",
                f.unanswered
            );
            t.fix = None;
        }
    }
    let legacy = f.legacy();
    out.push(match f.compression {
        Some(true) => s.compression.bad(
            "the server compresses TLS records (DEFLATE): open to CRIME",
            "Switch TLS compression off (OpenSSL: SSL_OP_NO_COMPRESSION, the default since 1.1.0).",
        ),
        Some(false) => s.compression.pass("no TLS compression"),
        None if !legacy => s.compression.pass("TLS 1.3 only: it has no compression"),
        None => s
            .compression
            .not_tested("no TLS 1.2 handshake got far enough"),
    });
    out.push(match f.secure_reneg {
        Some(true) => s
            .secure_reneg
            .pass("secure renegotiation (RFC 5746) is supported"),
        Some(false) => s.secure_reneg.bad(
            "the server does not support secure renegotiation (RFC 5746)",
            "Update the TLS library: every maintained one supports RFC 5746.",
        ),
        None if !legacy => s.secure_reneg.pass("TLS 1.3 only: it has no renegotiation"),
        None => s
            .secure_reneg
            .not_tested("no TLS 1.2 handshake got far enough"),
    });
    out.push(if legacy {
        s.client_reneg.not_tested(
            "not tested (it needs a completed TLS 1.2 session); `openssl s_client -tls1_2 -connect HOST:PORT` then `R` shows it",
        )
    } else {
        s.client_reneg.pass("TLS 1.3 only: it has no renegotiation")
    });
    out.push(match &f.zero_rtt {
        ZeroRtt::Accepted => s.zero_rtt.bad(
            "the server accepts 0-RTT early data, which an attacker can replay",
            "Switch 0-RTT off (nginx: ssl_early_data off; rustls: max_early_data_size 0).",
        ),
        ZeroRtt::Refused => s
            .zero_rtt
            .pass("0-RTT is offered in tickets but early data is refused"),
        ZeroRtt::NotOffered if f.accepted().contains(&Version::Tls13) => {
            s.zero_rtt.pass("no 0-RTT")
        }
        ZeroRtt::NotOffered => s.zero_rtt.pass("no TLS 1.3, so no 0-RTT"),
        ZeroRtt::Untested(why) => s.zero_rtt.not_tested(why.clone()),
    });
    if let Some(spec) = s.ocsp {
        out.push(match f.ocsp_stapled {
            Some(true) => spec.pass("an OCSP response is stapled"),
            Some(false) => spec.info(
                "no OCSP response is stapled (optional; browsers rely less and less on OCSP)",
            ),
            None => spec.not_tested("no complete TLS handshake"),
        });
    }
    out.push(match f.ems {
        Some(true) => s
            .ems
            .pass("TLS 1.2 uses the extended master secret (RFC 7627)"),
        Some(false) => s.ems.bad(
            "TLS 1.2 without the extended master secret (RFC 7627)",
            "Update the TLS library or enable RFC 7627 (OpenSSL has it on by default since 1.1.0).",
        ),
        None if !legacy => s
            .ems
            .pass("TLS 1.3 only: the master secret is always bound"),
        None => s.ems.not_tested("no TLS 1.2 handshake got far enough"),
    });
    out
}

fn versions(f: &TlsFacts, s: &TlsSpecs) -> Subtest {
    let accepted = f.accepted();
    if accepted.is_empty() {
        return s.version.not_tested("no TLS version was accepted");
    }
    let details: Vec<String> = f
        .versions
        .iter()
        .map(|(v, ok)| {
            format!(
                "{}: {} ({})",
                v.name(),
                if *ok { "accepted" } else { "refused" },
                version_grade(*v).as_str()
            )
        })
        .collect();
    let bad: Vec<&str> = accepted
        .iter()
        .filter(|v| version_grade(**v) == Grade::Insufficient)
        .map(|v| v.name())
        .collect();
    let shown: Vec<String> = accepted
        .iter()
        .map(|v| format!("{} ({})", v.name(), version_grade(*v).as_str()))
        .collect();
    if !bad.is_empty() {
        return s
            .version
            .bad(
                format!(
                    "{} offered, which the NCSC rates insufficient",
                    bad.join(" and ")
                ),
                format!(
                    "Switch off {} on this server and keep only TLS 1.3 and TLS 1.2.",
                    bad.join(" and ")
                ),
            )
            .with_details(details);
    }
    s.version
        .pass(format!("only {}", shown.join(", ")))
        .with_details(details)
}

fn describe(ids: &[u16]) -> Vec<String> {
    ids.iter()
        .map(|&id| {
            format!(
                "{} ({})",
                suites::suite_name(id),
                suites::grade(id).as_str()
            )
        })
        .collect()
}

fn ciphers(f: &TlsFacts, s: &TlsSpecs) -> Subtest {
    let all: Vec<u16> = f
        .tls13_suites
        .iter()
        .chain(&f.legacy_suites)
        .copied()
        .collect();
    if all.is_empty() {
        return s.ciphers.not_tested("no cipher suite was accepted");
    }
    let details = describe(&all);
    let named = |g: Grade| -> Vec<String> {
        all.iter()
            .filter(|&&id| suites::grade(id) == g)
            .map(|&id| suites::suite_name(id))
            .collect()
    };
    let bad = named(Grade::Insufficient);
    let phase_out = named(Grade::PhaseOut);
    if !bad.is_empty() {
        return s
            .ciphers
            .bad(
                format!("insufficient suites accepted: {}", bad.join(", ")),
                "Allow only ECDHE suites with AES-GCM or ChaCha20-Poly1305 for TLS 1.2 (e.g. OpenSSL 'ECDHE+AESGCM:ECDHE+CHACHA20'), and the TLS 1.3 suites.",
            )
            .with_details(details);
    }
    if !phase_out.is_empty() {
        return s
            .ciphers
            .phase_out(
                format!("phase-out suites accepted: {}", phase_out.join(", ")),
                "Drop the CBC, DHE, Camellia and ARIA suites unless old clients still need them; keep ECDHE with AES-GCM or ChaCha20-Poly1305.",
            )
            .with_details(details);
    }
    s.ciphers
        .pass(format!(
            "only good and sufficient suites ({} accepted)",
            all.len()
        ))
        .with_details(details)
}

fn order(f: &TlsFacts, s: &TlsSpecs) -> Subtest {
    match f.order_violation {
        Some((chosen, expected)) => s.order.bad(
            format!(
                "the server chose {} ({}) although {} ({}) was offered too",
                suites::suite_name(chosen),
                suites::grade(chosen).as_str(),
                suites::suite_name(expected),
                suites::grade(expected).as_str()
            ),
            "Make the server pick suites in its own order, best first (nginx: ssl_prefer_server_ciphers on; Apache: SSLHonorCipherOrder on).",
        ),
        None if f.order_tested => s
            .order
            .pass("the server prefers better suites over weaker ones it also accepts"),
        None if f.legacy_suites.is_empty() => s.order.pass("TLS 1.3 only: every suite is good"),
        None => s
            .order
            .pass("not applicable: every accepted suite is good or sufficient"),
    }
}

fn kex_params(f: &TlsFacts, s: &TlsSpecs) -> Subtest {
    let mut items: Vec<(Grade, String)> = f
        .groups
        .iter()
        .map(|&g| (suites::group_grade(g), suites::group_name(g)))
        .collect();
    items.extend(f.dh_params.iter().cloned());
    items.sort();
    items.dedup();
    if items.is_empty() {
        return s
            .kex_params
            .not_tested("no ECDHE or DHE key exchange was seen");
    }
    let details: Vec<String> = items
        .iter()
        .map(|(g, n)| format!("{n} ({})", g.as_str()))
        .collect();
    let of = |grade: Grade| -> Vec<String> {
        items
            .iter()
            .filter(|(g, _)| *g == grade)
            .map(|(_, n)| n.clone())
            .collect()
    };
    let bad = of(Grade::Insufficient);
    let phase_out = of(Grade::PhaseOut);
    if !bad.is_empty() {
        return s
            .kex_params
            .bad(
                format!("insufficient key exchange groups or parameters: {}", bad.join(", ")),
                "Allow only x25519, secp256r1, secp384r1 (and ffdhe3072 or larger for DHE); drop the others.",
            )
            .with_details(details);
    }
    if !phase_out.is_empty() {
        return s
            .kex_params
            .phase_out(
                format!("phase-out key exchange parameters: {}", phase_out.join(", ")),
                "Drop secp224r1 and ffdhe2048 (or DHE altogether); x25519, secp256r1 and secp384r1 are good.",
            )
            .with_details(details);
    }
    s.kex_params
        .pass(format!("good groups only: {}", details.join(", ")))
        .with_details(details)
}

fn kex_hash(f: &TlsFacts, s: &TlsSpecs) -> Subtest {
    match f.kex_hash {
        Some((Grade::Insufficient, hash)) => s.kex_hash.bad(
            format!("offered only weak hashes, the server signed its key exchange with {hash}"),
            "Allow only SHA-2 signature algorithms for TLS 1.2 (OpenSSL: SignatureAlgorithms without SHA1).",
        ),
        Some((Grade::PhaseOut, hash)) => s.kex_hash.phase_out(
            format!("the server signs its key exchange with {hash} when asked"),
            "Remove SHA-224 from the signature algorithms.",
        ),
        Some(_) => s.kex_hash.pass("the key exchange is signed with SHA-2 only"),
        None if !f.legacy() => s.kex_hash.pass("TLS 1.3 only: always SHA-256 or better"),
        None => s.kex_hash.not_tested("no ECDHE or DHE suite with TLS 1.2 was accepted"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::web;
    use crate::report::Status;

    pub(crate) fn specs() -> TlsSpecs {
        TlsSpecs {
            version: web::TLS_VERSION,
            ciphers: web::TLS_CIPHERS,
            order: web::TLS_CIPHER_ORDER,
            kex_params: web::TLS_KEX_PARAMS,
            kex_hash: web::TLS_KEX_HASH,
            compression: web::TLS_COMPRESSION,
            secure_reneg: web::TLS_SECURE_RENEG,
            client_reneg: web::TLS_CLIENT_RENEG,
            zero_rtt: web::TLS_ZERO_RTT,
            ems: web::TLS_EMS,
            ocsp: Some(web::TLS_OCSP),
        }
    }

    fn good() -> TlsFacts {
        TlsFacts {
            versions: vec![
                (Version::Tls13, true),
                (Version::Tls12, true),
                (Version::Tls11, false),
                (Version::Tls10, false),
            ],
            legacy_suites: vec![0xC02F, 0xC030, 0xCCA8],
            tls13_suites: vec![0x1301, 0x1302, 0x1303],
            groups: [29, 23, 24].into_iter().collect(),
            dh_params: vec![],
            order_violation: None,
            order_tested: false,
            compression: Some(false),
            secure_reneg: Some(true),
            ems: Some(true),
            kex_hash: Some((Grade::Good, "SHA-256")),
            zero_rtt: ZeroRtt::NotOffered,
            ocsp_stapled: Some(false),
            unanswered: 0,
        }
    }

    /// A server that stops answering part-way (rate limiting) is not given a pass it may not
    /// deserve: what would pass is "not tested".
    #[test]
    fn unanswered_probes_turn_passes_into_not_tested() {
        let mut f = good();
        let s = specs();
        assert_eq!(judge(&f, &s)[0].status, Status::Pass);
        f.unanswered = 3;
        let out = judge(&f, &s);
        for t in &out[..3] {
            assert_eq!(t.status, Status::NotTested, "{}", t.code);
            assert!(t.found.contains("3 probes got no answer"), "{}", t.found);
        }
    }

    fn status(out: &[Subtest], code: &str) -> Status {
        out.iter()
            .find(|s| s.code == code)
            .map(|s| s.status)
            .unwrap()
    }

    #[test]
    fn a_modern_server_passes() {
        let out = judge(&good(), &specs());
        for s in &out {
            assert!(
                matches!(s.status, Status::Pass | Status::Info | Status::NotTested),
                "{s:?}"
            );
        }
        assert_eq!(status(&out, "web.tls.ocsp"), Status::Info);
    }

    #[test]
    fn old_versions_weak_suites_and_groups_are_named() {
        let mut f = good();
        f.versions.push((Version::Ssl3, false));
        f.versions[3].1 = true;
        f.legacy_suites.push(0x000A);
        f.groups.insert(19);
        f.dh_params.push((Grade::PhaseOut, "ffdhe2048".into()));
        let out = judge(&f, &specs());
        let v = out.iter().find(|s| s.code == "web.tls.version").unwrap();
        assert_eq!(v.status, Status::Fail);
        assert!(v.found.contains("TLS 1.0"), "{v:?}");
        assert!(v.fix.as_deref().unwrap().contains("TLS 1.0"));
        let c = out.iter().find(|s| s.code == "web.tls.ciphers").unwrap();
        assert_eq!(c.status, Status::Fail);
        assert!(c.found.contains("TLS_RSA_WITH_3DES_EDE_CBC_SHA"), "{c:?}");
        let k = out.iter().find(|s| s.code == "web.tls.kex-params").unwrap();
        assert_eq!(k.status, Status::Fail);
        assert!(
            k.found.contains("secp192r1") && !k.found.contains("x25519"),
            "{k:?}"
        );
    }

    #[test]
    fn phase_out_warns_and_order_violations_fail() {
        let mut f = good();
        f.legacy_suites.push(0xC027);
        f.order_tested = true;
        f.order_violation = Some((0xC027, 0xC02F));
        f.kex_hash = Some((Grade::Insufficient, "SHA-1"));
        f.compression = Some(true);
        f.ems = Some(false);
        f.zero_rtt = ZeroRtt::Accepted;
        let out = judge(&f, &specs());
        assert_eq!(status(&out, "web.tls.ciphers"), Status::Warning);
        assert_eq!(status(&out, "web.tls.cipher-order"), Status::Fail);
        assert_eq!(
            status(&out, "web.tls.kex-hash"),
            Status::Warning,
            "internet.nl: notice"
        );
        assert_eq!(status(&out, "web.tls.compression"), Status::Fail);
        assert_eq!(status(&out, "web.tls.ems"), Status::Warning);
        assert_eq!(status(&out, "web.tls.zero-rtt"), Status::Fail);
    }

    #[test]
    fn tls13_only_makes_the_legacy_subtests_moot() {
        let mut f = good();
        f.versions = vec![(Version::Tls13, true), (Version::Tls12, false)];
        f.legacy_suites.clear();
        f.compression = None;
        f.secure_reneg = None;
        f.ems = None;
        f.kex_hash = None;
        let out = judge(&f, &specs());
        for code in [
            "web.tls.compression",
            "web.tls.secure-reneg",
            "web.tls.client-reneg",
            "web.tls.ems",
            "web.tls.kex-hash",
        ] {
            assert_eq!(status(&out, code), Status::Pass, "{code}");
        }
    }
}
