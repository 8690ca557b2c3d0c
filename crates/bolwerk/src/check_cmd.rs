//! `bolwerk check DOMAIN`: every subtest of internet.nl's website and mail tests, run from this
//! machine, with MTA-STS and TLS-RPT besides; text or `--json`, exit status 1 when anything
//! fails. The judging and probing live in the `check` crate; this is the command line around it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use server::config::Config;

/// `bolwerk check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The domain to check, e.g. example.nl.
    pub domain: String,
    /// Config file: its dns.resolver and dns.trust_anchor_file, and the DKIM keys Bolwerk signs
    /// the domain's mail with.
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// Machine-readable output (stable codes per subtest).
    #[arg(long)]
    pub json: bool,
    /// Show the details of every subtest, not only of those not met.
    #[arg(long)]
    pub verbose: bool,
    /// Run only the website or only the mail test.
    #[arg(long, value_enum)]
    pub only: Option<Part>,
    /// The resolver to ask [default: dns.resolver, else the first nameserver of
    /// /etc/resolv.conf].
    #[arg(long)]
    pub resolver: Option<SocketAddr>,
    /// The root's trust anchor (zone-file DNSKEY lines) [default: dns.trust_anchor_file, else
    /// the IANA root keys].
    #[arg(long)]
    pub trust_anchor: Option<PathBuf>,
    /// A DKIM selector to look for (repeatable); adds to those of the config's key store.
    #[arg(long = "dkim-selector", value_name = "SELECTOR")]
    pub dkim_selectors: Vec<String>,
    /// PEM certificates to trust next to Mozilla's roots (a test or internal CA).
    #[arg(long)]
    pub ca_file: Option<PathBuf>,
    /// Port of plain HTTP.
    #[arg(long, default_value_t = 80)]
    pub http_port: u16,
    /// Port of HTTPS.
    #[arg(long, default_value_t = 443)]
    pub https_port: u16,
    /// Port of SMTP on the mail servers.
    #[arg(long, default_value_t = 25)]
    pub smtp_port: u16,
    /// Port of DNS on the name servers.
    #[arg(long, default_value_t = 53)]
    pub ns_port: u16,
    /// The name given with SMTP EHLO [default: this machine's name].
    #[arg(long)]
    pub ehlo: Option<String>,
    /// Seconds one connection or probe may take.
    #[arg(long, default_value_t = 10)]
    pub timeout: u64,
}

/// Which test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Part {
    /// The website test.
    Web,
    /// The mail test.
    Mail,
}

/// Runs `bolwerk check`: exit status 0 when nothing failed, 1 when a subtest failed, 2 when
/// the check could not run (the error says why).
pub fn run(args: CheckArgs) -> Result<ExitCode> {
    match check(args) {
        Ok(code) => Ok(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            Ok(ExitCode::from(2))
        }
    }
}

fn check(args: CheckArgs) -> Result<ExitCode> {
    let domain = dns::record::normal_name(&args.domain);
    if dns::record::wire_name(&domain).is_err()
        || !domain.contains('.')
        || domain.parse::<std::net::IpAddr>().is_ok()
    {
        bail!(
            "{:?} is not a domain name (give one like example.nl)",
            args.domain
        );
    }
    let config = match &args.config {
        Some(f) => Some(Config::load(f)?),
        None => None,
    };
    let dns_config = config.as_ref().map(|c| c.dns.clone()).unwrap_or_default();
    let resolver = match args.resolver {
        Some(r) => r,
        None => dns_config.resolver()?,
    };
    let anchors = match &args.trust_anchor {
        Some(f) => {
            let text = std::fs::read_to_string(f)
                .with_context(|| format!("reading the trust anchor {}", f.display()))?;
            dns::chain::anchors(Some(&text))?
        }
        None => dns_config.anchors()?,
    };
    let extra_roots = match &args.ca_file {
        Some(f) => {
            let pem = std::fs::read(f).with_context(|| format!("reading {}", f.display()))?;
            check::probe::certificates_from_pem(&pem)
                .map_err(|e| anyhow::anyhow!("{}: {e}", f.display()))?
        }
        None => Vec::new(),
    };
    let mut selectors = config
        .as_ref()
        .map(|c| server::check_task::dkim_selectors(c, &domain))
        .unwrap_or_default();
    for s in &args.dkim_selectors {
        if !selectors.iter().any(|(x, _)| x == s) {
            selectors.push((s.clone(), None));
        }
    }
    let options = check::Options {
        domain: domain.clone(),
        resolver,
        anchors: Arc::new(anchors),
        extra_roots,
        ports: check::Ports {
            http: args.http_port,
            https: args.https_port,
            smtp: args.smtp_port,
            dns: args.ns_port,
        },
        dkim: check::auth::DkimWanted { selectors },
        ehlo: args
            .ehlo
            .clone()
            .unwrap_or_else(server::check_task::hostname),
        web: args.only != Some(Part::Mail),
        mail: args.only != Some(Part::Web),
        now: SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs(),
        timeout: Duration::from_secs(args.timeout.clamp(1, 120)),
        public_only: false,
    };
    let report = crate::runtime(2)?.block_on(check::run(&options));
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", check::render::text(&report, args.verbose));
    }
    Ok(if report.failed() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
