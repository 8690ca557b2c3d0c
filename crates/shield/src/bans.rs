//! Temporary and permanent bans, escalating for repeat offenders. Pure: callers pass the
//! time (Unix seconds).
//!
//! IPv4 addresses are banned one by one; IPv6 clients are banned by their /64, since one
//! host owns the whole /64 and can change addresses inside it at will (fail2ban bans single
//! IPv6 addresses, which a scanner simply walks around).

use std::collections::HashMap;
use std::net::IpAddr;

/// The unit a ban covers: an IPv4 address or an IPv6 /64.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Subject {
    /// The address with the host bits of an IPv6 /64 cleared.
    pub addr: IpAddr,
    /// 32 for IPv4, 64 for IPv6.
    pub prefix: u8,
}

impl Subject {
    /// The subject a client address belongs to.
    pub fn of(ip: IpAddr) -> Subject {
        match ip {
            IpAddr::V4(v4) => Subject {
                addr: IpAddr::V4(v4),
                prefix: 32,
            },
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Subject {
                    addr: IpAddr::V4(v4),
                    prefix: 32,
                },
                None => {
                    let masked = u128::from(v6) & (u128::MAX << 64);
                    Subject {
                        addr: IpAddr::V6(masked.into()),
                        prefix: 64,
                    }
                }
            },
        }
    }
}

impl Subject {
    /// Reads `192.0.2.7`, `198.51.100.0/24`, `2001:db8::1` (its /64) or `2001:db8::/48`.
    /// IPv6 prefixes longer than /64 become the /64: one client's addresses share it.
    pub fn parse(s: &str) -> Option<Subject> {
        let s = s.trim();
        let cidr = crate::net::Cidr::parse(s)?;
        let (addr, prefix) = (cidr.addr(), cidr.prefix());
        match addr {
            IpAddr::V4(v4) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
                Some(Subject {
                    addr: IpAddr::V4((u32::from(v4) & mask).into()),
                    prefix,
                })
            }
            IpAddr::V6(_) if !s.contains('/') || prefix >= 64 => Some(Subject::of(addr)),
            IpAddr::V6(_) => Some(Subject::of(addr).widened(prefix)),
        }
    }

    /// Whether `ip` lies in this subject's network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = Subject::of(ip).addr;
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }

    /// Whether a ban of this subject is found by key (a client's own subject, or the /56 and
    /// /48 of automatic widening); other networks (banned by hand) are searched.
    fn keyed(&self) -> bool {
        match self.addr {
            IpAddr::V4(_) => self.prefix == 32,
            IpAddr::V6(_) => matches!(self.prefix, 64 | 56 | 48),
        }
    }

    /// The wider IPv6 network of `prefix` bits containing this subject (for /56 and /48 bans).
    pub fn widened(self, prefix: u8) -> Subject {
        match self.addr {
            IpAddr::V6(v6) if prefix < self.prefix => {
                let mask = if prefix == 0 {
                    0
                } else {
                    u128::MAX << (128 - u32::from(prefix))
                };
                Subject {
                    addr: IpAddr::V6((u128::from(v6) & mask).into()),
                    prefix,
                }
            }
            _ => self,
        }
    }
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.addr, self.prefix) {
            (IpAddr::V4(_), 32) => write!(f, "{}", self.addr),
            (_, p) => write!(f, "{}/{p}", self.addr),
        }
    }
}

/// Seconds in `30s`, `10m`, `1h`, `7d`; `None` for `permanent`.
pub fn parse_duration(s: &str) -> Result<Option<i64>, String> {
    if s == "permanent" {
        return Ok(None);
    }
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = num
        .parse()
        .map_err(|_| format!("{s:?}: write a duration like 10m, 1h, 7d or permanent"))?;
    let per = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("{s:?}: the unit must be s, m, h or d")),
    };
    // Ten years at most: longer is what `permanent` is for.
    let secs = n
        .checked_mul(per)
        .filter(|s| *s <= 10 * 366 * 86_400)
        .ok_or_else(|| format!("{s:?}: too long; use permanent"))?;
    if secs <= 0 {
        return Err(format!("{s:?}: the duration must be positive"));
    }
    Ok(Some(secs))
}

/// One ban.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ban {
    /// Who.
    pub subject: Subject,
    /// Until when (Unix seconds); `None` is permanent.
    pub until: Option<i64>,
    /// Why, for the log and the dashboard.
    pub reason: String,
    /// How many bans this subject has had, this one included (drives escalation).
    pub count: u32,
    /// When it was made (Unix seconds).
    pub at: i64,
}

/// Seconds a lift made here outweighs stored bans made before it.
const LIFT_MEMORY_S: i64 = 60;

/// How long bans last.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BanPolicy {
    /// Durations of the first, second, ... ban in seconds; the last repeats.
    pub durations: Vec<i64>,
    /// How long earlier bans are remembered for escalation.
    pub memory: i64,
}

impl Default for BanPolicy {
    fn default() -> Self {
        BanPolicy {
            durations: vec![600, 3600, 86_400, 7 * 86_400],
            memory: 30 * 86_400,
        }
    }
}

/// The bans in force and the history used for escalation.
#[derive(Debug, Default)]
pub struct BanTable {
    policy: BanPolicy,
    active: HashMap<Subject, Ban>,
    history: HashMap<Subject, (u32, i64)>,
    /// Subjects of active bans that are not found by key (networks banned by hand).
    networks: Vec<Subject>,
    /// Bans made here that a sync has not seen stored yet: `None` while not written, or the
    /// save mark of their write. A sync keeps them, however long the write takes, unless its
    /// read of the database began after the write; so a ban is never lost between being made
    /// and being stored.
    unsaved: HashMap<Subject, Option<u64>>,
    /// Counts writes confirmed by [`BanTable::saved`].
    saves: u64,
    /// Subjects lifted here, and when: a sync whose read of the database began before the lift
    /// was written must not bring the ban back (a ban made after the lift still comes in).
    lifted: HashMap<Subject, i64>,
}

impl BanTable {
    /// An empty table.
    pub fn new(policy: BanPolicy) -> BanTable {
        BanTable {
            policy,
            ..BanTable::default()
        }
    }

    /// Bans `ip`'s subject for the next duration in the escalation; returns the ban.
    ///
    /// IPv6: when two other /64s inside the same /56 were banned within the memory period,
    /// the whole /56 is banned instead; with two other /56 bans inside the /48, the /48 (as
    /// Knot's response-rate limiting widens), so a host walking its own prefix gains nothing.
    pub fn ban(&mut self, ip: IpAddr, now: i64, reason: &str) -> Ban {
        let mut subject = Subject::of(ip);
        let memory = self.policy.memory;
        let others = |history: &HashMap<Subject, (u32, i64)>, narrow: Subject, wide: Subject| {
            history
                .iter()
                .filter(|(s, (_, last))| {
                    s.prefix == narrow.prefix
                        && s.widened(wide.prefix) == wide
                        && **s != narrow
                        && now - last < memory
                })
                .count()
        };
        if subject.prefix == 64 && others(&self.history, subject, subject.widened(56)) >= 2 {
            subject = subject.widened(56);
            if others(&self.history, subject, subject.widened(48)) >= 2 {
                subject = subject.widened(48);
            }
        }
        self.ban_subject(subject, now, reason)
    }

    /// Bans a subject as it is (an IPv6 /56 or /48 whose /64s together crossed a threshold),
    /// escalating as [`BanTable::ban`] does.
    pub fn ban_subject(&mut self, subject: Subject, now: i64, reason: &str) -> Ban {
        let count = match self.history.get(&subject) {
            Some((n, last)) if now - last < self.policy.memory => n + 1,
            _ => 1,
        };
        self.history.insert(subject, (count, now));
        let idx = (count as usize - 1).min(self.policy.durations.len().saturating_sub(1));
        let secs = self.policy.durations.get(idx).copied().unwrap_or(600);
        let ban = Ban {
            subject,
            until: Some(now + secs),
            reason: reason.to_string(),
            count,
            at: now,
        };
        self.active.insert(subject, ban.clone());
        self.unsaved.insert(subject, None);
        ban
    }

    /// The database now holds the ban of `subject`: a sync whose read began after this may
    /// drop it when it was lifted there.
    pub fn saved(&mut self, ban: &Ban) {
        self.saves += 1;
        // A newer ban of the subject (escalated while this one was written) is not stored.
        let current = self
            .active
            .get(&ban.subject)
            .is_some_and(|b| b.at == ban.at && b.count == ban.count);
        if let (true, Some(mark)) = (current, self.unsaved.get_mut(&ban.subject)) {
            *mark = Some(self.saves);
        }
    }

    /// Taken just before reading the stored bans, and handed to [`BanTable::sync`] with them.
    pub fn save_mark(&self) -> u64 {
        self.saves
    }

    /// Bans made here and not yet confirmed as stored.
    pub fn unsaved(&self) -> usize {
        self.unsaved.len()
    }

    /// Adds a ban as it is (loaded from the database, or made by an operator).
    pub fn insert(&mut self, ban: Ban, now: i64) {
        // Of two bans of one subject the one that lasts longer stands.
        let outlasted =
            self.active
                .get(&ban.subject)
                .is_some_and(|old| match (old.until, ban.until) {
                    (None, _) => true,
                    (Some(_), None) => false,
                    (Some(a), Some(b)) => a > b,
                });
        if ban.until.is_none_or(|u| u > now) && !outlasted {
            let e = self.history.entry(ban.subject).or_insert((0, now));
            e.0 = e.0.max(ban.count);
            if !ban.subject.keyed() && !self.networks.contains(&ban.subject) {
                self.networks.push(ban.subject);
            }
            self.active.insert(ban.subject, ban);
        }
    }

    /// The ban covering `ip` at `now`, if any (for IPv6 also a /56 or /48 ban).
    pub fn check(&self, ip: IpAddr, now: i64) -> Option<&Ban> {
        let s = Subject::of(ip);
        let keys: &[Subject] = if s.prefix == 64 {
            &[s, s.widened(56), s.widened(48)]
        } else {
            &[s]
        };
        let live = |b: &&Ban| b.until.is_none_or(|u| u > now);
        keys.iter()
            .filter_map(|k| self.active.get(k))
            .find(live)
            .or_else(|| {
                self.networks
                    .iter()
                    .filter(|n| n.contains(ip))
                    .filter_map(|n| self.active.get(n))
                    .find(live)
            })
    }

    /// Whether the ban covering `ip` was made here and is not yet confirmed as stored.
    pub fn unsaved_ban(&self, ip: IpAddr, now: i64) -> bool {
        self.check(ip, now)
            .is_some_and(|b| self.unsaved.get(&b.subject) == Some(&None))
    }

    /// Lifts the ban of a subject at `now`; false if there was none.
    pub fn lift(&mut self, subject: Subject, now: i64) -> bool {
        self.lifted.insert(subject, now);
        self.networks.retain(|n| *n != subject);
        self.unsaved.remove(&subject);
        self.active.remove(&subject).is_some()
    }

    /// Brings the table in line with the stored bans, read after `mark` was taken (see
    /// [`BanTable::save_mark`]): adds the ones made elsewhere (the CLI, another node) and drops
    /// the ones lifted there. Bans made here stay until a read that began after their write
    /// has seen them, and so do those made in the last `grace` seconds.
    pub fn sync(&mut self, stored: Vec<Ban>, now: i64, grace: i64, mark: u64) {
        let keep: std::collections::HashSet<Subject> = stored.iter().map(|b| b.subject).collect();
        let pending = |m: &Option<u64>| m.is_none_or(|saved| saved > mark);
        let unsaved = &self.unsaved;
        self.active.retain(|s, b| {
            keep.contains(s) || unsaved.get(s).is_some_and(pending) || now - b.at < grace
        });
        self.unsaved.retain(|_, m| pending(m));
        // Lifts are remembered long enough for every read that began before them to be over.
        self.lifted.retain(|_, at| now - *at < LIFT_MEMORY_S);
        for b in stored {
            if self.lifted.get(&b.subject).is_some_and(|at| b.at <= *at) {
                continue;
            }
            self.insert(b, now);
        }
        let active = &self.active;
        self.networks.retain(|n| active.contains_key(n));
    }

    /// Drops expired bans and forgotten history; call now and then.
    pub fn expire(&mut self, now: i64) {
        self.active.retain(|_, b| b.until.is_none_or(|u| u > now));
        let active = &self.active;
        self.networks.retain(|n| active.contains_key(n));
        self.unsaved.retain(|s, _| active.contains_key(s));
        let memory = self.policy.memory;
        self.history.retain(|_, (_, last)| now - *last < memory);
    }

    /// The bans in force, soonest to end first.
    pub fn active(&self, now: i64) -> Vec<Ban> {
        let mut v: Vec<Ban> = self
            .active
            .values()
            .filter(|b| b.until.is_none_or(|u| u > now))
            .cloned()
            .collect();
        v.sort_by_key(|b| (b.until.unwrap_or(i64::MAX), b.subject));
        v
    }
}

/// Misses every browser and crawler makes; they never count.
pub fn is_expected_miss(path: &str) -> bool {
    let p = path.to_ascii_lowercase();
    p == "/favicon.ico"
        || p == "/robots.txt"
        || p == "/sitemap.xml"
        || p == "/ads.txt"
        || p == "/humans.txt"
        || p.starts_with("/.well-known/")
        || (p.starts_with("/apple-touch-icon") && p.ends_with(".png"))
        || p == "/browserconfig.xml"
        || p == "/site.webmanifest"
        || p == "/manifest.json"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10m").unwrap(), Some(600));
        assert_eq!(parse_duration("7d").unwrap(), Some(604_800));
        assert_eq!(parse_duration("permanent").unwrap(), None);
        for bad in ["", "10", "1w", "-1h", "0s", "h", "99999999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_network_banned_whole_covers_its_64s_and_escalates() {
        let mut t = BanTable::new(BanPolicy::default());
        let net = Subject::of(ip("2001:db8:1:200::1")).widened(48);
        let first = t.ban_subject(net, 0, "walked its /48");
        assert_eq!(
            (first.subject.to_string().as_str(), first.until),
            ("2001:db8:1::/48", Some(600))
        );
        assert!(t.check(ip("2001:db8:1:ffff::9"), 10).is_some());
        assert!(t.check(ip("2001:db8:2::9"), 10).is_none());
        assert_eq!(t.ban_subject(net, 700, "again").until, Some(700 + 3600));
    }

    #[test]
    fn networks_banned_by_hand_cover_their_addresses() {
        let s = Subject::parse("198.51.100.77/24").unwrap();
        assert_eq!(s.to_string(), "198.51.100.0/24");
        assert_eq!(
            Subject::parse("2001:db8::1").unwrap().to_string(),
            "2001:db8::/64"
        );
        assert_eq!(
            Subject::parse("2001:db8:0:1::/128").unwrap().to_string(),
            "2001:db8:0:1::/64"
        );
        assert_eq!(
            Subject::parse("2001:db8::/32").unwrap().to_string(),
            "2001:db8::/32"
        );
        assert_eq!(
            Subject::parse("192.0.2.7").unwrap().to_string(),
            "192.0.2.7"
        );
        assert!(Subject::parse("192.0.2.0/33").is_none() && Subject::parse("nope").is_none());
        let mut t = BanTable::new(BanPolicy::default());
        t.insert(
            Ban {
                subject: s,
                until: Some(1_000),
                reason: "hand".into(),
                count: 1,
                at: 0,
            },
            0,
        );
        let v6 = Subject::parse("2001:db8::/32").unwrap();
        t.insert(
            Ban {
                subject: v6,
                until: None,
                reason: "hand".into(),
                count: 1,
                at: 0,
            },
            0,
        );
        assert!(t.check("198.51.100.1".parse().unwrap(), 10).is_some());
        assert!(t.check("198.51.101.1".parse().unwrap(), 10).is_none());
        assert!(
            t.check("198.51.100.1".parse().unwrap(), 1_000).is_none(),
            "expired"
        );
        assert!(t.check("2001:db8:ffff::9".parse().unwrap(), 10).is_some());
        assert!(t.check("2001:db9::9".parse().unwrap(), 10).is_none());
        assert!(t.lift(v6, 10));
        assert!(t.check("2001:db8:ffff::9".parse().unwrap(), 10).is_none());
    }

    #[test]
    fn bans_escalate_and_expire() {
        let mut t = BanTable::new(BanPolicy::default());
        let b1 = t.ban(ip("192.0.2.7"), 1000, "404 scan");
        assert_eq!((b1.until, b1.count), (Some(1600), 1));
        assert!(t.check(ip("192.0.2.7"), 1599).is_some());
        assert!(
            t.check(ip("192.0.2.8"), 1599).is_none(),
            "IPv4 bans are per address"
        );
        assert!(t.check(ip("192.0.2.7"), 1600).is_none(), "expired");
        let b2 = t.ban(ip("192.0.2.7"), 2000, "again");
        assert_eq!(b2.until, Some(2000 + 3600), "second ban lasts an hour");
        t.ban(ip("192.0.2.7"), 9000, "3");
        let b4 = t.ban(ip("192.0.2.7"), 200_000, "4");
        assert_eq!(b4.until, Some(200_000 + 7 * 86_400));
        let b5 = t.ban(ip("192.0.2.7"), 900_000, "5");
        assert_eq!(
            b5.until,
            Some(900_000 + 7 * 86_400),
            "the last step repeats"
        );
        let fresh = t.ban(ip("192.0.2.7"), 900_000 + 31 * 86_400, "much later");
        assert_eq!(fresh.count, 1, "forgiven after the memory period");
    }

    #[test]
    fn ipv6_bans_cover_the_slash_64() {
        let mut t = BanTable::new(BanPolicy::default());
        t.ban(ip("2001:db8:1:2::5"), 0, "x");
        assert!(t.check(ip("2001:db8:1:2:ffff::1"), 1).is_some());
        assert!(t.check(ip("2001:db8:1:3::5"), 1).is_none());
        assert_eq!(
            Subject::of(ip("2001:db8:1:2::5")).to_string(),
            "2001:db8:1:2::/64"
        );
        assert_eq!(Subject::of(ip("::ffff:192.0.2.1")).to_string(), "192.0.2.1");
    }

    #[test]
    fn repeated_ipv6_offences_widen_the_ban() {
        let mut t = BanTable::new(BanPolicy::default());
        let a = t.ban(ip("2001:db8:0:100::1"), 0, "x");
        assert_eq!(a.subject.to_string(), "2001:db8:0:100::/64");
        t.ban(ip("2001:db8:0:101::1"), 10, "x");
        let third = t.ban(ip("2001:db8:0:102::1"), 20, "x");
        assert_eq!(
            third.subject.to_string(),
            "2001:db8:0:100::/56",
            "third /64 in the /56"
        );
        assert!(
            t.check(ip("2001:db8:0:1ff::9"), 30).is_some(),
            "the whole /56"
        );
        assert!(
            t.check(ip("2001:db8:0:200::9"), 30).is_none(),
            "not the next /56"
        );
        t.ban(ip("2001:db8:0:200::1"), 40, "x");
        t.ban(ip("2001:db8:0:201::1"), 41, "x");
        let b = t.ban(ip("2001:db8:0:202::1"), 42, "x");
        assert_eq!(b.subject.to_string(), "2001:db8:0:200::/56");
        t.ban(ip("2001:db8:0:300::1"), 50, "x");
        t.ban(ip("2001:db8:0:301::1"), 51, "x");
        let c = t.ban(ip("2001:db8:0:302::1"), 52, "x");
        assert_eq!(
            c.subject.to_string(),
            "2001:db8::/48",
            "third /56 in the /48"
        );
        assert!(t.check(ip("2001:db8:0:ff00::1"), 60).is_some());
        assert!(t.check(ip("2001:db8:1::1"), 60).is_none());
        // IPv4 is never widened.
        for i in 1..5 {
            assert_eq!(
                t.ban(ip(&format!("192.0.2.{i}")), 70, "x").subject.prefix,
                32
            );
        }
    }

    #[test]
    fn permanent_bans_and_lifting() {
        let mut t = BanTable::new(BanPolicy::default());
        let s = Subject::of(ip("198.51.100.1"));
        t.insert(
            Ban {
                subject: s,
                until: None,
                reason: "operator".into(),
                count: 1,
                at: 0,
            },
            0,
        );
        assert!(t.check(ip("198.51.100.1"), i64::MAX - 1).is_some());
        assert!(t.lift(s, 1));
        assert!(t.check(ip("198.51.100.1"), 1).is_none());
    }

    /// The admin lifts a ban while a sync's read of the database is under way: the read still
    /// has the ban, and must not bring it back; a ban made after the lift does come in.
    #[test]
    fn a_sync_that_read_before_a_lift_does_not_undo_it() {
        let mut t = BanTable::new(BanPolicy::default());
        let s = Subject::of(ip("198.51.100.7"));
        let stored = |at: i64| Ban {
            subject: s,
            until: None,
            reason: "operator".into(),
            count: 1,
            at,
        };
        t.insert(stored(100), 100);
        let mark = t.save_mark();
        let read = vec![stored(100)];
        assert!(t.lift(s, 105));
        t.sync(read, 106, 5, mark);
        assert!(
            t.check(ip("198.51.100.7"), 106).is_none(),
            "the lift stands"
        );
        t.sync(vec![stored(107)], 108, 5, t.save_mark());
        assert!(
            t.check(ip("198.51.100.7"), 108).is_some(),
            "a new ban comes in"
        );
    }

    #[test]
    fn a_ban_not_yet_stored_survives_every_sync() {
        let mut t = BanTable::new(BanPolicy::default());
        // Ten thousand attackers at once: the database has none of their bans yet.
        for i in 0..10_000u32 {
            let a = std::net::Ipv4Addr::from(0x0a00_0000 + i);
            t.ban(IpAddr::V4(a), 100, "attack");
        }
        assert_eq!(t.unsaved(), 10_000);
        // Syncs long after any grace period keep them all, while the writer catches up.
        t.sync(Vec::new(), 500, 30, t.save_mark());
        assert_eq!(t.active(500).len(), 10_000);
        // A read that began before the write does not know it yet: the ban stays.
        let first = t.check(ip("10.0.0.0"), 500).cloned().unwrap();
        let early = t.save_mark();
        t.saved(&first);
        t.sync(Vec::new(), 500, 30, early);
        assert!(t.check(ip("10.0.0.0"), 500).is_some());
        // Once stored, a ban lifted in the database (an empty list) goes at the next sync.
        t.sync(Vec::new(), 500, 30, t.save_mark());
        assert_eq!(t.active(500).len(), 9_999);
        assert!(t.check(ip("10.0.0.0"), 500).is_none());
        assert!(t.check(ip("10.0.0.1"), 500).is_some());
        // Lifting here forgets it too; expiry empties the list.
        assert!(t.lift(Subject::of(ip("10.0.0.1")), 500));
        assert_eq!(t.unsaved(), 9_998);
        t.expire(100 + 601);
        assert_eq!(t.unsaved(), 0);
    }

    #[test]
    fn of_two_bans_of_one_subject_the_longer_stands() {
        let mut t = BanTable::new(BanPolicy::default());
        let s = Subject::of(ip("192.0.2.44"));
        let ban = |until| Ban {
            subject: s,
            until,
            reason: "x".into(),
            count: 1,
            at: 0,
        };
        t.insert(ban(Some(86_400)), 0);
        t.insert(ban(Some(600)), 0);
        assert_eq!(t.check(ip("192.0.2.44"), 0).unwrap().until, Some(86_400));
        t.insert(ban(None), 0);
        t.insert(ban(Some(600)), 0);
        assert_eq!(t.check(ip("192.0.2.44"), 0).unwrap().until, None);
    }
}
