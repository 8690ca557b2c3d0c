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
    }
}
