//! What the defence remembers per client between requests: a GCRA budget per kind of request,
//! counts of offences in their windows, and the distinct unknown paths asked for lately.
//!
//! The table is bounded. Sixteen shards, each a hash map that never grows past its share of
//! `max_clients`: when a shard is full, clients that carry no information (every budget full
//! again, every window passed) are dropped first, which loses nothing; if that is not enough
//! (a churn of fresh addresses), an eighth of the shard goes, clients with no offence on record
//! first. So ten million addresses cost what a million do, and each request still costs one
//! hash lookup (a sweep of one shard pays for the next eighth of its inserts). Bans are not
//! kept here and are never evicted (see [`crate::bans::BanTable`]).

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::bans::Subject;

/// The shards; a power of two.
const SHARDS: usize = 16;

/// A kind of request with a rate budget of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Budget {
    /// Pages (and anything not below).
    Pages = 0,
    /// Stylesheets, scripts, uploaded files.
    Statics = 1,
    /// Posts of visitors (contact forms, and any other write to a public path).
    Forms = 2,
    /// Sign-in, password-reset requests and resets.
    SignIn = 3,
}

/// Something a client did that counts towards a ban.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Offence {
    /// A request blocked as an attack.
    Attack = 0,
    /// A request refused for going over its rate limit.
    Flood = 1,
    /// A failed admin sign-in.
    FailedSignIn = 2,
    /// A connection or request held without finishing.
    Stall = 3,
}

/// GCRA: one request every `interval_us` on average, `burst` at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    /// Microseconds between requests in the long run.
    pub interval_us: u64,
    /// Requests allowed at once after a quiet spell.
    pub burst: u32,
}

impl Rate {
    /// `n` requests a second, `burst` at once.
    pub fn per_second(n: u32, burst: u32) -> Rate {
        Rate {
            interval_us: 1_000_000 / u64::from(n.max(1)),
            burst: burst.max(1),
        }
    }

    /// `n` requests a minute, `burst` at once.
    pub fn per_minute(n: u32, burst: u32) -> Rate {
        Rate {
            interval_us: 60_000_000 / u64::from(n.max(1)),
            burst: burst.max(1),
        }
    }

    /// How far ahead of now a client's theoretical arrival time may run.
    fn tolerance_us(&self) -> u64 {
        self.interval_us
            .saturating_mul(u64::from(self.burst.saturating_sub(1)))
    }
}

/// `count` events within `window_s` seconds earn a ban.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// Events that earn a ban.
    pub count: u32,
    /// Seconds they must fall within.
    pub window_s: u32,
}

impl Limit {
    /// `count` events in `window_s` seconds (both at least 1).
    pub fn new(count: u32, window_s: u32) -> Limit {
        Limit {
            count: count.max(1),
            window_s: window_s.max(1),
        }
    }
}

/// The rates and limits the table applies.
#[derive(Clone, Debug)]
pub(crate) struct Rules {
    pub(crate) rates: [Rate; 4],
    pub(crate) offences: [Limit; 4],
    pub(crate) not_found: Limit,
}

/// One client's state; about a hundred bytes.
#[derive(Debug, Default)]
struct Client {
    /// Theoretical arrival time per [`Budget`] (Unix microseconds; 0: the budget is full).
    tat: [u64; 4],
    /// Per [`Offence`]: the start of its window (Unix seconds) and the count in it.
    tally: [(u32, u32); 4],
    /// Distinct unknown paths within the window: when last asked (Unix seconds), path hash.
    misses: Vec<(u32, u32)>,
}

impl Client {
    /// Whether forgetting the client loses nothing: budgets full, windows passed.
    fn idle(&self, now_us: u64, now_s: u32, rules: &Rules) -> bool {
        self.tat.iter().all(|t| *t <= now_us)
            && self
                .tally
                .iter()
                .zip(&rules.offences)
                .all(|((start, n), l)| *n == 0 || now_s.saturating_sub(*start) >= l.window_s)
            && self
                .misses
                .iter()
                .all(|(t, _)| now_s.saturating_sub(*t) >= rules.not_found.window_s)
    }

    /// How far the client is on its way to a ban, in percent of the nearest limit (0: nothing
    /// on record). Eviction spares the furthest: a churn of addresses that each commit one
    /// offence cannot flush the count of a client nine tenths of the way.
    fn progress(&self, rules: &Rules) -> u32 {
        let tallies = self
            .tally
            .iter()
            .zip(&rules.offences)
            .map(|((_, n), l)| n.saturating_mul(100) / l.count);
        let misses = u32::try_from(self.misses.len())
            .unwrap_or(u32::MAX)
            .saturating_mul(100)
            / rules.not_found.count;
        tallies.chain([misses]).max().unwrap_or(0)
    }
}

/// One shard: clients by key.
type Shard = HashMap<(u64, u64), Client>;

/// The bounded per-client table.
pub(crate) struct Clients {
    shards: Box<[Mutex<Shard>]>,
    per_shard: usize,
    rules: Rules,
    /// Picks the shard and hashes paths, with keys an attacker cannot know.
    hasher: RandomState,
    evicted: AtomicU64,
}

/// A subject squeezed into two words (IPv4 and IPv6 /64 keys never collide).
fn key(s: Subject) -> (u64, u64) {
    match s.addr {
        IpAddr::V4(v4) => (0, (1 << 32) | u64::from(u32::from(v4))),
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            ((bits >> 64) as u64, u64::from(s.prefix))
        }
    }
}

/// Unix seconds as stored (saturating: the table is good until 2106).
fn secs(now_us: u64) -> u32 {
    u32::try_from(now_us / 1_000_000).unwrap_or(u32::MAX)
}

impl Clients {
    /// A table for at most about `max_clients` clients.
    pub(crate) fn new(max_clients: usize, rules: Rules) -> Clients {
        // Each shard holds at most 7/8 of a power of two (a hash map's load limit), so its
        // map never grows past that many buckets; the total stays at or under `max_clients`.
        let want = max_clients.div_ceil(SHARDS).max(8);
        let mut buckets = want.next_power_of_two();
        if buckets / 8 * 7 > want {
            buckets /= 2;
        }
        let per_shard = (buckets / 8 * 7).max(7);
        Clients {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            per_shard,
            rules,
            hasher: RandomState::new(),
            evicted: AtomicU64::new(0),
        }
    }

    fn shard(&self, k: (u64, u64)) -> std::sync::MutexGuard<'_, Shard> {
        let i = (self.hasher.hash_one(k) as usize) & (SHARDS - 1);
        let m = &self.shards[i];
        m.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The client's entry, making room for it first when its shard is full.
    fn with<R>(&self, ip: IpAddr, now_us: u64, f: impl FnOnce(&mut Client) -> R) -> R {
        let k = key(Subject::of(ip));
        let mut shard = self.shard(k);
        // A new client in a map with no room left (removals leave tombstones, which use up
        // room too) and more than half full, where the map would grow, possibly past its
        // largest size: make room if it is full, and build it again at its largest size, which
        // clears the tombstones. (Less than half full, the map rehashes in place.)
        if shard.len() >= shard.capacity()
            && shard.len() >= self.per_shard / 2
            && !shard.contains_key(&k)
        {
            if shard.len() >= self.per_shard {
                let gone = self.make_room(&mut shard, now_us);
                self.evicted.fetch_add(gone as u64, Ordering::Relaxed);
            }
            let mut fresh = HashMap::with_capacity(self.per_shard);
            fresh.extend(shard.drain());
            *shard = fresh;
        }
        f(shard.entry(k).or_default())
    }

    /// Frees an eighth of a full shard: idle clients first, then those without offences,
    /// then those less than half way to a ban, then any. Returns how many went.
    fn make_room(&self, shard: &mut Shard, now_us: u64) -> usize {
        let before = shard.len();
        let target = self.per_shard - self.per_shard / 8;
        let now_s = secs(now_us);
        shard.retain(|_, c| !c.idle(now_us, now_s, &self.rules));
        for below in [1, 50, u32::MAX] {
            let mut excess = shard.len().saturating_sub(target);
            if excess == 0 {
                break;
            }
            shard.retain(|_, c| {
                if excess > 0 && c.progress(&self.rules) < below {
                    excess -= 1;
                    return false;
                }
                true
            });
        }
        before - shard.len()
    }

    /// Takes one request from the client's `budget`: `Ok` or `Err(wait in microseconds)`.
    pub(crate) fn take(&self, ip: IpAddr, budget: Budget, now_us: u64) -> Result<(), u64> {
        let rate = self.rules.rates[budget as usize];
        self.with(ip, now_us, |c| {
            let mut tat = c.tat[budget as usize].max(now_us);
            // Admitted requests never put the budget further ahead than this; further means
            // the clock stepped back, which must not throttle (and then ban) honest clients.
            if tat - now_us > rate.tolerance_us().saturating_add(rate.interval_us) {
                tat = now_us;
            }
            let ahead = tat - now_us;
            if ahead > rate.tolerance_us() {
                return Err(ahead - rate.tolerance_us());
            }
            c.tat[budget as usize] = tat.saturating_add(rate.interval_us);
            Ok(())
        })
    }

    /// Counts an offence; true when it reaches its limit within the window.
    pub(crate) fn offend(&self, ip: IpAddr, offence: Offence, now_us: u64) -> bool {
        let limit = self.rules.offences[offence as usize];
        let now_s = secs(now_us);
        self.with(ip, now_us, |c| {
            let (start, n) = &mut c.tally[offence as usize];
            // A window that starts in the future: the clock stepped back.
            if *n == 0 || now_s < *start || now_s - *start >= limit.window_s {
                (*start, *n) = (now_s, 0);
            }
            *n = n.saturating_add(1);
            *n >= limit.count
        })
    }

    /// Records a 404 for `path`; true when the client's distinct unknown paths within the
    /// window reach the limit. A browser retrying one missing image is not a scanner.
    pub(crate) fn miss(&self, ip: IpAddr, path: &str, now_us: u64) -> bool {
        let limit = self.rules.not_found;
        let now_s = secs(now_us);
        let hash = self.hasher.hash_one(path) as u32;
        self.with(ip, now_us, |c| {
            c.misses
                .retain(|(t, _)| now_s.saturating_sub(*t) < limit.window_s);
            match c.misses.iter_mut().find(|(_, k)| *k == hash) {
                Some(entry) => entry.0 = now_s,
                None => c.misses.push((now_s, hash)),
            }
            let distinct = c.misses.len();
            // Bounded per client: past the limit the client is banned anyway.
            if distinct > limit.count as usize {
                c.misses.remove(0);
            }
            distinct >= limit.count as usize
        })
    }

    /// Forgets the client's offences and misses after a ban; its rate budgets stay, and so
    /// do its failed sign-ins unless they caused the ban (a ban for something else must not
    /// give a password guesser a fresh count when it ends).
    pub(crate) fn pardon(&self, ip: IpAddr, cause: Option<Offence>) {
        let k = key(Subject::of(ip));
        if let Some(c) = self.shard(k).get_mut(&k) {
            let sign_ins = c.tally[Offence::FailedSignIn as usize];
            c.tally = [(0, 0); 4];
            if cause != Some(Offence::FailedSignIn) {
                c.tally[Offence::FailedSignIn as usize] = sign_ins;
            }
            c.misses = Vec::new();
        }
    }

    /// Forgets the client's unknown pages only.
    pub(crate) fn forget_misses(&self, ip: IpAddr) {
        let k = key(Subject::of(ip));
        if let Some(c) = self.shard(k).get_mut(&k) {
            c.misses = Vec::new();
        }
    }

    /// Drops every client that carries no information any more; call now and then so that
    /// memory goes back after a burst.
    pub(crate) fn expire(&self, now_us: u64) {
        let now_s = secs(now_us);
        for m in &self.shards {
            let mut shard = m.lock().unwrap_or_else(|p| p.into_inner());
            shard.retain(|_, c| !c.idle(now_us, now_s, &self.rules));
            if shard.capacity() > 64 && shard.len() < shard.capacity() / 4 {
                shard.shrink_to_fit();
            }
        }
    }

    /// Clients tracked now.
    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|m| m.lock().unwrap_or_else(|p| p.into_inner()).len())
            .sum()
    }

    /// The most clients tracked at once.
    pub(crate) fn capacity(&self) -> usize {
        self.per_shard * SHARDS
    }

    /// Clients dropped to make room since the start.
    pub(crate) fn evicted(&self) -> u64 {
        self.evicted.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules {
            rates: [Rate::per_second(20, 100); 4],
            offences: [Limit::new(3, 60); 4],
            not_found: Limit::new(10, 60),
        }
    }

    fn ip(i: u32) -> IpAddr {
        IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i))
    }

    /// No shard's map ever holds room for more than its share: not under a churn of new
    /// clients, and not after idle ones were expired (which leaves tombstones that once made
    /// the map double).
    #[test]
    fn no_shard_ever_grows_past_its_share() {
        let t = Clients::new(10_000, rules());
        let largest = || {
            t.shards
                .iter()
                .map(|m| m.lock().unwrap().capacity())
                .max()
                .unwrap()
        };
        let mut next = 0u32;
        for round in 0..20u64 {
            let now = round * 10_000_000;
            for _ in 0..30_000 {
                let _ = t.take(ip(next), Budget::Pages, now);
                // Every other client has an offence on record, so it outlives the expiry.
                if next.is_multiple_of(2) {
                    t.offend(ip(next), Offence::Attack, now);
                }
                next += 1;
                assert!(
                    largest() <= t.per_shard,
                    "round {round}: {} > {}",
                    largest(),
                    t.per_shard
                );
            }
            // Half the clients are idle and expired, leaving tombstones; the churn goes on.
            t.expire(now + 5_000_000);
        }
        assert!(t.len() <= t.capacity());
    }
}
