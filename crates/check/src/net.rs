//! Connections to the servers under test: plain TCP for HTTPS, and SMTP up to the moment TLS
//! starts (banner, EHLO, STARTTLS). Every step has a deadline and every read a cap: a server can
//! send anything, slowly or not at all.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::hello::{Flight, Hello};

/// How TLS starts on the connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Start {
    /// At once (HTTPS).
    Direct,
    /// After SMTP EHLO and STARTTLS, introducing ourselves as `ehlo`.
    Smtp {
        /// The name sent with EHLO.
        ehlo: String,
    },
}

/// A TLS server to probe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its name (SNI, certificate).
    pub host: String,
    /// How TLS starts.
    pub start: Start,
    /// Deadline of one connection's setup and of one probe's reading.
    pub timeout: Duration,
}

/// Why a connection did not get as far as TLS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    /// No TCP connection (refused, filtered, timed out).
    Unreachable(String),
    /// The SMTP server does not offer STARTTLS.
    NoStarttls,
    /// The SMTP server said something else than SMTP allows.
    Protocol(String),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Unreachable(e) => write!(f, "not reachable: {e}"),
            Refused::NoStarttls => f.write_str("the server does not offer STARTTLS"),
            Refused::Protocol(e) => write!(f, "SMTP: {e}"),
        }
    }
}

/// The longest SMTP reply taken (RFC 5321 allows 512-byte lines; EHLO lists a few dozen).
const MAX_REPLY: usize = 16 * 1024;

/// Opens a TCP connection within `timeout`.
pub async fn tcp(addr: SocketAddr, timeout: Duration) -> Result<TcpStream, String> {
    match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => Ok(s),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {} s", timeout.as_secs())),
    }
}

/// Reads one SMTP reply (all its lines); returns the code and the lines' text, and whatever
/// followed the reply in what was read.
async fn reply(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<(u16, Vec<String>), Refused> {
    loop {
        // A complete reply: lines up to one whose fourth byte is a space.
        let mut lines = Vec::new();
        let mut start = 0;
        let mut done = None;
        while let Some(pos) = buf[start..].windows(2).position(|w| w == b"\r\n") {
            let line = &buf[start..start + pos];
            lines.push(String::from_utf8_lossy(line).into_owned());
            start += pos + 2;
            if line.len() < 3 || !line[..3].iter().all(u8::is_ascii_digit) {
                return Err(Refused::Protocol(format!(
                    "not an SMTP reply: {:?}",
                    String::from_utf8_lossy(line)
                )));
            }
            if line.get(3) != Some(&b'-') {
                done = Some(start);
                break;
            }
        }
        if let Some(end) = done {
            let code = lines
                .last()
                .and_then(|l| l.get(..3))
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            buf.drain(..end);
            let text = lines
                .iter()
                .map(|l| l.get(4..).unwrap_or_default().to_string())
                .collect();
            return Ok((code, text));
        }
        if buf.len() > MAX_REPLY {
            return Err(Refused::Protocol("a reply longer than 16 KiB".into()));
        }
        let mut chunk = [0u8; 2048];
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|e| Refused::Unreachable(e.to_string()))?;
        if n == 0 {
            return Err(Refused::Protocol("the server closed the connection".into()));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

async fn smtp_starttls(stream: &mut TcpStream, ehlo: &str) -> Result<(), Refused> {
    let mut buf = Vec::new();
    let (code, _) = reply(stream, &mut buf).await?;
    if code != 220 {
        return Err(Refused::Protocol(format!(
            "the greeting was {code}, not 220"
        )));
    }
    let io = |e: std::io::Error| Refused::Unreachable(e.to_string());
    stream
        .write_all(format!("EHLO {ehlo}\r\n").as_bytes())
        .await
        .map_err(io)?;
    let (code, lines) = reply(stream, &mut buf).await?;
    if code != 250 {
        return Err(Refused::Protocol(format!("EHLO was answered {code}")));
    }
    if !lines
        .iter()
        .any(|l| l.trim().eq_ignore_ascii_case("STARTTLS"))
    {
        return Err(Refused::NoStarttls);
    }
    stream.write_all(b"STARTTLS\r\n").await.map_err(io)?;
    let (code, _) = reply(stream, &mut buf).await?;
    if code != 220 {
        return Err(Refused::Protocol(format!("STARTTLS was answered {code}")));
    }
    if !buf.is_empty() {
        // Plain text after the 220 would be taken as part of the TLS session (CVE-2011-0411).
        return Err(Refused::Protocol(
            "the server sent data after its STARTTLS answer".into(),
        ));
    }
    Ok(())
}

impl Target {
    /// A connection ready for the ClientHello.
    pub async fn connect(&self) -> Result<TcpStream, Refused> {
        let work = async {
            let mut s = tcp(self.addr, self.timeout)
                .await
                .map_err(Refused::Unreachable)?;
            if let Start::Smtp { ehlo } = &self.start {
                smtp_starttls(&mut s, ehlo).await?;
            }
            Ok(s)
        };
        tokio::time::timeout(self.timeout * 2, work)
            .await
            .unwrap_or_else(|_| Err(Refused::Unreachable("the server was too slow".into())))
    }

    /// Sends `hello` and reads the answer until it says enough (`full`: the whole first
    /// flight), the server hangs up, [`crate::hello::MAX_FLIGHT`] bytes, or the deadline.
    pub async fn probe(&self, hello: &Hello, full: bool) -> Result<Flight, String> {
        let mut s = self.connect().await.map_err(|e| e.to_string())?;
        let work = async {
            s.write_all(&hello.to_bytes())
                .await
                .map_err(|e| e.to_string())?;
            let mut buf = Vec::with_capacity(8192);
            let mut chunk = vec![0u8; 16 * 1024];
            // Where the last complete record ends: the flight is parsed again only when a new
            // record is complete, not after every byte a trickling server sends.
            let mut complete_to = 0;
            loop {
                // A reset is how many servers refuse: the answer so far stands.
                let n: usize = s.read(&mut chunk).await.unwrap_or_default();
                if n == 0 {
                    return Flight::parse(&buf).map_err(|e| e.to_string());
                }
                buf.extend_from_slice(&chunk[..n]);
                let before = complete_to;
                while let Some(head) = buf.get(complete_to..complete_to + 5) {
                    let len = usize::from(u16::from_be_bytes([head[3], head[4]]));
                    if buf.len() < complete_to + 5 + len {
                        break;
                    }
                    complete_to += 5 + len;
                }
                let first = buf
                    .first()
                    .is_some_and(|b| b & 0x80 != 0 || !matches!(b, 20..=23));
                if complete_to == before && !first && buf.len() < crate::hello::MAX_FLIGHT {
                    continue;
                }
                let f = Flight::parse(&buf).map_err(|e| e.to_string())?;
                if f.complete(full) || buf.len() >= crate::hello::MAX_FLIGHT {
                    return Ok(f);
                }
            }
        };
        match tokio::time::timeout(self.timeout, work).await {
            Ok(r) => r,
            // No answer in time is not a refusal: the probe does not count either way.
            Err(_) => Err("no answer in time".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    async fn smtp_server(script: &'static [u8]) -> SocketAddr {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            if let Ok((mut s, _)) = l.accept().await {
                let _ = s.write_all(script).await;
                let mut sink = [0u8; 1024];
                while let Ok(n) = s.read(&mut sink).await {
                    if n == 0 {
                        break;
                    }
                }
            }
        });
        addr
    }

    fn target(addr: SocketAddr) -> Target {
        Target {
            addr,
            host: "mx.example.nl".into(),
            start: Start::Smtp {
                ehlo: "check.example".into(),
            },
            timeout: Duration::from_secs(2),
        }
    }

    #[tokio::test]
    async fn smtp_without_starttls_and_injection_are_told_apart() {
        let addr = smtp_server(b"220 hi\r\n250-mx\r\n250 SIZE 10\r\n").await;
        assert_eq!(
            target(addr).connect().await.err(),
            Some(Refused::NoStarttls)
        );
        let addr =
            smtp_server(b"220 hi\r\n250-mx\r\n250 STARTTLS\r\n220 go\r\n250 injected\r\n").await;
        assert!(
            matches!(target(addr).connect().await, Err(Refused::Protocol(e)) if e.contains("after"))
        );
        let addr = smtp_server(b"HTTP/1.1 400 Bad\r\n").await;
        assert!(matches!(
            target(addr).connect().await,
            Err(Refused::Protocol(_))
        ));
        let addr = smtp_server(b"220 hi\r\n250-mx\r\n250 STARTTLS\r\n220 go\r\n").await;
        assert!(target(addr).connect().await.is_ok());
    }

    #[tokio::test]
    async fn an_endless_reply_is_cut_off() {
        let addr = smtp_server(&[b'2'; 40_000]).await;
        assert!(matches!(
            target(addr).connect().await,
            Err(Refused::Protocol(_))
        ));
    }
}
