#![allow(clippy::unwrap_used)]

use std::net::{Ipv4Addr, Ipv6Addr};

use super::*;

fn json(batch: Vec<NfObject<'static>>) -> String {
    String::from_utf8(plan::to_json(batch).unwrap()).unwrap()
}

#[test]
fn the_record_is_made_on_output_from_data_only() {
    let j = json(batch("bolwerk", &[53, 853], SeenFound::default()));
    let at = |needle: &str| j.find(needle).unwrap_or_else(|| panic!("{needle} in {j}"));
    assert!(at(r#""hook":"output","prio":-150,"policy":"accept""#) < at(r#""flush":{"chain""#));
    assert!(
        j.contains(r#""type":["ipv4_addr","inet_service"]"#)
            && j.contains(r#""type":["ipv6_addr","inet_service"]"#),
        "{j}"
    );
    assert!(
        j.contains(r#""timeout":120"#) && j.contains(r#""size":8192"#),
        "{j}"
    );
    assert!(j.contains(r#""flags":["timeout"]"#), "{j}");
    assert!(
        j.contains(r#"{"match":{"left":{"payload":{"protocol":"tcp","field":"sport"}},"right":{"set":[53,853]},"op":"=="}}"#),
        "{j}"
    );
    assert!(
        j.contains(r#"{"&":[{"payload":{"protocol":"tcp","field":"flags"}},["syn","rst","psh"]]},"right":"psh""#),
        "{j}"
    );
    assert!(
        j.contains(r#"{"set":{"op":"update","elem":{"concat":[{"payload":{"protocol":"ip","field":"daddr"}},{"payload":{"protocol":"tcp","field":"dport"}}]},"set":"@tcp4"}}"#),
        "{j}"
    );
    assert!(j.contains(r#"{"protocol":"ip6","field":"daddr"}"#) && j.contains(r#""set":"@tcp6""#));
    assert!(
        !j.contains("\"ct\"") && !j.contains("saddr"),
        "no conntrack, no source: {j}"
    );
    assert!(!j.contains("delete"), "{j}");
}

#[test]
fn a_record_of_ours_is_kept_and_a_foreign_one_replaced() {
    let found = SeenFound {
        chain: true,
        v4: Found::Ours,
        v6: Found::Other,
    };
    let j = json(batch("bolwerk", &[53], found));
    assert!(
        !j.contains(r#""name":"tcp4""#),
        "kept with its elements: {j}"
    );
    let flush = j.find(r#""flush""#).unwrap();
    let del = j
        .find(r#"{"delete":{"set":{"family":"inet","table":"bolwerk","name":"tcp6""#)
        .unwrap();
    let add = j
        .find(r#"{"add":{"set":{"family":"inet","table":"bolwerk","name":"tcp6""#)
        .unwrap();
    assert!(flush < del && del < add, "{j}");
    assert_eq!(j.matches(r#""op":"update""#).count(), 2);
}

#[test]
fn no_ports_means_no_record() {
    assert!(batch("bolwerk", &[], SeenFound::default()).is_empty());
    let found = SeenFound {
        chain: true,
        v4: Found::Ours,
        v6: Found::Missing,
    };
    let j = json(batch("bolwerk", &[], found));
    let flush = j.find(r#""flush":{"chain""#).unwrap();
    let del = j.find(r#"{"delete":{"chain""#).unwrap();
    assert!(flush < del, "{j}");
    assert!(j.contains(r#""name":"tcp4""#) && !j.contains("tcp6"), "{j}");
}

#[test]
fn sets_are_judged_by_type_flags_timeout_and_size() {
    let v = |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap();
    let ours = r#"{"family": "inet", "name": "tcp4", "table": "bolwerk", "type": ["ipv4_addr", "inet_service"], "handle": 2, "size": 8192, "flags": ["timeout"], "timeout": 120}"#;
    assert_eq!(judge(SEEN4, &v(ours)), Found::Ours);
    assert_eq!(
        judge(
            SEEN4,
            &v(&ours.replace(r#"["timeout"]"#, r#"["dynamic", "timeout"]"#))
        ),
        Found::Ours
    );
    assert_eq!(judge(SEEN6, &v(ours)), Found::Other, "wrong family");
    assert_eq!(
        judge(SEEN4, &v(&ours.replace("8192", "65536"))),
        Found::Other
    );
    assert_eq!(judge(SEEN4, &v(&ours.replace("120", "60"))), Found::Other);
    assert_eq!(
        judge(SEEN4, &v(&ours.replace(r#"["timeout"]"#, "[]"))),
        Found::Other
    );
    assert_eq!(judge(SEEN4, &v(r#"{"type": "ipv4_addr"}"#)), Found::Other);
}

const LISTING: &str = r#"{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"set": {"family": "inet", "name": "tcp6", "table": "bolwerk", "type": ["ipv6_addr", "inet_service"], "handle": 2, "size": 8192, "flags": ["timeout"], "timeout": 120, "elem": [{"elem": {"val": {"concat": ["fd00:bb::2", 42000]}, "expires": 86}}, {"concat": ["2001:db8::7", "53"]}]}}]}"#;

#[test]
fn a_listing_is_searched_by_address_and_port() {
    let a: IpAddr = "fd00:bb:0:0::2".parse().unwrap();
    assert_eq!(listed(LISTING, a, 42000), Some(true));
    assert_eq!(listed(LISTING, a, 42001), Some(false));
    assert_eq!(
        listed(LISTING, "fd00:bb::3".parse().unwrap(), 42000),
        Some(false)
    );
    assert_eq!(
        listed(LISTING, "2001:db8::7".parse().unwrap(), 53),
        Some(true)
    );
    let empty = r#"{"nftables": [{"metainfo": {}}, {"set": {"name": "tcp4", "type": ["ipv4_addr", "inet_service"]}}]}"#;
    assert_eq!(listed(empty, a, 1), Some(false));
    assert_eq!(listed("", a, 1), None);
    assert_eq!(listed(r#"{"nftables": []}"#, a, 1), None);
}

#[test]
fn a_mapped_address_is_asked_of_the_ipv4_record() {
    let v4 = Ipv4Addr::new(203, 0, 113, 7);
    assert_eq!(set_for(IpAddr::V4(v4)), (SEEN4, IpAddr::V4(v4)));
    assert_eq!(
        set_for(IpAddr::V6(v4.to_ipv6_mapped())),
        (SEEN4, IpAddr::V4(v4))
    );
    let v6 = "2001:db8::1".parse::<Ipv6Addr>().unwrap();
    assert_eq!(set_for(IpAddr::V6(v6)), (SEEN6, IpAddr::V6(v6)));
}
