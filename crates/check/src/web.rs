//! The website test: the domain's addresses and name servers, DNSSEC, then for one IPv4 and one
//! IPv6 address each: HTTPS and TLS, the certificate, the redirect, the headers and
//! security.txt; then CAA and DANE.

use std::net::{IpAddr, SocketAddr};

use dns::chain::Status as Chain;
use hickory_proto::rr::RecordType;

use crate::catalogue::web as spec;
use crate::cert::{self, CertSpecs};
use crate::headers::{self, Plain};
use crate::net::{Refused, Start, Target};
use crate::probe::{self, Nudge};
use crate::report::{Subtest, merge};
use crate::tls_judge::{self, TlsSpecs};
use crate::{Context, Options, caa, dane, http, reach, security_txt};

/// The TLS specs of the website test.
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
    ocsp: Some(spec::TLS_OCSP),
};

/// The certificate specs of the website test.
pub const CERT: CertSpecs = CertSpecs {
    trust: spec::CERT_TRUST,
    pubkey: spec::CERT_PUBKEY,
    signature: spec::CERT_SIGNATURE,
    name: spec::CERT_NAME,
    expiry: spec::CERT_EXPIRY,
};

/// The subtests that need the web server over HTTPS.
const PER_SERVER: &[crate::report::Spec] = &[
    spec::HTTPS_REDIRECT,
    spec::HSTS,
    spec::HTTP_COMPRESSION,
    spec::TLS_VERSION,
    spec::TLS_CIPHERS,
    spec::TLS_CIPHER_ORDER,
    spec::TLS_KEX_PARAMS,
    spec::TLS_KEX_HASH,
    spec::TLS_COMPRESSION,
    spec::TLS_SECURE_RENEG,
    spec::TLS_CLIENT_RENEG,
    spec::TLS_ZERO_RTT,
    spec::TLS_OCSP,
    spec::TLS_EMS,
    spec::CERT_TRUST,
    spec::CERT_PUBKEY,
    spec::CERT_SIGNATURE,
    spec::CERT_NAME,
    spec::CERT_EXPIRY,
    spec::X_FRAME_OPTIONS,
    spec::X_CONTENT_TYPE_OPTIONS,
    spec::CSP,
    spec::REFERRER_POLICY,
    spec::SECURITY_TXT,
];

/// The largest page body read (for comparing IPv4 and IPv6).
const MAX_PAGE: usize = 512 * 1024;

/// Everything learnt from one address.
struct Server {
    label: String,
    subtests: Vec<Subtest>,
    page: Option<Result<(u16, Vec<u8>), String>>,
    chain: Vec<Vec<u8>>,
}

async fn server(o: &Options, ctx: &Context, ip: IpAddr) -> Server {
    let host = o.domain.as_str();
    let target = Target {
        addr: SocketAddr::new(ip, o.ports.https),
        host: host.to_string(),
        start: Start::Direct,
        timeout: o.timeout,
    };
    let nudge = Nudge {
        bytes: format!("HEAD / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").into_bytes(),
        alpn: vec![b"http/1.1".to_vec()],
    };
    let mut out = Vec::new();
    let label = ip.to_string();
    let probed = probe::probe(&target, &ctx.roots, &nudge, o.now).await;
    let probed = match probed {
        Err(Refused::Unreachable(e)) => {
            out.push(spec::HTTPS_EXISTS.bad(
                format!("nothing answers on port {} of {ip}: {e}", o.ports.https),
                "Serve the site over HTTPS on port 443 (Bolwerk: [server] https = \"[::]:443\").",
            ));
            return Server {
                label,
                subtests: out,
                page: None,
                chain: Vec::new(),
            };
        }
        Err(e) => {
            out.push(spec::HTTPS_EXISTS.bad(
                format!("HTTPS did not start: {e}"),
                "Serve the site over HTTPS on port 443.",
            ));
            return Server {
                label,
                subtests: out,
                page: None,
                chain: Vec::new(),
            };
        }
        Ok(p) => p,
    };
    if probed.facts.accepted().is_empty() {
        out.push(spec::HTTPS_EXISTS.bad(
            format!(
                "port {} of {ip} answers, but no TLS version was accepted",
                o.ports.https
            ),
            "Serve HTTPS (TLS 1.2 and 1.3) on port 443.",
        ));
        return Server {
            label,
            subtests: out,
            page: None,
            chain: Vec::new(),
        };
    }
    out.push(spec::HTTPS_EXISTS.pass(format!("HTTPS answers on {}", target.addr)));
    out.extend(tls_judge::judge(&probed.facts, &TLS));
    out.extend(cert::judge(
        &cert::CertFacts {
            chain: probed.chain.clone(),
            untrusted: probed.untrusted.clone(),
            host: host.to_string(),
        },
        &CERT,
        o.now,
    ));
    // Plain HTTP: does it send visitors to HTTPS on the same host first?
    let plain = match http::get(
        &format!("http://{host}/"),
        host,
        SocketAddr::new(ip, o.ports.http),
        None,
        0,
        o.timeout,
        false,
    )
    .await
    {
        Err(e) => Plain::Closed(e),
        Ok((a, _)) => Plain::Answer {
            status: a.status,
            location: a.first("location").map(str::to_string),
        },
    };
    out.push(headers::redirect(host, &plain));
    let addr = SocketAddr::new(ip, o.ports.https);
    let page = http::get(
        &format!("https://{host}/"),
        host,
        addr,
        None,
        MAX_PAGE,
        o.timeout,
        true,
    )
    .await;
    match &page {
        Ok((a, _)) => {
            out.push(headers::hsts(a));
            out.push(headers::compression(a));
            out.push(headers::csp(a, host));
            out.push(headers::x_content_type_options(a));
            out.push(headers::x_frame_options(a));
            out.push(headers::referrer_policy(a));
        }
        Err(e) => {
            let why = format!("the home page could not be fetched over HTTPS: {e}");
            for s in [
                spec::HSTS,
                spec::HTTP_COMPRESSION,
                spec::CSP,
                spec::X_CONTENT_TYPE_OPTIONS,
                spec::X_FRAME_OPTIONS,
                spec::REFERRER_POLICY,
            ] {
                out.push(s.not_tested(why.clone()));
            }
        }
    }
    // security.txt: at its RFC 9116 place, else the legacy one.
    let mut fetched = None;
    for path in [security_txt_path(), "/security.txt"] {
        let r = http::get(
            &format!("https://{host}{path}"),
            host,
            addr,
            None,
            security_txt::MAX_LEN,
            o.timeout,
            false,
        )
        .await;
        let f = match r {
            Ok((a, body)) => security_txt::Fetched {
                path: path.to_string(),
                status: Some(a.status),
                content_type: a.first("content-type").map(str::to_string),
                body,
            },
            Err(_) => security_txt::Fetched {
                path: path.to_string(),
                status: None,
                content_type: None,
                body: Vec::new(),
            },
        };
        let found = f.status == Some(200);
        if fetched.is_none() || found {
            fetched = Some(f);
        }
        if found {
            break;
        }
    }
    if let Some(f) = fetched {
        let mut f = f;
        if f.status != Some(200) {
            f.path = security_txt_path().to_string();
        }
        out.push(security_txt::judge(&f, host, o.now));
    }
    Server {
        label,
        subtests: out,
        page: Some(page.map(|(a, b)| (a.status, b))),
        chain: probed.chain,
    }
}

fn security_txt_path() -> &'static str {
    "/.well-known/security.txt"
}

/// Runs the website test.
pub async fn run(o: &Options, ctx: &Context) -> Vec<Subtest> {
    let host = o.domain.as_str();
    let mut out = Vec::new();
    // Name servers over IPv6.
    match &ctx.ns {
        Ok((_, ns)) => {
            out.push(reach::ns_aaaa(&spec::NS_AAAA, host, ns));
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
    // Addresses.
    let addrs = match ctx.dns.addrs(host).await {
        Ok(a) => a,
        Err(e) => {
            out.push(spec::AAAA.bad(
                format!("the addresses of {host} could not be looked up: {e}"),
                "Check that the resolver answers.",
            ));
            Vec::new()
        }
    };
    let www = format!("www.{host}");
    let www_addrs = ctx.dns.addrs(&www).await.unwrap_or_default();
    let mut hosts = vec![(host.to_string(), addrs.clone())];
    if !www_addrs.is_empty() {
        hosts.push((www.clone(), www_addrs));
    }
    if !addrs.is_empty() {
        out.push(reach::aaaa(&spec::AAAA, "web server", &hosts));
    }
    let mut tried = Vec::new();
    for a in addrs.iter().filter(|a| a.is_ipv6()).take(4) {
        let r = crate::net::tcp(SocketAddr::new(*a, o.ports.https), o.timeout)
            .await
            .map(drop);
        tried.push((host.to_string(), *a, r));
    }
    out.push(reach::reach(&spec::REACH, "web server", &tried));
    // DNSSEC, with the TLSA records of the web server in the same walk.
    let tlsa_name = format!("_{}._tcp.{host}", 443);
    let walk = ctx
        .walker
        .walk(
            host,
            &[
                (host.to_string(), RecordType::A),
                (host.to_string(), RecordType::AAAA),
                (tlsa_name.clone(), RecordType::TLSA),
            ],
        )
        .await;
    out.extend(reach::dnssec(
        &spec::DNSSEC_EXISTS,
        &spec::DNSSEC_VALID,
        &walk,
    ));
    // One IPv4 and one (reachable) IPv6 address.
    let mut chosen: Vec<IpAddr> = addrs
        .iter()
        .copied()
        .filter(IpAddr::is_ipv4)
        .take(1)
        .collect();
    if let Some(v6) = tried.iter().find(|(_, _, r)| r.is_ok()).map(|(_, a, _)| *a) {
        chosen.push(v6);
    }
    if addrs.is_empty() {
        out.push(spec::HTTPS_EXISTS.bad(
            format!("{host} has no A or AAAA record"),
            format!("Publish the addresses of the web server for {host} (Bolwerk publishes dns.addresses)."),
        ));
        return out;
    }
    if chosen.is_empty() {
        chosen.push(addrs[0]);
    }
    let mut servers = Vec::new();
    for ip in chosen {
        let mut s = server(o, ctx, ip).await;
        if let Some(e) = s
            .subtests
            .iter()
            .find(|t| t.code == spec::HTTPS_EXISTS.code && t.status != crate::Status::Pass)
        {
            let why = format!("no HTTPS to test: {}", e.found);
            crate::fill(&mut s.subtests, PER_SERVER, &why);
        }
        servers.push(s);
    }
    let chain = servers
        .iter()
        .find(|s| !s.chain.is_empty())
        .map(|s| s.chain.clone())
        .unwrap_or_default();
    let v4 = servers
        .iter()
        .find(|s| s.label.parse::<IpAddr>().is_ok_and(|a| a.is_ipv4()))
        .and_then(|s| s.page.clone());
    let v6 = servers
        .iter()
        .find(|s| s.label.parse::<IpAddr>().is_ok_and(|a| a.is_ipv6()))
        .and_then(|s| s.page.clone());
    out.push(reach::same_site(v4.as_ref(), v6.as_ref()));
    out.extend(merge(
        servers.into_iter().map(|s| (s.label, s.subtests)).collect(),
    ));
    // CAA.
    out.push(match ctx.dns.caa(host).await {
        Ok(found) => caa::judge(&spec::CAA, host, found),
        Err(e) => spec::CAA.not_tested(format!("CAA could not be looked up: {e}")),
    });
    // DANE for HTTPS.
    let lookup = tlsa_lookup(ctx, &tlsa_name, &walk).await;
    out.extend(dane::judge(
        &spec::DANE_EXISTS,
        &spec::DANE_VALID,
        None,
        &tlsa_name,
        &lookup,
        &chain,
        false,
    ));
    out
}

/// The TLSA records at `name`, with their DNSSEC standing from the walk that checked them.
pub async fn tlsa_lookup(ctx: &Context, name: &str, walk: &dns::chain::Report) -> dane::Lookup {
    match ctx.dns.tlsa(name).await {
        Err(e) => dane::Lookup::Error(e),
        Ok(r) if r.is_empty() => dane::Lookup::None,
        Ok(r) => {
            let checked = walk
                .checked
                .iter()
                .any(|c| c == &format!("{} TLSA", dns::record::normal_name(name)));
            match walk.status {
                Chain::Secure if checked => dane::Lookup::Secure(r),
                Chain::Bogus => dane::Lookup::Bogus(
                    walk.findings
                        .first()
                        .map(|f| f.text.clone())
                        .unwrap_or_else(|| "bogus".into()),
                ),
                _ => dane::Lookup::Insecure(r),
            }
        }
    }
}
