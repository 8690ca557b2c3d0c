//! Dates, times and numbers as each language writes them, in a given time zone.
//!
//! Unix seconds in, text out; an instant outside what the calendar can show comes out as the
//! plain number rather than a wrong date.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;

use crate::Lang;

const MONTHS_NL: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];
const MONTHS_EN: [&str; 12] = [
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
const SHORT_NL: [&str; 12] = [
    "jan.", "feb.", "mrt.", "apr.", "mei", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec.",
];
const SHORT_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A time zone by its IANA name (`Europe/Amsterdam`, `UTC`), or why not.
pub fn zone(name: &str) -> Result<TimeZone, String> {
    TimeZone::get(name).map_err(|_| {
        format!("{name:?} is not a time zone name (like \"Europe/Amsterdam\" or \"UTC\")")
    })
}

fn local(tz: &TimeZone, unix: i64) -> Option<DateTime> {
    let ts = Timestamp::from_second(unix).ok()?;
    Some(tz.to_datetime(ts))
}

fn month_index(d: Date) -> usize {
    usize::try_from(d.month() - 1).unwrap_or(0).min(11)
}

/// The day in words: "6 december 2026" / "6 December 2026".
pub fn date(lang: Lang, tz: &TimeZone, unix: i64) -> String {
    let Some(dt) = local(tz, unix) else {
        return unix.to_string();
    };
    let d = dt.date();
    let month = match lang {
        Lang::Nl => MONTHS_NL[month_index(d)],
        Lang::En => MONTHS_EN[month_index(d)],
    };
    format!("{} {month} {}", d.day(), d.year())
}

/// Day and minute, short, for tables: "6 dec. 2026 18:05" / "6 Dec 2026 18:05".
pub fn date_time(lang: Lang, tz: &TimeZone, unix: i64) -> String {
    stamp(lang, tz, unix, false)
}

/// The same to the second, where two events can fall in one minute (revisions, sign-ins).
pub fn date_time_seconds(lang: Lang, tz: &TimeZone, unix: i64) -> String {
    stamp(lang, tz, unix, true)
}

fn stamp(lang: Lang, tz: &TimeZone, unix: i64, seconds: bool) -> String {
    let Some(dt) = local(tz, unix) else {
        return unix.to_string();
    };
    let d = dt.date();
    let month = match lang {
        Lang::Nl => SHORT_NL[month_index(d)],
        Lang::En => SHORT_EN[month_index(d)],
    };
    let t = dt.time();
    let mut s = format!(
        "{} {month} {} {:02}:{:02}",
        d.day(),
        d.year(),
        t.hour(),
        t.minute()
    );
    if seconds {
        s.push_str(&format!(":{:02}", t.second()));
    }
    s
}

/// `YYYY-MM-DD` and `HH:MM` in the zone, for `<input type="date">` and `<input type="time">`.
pub fn input_date_time(tz: &TimeZone, unix: i64) -> (String, String) {
    match local(tz, unix) {
        Some(dt) => (
            format!("{:04}-{:02}-{:02}", dt.year(), dt.month(), dt.day()),
            format!("{:02}:{:02}", dt.hour(), dt.minute()),
        ),
        None => (String::new(), String::new()),
    }
}

/// The Unix time of a date (`YYYY-MM-DD`) and time (`HH:MM`, or empty for midnight) as read
/// on a clock in the zone. A time the clocks skip (the spring change) is taken as the same
/// clock reading after the change; one they pass twice (autumn), as the first.
pub fn parse_input(tz: &TimeZone, date: &str, time: &str) -> Option<i64> {
    let d: Date = date.trim().parse().ok()?;
    let t: Time = if time.trim().is_empty() {
        Time::midnight()
    } else {
        time.trim().parse().ok()?
    };
    let zoned = d.to_datetime(t).to_zoned(tz.clone()).ok()?;
    Some(zoned.timestamp().as_second())
}

/// A whole number with the language's thousands separator: "12.345" / "12,345".
pub fn number(lang: Lang, n: i64) -> String {
    let sep = match lang {
        Lang::Nl => '.',
        Lang::En => ',',
    };
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ams() -> TimeZone {
        zone("Europe/Amsterdam").expect("built-in tz database")
    }

    // 2026-12-06 17:05:09 UTC.
    const WINTER: i64 = 1_796_576_709;
    // 2026-07-01 10:00:00 UTC.
    const SUMMER: i64 = 1_782_900_000;

    #[test]
    fn dates_are_written_in_each_language_in_the_sites_zone() {
        assert_eq!(date(Lang::Nl, &ams(), WINTER), "6 december 2026");
        assert_eq!(date(Lang::En, &ams(), WINTER), "6 December 2026");
        assert_eq!(date_time(Lang::Nl, &ams(), WINTER), "6 dec. 2026 18:05");
        assert_eq!(
            date_time(Lang::En, &TimeZone::UTC, WINTER),
            "6 Dec 2026 17:05"
        );
        assert_eq!(
            date_time_seconds(Lang::Nl, &ams(), WINTER),
            "6 dec. 2026 18:05:09"
        );
        // Summer time is two hours ahead of UTC.
        assert_eq!(date_time(Lang::Nl, &ams(), SUMMER), "1 jul. 2026 12:00");
    }

    #[test]
    fn form_inputs_round_trip_through_the_zone() {
        let (d, t) = input_date_time(&ams(), WINTER);
        assert_eq!((d.as_str(), t.as_str()), ("2026-12-06", "18:05"));
        assert_eq!(parse_input(&ams(), &d, &t), Some(WINTER - 9));
        // Midnight in Amsterdam is 23:00 UTC the day before, in winter.
        assert_eq!(
            parse_input(&ams(), "2026-12-06", ""),
            Some(WINTER - (17 * 3600 + 5 * 60 + 9) - 3600)
        );
        assert_eq!(parse_input(&ams(), "2026-02-31", "10:00"), None);
        assert_eq!(parse_input(&ams(), "2026-12-06", "25:00"), None);
        assert_eq!(parse_input(&ams(), "soon", ""), None);
    }

    #[test]
    fn clock_changes_do_not_lose_or_double_a_moment() {
        // 29 March 2026: 02:00 → 03:00 in Amsterdam. 02:30 does not exist; it is taken as
        // 03:30 summer time (01:30 UTC).
        let skipped = parse_input(&ams(), "2026-03-29", "02:30").expect("compatible");
        assert_eq!(
            date_time(Lang::En, &TimeZone::UTC, skipped),
            "29 Mar 2026 01:30"
        );
        // 25 October 2026: 02:30 happens twice; the first (summer time, 00:30 UTC).
        let twice = parse_input(&ams(), "2026-10-25", "02:30").expect("compatible");
        assert_eq!(
            date_time(Lang::En, &TimeZone::UTC, twice),
            "25 Oct 2026 00:30"
        );
    }

    #[test]
    fn numbers_group_thousands_the_languages_way() {
        assert_eq!(number(Lang::Nl, 12_345_678), "12.345.678");
        assert_eq!(number(Lang::En, 12_345_678), "12,345,678");
        assert_eq!(number(Lang::Nl, -1000), "-1.000");
        assert_eq!(number(Lang::En, 999), "999");
        assert_eq!(number(Lang::En, i64::MIN), "-9,223,372,036,854,775,808");
    }

    #[test]
    fn unknown_zones_and_instants_out_of_range_are_not_errors_for_the_reader() {
        assert!(zone("Mars/Olympus").is_err());
        assert_eq!(date(Lang::Nl, &ams(), i64::MAX), i64::MAX.to_string());
    }
}
