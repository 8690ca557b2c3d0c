//! The second opinion: a validating resolver's verdict (hickory), held against the walk.

use std::net::SocketAddr;
use std::sync::Arc;

use hickory_proto::dnssec::TrustAnchors;
use hickory_proto::rr::RecordType;

use super::Status;
use crate::record::wire_name;
use crate::wire;

/// A validating resolver's verdict on `name`/`kind` (hickory, with `anchors` and one upstream):
/// the second opinion the walk is held against. It knows only the verdict, not the reason, and
/// judges with the machine's clock.
pub async fn resolver_verdict(
    upstream: SocketAddr,
    anchors: Arc<TrustAnchors>,
    name: &str,
    kind: RecordType,
) -> Status {
    use hickory_resolver::Resolver;
    use hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
    use hickory_resolver::net::runtime::TokioRuntimeProvider;
    use hickory_resolver::net::{DnsError, NetError};
    use hickory_resolver::proto::dnssec::Proof;

    let mut ns = NameServerConfig::udp_and_tcp(upstream.ip());
    for c in &mut ns.connections {
        c.port = upstream.port();
    }
    let mut opts = ResolverOpts::default();
    opts.validate = true;
    opts.cache_size = 0;
    opts.timeout = wire::TIMEOUT;
    let resolver = match Resolver::builder_with_config(
        ResolverConfig::from_parts(None, vec![], vec![ns]),
        TokioRuntimeProvider::default(),
    )
    .with_options(opts)
    .with_trust_anchor(anchors)
    .build()
    {
        Ok(r) => r,
        Err(_) => return Status::Unknown,
    };
    let Ok(name) = wire_name(name) else {
        return Status::Unknown;
    };
    let from = |p: Proof| match p {
        Proof::Secure => Status::Secure,
        Proof::Insecure => Status::Insecure,
        Proof::Bogus => Status::Bogus,
        _ => Status::Unknown,
    };
    match resolver.lookup(name, kind).await {
        Ok(l) => {
            let proofs: Vec<Proof> = l
                .answers()
                .iter()
                .filter(|r| r.record_type() == kind)
                .map(|r| r.proof)
                .collect();
            if proofs.is_empty() {
                Status::Unknown
            } else if proofs.iter().all(|p| *p == Proof::Secure) {
                Status::Secure
            } else if proofs.contains(&Proof::Bogus) {
                Status::Bogus
            } else {
                from(proofs[0])
            }
        }
        Err(NetError::Dns(DnsError::DnssecBogus)) => Status::Bogus,
        Err(NetError::Dns(DnsError::Nsec { proof, .. })) => from(proof),
        Err(_) => Status::Unknown,
    }
}
