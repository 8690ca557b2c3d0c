//! The domain self-check: every subtest of internet.nl's website and mail tests, run locally —
//! IPv6, DNSSEC, HTTPS and its redirect, HSTS, TLS versions, suites, order and key exchange,
//! the certificate, CAA, DANE, the security headers (naming the CSP directive that fails),
//! security.txt, MX and Null MX, SPF, DKIM, DMARC, STARTTLS — and what internet.nl lacks:
//! MTA-STS and TLS-RPT. Each subtest says what it found and, when it fails, how to fix it.
//!
//! The judging is pure ([`cert`], [`csp`], [`headers`], [`security_txt`], [`spf`], [`dmarc`],
//! [`auth`], [`policy`], [`caa`], [`dane`], [`reach`], [`tls_judge`], [`hello`] parsing); the
//! probing IO is apart ([`lookup`], [`net`], [`probe`], [`http`], and the two runs [`web`] and
//! [`mail`]). It never writes anything anywhere: it only asks and connects.

#![warn(missing_docs)]

pub mod auth;
pub mod caa;
pub mod catalogue;
pub mod cert;
pub mod csp;
pub mod dane;
pub mod dmarc;
pub mod headers;
pub mod hello;
pub mod http;
pub mod lookup;
pub mod mail;
pub mod net;
pub mod policy;
pub mod probe;
pub mod reach;
pub mod render;
pub mod report;
pub mod security_txt;
pub mod spf;
pub mod suites;
pub mod tls_judge;
pub mod web;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hickory_proto::dnssec::TrustAnchors;
use rustls_pki_types::CertificateDer;

pub use report::{Category, Report, Status, Subtest};

/// The ports the servers are probed on (tests move them; the internet uses the defaults).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ports {
    /// Plain HTTP (80).
    pub http: u16,
    /// HTTPS (443).
    pub https: u16,
    /// SMTP (25).
    pub smtp: u16,
    /// DNS of the name servers (53).
    pub dns: u16,
}

impl Default for Ports {
    fn default() -> Self {
        Ports {
            http: 80,
            https: 443,
            smtp: 25,
            dns: 53,
        }
    }
}

/// What to check, and how.
#[derive(Clone)]
pub struct Options {
    /// The domain.
    pub domain: String,
    /// The resolver every question goes to (with DO and CD for the DNSSEC walk).
    pub resolver: SocketAddr,
    /// The root's trust anchors.
    pub anchors: Arc<TrustAnchors>,
    /// Certificates trusted next to Mozilla's roots (`--ca-file`).
    pub extra_roots: Vec<CertificateDer<'static>>,
    /// Ports.
    pub ports: Ports,
    /// The DKIM selectors to look for.
    pub dkim: auth::DkimWanted,
    /// The name given with EHLO.
    pub ehlo: String,
    /// Run the website test.
    pub web: bool,
    /// Run the mail test.
    pub mail: bool,
    /// The time judged at (Unix seconds).
    pub now: u64,
    /// Deadline of one connection or probe.
    pub timeout: Duration,
    /// Connect only to public addresses (the server's own scheduled check).
    pub public_only: bool,
}

/// A name server and its addresses.
pub type NameServer = (String, Vec<IpAddr>);

/// What both tests share: the resolver, the roots, the DNSSEC walker and the name servers.
pub struct Context {
    /// The resolver.
    pub dns: lookup::Dns,
    /// Roots for certificates.
    pub roots: Arc<rustls::RootCertStore>,
    /// The DNSSEC walker.
    pub walker: dns::chain::Walker,
    /// The domain's zone and name servers with their addresses, or why they are unknown.
    pub ns: Result<(String, Vec<NameServer>), String>,
    /// Each IPv6 address of a name server, and whether it answered.
    pub ns_reach: Vec<(String, IpAddr, Result<(), String>)>,
}

/// Checks `o.domain`.
pub async fn run(o: &Options) -> Report {
    let domain = dns::record::normal_name(&o.domain);
    let dns = lookup::Dns {
        server: o.resolver,
        public_only: o.public_only,
    };
    let ns = match dns.ns(&domain).await {
        Err(e) => Err(e),
        Ok((zone, names)) => {
            let mut out = Vec::new();
            for n in names.into_iter().take(13) {
                let a = dns.addrs(&n).await.unwrap_or_default();
                out.push((n, a));
            }
            Ok((zone, out))
        }
    };
    let mut ns_reach = Vec::new();
    if let Ok((zone, list)) = &ns {
        for (n, addrs) in list {
            for a in addrs.iter().filter(|a| a.is_ipv6()).take(2) {
                let r = tokio::time::timeout(
                    o.timeout,
                    lookup::Dns::answers(SocketAddr::new(*a, o.ports.dns), zone),
                )
                .await
                .unwrap_or_else(|_| Err("no answer in time".into()));
                ns_reach.push((n.clone(), *a, r));
            }
        }
    }
    let ctx = Context {
        dns,
        roots: probe::roots(&o.extra_roots),
        walker: dns::chain::Walker {
            upstream: o.resolver,
            anchors: o.anchors.clone(),
            now: o.now,
            warn_within_s: 5 * 86_400,
        },
        ns,
        ns_reach,
    };
    let o = Options {
        domain: domain.clone(),
        ..o.clone()
    };
    let (w, m) = tokio::join!(
        async {
            if o.web {
                web::run(&o, &ctx).await
            } else {
                Vec::new()
            }
        },
        async {
            if o.mail {
                mail::run(&o, &ctx).await
            } else {
                (Vec::new(), None)
            }
        }
    );
    let (m, dmarc) = m;
    let mut parts = Vec::new();
    if o.web {
        parts.push("web");
    }
    if o.mail {
        parts.push("mail");
    }
    let mut report = Report::new(
        domain,
        o.now,
        assemble(w.into_iter().chain(m).collect(), &parts),
    );
    report.dmarc = dmarc;
    report
}

/// Adds "not tested, because `why`" for every spec of `specs` that `out` does not have yet.
pub fn fill(out: &mut Vec<Subtest>, specs: &[report::Spec], why: &str) {
    for s in specs {
        if !out.iter().any(|t| t.code == s.code) {
            out.push(s.not_tested(why));
        }
    }
}

/// Puts subtests into the catalogue's categories, in its order; a subtest of a category that
/// ran but that no step produced is "not tested".
pub fn assemble(subtests: Vec<Subtest>, parts: &[&str]) -> Vec<Category> {
    let mut out = Vec::new();
    for (code, title, specs) in catalogue::CATEGORIES {
        let part = code.split('.').next().unwrap_or_default();
        if !parts.contains(&part) {
            continue;
        }
        let list: Vec<Subtest> = specs
            .iter()
            .map(|spec| {
                subtests
                    .iter()
                    .find(|s| s.code == spec.code)
                    .cloned()
                    .unwrap_or_else(|| {
                        spec.not_tested("not tested: an earlier step could not be done (see above)")
                    })
            })
            .collect();
        out.push(Category::new(code, title, list));
    }
    out
}
