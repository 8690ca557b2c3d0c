//! Fetches DMARC reports from the mailbox they are sent to (`rua=`): every message not yet
//! seen is imported (or refused with its reason in the log) and then marked seen, so each is
//! handled once. Messages are only read, never deleted.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use mail::{ImapConfig, ImapTls};
use store::Recorder;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::watch;

/// Messages handled per look (the rest wait for the next one).
const BATCH: usize = 200;
/// Time for the whole conversation of one look.
const TIMEOUT: Duration = Duration::from_secs(120);

/// What the last look found, for the admin.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct PollStatus {
    /// When (Unix seconds).
    pub at: Option<i64>,
    /// Reports imported.
    pub imported: usize,
    /// Reports already imported before.
    pub duplicates: usize,
    /// Messages that were no (readable) report.
    pub refused: usize,
    /// Why the look failed, if it did.
    pub error: Option<String>,
}

/// The shared status of the poller.
pub type Status = Arc<Mutex<PollStatus>>;

/// Looks at the mailbox every `poll_s` seconds until shutdown.
pub async fn run(
    config: ImapConfig,
    recorder: Recorder,
    status: Status,
    scanner: Option<crate::dmarc::Scanner>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let result =
            tokio::time::timeout(TIMEOUT, poll_once(&config, &recorder, scanner.as_ref())).await;
        let mut s = match result {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => PollStatus {
                error: Some(e),
                ..PollStatus::default()
            },
            Err(_) => PollStatus {
                error: Some(format!("no answer within {} s", TIMEOUT.as_secs())),
                ..PollStatus::default()
            },
        };
        s.at = Some(store::now());
        match &s.error {
            Some(e) => {
                tracing::warn!(target: "mail", server = %config.server, "DMARC mailbox not read: {e}")
            }
            None if s.imported + s.refused > 0 => tracing::info!(
                target: "mail",
                imported = s.imported,
                duplicates = s.duplicates,
                refused = s.refused,
                "DMARC mailbox read"
            ),
            None => {}
        }
        *status.lock().unwrap_or_else(|p| p.into_inner()) = s;
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(config.poll_s.max(10))) => {}
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
    }
}

/// One look: connect, sign in, import what is unseen.
pub async fn poll_once(
    config: &ImapConfig,
    recorder: &Recorder,
    scanner: Option<&crate::dmarc::Scanner>,
) -> Result<PollStatus, String> {
    let (host, port) = config.host_port().map_err(|e| e.to_string())?;
    let password = std::fs::read_to_string(&config.password_file)
        .map_err(|e| format!("{}: {e}", config.password_file.display()))?;
    let password = password.lines().next().unwrap_or("").to_string();
    let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| format!("cannot connect to {}: {e}", config.server))?;
    match config.tls {
        ImapTls::None => session(tcp, config, &password, recorder, scanner).await,
        ImapTls::Implicit => {
            let connector = tls_connector(config)?;
            let name = rustls_pki_types::ServerName::try_from(host.clone())
                .map_err(|e| format!("{host}: {e}"))?;
            let tls = connector
                .connect(name, tcp)
                .await
                .map_err(|e| format!("TLS with {}: {e}", config.server))?;
            session(tls, config, &password, recorder, scanner).await
        }
    }
}

fn tls_connector(config: &ImapConfig) -> Result<tokio_rustls::TlsConnector, String> {
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    match &config.ca_file {
        Some(ca) => {
            for cert in rustls_pki_types::CertificateDer::pem_file_iter(ca)
                .map_err(|e| format!("{}: {e}", ca.display()))?
            {
                let cert = cert.map_err(|e| format!("{}: {e}", ca.display()))?;
                roots
                    .add(cert)
                    .map_err(|e| format!("{}: {e}", ca.display()))?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(tls)))
}

async fn session<T>(
    stream: T,
    config: &ImapConfig,
    password: &str,
    recorder: &Recorder,
    scanner: Option<&crate::dmarc::Scanner>,
) -> Result<PollStatus, String>
where
    T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    let mut client = async_imap::Client::new(stream);
    client
        .read_response()
        .await
        .map_err(|e| format!("no greeting: {e}"))?
        .ok_or("the server closed the connection")?;
    let mut imap = client
        .login(&config.username, password)
        .await
        .map_err(|(e, _)| format!("sign-in as {} refused: {e}", config.username))?;
    imap.select(&config.mailbox)
        .await
        .map_err(|e| format!("folder {}: {e}", config.mailbox))?;
    let mut uids: Vec<u32> = imap
        .uid_search("UNSEEN")
        .await
        .map_err(|e| format!("search: {e}"))?
        .into_iter()
        .collect();
    uids.sort_unstable();
    uids.truncate(BATCH);
    let mut status = PollStatus::default();
    for uid in uids {
        // The size first: a message larger than any report is not downloaded at all.
        let size = {
            let mut fetches = imap
                .uid_fetch(uid.to_string(), "RFC822.SIZE")
                .await
                .map_err(|e| format!("fetch: {e}"))?;
            let mut size = None;
            while let Some(f) = fetches.next().await {
                if let Ok(f) = f {
                    size = size.or(f.size);
                }
            }
            // No size given: treated as too large rather than downloaded blind.
            size.map_or(usize::MAX, |s| s as usize)
        };
        if size > mail::dmarc::MAX_FILE * 2 {
            tracing::warn!(target: "mail", uid, size, "DMARC mailbox: message too large for a report, not read");
            status.refused += 1;
        } else {
            let body = {
                let mut fetches = imap
                    .uid_fetch(uid.to_string(), "BODY.PEEK[]")
                    .await
                    .map_err(|e| format!("fetch: {e}"))?;
                let mut body = None;
                while let Some(f) = fetches.next().await {
                    if let Ok(f) = f
                        && body.is_none()
                    {
                        body = f.body().map(<[u8]>::to_vec);
                    }
                }
                body.unwrap_or_default()
            };
            match crate::dmarc::import(recorder, &body, "imap", scanner).await {
                Ok(crate::dmarc::Imported::New(r)) => {
                    tracing::info!(target: "mail", uid, "DMARC mailbox: imported {}", crate::dmarc::describe(&r));
                    status.imported += 1;
                }
                Ok(crate::dmarc::Imported::Duplicate(_)) => status.duplicates += 1,
                Err(crate::dmarc::ImportError::Store(e)) => {
                    // Left unseen, so it is tried again next time.
                    return Err(format!("the database refused a report: {e}"));
                }
                Err(crate::dmarc::ImportError::ScannerDown(e)) => {
                    // Left unseen too: read once the virus scanner answers again.
                    return Err(e);
                }
                Err(e) => {
                    tracing::warn!(target: "mail", uid, "DMARC mailbox: message not imported: {e}");
                    status.refused += 1;
                }
            }
        }
        let mut stored = imap
            .uid_store(uid.to_string(), "+FLAGS.SILENT (\\Seen)")
            .await
            .map_err(|e| format!("marking as read: {e}"))?;
        while stored.next().await.is_some() {}
    }
    let _ = imap.logout().await;
    Ok(status)
}
