//! clamd's answers, read (pure): a scan's verdict, and the signature version.

use serde::Serialize;

use crate::Error;

/// What a scan found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", content = "name", rename_all = "lowercase")]
pub enum Verdict {
    /// Nothing.
    Clean,
    /// A signature matched: its name (`Win.Test.EICAR_HDB-1`).
    Infected(String),
    /// Too large, too deeply packed or encrypted to look inside (`Heuristics.Limits.Exceeded.*`,
    /// `Heuristics.Encrypted.*`): not known to be clean, so refused like a hit, but said so.
    Unscannable(String),
}

/// Reads an `INSTREAM` answer (without its final `\0`).
pub fn verdict(answer: &str) -> Result<Verdict, Error> {
    let a = answer.trim_end_matches('\0').trim();
    if a == "stream: OK" {
        return Ok(Verdict::Clean);
    }
    if let Some(name) = a
        .strip_prefix("stream: ")
        .and_then(|r| r.strip_suffix(" FOUND"))
    {
        let name = name.trim().to_string();
        if name.is_empty() || name.contains(char::is_control) {
            return Err(Error::Protocol(a.to_string()));
        }
        return Ok(
            if name.starts_with("Heuristics.Limits.Exceeded")
                || name.starts_with("Heuristics.Encrypted")
            {
                Verdict::Unscannable(name)
            } else {
                Verdict::Infected(name)
            },
        );
    }
    if let Some(msg) = a.strip_suffix(" ERROR") {
        return Err(Error::Clamd(msg.trim().to_string()));
    }
    Err(Error::Protocol(a.chars().take(200).collect()))
}

/// The engine and signatures clamd runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SignatureVersion {
    /// `1.4.6`.
    pub engine: String,
    /// The daily database's version; `None` when clamd runs without an official database.
    pub signatures: Option<u64>,
    /// The daily database's date as clamd prints it.
    pub date: Option<String>,
}

impl SignatureVersion {
    /// A stable key: when it changes, stored files are scanned again.
    pub fn key(&self) -> String {
        match self.signatures {
            Some(v) => format!("{}/{v}", self.engine),
            None => self.engine.clone(),
        }
    }
}

/// Reads a `VERSION` answer: `ClamAV 1.4.6/27480/Sun Dec  6 09:21:00 2026`, or `ClamAV 1.4.6`.
pub fn version(answer: &str) -> Option<SignatureVersion> {
    let a = answer.trim_end_matches('\0').trim();
    let rest = a.strip_prefix("ClamAV ")?;
    let mut parts = rest.splitn(3, '/');
    let engine = parts.next()?.trim().to_string();
    if engine.is_empty() {
        return None;
    }
    let signatures = match parts.next() {
        Some(v) => Some(v.trim().parse().ok()?),
        None => None,
    };
    let date = parts.next().map(|d| d.trim().to_string());
    Some(SignatureVersion {
        engine,
        signatures,
        date,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn answers_become_verdicts() {
        assert_eq!(verdict("stream: OK\0").unwrap(), Verdict::Clean);
        assert_eq!(
            verdict("stream: Win.Test.EICAR_HDB-1 FOUND").unwrap(),
            Verdict::Infected("Win.Test.EICAR_HDB-1".into())
        );
        assert_eq!(
            verdict("stream: Heuristics.Limits.Exceeded.MaxScanSize FOUND").unwrap(),
            Verdict::Unscannable("Heuristics.Limits.Exceeded.MaxScanSize".into())
        );
        let e = verdict("INSTREAM size limit exceeded. ERROR").unwrap_err();
        assert!(e.to_string().contains("size limit exceeded"), "{e}");
        assert!(matches!(verdict("stream: FOUND"), Err(Error::Protocol(_))));
        assert!(matches!(
            verdict("HTTP/1.1 200 OK"),
            Err(Error::Protocol(_))
        ));
        assert!(matches!(verdict(""), Err(Error::Protocol(_))));
    }

    #[test]
    fn versions_are_read() {
        let v = version("ClamAV 1.4.6/27480/Sun Dec  6 09:21:00 2026\0").unwrap();
        assert_eq!(v.engine, "1.4.6");
        assert_eq!(v.signatures, Some(27480));
        assert_eq!(v.key(), "1.4.6/27480");
        let v = version("ClamAV 1.4.6").unwrap();
        assert_eq!((v.signatures, v.key()), (None, "1.4.6".to_string()));
        assert!(version("PONG").is_none());
        assert!(version("ClamAV 1.4.6/x/y").is_none());
    }
}
