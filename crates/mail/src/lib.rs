//! Outgoing mail, done the way a careful mail administrator would: messages whose headers
//! nothing typed by a visitor can change ([`message`]), DKIM keys with rotation and dual
//! RSA/Ed25519 signatures ([`dkim`]), and delivery through an SMTP relay ([`smtp`]); also the
//! MTA-STS policy of a mail domain ([`mta_sts`]).
//!
//! The queue itself lives in the database (`store`); the server's worker takes messages from
//! it, signs them here and hands them to the relay.

pub mod dkim;
pub mod dmarc;
pub mod dns;
pub mod message;
pub mod mta_sts;
pub mod records;
pub mod smtp;

pub use dkim::{DkimRecord, DomainState, KeyKind, KeyStore, Signer};
pub use message::{Built, Outgoing};
pub use smtp::{Direct, ImapConfig, ImapTls, MailConfig, Outcome, Relay, TlsMode};

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that must not be sent (a header injection attempt, a bad address); the message
    /// says why in plain words.
    #[error("{0}")]
    Refused(String),
    /// Keys that cannot be made, read or used.
    #[error("DKIM keys: {0}")]
    Keys(String),
    /// Settings that cannot work.
    #[error("mail settings: {0}")]
    Config(String),
}

/// The current year and month (UTC), for key set names.
pub(crate) fn year_month_now() -> (i32, u32) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (y, m, _) = civil_from_days(secs.div_euclid(86_400));
    (y, m)
}

/// Days since 1970-01-01 to (year, month, day), Howard Hinnant's algorithm.
fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = (yoe + era * 400 + i64::from(m <= 2)) as i32;
    (y, m, d)
}

#[cfg(test)]
mod tests {
    #[test]
    fn civil_dates() {
        assert_eq!(super::civil_from_days(0), (1970, 1, 1));
        assert_eq!(super::civil_from_days(20_419), (2025, 11, 27));
        assert_eq!(super::civil_from_days(19_782), (2024, 2, 29));
    }
}
