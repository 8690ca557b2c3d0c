#![allow(clippy::unwrap_used)]

use super::*;

#[test]
fn table_names_are_checked() {
    assert!(Firewall::new("bolwerk", vec!["nft".into()]).is_ok());
    assert!(Firewall::new("bw_2", vec!["nft".into()]).is_ok());
    for bad in ["", "2bw", "bw-x", "a b", "t;flush ruleset", &"x".repeat(33)] {
        assert!(
            matches!(
                Firewall::new(bad, vec!["nft".into()]),
                Err(NftError::TableName(_))
            ),
            "{bad}"
        );
    }
    assert!(matches!(
        Firewall::new("bolwerk", vec![]),
        Err(NftError::EmptyCommand)
    ));
}

#[test]
fn failures_are_named() {
    let e = failure(
        "x",
        "Error: Could not process rule: Operation not permitted\nadd table inet bolwerk\n",
    );
    assert!(matches!(e, NftError::PermissionDenied));
    let msg = e.to_string();
    assert!(
        msg.contains("CAP_NET_ADMIN") && msg.contains("AmbientCapabilities"),
        "{msg}"
    );
    let e = failure("x", "exec of \"nft\" failed: No such file or directory\n");
    assert!(
        e.to_string().contains("install the `nftables` package"),
        "{e}"
    );
    let e = failure(
        "fill a blocklist set",
        &format!("Error: syntax error\n{}\n", "x".repeat(5000)),
    );
    let msg = e.to_string();
    assert!(
        msg.starts_with("nft could not fill a blocklist set: Error: syntax error x"),
        "{msg}"
    );
    assert!(msg.chars().count() < 700, "clipped: {}", msg.len());
    assert!(absent(
        "Error: No such file or directory\nlist table inet bolwerk\n          ^^^^^^^"
    ));
}

#[test]
fn a_missing_program_says_what_to_install() {
    let mut fw = Firewall::new("bolwerk", vec!["/nonexistent/nft".into()]).unwrap();
    let e = fw.install().unwrap_err();
    assert!(matches!(e, NftError::Missing { .. }), "{e:?}");
    assert!(
        e.to_string().contains("install the `nftables` package"),
        "{e}"
    );
    let e = Firewall::uninstall("bolwerk", &["/nonexistent/nft".into()]).unwrap_err();
    assert!(matches!(e, NftError::Missing { .. }), "{e:?}");
}

/// A stand-in for nft that logs each call and succeeds: what the firewall asks, without a
/// kernel.
fn fake() -> (tempfile::TempDir, Firewall) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("calls");
    let log = log.display();
    let script = format!(
        "{{ printf '%s\\n' \"$*\"; [ \"$2\" = -f ] && cat; printf '\\n@@\\n'; }} >> '{log}'"
    );
    let fw = Firewall::new(
        "bolwerk",
        vec!["sh".into(), "-c".into(), script, "nft".into()],
    )
    .unwrap();
    (dir, fw)
}

fn calls(dir: &tempfile::TempDir) -> Vec<String> {
    let text = std::fs::read_to_string(dir.path().join("calls")).unwrap_or_default();
    text.split("\n@@\n")
        .filter(|c| !c.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn unchanged_bans_run_no_nft_and_changes_run_one_transaction() {
    let (dir, mut fw) = fake();
    let now = 1_000_000;
    let ban = |s: &str, until| (Subject::parse(s).unwrap(), until);
    let bans = vec![ban("192.0.2.7", Some(now + 60)), ban("2001:db8::1", None)];
    let st = fw.sync_bans(&bans, now).unwrap();
    // list (empty output: not ours) + create, then the sync.
    assert_eq!(calls(&dir).len(), 3);
    assert!(calls(&dir)[0].starts_with("-j -t list table inet bolwerk"));
    assert_eq!((st.added, st.transactions, st.elements), (2, 1, 2));
    let st = fw.sync_bans(&bans, now + 5).unwrap();
    assert_eq!(st.transactions, 0);
    assert_eq!(calls(&dir).len(), 3, "no nft call when nothing changed");
    let escalated = vec![ban("192.0.2.7", Some(now + 3600)), bans[1]];
    let st = fw.sync_bans(&escalated, now + 6).unwrap();
    assert_eq!((st.changed, st.transactions), (1, 1));
    let all = calls(&dir);
    assert_eq!(all.len(), 4);
    let last = &all[3];
    assert!(
        last.contains(r#""name":"ban4_g3""#) && last.contains(r#""timeout":3594"#),
        "{last}"
    );
    assert!(
        last.contains(r#"{"delete":{"set":{"family":"inet","table":"bolwerk","name":"ban4_g2""#),
        "{last}"
    );
    assert!(
        !last.contains("ban6_g3"),
        "the IPv6 set did not change: {last}"
    );
    assert_eq!(fw.set_names().ban4, "ban4_g3");
    assert_eq!(fw.set_names().ban6, "ban6_g2");
}

#[test]
fn a_blocklist_goes_into_shards_then_one_swap() {
    let (dir, mut fw) = fake();
    fw.install().unwrap();
    let v4: Vec<(u32, u32)> = (0..(SHARD as u32 + 10))
        .map(|i| (i * 4, i * 4 + 1))
        .collect();
    let v6 = vec![(1u128 << 100, (1u128 << 100) + 255)];
    let st = fw.load_blocklist(&v4, &v6).unwrap();
    assert_eq!(
        st,
        LoadStats {
            ranges: SHARD + 11,
            sets: 3,
            transactions: 4
        }
    );
    assert_eq!(fw.set_names().block4, vec!["bl4_g2_0", "bl4_g2_1"]);
    assert_eq!(fw.set_names().block6, vec!["bl6_g2_0"]);
    let st = fw.load_blocklist(&[(5, 9)], &[]).unwrap();
    assert_eq!(st.transactions, 2);
    let all = calls(&dir);
    let swap = all.last().unwrap();
    assert!(swap.contains("@bl4_g3_0") && !swap.contains("@bl4_g2_0"));
    for old in ["bl4_g2_0", "bl4_g2_1", "bl6_g2_0"] {
        assert!(
            swap.contains(&format!(
                r#""delete":{{"set":{{"family":"inet","table":"bolwerk","name":"{old}""#
            )),
            "{old}"
        );
    }
}

#[test]
fn the_allowlist_is_replaced_only_when_it_changes() {
    let (dir, mut fw) = fake();
    let allow = [Cidr::parse("192.0.2.0/24").unwrap()];
    assert!(fw.set_allowlist(&allow).unwrap());
    let n = calls(&dir).len();
    assert!(!fw.set_allowlist(&allow).unwrap());
    assert_eq!(calls(&dir).len(), n);
}

fn listing(sets: &[(&str, &str, &str)], refs: &[&str], prio: i32) -> String {
    let mut items = vec![
        r#"{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}"#.to_owned(),
        r#"{"table": {"family": "inet", "name": "bolwerk", "handle": 1}}"#.to_owned(),
    ];
    for (name, typ, flags) in sets {
        items.push(format!(r#"{{"set": {{"family": "inet", "name": "{name}", "table": "bolwerk", "type": "{typ}", "handle": 2, "flags": [{flags}]}}}}"#));
    }
    items.push(format!(r#"{{"chain": {{"family": "inet", "table": "bolwerk", "name": "input", "handle": 1, "type": "filter", "hook": "input", "prio": {prio}, "policy": "accept"}}}}"#));
    items.push(r#"{"rule": {"family": "inet", "table": "bolwerk", "chain": "input", "handle": 3, "expr": [{"match": {"op": "==", "left": {"meta": {"key": "iif"}}, "right": "lo"}}, {"accept": null}]}}"#.to_owned());
    for r in refs {
        let proto = if r.contains('4') { "ip" } else { "ip6" };
        items.push(format!(r#"{{"rule": {{"family": "inet", "table": "bolwerk", "chain": "input", "handle": 4, "expr": [{{"match": {{"op": "==", "left": {{"payload": {{"protocol": "{proto}", "field": "saddr"}}}}, "right": "@{r}"}}}}, {{"drop": null}}]}}}}"#));
    }
    format!(r#"{{"nftables": [{}]}}"#, items.join(", "))
}

const I: &str = r#""interval""#;
const IT: &str = r#""interval", "timeout""#;

#[test]
fn a_table_of_ours_is_taken_over() {
    let sets = [
        ("allow4_g3", "ipv4_addr", I),
        ("allow6_g3", "ipv6_addr", I),
        ("ban4_g9", "ipv4_addr", IT),
        ("ban6_g8", "ipv6_addr", IT),
        ("bl4_g5_1", "ipv4_addr", I),
        ("bl4_g5_0", "ipv4_addr", I),
        ("bl4_g11_0", "ipv4_addr", I),
    ];
    let refs = [
        "allow4_g3",
        "allow6_g3",
        "ban4_g9",
        "ban6_g8",
        "bl4_g5_1",
        "bl4_g5_0",
    ];
    let plan = take_over_plan(&listing(&sets, &refs, -150)).unwrap();
    assert_eq!(plan.names.ban4, "ban4_g9");
    assert_eq!(plan.names.block4, vec!["bl4_g5_0", "bl4_g5_1"]);
    assert!(plan.names.block6.is_empty());
    assert_eq!(
        plan.stale,
        vec!["bl4_g11_0"],
        "an unfinished load is cleared"
    );
    assert_eq!(plan.next_gen, 12);
}

#[test]
fn a_table_not_plainly_ours_is_recreated() {
    let sets = [
        ("allow4_g3", "ipv4_addr", I),
        ("allow6_g3", "ipv6_addr", I),
        ("ban4_g9", "ipv4_addr", IT),
        ("ban6_g8", "ipv6_addr", IT),
    ];
    let refs = ["allow4_g3", "allow6_g3", "ban4_g9", "ban6_g8"];
    assert!(take_over_plan(&listing(&sets, &refs, -150)).is_some());
    assert!(
        take_over_plan(&listing(&sets, &refs, 0)).is_none(),
        "another priority"
    );
    assert!(
        take_over_plan(&listing(&sets, &refs[..3], -150)).is_none(),
        "a set missing"
    );
    let mut wrong = sets;
    wrong[2].2 = I;
    assert!(
        take_over_plan(&listing(&wrong, &refs, -150)).is_none(),
        "ban set without timeouts"
    );
    let mut wrong = sets;
    wrong[0].1 = "ipv6_addr";
    assert!(
        take_over_plan(&listing(&wrong, &refs, -150)).is_none(),
        "wrong family"
    );
    assert!(take_over_plan("").is_none());
    assert!(take_over_plan(r#"{"nftables": [{"map": {}}]}"#).is_none());
}

/// `listing` with the TCP client record: an output chain with its rule and the two sets.
fn listing_with_record(tcp4: &str, output_prio: i32) -> String {
    let sets = [
        ("allow4_g3", "ipv4_addr", I),
        ("allow6_g3", "ipv6_addr", I),
        ("ban4_g9", "ipv4_addr", IT),
        ("ban6_g8", "ipv6_addr", IT),
    ];
    let refs = ["allow4_g3", "allow6_g3", "ban4_g9", "ban6_g8"];
    let base = listing(&sets, &refs, -150);
    let extra = [
        format!(r#"{{"set": {{"family": "inet", "name": "tcp4", "table": "bolwerk", "type": ["ipv4_addr", "inet_service"], "handle": 9, "size": 8192, "flags": [{tcp4}], "timeout": 120}}}}"#),
        r#"{"set": {"family": "inet", "name": "tcp6", "table": "bolwerk", "type": ["ipv6_addr", "inet_service"], "handle": 10, "size": 8192, "flags": ["timeout"], "timeout": 120}}"#.to_owned(),
        format!(r#"{{"chain": {{"family": "inet", "table": "bolwerk", "name": "output", "handle": 11, "type": "filter", "hook": "output", "prio": {output_prio}, "policy": "accept"}}}}"#),
        r#"{"rule": {"family": "inet", "table": "bolwerk", "chain": "output", "handle": 12, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "sport"}}, "right": 53}}, {"set": {"op": "update", "elem": {"concat": [{"payload": {"protocol": "ip", "field": "daddr"}}, {"payload": {"protocol": "tcp", "field": "dport"}}]}, "set": "@tcp4"}}]}}"#.to_owned(),
    ];
    base.replacen(
        r#"{"metainfo""#,
        &format!(r#"{}, {{"metainfo""#, extra.join(", ")),
        1,
    )
}

#[test]
fn a_take_over_keeps_the_tcp_client_record() {
    let plan = take_over_plan(&listing_with_record(r#""timeout""#, -150)).unwrap();
    assert_eq!(
        plan.seen,
        SeenFound {
            chain: true,
            v4: seen::Found::Ours,
            v6: seen::Found::Ours
        }
    );
    assert!(plan.stale.is_empty(), "{:?}", plan.stale);
    let plan = take_over_plan(&listing_with_record(r#""interval""#, -150)).unwrap();
    assert_eq!(plan.seen.v4, seen::Found::Other);
    assert!(
        take_over_plan(&listing_with_record(r#""timeout""#, 0)).is_none(),
        "an output chain not as we make it"
    );
    let old = take_over_plan(&listing(
        &[
            ("allow4_g3", "ipv4_addr", I),
            ("allow6_g3", "ipv6_addr", I),
            ("ban4_g9", "ipv4_addr", IT),
            ("ban6_g8", "ipv6_addr", IT),
        ],
        &["allow4_g3", "allow6_g3", "ban4_g9", "ban6_g8"],
        -150,
    ))
    .unwrap();
    assert_eq!(
        old.seen,
        SeenFound::default(),
        "a table of before the record"
    );
}

#[test]
fn install_makes_the_record_and_no_ports_make_none() {
    let (dir, mut fw) = fake();
    fw.install().unwrap();
    let create = calls(&dir).pop().unwrap();
    assert!(
        create.contains(r#""hook":"output""#) && create.contains(r#""set":"@tcp6""#),
        "{create}"
    );
    assert_eq!(fw.confirm_ports(), &[53]);
    fw.set_confirm_ports(vec![853, 53, 853]);
    assert_eq!(fw.confirm_ports(), &[53, 853]);
    // Changed after install: the next call installs again (here: the fake lists nothing, so
    // the table is made anew) with the new ports.
    fw.sync_bans(&[], 0).unwrap();
    let all = calls(&dir);
    assert!(
        all.iter()
            .any(|c| c.contains(r#""right":{"set":[53,853]}"#))
    );

    let (dir, mut fw) = fake();
    fw.set_confirm_ports(Vec::new());
    fw.install().unwrap();
    let create = calls(&dir).pop().unwrap();
    assert!(
        !create.contains("output") && !create.contains("tcp4"),
        "{create}"
    );
    assert!(
        !fw.tcp_seen("192.0.2.1".parse().unwrap(), 53).unwrap(),
        "no ports: nothing asked"
    );
    assert_eq!(calls(&dir).len(), 2);
}

#[test]
fn tcp_seen_asks_one_set() {
    let (dir, fw) = fake();
    // The fake prints nothing: not a set listing.
    let e = fw
        .tcp_seen("::ffff:192.0.2.1".parse().unwrap(), 5353)
        .unwrap_err();
    assert!(e.to_string().contains("unexpected output"), "{e}");
    assert_eq!(calls(&dir), vec!["-j list set inet bolwerk tcp4\n"]);
}
