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
        // Real names are short (`Win.Test.EICAR_HDB-1`); a long one is not clamd talking, and
        // would not fit where findings are kept.
        if name.is_empty() || name.len() > 200 || name.contains(char::is_control) {
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

impl SignatureVersion {
    /// When the signatures were built (Unix seconds, UTC), from clamd's date
    /// (`Sun Dec  6 09:21:00 2026`): how old they are tells whether freshclam runs.
    pub fn built_at(&self) -> Option<i64> {
        let mut w = self.date.as_deref()?.split_whitespace().skip(1);
        let month_name = w.next()?;
        let month = MONTHS.iter().position(|m| *m == month_name)?;
        let day: i64 = w.next()?.parse().ok()?;
        let mut hms = w.next()?.split(':').map(|p| p.parse::<i64>().ok());
        let (h, m, sec) = (hms.next()??, hms.next()??, hms.next()??);
        let year: i64 = w.next()?.parse().ok()?;
        if !(1..=31).contains(&day) || h > 23 || m > 59 || sec > 60 {
            return None;
        }
        let days = days_from_civil(year, month as i64 + 1, day);
        Some(days * 86_400 + h * 3600 + m * 60 + sec)
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Days since 1970-01-01 of a date in the proleptic Gregorian calendar (Howard Hinnant's).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Reads a `VERSION` answer: `ClamAV 1.4.6/27480/Sun Dec  6 09:21:00 2026`, or `ClamAV 1.4.6`.
pub fn version(answer: &str) -> Option<SignatureVersion> {
    let a = answer.trim_end_matches('\0').trim();
    let rest = a.strip_prefix("ClamAV ")?;
    let mut parts = rest.splitn(3, '/');
    let engine = parts.next()?.trim().to_string();
    if engine.is_empty() || engine.len() > 32 || engine.contains(char::is_control) {
        return None;
    }
    let signatures = match parts.next() {
        Some(v) => Some(v.trim().parse().ok()?),
        None => None,
    };
    let date = parts.next().map(|d| {
        d.trim()
            .chars()
            .filter(|c| !c.is_control())
            .take(64)
            .collect()
    });
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
        let long = format!("stream: {} FOUND", "A".repeat(300));
        assert!(matches!(verdict(&long), Err(Error::Protocol(_))));
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
        let v = version("ClamAV 1.4.6/27480/Sun Dec  6 09:21:00 2026\0").unwrap();
        assert_eq!(v.built_at(), Some(1_796_548_860), "2026-12-06T09:21:00Z");
        let v = version("ClamAV 1.4.6/1/Thu Jan  1 00:00:00 1970").unwrap();
        assert_eq!(v.built_at(), Some(0));
        assert_eq!(version("ClamAV 1.4.6").unwrap().built_at(), None);
        assert_eq!(
            version("ClamAV 1.4.6/1/Sun Foo 6 09:21:00 2026")
                .unwrap()
                .built_at(),
            None
        );
        assert!(version("PONG").is_none());
        assert!(version(&format!("ClamAV {}", "1".repeat(40))).is_none());
        assert!(version("ClamAV 1.4.6/x/y").is_none());
    }
}
