//! The kernel's record of TCP clients: which (address . port) pairs our own TCP stack sent
//! data to from one of the confirm ports (53 by default) lately. A log line that a forged UDP
//! packet could have caused (Knot logs a denied IXFR over UDP like an AXFR over TCP, with the
//! client's address and source port) bans only when its address and port are in this record.
//!
//! ```text
//! set tcp4 { type ipv4_addr . inet_service; size 8192; flags dynamic,timeout; timeout 2m; }
//! set tcp6 { type ipv6_addr . inet_service; ...same... }
//! chain output {
//!   type filter hook output priority mangle; policy accept;
//!   tcp sport { 53 } tcp flags & (syn | rst | psh) == psh update @tcp4 { ip daddr . tcp dport }
//!   tcp sport { 53 } tcp flags & (syn | rst | psh) == psh update @tcp6 { ip6 daddr . tcp dport }
//! }
//! ```
//!
//! **Why the output hook, and data.** The obvious rule, `tcp dport 53 ct state established
//! ct direction original update @tcp4 { ip saddr . tcp sport }` on input, is forgeable
//! (measured on kernel 6.18 with hand-made packets in a namespace): conntrack calls a
//! connection established as soon as it has seen one packet each way, so a forged SYN, our
//! SYN-ACK to the forged address, and a second forged SYN already match it; and even
//! `ct status assured` is reached by a blind ACK anywhere in conntrack's 66,000-byte
//! acknowledgement window (1 guess in about 65,000, while the TCP stack itself wants the exact
//! sequence number and never accepts the connection). What no forger can cause is our TCP
//! stack *sending data* to the address: only a socket whose handshake completed (the peer
//! echoed our exact initial sequence number, so it receives at that address) sends segments
//! with payload, and Linux marks the last segment of every write with PSH. SYN-ACKs, resets
//! and the bare ACKs of half-open and closed connections never carry PSH. Knot answers a
//! denied transfer (NOTAUTH), so every TCP client it logs gets data from port 53. No conntrack
//! is involved, so this works with `notrack` for DNS too.
//!
//! The element is written when the answer leaves, a few microseconds after Knot logs the
//! line; a guard that could read the line sooner should ask again a moment later before
//! giving up.
//!
//! **Size and timeout.** Two minutes covers a guard that is behind on its logs by that much;
//! older lines simply go unconfirmed. [`SEEN_SIZE`] bounds the cost of a question, which grows
//! with the record and not with the blocklist: `nft -j list set` reads that one set only. On
//! the 2-core test box (nft 1.0.6, `tcp_seen_cost` in `tests/nft/seen.rs`, debug build):
//! `tcp_seen` takes 5 to 7 ms with a nearly empty record, with or without a 1,000,000-prefix
//! blocklist, and 110 to 150 ms with a full record of 8,192 (nft itself 54 to 63 ms and
//! 22 MB; 130 ms at 16,384). So at most 8,192 clients, about 68 new TCP clients a second
//! sustained, are recorded; a full set adds nothing new: such a client is not confirmed and
//! its line does not ban, the safe side. `nft get element` would be cheaper without a
//! blocklist (6 ms, 27 ms full) but nft 1.0.6 reads every interval set first: 10.6 s and
//! 713 MB with the 1,000,000-prefix blocklist loaded, so it is not used.

use std::borrow::Cow;
use std::collections::HashSet;
use std::net::IpAddr;

use nftables::expr::{
    BinaryOperation, Expression, NamedExpression, Payload, PayloadField, SetItem,
};
use nftables::schema::{NfCmd, NfListObject, NfObject, Set, SetFlag, SetType, SetTypeValue};
use nftables::stmt::{Match, Operator, SetOp, Statement};
use nftables::types::{NfFamily, NfHook};

use super::plan;

/// The base chain that records TCP clients (hook `output`, same priority as `input`).
pub const SEEN_CHAIN: &str = "output";
/// The IPv4 record. A fixed name: the kernel fills it, not us.
pub const SEEN4: &str = "tcp4";
/// The IPv6 record.
pub const SEEN6: &str = "tcp6";
/// Seconds a client stays recorded after the last data we sent it.
pub const SEEN_TIMEOUT: u32 = 120;
/// Elements per record, at most.
pub const SEEN_SIZE: u32 = 8192;

/// How one of the records was found in a table taken over.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Found {
    /// Not there.
    #[default]
    Missing,
    /// There, as we make it: it is kept with what it holds.
    Ours,
    /// A set of that name defined otherwise: it is replaced.
    Other,
}

/// What of the record a table taken over had.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeenFound {
    /// Whether our output chain is there.
    pub chain: bool,
    /// The IPv4 record.
    pub v4: Found,
    /// The IPv6 record.
    pub v6: Found,
}

/// Judges a set named [`SEEN4`] or [`SEEN6`] from `nft -j list` output: its `type`, `flags`,
/// `timeout` and `size` fields.
pub fn judge(name: &str, set: &serde_json::Value) -> Found {
    let family = if name == SEEN6 {
        "ipv6_addr"
    } else {
        "ipv4_addr"
    };
    let typ_ok = set.get("type").and_then(|t| t.as_array()).is_some_and(|t| {
        t.iter()
            .map(serde_json::Value::as_str)
            .eq([Some(family), Some("inet_service")])
    });
    let flags: Option<Vec<&str>> = set
        .get("flags")
        .and_then(|f| f.as_array())
        .and_then(|f| f.iter().map(serde_json::Value::as_str).collect());
    // nft 1.0.6 lists the flags it was given without `dynamic`; later versions add it.
    let flags_ok = flags.is_some_and(|f| {
        f.contains(&"timeout") && f.iter().all(|x| matches!(*x, "timeout" | "dynamic"))
    });
    let number = |key: &str| set.get(key).and_then(serde_json::Value::as_u64);
    if typ_ok
        && flags_ok
        && number("timeout") == Some(u64::from(SEEN_TIMEOUT))
        && number("size") == Some(u64::from(SEEN_SIZE))
    {
        Found::Ours
    } else {
        Found::Other
    }
}

/// The commands that make the record what `ports` asks, given what is there: with ports, the
/// output chain is rewritten and a missing or foreign set (re)made, while a set of ours keeps
/// its elements; without, chain and sets go. Part of an install or take-over transaction.
pub fn batch(table: &str, ports: &[u16], found: SeenFound) -> Vec<NfObject<'static>> {
    let mut out = Vec::new();
    let sets = [(SEEN4, found.v4, false), (SEEN6, found.v6, true)];
    if ports.is_empty() {
        if found.chain {
            out.push(plan::flush_chain(table, SEEN_CHAIN));
            out.push(plan::delete_chain(table, SEEN_CHAIN));
        }
        for (name, was, _) in sets {
            if was != Found::Missing {
                out.push(plan::delete_set(table, name));
            }
        }
        return out;
    }
    out.push(plan::add_base_chain(table, SEEN_CHAIN, NfHook::Output));
    // Flushed before a foreign set goes: its rule may still point at it.
    out.push(plan::flush_chain(table, SEEN_CHAIN));
    for (name, was, v6) in sets {
        if was == Found::Other {
            out.push(plan::delete_set(table, name));
        }
        if was != Found::Ours {
            out.push(add_set(table, name, v6));
        }
    }
    out.push(plan::rule_in(table, SEEN_CHAIN, rule(ports, false)));
    out.push(plan::rule_in(table, SEEN_CHAIN, rule(ports, true)));
    out
}

/// `add set inet TABLE tcp4 { type ipv4_addr . inet_service; size 8192; flags dynamic,timeout;
/// timeout 2m; }`, or the IPv6 one.
fn add_set(table: &str, name: &str, v6: bool) -> NfObject<'static> {
    let addr = if v6 {
        SetType::Ipv6Addr
    } else {
        SetType::Ipv4Addr
    };
    NfObject::CmdObject(NfCmd::Add(NfListObject::Set(Box::new(Set {
        family: NfFamily::INet,
        table: Cow::Owned(table.to_owned()),
        name: Cow::Owned(name.to_owned()),
        handle: None,
        set_type: SetTypeValue::Concatenated(Cow::Owned(vec![addr, SetType::InetService])),
        policy: None,
        // nft 1.0.6 JSON refuses `dynamic`; it sets it itself for a set an `update` names,
        // and every batch that makes one of these sets adds that rule too.
        flags: Some(HashSet::from([SetFlag::Timeout])),
        elem: None,
        timeout: Some(SEEN_TIMEOUT),
        gc_interval: None,
        size: Some(SEEN_SIZE),
        comment: None,
    }))))
}

fn payload(protocol: &'static str, field: &'static str) -> Expression<'static> {
    Expression::Named(NamedExpression::Payload(Payload::PayloadField(
        PayloadField {
            protocol: Cow::Borrowed(protocol),
            field: Cow::Borrowed(field),
        },
    )))
}

/// `tcp sport { PORTS } tcp flags & (syn | rst | psh) == psh update @tcp4 { ip daddr . tcp
/// dport }`, or the IPv6 one.
fn rule(ports: &[u16], v6: bool) -> Vec<Statement<'static>> {
    let flag = |f: &'static str| Expression::String(Cow::Borrowed(f));
    let (protocol, set) = if v6 { ("ip6", SEEN6) } else { ("ip", SEEN4) };
    vec![
        Statement::Match(Match {
            left: payload("tcp", "sport"),
            right: Expression::Named(NamedExpression::Set(
                ports
                    .iter()
                    .map(|p| SetItem::Element(Expression::Number(u32::from(*p))))
                    .collect(),
            )),
            op: Operator::EQ,
        }),
        Statement::Match(Match {
            left: Expression::BinaryOperation(Box::new(BinaryOperation::AND(
                payload("tcp", "flags"),
                Expression::List(vec![flag("syn"), flag("rst"), flag("psh")]),
            ))),
            right: flag("psh"),
            op: Operator::EQ,
        }),
        Statement::Set(nftables::stmt::Set {
            op: SetOp::Update,
            elem: Expression::Named(NamedExpression::Concat(vec![
                payload(protocol, "daddr"),
                payload("tcp", "dport"),
            ])),
            set: Cow::Owned(format!("@{set}")),
        }),
    ]
}

/// The record to ask about `addr`, and the address as the kernel sees it there: an
/// IPv4-mapped IPv6 address (a dual-stack socket's view of an IPv4 client) is IPv4.
pub fn set_for(addr: IpAddr) -> (&'static str, IpAddr) {
    match addr {
        IpAddr::V4(_) => (SEEN4, addr),
        IpAddr::V6(a) => match a.to_ipv4_mapped() {
            Some(v4) => (SEEN4, IpAddr::V4(v4)),
            None => (SEEN6, addr),
        },
    }
}

/// Whether `nft -j list set` output holds the element `addr . port`. `None` when the output
/// is not a set listing.
pub fn listed(json: &str, addr: IpAddr, port: u16) -> Option<bool> {
    let doc: serde_json::Value = serde_json::from_str(json).ok()?;
    let set = doc
        .get("nftables")?
        .as_array()?
        .iter()
        .find_map(|item| item.get("set"))?;
    let Some(elems) = set.get("elem") else {
        return Some(false);
    };
    Some(elems.as_array()?.iter().any(|e| {
        // `{"elem": {"val": {"concat": [...]}, "expires": 85}}`, or the bare value.
        let val = e.get("elem").and_then(|x| x.get("val")).unwrap_or(e);
        let Some([a, p]) = val
            .get("concat")
            .and_then(|c| c.as_array())
            .map(Vec::as_slice)
        else {
            return false;
        };
        let a_ok = a
            .as_str()
            .and_then(|s| s.parse::<IpAddr>().ok())
            .is_some_and(|a| a == addr);
        let p_ok = match p {
            serde_json::Value::Number(n) => n.as_u64() == Some(u64::from(port)),
            serde_json::Value::String(s) => s.parse::<u16>().ok() == Some(port),
            _ => false,
        };
        a_ok && p_ok
    }))
}

#[cfg(test)]
mod tests;
