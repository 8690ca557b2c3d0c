//! Virus scanning through clamd (ClamAV's daemon), the way every file that enters Bolwerk from
//! outside is checked before it is stored.
//!
//! - [`Clamd`]: the client. `INSTREAM` over clamd's Unix socket or TCP, one command per
//!   connection, a deadline on all of it. A file larger than clamd's `StreamMaxLength` is refused
//!   here, before a byte is sent: clamd would cut the connection mid-stream, and a scan of "the
//!   first part" is no scan.
//! - [`reply`]: clamd's answers read into a [`Verdict`] (pure), and `VERSION` into the
//!   signature version that tells when stored files must be scanned again.
//! - [`pdf`]: active content in a PDF (JavaScript, actions on opening, embedded files), which
//!   no virus signature catches.

pub mod config;
pub mod pdf;
pub mod reply;

use std::path::PathBuf;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

pub use reply::{SignatureVersion, Verdict};

/// Where clamd listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Address {
    /// Its `LocalSocket`.
    Unix(PathBuf),
    /// Its `TCPSocket` (keep it on loopback: clamd has no authentication).
    Tcp(std::net::SocketAddr),
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Address::Unix(p) => write!(f, "{}", p.display()),
            Address::Tcp(a) => write!(f, "{a}"),
        }
    }
}

impl std::str::FromStr for Address {
    type Err = String;

    /// `/run/clamav/clamd.ctl` (a path) or `127.0.0.1:3310`.
    fn from_str(s: &str) -> Result<Address, String> {
        if s.starts_with('/') {
            Ok(Address::Unix(PathBuf::from(s)))
        } else {
            s.parse().map(Address::Tcp).map_err(|_| {
                format!("{s:?} is neither a socket path (/run/clamav/clamd.ctl) nor host:port")
            })
        }
    }
}

/// Why a scan gave no verdict. None of these means "clean".
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Larger than clamd reads in full.
    #[error(
        "the file is {size} bytes; the virus scanner reads at most {max} (clamd's StreamMaxLength)"
    )]
    TooLarge {
        /// The file's size.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// clamd could not be reached.
    #[error("the virus scanner (clamd at {address}) cannot be reached: {reason}")]
    Unavailable {
        /// Where it was asked.
        address: String,
        /// Why.
        reason: String,
    },
    /// No answer in time.
    #[error("the virus scanner (clamd at {address}) did not answer within {seconds} s")]
    Timeout {
        /// Where it was asked.
        address: String,
        /// The deadline.
        seconds: u64,
    },
    /// clamd answered with an error.
    #[error("the virus scanner refused the file: {0}")]
    Clamd(String),
    /// An answer that is not clamd's.
    #[error("the virus scanner's answer makes no sense: {0:?}")]
    Protocol(String),
}

/// The client.
#[derive(Clone, Debug)]
pub struct Clamd {
    /// Where clamd listens.
    pub address: Address,
    /// The deadline of one command, the whole scan included.
    pub timeout: Duration,
    /// clamd's `StreamMaxLength`: larger files are refused without asking.
    pub max_stream: u64,
}

/// Chunk size of the stream (clamd reads chunks of any size up to its limit).
const CHUNK: usize = 64 * 1024;

/// The longest answer read (a signature name is short; anything longer is not clamd).
const MAX_REPLY: usize = 4096;

trait Conn: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Conn for T {}

impl Clamd {
    async fn connect(&self) -> Result<Box<dyn Conn>, Error> {
        let unavailable = |e: std::io::Error| Error::Unavailable {
            address: self.address.to_string(),
            reason: e.to_string(),
        };
        Ok(match &self.address {
            #[cfg(unix)]
            Address::Unix(p) => Box::new(
                tokio::net::UnixStream::connect(p)
                    .await
                    .map_err(unavailable)?,
            ),
            #[cfg(not(unix))]
            Address::Unix(_) => {
                return Err(Error::Unavailable {
                    address: self.address.to_string(),
                    reason: "Unix sockets are not available here".into(),
                });
            }
            Address::Tcp(a) => Box::new(
                tokio::net::TcpStream::connect(a)
                    .await
                    .map_err(unavailable)?,
            ),
        })
    }

    /// Runs `command` (and, for INSTREAM, the data) on one connection; returns the answer.
    async fn exchange(&self, command: &str, data: Option<&[u8]>) -> Result<String, Error> {
        let work = async {
            let mut c = self.connect().await?;
            let io = |e: std::io::Error| Error::Unavailable {
                address: self.address.to_string(),
                reason: e.to_string(),
            };
            c.write_all(format!("z{command}\0").as_bytes())
                .await
                .map_err(io)?;
            let mut write_failed = None;
            if let Some(data) = data {
                for chunk in data.chunks(CHUNK) {
                    let len = u32::try_from(chunk.len()).unwrap_or(u32::MAX);
                    let sent = async {
                        c.write_all(&len.to_be_bytes()).await?;
                        c.write_all(chunk).await
                    }
                    .await;
                    // clamd hangs up mid-stream when it refuses: its answer may be waiting.
                    if let Err(e) = sent {
                        write_failed = Some(e);
                        break;
                    }
                }
                if write_failed.is_none()
                    && let Err(e) = c.write_all(&[0, 0, 0, 0]).await
                {
                    write_failed = Some(e);
                }
            }
            let mut answer = Vec::new();
            let mut buf = [0u8; 512];
            loop {
                match c.read(&mut buf).await {
                    Ok(0) => break,
                    Ok(n) => {
                        answer.extend_from_slice(&buf[..n]);
                        if answer.contains(&0) || answer.len() > MAX_REPLY {
                            break;
                        }
                    }
                    Err(e) if answer.is_empty() => {
                        return Err(io(write_failed.take().unwrap_or(e)));
                    }
                    Err(_) => break,
                }
            }
            if answer.is_empty()
                && let Some(e) = write_failed
            {
                return Err(io(e));
            }
            let end = answer.iter().position(|b| *b == 0).unwrap_or(answer.len());
            Ok(String::from_utf8_lossy(&answer[..end.min(MAX_REPLY)]).into_owned())
        };
        tokio::time::timeout(self.timeout, work)
            .await
            .map_err(|_| Error::Timeout {
                address: self.address.to_string(),
                seconds: self.timeout.as_secs(),
            })?
    }

    /// `PING` → `PONG`: clamd is up.
    pub async fn ping(&self) -> Result<(), Error> {
        match self.exchange("PING", None).await?.as_str() {
            "PONG" => Ok(()),
            other => Err(Error::Protocol(other.to_string())),
        }
    }

    /// The engine and signature version (`VERSION`).
    pub async fn version(&self) -> Result<SignatureVersion, Error> {
        let text = self.exchange("VERSION", None).await?;
        reply::version(&text).ok_or(Error::Protocol(text))
    }

    /// Asks clamd to load its signatures again (`RELOAD`; it happens in the background).
    pub async fn reload(&self) -> Result<(), Error> {
        match self.exchange("RELOAD", None).await?.as_str() {
            "RELOADING" => Ok(()),
            other => Err(Error::Protocol(other.to_string())),
        }
    }

    /// Scans `data` whole.
    pub async fn scan(&self, data: &[u8]) -> Result<Verdict, Error> {
        let size = u64::try_from(data.len()).unwrap_or(u64::MAX);
        if size > self.max_stream {
            return Err(Error::TooLarge {
                size,
                max: self.max_stream,
            });
        }
        let answer = self.exchange("INSTREAM", Some(data)).await?;
        reply::verdict(&answer)
    }
}
