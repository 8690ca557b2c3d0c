//! The DNS questions of the check, asked of one resolver (`--resolver`, `dns.resolver`, or the
//! system's) with `dns::wire::query`, which gives every exchange a deadline and takes only the
//! reply to the question asked. "There is none" (NXDOMAIN, no data) is an answer; a resolver
//! that does not answer is an error, said as such.

use std::net::{IpAddr, SocketAddr};

use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::{RData, RecordType};

use crate::auth::Mx;
use crate::caa::Caa;
use crate::dane::Tlsa;

/// A resolver.
#[derive(Clone, Copy, Debug)]
pub struct Dns {
    /// Where questions go.
    pub server: SocketAddr,
    /// Leave out addresses that are not public (loopback, private, link-local, …): the
    /// server's own scheduled check must not become a way to make it connect inside the
    /// network because a hosted domain's records point there.
    pub public_only: bool,
}

/// Whether `ip` is an address on the public internet (not loopback, private, shared, link-local,
/// multicast, documentation, unspecified, or an IPv4 address inside IPv6).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_unspecified()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
                || (o[0] == 192 && o[1] == 0 && o[2] == 0)
                || (o[0] == 198 && (o[1] & 0xfe) == 18)
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] == 0x2001 && s[1] == 0x0db8)
                || v6.to_ipv4_mapped().is_some()
                || (s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == 0 && s[4] == 0))
        }
    }
}

/// The most records of one kind taken from an answer.
const MAX_RECORDS: usize = 64;

impl Dns {
    async fn ask(&self, name: &str, kind: RecordType) -> Result<Message, String> {
        let wire = dns::record::wire_name(name).map_err(|e| e.to_string())?;
        let m = dns::wire::query(self.server, &wire, kind, false)
            .await
            .map_err(|e| e.to_string())?;
        match m.metadata.response_code {
            ResponseCode::NoError | ResponseCode::NXDomain => Ok(m),
            rc => Err(format!("{} answered {rc} for {name} {kind}", self.server)),
        }
    }

    fn data(m: &Message, kind: RecordType) -> Vec<&RData> {
        m.answers
            .iter()
            .filter(|r| r.record_type() == kind)
            .map(|r| &r.data)
            .take(MAX_RECORDS)
            .collect()
    }

    /// The addresses of `host` (A, then AAAA); empty when it has none.
    pub async fn addrs(&self, host: &str) -> Result<Vec<IpAddr>, String> {
        let all = self.all_addrs(host).await?;
        if !self.public_only {
            return Ok(all);
        }
        let (public, inside): (Vec<IpAddr>, Vec<IpAddr>) =
            all.into_iter().partition(|ip| is_public(*ip));
        if public.is_empty() && !inside.is_empty() {
            return Err(format!(
                "{host} points only to addresses that are not public ({}): the server's own check does not connect to them (`bolwerk check` from a shell does)",
                inside
                    .iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        Ok(public)
    }

    async fn all_addrs(&self, host: &str) -> Result<Vec<IpAddr>, String> {
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(vec![ip]);
        }
        let mut out = Vec::new();
        let a = self.ask(host, RecordType::A).await?;
        out.extend(
            Self::data(&a, RecordType::A)
                .into_iter()
                .filter_map(|d| match d {
                    RData::A(a) => Some(IpAddr::V4(a.0)),
                    _ => None,
                }),
        );
        let aaaa = self.ask(host, RecordType::AAAA).await?;
        out.extend(
            Self::data(&aaaa, RecordType::AAAA)
                .into_iter()
                .filter_map(|d| match d {
                    RData::AAAA(a) => Some(IpAddr::V6(a.0)),
                    _ => None,
                }),
        );
        Ok(out)
    }

    /// The TXT values at `name`, each record's strings joined.
    pub async fn txt(&self, name: &str) -> Result<Vec<String>, String> {
        let m = self.ask(name, RecordType::TXT).await?;
        Ok(Self::data(&m, RecordType::TXT)
            .into_iter()
            .filter_map(|d| match d {
                RData::TXT(t) => Some(
                    t.txt_data
                        .iter()
                        .map(|s| String::from_utf8_lossy(s).into_owned())
                        .collect::<String>(),
                ),
                _ => None,
            })
            .collect())
    }

    /// Whether `name` exists (NOERROR, also without data — an empty non-terminal).
    pub async fn exists(&self, name: &str) -> Result<bool, String> {
        let m = self.ask(name, RecordType::TXT).await?;
        Ok(m.metadata.response_code == ResponseCode::NoError)
    }

    /// The MX records of `domain`.
    pub async fn mx(&self, domain: &str) -> Mx {
        match self.ask(domain, RecordType::MX).await {
            Err(e) => Mx::Error(e),
            Ok(m) if m.metadata.response_code == ResponseCode::NXDomain => Mx::NoDomain,
            Ok(m) => Mx::Records(
                Self::data(&m, RecordType::MX)
                    .into_iter()
                    .filter_map(|d| match d {
                        RData::MX(mx) => Some((
                            mx.preference,
                            dns::record::normal_name(&mx.exchange.to_ascii()),
                        )),
                        _ => None,
                    })
                    .collect(),
            ),
        }
    }

    /// The name servers of the zone `domain` is in (climbing to the first name with NS records).
    pub async fn ns(&self, domain: &str) -> Result<(String, Vec<String>), String> {
        let mut name = dns::record::normal_name(domain);
        loop {
            let m = self.ask(&name, RecordType::NS).await?;
            let ns: Vec<String> = Self::data(&m, RecordType::NS)
                .into_iter()
                .filter_map(|d| match d {
                    RData::NS(n) => Some(dns::record::normal_name(&n.0.to_ascii())),
                    _ => None,
                })
                .collect();
            if !ns.is_empty() {
                return Ok((name, ns));
            }
            match name.split_once('.') {
                Some((_, parent)) if parent.contains('.') => name = parent.to_string(),
                _ => return Ok((dns::record::normal_name(domain), Vec::new())),
            }
        }
    }

    /// The CAA set that applies to `name`: its own, or the closest above it (RFC 8659 §3),
    /// not climbing to the top-level domain.
    pub async fn caa(&self, name: &str) -> Result<Option<(String, Vec<Caa>)>, String> {
        let mut at = dns::record::normal_name(name);
        loop {
            let m = self.ask(&at, RecordType::CAA).await?;
            let found: Vec<Caa> = Self::data(&m, RecordType::CAA)
                .into_iter()
                .filter_map(|d| match d {
                    RData::CAA(c) => Some(Caa {
                        critical: c.issuer_critical,
                        tag: c.tag.to_ascii_lowercase(),
                        value: String::from_utf8_lossy(&c.value).into_owned(),
                    }),
                    _ => None,
                })
                .collect();
            if !found.is_empty() {
                return Ok(Some((at, found)));
            }
            match at.split_once('.') {
                Some((_, parent)) if parent.contains('.') => at = parent.to_string(),
                _ => return Ok(None),
            }
        }
    }

    /// The TLSA records at `name`.
    pub async fn tlsa(&self, name: &str) -> Result<Vec<Tlsa>, String> {
        let m = self.ask(name, RecordType::TLSA).await?;
        Ok(Self::data(&m, RecordType::TLSA)
            .into_iter()
            .filter_map(|d| match d {
                RData::TLSA(t) => Some(Tlsa {
                    usage: u8::from(t.cert_usage),
                    selector: u8::from(t.selector),
                    matching: u8::from(t.matching),
                    data: t.cert_data.clone(),
                }),
                _ => None,
            })
            .collect())
    }

    /// Asks `ns` (a name server's address) for the SOA of `zone`: whether it answers.
    pub async fn answers(ns: SocketAddr, zone: &str) -> Result<(), String> {
        let wire = dns::record::wire_name(zone).map_err(|e| e.to_string())?;
        let m = dns::wire::query(ns, &wire, RecordType::SOA, false)
            .await
            .map_err(|e| e.to_string())?;
        match m.metadata.response_code {
            ResponseCode::NoError => Ok(()),
            rc => Err(format!("answered {rc}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_public;

    #[test]
    fn only_public_addresses_are_public() {
        for inside in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "192.0.2.1",
            "198.18.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::127.0.0.1",
            "ff02::1",
        ] {
            let ip: std::net::IpAddr = inside.parse().expect("address");
            assert!(!is_public(ip), "{inside}");
        }
        for public in [
            "9.9.9.9",
            "185.49.140.10",
            "2a00:1450:400e:80c::200e",
            "2620:fe::fe",
        ] {
            let ip: std::net::IpAddr = public.parse().expect("address");
            assert!(is_public(ip), "{public}");
        }
    }
}
