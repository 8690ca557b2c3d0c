//! The config file (`bolwerk.toml`): one struct per section, every key documented in
//! `docs/config.md`. Values are checked when the file is read, and every problem is reported
//! at once with the file, the key and what is wrong.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
pub use store::DatabaseConfig;

/// The whole config file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Directory for the SQLite database, generated certificates and other state.
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    /// Listeners, limits and timeouts.
    #[serde(default)]
    pub server: ServerConfig,
    /// Log output.
    #[serde(default)]
    pub log: LogConfig,
    /// Where content lives.
    #[serde(default)]
    pub database: DatabaseConfig,
    /// The admin interface.
    #[serde(default)]
    pub admin: AdminConfig,
    /// Attack recognition.
    #[serde(default)]
    pub shield: ShieldConfig,
    /// Prometheus metrics.
    #[serde(default)]
    pub metrics: MetricsConfig,
    /// Certificates from an ACME CA.
    #[serde(default)]
    pub acme: AcmeConfig,
    /// Outgoing mail: the relay, retries, alerts.
    #[serde(default)]
    pub mail: mail::MailConfig,
    /// The guard: log filters for the mail and DNS servers, and the kernel firewall.
    #[serde(default)]
    pub guard: guard::config::GuardConfig,
    /// The agency's DNS server: zones Bolwerk keeps its records in, and the DNSSEC check.
    #[serde(default)]
    pub dns: dns::config::DnsConfig,
    /// Virus scanning of every file that enters from outside (clamd).
    #[serde(default)]
    pub antivirus: av::config::AvConfig,
    /// The hosted websites.
    #[serde(default, rename = "site")]
    pub sites: Vec<SiteConfig>,
}

fn default_data_dir() -> PathBuf {
    PathBuf::from("/var/lib/bolwerk")
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: default_data_dir(),
            server: ServerConfig::default(),
            log: LogConfig::default(),
            database: DatabaseConfig::default(),
            admin: AdminConfig::default(),
            shield: ShieldConfig::default(),
            metrics: MetricsConfig::default(),
            acme: AcmeConfig::default(),
            mail: mail::MailConfig::default(),
            guard: guard::config::GuardConfig::default(),
            dns: dns::config::DnsConfig::default(),
            antivirus: av::config::AvConfig::default(),
            sites: Vec::new(),
        }
    }
}

/// `[server]`: listeners, limits and timeouts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Plain HTTP listener, e.g. `"0.0.0.0:80"`. Omit to not listen on HTTP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http: Option<SocketAddr>,
    /// HTTPS listener, e.g. `"0.0.0.0:443"`. Needs a certificate for every site.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub https: Option<SocketAddr>,
    /// Worker threads; 0 means one per CPU core.
    pub workers: usize,
    /// Open connections at most; further clients wait in the kernel's backlog.
    pub max_connections: usize,
    /// Open connections per client (an IPv4 address or an IPv6 /64) on each listener; more
    /// are closed at once. Trusted proxies are exempt.
    pub max_connections_per_ip: usize,
    /// Seconds a client may take to send the request headers, also the keep-alive idle time
    /// (defends against slowloris).
    pub header_read_timeout_s: u64,
    /// Seconds a TLS handshake may take.
    pub tls_handshake_timeout_s: u64,
    /// Seconds a request may take from headers to response, its body included (408 after).
    pub request_timeout_s: u64,
    /// Seconds a connection (HTTP/1.1 or HTTP/2) may sit with no request in progress before
    /// it is closed; pings do not count as activity.
    pub idle_timeout_s: u64,
    /// Seconds a connection may live at all; then it is asked to close (HTTP/2 GOAWAY) and
    /// closed `shutdown_grace_s` later, so no client can hold a connection for ever.
    pub max_connection_age_s: u64,
    /// Streams one HTTP/2 connection may have open at once.
    pub http2_max_streams: u32,
    /// Largest request body in bytes (413 above).
    pub max_body_bytes: usize,
    /// Largest request head (request line plus headers) in bytes.
    pub max_header_bytes: usize,
    /// Seconds to let requests in flight finish on shutdown.
    pub shutdown_grace_s: u64,
    /// How often, in milliseconds, to look for content changed by another process.
    pub content_poll_ms: u64,
    /// Reverse proxies (addresses or networks) whose `X-Forwarded-For` is believed. From any
    /// other peer the header is ignored, so clients cannot forge their address.
    pub trusted_proxies: Vec<String>,
    /// With HTTPS on, the HTTP listener only redirects to HTTPS (301, same host and path) and
    /// answers ACME HTTP-01 challenges. Turn off only behind a proxy that terminates TLS.
    pub redirect_http: bool,
    /// `max-age` of the `Strict-Transport-Security` header on HTTPS responses, in seconds.
    pub hsts_max_age_s: u64,
    /// Seconds between looks at the sites' certificate files; changed files are served from
    /// the next handshake on (SIGHUP re-reads them at once).
    pub tls_reload_s: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            http: None,
            https: None,
            workers: 0,
            max_connections: 10_000,
            max_connections_per_ip: 256,
            header_read_timeout_s: 10,
            tls_handshake_timeout_s: 10,
            request_timeout_s: 30,
            idle_timeout_s: 60,
            max_connection_age_s: 3600,
            http2_max_streams: 100,
            max_body_bytes: 1 << 20,
            max_header_bytes: 16 << 10,
            shutdown_grace_s: 10,
            content_poll_ms: 500,
            trusted_proxies: Vec::new(),
            redirect_http: true,
            hsts_max_age_s: 31_536_000,
            tls_reload_s: 30,
        }
    }
}

/// `[admin]`: the admin interface and its sessions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdminConfig {
    /// Where the admin interface lives on every site, e.g. `/_admin`. Changing it hides the
    /// entrance from scanners that probe well-known paths.
    pub path: String,
    /// Minutes without a request after which a session ends.
    pub session_idle_timeout_min: u64,
    /// Hours after login after which a session ends, active or not.
    pub session_lifetime_h: u64,
    /// A session is bound to the client's IPv4 network of this prefix length (32 = exact
    /// address); a cookie replayed from another network is refused.
    pub session_network_v4_prefix: u8,
    /// The same for IPv6 (64 = the client's subnet).
    pub session_network_v6_prefix: u8,
    /// Largest upload (image or PDF) in bytes.
    pub max_upload_bytes: usize,
}

impl Default for AdminConfig {
    fn default() -> Self {
        AdminConfig {
            path: "/_admin".into(),
            session_idle_timeout_min: 30,
            session_lifetime_h: 12,
            session_network_v4_prefix: 24,
            session_network_v6_prefix: 64,
            max_upload_bytes: 10 << 20,
        }
    }
}

/// `[shield]`: recognising and blocking attack requests.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShieldConfig {
    /// `block` (refuse attacks), `detect` (log and record them, serve anyway) or `off`.
    pub mode: ShieldMode,
    /// Anomaly score at which a request counts as an attack; one critical rule scores 5.
    pub threshold: u32,
    /// Rule ids to switch off, for false positives on a site (see `bolwerk shield test`).
    pub disabled_rules: Vec<u32>,
    /// Bytes of a request body that are inspected.
    pub max_inspected_body: usize,
    /// Distinct unknown pages (404) within `ban_404_window_s` that get a client banned.
    pub ban_404_threshold: usize,
    /// Seconds over which 404s are counted.
    pub ban_404_window_s: i64,
    /// Blocked attacks within `ban_404_window_s` that get a client banned.
    pub ban_attack_threshold: usize,
    /// Length of the first, second, third... ban of a client in seconds; the last repeats.
    pub ban_durations_s: Vec<i64>,
    /// Addresses and networks that are never inspected or banned (`"192.0.2.0/24"`).
    pub allowlist: Vec<String>,
    /// Page requests per second per client (IPv6: per /64) after the burst is spent.
    pub rate_pages_per_s: u32,
    /// Page requests a client may make at once.
    pub rate_pages_burst: u32,
    /// Stylesheet and media requests per second per client.
    pub rate_static_per_s: u32,
    /// Stylesheet and media requests at once.
    pub rate_static_burst: u32,
    /// Public form posts per minute per client.
    pub rate_forms_per_min: u32,
    /// Admin sign-in attempts per minute per client (on top of the account lockout).
    pub rate_login_per_min: u32,
    /// Refused (429) requests within `ban_404_window_s` that get a flooding client banned.
    pub ban_flood_threshold: u32,
    /// Failed admin sign-ins from one address within ten minutes that get it banned.
    pub ban_login_failures: u32,
    /// Connections held or requests stalled within ten minutes that get a client banned: a
    /// connection closed (idle, or the header or TLS deadline passed) before its first request
    /// completed, or a body that did not arrive within the request timeout.
    pub ban_stalled_threshold: u32,
    /// Lists of notorious attackers' addresses, always refused (plain, Spamhaus DROP,
    /// FireHOL): file paths or `http(s)://` URLs (downloaded into `<data_dir>/blocklists`).
    pub blocklists: Vec<String>,
    /// Seconds between downloads of URL blocklists; a list that fails to download or parse
    /// keeps its last good copy. Files are re-read within 30 s of changing.
    pub blocklist_refresh_s: u64,
    /// What a banned or blocklisted client gets: `page` (403 with a short page) or `close`
    /// (the connection is closed at once, before TLS; clients behind a trusted proxy get the
    /// page with `Connection: close`).
    pub ban_response: BanResponse,
    /// Never ban Googlebot and Bingbot for unknown pages once their address is verified by
    /// forward-confirmed reverse DNS (as the search engines document).
    pub verify_crawlers: bool,
    /// DNS server for the crawler check (`"127.0.0.53:53"`); the system's resolvers when
    /// absent.
    pub crawler_dns: Option<SocketAddr>,
    /// Seconds between taking in bans, the allowlist and rule switches changed elsewhere
    /// (the CLI, the admin of another node).
    pub sync_interval_s: u64,
    /// Clients whose rate budgets and offence counts are remembered at most (about 120 bytes
    /// each); past it, those with nothing on record are forgotten first. Bans are never
    /// forgotten.
    pub max_tracked_clients: usize,
}

/// What a refused (banned, blocklisted) client gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BanResponse {
    /// A 403 with a short page.
    Page,
    /// The connection closed without an answer.
    Close,
}

/// `[metrics]`: Prometheus metrics.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Address for `GET /metrics` (e.g. `127.0.0.1:9464`); off when absent. Not
    /// authenticated: keep it on loopback or a private network.
    pub listen: Option<SocketAddr>,
}

/// `[acme]`: the CA that issues certificates for sites with `tls_acme = true`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AcmeConfig {
    /// The CA's directory URL (RFC 8555).
    pub directory: String,
    /// E-mail address for the account; the CA writes to it about expiring certificates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// PEM root certificate to trust for the CA's own HTTPS (a private or test CA).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// Renew when less than this part of a certificate's lifetime is left.
    pub renew_when_left: f64,
    /// Seconds between expiry checks.
    pub check_interval_s: u64,
    /// Seconds before the first retry after a failure; doubles per failure, up to a day.
    pub retry_s: u64,
    /// How the CA checks that a name is ours: `http-01` (on the HTTP listener, port 80),
    /// `tls-alpn-01` (on the HTTPS listener, port 443; no HTTP needed) or `dns-01` (a TXT
    /// record published through `[[dns.zone]]`; nothing needs to be reachable).
    pub challenge: AcmeChallenge,
}

/// The ACME challenge type Bolwerk answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AcmeChallenge {
    /// A token file under `/.well-known/acme-challenge/` on the HTTP listener.
    #[serde(rename = "http-01")]
    Http01,
    /// A TXT record at `_acme-challenge.<host>`, sent to the zone's DNS server as a signed
    /// update (the site's hosts must be in a `[[dns.zone]]`).
    #[serde(rename = "dns-01")]
    Dns01,
    /// A special certificate shown on the HTTPS listener to clients asking for `acme-tls/1`.
    #[serde(rename = "tls-alpn-01")]
    TlsAlpn01,
}

impl Default for AcmeConfig {
    fn default() -> Self {
        AcmeConfig {
            directory: "https://acme-v02.api.letsencrypt.org/directory".into(),
            contact: None,
            ca_file: None,
            renew_when_left: 1.0 / 3.0,
            check_interval_s: 3600,
            retry_s: 300,
            challenge: AcmeChallenge::Http01,
        }
    }
}

/// What the shield does with an attack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShieldMode {
    /// Refuse with 403.
    Block,
    /// Log and record, but serve.
    Detect,
    /// Do not inspect.
    Off,
}

impl Default for ShieldConfig {
    fn default() -> Self {
        ShieldConfig {
            mode: ShieldMode::Block,
            threshold: shield::DEFAULT_THRESHOLD,
            disabled_rules: Vec::new(),
            max_inspected_body: 64 << 10,
            ban_404_threshold: 10,
            ban_404_window_s: 60,
            ban_attack_threshold: 3,
            ban_durations_s: vec![600, 3600, 86_400, 7 * 86_400],
            allowlist: Vec::new(),
            rate_pages_per_s: 20,
            rate_pages_burst: 100,
            rate_static_per_s: 100,
            rate_static_burst: 400,
            rate_forms_per_min: 10,
            rate_login_per_min: 10,
            ban_flood_threshold: 300,
            ban_login_failures: 10,
            ban_stalled_threshold: 20,
            blocklists: Vec::new(),
            blocklist_refresh_s: 3600,
            ban_response: BanResponse::Page,
            verify_crawlers: true,
            crawler_dns: None,
            sync_interval_s: 10,
            max_tracked_clients: 1_000_000,
        }
    }
}

/// `[log]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `human` (readable, for a terminal) or `json` (one object per line, for log shippers).
    pub format: LogFormat,
    /// Filter in `RUST_LOG` syntax: `info`, `warn`, `info,access=off`.
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            format: LogFormat::Human,
            level: "info".into(),
        }
    }
}

/// Log line format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Readable lines.
    Human,
    /// One JSON object per line.
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "human" => Ok(LogFormat::Human),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("unknown log format {other:?}: use human or json")),
        }
    }
}

/// `[[site]]`: one hosted website.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// Short unique name (`bakkerij-jansen`): letters, digits and `-`.
    pub name: String,
    /// Title used when the site is first created; afterwards it is edited as content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Host names this site answers for (`example.nl`, `www.example.nl`). Requests for any
    /// other host get 421, never another site's content.
    pub hosts: Vec<String>,
    /// PEM certificate chain for HTTPS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_cert_file: Option<PathBuf>,
    /// PEM private key for HTTPS (PKCS#8, PKCS#1 or SEC1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_key_file: Option<PathBuf>,
    /// Get and renew the certificate from the ACME CA of `[acme]` (instead of files).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tls_acme: bool,
    /// Ask the ACME CA for `*.<domain>` (the site's domain, its first host without `www.`)
    /// instead of each name under it: needs `acme.challenge = "dns-01"`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tls_wildcard: bool,
    /// HSTS for every subdomain of the site's hosts too (`includeSubDomains`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hsts_include_subdomains: bool,
    /// Ask browsers to ship the site's hosts as HTTPS-only (`preload`; needs
    /// `hsts_include_subdomains` and a `max-age` of a year or more).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hsts_preload: bool,
    /// Domain the site's mail is sent for (`From:` and DKIM `d=`); the first host name
    /// without `www.` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail_domain: Option<String>,
    /// Part before the @ of the site's `From:` address.
    #[serde(
        default = "default_mail_from",
        skip_serializing_if = "is_default_mail_from"
    )]
    pub mail_from: String,
    /// Contact forms (`[[site.form]]`).
    #[serde(default, rename = "form", skip_serializing_if = "Vec::is_empty")]
    pub forms: Vec<cms::form::FormSpec>,
    /// The site's security.txt (`[site.security_txt]`); without it, one naming the
    /// `mail.alerts_to` addresses (none when those are empty too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_txt: Option<cms::security_txt::SecurityTxtConfig>,
    /// The MTA-STS policy of the site's mail domain (`[site.mta_sts]`), served on
    /// `mta-sts.<mail domain>`, which the site's certificate then covers too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mta_sts: Option<mail::mta_sts::MtaStsConfig>,
    /// The site's own robots.txt, instead of the default that allows everything; a
    /// `Sitemap:` line for the host asked is added when it has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub robots: Option<String>,
}

fn default_mail_from() -> String {
    "noreply".into()
}

fn is_default_mail_from(s: &String) -> bool {
    s == "noreply"
}

impl Config {
    /// The sites that send mail, each with its mail domain: those with contact forms, and
    /// the one security alerts come from when `mail.alerts_to` is set (the first of those,
    /// or else the first site with a mail domain).
    pub fn mail_sites(&self) -> Vec<(&SiteConfig, String)> {
        let mut out: Vec<(&SiteConfig, String)> = self
            .sites
            .iter()
            .filter(|s| !s.forms.is_empty())
            .filter_map(|s| Some((s, s.mail_domain()?)))
            .collect();
        if out.is_empty()
            && !self.mail.alerts_to.is_empty()
            && let Some(s) = self.sites.iter().find_map(|s| Some((s, s.mail_domain()?)))
        {
            out.push(s);
        }
        out
    }
}

impl SiteConfig {
    /// The domain the site's mail is sent for: `mail_domain`, or the first host name that is
    /// a domain, without `www.`.
    pub fn mail_domain(&self) -> Option<String> {
        if let Some(d) = &self.mail_domain {
            return Some(d.to_ascii_lowercase());
        }
        self.hosts
            .iter()
            .map(|h| h.strip_prefix("www.").unwrap_or(h).to_ascii_lowercase())
            .find(|h| mail::message::valid_domain(h) && h.parse::<std::net::IpAddr>().is_err())
    }

    /// `mta-sts.<mail domain>` when the site has an MTA-STS policy: the host it is served on.
    pub fn mta_sts_host(&self) -> Option<String> {
        self.mta_sts.as_ref()?;
        Some(mail::mta_sts::policy_host(&self.mail_domain()?))
    }

    /// The names to ask the ACME CA for: [`SiteConfig::tls_names`], or with `tls_wildcard`
    /// the domain and `*.<domain>` in place of the names one label under it.
    pub fn acme_names(&self) -> Vec<String> {
        let names = self.tls_names();
        let Some(domain) = self.mail_domain().filter(|_| self.tls_wildcard) else {
            return names;
        };
        let suffix = format!(".{domain}");
        let mut out = vec![domain.clone(), format!("*.{domain}")];
        for n in names {
            let under_one = n
                .strip_suffix(&suffix)
                .is_some_and(|label| !label.is_empty() && !label.contains('.'));
            if n != domain && !under_one && !out.contains(&n) {
                out.push(n);
            }
        }
        out
    }

    /// Every name the site's certificate must cover (SNI, ACME): its hosts, and the MTA-STS
    /// host, which senders only fetch over HTTPS with a valid certificate (RFC 8461 §3.3).
    pub fn tls_names(&self) -> Vec<String> {
        let mut names = self.hosts.clone();
        if let Some(h) = self.mta_sts_host().filter(|h| !names.contains(h)) {
            names.push(h);
        }
        names
    }
}

/// A config file that cannot be used, with every problem found.
#[derive(Debug)]
pub struct ConfigError {
    /// The file.
    pub file: PathBuf,
    /// One entry per problem: key path and message.
    pub problems: Vec<(String, String)>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "config file {} is invalid:", self.file.display())?;
        for (key, msg) in &self.problems {
            if key.is_empty() {
                write!(f, "\n  - {msg}")?;
            } else {
                write!(f, "\n  - {key}: {msg}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads and checks a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        Self::load_over(None, path)
    }

    /// Reads a config file whose keys override `base` (how `demo --config` works): tables merge
    /// key by key, everything else (including the `[[site]]` list) is replaced.
    pub fn load_over(base: Option<&Config>, path: &Path) -> Result<Config, ConfigError> {
        let fail = |key: &str, msg: String| ConfigError {
            file: path.to_path_buf(),
            problems: vec![(key.to_string(), msg)],
        };
        let text =
            std::fs::read_to_string(path).map_err(|e| fail("", format!("cannot read: {e}")))?;
        Self::from_text(base, path, &text)
    }

    /// Reads a config from `text` (as if read from `path`, which problems name) over `base`.
    pub fn from_text(
        base: Option<&Config>,
        path: &Path,
        text: &str,
    ) -> Result<Config, ConfigError> {
        let fail = |key: &str, msg: String| ConfigError {
            file: path.to_path_buf(),
            problems: vec![(key.to_string(), msg)],
        };
        let mut value: toml::Table =
            toml::from_str(text).map_err(|e| fail("", syntax_message(&e)))?;
        if let Some(base) = base {
            let mut merged = toml::Table::try_from(base).map_err(|e| fail("", e.to_string()))?;
            merge(&mut merged, value);
            value = merged;
        }
        let config: Config =
            serde_path_to_error::deserialize(toml::Value::Table(value)).map_err(|e| {
                let key = e.path().to_string();
                let key = if key == "." { String::new() } else { key };
                // toml appends "in `key`" on a second line; the key is already in front.
                let msg = e.into_inner().to_string();
                fail(&key, msg.lines().next().unwrap_or("").trim().to_string())
            })?;
        config.validate(path)?;
        Ok(config)
    }

    /// Checks what types alone cannot: names, hosts, certificate pairs, duplicates.
    pub fn validate(&self, file: &Path) -> Result<(), ConfigError> {
        let mut problems = Vec::new();
        let mut seen_names = std::collections::HashSet::new();
        let mut seen_hosts = std::collections::HashMap::new();
        if self.server.http.is_none() && self.server.https.is_none() {
            problems.push((
                "server".into(),
                "set server.http and/or server.https: nothing to listen on".into(),
            ));
        }
        if self.server.max_connections_per_ip == 0 {
            problems.push((
                "server.max_connections_per_ip".into(),
                "must be at least 1".into(),
            ));
        }
        if self.server.max_connections == 0 {
            problems.push(("server.max_connections".into(), "must be at least 1".into()));
        }
        if self.server.max_header_bytes < 8192 {
            problems.push((
                "server.max_header_bytes".into(),
                "must be at least 8192".into(),
            ));
        }
        for (key, v) in [
            (
                "server.header_read_timeout_s",
                self.server.header_read_timeout_s,
            ),
            (
                "server.tls_handshake_timeout_s",
                self.server.tls_handshake_timeout_s,
            ),
            ("server.request_timeout_s", self.server.request_timeout_s),
            ("server.idle_timeout_s", self.server.idle_timeout_s),
            (
                "server.max_connection_age_s",
                self.server.max_connection_age_s,
            ),
            (
                "server.http2_max_streams",
                u64::from(self.server.http2_max_streams),
            ),
            ("server.content_poll_ms", self.server.content_poll_ms),
        ] {
            if v == 0 {
                problems.push((key.into(), "must be greater than 0".into()));
            } else if v > 86_400 * 30 && key.ends_with("_s") {
                problems.push((key.into(), "must be at most 30 days".into()));
            }
        }
        let admin = &self.admin;
        let path_ok = admin.path.len() > 1
            && admin.path.len() <= 64
            && admin.path.starts_with('/')
            && !admin.path.ends_with('/')
            && !admin.path.contains("//")
            && admin.path[1..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_/".contains(c))
            && !admin.path.starts_with("/assets");
        if !path_ok {
            problems.push((
                "admin.path".into(),
                format!(
                    "{:?}: use a path like \"/_admin\" (letters, digits, - _ /; not / or /assets)",
                    admin.path
                ),
            ));
        }
        if admin.session_idle_timeout_min == 0 || admin.session_lifetime_h == 0 {
            problems.push((
                "admin".into(),
                "session timeouts must be greater than 0".into(),
            ));
        }
        if admin.session_network_v4_prefix > 32 {
            problems.push((
                "admin.session_network_v4_prefix".into(),
                "at most 32".into(),
            ));
        }
        if admin.session_network_v6_prefix > 128 {
            problems.push((
                "admin.session_network_v6_prefix".into(),
                "at most 128".into(),
            ));
        }
        if self.shield.threshold == 0 {
            problems.push((
                "shield.threshold".into(),
                "must be at least 1 (5 = one critical rule)".into(),
            ));
        }
        for (i, entry) in self.server.trusted_proxies.iter().enumerate() {
            if shield::net::Cidr::parse(entry).is_none() {
                problems.push((
                    format!("server.trusted_proxies[{i}]"),
                    format!("{entry:?} is not an IP address or network"),
                ));
            }
        }
        for (i, entry) in self.shield.blocklists.iter().enumerate() {
            let key = format!("shield.blocklists[{i}]");
            match crate::blocklists::Source::parse(entry) {
                crate::blocklists::Source::Url(url) => {
                    if let Err(e) = crate::blocklists::check_url(&url) {
                        problems.push((key, format!("{e:#}")));
                    }
                }
                crate::blocklists::Source::File(file) => match std::fs::read_to_string(&file) {
                    Err(e) => problems.push((key, format!("{}: {e}", file.display()))),
                    Ok(text) => {
                        if let Err(e) = shield::blocklist::Blocklist::parse(&text) {
                            problems.push((key, format!("{}: {e}", file.display())));
                        }
                    }
                },
            }
        }
        if self.shield.sync_interval_s == 0 {
            problems.push((
                "shield.sync_interval_s".into(),
                "must be greater than 0".into(),
            ));
        }
        if !(1000..=100_000_000).contains(&self.shield.max_tracked_clients) {
            problems.push((
                "shield.max_tracked_clients".into(),
                "must be between 1000 and 100000000".into(),
            ));
        }
        if self.shield.blocklist_refresh_s == 0 {
            problems.push((
                "shield.blocklist_refresh_s".into(),
                "must be greater than 0".into(),
            ));
        }
        for (i, entry) in self.shield.allowlist.iter().enumerate() {
            if shield::net::Cidr::parse(entry).is_none() {
                problems.push((
                    format!("shield.allowlist[{i}]"),
                    format!("{entry:?} is not an IP address or network"),
                ));
            }
        }
        if self.shield.ban_durations_s.is_empty()
            || self.shield.ban_durations_s.iter().any(|d| *d <= 0)
        {
            problems.push((
                "shield.ban_durations_s".into(),
                "list one or more positive durations".into(),
            ));
        }
        let rates = [
            self.shield.rate_pages_per_s,
            self.shield.rate_pages_burst,
            self.shield.rate_static_per_s,
            self.shield.rate_static_burst,
            self.shield.rate_forms_per_min,
            self.shield.rate_login_per_min,
            self.shield.ban_flood_threshold,
            self.shield.ban_login_failures,
            self.shield.ban_stalled_threshold,
        ];
        if rates.contains(&0) {
            problems.push((
                "shield".into(),
                "rates, bursts and the flood threshold must be greater than 0".into(),
            ));
        }
        if self.shield.ban_404_window_s <= 0
            || self.shield.ban_404_threshold == 0
            || self.shield.ban_attack_threshold == 0
        {
            problems.push((
                "shield".into(),
                "ban thresholds and window must be greater than 0".into(),
            ));
        }
        for id in &self.shield.disabled_rules {
            if !shield::rules::exists(*id) {
                problems.push((
                    "shield.disabled_rules".into(),
                    format!("{id} is not a rule id"),
                ));
            }
        }
        if let Err(e) = self.log.level.parse::<tracing_level::Filter>() {
            problems.push(("log.level".into(), e));
        }
        if self.sites.is_empty() {
            problems.push((
                "site".into(),
                "add at least one [[site]] with a name and hosts".into(),
            ));
        }
        for (i, site) in self.sites.iter().enumerate() {
            let at = |k: &str| format!("site[{i}].{k}");
            let name_ok = !site.name.is_empty()
                && site.name.len() <= 64
                && site
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !name_ok {
                problems.push((
                    at("name"),
                    format!("{:?}: use 1-64 letters, digits, - or _", site.name),
                ));
            }
            if !seen_names.insert(site.name.clone()) {
                problems.push((at("name"), format!("{:?} is used by two sites", site.name)));
            }
            if site.hosts.is_empty() {
                problems.push((at("hosts"), "list at least one host name".into()));
            }
            if let Some(d) = &site.mail_domain
                && !mail::message::valid_domain(d)
            {
                problems.push((at("mail_domain"), format!("{d:?} is not a domain name")));
            }
            if let Err(e) = mail::message::check_address(
                "mail_from",
                &format!("{}@example.org", site.mail_from),
            ) {
                problems.push((at("mail_from"), e.to_string()));
            }
            if !site.forms.is_empty() && site.mail_domain().is_none() {
                problems.push((
                    at("mail_domain"),
                    "the site has forms but no host name is a mail domain: set mail_domain".into(),
                ));
            }
            if let Some(txt) = &site.security_txt {
                problems.extend(txt.problems(&at("security_txt")));
                if txt.contact.is_empty() && self.mail.alerts_to.is_empty() {
                    problems.push((
                        at("security_txt.contact"),
                        "list where to report vulnerabilities (mailto: or https:), or set mail.alerts_to"
                            .into(),
                    ));
                }
            }
            if let Some(robots) = &site.robots {
                for problem in cms::robots::problems(robots) {
                    problems.push((at("robots"), problem));
                }
            }
            if let Some(sts) = &site.mta_sts {
                problems.extend(sts.problems(&at("mta_sts")));
                match site.mta_sts_host() {
                    None => problems.push((
                        at("mta_sts"),
                        "the site has no mail domain to serve a policy for: set mail_domain".into(),
                    )),
                    Some(h) if site.hosts.contains(&h) => problems.push((
                        at("hosts"),
                        format!("{h} is where the MTA-STS policy is served, not pages: remove it from hosts"),
                    )),
                    Some(h) => {
                        if let Some(other) = seen_hosts.insert(h.clone(), i) {
                            problems.push((
                                at("mta_sts"),
                                format!("its host {h} is also a host of site[{other}]"),
                            ));
                        }
                    }
                }
            }
            let mut form_names = std::collections::HashSet::new();
            let mut form_paths = std::collections::HashSet::new();
            for (j, form) in site.forms.iter().enumerate() {
                problems.extend(form.problems(&at(&format!("form[{j}]"))));
                if !form_names.insert(form.name.as_str()) {
                    problems.push((
                        at(&format!("form[{j}].name")),
                        format!("{:?} is used twice", form.name),
                    ));
                }
                if !form_paths.insert(form.path.as_str()) {
                    problems.push((
                        at(&format!("form[{j}].path")),
                        format!("{:?} is used twice", form.path),
                    ));
                }
                if form.path.starts_with(&self.admin.path) {
                    problems.push((
                        at(&format!("form[{j}].path")),
                        "is inside the admin path".into(),
                    ));
                }
            }
            if site.tls_acme
                && !(self.acme.renew_when_left > 0.0 && self.acme.renew_when_left < 1.0)
            {
                problems.push((
                    "acme.renew_when_left".into(),
                    "must be between 0 and 1 (0.3333: renew with a third of the lifetime left)"
                        .into(),
                ));
            }
            if site.tls_acme {
                if site.tls_cert_file.is_some() || site.tls_key_file.is_some() {
                    problems.push((
                        at("tls_acme"),
                        "either tls_acme or tls_cert_file/tls_key_file, not both".into(),
                    ));
                }
                if self.server.https.is_none()
                    || (self.acme.challenge == AcmeChallenge::Http01 && self.server.http.is_none())
                {
                    problems.push((
                        at("tls_acme"),
                        "needs server.https, and server.http for the CA's HTTP-01 check (or acme.challenge = \"tls-alpn-01\")".into(),
                    ));
                }
                if site.tls_wildcard && self.acme.challenge != AcmeChallenge::Dns01 {
                    problems.push((
                        at("tls_wildcard"),
                        "a wildcard certificate needs acme.challenge = \"dns-01\" (CAs prove wildcards only through DNS)".into(),
                    ));
                }
                if self.acme.challenge == AcmeChallenge::Dns01 {
                    for h in site.tls_names() {
                        if h.parse::<std::net::IpAddr>().is_err() && self.dns.zone_of(&h).is_none()
                        {
                            problems.push((
                                at("tls_acme"),
                                format!("acme.challenge = \"dns-01\" needs a [[dns.zone]] that holds {h}"),
                            ));
                        }
                    }
                }
                if self
                    .acme
                    .contact
                    .as_deref()
                    .is_none_or(|c| !c.contains('@'))
                {
                    problems.push((
                        "acme.contact".into(),
                        "set an e-mail address for the ACME account".into(),
                    ));
                }
            }
            if site.hsts_preload
                && (!site.hsts_include_subdomains || self.server.hsts_max_age_s < 31_536_000)
            {
                problems.push((
                    at("hsts_preload"),
                    "preload needs hsts_include_subdomains = true and server.hsts_max_age_s of at least 31536000".into(),
                ));
            }
            for host in &site.hosts {
                match normalize_host(host) {
                    Some(h) if h == *host => {
                        if let Some(other) = seen_hosts.insert(h.clone(), i) {
                            problems.push((
                                at("hosts"),
                                format!("{host} is also a host of site[{other}]"),
                            ));
                        }
                    }
                    Some(h) => problems.push((
                        at("hosts"),
                        format!("write {host:?} as {h:?} (lower case, no port)"),
                    )),
                    None => problems.push((
                        at("hosts"),
                        format!("{host:?} is not a host name or IP address"),
                    )),
                }
            }
            match (&site.tls_cert_file, &site.tls_key_file) {
                (Some(_), None) => problems.push((
                    at("tls_key_file"),
                    "tls_cert_file needs tls_key_file".into(),
                )),
                (None, Some(_)) => problems.push((
                    at("tls_cert_file"),
                    "tls_key_file needs tls_cert_file".into(),
                )),
                (None, None) if self.server.https.is_some() && !site.tls_acme => problems.push((
                    at("tls_cert_file"),
                    "server.https is set, so every site needs tls_cert_file and tls_key_file, or tls_acme = true"
                        .into(),
                )),
                _ => {}
            }
            for (k, f) in [
                ("tls_cert_file", &site.tls_cert_file),
                ("tls_key_file", &site.tls_key_file),
            ] {
                if let Some(f) = f.as_ref().filter(|f| !f.is_file()) {
                    problems.push((
                        at(k),
                        format!("{} does not exist or is not a file", f.display()),
                    ));
                }
            }
        }
        if let DatabaseConfig::MySql {
            reader_url_file,
            recorder_url_file,
            editor_url_file,
            admin_url_file,
        } = &self.database
        {
            let files = [
                ("database.reader_url_file", Some(reader_url_file)),
                ("database.recorder_url_file", Some(recorder_url_file)),
                ("database.editor_url_file", Some(editor_url_file)),
                ("database.admin_url_file", admin_url_file.as_ref()),
            ];
            for (k, f) in files {
                if let Some(f) = f.filter(|f| !f.is_file()) {
                    problems.push((
                        k.into(),
                        format!("{} does not exist or is not a file", f.display()),
                    ));
                }
            }
        }
        problems.extend(self.mail.problems());
        problems.extend(self.guard.problems());
        problems.extend(self.dns.problems());
        problems.extend(
            self.antivirus
                .problems(u64::try_from(self.admin.max_upload_bytes).unwrap_or(u64::MAX)),
        );
        if let Some(f) = self.mail.password_file.as_ref().filter(|f| !f.is_file()) {
            problems.push((
                "mail.password_file".into(),
                format!("{} does not exist or is not a file", f.display()),
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError {
                file: file.to_path_buf(),
                problems,
            })
        }
    }
}

/// A TOML syntax error without the multi-line source excerpt, which repeats the file back.
fn syntax_message(e: &toml::de::Error) -> String {
    let msg = e.message().trim();
    match e.span() {
        Some(_) => format!(
            "{} ({})",
            msg,
            e.to_string().lines().next().unwrap_or("").trim()
        ),
        None => msg.to_string(),
    }
}

fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// Lower-cases a host, strips a trailing dot and IPv6 brackets; `None` if it is not a DNS name
/// or IP literal. Used for config and for the `Host` of every request.
pub fn normalize_host(host: &str) -> Option<String> {
    let h = host.trim_end_matches('.');
    let h = h
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .unwrap_or(h);
    if h.parse::<std::net::IpAddr>().is_ok() {
        return Some(h.to_ascii_lowercase());
    }
    let ok = !h.is_empty()
        && h.len() <= 253
        && h.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        });
    ok.then(|| h.to_ascii_lowercase())
}

/// Checks a log filter without installing it.
mod tracing_level {
    pub struct Filter;
    impl std::str::FromStr for Filter {
        type Err = String;
        fn from_str(s: &str) -> Result<Self, String> {
            const LEVELS: [&str; 6] = ["trace", "debug", "info", "warn", "error", "off"];
            for directive in s.split(',').map(str::trim).filter(|d| !d.is_empty()) {
                let level = directive.rsplit('=').next().unwrap_or(directive);
                if !LEVELS.contains(&level.to_ascii_lowercase().as_str()) {
                    return Err(format!(
                        "{directive:?}: level must be one of {}",
                        LEVELS.join(", ")
                    ));
                }
            }
            Ok(Filter)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(normalize_host("Example.NL.").as_deref(), Some("example.nl"));
        assert_eq!(normalize_host("[::1]").as_deref(), Some("::1"));
        assert_eq!(normalize_host("127.0.0.1").as_deref(), Some("127.0.0.1"));
        assert_eq!(normalize_host("a b"), None);
        assert_eq!(normalize_host("-x.nl"), None);
        assert_eq!(normalize_host(""), None);
    }

    #[test]
    fn a_robots_override_is_checked() {
        let config = |robots: &str| {
            let text = format!(
                "[server]\nhttp = \"127.0.0.1:80\"\n[[site]]\nname = \"a\"\nhosts = [\"a.example\"]\nrobots = {robots}\n"
            );
            Config::from_text(None, Path::new("t.toml"), &text)
        };
        let ok = config("\"\"\"\nUser-agent: *\nDisallow: /x\n\"\"\"").unwrap();
        assert_eq!(
            ok.sites[0].robots.as_deref(),
            Some("User-agent: *\nDisallow: /x\n")
        );
        let err = config("\"<html>robots</html>\"").unwrap_err();
        assert_eq!(err.problems.len(), 1, "{err}");
        assert_eq!(err.problems[0].0, "site[0].robots");
        assert!(err.problems[0].1.contains("line 1"), "{err}");
    }
}
