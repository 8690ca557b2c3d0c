//! SMTP delivery through the configured relay (STARTTLS, implicit TLS, or plain on loopback),
//! with authentication. A failure says whether trying again can help.

use std::path::PathBuf;
use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::{Deserialize, Serialize};

use crate::Error;

/// `[mail]`: how Bolwerk sends mail.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    /// The SMTP relay, `host:port` (`smtp.example.nl:587`). Without it (and without `direct`)
    /// mail is queued but not sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relay: Option<String>,
    /// Deliver straight to each recipient domain's mail servers (MX) instead of a relay, with
    /// STARTTLS whenever the server offers it. Needs outgoing port 25 and an address with a
    /// good reputation; a relay is the safer choice for most.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub direct: bool,
    /// Port of the recipients' mail servers when delivering directly.
    pub direct_port: u16,
    /// Let direct delivery connect to loopback, private and link-local addresses (an MX record
    /// pointing there is otherwise skipped, so DNS cannot aim the server at its own network).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub direct_allow_private: bool,
    /// Whether this node delivers the queue. With several nodes sharing one database, let
    /// one node deliver (`true`) and the others only queue (`false`), or give all of them
    /// the same `<data_dir>/dkim`: each delivering node signs with its own copy of the keys.
    pub deliver: bool,
    /// `starttls` (port 587), `implicit` (TLS from the first byte, port 465) or `none`
    /// (only for a relay on this machine, `127.0.0.1`/`::1`/`localhost`).
    pub tls: TlsMode,
    /// User name for SMTP authentication (with `password_file`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// File holding the SMTP password (first line), kept out of the config file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_file: Option<PathBuf>,
    /// PEM root certificate to trust for the relay (a private CA); the public roots otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// Name Bolwerk greets the relay with (`EHLO`); the machine's host name when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub helo_name: Option<String>,
    /// Seconds before the first retry of a failed delivery; doubles per attempt, up to six
    /// hours.
    pub retry_s: u64,
    /// Attempts after which a message is given up (dead letter, shown in the admin).
    pub max_attempts: u32,
    /// Seconds an SMTP conversation may take.
    pub timeout_s: u64,
    /// Where security alerts go (failed certificate renewals, dead letters); none when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alerts_to: Vec<String>,
    /// Address for DMARC aggregate reports (`rua=`); `dmarc-reports@<domain>` when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dmarc_rua: Option<String>,
    /// DNS server for the record checks (`"127.0.0.53:53"`); the system's when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns: Option<std::net::SocketAddr>,
    /// The mailbox DMARC reports are sent to (`rua=`), polled and imported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dmarc_imap: Option<ImapConfig>,
}

/// `[mail.dmarc_imap]`: where to fetch DMARC reports from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImapConfig {
    /// `host:port` of the IMAP server (`imap.example.nl:993`).
    pub server: String,
    /// `implicit` (TLS from the first byte, port 993) or `none` (only for a server on this
    /// machine).
    #[serde(default = "default_imap_tls")]
    pub tls: ImapTls,
    /// Account name.
    pub username: String,
    /// File holding the password (first line).
    pub password_file: PathBuf,
    /// Folder to read; reports not yet seen there are imported and then marked seen.
    #[serde(default = "default_mailbox")]
    pub mailbox: String,
    /// Seconds between looks.
    #[serde(default = "default_imap_poll")]
    pub poll_s: u64,
    /// PEM root certificate to trust for the server (a private CA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
}

/// How the IMAP connection is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImapTls {
    /// IMAPS.
    Implicit,
    /// Plain, only to this machine.
    None,
}

fn default_imap_tls() -> ImapTls {
    ImapTls::Implicit
}
fn default_mailbox() -> String {
    "INBOX".into()
}
fn default_imap_poll() -> u64 {
    900
}

impl ImapConfig {
    /// Host and port.
    pub fn host_port(&self) -> Result<(String, u16), Error> {
        split_host_port(&self.server)
    }
}

impl MailConfig {
    /// Where DMARC reports for `domain` should go.
    pub fn rua_for(&self, domain: &str) -> String {
        self.dmarc_rua
            .clone()
            .unwrap_or_else(|| format!("dmarc-reports@{domain}"))
    }
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            relay: None,
            direct: false,
            direct_port: 25,
            direct_allow_private: false,
            deliver: true,
            tls: TlsMode::Starttls,
            username: None,
            password_file: None,
            ca_file: None,
            helo_name: None,
            retry_s: 60,
            max_attempts: 12,
            timeout_s: 60,
            alerts_to: Vec::new(),
            dmarc_rua: None,
            dns: None,
            dmarc_imap: None,
        }
    }
}

/// How the connection to the relay is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Plain connection upgraded with STARTTLS, which must succeed.
    Starttls,
    /// TLS from the first byte (SMTPS).
    Implicit,
    /// No TLS: only for a relay on this machine.
    None,
}

impl MailConfig {
    /// Problems with the section, as (key, message) pairs.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(relay) = &self.relay {
            match split_host_port(relay) {
                Ok((host, _)) => {
                    if self.tls == TlsMode::None && !is_loopback(&host) {
                        out.push((
                            "mail.tls".into(),
                            format!(
                                "\"none\" is only allowed for a relay on this machine, not {host}: use starttls or implicit"
                            ),
                        ));
                    }
                }
                Err(e) => out.push(("mail.relay".into(), e.to_string())),
            }
        }
        if self.direct && self.relay.is_some() {
            out.push((
                "mail.direct".into(),
                "set either relay or direct = true, not both".into(),
            ));
        }
        if self.username.is_some() != self.password_file.is_some() {
            out.push((
                "mail.username".into(),
                "set both username and password_file, or neither".into(),
            ));
        }
        if self.max_attempts == 0 {
            out.push(("mail.max_attempts".into(), "must be at least 1".into()));
        }
        if self.timeout_s > 120 {
            out.push((
                "mail.timeout_s".into(),
                "at most 120 (an attempt must end well within the ten minutes another node waits before taking it over)".into(),
            ));
        }
        if self.retry_s == 0 || self.timeout_s == 0 {
            out.push((
                "mail.retry_s".into(),
                "retry_s and timeout_s must be greater than 0".into(),
            ));
        }
        if let Some(a) = &self.dmarc_rua
            && let Err(e) = crate::message::check_address("mail.dmarc_rua", a)
        {
            out.push(("mail.dmarc_rua".into(), e.to_string()));
        }
        if let Some(imap) = &self.dmarc_imap {
            match imap.host_port() {
                Ok((host, _)) if imap.tls == ImapTls::None && !is_loopback(&host) => out.push((
                    "mail.dmarc_imap.tls".into(),
                    format!("\"none\" is only allowed for a server on this machine, not {host}: use implicit"),
                )),
                Ok(_) => {}
                Err(e) => out.push(("mail.dmarc_imap.server".into(), e.to_string())),
            }
            if imap.poll_s < 10 {
                out.push((
                    "mail.dmarc_imap.poll_s".into(),
                    "must be at least 10".into(),
                ));
            }
            if !imap.password_file.is_file() {
                out.push((
                    "mail.dmarc_imap.password_file".into(),
                    format!(
                        "{} does not exist or is not a file",
                        imap.password_file.display()
                    ),
                ));
            }
        }
        for a in &self.alerts_to {
            if let Err(e) = crate::message::check_address("mail.alerts_to", a) {
                out.push(("mail.alerts_to".into(), e.to_string()));
            }
        }
        out
    }

    /// Seconds to wait after failed attempt number `attempt` (1-based): `retry_s`, doubling,
    /// at most six hours.
    pub fn backoff_s(&self, attempt: u32) -> u64 {
        let shift = attempt.saturating_sub(1).min(20);
        self.retry_s.saturating_mul(1 << shift).min(6 * 3600)
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn split_host_port(relay: &str) -> Result<(String, u16), Error> {
    let bad = || {
        Error::Config(format!(
            "{relay:?}: write the relay as host:port, e.g. \"smtp.example.nl:587\""
        ))
    };
    let (host, port) = relay.rsplit_once(':').ok_or_else(bad)?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port: u16 = port.parse().map_err(|_| bad())?;
    if host.is_empty() || port == 0 {
        return Err(bad());
    }
    Ok((host.to_string(), port))
}

/// What happened to one delivery attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The relay took the message; its answer.
    Sent(String),
    /// Not delivered; trying later may help (relay down, 4xx answer, timeout).
    Retry(String),
    /// Not delivered and never will be as it is (5xx answer: unknown recipient, refused).
    Permanent(String),
}

/// Sends built messages through the relay.
pub struct Relay {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    label: String,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Relay({})", self.label)
    }
}

impl Relay {
    /// The relay of `config`, or `None` when none is configured.
    pub fn from_config(config: &MailConfig) -> Result<Option<Relay>, Error> {
        let Some(relay) = &config.relay else {
            return Ok(None);
        };
        let (host, port) = split_host_port(relay)?;
        let tls = || -> Result<TlsParameters, Error> {
            let mut b = TlsParameters::builder(host.clone());
            if let Some(ca) = &config.ca_file {
                let pem = std::fs::read(ca)
                    .map_err(|e| Error::Config(format!("mail.ca_file {}: {e}", ca.display())))?;
                let cert = Certificate::from_pem(&pem)
                    .map_err(|e| Error::Config(format!("mail.ca_file {}: {e}", ca.display())))?;
                b = b.add_root_certificate(cert);
            }
            b.build_rustls()
                .map_err(|e| Error::Config(format!("TLS for the relay: {e}")))
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
            .port(port)
            .timeout(Some(Duration::from_secs(config.timeout_s)))
            .tls(match config.tls {
                TlsMode::Starttls => Tls::Required(tls()?),
                TlsMode::Implicit => Tls::Wrapper(tls()?),
                TlsMode::None => Tls::None,
            });
        if let Some(name) = &config.helo_name {
            builder = builder.hello_name(ClientId::Domain(name.clone()));
        }
        if let (Some(user), Some(file)) = (&config.username, &config.password_file) {
            let text = std::fs::read_to_string(file).map_err(|e| {
                Error::Config(format!("mail.password_file {}: {e}", file.display()))
            })?;
            let password = text.lines().next().unwrap_or("").to_string();
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        Ok(Some(Relay {
            transport: builder.build(),
            label: relay.clone(),
        }))
    }

    /// Where mail goes (`host:port`).
    pub fn label(&self) -> &str {
        &self.label
    }

    /// One delivery attempt of a (signed) message.
    pub async fn send(&self, envelope_from: &str, recipients: &[String], bytes: &[u8]) -> Outcome {
        let envelope = match envelope(envelope_from, recipients) {
            Ok(e) => e,
            Err(o) => return o,
        };
        outcome(self.transport.send_raw(&envelope, bytes).await, &self.label)
    }
}

/// The envelope of a message, or why it cannot have one.
fn envelope(envelope_from: &str, recipients: &[String]) -> Result<Envelope, Outcome> {
    let parse = |a: &str| a.parse::<lettre::Address>();
    let from = parse(envelope_from)
        .map_err(|e| Outcome::Permanent(format!("sender {envelope_from:?}: {e}")))?;
    let to = recipients
        .iter()
        .map(|r| parse(r).map_err(|e| Outcome::Permanent(format!("recipient {r:?}: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    Envelope::new(Some(from), to).map_err(|e| Outcome::Permanent(format!("envelope: {e}")))
}

/// What an SMTP answer means for the queue.
fn outcome(
    result: Result<lettre::transport::smtp::response::Response, lettre::transport::smtp::Error>,
    label: &str,
) -> Outcome {
    match result {
        Ok(response) => Outcome::Sent(
            format!(
                "{label}: {} {}",
                response.code(),
                response.message().collect::<Vec<_>>().join(" ")
            )
            .chars()
            .take(300)
            .collect(),
        ),
        Err(e) if e.is_permanent() => {
            Outcome::Permanent(format!("{label}: {e}").chars().take(500).collect())
        }
        Err(e) => Outcome::Retry(format!("{label}: {e}").chars().take(500).collect()),
    }
}

/// Delivers straight to the recipients' mail servers: MX records in order of preference
/// (or the domain itself without any), each address in turn, STARTTLS when offered
/// (opportunistic, as between mail servers: RFC 7435).
pub struct Direct {
    dns: crate::dns::TxtLookup,
    port: u16,
    allow_private: bool,
    helo: Option<String>,
    timeout: Duration,
}

impl std::fmt::Debug for Direct {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Direct(port {})", self.port)
    }
}

impl Direct {
    /// Direct delivery as `config` asks, or `None` when it does not.
    pub fn from_config(config: &MailConfig) -> Result<Option<Direct>, Error> {
        if !config.direct {
            return Ok(None);
        }
        Ok(Some(Direct {
            dns: crate::dns::TxtLookup::new(config.dns)?,
            port: config.direct_port,
            allow_private: config.direct_allow_private,
            helo: config.helo_name.clone(),
            timeout: Duration::from_secs(config.timeout_s),
        }))
    }

    /// One attempt to hand the message to `domain`'s mail servers, for `recipients` (all of
    /// that domain).
    pub async fn send_domain(
        &self,
        domain: &str,
        envelope_from: &str,
        recipients: &[String],
        bytes: &[u8],
    ) -> Outcome {
        let envelope = match envelope(envelope_from, recipients) {
            Ok(e) => e,
            Err(o) => return o,
        };
        let hosts = match self.dns.mx(domain).await {
            Ok(Some(h)) if h.is_empty() => {
                return Outcome::Permanent(format!("{domain} accepts no mail (null MX)"));
            }
            Ok(Some(h)) => h,
            Ok(None) => return Outcome::Permanent(format!("the domain {domain} does not exist")),
            Err(e) => return Outcome::Retry(e),
        };
        let mut last = Outcome::Retry(format!("no mail server of {domain} could be reached"));
        for host in hosts.iter().take(5) {
            let addrs = match self.dns.addrs(host).await {
                Ok(a) => a,
                Err(e) => {
                    last = Outcome::Retry(e);
                    continue;
                }
            };
            for ip in addrs.iter().take(4) {
                let label = format!("{host} ({ip})");
                if !self.allow_private && !is_public(*ip) {
                    last = Outcome::Retry(format!(
                        "{label}: not a public address, not connected to (mail.direct_allow_private)"
                    ));
                    continue;
                }
                // Between mail servers TLS is taken when offered and not authenticated, as
                // most of them present certificates no public CA issued.
                let tls = TlsParameters::builder(host.clone())
                    .dangerous_accept_invalid_certs(true)
                    .dangerous_accept_invalid_hostnames(true)
                    .build_rustls()
                    .map(Tls::Opportunistic)
                    .unwrap_or(Tls::None);
                let mut builder =
                    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(ip.to_string())
                        .port(self.port)
                        .timeout(Some(self.timeout))
                        .tls(tls);
                if let Some(name) = &self.helo {
                    builder = builder.hello_name(ClientId::Domain(name.clone()));
                }
                let transport = builder.build();
                match outcome(transport.send_raw(&envelope, bytes).await, &label) {
                    Outcome::Retry(e) => last = Outcome::Retry(e),
                    done => return done,
                }
            }
        }
        last
    }
}

/// An address on the internet, not this machine or a private, shared or link-local network.
pub fn is_public(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1])))
        }
        std::net::IpAddr::V6(v6) => {
            let s = v6.segments();
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(std::net::IpAddr::V4(v4));
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_count_as_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.1.1",
            "172.16.0.1",
            "169.254.1.1",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(private.parse().expect("ip")), "{private}");
        }
        for public in ["192.0.2.25", "8.8.8.8", "2001:db8::25", "2a00:1450::1"] {
            assert!(is_public(public.parse().expect("ip")), "{public}");
        }
    }

    #[test]
    fn plain_smtp_only_to_this_machine() {
        let mut c = MailConfig {
            relay: Some("smtp.example.nl:25".into()),
            tls: TlsMode::None,
            ..MailConfig::default()
        };
        assert_eq!(c.problems()[0].0, "mail.tls");
        for ok in ["127.0.0.1:25", "localhost:25", "[::1]:25"] {
            c.relay = Some(ok.into());
            assert!(c.problems().is_empty(), "{ok}: {:?}", c.problems());
        }
        c.relay = Some("smtp.example.nl".into());
        assert_eq!(c.problems()[0].0, "mail.relay");
        c.relay = Some("127.0.0.1:25".into());
        c.direct = true;
        assert_eq!(
            c.problems()[0].0,
            "mail.direct",
            "relay or direct, not both"
        );
    }

    #[test]
    fn backoff_doubles_up_to_six_hours() {
        let c = MailConfig::default();
        assert_eq!(c.backoff_s(1), 60);
        assert_eq!(c.backoff_s(2), 120);
        assert_eq!(c.backoff_s(5), 960);
        assert_eq!(c.backoff_s(12), 6 * 3600);
        assert_eq!(c.backoff_s(400), 6 * 3600);
    }
}
