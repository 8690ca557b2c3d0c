//! Certificates from an ACME CA (Let's Encrypt or any RFC 8555 CA), obtained and renewed by
//! Bolwerk itself: HTTP-01 challenges are answered on its plain-HTTP listener, TLS-ALPN-01
//! ones on its HTTPS listener (`acme-tls/1`), certificates
//! are kept in `<data_dir>/acme/<site>/` (key files 0600) and swapped in without a restart.
//! A renewal that fails is retried with backoff while the old certificate keeps serving.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use instant_acme::{
    Account, AccountCredentials, AuthorizationStatus, ChallengeType, Identifier, NewAccount,
    NewOrder, OrderStatus, RetryPolicy,
};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::config::{AcmeChallenge, AcmeConfig, Config};
use crate::https::Challenges;
use crate::tls::{self, Certificates};

/// Where a site's ACME certificate lives.
#[derive(Clone, Debug)]
pub struct AcmeSite {
    /// The site's name.
    pub name: String,
    /// The names the certificate must cover.
    pub hosts: Vec<String>,
    /// The names asked for (a wildcard stands in for the names one label under it).
    pub order: Vec<String>,
    /// `<data_dir>/acme/<site>`.
    pub dir: PathBuf,
}

impl AcmeSite {
    /// The certificate chain (PEM).
    pub fn cert_file(&self) -> PathBuf {
        self.dir.join("cert.pem")
    }

    /// Its private key (PEM, mode 0600).
    pub fn key_file(&self) -> PathBuf {
        self.dir.join("key.pem")
    }

    fn status_file(&self) -> PathBuf {
        self.dir.join("status.json")
    }

    /// Present while the site serves the self-signed stand-in made before its first
    /// certificate arrived.
    fn placeholder_marker(&self) -> PathBuf {
        self.dir.join("placeholder")
    }

    /// Asked for by `bolwerk cert renew SITE`: renew at the next check whatever the expiry.
    pub fn renew_request(&self) -> PathBuf {
        self.dir.join("renew-requested")
    }
}

/// The sites of `config` whose certificates come from ACME.
pub fn sites(config: &Config) -> Vec<AcmeSite> {
    config
        .sites
        .iter()
        .filter(|s| s.tls_acme)
        .map(|s| AcmeSite {
            name: s.name.clone(),
            hosts: s.tls_names(),
            order: s.acme_names(),
            dir: config.data_dir.join("acme").join(&s.name),
        })
        .collect()
}

/// Gives a site without a certificate yet a self-signed stand-in, so HTTPS starts at once;
/// the real certificate replaces it as soon as the CA has issued it.
pub fn ensure_placeholder(site: &AcmeSite) -> Result<()> {
    if site.cert_file().is_file() && site.key_file().is_file() {
        return Ok(());
    }
    crate::files::create_dir(&site.dir)
        .with_context(|| format!("creating {}", site.dir.display()))?;
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(site.hosts.clone())
            .context("generating a stand-in certificate")?;
    tls::write_private(&site.key_file(), signing_key.serialize_pem().as_bytes())?;
    write_atomic(&site.cert_file(), cert.pem().as_bytes())?;
    tls::write_private(&site.placeholder_marker(), b"")?;
    Ok(())
}

/// The last attempt to get a site's certificate, for logs, the CLI and the admin.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Status {
    /// Unix time of the last attempt.
    pub last_attempt: Option<i64>,
    /// `"ok"` or what went wrong.
    pub last_result: Option<String>,
    /// Unix time of the last certificate obtained.
    pub last_success: Option<i64>,
    /// Failed attempts in a row (the backoff grows with them).
    pub failures: u32,
}

/// Reads a site's status file (missing or unreadable: no attempt yet).
pub fn status(site: &AcmeSite) -> Status {
    std::fs::read(site.status_file())
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// What a certificate file says about itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CertInfo {
    /// The issuer's distinguished name.
    pub issuer: String,
    /// Subject alternative names (DNS names and addresses).
    pub names: Vec<String>,
    /// Validity, Unix times.
    pub not_before: i64,
    /// Validity, Unix times.
    pub not_after: i64,
}

/// Parses the first certificate of a PEM file.
pub fn cert_info(path: &Path) -> Result<CertInfo> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let der = CertificateDer::pem_file_iter(path)
        .with_context(|| format!("reading {}", path.display()))?
        .next()
        .ok_or_else(|| anyhow!("{}: no certificate", path.display()))?
        .with_context(|| format!("parsing {}", path.display()))?;
    let (_, cert) = x509_parser::parse_x509_certificate(der.as_ref())
        .map_err(|e| anyhow!("{}: not a certificate: {e}", path.display()))?;
    let mut names = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            match n {
                x509_parser::extensions::GeneralName::DNSName(d) => names.push(d.to_string()),
                x509_parser::extensions::GeneralName::IPAddress(b) => {
                    if let Ok(a) = <[u8; 4]>::try_from(*b) {
                        names.push(std::net::Ipv4Addr::from(a).to_string());
                    } else if let Ok(a) = <[u8; 16]>::try_from(*b) {
                        names.push(std::net::Ipv6Addr::from(a).to_string());
                    }
                }
                _ => {}
            }
        }
    }
    Ok(CertInfo {
        issuer: cert.issuer().to_string(),
        names,
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
    })
}

/// Whether a certificate valid from `not_before` to `not_after` should be renewed at `now`:
/// when less than `fraction` of its lifetime is left (a third by default, as Let's Encrypt
/// advises), or when it has expired.
pub fn due(not_before: i64, not_after: i64, now: i64, fraction: f64) -> bool {
    let lifetime = (not_after - not_before).max(1) as f64;
    let left = (not_after - now) as f64;
    left < lifetime * fraction
}

/// Whether a certificate names every host name of `hosts` (a name added to the config, such
/// as the MTA-STS host, gets a new certificate at the next check, not at renewal).
pub fn covers(info: &CertInfo, hosts: &[String]) -> bool {
    hosts
        .iter()
        .filter(|h| h.parse::<std::net::IpAddr>().is_err())
        .all(|h| info.names.iter().any(|n| name_covers(n, h)))
}

/// Whether certificate name `name` covers `host`: equal, or `*.d` for one label under `d`.
fn name_covers(name: &str, host: &str) -> bool {
    if name.eq_ignore_ascii_case(host) {
        return true;
    }
    match (name.strip_prefix("*."), host.split_once('.')) {
        (Some(domain), Some((label, rest))) => {
            !label.is_empty() && rest.eq_ignore_ascii_case(domain)
        }
        _ => false,
    }
}

/// Seconds to wait after `failures` failed attempts in a row: `retry_s` doubling up to a day.
pub fn backoff(retry_s: u64, failures: u32) -> u64 {
    let exp = failures.saturating_sub(1).min(16);
    retry_s.saturating_mul(1 << exp).min(86_400)
}

/// The ACME client of a running server.
pub struct Acme {
    config: AcmeConfig,
    sites: Vec<AcmeSite>,
    challenges: Challenges,
    certs: Arc<Certificates>,
    metrics: Arc<crate::metrics::Metrics>,
    account_file: PathBuf,
    alerts: Option<Arc<crate::alerts::Alerter>>,
    /// The zones DNS-01 answers are published in.
    dns: dns::config::DnsConfig,
}

impl Acme {
    /// The same, mailing an alert when a certificate cannot be renewed.
    pub fn with_alerts(mut self, alerts: Arc<crate::alerts::Alerter>) -> Acme {
        self.alerts = Some(alerts);
        self
    }

    /// The client for `sites`, answering challenges through `challenges` and swapping new
    /// certificates into `certs`.
    pub fn new(
        config: &Config,
        sites: Vec<AcmeSite>,
        challenges: Challenges,
        certs: Arc<Certificates>,
        metrics: Arc<crate::metrics::Metrics>,
    ) -> Acme {
        Acme {
            config: config.acme.clone(),
            sites,
            challenges,
            certs,
            metrics,
            account_file: config.data_dir.join("acme").join("account.json"),
            alerts: None,
            dns: config.dns.clone(),
        }
    }

    /// Checks every site now and then every `check_interval_s` (requests from the CLI are
    /// looked for every few seconds); runs until shutdown.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut next_try = vec![0i64; self.sites.len()];
        let mut last_check: Option<i64> = None;
        loop {
            let now = store::now();
            let scheduled = last_check.is_none_or(|t| {
                now.saturating_sub(t)
                    >= i64::try_from(self.config.check_interval_s).unwrap_or(i64::MAX)
            });
            if scheduled {
                last_check = Some(now);
            }
            for (i, site) in self.sites.iter().enumerate() {
                let requested = site.renew_request().exists();
                // A failed site is retried when its backoff is over, not only at the next
                // scheduled check.
                let retry_due = next_try[i] > 0 && now >= next_try[i];
                let go = requested || retry_due || (scheduled && now >= next_try[i]);
                if !go {
                    continue;
                }
                if !requested && !self.needs_certificate(site, now) {
                    continue;
                }
                let _ = std::fs::remove_file(site.renew_request());
                let mut st = status(site);
                st.last_attempt = Some(now);
                let result = self.obtain(site).await;
                let mut wait = 0;
                match &result {
                    Ok(()) => {
                        st.last_result = Some("ok".into());
                        st.last_success = Some(store::now());
                        st.failures = 0;
                        next_try[i] = 0;
                    }
                    Err(e) => {
                        st.failures = st.failures.saturating_add(1);
                        wait = backoff(self.config.retry_s, st.failures);
                        next_try[i] = now.saturating_add(i64::try_from(wait).unwrap_or(i64::MAX));
                        st.last_result = Some(format!("{e:#}"));
                    }
                }
                // The status first, then the metrics and the alert: whoever sees the count
                // change finds the attempt in the status.
                if let Ok(json) = serde_json::to_vec_pretty(&st)
                    && let Err(e) = write_atomic(&site.status_file(), &json)
                {
                    tracing::warn!(site = %site.name, error = format!("{e:#}"), "cannot write the ACME status");
                }
                match result {
                    Ok(()) => {
                        self.metrics.acme_renewals.inc();
                        tracing::info!(site = %site.name, "certificate obtained from the ACME CA");
                    }
                    Err(e) => {
                        self.metrics.acme_failures.inc();
                        tracing::error!(site = %site.name, error = format!("{e:#}"), retry_in_s = wait, "could not get a certificate from the ACME CA; the current one stays in use");
                        if let Some(alerts) = &self.alerts {
                            let left = cert_info(&site.cert_file())
                                .map(|i| format!("{} days", (i.not_after - now) / 86_400))
                                .unwrap_or_else(|_| "no usable certificate".into());
                            let body = format!(
                                "Bolwerk could not get a certificate for site {} ({}) from the ACME CA.\n\nWhat the CA said: {e:#}\n\nThe current certificate stays in use ({left} left). Bolwerk tries again in {wait} seconds and keeps trying with growing pauses; the admin's Certificates page and `bolwerk cert status` show every attempt.",
                                site.name,
                                site.hosts.join(", ")
                            );
                            alerts
                                .send(
                                    &format!("acme:{}", site.name),
                                    &format!("certificate of {} not renewed", site.name),
                                    &body,
                                )
                                .await;
                        }
                    }
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                _ = shutdown.changed() => return,
            }
        }
    }

    fn needs_certificate(&self, site: &AcmeSite, now: i64) -> bool {
        if site.placeholder_marker().exists() {
            return true;
        }
        match cert_info(&site.cert_file()) {
            Ok(c) => {
                !covers(&c, &site.hosts)
                    || due(c.not_before, c.not_after, now, self.config.renew_when_left)
            }
            Err(_) => true,
        }
    }

    async fn account(&self) -> Result<Account> {
        let builder = || match &self.config.ca_file {
            Some(ca) => {
                Account::builder_with_root(ca).with_context(|| format!("trusting {}", ca.display()))
            }
            None => Account::builder().context("ACME HTTP client"),
        };
        if let Ok(bytes) = std::fs::read(&self.account_file)
            && let Ok(creds) = serde_json::from_slice::<AccountCredentials>(&bytes)
        {
            return builder()?
                .from_credentials(creds)
                .await
                .context("restoring the ACME account");
        }
        let contact = self
            .config
            .contact
            .as_deref()
            .map(|c| format!("mailto:{c}"));
        let contacts: Vec<&str> = contact.iter().map(String::as_str).collect();
        let (account, creds) = builder()?
            .create(
                &NewAccount {
                    contact: &contacts,
                    terms_of_service_agreed: true,
                    only_return_existing: false,
                },
                self.config.directory.clone(),
                None,
            )
            .await
            .with_context(|| format!("creating an account at {}", self.config.directory))?;
        if let Some(dir) = self.account_file.parent() {
            crate::files::create_dir(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        tls::write_private(&self.account_file, &serde_json::to_vec(&creds)?)?;
        Ok(account)
    }

    /// One order: HTTP-01 for every name, then the certificate, written and swapped in.
    async fn obtain(&self, site: &AcmeSite) -> Result<()> {
        let account = self.account().await?;
        let identifiers: Vec<Identifier> = site
            .order
            .iter()
            .filter(|h| h.parse::<std::net::IpAddr>().is_err())
            .map(|h| Identifier::Dns(h.clone()))
            .collect();
        if identifiers.is_empty() {
            bail!("the site has no host name a CA can certify (only addresses)");
        }
        let mut order = account
            .new_order(&NewOrder::new(&identifiers))
            .await
            .context("placing the order")?;
        let (mut tokens, mut alpn_hosts, mut txt) = (Vec::new(), Vec::new(), Vec::new());
        let result = async {
            let mut authorizations = order.authorizations();
            while let Some(authz) = authorizations.next().await {
                let mut authz = authz.context("reading an authorization")?;
                match authz.status {
                    AuthorizationStatus::Pending => {}
                    AuthorizationStatus::Valid => continue,
                    other => bail!("authorization is {other:?}"),
                }
                match self.config.challenge {
                    AcmeChallenge::Http01 => {
                        let mut challenge = authz
                            .challenge(ChallengeType::Http01)
                            .ok_or_else(|| anyhow!("the CA offers no HTTP-01 challenge"))?;
                        let token = challenge.token.clone();
                        let answer = challenge.key_authorization().as_str().to_string();
                        if let Ok(mut c) = self.challenges.write() {
                            c.insert(token.clone(), answer);
                        }
                        tokens.push(token);
                        challenge
                            .set_ready()
                            .await
                            .context("answering the challenge")?;
                    }
                    AcmeChallenge::Dns01 => {
                        let mut challenge = authz
                            .challenge(ChallengeType::Dns01)
                            .ok_or_else(|| anyhow!("the CA offers no DNS-01 challenge"))?;
                        // `*.example.nl` is proven at `_acme-challenge.example.nl` (RFC 8555 §8.4).
                        let host = challenge.identifier().to_string();
                        let host = host.trim_start_matches("*.");
                        let record = dns::Rec::new(
                            &format!("_acme-challenge.{host}"),
                            dns::Kind::Txt,
                            60,
                            challenge.key_authorization().dns_value(),
                        );
                        // Listed for removal first: an update whose answer was lost, or a wait
                        // that timed out, must not leave the record behind.
                        txt.push(record.clone());
                        self.publish_challenge(&record, dns::Op::Add).await?;
                        challenge
                            .set_ready()
                            .await
                            .context("answering the challenge")?;
                    }
                    AcmeChallenge::TlsAlpn01 => {
                        let mut challenge = authz
                            .challenge(ChallengeType::TlsAlpn01)
                            .ok_or_else(|| anyhow!("the CA offers no TLS-ALPN-01 challenge"))?;
                        let host = challenge.identifier().to_string();
                        let digest = challenge.key_authorization().digest();
                        let answer = tls::alpn_challenge_certificate(&host, digest.as_ref())?;
                        self.certs.set_alpn_challenge(&host, Some(answer));
                        alpn_hosts.push(host);
                        challenge
                            .set_ready()
                            .await
                            .context("answering the challenge")?;
                    }
                }
            }
            let retry = RetryPolicy::new().timeout(Duration::from_secs(90));
            let status = order
                .poll_ready(&retry)
                .await
                .context("waiting for validation")?;
            if status != OrderStatus::Ready {
                let why = order
                    .state()
                    .error
                    .as_ref()
                    .and_then(|p| p.detail.clone())
                    .unwrap_or_default();
                bail!("the CA did not validate the names ({status:?}) {why}");
            }
            let key_pem = order.finalize().await.context("finalizing the order")?;
            let chain_pem = order
                .poll_certificate(&retry)
                .await
                .context("downloading the certificate")?;
            Ok((chain_pem, key_pem))
        }
        .await;
        if let Ok(mut c) = self.challenges.write() {
            for t in &tokens {
                c.remove(t);
            }
        }
        for host in &alpn_hosts {
            self.certs.set_alpn_challenge(host, None);
        }
        for record in &txt {
            if let Err(e) = self.publish_challenge(record, dns::Op::Delete).await {
                tracing::warn!(target: "acme", "could not remove {}: {e:#}", record.name);
            }
        }
        let (chain_pem, key_pem) = result?;
        crate::files::create_dir(&site.dir)
            .with_context(|| format!("creating {}", site.dir.display()))?;
        // Key first, then the chain: the reloader only takes a pair that matches.
        tls::write_private(
            &site.key_file().with_extension("pem.new"),
            key_pem.as_bytes(),
        )?;
        std::fs::rename(site.key_file().with_extension("pem.new"), site.key_file())
            .context("storing the key")?;
        write_atomic(&site.cert_file(), chain_pem.as_bytes())?;
        let _ = std::fs::remove_file(site.placeholder_marker());
        let certs = self.certs.clone();
        let (_, failed) = tokio::task::spawn_blocking(move || certs.reload(false))
            .await
            .context("reloading certificates")?;
        if let Some(f) = failed.into_iter().find(|f| f.site == site.name) {
            return Err(f.error.context("the new certificate does not load"));
        }
        Ok(())
    }
}

impl Acme {
    /// Adds or removes a DNS-01 answer in its zone; an added one is waited for until every
    /// authoritative server of the zone answers it (the CA may ask any of them).
    async fn publish_challenge(&self, record: &dns::Rec, op: dns::Op) -> Result<()> {
        let zone = self
            .dns
            .zone_of(&record.name)
            .ok_or_else(|| anyhow!("no [[dns.zone]] holds {}", record.name))?;
        let key = zone.key().map_err(|e| anyhow!("{e}"))?;
        let change = dns::Change {
            op,
            rec: record.clone(),
            why: "ACME DNS-01".into(),
        };
        dns::wire::update(zone.server, &zone.name, &[change], &key)
            .await
            .map_err(|e| anyhow!("publishing {}: {e}", record.name))?;
        if op == dns::Op::Delete {
            return Ok(());
        }
        let servers = zone
            .waits_for(self.dns.resolver().ok())
            .await
            .map_err(|e| anyhow!("{e}"))?;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
        loop {
            let mut missing = None;
            for server in &servers {
                let found =
                    dns::wire::records(*server, &record.name, hickory_proto::rr::RecordType::TXT)
                        .await
                        .map(|r| r.iter().any(|r| r.value == record.value))
                        .unwrap_or(false);
                if !found {
                    missing = Some(*server);
                    break;
                }
            }
            let Some(server) = missing else {
                return Ok(());
            };
            if tokio::time::Instant::now() >= deadline {
                bail!("{server} did not answer {} within 2 minutes", record.name);
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

/// Writes `data` to a temporary file beside `path` (readable by its owner only, like
/// everything in the ACME store) and renames it over `path`, so a reader sees the old file or
/// the new one, never half of one.
fn write_atomic(path: &Path, data: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    tls::write_private(&tmp, data)?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renewal_is_due_when_a_third_of_the_lifetime_is_left() {
        let (from, to) = (0, 90 * 86_400);
        assert!(!due(from, to, 10 * 86_400, 1.0 / 3.0));
        assert!(!due(from, to, 59 * 86_400, 1.0 / 3.0));
        assert!(due(from, to, 61 * 86_400, 1.0 / 3.0));
        assert!(due(from, to, 91 * 86_400, 1.0 / 3.0), "expired");
    }

    #[test]
    fn a_certificate_missing_a_name_is_replaced() {
        let info = CertInfo {
            issuer: String::new(),
            names: vec!["delinde.nl".into(), "www.delinde.nl".into()],
            not_before: 0,
            not_after: 1,
        };
        let hosts = |h: &[&str]| h.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(covers(
            &info,
            &hosts(&["delinde.nl", "WWW.delinde.nl", "192.0.2.1"])
        ));
        assert!(!covers(
            &info,
            &hosts(&["delinde.nl", "mta-sts.delinde.nl"])
        ));
    }

    #[test]
    fn the_mta_sts_host_is_one_of_the_names_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let any = "127.0.0.1:0".parse().unwrap();
        let mut config = crate::app::demo_config(dir.path(), any, any).unwrap();
        config.sites[0].tls_acme = true;
        assert_eq!(sites(&config)[0].hosts, ["localhost", "127.0.0.1"]);
        config.sites[0].mta_sts = Some(mail::mta_sts::MtaStsConfig {
            mx: vec!["mx.delinde.example".into()],
            ..Default::default()
        });
        let site = &sites(&config)[0];
        assert_eq!(
            site.hosts,
            ["localhost", "127.0.0.1", "mta-sts.delinde.example"]
        );
        // The stand-in certificate covers it from the start.
        ensure_placeholder(site).unwrap();
        let info = cert_info(&site.cert_file()).unwrap();
        assert!(covers(&info, &site.hosts), "{:?}", info.names);
    }

    #[test]
    fn a_wildcard_stands_in_for_the_names_one_label_under_the_domain() {
        let dir = tempfile::tempdir().unwrap();
        let any = "127.0.0.1:0".parse().unwrap();
        let mut config = crate::app::demo_config(dir.path(), any, any).unwrap();
        let site = &mut config.sites[0];
        site.tls_acme = true;
        site.tls_wildcard = true;
        site.hosts = vec![
            "linde.nl".into(),
            "www.linde.nl".into(),
            "a.b.linde.nl".into(),
        ];
        site.mail_domain = None;
        let s = &sites(&config)[0];
        assert_eq!(s.order, ["linde.nl", "*.linde.nl", "a.b.linde.nl"]);
        assert_eq!(s.hosts, ["linde.nl", "www.linde.nl", "a.b.linde.nl"]);
        let info = CertInfo {
            issuer: String::new(),
            names: s.order.clone(),
            not_before: 0,
            not_after: 1,
        };
        assert!(covers(&info, &s.hosts), "*.linde.nl covers www");
        assert!(!name_covers("*.linde.nl", "a.b.linde.nl"), "one label only");
        assert!(!name_covers("*.linde.nl", "linde.nl"));
        assert!(!name_covers("*.linde.nl", ".linde.nl"));
    }

    #[test]
    fn backoff_doubles_up_to_a_day() {
        assert_eq!(backoff(300, 1), 300);
        assert_eq!(backoff(300, 2), 600);
        assert_eq!(backoff(300, 4), 2400);
        assert_eq!(backoff(300, 40), 86_400);
    }

    #[test]
    fn a_stand_in_certificate_is_made_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let site = AcmeSite {
            name: "shop".into(),
            hosts: vec!["shop.example".into()],
            order: vec!["shop.example".into()],
            dir: dir.path().join("shop"),
        };
        ensure_placeholder(&site).unwrap();
        assert!(site.placeholder_marker().exists());
        let info = cert_info(&site.cert_file()).unwrap();
        assert_eq!(info.names, vec!["shop.example".to_string()]);
        assert!(info.not_after > info.not_before);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(site.key_file())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let before = std::fs::read(site.cert_file()).unwrap();
        ensure_placeholder(&site).unwrap();
        assert_eq!(std::fs::read(site.cert_file()).unwrap(), before, "kept");
    }
}
