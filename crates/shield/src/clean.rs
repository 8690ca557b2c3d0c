//! Parts of requests already found clean, remembered per thread: a browser sends the same
//! `User-Agent`, `Referer` and `Cookie` with every request, and a site's visitors ask for the
//! same paths and query arguments (`page=2`, `lang=nl`) again and again; judging each once is
//! enough.
//!
//! An entry holds the whole value (not only its hash), so no value can be taken for another;
//! only values with no match at all are remembered; the memory is bounded; and a new rule set
//! (another [`crate::Shield`], e.g. after a rule switch) starts from nothing.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};

/// Entries per thread before the table is emptied.
const MAX_ENTRIES: usize = 4096;
/// Longer values are always judged afresh.
pub const MAX_VALUE: usize = 1024;

/// One remembered part: kind, name, value.
type Entry = (Box<str>, Box<[u8]>, Box<[u8]>);

struct Table {
    generation: u64,
    hasher: std::collections::hash_map::RandomState,
    entries: HashMap<u64, Vec<Entry>>,
    len: usize,
}

thread_local! {
    static TABLE: RefCell<Table> = RefCell::new(Table {
        generation: 0,
        hasher: std::collections::hash_map::RandomState::new(),
        entries: HashMap::new(),
        len: 0,
    });
}

fn key(t: &Table, kind: &str, name: &[u8], value: &[u8]) -> u64 {
    let mut h = t.hasher.build_hasher();
    kind.hash(&mut h);
    name.hash(&mut h);
    value.hash(&mut h);
    h.finish()
}

/// Whether `name`=`value` of `kind` (a header name, `arg`, `path`) was found clean by the
/// rule set `generation`.
pub fn known(generation: u64, kind: &str, name: &[u8], value: &[u8]) -> bool {
    if name.len() + value.len() > MAX_VALUE {
        return false;
    }
    TABLE.with(|t| {
        let t = t.borrow();
        t.generation == generation
            && t.entries
                .get(&key(&t, kind, name, value))
                .is_some_and(|bucket| {
                    bucket
                        .iter()
                        .any(|(k, n, v)| &**k == kind && &**n == name && &**v == value)
                })
    })
}

/// Remembers that `name`=`value` of `kind` is clean under `generation`.
pub fn remember(generation: u64, kind: &str, name: &[u8], value: &[u8]) {
    if name.len() + value.len() > MAX_VALUE {
        return;
    }
    TABLE.with(|t| {
        let mut t = t.borrow_mut();
        if t.generation != generation || t.len >= MAX_ENTRIES {
            t.entries.clear();
            t.len = 0;
            t.generation = generation;
        }
        let k = key(&t, kind, name, value);
        t.entries
            .entry(k)
            .or_default()
            .push((kind.into(), name.into(), value.into()));
        t.len += 1;
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_exact_values_per_generation() {
        assert!(!known(7, "user-agent", b"", b"Firefox"));
        remember(7, "user-agent", b"", b"Firefox");
        assert!(known(7, "user-agent", b"", b"Firefox"));
        assert!(!known(7, "referer", b"", b"Firefox"), "per header");
        assert!(!known(7, "user-agent", b"", b"Firefox "), "exact value");
        assert!(!known(8, "user-agent", b"", b"Firefox"), "another rule set");
        remember(8, "arg", b"lang", b"nl");
        assert!(known(8, "arg", b"lang", b"nl"));
        assert!(
            !known(8, "arg", b"langn", b"l"),
            "name and value kept apart"
        );
        assert!(
            !known(7, "user-agent", b"", b"Firefox"),
            "forgotten on a new generation"
        );
        let long = vec![b'a'; MAX_VALUE + 1];
        remember(8, "user-agent", b"", &long);
        assert!(!known(8, "user-agent", b"", &long));
    }

    #[test]
    fn stays_bounded() {
        for i in 0..(MAX_ENTRIES * 2) {
            remember(9, "referer", b"", i.to_string().as_bytes());
        }
        TABLE.with(|t| assert!(t.borrow().len <= MAX_ENTRIES));
    }
}
