//! Dates for display, from Unix seconds (UTC), without a calendar dependency.

/// Year, month (1-12) and day of a day count since 1970-01-01 (Howard Hinnant's algorithm).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days since 1970-01-01 of a calendar date (the inverse of [`civil_from_days`]).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses `YYYY-MM-DD` to the Unix time of that day's midnight (UTC); `None` if invalid.
pub fn parse_iso(s: &str) -> Option<i64> {
    let mut parts = s.splitn(3, '-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let d: u32 = parts.next()?.parse().ok()?;
    if !(1..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let days = days_from_civil(y, m, d);
    // Reject dates like 2026-02-31 that roll over into the next month.
    (civil_from_days(days) == (y, m, d)).then_some(days * 86_400)
}

/// Parses `HH:MM` (or `HH:MM:SS`, as some browsers send) to seconds after midnight.
pub fn parse_time(s: &str) -> Option<i64> {
    let mut parts = s.trim().splitn(3, ':');
    let h: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let sec: i64 = match parts.next() {
        Some(p) => p.parse().ok()?,
        None => 0,
    };
    ((0..24).contains(&h) && (0..60).contains(&m) && (0..60).contains(&sec))
        .then_some(h * 3600 + m * 60 + sec)
}

/// `14:05` of a Unix time, UTC.
pub fn hour_minute(unix: i64) -> String {
    let secs = unix.rem_euclid(86_400);
    format!("{:02}:{:02}", secs / 3600, (secs % 3600) / 60)
}

/// `2026-11-27 14:05:09`, UTC, where minutes are too coarse (revisions saved moments apart).
pub fn iso_second(unix: i64) -> String {
    let secs = unix.rem_euclid(86_400);
    format!(
        "{} {:02}:{:02}:{:02}",
        iso(unix),
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}

/// `2026-11-27 14:05`, UTC, for logs and tables.
pub fn iso_minute(unix: i64) -> String {
    let secs = unix.rem_euclid(86_400);
    format!("{} {:02}:{:02}", iso(unix), secs / 3600, (secs % 3600) / 60)
}

/// `2026-11-27T14:05:09Z`: RFC 3339 in UTC, to the second (security.txt's `Expires`).
pub fn rfc3339(unix: i64) -> String {
    let secs = unix.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        iso(unix),
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `2026-11-27`, for `<time datetime>`.
pub fn iso(unix: i64) -> String {
    let (y, m, d) = civil_from_days(unix.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// `27 November 2026`, for people.
pub fn long(unix: i64) -> String {
    let (y, m, d) = civil_from_days(unix.div_euclid(86_400));
    let month = MONTHS.get(m as usize - 1).copied().unwrap_or("?");
    format!("{d} {month} {y}")
}

/// The calendar year of a time.
pub fn year(unix: i64) -> i64 {
    civil_from_days(unix.div_euclid(86_400)).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(iso(0), "1970-01-01");
        assert_eq!(iso(951_782_400), "2000-02-29");
        assert_eq!(long(1_795_737_600), "27 November 2026");
        assert_eq!(iso(-86_400), "1969-12-31");
        assert_eq!(year(1_795_737_600), 2026);
        assert_eq!(
            iso_minute(1_795_737_600 + 14 * 3600 + 5 * 60 + 59),
            "2026-11-27 14:05"
        );
        assert_eq!(
            rfc3339(1_795_737_600 + 14 * 3600 + 5 * 60 + 9),
            "2026-11-27T14:05:09Z"
        );
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn parse_round_trip() {
        assert_eq!(parse_iso("2026-11-27"), Some(1_795_737_600));
        assert_eq!(parse_iso("1970-01-01"), Some(0));
        assert_eq!(parse_iso("2000-02-29"), Some(951_782_400));
        assert_eq!(parse_iso("2026-02-31"), None);
        assert_eq!(parse_iso("2026-13-01"), None);
        assert_eq!(parse_iso("yesterday"), None);
        assert_eq!(parse_iso("2026-11-27T00"), None);
    }
}
