//! Counting what the filters found, per address (an IPv6 client by its /64, as the shield
//! bans), in a sliding window per filter, until the threshold bans. Pure: the caller gives
//! the time. Bounded: past its limit the tally forgets the addresses it heard from longest
//! ago, so ten thousand forged sources cannot grow it without end.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

use shield::bans::Subject;

/// What one counts under: a filter, and the pattern when it keeps its own count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Counter {
    /// Index of the filter.
    pub filter: u16,
    /// The pattern's index when it counts apart, else `u16::MAX`.
    pub group: u16,
}

#[derive(Debug, Default)]
struct Entry {
    /// Times (Unix ms) and weights of the matches inside the window.
    hits: VecDeque<(i64, u32)>,
    sum: u64,
    last: i64,
    window_ms: i64,
}

/// The tally.
#[derive(Debug)]
pub struct Tally {
    entries: HashMap<(Counter, Subject), Entry>,
    /// Every counter used so far (a few per filter): forgetting an address looks it up under
    /// each, rather than scanning every address.
    counters: std::collections::HashSet<Counter>,
    max: usize,
    /// Addresses forgotten to stay within the limit.
    pub evicted: u64,
}

impl Tally {
    /// A tally of at most `max` addresses per counter together.
    pub fn new(max: usize) -> Tally {
        Tally {
            entries: HashMap::new(),
            counters: Default::default(),
            max: max.max(1),
            evicted: 0,
        }
    }

    /// Addresses counted now.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is counted.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Counts a match of `weight` from `host`; true when this reaches `threshold` within
    /// `window_s` (the count then starts again from zero).
    pub fn add(
        &mut self,
        counter: Counter,
        host: IpAddr,
        weight: u32,
        threshold: u32,
        window_s: i64,
        now_ms: i64,
    ) -> bool {
        self.add_subject(
            counter,
            Subject::of(host),
            weight,
            threshold,
            window_s,
            now_ms,
        )
    }

    /// [`Tally::add`] for a whole network (an IPv6 /56 or /48, counting its /64s together).
    pub fn add_subject(
        &mut self,
        counter: Counter,
        subject: Subject,
        weight: u32,
        threshold: u32,
        window_s: i64,
        now_ms: i64,
    ) -> bool {
        if weight == 0 {
            return false;
        }
        let key = (counter, subject);
        self.counters.insert(counter);
        if !self.entries.contains_key(&key) && self.entries.len() >= self.max {
            self.make_room(now_ms);
        }
        let window_ms = window_s.saturating_mul(1000);
        let e = self.entries.entry(key).or_default();
        e.window_ms = window_ms;
        // A clock that stepped back: start afresh rather than keep stale hits forever.
        if now_ms < e.last {
            e.hits.clear();
            e.sum = 0;
        }
        while let Some(&(at, w)) = e.hits.front() {
            if now_ms - at < window_ms {
                break;
            }
            e.hits.pop_front();
            e.sum -= u64::from(w);
        }
        e.hits.push_back((now_ms, weight));
        e.sum += u64::from(weight);
        e.last = now_ms;
        if e.sum >= u64::from(threshold) {
            self.entries.remove(&key);
            return true;
        }
        false
    }

    /// Forgets the counts of `host` (banned, or allowlisted).
    pub fn forget(&mut self, host: IpAddr) {
        let s = Subject::of(host);
        for c in &self.counters {
            self.entries.remove(&(*c, s));
            if s.prefix == 64 {
                self.entries.remove(&(*c, s.widened(56)));
                self.entries.remove(&(*c, s.widened(48)));
            }
        }
    }

    /// Drops addresses whose window has passed.
    pub fn expire(&mut self, now_ms: i64) {
        self.entries
            .retain(|_, e| now_ms - e.last < e.window_ms && now_ms >= e.last);
    }

    /// Drops the passed; if still full, the eighth heard from longest ago.
    fn make_room(&mut self, now_ms: i64) {
        let before = self.entries.len();
        self.expire(now_ms);
        if self.entries.len() >= self.max {
            let mut lasts: Vec<i64> = self.entries.values().map(|e| e.last).collect();
            let cut = (lasts.len() / 8).max(1);
            let (_, nth, _) = lasts.select_nth_unstable(cut - 1);
            let oldest = *nth;
            self.entries.retain(|_, e| e.last > oldest);
        }
        self.evicted += (before - self.entries.len()) as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const C: Counter = Counter {
        filter: 0,
        group: u16::MAX,
    };

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_threshold_inside_the_window_bans() {
        let mut t = Tally::new(100);
        let a = ip("192.0.2.1");
        for i in 0..4 {
            assert!(!t.add(C, a, 1, 5, 600, i * 1000));
        }
        assert!(t.add(C, a, 1, 5, 600, 5000));
        // Counted afresh after a ban.
        assert!(!t.add(C, a, 1, 5, 600, 6000));
    }

    #[test]
    fn matches_outside_the_window_do_not_count() {
        let mut t = Tally::new(100);
        let a = ip("192.0.2.1");
        for i in 0..10 {
            // One every three minutes, five-per-ten-minutes never reached.
            assert!(!t.add(C, a, 1, 5, 600, i * 180_000), "{i}");
        }
    }

    #[test]
    fn weights_counters_and_ipv6_networks() {
        let mut t = Tally::new(100);
        // Weight 0 is recorded elsewhere, never counted.
        for i in 0..100 {
            assert!(!t.add(C, ip("192.0.2.1"), 0, 1, 600, i));
        }
        assert!(t.is_empty());
        // A /64 counts as one client.
        assert!(!t.add(C, ip("2001:db8::1"), 1, 2, 600, 0));
        assert!(t.add(C, ip("2001:db8::2"), 1, 2, 600, 1));
        // Counters are apart.
        let other = Counter {
            filter: 1,
            group: u16::MAX,
        };
        assert!(!t.add(C, ip("192.0.2.9"), 1, 2, 600, 0));
        assert!(!t.add(other, ip("192.0.2.9"), 1, 2, 600, 0));
        assert!(t.add(C, ip("192.0.2.9"), 1, 2, 600, 0));
        // Heavier matches ban sooner.
        assert!(t.add(C, ip("192.0.2.10"), 3, 3, 600, 0));
    }

    #[test]
    fn it_stays_within_its_limit_and_keeps_the_recent() {
        let mut t = Tally::new(1000);
        for i in 0..10_000u32 {
            let a = IpAddr::V4((0x0a00_0000u32 + i).into());
            t.add(C, a, 1, 5, 600, i64::from(i));
            assert!(t.len() <= 1000);
        }
        assert!(t.evicted >= 9000);
        // The most recent address still has its count.
        let last = IpAddr::V4((0x0a00_0000u32 + 9_999).into());
        for _ in 0..3 {
            assert!(!t.add(C, last, 1, 5, 600, 10_000));
        }
        assert!(t.add(C, last, 1, 5, 600, 10_000));
        t.expire(10_000 + 600_000);
        assert!(t.is_empty());
    }

    #[test]
    fn forgetting_an_address_does_not_scan_the_tally() {
        let mut t = Tally::new(100_000);
        for i in 0..100_000u32 {
            t.add(C, IpAddr::V4((0x0a00_0000u32 + i).into()), 1, 1_000, 600, 0);
        }
        // Ten thousand forgets would take seconds if each scanned 100,000 entries.
        let started = std::time::Instant::now();
        for i in 0..10_000u32 {
            t.forget(IpAddr::V4((0x0a00_0000u32 + i).into()));
        }
        assert_eq!(t.len(), 90_000);
        eprintln!(
            "10,000 forgets with 100,000 tracked: {:?}",
            started.elapsed()
        );
    }

    #[test]
    fn an_ipv6_attacker_walking_its_48_is_counted_by_its_networks() {
        // What the guard does: each match counts for the /64, its /56 (4x the threshold) and
        // its /48 (16x). Four failed passwords (weight 2, threshold 10) per /64, a new /64
        // each time, never bans a /64; the /56 and /48 totals do.
        let mut t = Tally::new(100_000);
        let net = |g| Counter {
            filter: 0,
            group: g,
        };
        let mut banned = None;
        'walk: for n in 0..10_000u128 {
            let addr: u128 = (0x2001_0db8_0001u128 << 80) | (n << 64) | 1;
            let ip = IpAddr::V6(addr.into());
            for _ in 0..4 {
                assert!(!t.add(C, ip, 2, 10, 600, 0), "no single /64 gets there");
                let own = Subject::of(ip);
                for (prefix, times, g) in [(56u8, 4u32, 1u16), (48, 16, 2)] {
                    if t.add_subject(net(g), own.widened(prefix), 2, 10 * times, 600, 0) {
                        banned = Some((n, prefix));
                        break 'walk;
                    }
                }
            }
        }
        // 40 points in a /56 is 20 guesses: the fifth /64.
        assert_eq!(banned, Some((4, 56)));
    }

    #[test]
    fn forget_drops_an_address() {
        let mut t = Tally::new(10);
        t.add(C, ip("192.0.2.1"), 1, 5, 600, 0);
        t.add(C, ip("192.0.2.2"), 1, 5, 600, 0);
        t.forget(ip("192.0.2.1"));
        assert_eq!(t.len(), 1);
    }
}
