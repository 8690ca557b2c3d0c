//! The pure half of the nftables backend: which elements the kernel should hold, and the nft
//! JSON commands that put them there. Nothing here runs a process, so it is unit-tested alone.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use nftables::expr::{Elem, Expression, NamedExpression, Prefix, Range};
use nftables::schema::SetType;
use shield::bans::Subject;
use shield::net::Cidr;

mod build;
pub use build::*;

/// The name of our one base chain.
pub const CHAIN: &str = "input";

/// The priority of our chain on the input hook: `mangle` (-150). A drop is final at any
/// priority, so this only decides what runs before us: we come before every `filter` (0)
/// chain (iptables-nft, firewalld, ufw, docker), before `security` (50) and before the
/// input NAT hook (100), whose SNAT could rewrite the source address we match on. Earlier
/// buys nothing at the input hook: conntrack already saw the packet in prerouting, and a
/// packet dropped here never has its conntrack entry confirmed.
pub const PRIORITY: i32 = -150;

/// When an element leaves the kernel: at a Unix time, or never. Any time sorts before never.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Expiry {
    /// Unix seconds.
    At(i64),
    /// A permanent ban.
    Never,
}

impl Expiry {
    /// A ban's `until` (`None` = permanent).
    pub fn of(until: Option<i64>) -> Expiry {
        until.map_or(Expiry::Never, Expiry::At)
    }

    /// Whether it still holds at `now`.
    pub fn live(self, now: i64) -> bool {
        match self {
            Expiry::At(t) => t > now,
            Expiry::Never => true,
        }
    }

    /// The element timeout in seconds at `now` (at least 1); `None` for a permanent element.
    pub fn timeout(self, now: i64) -> Option<u32> {
        match self {
            Expiry::At(t) => Some(u32::try_from(t.saturating_sub(now).max(1)).unwrap_or(u32::MAX)),
            Expiry::Never => None,
        }
    }
}

/// An address as a number: `u32` for IPv4, `u128` for IPv6.
pub trait Addr: Copy + Ord + std::fmt::Debug {
    /// 32 or 128.
    const BITS: u32;
    /// The highest address.
    const MAX: Self;
    /// The nft set type.
    const SET_TYPE: SetType;
    /// The nft payload protocol (`ip` or `ip6`).
    const PROTOCOL: &'static str;
    /// The next address, `None` after the last.
    fn succ(self) -> Option<Self>;
    /// The previous address (only called on addresses above zero).
    fn pred(self) -> Self;
    /// Widened to 128 bits.
    fn wide(self) -> u128;
    /// As an address.
    fn ip(self) -> IpAddr;
}

impl Addr for u32 {
    const BITS: u32 = 32;
    const MAX: u32 = u32::MAX;
    const SET_TYPE: SetType = SetType::Ipv4Addr;
    const PROTOCOL: &'static str = "ip";
    fn succ(self) -> Option<u32> {
        self.checked_add(1)
    }
    fn pred(self) -> u32 {
        self.saturating_sub(1)
    }
    fn wide(self) -> u128 {
        u128::from(self)
    }
    fn ip(self) -> IpAddr {
        IpAddr::V4(Ipv4Addr::from(self))
    }
}

impl Addr for u128 {
    const BITS: u32 = 128;
    const MAX: u128 = u128::MAX;
    const SET_TYPE: SetType = SetType::Ipv6Addr;
    const PROTOCOL: &'static str = "ip6";
    fn succ(self) -> Option<u128> {
        self.checked_add(1)
    }
    fn pred(self) -> u128 {
        self.saturating_sub(1)
    }
    fn wide(self) -> u128 {
        self
    }
    fn ip(self) -> IpAddr {
        IpAddr::V6(Ipv6Addr::from(self))
    }
}

/// A range of addresses the kernel holds as one element, with its expiry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Piece<A> {
    /// First address.
    pub first: A,
    /// Last address (inclusive).
    pub last: A,
    /// When the kernel lets it go.
    pub expiry: Expiry,
}

/// The (first, last) of a network of `prefix` bits (longer prefixes are clamped).
fn net_v4(addr: Ipv4Addr, prefix: u8) -> (u32, u32) {
    let host = u32::MAX.checked_shr(u32::from(prefix)).unwrap_or(0);
    let a = u32::from(addr) & !host;
    (a, a | host)
}

fn net_v6(addr: Ipv6Addr, prefix: u8) -> (u128, u128) {
    let host = u128::MAX.checked_shr(u32::from(prefix)).unwrap_or(0);
    let a = u128::from(addr) & !host;
    (a, a | host)
}

/// The elements for a list of bans at `now`: expired bans are left out, and overlapping bans
/// are resolved so that nft never sees two elements that overlap.
///
/// The rule: **an address is dropped for as long as the longest ban covering it lasts.** The
/// covered space is cut into pieces, each piece gets the latest expiry of the bans over it,
/// and neighbouring pieces with the same expiry are joined. So a /64 inside a /56 that lasts
/// at least as long disappears into the /56 (one element), and a /32 that outlasts the
/// hand-banned /24 around it splits the /24 into up to three ranges: the /24's time on
/// either side, the /32's own time in the middle. No address is ever dropped for less time
/// than one of its bans asks, nor for longer than the longest.
pub fn ban_pieces(
    bans: &[(Subject, Option<i64>)],
    now: i64,
) -> (Vec<Piece<u32>>, Vec<Piece<u128>>) {
    let (mut v4, mut v6) = (Vec::new(), Vec::new());
    for (subject, until) in bans {
        let expiry = Expiry::of(*until);
        if !expiry.live(now) {
            continue;
        }
        match subject.addr {
            IpAddr::V4(a) => {
                let (f, l) = net_v4(a, subject.prefix);
                v4.push((f, l, expiry));
            }
            IpAddr::V6(a) => {
                let (f, l) = net_v6(a, subject.prefix);
                v6.push((f, l, expiry));
            }
        }
    }
    (cover(v4), cover(v6))
}

/// What one [`Firewall::sync_bans`](super::Firewall::sync_bans) did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncStats {
    /// Subjects banned that were not in force before.
    pub added: usize,
    /// Subjects whose `until` changed (escalated, or shortened).
    pub changed: usize,
    /// Subjects in force that are no longer banned (lifted early).
    pub removed: usize,
    /// Subjects whose ban ran out; the kernel let them go by itself.
    pub expired: usize,
    /// Elements the kernel holds for the bans now (IPv4 and IPv6).
    pub elements: usize,
    /// nft transactions run: 0 when the elements were already right, else 1.
    pub transactions: usize,
}

/// What the ban sets hold: the subjects, and the elements made of them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BanState {
    /// Each subject with its expiry.
    pub subjects: HashMap<Subject, Expiry>,
    /// The IPv4 elements.
    pub v4: Vec<Piece<u32>>,
    /// The IPv6 elements.
    pub v6: Vec<Piece<u128>>,
}

/// The wanted bans compared with the installed ones.
#[derive(Debug)]
pub struct BanDiff {
    /// What the sets should hold.
    pub state: BanState,
    /// The counts (`transactions` left at 0).
    pub stats: SyncStats,
    /// Whether the IPv4 set must be replaced.
    pub redo4: bool,
    /// Whether the IPv6 set must be replaced.
    pub redo6: bool,
}

/// Compares the bans wanted at `now` with what was installed (`None`: unknown, so both sets
/// are replaced). A set is replaced only when its elements differ from the installed ones
/// that are still live: a ban that merely ran out was taken away by the kernel already, and
/// a ban hidden inside a wider, longer one changes no element. A subject listed twice counts
/// with its longest ban.
pub fn diff_bans(old: Option<&BanState>, bans: &[(Subject, Option<i64>)], now: i64) -> BanDiff {
    let mut subjects: HashMap<Subject, Expiry> = HashMap::with_capacity(bans.len());
    for (subject, until) in bans {
        let expiry = Expiry::of(*until);
        if expiry.live(now) {
            let e = subjects.entry(*subject).or_insert(expiry);
            *e = (*e).max(expiry);
        }
    }
    let mut stats = SyncStats::default();
    for (subject, expiry) in &subjects {
        match old.and_then(|o| o.subjects.get(subject)) {
            Some(was) if was.live(now) && was == expiry => {}
            Some(was) if was.live(now) => stats.changed += 1,
            _ => stats.added += 1,
        }
    }
    for (subject, was) in old.map(|o| &o.subjects).into_iter().flatten() {
        if !subjects.contains_key(subject) {
            if was.live(now) {
                stats.removed += 1;
            } else {
                stats.expired += 1;
            }
        }
    }
    let list: Vec<(Subject, Option<i64>)> = subjects
        .iter()
        .map(|(s, e)| match e {
            Expiry::At(t) => (*s, Some(*t)),
            Expiry::Never => (*s, None),
        })
        .collect();
    let (v4, v6) = ban_pieces(&list, now);
    stats.elements = v4.len() + v6.len();
    fn differs<A: Addr>(old: &[Piece<A>], new: &[Piece<A>], now: i64) -> bool {
        !old.iter().filter(|p| p.expiry.live(now)).eq(new.iter())
    }
    let (redo4, redo6) = match old {
        None => (true, true),
        Some(o) => (differs(&o.v4, &v4, now), differs(&o.v6, &v6, now)),
    };
    BanDiff {
        state: BanState { subjects, v4, v6 },
        stats,
        redo4,
        redo6,
    }
}

/// Cuts possibly overlapping ranges into disjoint pieces carrying the latest expiry over
/// them; neighbours with the same expiry are joined. A sweep over the range boundaries.
pub fn cover<A: Addr>(ranges: Vec<(A, A, Expiry)>) -> Vec<Piece<A>> {
    // (point, opens, expiry): a range opens at its first address and closes after its last.
    let mut events: Vec<(A, bool, Expiry)> = Vec::with_capacity(ranges.len() * 2);
    for (first, last, expiry) in ranges {
        if first > last {
            continue;
        }
        events.push((first, true, expiry));
        if let Some(after) = last.succ() {
            events.push((after, false, expiry));
        }
    }
    events.sort_unstable_by_key(|e| e.0);
    let mut active: BTreeMap<Expiry, usize> = BTreeMap::new();
    let mut out: Vec<Piece<A>> = Vec::new();
    let mut i = 0;
    while i < events.len() {
        let point = events[i].0;
        while let Some(&(p, opens, expiry)) = events.get(i) {
            if p != point {
                break;
            }
            if opens {
                *active.entry(expiry).or_insert(0) += 1;
            } else if let Some(n) = active.get_mut(&expiry) {
                *n -= 1;
                if *n == 0 {
                    active.remove(&expiry);
                }
            }
            i += 1;
        }
        let Some((&expiry, _)) = active.last_key_value() else {
            continue;
        };
        let last = events.get(i).map_or(A::MAX, |e| e.0.pred());
        match out.last_mut() {
            Some(prev) if prev.expiry == expiry && prev.last.succ() == Some(point) => {
                prev.last = last;
            }
            _ => out.push(Piece {
                first: point,
                last,
                expiry,
            }),
        }
    }
    out
}

/// Sorts and joins ranges that overlap or touch.
pub fn merge<A: Addr>(mut ranges: Vec<(A, A)>) -> Vec<(A, A)> {
    ranges.retain(|(f, l)| f <= l);
    ranges.sort_unstable();
    let mut out: Vec<(A, A)> = Vec::with_capacity(ranges.len());
    for (first, last) in ranges {
        match out.last_mut() {
            Some(prev) if prev.1 >= first || prev.1.succ() == Some(first) => {
                prev.1 = prev.1.max(last);
            }
            _ => out.push((first, last)),
        }
    }
    out
}

/// The ranges as given when they are already sorted and apart (what
/// `shield::blocklist::Blocklist` hands out), else sorted and joined.
pub fn normalized<A: Addr>(ranges: &[(A, A)]) -> Cow<'_, [(A, A)]> {
    let clean = ranges.iter().all(|(f, l)| f <= l) && ranges.windows(2).all(|w| w[0].1 < w[1].0);
    if clean {
        Cow::Borrowed(ranges)
    } else {
        Cow::Owned(merge(ranges.to_vec()))
    }
}

/// IPv4 and IPv6 ranges, (first, last) each.
pub type Ranges = (Vec<(u32, u32)>, Vec<(u128, u128)>);

/// Networks as merged IPv4 and IPv6 ranges. An IPv4-mapped IPv6 network
/// (`::ffff:192.0.2.0/120`) counts as the IPv4 network it maps, as `Cidr::contains` has it.
pub fn cidr_ranges(cidrs: &[Cidr]) -> Ranges {
    let (mut v4, mut v6) = (Vec::new(), Vec::new());
    for cidr in cidrs {
        match cidr.addr() {
            IpAddr::V4(a) => v4.push(net_v4(a, cidr.prefix())),
            IpAddr::V6(a) => match a.to_ipv4_mapped() {
                Some(m) if cidr.prefix() >= 96 => v4.push(net_v4(m, cidr.prefix() - 96)),
                _ => v6.push(net_v6(a, cidr.prefix())),
            },
        }
    }
    (merge(v4), merge(v6))
}

/// One range as nft's shortest form: an address, a prefix, or a `first-last` range.
pub fn range_expr<A: Addr>(first: A, last: A) -> Expression<'static> {
    let addr = |a: A| Expression::String(Cow::Owned(a.ip().to_string()));
    if first == last {
        return addr(first);
    }
    let (f, l) = (first.wide(), last.wide());
    let span = l - f;
    let len = match span.checked_add(1) {
        Some(n) if n.is_power_of_two() && f % n == 0 => Some(A::BITS - n.trailing_zeros()),
        None if f == 0 => Some(0),
        _ => None,
    };
    match len {
        Some(len) => Expression::Named(NamedExpression::Prefix(Prefix {
            addr: Box::new(addr(first)),
            len,
        })),
        None => Expression::Range(Box::new(Range {
            range: [addr(first), addr(last)],
        })),
    }
}

/// The set elements for ban pieces at `now`, with their timeouts.
pub fn piece_elems<A: Addr>(pieces: &[Piece<A>], now: i64) -> Vec<Expression<'static>> {
    pieces
        .iter()
        .map(|p| {
            let val = range_expr(p.first, p.last);
            match p.expiry.timeout(now) {
                None => val,
                Some(timeout) => Expression::Named(NamedExpression::Elem(Elem {
                    val: Box::new(val),
                    timeout: Some(timeout),
                    expires: None,
                    comment: None,
                    counter: None,
                })),
            }
        })
        .collect()
}

/// The set elements for plain ranges.
pub fn range_elems<A: Addr>(ranges: &[(A, A)]) -> Vec<Expression<'static>> {
    ranges.iter().map(|&(f, l)| range_expr(f, l)).collect()
}

/// The sets our chain reads, by name. Every name carries a generation number, so a new
/// content is always a new set, filled before the chain switches to it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SetNames {
    /// Allowlist, IPv4.
    pub allow4: String,
    /// Allowlist, IPv6.
    pub allow6: String,
    /// Bans, IPv4.
    pub ban4: String,
    /// Bans, IPv6.
    pub ban6: String,
    /// Blocklist shards, IPv4.
    pub block4: Vec<String>,
    /// Blocklist shards, IPv6.
    pub block6: Vec<String>,
}

impl SetNames {
    /// The names of a fresh table: empty allow and ban sets of generation `generation`.
    pub fn fresh(generation: u64) -> SetNames {
        SetNames {
            allow4: set_name("allow4", generation),
            allow6: set_name("allow6", generation),
            ban4: set_name("ban4", generation),
            ban6: set_name("ban6", generation),
            block4: Vec::new(),
            block6: Vec::new(),
        }
    }

    /// Every set, in no particular order.
    pub fn all(&self) -> impl Iterator<Item = &String> {
        [&self.allow4, &self.allow6, &self.ban4, &self.ban6]
            .into_iter()
            .chain(self.block4.iter())
            .chain(self.block6.iter())
    }
}

/// `ban4_g7`.
pub fn set_name(kind: &str, generation: u64) -> String {
    format!("{kind}_g{generation}")
}

/// `bl4_g7_0`: shard `i` of a blocklist generation.
pub fn shard_name(family: u8, generation: u64, i: usize) -> String {
    format!("bl{family}_g{generation}_{i}")
}

/// The kind of one of our set names and its generation: `("ban4", 7)` for `ban4_g7`,
/// `("bl4", 7)` for `bl4_g7_0`. `None` for a name we never make.
pub fn parse_set_name(name: &str) -> Option<(&str, u64)> {
    let (kind, rest) = name.split_once("_g")?;
    let generation = rest.split_once('_').map_or(rest, |(g, _)| g);
    let generation = generation.parse().ok()?;
    match kind {
        "allow4" | "allow6" | "ban4" | "ban6" if !rest.contains('_') => Some((kind, generation)),
        "bl4" | "bl6" => Some((kind, generation)),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
