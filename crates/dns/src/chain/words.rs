//! The walk's words: keys, DS records, dates and spans as an operator reads them, and the
//! base32hex NSEC3 owner names are spelled in.

use hickory_proto::dnssec::Verifier;
use hickory_proto::dnssec::rdata::{DNSKEY, DS};

pub(super) fn describe_key(k: &DNSKEY) -> String {
    format!(
        "{} {} (alg {})",
        if k.is_key_signing_key() { "KSK" } else { "ZSK" },
        k.calculate_key_tag()
            .map(|t| t.to_string())
            .unwrap_or_else(|_| "?".into()),
        u8::from(k.algorithm())
    )
}

pub(super) fn describe_ds(d: &DS) -> String {
    format!(
        "{}/{}/{}",
        d.key_tag(),
        u8::from(d.algorithm()),
        u8::from(d.digest_type())
    )
}

/// RFC 4648 base32hex, lower case, no padding: how NSEC3 owner names spell hashes.
pub(super) fn base32hex(bytes: &[u8]) -> String {
    const ABC: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";
    let mut out = String::new();
    let mut buf: u64 = 0;
    let mut bits = 0;
    for &b in bytes {
        buf = (buf << 8) | u64::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ABC[((buf >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ABC[((buf << (5 - bits)) & 31) as usize]));
    }
    out
}

/// `2026-12-06 11:00 UTC`.
pub fn utc(unix: u64) -> String {
    let days = i64::try_from(unix / 86_400).unwrap_or(0);
    let secs = unix % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        secs / 3600,
        (secs % 3600) / 60
    )
}

fn span(s: u64) -> String {
    match s {
        s if s >= 2 * 86_400 => format!("{} days", s / 86_400),
        s if s >= 2 * 3600 => format!("{} hours", s / 3600),
        s if s >= 120 => format!("{} minutes", s / 60),
        s => format!("{s} seconds"),
    }
}

pub(super) fn left(at: u64, now: u64) -> String {
    format!("in {}", span(at.saturating_sub(now)))
}

pub(super) fn ago(at: u64, now: u64) -> String {
    span(now.saturating_sub(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_hashes_read_right() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(1_796_554_800), "2026-12-06 11:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00 UTC");
        // RFC 4648 §10 test vectors.
        assert_eq!(base32hex(b"f"), "co");
        assert_eq!(base32hex(b"foobar"), "cpnmuoj1e8");
        assert_eq!(left(100 + 3 * 86_400, 100), "in 3 days");
        assert_eq!(ago(100, 400), "5 minutes");
    }
}
