//! The mail test: MX (or Null MX), the name servers and mail servers over IPv6, DNSSEC of the
//! domain and of each mail server's domain, DMARC, DKIM and SPF, then for every mail server
//! STARTTLS with the same TLS and certificate tests as the web, CAA and DANE; and beyond
//! internet.nl, MTA-STS and TLS-RPT.

use std::collections::{BTreeMap, VecDeque};
use std::net::{IpAddr, SocketAddr};

use hickory_proto::rr::RecordType;

use crate::auth::{self, DkimFacts, DmarcFacts, MailServers, SpfFacts};
use crate::catalogue::mail as spec;
use crate::cert::{self, CertSpecs};
use crate::net::{Refused, Start, Target};
use crate::probe::{self, Nudge};
use crate::report::{Spec, Subtest, merge};
use crate::tls_judge::{self, TlsSpecs};
use crate::{Context, Options, caa, dane, dmarc, http, policy, reach, spf};

/// The TLS specs of the mail test.
pub const TLS: TlsSpecs = TlsSpecs {
    version: spec::TLS_VERSION,
    ciphers: spec::TLS_CIPHERS,
    order: spec::TLS_CIPHER_ORDER,
    kex_params: spec::TLS_KEX_PARAMS,
    kex_hash: spec::TLS_KEX_HASH,
    compression: spec::TLS_COMPRESSION,
    secure_reneg: spec::TLS_SECURE_RENEG,
    client_reneg: spec::TLS_CLIENT_RENEG,
    zero_rtt: spec::TLS_ZERO_RTT,
    ems: spec::TLS_EMS,
    ocsp: None,
};

/// The certificate specs of the mail test.
pub const CERT: CertSpecs = CertSpecs {
    trust: spec::CERT_TRUST,
    pubkey: spec::CERT_PUBKEY,
    signature: spec::CERT_SIGNATURE,
    name: spec::CERT_NAME,
    expiry: spec::CERT_EXPIRY,
};

/// The most mail servers tested.
const MAX_MX: usize = 10;

/// The most names fetched while following SPF includes.
const MAX_SPF_NAMES: usize = 40;

/// The subtests that need a mail server.
const PER_SERVER: &[Spec] = &[
    spec::MX_AAAA,
    spec::MX_REACH,
    spec::DNSSEC_MX_EXISTS,
    spec::DNSSEC_MX_VALID,
    spec::STARTTLS,
    spec::TLS_VERSION,
    spec::TLS_CIPHERS,
    spec::TLS_CIPHER_ORDER,
    spec::TLS_KEX_PARAMS,
    spec::TLS_KEX_HASH,
    spec::TLS_COMPRESSION,
    spec::TLS_SECURE_RENEG,
    spec::TLS_CLIENT_RENEG,
    spec::TLS_ZERO_RTT,
    spec::TLS_EMS,
    spec::CERT_TRUST,
    spec::CERT_PUBKEY,
    spec::CERT_SIGNATURE,
    spec::CERT_NAME,
    spec::CERT_EXPIRY,
    spec::CAA,
    spec::DANE_EXISTS,
    spec::DANE_VALID,
    spec::DANE_ROLLOVER,
];

async fn mail_server(o: &Options, ctx: &Context, mx: &str) -> Vec<Subtest> {
    let mut out = Vec::new();
    let addrs = ctx.dns.addrs(mx).await.unwrap_or_default();
    out.push(reach::aaaa(
        &spec::MX_AAAA,
        "mail server",
        &[(mx.to_string(), addrs.clone())],
    ));
    let mut tried = Vec::new();
    for a in addrs.iter().filter(|a| a.is_ipv6()).take(2) {
        let r = crate::net::tcp(SocketAddr::new(*a, o.ports.smtp), o.timeout)
            .await
            .map(drop);
        tried.push((mx.to_string(), *a, r));
    }
    out.push(reach::reach(&spec::MX_REACH, "mail server", &tried));
    let tlsa_name = format!("_25._tcp.{mx}");
    let walk = ctx
        .walker
        .walk(
            mx,
            &[
                (mx.to_string(), RecordType::A),
                (mx.to_string(), RecordType::AAAA),
                (tlsa_name.clone(), RecordType::TLSA),
            ],
        )
        .await;
    out.extend(reach::dnssec(
        &spec::DNSSEC_MX_EXISTS,
        &spec::DNSSEC_MX_VALID,
        &walk,
    ));
    out.push(match ctx.dns.caa(mx).await {
        Ok(found) => caa::judge(&spec::CAA, mx, found),
        Err(e) => spec::CAA.not_tested(format!("CAA could not be looked up: {e}")),
    });
    let Some(ip) = addrs
        .iter()
        .copied()
        .find(IpAddr::is_ipv4)
        .or_else(|| addrs.first().copied())
    else {
        out.push(spec::STARTTLS.bad(
            format!("{mx} has no address"),
            format!("Publish A/AAAA records for {mx}, or point the MX at a host that has them."),
        ));
        return out;
    };
    let target = Target {
        addr: SocketAddr::new(ip, o.ports.smtp),
        host: mx.to_string(),
        start: Start::Smtp {
            ehlo: o.ehlo.clone(),
        },
        timeout: o.timeout,
    };
    let nudge = Nudge {
        bytes: format!("EHLO {}\r\n", o.ehlo).into_bytes(),
        alpn: Vec::new(),
    };
    let probed = match probe::probe(&target, &ctx.roots, &nudge, o.now).await {
        Err(Refused::NoStarttls) => {
            out.push(spec::STARTTLS.bad(
                format!("{mx} ({}) does not offer STARTTLS", target.addr),
                "Switch on STARTTLS with a certificate (Postfix: smtpd_tls_security_level = may, smtpd_tls_chain_files).",
            ));
            return out;
        }
        Err(e) => {
            out.push(spec::STARTTLS.bad(
                format!("{mx} ({}): {e}", target.addr),
                "Make the mail server answer on port 25 and offer STARTTLS.",
            ));
            return out;
        }
        Ok(p) => p,
    };
    if probed.facts.accepted().is_empty() {
        out.push(spec::STARTTLS.bad(
            format!("{mx} offers STARTTLS, but no TLS version was accepted"),
            "Fix the TLS settings of the mail server (TLS 1.2 and 1.3, with a certificate).",
        ));
        return out;
    }
    out.push(spec::STARTTLS.pass(format!("{mx} offers STARTTLS on {}", target.addr)));
    out.extend(tls_judge::judge(&probed.facts, &TLS));
    out.extend(cert::judge(
        &cert::CertFacts {
            chain: probed.chain.clone(),
            untrusted: probed.untrusted.clone(),
            host: mx.to_string(),
        },
        &CERT,
        o.now,
    ));
    let lookup = crate::web::tlsa_lookup(ctx, &tlsa_name, &walk).await;
    out.extend(dane::judge(
        &spec::DANE_EXISTS,
        &spec::DANE_VALID,
        Some(&spec::DANE_ROLLOVER),
        &tlsa_name,
        &lookup,
        &probed.chain,
        true,
    ));
    out
}

async fn dmarc_facts(ctx: &Context, domain: &str) -> DmarcFacts {
    let own = ctx.dns.txt(&format!("_dmarc.{domain}")).await;
    let has_own = own
        .as_ref()
        .is_ok_and(|t| !dmarc::dmarc_records(t).is_empty());
    // Without the public suffix list the organisational domain is taken as the last two labels.
    let labels: Vec<&str> = domain.split('.').collect();
    let org = if !has_own && labels.len() > 2 {
        let org = labels[labels.len() - 2..].join(".");
        let t = ctx.dns.txt(&format!("_dmarc.{org}")).await;
        Some((org, t))
    } else {
        None
    };
    let (at, txt) = match (&own, &org) {
        (Ok(t), _) if has_own => (domain.to_string(), t.clone()),
        (_, Some((o, Ok(t)))) => (o.clone(), t.clone()),
        _ => (domain.to_string(), Vec::new()),
    };
    let mut authorisations = BTreeMap::new();
    if let Some(r) = dmarc::dmarc_records(&txt)
        .first()
        .and_then(|r| dmarc::Record::parse(r))
    {
        for host in r.rua_hosts().into_iter().take(5) {
            if dmarc::external(&at, &host) {
                let t = ctx.dns.txt(&dmarc::authorisation_name(&at, &host)).await;
                authorisations.insert(host, t);
            }
        }
    }
    DmarcFacts {
        own,
        org,
        authorisations,
    }
}

async fn spf_facts(ctx: &Context, domain: &str) -> SpfFacts {
    let own = ctx.dns.txt(domain).await;
    let mut fetched = BTreeMap::new();
    let mut queue: VecDeque<String> = VecDeque::new();
    if let Ok(t) = &own
        && let [record] = spf::spf_records(t).as_slice()
    {
        queue.extend(spf::targets(record));
    }
    while let Some(name) = queue.pop_front() {
        if fetched.contains_key(&name) || fetched.len() >= MAX_SPF_NAMES {
            continue;
        }
        let f = match ctx.dns.txt(&name).await {
            Ok(t) => {
                let r = spf::spf_records(&t);
                if let [one] = r.as_slice() {
                    queue.extend(spf::targets(one));
                }
                spf::Fetched::Records(r)
            }
            Err(e) => spf::Fetched::Error(e),
        };
        fetched.insert(name, f);
    }
    SpfFacts { own, fetched }
}

async fn dkim_facts(o: &Options, ctx: &Context, domain: &str) -> DkimFacts {
    let mut selectors = Vec::new();
    for (sel, wanted) in o.dkim.selectors.iter().take(20) {
        let t = ctx.dns.txt(&format!("{sel}._domainkey.{domain}")).await;
        selectors.push((sel.clone(), wanted.clone(), t));
    }
    DkimFacts {
        selectors,
        domainkey: ctx.dns.exists(&format!("_domainkey.{domain}")).await,
    }
}

/// Runs the mail test; also returns the DMARC policy found, for the next check to compare with.
pub async fn run(o: &Options, ctx: &Context) -> (Vec<Subtest>, Option<dmarc::Policy>) {
    let domain = o.domain.as_str();
    let mut out = Vec::new();
    let (mx_test, servers) = auth::mx(domain, &ctx.dns.mx(domain).await);
    out.push(mx_test);
    match &ctx.ns {
        Ok((_, ns)) => {
            out.push(reach::ns_aaaa(&spec::NS_AAAA, domain, ns));
            out.push(reach::reach(&spec::NS_REACH, "name servers", &ctx.ns_reach));
        }
        Err(e) => {
            out.push(spec::NS_AAAA.bad(
                format!("the name servers could not be looked up: {e}"),
                "Check the resolver and the delegation of the domain.",
            ));
            out.push(spec::NS_REACH.not_tested("no name servers known"));
        }
    }
    let walk = ctx
        .walker
        .walk(
            domain,
            &[
                (domain.to_string(), RecordType::MX),
                (domain.to_string(), RecordType::TXT),
            ],
        )
        .await;
    out.extend(reach::dnssec(
        &spec::DNSSEC_EXISTS,
        &spec::DNSSEC_VALID,
        &walk,
    ));
    let dmarc = dmarc_facts(ctx, domain).await;
    let spf = spf_facts(ctx, domain).await;
    let dkim = dkim_facts(o, ctx, domain).await;
    out.extend(auth::dmarc(domain, &dmarc));
    let policy = auth::dmarc_policy(domain, &dmarc);
    out.extend(auth::spf(domain, &spf));
    out.push(auth::dkim(
        domain,
        &dkim,
        auth::non_sending(&spf.own, &dmarc),
    ));
    let hosts = match &servers {
        MailServers::Hosts(h) => h.clone(),
        MailServers::NullMx | MailServers::None => {
            let why = if servers == MailServers::NullMx {
                "the domain takes no mail (Null MX)"
            } else {
                "the domain has no mail servers"
            };
            for s in PER_SERVER.iter().chain([&spec::MTA_STS, &spec::TLS_RPT]) {
                out.push(s.not_tested(why));
            }
            return (out, policy);
        }
    };
    let mut per = Vec::new();
    for mx in hosts.iter().take(MAX_MX) {
        let mut subtests = mail_server(o, ctx, mx).await;
        if let Some(s) = subtests
            .iter()
            .find(|s| s.code == spec::STARTTLS.code && s.status != crate::Status::Pass)
        {
            let why = format!("no TLS to test: {}", s.found);
            crate::fill(&mut subtests, PER_SERVER, &why);
        }
        per.push((mx.clone(), subtests));
    }
    out.extend(merge(per));
    // MTA-STS and TLS-RPT.
    let sts = ctx.dns.txt(&format!("_mta-sts.{domain}")).await;
    let has_sts = sts.as_ref().is_ok_and(|t| {
        t.iter()
            .any(|v| v.to_ascii_lowercase().starts_with("v=stsv1"))
    });
    let fetched = if has_sts {
        let host = format!("mta-sts.{domain}");
        let url = format!("https://{host}/.well-known/mta-sts.txt");
        Some(match ctx.dns.addrs(&host).await {
            Ok(a) if !a.is_empty() => {
                let addr = SocketAddr::new(a[0], o.ports.https);
                http::get(
                    &url,
                    &host,
                    addr,
                    Some(&ctx.roots),
                    policy::MAX_POLICY,
                    o.timeout,
                    false,
                )
                .await
                .map(|(ans, body)| {
                    (
                        ans.status,
                        ans.first("content-type").map(str::to_string),
                        body,
                    )
                })
            }
            Ok(_) => Err(format!("{host} has no address")),
            Err(e) => Err(e),
        })
    } else {
        None
    };
    out.push(policy::mta_sts(domain, &sts, fetched.as_ref(), &hosts));
    out.push(policy::tls_rpt(
        domain,
        &ctx.dns.txt(&format!("_smtp._tls.{domain}")).await,
    ));
    (out, policy)
}
