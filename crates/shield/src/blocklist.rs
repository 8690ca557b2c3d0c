//! Lists of notorious attackers: parsed from the common feed formats and held as sorted,
//! merged address ranges, so a lookup is a binary search (a million prefixes take tens of
//! megabytes and well under a microsecond).
//!
//! Formats: one address or network per line, with `#` comments (plain lists, FireHOL
//! `.netset`) or `;` comments (Spamhaus DROP/EDROP: `192.0.2.0/24 ; SBL123`).

use std::net::IpAddr;

/// Why a list was refused. The caller keeps its last good copy.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ListError {
    /// Nothing in it looked like an address (an error page, an empty download).
    #[error("no addresses found")]
    Empty,
    /// Too many lines were not addresses: probably not a blocklist at all.
    #[error("{bad} of {total} lines are not addresses (first: line {line}: {text:?})")]
    Garbage {
        /// Bad lines.
        bad: usize,
        /// Lines with content.
        total: usize,
        /// First bad line number (1-based).
        line: usize,
        /// Its text (cut to 60 characters).
        text: String,
    },
}

/// A parsed list: merged IPv4 and IPv6 ranges.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Blocklist {
    v4: Vec<(u32, u32)>,
    v6: Vec<(u128, u128)>,
    skipped: usize,
}

fn merge<T: Ord + Copy>(mut ranges: Vec<(T, T)>, next: impl Fn(T) -> Option<T>) -> Vec<(T, T)> {
    ranges.sort_unstable();
    let mut out: Vec<(T, T)> = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        match out.last_mut() {
            Some(last) if next(last.1).is_none_or(|n| start <= n) => {
                if end > last.1 {
                    last.1 = end;
                }
            }
            _ => out.push((start, end)),
        }
    }
    out
}

impl Blocklist {
    /// Parses a list. Up to 10 % of the lines may be unreadable (counted in
    /// [`Blocklist::skipped`]); more than that, or no address at all, refuses the list.
    pub fn parse(text: &str) -> Result<Blocklist, ListError> {
        let (mut v4, mut v6) = (Vec::new(), Vec::new());
        let (mut total, mut bad, mut first_bad) = (0usize, 0usize, None);
        for (n, line) in text.lines().enumerate() {
            let entry = line.split(['#', ';']).next().unwrap_or("").trim();
            let entry = entry.split_whitespace().next().unwrap_or("");
            if entry.is_empty() {
                continue;
            }
            total += 1;
            match parse_range(entry) {
                Some(Range::V4(a, b)) => v4.push((a, b)),
                Some(Range::V6(a, b)) => v6.push((a, b)),
                None => {
                    bad += 1;
                    first_bad.get_or_insert((n + 1, entry.chars().take(60).collect::<String>()));
                }
            }
        }
        if v4.is_empty() && v6.is_empty() {
            return Err(ListError::Empty);
        }
        if bad * 10 > total {
            let (line, text) = first_bad.unwrap_or((0, String::new()));
            return Err(ListError::Garbage {
                bad,
                total,
                line,
                text,
            });
        }
        Ok(Blocklist {
            v4: merge(v4, |x: u32| x.checked_add(1)),
            v6: merge(v6, |x: u128| x.checked_add(1)),
            skipped: bad,
        })
    }

    /// Joins several lists into one.
    pub fn union(lists: &[Blocklist]) -> Blocklist {
        Blocklist {
            v4: merge(
                lists.iter().flat_map(|l| l.v4.iter().copied()).collect(),
                |x: u32| x.checked_add(1),
            ),
            v6: merge(
                lists.iter().flat_map(|l| l.v6.iter().copied()).collect(),
                |x: u128| x.checked_add(1),
            ),
            skipped: lists.iter().map(|l| l.skipped).sum(),
        }
    }

    /// Whether `ip` is on the list.
    pub fn contains(&self, ip: IpAddr) -> bool {
        fn find<T: Ord + Copy>(ranges: &[(T, T)], x: T) -> bool {
            let i = ranges.partition_point(|(start, _)| *start <= x);
            i > 0 && ranges[i - 1].1 >= x
        }
        match ip {
            IpAddr::V4(v4) => find(&self.v4, u32::from(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => find(&self.v4, u32::from(v4)),
                None => find(&self.v6, u128::from(v6)),
            },
        }
    }

    /// Number of merged ranges.
    pub fn len(&self) -> usize {
        self.v4.len() + self.v6.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The merged IPv4 ranges (first, last), sorted and not overlapping: for the firewall.
    pub fn ranges_v4(&self) -> &[(u32, u32)] {
        &self.v4
    }

    /// The merged IPv6 ranges (first, last), sorted and not overlapping.
    pub fn ranges_v6(&self) -> &[(u128, u128)] {
        &self.v6
    }

    /// Lines that were not addresses but were tolerated.
    pub fn skipped(&self) -> usize {
        self.skipped
    }
}

enum Range {
    V4(u32, u32),
    V6(u128, u128),
}

fn parse_range(s: &str) -> Option<Range> {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u32>().ok()?)),
        None => (s.parse::<IpAddr>().ok()?, None),
    };
    match addr {
        IpAddr::V4(v4) => {
            let p = prefix.unwrap_or(32);
            if p > 32 {
                return None;
            }
            let mask = if p == 0 { 0 } else { u32::MAX << (32 - p) };
            let start = u32::from(v4) & mask;
            Some(Range::V4(start, start | !mask))
        }
        IpAddr::V6(v6) => {
            let p = prefix.unwrap_or(128);
            if p > 128 {
                return None;
            }
            let mask = if p == 0 { 0 } else { u128::MAX << (128 - p) };
            let start = u128::from(v6) & mask;
            Some(Range::V6(start, start | !mask))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn spamhaus_drop_firehol_and_plain() {
        let drop = "; Spamhaus DROP List 2026/11/27\n; Expires: ...\n192.0.2.0/24 ; SBL000001\n198.51.100.0/25 ; SBL000002\n";
        let firehol = "#\n# firehol_level1.netset\n#\n203.0.113.0/24\n2001:db8:bad::/48\n";
        let plain = "198.51.100.200\n  203.0.114.7   # seen scanning\n";
        let l = Blocklist::union(&[
            Blocklist::parse(drop).unwrap(),
            Blocklist::parse(firehol).unwrap(),
            Blocklist::parse(plain).unwrap(),
        ]);
        for yes in [
            "192.0.2.0",
            "192.0.2.255",
            "198.51.100.127",
            "203.0.113.9",
            "2001:db8:bad:1::1",
            "198.51.100.200",
            "::ffff:192.0.2.1",
        ] {
            assert!(l.contains(ip(yes)), "{yes}");
        }
        for no in [
            "192.0.3.0",
            "198.51.100.128",
            "198.51.100.199",
            "2001:db8:bae::1",
            "10.0.0.1",
        ] {
            assert!(!l.contains(ip(no)), "{no}");
        }
    }

    #[test]
    fn bad_lists_are_refused_with_a_reason() {
        assert_eq!(Blocklist::parse(""), Err(ListError::Empty));
        assert_eq!(Blocklist::parse("# only comments\n"), Err(ListError::Empty));
        let html = "<html>\n<body>503 Service Unavailable</body>\n</html>\n192.0.2.1\n";
        assert!(matches!(
            Blocklist::parse(html),
            Err(ListError::Garbage { line: 1, .. })
        ));
        let mostly_good: String = (0..20)
            .map(|i| format!("192.0.2.{i}\n"))
            .collect::<String>()
            + "not-an-ip\n";
        let l = Blocklist::parse(&mostly_good).unwrap();
        assert_eq!(l.skipped(), 1);
        assert_eq!(l.len(), 1, "twenty adjacent addresses merge into one range");
        assert!(Blocklist::parse("192.0.2.0/33\n").is_err());
    }

    #[test]
    fn a_million_prefixes() {
        let mut text = String::with_capacity(20_000_000);
        for i in 0u32..1_000_000 {
            let a = i.wrapping_mul(2_654_435_761);
            text.push_str(&format!(
                "{}.{}.{}.0/24\n",
                a >> 24,
                (a >> 16) & 255,
                (a >> 8) & 255
            ));
        }
        let l = Blocklist::parse(&text).unwrap();
        assert!(l.len() > 500_000);
        assert!(l.contains(ip("0.0.0.77")), "the first generated prefix");
        let a = 999_999u32.wrapping_mul(2_654_435_761);
        assert!(
            l.contains(ip(&format!(
                "{}.{}.{}.1",
                a >> 24,
                (a >> 16) & 255,
                (a >> 8) & 255
            ))),
            "the last one"
        );
    }
}
