//! The nft JSON commands: tables, chains, sets and the rules of our input chain.

use std::borrow::Cow;
use std::collections::HashSet;

use nftables::expr::{Expression, Meta, MetaKey, NamedExpression, Payload, PayloadField};
use nftables::schema::{
    Chain, FlushObject, NfCmd, NfListObject, NfObject, Nftables, Rule, Set, SetFlag, SetType,
    SetTypeValue, Table,
};
use nftables::stmt::{Match, Operator, Statement};
use nftables::types::{NfChainPolicy, NfChainType, NfFamily, NfHook};

use super::{Addr, CHAIN, PRIORITY, SetNames};

/// One command of a batch.
pub(crate) fn cmd(c: NfCmd<'static>) -> NfObject<'static> {
    NfObject::CmdObject(c)
}

/// `add table inet NAME`.
pub fn add_table(table: &str) -> NfObject<'static> {
    cmd(NfCmd::Add(NfListObject::Table(table_obj(table))))
}

/// `delete table inet NAME`.
pub fn delete_table(table: &str) -> NfObject<'static> {
    cmd(NfCmd::Delete(NfListObject::Table(table_obj(table))))
}

fn table_obj(table: &str) -> Table<'static> {
    Table {
        family: NfFamily::INet,
        name: Cow::Owned(table.to_owned()),
        handle: None,
    }
}

/// Our base chain: `type filter hook input priority -150; policy accept;`.
pub fn add_chain(table: &str) -> NfObject<'static> {
    add_base_chain(table, CHAIN, NfHook::Input)
}

/// A base chain of ours on `hook`: `type filter hook HOOK priority -150; policy accept;`.
/// Adding a chain that is there already with the same definition is not an error.
pub(crate) fn add_base_chain(table: &str, name: &'static str, hook: NfHook) -> NfObject<'static> {
    cmd(NfCmd::Add(NfListObject::Chain(Chain {
        family: NfFamily::INet,
        table: Cow::Owned(table.to_owned()),
        name: Cow::Borrowed(name),
        newname: None,
        handle: None,
        _type: Some(NfChainType::Filter),
        hook: Some(hook),
        prio: Some(PRIORITY),
        dev: None,
        policy: Some(NfChainPolicy::Accept),
    })))
}

/// `flush chain inet TABLE NAME`: its rules go, the chain stays.
pub(crate) fn flush_chain(table: &str, name: &'static str) -> NfObject<'static> {
    cmd(NfCmd::Flush(FlushObject::Chain(Chain {
        family: NfFamily::INet,
        table: Cow::Owned(table.to_owned()),
        name: Cow::Borrowed(name),
        ..Chain::default()
    })))
}

/// `delete chain inet TABLE NAME` (flush it first in the same batch).
pub(crate) fn delete_chain(table: &str, name: &'static str) -> NfObject<'static> {
    cmd(NfCmd::Delete(NfListObject::Chain(Chain {
        family: NfFamily::INet,
        table: Cow::Owned(table.to_owned()),
        name: Cow::Borrowed(name),
        ..Chain::default()
    })))
}

/// A new set, with its first elements (none is fine). Ban sets take per-element timeouts.
pub fn add_set<A: Addr>(
    table: &str,
    name: &str,
    timeouts: bool,
    elems: Vec<Expression<'static>>,
) -> NfObject<'static> {
    let mut flags = HashSet::from([SetFlag::Interval]);
    if timeouts {
        flags.insert(SetFlag::Timeout);
    }
    cmd(NfCmd::Add(NfListObject::Set(Box::new(Set {
        family: NfFamily::INet,
        table: Cow::Owned(table.to_owned()),
        name: Cow::Owned(name.to_owned()),
        handle: None,
        set_type: SetTypeValue::Single(A::SET_TYPE),
        policy: None,
        flags: Some(flags),
        elem: (!elems.is_empty()).then(|| Cow::Owned(elems)),
        timeout: None,
        gc_interval: None,
        size: None,
        comment: None,
    }))))
}

/// `delete set inet TABLE NAME`.
pub fn delete_set(table: &str, name: &str) -> NfObject<'static> {
    cmd(NfCmd::Delete(NfListObject::Set(Box::new(Set {
        family: NfFamily::INet,
        table: Cow::Owned(table.to_owned()),
        name: Cow::Owned(name.to_owned()),
        handle: None,
        set_type: SetTypeValue::Single(SetType::Ipv4Addr),
        policy: None,
        flags: None,
        elem: None,
        timeout: None,
        gc_interval: None,
        size: None,
        comment: None,
    }))))
}

fn rule(table: &str, expr: Vec<Statement<'static>>) -> NfObject<'static> {
    rule_in(table, CHAIN, expr)
}

/// A rule appended to one of our chains.
pub(crate) fn rule_in(
    table: &str,
    chain: &'static str,
    expr: Vec<Statement<'static>>,
) -> NfObject<'static> {
    cmd(NfCmd::Add(NfListObject::Rule(Rule {
        family: NfFamily::INet,
        table: Cow::Owned(table.to_owned()),
        chain: Cow::Borrowed(chain),
        expr: Cow::Owned(expr),
        handle: None,
        index: None,
        comment: None,
    })))
}

fn saddr_in<A: Addr>(set: &str, verdict: Statement<'static>) -> Vec<Statement<'static>> {
    vec![
        Statement::Match(Match {
            left: Expression::Named(NamedExpression::Payload(Payload::PayloadField(
                PayloadField {
                    protocol: Cow::Borrowed(A::PROTOCOL),
                    field: Cow::Borrowed("saddr"),
                },
            ))),
            right: Expression::String(Cow::Owned(format!("@{set}"))),
            op: Operator::EQ,
        }),
        verdict,
    ]
}

/// The whole chain, replaced in place: `flush chain` and then, in order,
///
/// 1. `iif "lo" accept`: the machine never cuts itself off. Traffic to its own addresses
///    goes over lo, so a ban of one of its own public addresses (a health check through
///    the public name, a proxy in front) or of 127.0.0.1 cannot break local services;
/// 2. the allowlist accepts (an allowlisted address is never dropped by us);
/// 3. the bans and then the blocklist shards drop, IPv4 and IPv6.
///
/// There is deliberately no `ct state established accept`: a ban must cut an open IMAP
/// session too. An `accept` here ends only our chain; other tables still judge the packet.
pub fn chain_rules(table: &str, names: &SetNames) -> Vec<NfObject<'static>> {
    let accept = || Statement::Accept(None);
    let drop = || Statement::Drop(None);
    let mut out = vec![flush_chain(table, CHAIN)];
    out.push(rule(
        table,
        vec![
            Statement::Match(Match {
                left: Expression::Named(NamedExpression::Meta(Meta { key: MetaKey::Iif })),
                right: Expression::String(Cow::Borrowed("lo")),
                op: Operator::EQ,
            }),
            accept(),
        ],
    ));
    out.push(rule(table, saddr_in::<u32>(&names.allow4, accept())));
    out.push(rule(table, saddr_in::<u128>(&names.allow6, accept())));
    out.push(rule(table, saddr_in::<u32>(&names.ban4, drop())));
    out.push(rule(table, saddr_in::<u128>(&names.ban6, drop())));
    for set in &names.block4 {
        out.push(rule(table, saddr_in::<u32>(set, drop())));
    }
    for set in &names.block6 {
        out.push(rule(table, saddr_in::<u128>(set, drop())));
    }
    out
}

/// A batch as the JSON nft reads with `nft -j -f -`.
pub fn to_json(batch: Vec<NfObject<'static>>) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec(&Nftables {
        objects: Cow::Owned(batch),
    })
}
