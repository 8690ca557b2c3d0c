//! One DNS record as Bolwerk thinks of it: a name, a type, a TTL and a value in the form people
//! read (an address, the text of a TXT record, `0 issue "letsencrypt.org"`), so that plans can
//! be printed, compared and stored without the wire format.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use hickory_proto::rr::rdata::{A, AAAA, CAA, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use serde::{Deserialize, Serialize};

use crate::Error;

/// The record types Bolwerk publishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Kind {
    /// An IPv4 address of a site host.
    A,
    /// An IPv6 address of a site host.
    #[serde(rename = "AAAA")]
    Aaaa,
    /// SPF, DKIM, DMARC, MTA-STS, TLS-RPT.
    #[serde(rename = "TXT")]
    Txt,
    /// Which certificate authority may issue for the domain.
    #[serde(rename = "CAA")]
    Caa,
}

impl Kind {
    /// The wire type.
    pub fn record_type(self) -> RecordType {
        match self {
            Kind::A => RecordType::A,
            Kind::Aaaa => RecordType::AAAA,
            Kind::Txt => RecordType::TXT,
            Kind::Caa => RecordType::CAA,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::A => "A",
            Kind::Aaaa => "AAAA",
            Kind::Txt => "TXT",
            Kind::Caa => "CAA",
        })
    }
}

/// A record.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Rec {
    /// Lower case, without the final dot: `_dmarc.example.nl`.
    pub name: String,
    /// The type.
    pub kind: Kind,
    /// Seconds.
    pub ttl: u32,
    /// An address; a TXT record's text (its strings joined, as receivers read it); a CAA record
    /// as `flags tag "value"`.
    pub value: String,
    /// The data exactly as the server holds it, for a record read from it.
    #[serde(skip)]
    pub raw: Raw,
}

/// Record data as read from the server, so that deleting it names the same bytes: a TXT record
/// cut into strings differently, bytes that are not UTF-8, a CAA record Bolwerk cannot write.
/// It takes no part in comparisons (two records are the same by name, type, TTL and value).
#[derive(Clone, Debug, Default)]
pub struct Raw(pub Option<RData>);

impl PartialEq for Raw {
    fn eq(&self, _: &Raw) -> bool {
        true
    }
}

impl Eq for Raw {}

impl PartialOrd for Raw {
    fn partial_cmp(&self, other: &Raw) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Raw {
    fn cmp(&self, _: &Raw) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}

impl std::hash::Hash for Raw {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

impl fmt::Display for Rec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            Kind::Txt => write!(
                f,
                "{} {} TXT \"{}\"",
                self.name,
                self.ttl,
                self.value.replace('\\', "\\\\").replace('"', "\\\"")
            ),
            k => write!(f, "{} {} {k} {}", self.name, self.ttl, self.value),
        }
    }
}

/// `Example.NL.` → `example.nl`.
pub fn normal_name(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// The wire name of `name` (fully qualified).
pub fn wire_name(name: &str) -> Result<Name, Error> {
    let n = normal_name(name);
    Name::from_ascii(format!("{n}.")).map_err(|e| Error::Name {
        name: name.to_string(),
        reason: e.to_string(),
    })
}

impl Rec {
    /// A record, its name normalised.
    pub fn new(name: &str, kind: Kind, ttl: u32, value: impl Into<String>) -> Rec {
        Rec {
            name: normal_name(name),
            kind,
            ttl,
            value: value.into(),
            raw: Raw(None),
        }
    }

    /// A record read from the DNS, when it is of a type Bolwerk publishes.
    pub fn from_wire(r: &Record) -> Option<Rec> {
        let name = normal_name(&r.name.to_ascii());
        let (kind, value) = match &r.data {
            RData::A(a) => (Kind::A, a.0.to_string()),
            RData::AAAA(a) => (Kind::Aaaa, a.0.to_string()),
            RData::TXT(t) => (Kind::Txt, txt_text(t)),
            RData::CAA(c) => (Kind::Caa, caa_text(c)),
            _ => return None,
        };
        Some(Rec {
            name,
            kind,
            ttl: r.ttl,
            value,
            raw: Raw(Some(r.data.clone())),
        })
    }

    /// The record to send.
    pub fn to_wire(&self) -> Result<Record, Error> {
        let bad = |reason: String| Error::Value {
            record: self.to_string(),
            reason,
        };
        if let Raw(Some(data)) = &self.raw {
            return Ok(Record::from_rdata(
                wire_name(&self.name)?,
                self.ttl,
                data.clone(),
            ));
        }
        let data = match self.kind {
            Kind::A => RData::A(A(self
                .value
                .parse::<Ipv4Addr>()
                .map_err(|e| bad(e.to_string()))?)),
            Kind::Aaaa => RData::AAAA(AAAA(
                self.value
                    .parse::<Ipv6Addr>()
                    .map_err(|e| bad(e.to_string()))?,
            )),
            Kind::Txt => RData::TXT(TXT::new(split_txt(&self.value))),
            Kind::Caa => RData::CAA(parse_caa(&self.value).map_err(bad)?),
        };
        Ok(Record::from_rdata(wire_name(&self.name)?, self.ttl, data))
    }
}

/// A TXT record's strings joined, as SPF, DKIM and DMARC readers join them.
pub fn txt_text(t: &TXT) -> String {
    t.txt_data
        .iter()
        .map(|s| String::from_utf8_lossy(s))
        .collect::<Vec<_>>()
        .concat()
}

/// Text longer than one character-string (255 bytes, a DKIM RSA key) in several strings, cut on
/// character boundaries.
pub fn split_txt(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        if cur.len() + c.len_utf8() > 255 {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(c);
    }
    if !cur.is_empty() || out.is_empty() {
        out.push(cur);
    }
    out
}

fn caa_text(c: &CAA) -> String {
    let value = String::from_utf8_lossy(&c.value);
    let flags = if c.issuer_critical { 128 } else { 0 } | c.reserved_flags;
    format!(
        "{flags} {} \"{}\"",
        c.tag.to_ascii_lowercase(),
        value.trim()
    )
}

/// `0 issue "letsencrypt.org"` (and `issuewild`; `;` alone forbids every CA).
fn parse_caa(text: &str) -> Result<CAA, String> {
    let mut parts = text.splitn(3, ' ');
    let (Some(flags), Some(tag), Some(value)) = (parts.next(), parts.next(), parts.next()) else {
        return Err("a CAA value reads: flags tag \"value\"".into());
    };
    let critical = match flags {
        "0" => false,
        "128" => true,
        _ => return Err(format!("CAA flags must be 0 or 128, not {flags}")),
    };
    let value = value.trim_matches('"');
    let name = match value.trim() {
        "" | ";" => None,
        v => Some(Name::from_ascii(v).map_err(|e| format!("CAA issuer {v}: {e}"))?),
    };
    match tag {
        "issue" => Ok(CAA::new_issue(critical, name, Vec::new())),
        "issuewild" => Ok(CAA::new_issuewild(critical, name, Vec::new())),
        _ => Err(format!(
            "Bolwerk publishes CAA issue and issuewild, not {tag}"
        )),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn records_survive_the_wire() {
        let long = format!("v=DKIM1; k=rsa; p={}", "A".repeat(400));
        for r in [
            Rec::new("WWW.Example.NL.", Kind::A, 300, "192.0.2.10"),
            Rec::new("www.example.nl", Kind::Aaaa, 300, "2001:db8::10"),
            Rec::new(
                "example.nl",
                Kind::Txt,
                3600,
                "v=spf1 a:www.example.nl -all",
            ),
            Rec::new("sel._domainkey.example.nl", Kind::Txt, 3600, long.clone()),
            Rec::new("example.nl", Kind::Caa, 3600, "0 issue \"letsencrypt.org\""),
            Rec::new("example.nl", Kind::Caa, 3600, "0 issuewild \";\""),
        ] {
            let back = Rec::from_wire(&r.to_wire().unwrap()).unwrap();
            assert_eq!(back, r, "{r}");
        }
        assert_eq!(Rec::new("A.NL.", Kind::A, 1, "x").name, "a.nl");
    }

    #[test]
    fn a_record_read_is_sent_back_byte_for_byte() {
        use hickory_proto::rr::rdata::caa::KeyValue;
        let name = wire_name("a.nl").unwrap();
        // An SPF record cut where Bolwerk would not cut it, and bytes that are not UTF-8.
        let odd = TXT::from_bytes(vec![
            b"v=spf1 include:a ".as_slice(),
            b"-all \xff".as_slice(),
        ]);
        let read = Rec::from_wire(&Record::from_rdata(
            name.clone(),
            300,
            RData::TXT(odd.clone()),
        ))
        .unwrap();
        assert_eq!(read.to_wire().unwrap().data, RData::TXT(odd));
        assert_eq!(
            read,
            Rec::new("a.nl", Kind::Txt, 300, read.value.clone()),
            "raw data takes no part in comparisons"
        );
        // A CAA record with options Bolwerk never writes itself can still be deleted.
        let caa = CAA::new_issue(
            false,
            Some(Name::from_ascii("ca.example").unwrap()),
            vec![KeyValue::new("accounturi", "https://ca.example/1")],
        );
        let read = Rec::from_wire(&Record::from_rdata(name, 300, RData::CAA(caa.clone()))).unwrap();
        assert_eq!(read.to_wire().unwrap().data, RData::CAA(caa));
    }

    #[test]
    fn long_text_is_cut_into_strings() {
        let parts = split_txt(&"é".repeat(200));
        assert_eq!(parts.len(), 2);
        assert!(parts.iter().all(|p| p.len() <= 255));
        assert_eq!(parts.concat(), "é".repeat(200));
        assert_eq!(split_txt(""), vec![String::new()]);
    }

    #[test]
    fn bad_values_are_named() {
        let e = Rec::new("a.nl", Kind::A, 1, "300.1.1.1")
            .to_wire()
            .unwrap_err();
        assert!(e.to_string().contains("a.nl 1 A 300.1.1.1"), "{e}");
        let e = Rec::new("a.nl", Kind::Caa, 1, "0 iodef \"x\"")
            .to_wire()
            .unwrap_err();
        assert!(e.to_string().contains("not iodef"), "{e}");
        assert!(wire_name("a b.nl").is_err());
    }
}
