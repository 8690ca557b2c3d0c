//! What must change in a zone so that it holds exactly Bolwerk's records, and nothing else of
//! the zone is touched: pure, so every plan can be printed before it is sent and tested without
//! a server.
//!
//! Bolwerk owns *slots*: a name and a type. At most names it owns the whole record set (a site
//! host's addresses, a DKIM selector, `_dmarc`); at a domain's apex it owns only the TXT record
//! that starts with `v=spf1`, because the apex's other TXT records (site verifications and the
//! like) belong to the operator.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::record::{Kind, Rec};

/// Which records of a slot are Bolwerk's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Share {
    /// Every record of the name and type.
    All,
    /// Only the TXT records that start with `v=spf1` (a domain has one SPF record; any other is
    /// an error that receivers punish, so Bolwerk replaces them).
    Spf,
}

/// A name and type Bolwerk keeps (some of) the records of.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Slot {
    /// Normalised name.
    pub name: String,
    /// The type.
    pub kind: Kind,
    /// Which of its records.
    pub share: Share,
}

impl Slot {
    /// Whether `rec`, found at this slot's name and type, is Bolwerk's to change.
    pub fn owns(&self, rec: &Rec) -> bool {
        rec.name == self.name
            && rec.kind == self.kind
            && match self.share {
                Share::All => true,
                Share::Spf => is_spf(&rec.value),
            }
    }
}

/// Whether a TXT value is an SPF record.
pub fn is_spf(value: &str) -> bool {
    let v = value.trim_start().to_ascii_lowercase();
    v == "v=spf1" || v.starts_with("v=spf1 ")
}

/// A record Bolwerk wants published, and why (shown next to it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Want {
    /// The record.
    pub rec: Rec,
    /// One sentence.
    pub why: String,
}

/// The slots `wanted` fills.
pub fn slots_of(wanted: &[Want]) -> BTreeSet<Slot> {
    let mut by: BTreeMap<(String, Kind), bool> = BTreeMap::new();
    for w in wanted {
        let spf = w.rec.kind == Kind::Txt && is_spf(&w.rec.value);
        by.entry((w.rec.name.clone(), w.rec.kind))
            .and_modify(|all_spf| *all_spf &= spf)
            .or_insert(spf);
    }
    by.into_iter()
        .map(|((name, kind), spf)| Slot {
            name,
            kind,
            share: if spf { Share::Spf } else { Share::All },
        })
        .collect()
}

/// Add or remove.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    /// Publish.
    Add,
    /// Remove.
    Delete,
}

/// One change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Add or remove.
    pub op: Op,
    /// The record.
    pub rec: Rec,
    /// Why.
    pub why: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = match self.op {
            Op::Add => '+',
            Op::Delete => '-',
        };
        write!(f, "{sign} {}", self.rec)
    }
}

/// The plan for one zone.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// The zone.
    pub zone: String,
    /// Deletions first, then additions (the order they are sent in).
    pub changes: Vec<Change>,
    /// Bolwerk's records already right.
    pub unchanged: Vec<Rec>,
    /// Records at Bolwerk's names that are not Bolwerk's and stay (shown, never changed).
    pub foreign: Vec<Rec>,
}

impl Plan {
    /// Nothing to send.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// Compares what `wanted` and the slots Bolwerk owned before (`owned_before`, for records it
/// no longer wants, such as a removed DKIM key) with what the zone has (`current`: every record
/// found at those slots' names and types).
pub fn plan(zone: &str, wanted: &[Want], owned_before: &[Slot], current: &[Rec]) -> Plan {
    let mut slots = slots_of(wanted);
    for s in owned_before {
        if !slots.iter().any(|x| x.name == s.name && x.kind == s.kind) {
            slots.insert(s.clone());
        }
    }
    let mut out = Plan {
        zone: crate::record::normal_name(zone),
        ..Plan::default()
    };
    let mut adds = Vec::new();
    for slot in &slots {
        let here: Vec<&Rec> = current
            .iter()
            .filter(|r| r.name == slot.name && r.kind == slot.kind)
            .collect();
        let want: Vec<&Want> = wanted
            .iter()
            .filter(|w| w.rec.name == slot.name && w.rec.kind == slot.kind)
            .collect();
        // The SPF record shares its TTL with the operator's TXT records: compare the value only.
        let same =
            |a: &Rec, b: &Rec| a.value == b.value && (slot.share == Share::Spf || a.ttl == b.ttl);
        for r in &here {
            if !slot.owns(r) {
                out.foreign.push((*r).clone());
            } else if want.iter().any(|w| same(&w.rec, r)) {
                out.unchanged.push((*r).clone());
            } else {
                let why = if want.is_empty() {
                    "Bolwerk published this and no longer needs it.".to_string()
                } else if slot.share == Share::Spf {
                    "A domain has exactly one SPF record; this one is not Bolwerk's.".to_string()
                } else {
                    "Replaced by the record below.".to_string()
                };
                out.changes.push(Change {
                    op: Op::Delete,
                    rec: (*r).clone(),
                    why,
                });
            }
        }
        for w in want {
            if !here.iter().any(|r| slot.owns(r) && same(&w.rec, r)) {
                adds.push(Change {
                    op: Op::Add,
                    rec: w.rec.clone(),
                    why: w.why.clone(),
                });
            }
        }
    }
    out.changes.extend(adds);
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn want(name: &str, kind: Kind, value: &str) -> Want {
        Want {
            rec: Rec::new(name, kind, 3600, value),
            why: "because".into(),
        }
    }

    #[test]
    fn an_empty_zone_gets_every_record() {
        let w = vec![
            want("www.a.nl", Kind::A, "192.0.2.1"),
            want("a.nl", Kind::Txt, "v=spf1 a:www.a.nl -all"),
        ];
        let p = plan("a.nl.", &w, &[], &[]);
        assert_eq!(p.zone, "a.nl");
        assert_eq!(p.changes.len(), 2);
        assert!(p.changes.iter().all(|c| c.op == Op::Add));
    }

    #[test]
    fn the_operators_records_stay() {
        let w = vec![want("a.nl", Kind::Txt, "v=spf1 a:www.a.nl -all")];
        let current = vec![
            Rec::new("a.nl", Kind::Txt, 300, "google-site-verification=abc"),
            Rec::new("a.nl", Kind::Txt, 300, "v=spf1 a:www.a.nl -all"),
        ];
        let p = plan("a.nl", &w, &[], &current);
        assert!(p.is_empty(), "{:?}", p.changes);
        assert_eq!(p.foreign.len(), 1);
        assert_eq!(
            p.unchanged.len(),
            1,
            "the SPF value is right; its TTL is shared"
        );
    }

    #[test]
    fn a_second_spf_record_is_removed_and_others_stay() {
        let w = vec![want("a.nl", Kind::Txt, "v=spf1 ip4:192.0.2.1 -all")];
        let current = vec![
            Rec::new("a.nl", Kind::Txt, 3600, "v=spf1 include:old.example -all"),
            Rec::new("a.nl", Kind::Txt, 3600, "hello"),
        ];
        let p = plan("a.nl", &w, &[], &current);
        let shown: Vec<String> = p.changes.iter().map(|c| c.to_string()).collect();
        assert_eq!(
            shown,
            vec![
                "- a.nl 3600 TXT \"v=spf1 include:old.example -all\"",
                "+ a.nl 3600 TXT \"v=spf1 ip4:192.0.2.1 -all\"",
            ]
        );
        assert!(p.changes[0].why.contains("exactly one SPF"));
    }

    #[test]
    fn whole_sets_are_replaced_and_ttl_changes_count() {
        let w = vec![
            want("www.a.nl", Kind::A, "192.0.2.1"),
            want("www.a.nl", Kind::A, "192.0.2.2"),
        ];
        let current = vec![
            Rec::new("www.a.nl", Kind::A, 3600, "192.0.2.1"),
            Rec::new("www.a.nl", Kind::A, 3600, "198.51.100.7"),
        ];
        let p = plan("a.nl", &w, &[], &current);
        let ops: Vec<(Op, &str)> = p
            .changes
            .iter()
            .map(|c| (c.op, c.rec.value.as_str()))
            .collect();
        assert_eq!(
            ops,
            vec![(Op::Delete, "198.51.100.7"), (Op::Add, "192.0.2.2")]
        );
        let current = vec![Rec::new("www.a.nl", Kind::A, 60, "192.0.2.1")];
        let p = plan("a.nl", &w[..1], &[], &current);
        assert_eq!(p.changes.len(), 2, "a TTL change is a delete and an add");
    }

    #[test]
    fn what_bolwerk_owned_and_no_longer_wants_goes() {
        let old = Slot {
            name: "2026-01-rsa._domainkey.a.nl".into(),
            kind: Kind::Txt,
            share: Share::All,
        };
        let current = vec![
            Rec::new(&old.name, Kind::Txt, 3600, "v=DKIM1; k=rsa; p=AAA"),
            Rec::new("google._domainkey.a.nl", Kind::Txt, 3600, "v=DKIM1; p=BBB"),
        ];
        let p = plan("a.nl", &[], &[old], &current);
        assert_eq!(p.changes.len(), 1);
        assert_eq!(p.changes[0].op, Op::Delete);
        assert_eq!(p.changes[0].rec.name, "2026-01-rsa._domainkey.a.nl");
    }

    #[test]
    fn spf_detection_is_exact() {
        assert!(is_spf("v=spf1 -all"));
        assert!(is_spf("V=SPF1 a -all"));
        assert!(is_spf("v=spf1"));
        assert!(!is_spf("v=spf10 a"));
        assert!(!is_spf("google-site-verification=v=spf1"));
    }
}
