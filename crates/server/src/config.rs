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
    /// Language of the admin interface for accounts that chose none and browsers that ask
    /// for neither Dutch nor English: `nl` or `en`.
    pub lang: String,
    /// Time zone the admin shows times in (IANA name).
    pub timezone: String,
}

impl AdminConfig {
    /// The default admin language (checked when the config is loaded).
    pub fn lang(&self) -> i18n::Lang {
        i18n::Lang::parse(&self.lang).unwrap_or_default()
    }

    /// The admin's time zone (checked when the config is loaded; UTC if it somehow is not).
    pub fn time_zone(&self) -> i18n::TimeZone {
        i18n::format::zone(&self.timezone).unwrap_or(i18n::TimeZone::UTC)
    }
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
            lang: "nl".into(),
            timezone: DEFAULT_TIMEZONE.into(),
        }
    }
}

/// Where the agency's customers are.
pub const DEFAULT_TIMEZONE: &str = "Europe/Amsterdam";

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
    /// The language of the site's pages (`nl` or `en`; a page may say otherwise): the
    /// `lang` screen readers and search engines go by, and the words of the theme and forms.
    #[serde(
        default = "default_site_lang",
        skip_serializing_if = "is_default_site_lang"
    )]
    pub lang: String,
    /// Time zone of the dates on the site and of the times editors schedule for it.
    #[serde(
        default = "default_timezone",
        skip_serializing_if = "is_default_timezone"
    )]
    pub timezone: String,
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

fn default_site_lang() -> String {
    "nl".into()
}

fn is_default_site_lang(lang: &String) -> bool {
    lang == "nl"
}

fn default_timezone() -> String {
    DEFAULT_TIMEZONE.into()
}

fn is_default_timezone(tz: &String) -> bool {
    tz == DEFAULT_TIMEZONE
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

/// Reading and checking the file: `Config::load`, `Config::problems` and their helpers.
mod load;
mod site;
pub use load::{ConfigError, normalize_host};

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
