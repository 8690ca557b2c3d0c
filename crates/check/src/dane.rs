//! DANE (RFC 6698, RFC 7671, and RFC 7672 for SMTP): TLSA records, signed with DNSSEC, that pin
//! the certificate a server shows. For SMTP only DANE-TA(2) and DANE-EE(3) count; the PKIX
//! usages (0, 1) are left out as RFC 7672 §3.1.3 says.

use crate::report::{Spec, Subtest};

/// One TLSA record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tlsa {
    /// Certificate usage: 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE.
    pub usage: u8,
    /// Selector: 0 full certificate, 1 SubjectPublicKeyInfo.
    pub selector: u8,
    /// Matching type: 0 exact, 1 SHA-256, 2 SHA-512.
    pub matching: u8,
    /// The association data.
    pub data: Vec<u8>,
}

impl std::fmt::Display for Tlsa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} {} ", self.usage, self.selector, self.matching)?;
        for b in &self.data {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// How the TLSA records were found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// None at the name.
    None,
    /// Found, and validated by DNSSEC.
    Secure(Vec<Tlsa>),
    /// Found, but not signed (or not provably so): worthless to a client.
    Insecure(Vec<Tlsa>),
    /// The DNSSEC check failed (bogus): clients cannot use them, and may not deliver.
    Bogus(String),
    /// The DNS did not answer.
    Error(String),
}

fn digest(matching: u8, data: &[u8]) -> Option<Vec<u8>> {
    match matching {
        0 => Some(data.to_vec()),
        1 => Some(
            ring::digest::digest(&ring::digest::SHA256, data)
                .as_ref()
                .to_vec(),
        ),
        2 => Some(
            ring::digest::digest(&ring::digest::SHA512, data)
                .as_ref()
                .to_vec(),
        ),
        _ => None,
    }
}

/// Whether `r` matches certificate `der`.
fn matches(r: &Tlsa, der: &[u8]) -> bool {
    let selected = match r.selector {
        0 => Some(der.to_vec()),
        1 => crate::cert::spki(der),
        _ => None,
    };
    selected
        .and_then(|s| digest(r.matching, &s))
        .is_some_and(|d| d == r.data)
}

/// The first record that matches the chain (leaf first): usage 3 and 1 the leaf, 2 and 0 a
/// certificate above it (or the leaf when it is the only one). `smtp` leaves out 0 and 1.
/// DANE-TA is taken as matching when the pinned certificate is in the chain the server sent;
/// that the chain below it is signed correctly is the trust test's business.
pub fn matching<'a>(records: &'a [Tlsa], chain: &[Vec<u8>], smtp: bool) -> Option<&'a Tlsa> {
    let leaf = chain.first()?;
    records.iter().find(|r| match r.usage {
        3 => matches(r, leaf),
        1 if !smtp => matches(r, leaf),
        2 => chain.iter().skip(1).any(|c| matches(r, c)) || chain.len() == 1 && matches(r, leaf),
        0 if !smtp => chain.iter().skip(1).any(|c| matches(r, c)),
        _ => false,
    })
}

/// The exists, valid and (for SMTP) rollover subtests.
pub fn judge(
    exists: &Spec,
    valid: &Spec,
    rollover: Option<&Spec>,
    name: &str,
    lookup: &Lookup,
    chain: &[Vec<u8>],
    smtp: bool,
) -> Vec<Subtest> {
    let fix_exists = format!(
        "Publish a TLSA record `{name}. TLSA 3 1 1 <SHA-256 of the certificate's public key>` in a DNSSEC-signed zone (two during a key change)."
    );
    let mut out = Vec::new();
    let records = match lookup {
        Lookup::None => {
            out.push(exists.bad(format!("no TLSA records at {name}"), fix_exists));
            out.push(valid.not_tested("no TLSA records"));
            if let Some(r) = rollover {
                out.push(r.not_tested("no TLSA records"));
            }
            return out;
        }
        Lookup::Error(e) => {
            out.push(exists.bad(
                format!("the TLSA records at {name} could not be looked up: {e}"),
                fix_exists,
            ));
            out.push(valid.not_tested("no TLSA records"));
            if let Some(r) = rollover {
                out.push(r.not_tested("no TLSA records"));
            }
            return out;
        }
        Lookup::Bogus(why) => {
            out.push(exists.bad(
                format!("the TLSA records at {name} fail DNSSEC validation: {why}"),
                "Fix the DNSSEC signatures of the zone (see web.dnssec/mail.dnssec), or remove the TLSA records.",
            ));
            out.push(valid.not_tested("the TLSA records are bogus"));
            if let Some(r) = rollover {
                out.push(r.not_tested("the TLSA records are bogus"));
            }
            return out;
        }
        Lookup::Insecure(records) => {
            out.push(
                exists
                    .bad(
                        format!("TLSA records at {name} exist but are not DNSSEC-signed, so no client uses them"),
                        "Sign the zone with DNSSEC (and publish its DS at the parent); TLSA only counts when signed.",
                    )
                    .with_details(records.iter().map(|r| r.to_string()).collect()),
            );
            out.push(valid.not_tested("the TLSA records are not signed"));
            if let Some(r) = rollover {
                out.push(r.not_tested("the TLSA records are not signed"));
            }
            return out;
        }
        Lookup::Secure(records) => records,
    };
    let details: Vec<String> = records.iter().map(|r| r.to_string()).collect();
    let usable: Vec<&Tlsa> = records
        .iter()
        .filter(|r| !smtp || matches!(r.usage, 2 | 3))
        .collect();
    if usable.is_empty() {
        out.push(
            exists
                .bad(
                    format!(
                        "the TLSA records at {name} are all PKIX usages (0, 1), which SMTP ignores"
                    ),
                    fix_exists,
                )
                .with_details(details),
        );
        out.push(valid.not_tested("no usable TLSA records"));
        if let Some(r) = rollover {
            out.push(r.not_tested("no usable TLSA records"));
        }
        return out;
    }
    out.push(
        exists
            .pass(format!(
                "{} DNSSEC-signed TLSA record(s) at {name}",
                usable.len()
            ))
            .with_details(details.clone()),
    );
    out.push(if chain.is_empty() {
        valid.not_tested("no certificate was seen to compare with")
    } else {
        match matching(records, chain, smtp) {
            Some(r) => valid.pass(format!("the certificate matches TLSA {r}")),
            None => valid
                .bad(
                    format!("no TLSA record at {name} matches the certificate the server shows"),
                    "Publish the TLSA record of the certificate now in use (before switching certificates, publish the new one next to the old).",
                )
                .with_details(details),
        }
    });
    if let Some(r) = rollover {
        let ee = usable.iter().filter(|t| t.usage == 3).count();
        let ta = usable.iter().filter(|t| t.usage == 2).count();
        out.push(if ee > 1 || ee > 0 && ta > 0 {
            r.pass("a rollover scheme is in place (more than one usable TLSA record)")
        } else {
            r.info("one TLSA record: publish the next key's record before changing keys, so delivery never breaks")
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_and_selectors() {
        let data = b"certificate".to_vec();
        let exact = Tlsa {
            usage: 3,
            selector: 0,
            matching: 0,
            data: data.clone(),
        };
        assert!(matches(&exact, &data));
        let sha = Tlsa {
            usage: 3,
            selector: 0,
            matching: 1,
            data: ring::digest::digest(&ring::digest::SHA256, &data)
                .as_ref()
                .to_vec(),
        };
        assert!(matches(&sha, &data));
        assert!(!matches(
            &Tlsa {
                matching: 9,
                ..sha.clone()
            },
            &data
        ));
        assert!(
            !matches(
                &Tlsa {
                    selector: 1,
                    ..sha.clone()
                },
                &data
            ),
            "no SPKI in garbage"
        );
        let chain = vec![data.clone(), b"intermediate".to_vec()];
        assert!(matching(std::slice::from_ref(&sha), &chain, true).is_some());
        let pkix = Tlsa {
            usage: 1,
            ..sha.clone()
        };
        assert!(
            matching(std::slice::from_ref(&pkix), &chain, true).is_none(),
            "SMTP ignores PKIX-EE"
        );
        assert!(matching(std::slice::from_ref(&pkix), &chain, false).is_some());
        assert_eq!(exact.to_string(), "3 0 0 6365727469666963617465");
    }
}
