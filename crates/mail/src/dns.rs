//! DNS lookups for the record checks (TXT) and for delivering mail directly (MX, addresses),
//! through the system's resolvers or one named server (`mail.dns`, also how the tests point
//! it at their own DNS server).

use std::net::SocketAddr;
use std::time::Duration;

use mail_auth::hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ProtocolConfig, ResolverConfig, ResolverOpts,
};
use mail_auth::hickory_resolver::net::runtime::TokioRuntimeProvider;
use mail_auth::hickory_resolver::proto::rr::RData;
use mail_auth::hickory_resolver::{Resolver, TokioResolver};

use crate::Error;

/// Asks the DNS, nothing cached (a check must see what is published now).
pub struct TxtLookup {
    resolver: TokioResolver,
}

impl std::fmt::Debug for TxtLookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TxtLookup")
    }
}

impl TxtLookup {
    /// Through `server` when given, the system's resolvers (`/etc/resolv.conf`) otherwise.
    pub fn new(server: Option<SocketAddr>) -> Result<TxtLookup, Error> {
        let mut opts = ResolverOpts::default();
        opts.cache_size = 0;
        opts.timeout = Duration::from_secs(3);
        opts.attempts = 1;
        let builder = match server {
            Some(addr) => {
                let mut udp = ConnectionConfig::new(ProtocolConfig::Udp);
                udp.port = addr.port();
                let mut tcp = ConnectionConfig::new(ProtocolConfig::Tcp);
                tcp.port = addr.port();
                let ns = NameServerConfig::new(addr.ip(), true, vec![udp, tcp]);
                Resolver::builder_with_config(
                    ResolverConfig::from_parts(None, vec![], vec![ns]),
                    TokioRuntimeProvider::default(),
                )
            }
            None => Resolver::builder_tokio().map_err(|e| {
                Error::Config(format!("cannot read the system's DNS settings: {e}"))
            })?,
        };
        let resolver = builder
            .with_options(opts)
            .build()
            .map_err(|e| Error::Config(format!("DNS resolver: {e}")))?;
        Ok(TxtLookup { resolver })
    }

    /// The TXT values at `name` (each record's strings joined); empty when there are none.
    /// An error means the DNS did not answer, which is not the same as "not published".
    pub async fn txt(&self, name: &str) -> Result<Vec<String>, String> {
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        match self.resolver.txt_lookup(fqdn).await {
            Ok(lookup) => Ok(lookup
                .answers()
                .iter()
                .filter_map(|r| match &r.data {
                    RData::TXT(t) => Some(
                        t.txt_data
                            .iter()
                            .map(|s| String::from_utf8_lossy(s).into_owned())
                            .collect::<String>(),
                    ),
                    _ => None,
                })
                .collect()),
            Err(e) if e.is_no_records_found() || e.is_nx_domain() => Ok(Vec::new()),
            Err(e) => Err(format!("the DNS did not answer for {name}: {e}")),
        }
    }

    /// The mail exchangers of `domain`, best first. `Ok(None)` for a domain that does not
    /// exist; an empty list for a null MX (RFC 7505: the domain takes no mail); the domain
    /// itself when it has no MX records but exists (RFC 5321 implicit MX).
    pub async fn mx(&self, domain: &str) -> Result<Option<Vec<String>>, String> {
        let fqdn = format!("{}.", domain.trim_end_matches('.'));
        match self.resolver.mx_lookup(fqdn).await {
            Ok(lookup) => {
                let mut hosts: Vec<(u16, String)> = lookup
                    .answers()
                    .iter()
                    .filter_map(|r| match &r.data {
                        RData::MX(mx) => Some((
                            mx.preference,
                            mx.exchange.to_ascii().trim_end_matches('.').to_string(),
                        )),
                        _ => None,
                    })
                    .collect();
                hosts.sort();
                if hosts.len() == 1 && hosts[0].1.is_empty() {
                    return Ok(Some(Vec::new()));
                }
                if hosts.is_empty() {
                    return Ok(Some(vec![domain.to_string()]));
                }
                Ok(Some(hosts.into_iter().map(|(_, h)| h).collect()))
            }
            Err(e) if e.is_nx_domain() => Ok(None),
            Err(e) if e.is_no_records_found() => Ok(Some(vec![domain.to_string()])),
            Err(e) => Err(format!("the DNS did not answer for {domain}: {e}")),
        }
    }

    /// The addresses of `host` (IPv4 and IPv6).
    pub async fn addrs(&self, host: &str) -> Result<Vec<std::net::IpAddr>, String> {
        if let Ok(ip) = host.parse() {
            return Ok(vec![ip]);
        }
        let fqdn = format!("{}.", host.trim_end_matches('.'));
        match self.resolver.lookup_ip(fqdn).await {
            Ok(l) => Ok(l.iter().collect()),
            Err(e) if e.is_nx_domain() || e.is_no_records_found() => Ok(Vec::new()),
            Err(e) => Err(format!("the DNS did not answer for {host}: {e}")),
        }
    }
}
