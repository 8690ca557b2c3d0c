//! Reading a table a previous run left: is it plainly ours, and what does its chain read.

use std::collections::HashMap;

use super::plan::{self, SetNames};
use super::seen::{self, SEEN_CHAIN, SEEN4, SEEN6, SeenFound};

/// What taking over an existing table means: the sets the chain reads, what to delete, the
/// next generation number, and what of the TCP client record is there.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct TakeOver {
    pub names: SetNames,
    pub stale: Vec<String>,
    pub next_gen: u64,
    pub seen: SeenFound,
}

/// Whether a listed chain is one of our base chains on `hook`.
fn base_chain(v: &serde_json::Value, hook: &str) -> Option<bool> {
    Some(
        v.get("type")?.as_str()? == "filter"
            && v.get("hook")?.as_str()? == hook
            && v.get("prio")?.as_i64()? == i64::from(plan::PRIORITY)
            && v.get("policy")?.as_str()? == "accept",
    )
}

/// Reads `nft -j -t list table` output. `Some` when the table is plainly ours: the chain
/// `input` as we make it, reading one allow and ban set per family and any blocklist shards,
/// all of the right type, and at most our `output` chain and the TCP client record (judged
/// apart: the output chain is always rewritten); sets the input chain does not read are
/// stale. `None` otherwise.
pub(crate) fn take_over_plan(json: &str) -> Option<TakeOver> {
    let doc: serde_json::Value = serde_json::from_str(json).ok()?;
    let items = doc.get("nftables")?.as_array()?;
    let mut sets: HashMap<String, (String, Vec<String>)> = HashMap::new();
    let mut refs: Vec<String> = Vec::new();
    let mut inputs = 0;
    let mut seen = SeenFound::default();
    for item in items {
        let obj = item.as_object()?;
        let (kind, v) = obj.iter().next()?;
        match kind.as_str() {
            "metainfo" | "table" => {}
            "set" => {
                let name = v.get("name")?.as_str()?.to_owned();
                if name == SEEN4 || name == SEEN6 {
                    let found = seen::judge(&name, v);
                    *(if name == SEEN4 {
                        &mut seen.v4
                    } else {
                        &mut seen.v6
                    }) = found;
                    continue;
                }
                // A concatenated type (a list) is none of ours: its name decides below.
                let typ = match v.get("type")? {
                    serde_json::Value::String(t) => t.clone(),
                    _ => String::new(),
                };
                let mut flags: Vec<String> = match v.get("flags") {
                    None => Vec::new(),
                    Some(f) => f
                        .as_array()?
                        .iter()
                        .map(|x| x.as_str().map(str::to_owned))
                        .collect::<Option<_>>()?,
                };
                flags.sort();
                sets.insert(name, (typ, flags));
            }
            "chain" => match v.get("name")?.as_str()? {
                plan::CHAIN if base_chain(v, "input")? => inputs += 1,
                SEEN_CHAIN if base_chain(v, "output")? => seen.chain = true,
                _ => return None,
            },
            "rule" => {
                // The output chain's rules are rewritten whatever they are.
                if v.get("chain")?.as_str()? != plan::CHAIN {
                    continue;
                }
                for e in v.get("expr")?.as_array()? {
                    let right = e.get("match").and_then(|m| m.get("right"));
                    if let Some(name) = right
                        .and_then(|r| r.as_str())
                        .and_then(|r| r.strip_prefix('@'))
                    {
                        refs.push(name.to_owned());
                    }
                }
            }
            _ => return None,
        }
    }
    if inputs != 1 {
        return None;
    }
    let mut names = SetNames::default();
    let mut shards: Vec<(u8, usize, String)> = Vec::new();
    let mut max_gen = 0;
    for name in &refs {
        let (kind, generation) = plan::parse_set_name(name)?;
        let (typ, flags) = sets.get(name)?;
        let family = if kind.ends_with('4') {
            "ipv4_addr"
        } else {
            "ipv6_addr"
        };
        let want_flags: &[&str] = if kind.starts_with("ban") {
            &["interval", "timeout"]
        } else {
            &["interval"]
        };
        if typ != family
            || !flags
                .iter()
                .map(String::as_str)
                .eq(want_flags.iter().copied())
        {
            return None;
        }
        max_gen = max_gen.max(generation);
        let slot = match kind {
            "allow4" => &mut names.allow4,
            "allow6" => &mut names.allow6,
            "ban4" => &mut names.ban4,
            "ban6" => &mut names.ban6,
            _ => {
                let index = name.rsplit('_').next()?.parse().ok()?;
                shards.push((if kind == "bl4" { 4 } else { 6 }, index, name.clone()));
                continue;
            }
        };
        if !slot.is_empty() {
            return None;
        }
        *slot = name.clone();
    }
    if [&names.allow4, &names.allow6, &names.ban4, &names.ban6]
        .iter()
        .any(|n| n.is_empty())
    {
        return None;
    }
    shards.sort();
    for (family, _, name) in shards {
        if family == 4 {
            names.block4.push(name);
        } else {
            names.block6.push(name);
        }
    }
    let mut stale: Vec<String> = sets
        .keys()
        .filter(|s| !names.all().any(|n| n == *s))
        .cloned()
        .collect();
    stale.sort();
    for s in &stale {
        if let Some((_, generation)) = plan::parse_set_name(s) {
            max_gen = max_gen.max(generation);
        }
    }
    Some(TakeOver {
        names,
        stale,
        next_gen: max_gen + 1,
        seen,
    })
}
