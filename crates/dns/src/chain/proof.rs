//! The proofs and signatures a link of the walk rests on: a signed denial that a child has a
//! DS, and RRsets checked against the keys that should have signed them.

use hickory_proto::dnssec::rdata::{DNSKEY, DNSSECRData, RRSIG};
use hickory_proto::dnssec::{Nsec3HashAlgorithm, Verifier};
use hickory_proto::op::Message;
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};

use super::words::{ago, base32hex, utc};
use super::{
    Failure, MAX_KEYS, MAX_NSEC3, MAX_NSEC3_ITERATIONS, MAX_SAME_TAG, MAX_SIGS, Walk, Walker, show,
};

impl Walker {
    /// A signed proof from `parent` that `child` has no DS (NSEC, or NSEC3 matching or opting out).
    pub(super) fn no_ds_proof(
        &self,
        m: &Message,
        child: &Name,
        parent: &Name,
        parent_keys: &[DNSKEY],
        w: &mut Walk,
    ) -> Result<(), Failure> {
        let unproven = || {
            (
                "ds-unproven",
                format!(
                    "{} gives no DS for {} and no signed proof (NSEC/NSEC3) that there is none: resolvers treat that as an attack",
                    show(parent),
                    show(child)
                ),
            )
        };
        let mut hashes: Vec<(Vec<u8>, u16, String)> = Vec::new();
        let mut nsec3_seen = 0;
        for r in m.authorities.iter().filter(|r| r.dns_class == DNSClass::IN) {
            let ok = match &r.data {
                // The parent's NSEC at the delegation: NS, and neither DS nor SOA (an NSEC
                // with SOA is the child's own apex, which proves nothing about the parent).
                RData::DNSSEC(DNSSECRData::NSEC(n)) => {
                    let t = n.type_set();
                    r.name == *child
                        && t.contains(RecordType::NS)
                        && !t.contains(RecordType::DS)
                        && !t.contains(RecordType::SOA)
                }
                RData::DNSSEC(DNSSECRData::NSEC3(n)) => {
                    nsec3_seen += 1;
                    if nsec3_seen > MAX_NSEC3 || n.iterations() > MAX_NSEC3_ITERATIONS {
                        continue;
                    }
                    let Some(own) = r.name.iter().next() else {
                        continue;
                    };
                    let own = String::from_utf8_lossy(own).to_ascii_lowercase();
                    let cached = hashes
                        .iter()
                        .find(|(salt, it, _)| salt.as_slice() == n.salt() && *it == n.iterations())
                        .map(|(_, _, h)| h.clone());
                    let hash = match cached {
                        Some(h) => h,
                        None => {
                            let Ok(h) =
                                Nsec3HashAlgorithm::SHA1.hash(n.salt(), child, n.iterations())
                            else {
                                continue;
                            };
                            let h = base32hex(h.as_ref());
                            hashes.push((n.salt().to_vec(), n.iterations(), h.clone()));
                            h
                        }
                    };
                    let next = base32hex(n.next_hashed_owner_name());
                    if own == hash {
                        !n.type_set().contains(RecordType::DS)
                    } else {
                        let covers = if own < next {
                            own < hash && hash < next
                        } else {
                            hash > own || hash < next
                        };
                        covers && n.opt_out()
                    }
                }
                _ => continue,
            };
            if !ok {
                continue;
            }
            let set: Vec<Record> = m
                .authorities
                .iter()
                .filter(|x| {
                    x.name == r.name
                        && x.record_type() == r.record_type()
                        && x.dns_class == DNSClass::IN
                })
                .cloned()
                .collect();
            let sigs = rrsigs(&m.authorities, &r.name, r.record_type());
            if self
                .check_set(
                    &r.name,
                    r.record_type(),
                    &set,
                    &sigs,
                    parent_keys,
                    parent,
                    w,
                )
                .is_ok()
            {
                return Ok(());
            }
        }
        Err(unproven())
    }

    /// Checks the signatures over the answer's `kind` records at `owner` with `keys` of `zone`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn verify(
        &self,
        m: &Message,
        owner: &Name,
        kind: RecordType,
        keys: &[DNSKEY],
        zone: &Name,
        w: &mut Walk,
    ) -> Result<(), Failure> {
        let set: Vec<Record> = m
            .answers
            .iter()
            .filter(|r| r.name == *owner && r.record_type() == kind && r.dns_class == DNSClass::IN)
            .cloned()
            .collect();
        let sigs = rrsigs(&m.answers, owner, kind);
        self.check_set(owner, kind, &set, &sigs, keys, zone, w)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn check_set(
        &self,
        owner: &Name,
        kind: RecordType,
        set: &[Record],
        sigs: &[RRSIG],
        keys: &[DNSKEY],
        zone: &Name,
        w: &mut Walk,
    ) -> Result<(), Failure> {
        let what = format!("{} {kind}", show(owner));
        if sigs.is_empty() {
            return Err((
                "no-signature",
                format!(
                    "{what} has no signature (RRSIG): is signing switched on for {}?",
                    show(zone)
                ),
            ));
        }
        let now = u32::try_from(self.now).unwrap_or(u32::MAX);
        let mut worst: Option<Failure> = None;
        let mut note = |f: Failure| {
            let rank = |c: &str| match c {
                "expired" | "not-yet-valid" => 3,
                "bad-signature" => 2,
                _ => 1,
            };
            if worst.as_ref().is_none_or(|w| rank(f.0) > rank(w.0)) {
                worst = Some(f);
            }
        };
        for sig in sigs {
            let input = sig.input();
            let tag = input.key_tag;
            if input.signer_name != *zone {
                note((
                    "unknown-key",
                    format!(
                        "{what} is signed by {}, not by its zone {}",
                        input.signer_name,
                        show(zone)
                    ),
                ));
                continue;
            }
            let candidates: Vec<&DNSKEY> = keys
                .iter()
                .filter(|k| k.zone_key() && !k.revoke())
                .filter(|k| k.calculate_key_tag().ok() == Some(tag))
                .filter(|k| k.algorithm() == input.algorithm)
                .take(MAX_SAME_TAG)
                .collect();
            if candidates.is_empty() {
                note((
                    "unknown-key",
                    format!(
                        "{what} is signed by key {tag}, which is not a trusted key of {}",
                        show(zone)
                    ),
                ));
                continue;
            }
            let exp = input.sig_expiration.get();
            let inc = input.sig_inception.get();
            // Serial-number arithmetic (RFC 4034 §3.1.5): the fields wrap in 2106.
            if (exp.wrapping_sub(now) as i32) < 0 {
                note((
                    "expired",
                    format!(
                        "the signature over {what} by key {tag} expired at {} ({} ago): resolvers reject these records. The signer has stopped re-signing: check it (`knotc zone-status {}`)",
                        utc(u64::from(exp)),
                        ago(u64::from(exp), self.now),
                        show(zone)
                    ),
                ));
                continue;
            }
            if (now.wrapping_sub(inc) as i32) < 0 {
                note((
                    "not-yet-valid",
                    format!(
                        "the signature over {what} by key {tag} is valid only from {}: the clock of the signer or of this machine is wrong",
                        utc(u64::from(inc))
                    ),
                ));
                continue;
            }
            if candidates
                .iter()
                .any(|k| k.verify_rrsig(owner, DNSClass::IN, sig, set.iter()).is_ok())
            {
                w.checked.dedup();
                let e = self.now + u64::from(exp.wrapping_sub(now));
                let at = w.expiry.entry(show(zone)).or_insert(e);
                *at = (*at).min(e);
                return Ok(());
            }
            note((
                "bad-signature",
                format!(
                    "the signature over {what} by key {tag} does not match the records: they were changed without signing again, or the signature is damaged"
                ),
            ));
        }
        Err(worst.unwrap_or(("no-signature", format!("{what} has no usable signature"))))
    }
}

/// The zone keys at `owner`: class IN only (a signature covers nothing else, so a key of
/// another class would be trusted unsigned), at most [`MAX_KEYS`].
pub(super) fn dnskeys(m: &Message, owner: &Name) -> Vec<DNSKEY> {
    m.answers
        .iter()
        .filter(|r| r.name == *owner && r.dns_class == DNSClass::IN)
        .filter_map(|r| match &r.data {
            RData::DNSSEC(DNSSECRData::DNSKEY(k)) => Some(k.clone()),
            _ => None,
        })
        .take(MAX_KEYS)
        .collect()
}

pub(super) fn rrsigs(records: &[Record], owner: &Name, kind: RecordType) -> Vec<RRSIG> {
    records
        .iter()
        .filter(|r| r.name == *owner && r.dns_class == DNSClass::IN)
        .filter_map(|r| match &r.data {
            RData::DNSSEC(DNSSECRData::RRSIG(s)) if s.input().type_covered == kind => {
                Some(s.clone())
            }
            _ => None,
        })
        .take(MAX_SIGS)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key of another class is covered by no signature (hickory leaves non-IN records out of
    /// what it verifies), so it must never become a trusted key.
    #[test]
    fn only_class_in_keys_and_signatures_count() {
        use hickory_proto::dnssec::{Algorithm, PublicKeyBuf};
        use hickory_proto::op::{MessageType, OpCode};
        let root = Name::root();
        let key = |b: u8| {
            DNSKEY::new(
                true,
                true,
                false,
                PublicKeyBuf::new(vec![b; 64], Algorithm::ECDSAP256SHA256),
            )
        };
        let mut m = Message::new(1, MessageType::Response, OpCode::Query);
        m.add_answer(Record::from_rdata(
            root.clone(),
            60,
            RData::DNSSEC(DNSSECRData::DNSKEY(key(1))),
        ));
        let mut forged =
            Record::from_rdata(root.clone(), 60, RData::DNSSEC(DNSSECRData::DNSKEY(key(2))));
        forged.dns_class = DNSClass::CH;
        m.add_answer(forged);
        let keys = dnskeys(&m, &root);
        assert_eq!(keys, vec![key(1)]);
        let many: Vec<Record> = (0..100u8)
            .map(|b| {
                Record::from_rdata(root.clone(), 60, RData::DNSSEC(DNSSECRData::DNSKEY(key(b))))
            })
            .collect();
        let mut m = Message::new(1, MessageType::Response, OpCode::Query);
        m.add_answers(many);
        assert_eq!(
            dnskeys(&m, &root).len(),
            MAX_KEYS,
            "a flood of keys is cut short"
        );
    }
}
