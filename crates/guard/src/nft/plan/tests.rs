#![allow(clippy::unwrap_used)]

use super::*;

fn s(text: &str) -> Subject {
    Subject::parse(text).unwrap()
}

fn v4(a: &str) -> u32 {
    u32::from(a.parse::<Ipv4Addr>().unwrap())
}

fn v6(a: &str) -> u128 {
    u128::from(a.parse::<Ipv6Addr>().unwrap())
}

fn p4(first: &str, last: &str, expiry: Expiry) -> Piece<u32> {
    Piece {
        first: v4(first),
        last: v4(last),
        expiry,
    }
}

const NOW: i64 = 1_000_000;

#[test]
fn empty_bans_make_no_elements() {
    assert_eq!(ban_pieces(&[], NOW), (vec![], vec![]));
    let d = diff_bans(None, &[], NOW);
    assert!(d.redo4 && d.redo6, "an unknown state is always rebuilt");
    let d = diff_bans(Some(&d.state), &[], NOW);
    assert!(!d.redo4 && !d.redo6);
    assert_eq!(d.stats, SyncStats::default());
}

#[test]
fn expired_bans_are_left_out() {
    let (a, b) = ban_pieces(
        &[
            (s("192.0.2.1"), Some(NOW)),
            (s("2001:db8::1"), Some(NOW - 5)),
        ],
        NOW,
    );
    assert!(a.is_empty() && b.is_empty());
}

#[test]
fn a_narrow_ban_inside_a_wider_longer_one_is_left_out() {
    let bans = [
        (s("2001:db8:0:100::/56"), Some(NOW + 600)),
        (s("2001:db8:0:101::1"), Some(NOW + 60)),
        (s("2001:db8:0:102::1"), Some(NOW + 600)),
    ];
    let (a, b) = ban_pieces(&bans, NOW);
    assert!(a.is_empty());
    assert_eq!(
        b,
        vec![Piece {
            first: v6("2001:db8:0:100::"),
            last: v6("2001:db8:0:1ff:ffff:ffff:ffff:ffff"),
            expiry: Expiry::At(NOW + 600)
        }]
    );
}

#[test]
fn a_longer_ban_inside_a_network_splits_it() {
    // A hand-banned /24 for ten minutes, with a permanent ban of one address inside.
    let bans = [
        (s("198.51.100.0/24"), Some(NOW + 600)),
        (s("198.51.100.7"), None),
    ];
    let (a, _) = ban_pieces(&bans, NOW);
    assert_eq!(
        a,
        vec![
            p4("198.51.100.0", "198.51.100.6", Expiry::At(NOW + 600)),
            p4("198.51.100.7", "198.51.100.7", Expiry::Never),
            p4("198.51.100.8", "198.51.100.255", Expiry::At(NOW + 600)),
        ]
    );
    // At the start and at the end of the network too.
    let bans = [
        (s("198.51.100.0/24"), Some(NOW + 600)),
        (s("198.51.100.0"), Some(NOW + 900)),
        (s("198.51.100.255"), Some(NOW + 900)),
    ];
    let (a, _) = ban_pieces(&bans, NOW);
    assert_eq!(
        a,
        vec![
            p4("198.51.100.0", "198.51.100.0", Expiry::At(NOW + 900)),
            p4("198.51.100.1", "198.51.100.254", Expiry::At(NOW + 600)),
            p4("198.51.100.255", "198.51.100.255", Expiry::At(NOW + 900)),
        ]
    );
}

#[test]
fn three_nested_levels_and_neighbours() {
    // /48 (1 min) > /56 (permanent) > /64 (1 h); and two adjacent addresses with one time.
    let bans = [
        (s("2001:db8:1::/48"), Some(NOW + 60)),
        (s("2001:db8:1:200::/56"), None),
        (s("2001:db8:1:2aa::1"), Some(NOW + 3600)),
        (s("192.0.2.1"), Some(NOW + 60)),
        (s("192.0.2.2"), Some(NOW + 60)),
        (s("192.0.2.3"), Some(NOW + 61)),
    ];
    let (a, b) = ban_pieces(&bans, NOW);
    assert_eq!(
        a,
        vec![
            p4("192.0.2.1", "192.0.2.2", Expiry::At(NOW + 60)),
            p4("192.0.2.3", "192.0.2.3", Expiry::At(NOW + 61)),
        ]
    );
    assert_eq!(b.len(), 3, "{b:?}");
    assert_eq!(
        b[1].expiry,
        Expiry::Never,
        "the permanent /56 swallows the /64"
    );
    assert_eq!(
        (b[1].first, b[1].last),
        (
            v6("2001:db8:1:200::"),
            v6("2001:db8:1:2ff:ffff:ffff:ffff:ffff")
        )
    );
    assert_eq!(b[0].last + 1, b[1].first);
    assert_eq!(b[1].last + 1, b[2].first);
    assert_eq!(b[2].last, v6("2001:db8:1:ffff:ffff:ffff:ffff:ffff"));
}

#[test]
fn cover_reaches_the_top_of_the_address_space() {
    let pieces = cover(vec![
        (0u32, u32::MAX, Expiry::Never),
        (u32::MAX, u32::MAX, Expiry::Never),
    ]);
    assert_eq!(
        pieces,
        vec![Piece {
            first: 0,
            last: u32::MAX,
            expiry: Expiry::Never
        }]
    );
    let pieces = cover(vec![(u128::MAX - 1, u128::MAX, Expiry::At(5))]);
    assert_eq!(pieces.len(), 1);
    assert_eq!(pieces[0].last, u128::MAX);
}

#[test]
fn timeouts_count_from_now_and_permanent_has_none() {
    assert_eq!(Expiry::At(NOW + 90).timeout(NOW), Some(90));
    assert_eq!(
        Expiry::At(NOW).timeout(NOW),
        Some(1),
        "never 0, which nft would refuse"
    );
    assert_eq!(Expiry::At(i64::MAX).timeout(0), Some(u32::MAX));
    assert_eq!(Expiry::Never.timeout(NOW), None);
    assert!(Expiry::At(i64::MAX) < Expiry::Never);
    let elems = piece_elems(
        &[
            p4("192.0.2.1", "192.0.2.1", Expiry::At(NOW + 90)),
            p4("192.0.2.9", "192.0.2.9", Expiry::Never),
        ],
        NOW,
    );
    let json = serde_json::to_string(&elems).unwrap();
    assert_eq!(
        json,
        r#"[{"elem":{"val":"192.0.2.1","timeout":90,"expires":null,"comment":null,"counter":null}},"192.0.2.9"]"#
    );
}

#[test]
fn ranges_are_written_in_their_shortest_form() {
    let j = |e: Expression| serde_json::to_string(&e).unwrap();
    assert_eq!(
        j(range_expr(v4("10.0.0.1"), v4("10.0.0.1"))),
        r#""10.0.0.1""#
    );
    assert_eq!(
        j(range_expr(v4("10.0.0.0"), v4("10.0.0.255"))),
        r#"{"prefix":{"addr":"10.0.0.0","len":24}}"#
    );
    assert_eq!(
        j(range_expr(v4("10.0.0.1"), v4("10.0.0.2"))),
        r#"{"range":["10.0.0.1","10.0.0.2"]}"#
    );
    assert_eq!(
        j(range_expr(0u32, u32::MAX)),
        r#"{"prefix":{"addr":"0.0.0.0","len":0}}"#
    );
    assert_eq!(
        j(range_expr(0u128, u128::MAX)),
        r#"{"prefix":{"addr":"::","len":0}}"#
    );
    assert_eq!(
        j(range_expr(
            v6("2001:db8::"),
            v6("2001:db8::ffff:ffff:ffff:ffff")
        )),
        r#"{"prefix":{"addr":"2001:db8::","len":64}}"#
    );
    assert_eq!(
        j(range_expr(v6("2001:db8::1"), v6("2001:db8::ffff"))),
        r#"{"range":["2001:db8::1","2001:db8::ffff"]}"#
    );
}

#[test]
fn escalation_replaces_the_element() {
    let first = diff_bans(None, &[(s("192.0.2.7"), Some(NOW + 60))], NOW);
    let d = diff_bans(
        Some(&first.state),
        &[(s("192.0.2.7"), Some(NOW + 3600))],
        NOW + 10,
    );
    assert_eq!((d.stats.added, d.stats.changed, d.stats.removed), (0, 1, 0));
    assert!(d.redo4 && !d.redo6);
    assert_eq!(
        d.state.v4,
        vec![p4("192.0.2.7", "192.0.2.7", Expiry::At(NOW + 3600))]
    );
    // Made permanent.
    let e = diff_bans(Some(&d.state), &[(s("192.0.2.7"), None)], NOW + 20);
    assert_eq!(e.stats.changed, 1);
    assert_eq!(e.state.v4[0].expiry, Expiry::Never);
}

#[test]
fn nothing_changed_means_nothing_to_do() {
    let bans = [(s("192.0.2.7"), Some(NOW + 60)), (s("2001:db8::/48"), None)];
    let first = diff_bans(None, &bans, NOW);
    let d = diff_bans(Some(&first.state), &bans, NOW + 30);
    assert!(!d.redo4 && !d.redo6);
    assert_eq!(
        d.stats,
        SyncStats {
            elements: 2,
            ..SyncStats::default()
        }
    );
    // Listing a subject twice (two sources) does not change anything either.
    let twice = [bans[0], bans[1], (s("192.0.2.7"), Some(NOW + 10))];
    let d = diff_bans(Some(&first.state), &twice, NOW + 30);
    assert!(!d.redo4 && !d.redo6);
}

#[test]
fn a_ban_that_ran_out_needs_no_call_but_one_lifted_early_does() {
    let bans = [
        (s("192.0.2.7"), Some(NOW + 60)),
        (s("192.0.2.8"), Some(NOW + 600)),
    ];
    let first = diff_bans(None, &bans, NOW);
    // .7 ran out: the kernel has dropped its element already.
    let d = diff_bans(Some(&first.state), &bans[1..], NOW + 60);
    assert_eq!((d.stats.expired, d.stats.removed), (1, 0));
    assert!(!d.redo4);
    // .8 lifted by hand before its time.
    let d = diff_bans(Some(&first.state), &bans[..1], NOW + 30);
    assert_eq!((d.stats.expired, d.stats.removed), (0, 1));
    assert!(d.redo4 && !d.redo6);
}

#[test]
fn a_covered_ban_changes_no_element() {
    let wide = [(s("198.51.100.0/24"), None)];
    let first = diff_bans(None, &wide, NOW);
    let d = diff_bans(
        Some(&first.state),
        &[wide[0], (s("198.51.100.9"), Some(NOW + 60))],
        NOW,
    );
    assert_eq!(d.stats.added, 1);
    assert!(!d.redo4, "the /32 hides inside the permanent /24");
}

#[test]
fn only_the_family_that_changed_is_rebuilt() {
    let first = diff_bans(None, &[(s("192.0.2.7"), None)], NOW);
    let d = diff_bans(
        Some(&first.state),
        &[(s("192.0.2.7"), None), (s("2001:db8::1"), None)],
        NOW,
    );
    assert!(!d.redo4 && d.redo6);
    assert_eq!(d.stats.added, 1);
}

#[test]
fn allowlist_networks_merge_and_mapped_addresses_are_ipv4() {
    let cidrs: Vec<Cidr> = [
        "10.0.0.0/8",
        "10.1.2.3",
        "11.0.0.0/8",
        "::ffff:192.0.2.0/120",
        "2001:db8::5/64",
        "2001:db8::/63",
    ]
    .iter()
    .map(|c| Cidr::parse(c).unwrap())
    .collect();
    let (a, b) = cidr_ranges(&cidrs);
    assert_eq!(
        a,
        vec![
            (v4("10.0.0.0"), v4("11.255.255.255")),
            (v4("192.0.2.0"), v4("192.0.2.255"))
        ]
    );
    assert_eq!(
        b,
        vec![(v6("2001:db8::"), v6("2001:db8:0:1:ffff:ffff:ffff:ffff"))]
    );
}

#[test]
fn blocklist_ranges_are_used_as_given_when_clean() {
    let clean = [(1u32, 2u32), (4, 9)];
    assert!(matches!(normalized(&clean), Cow::Borrowed(_)));
    let messy = [(4u32, 9u32), (1, 5), (20, 10)];
    assert_eq!(normalized(&messy).into_owned(), vec![(1, 9)]);
}

#[test]
fn set_names_parse_back() {
    assert_eq!(parse_set_name(&set_name("ban4", 7)), Some(("ban4", 7)));
    assert_eq!(parse_set_name(&shard_name(6, 12, 3)), Some(("bl6", 12)));
    assert_eq!(parse_set_name("ban4_g7_1"), None);
    assert_eq!(parse_set_name("other"), None);
    assert_eq!(parse_set_name("ban4_gx"), None);
}

#[test]
fn the_chain_accepts_lo_and_allowlist_before_any_drop() {
    let mut names = SetNames::fresh(3);
    names.block4 = vec![shard_name(4, 5, 0), shard_name(4, 5, 1)];
    names.block6 = vec![shard_name(6, 5, 0)];
    let json = String::from_utf8(to_json(chain_rules("bolwerk", &names)).unwrap()).unwrap();
    let at = |needle: &str| {
        json.find(needle)
            .unwrap_or_else(|| panic!("{needle} in {json}"))
    };
    assert!(
        json.starts_with(
            r#"{"nftables":[{"flush":{"chain":{"family":"inet","table":"bolwerk","name":"input""#
        ),
        "{json}"
    );
    assert!(at(r#""iif"}},"right":"lo""#) < at("@allow4_g3"));
    assert!(at("@allow6_g3") < at("@ban4_g3"));
    assert!(at("@ban6_g3") < at("@bl4_g5_0"));
    assert!(at("@bl4_g5_1") < at("@bl6_g5_0"));
    assert_eq!(json.matches(r#"{"accept":null}"#).count(), 3);
    assert_eq!(json.matches(r#"{"drop":null}"#).count(), 5);
    assert!(
        !json.contains("\"ct\""),
        "no conntrack shortcut: established connections are cut too"
    );
    assert!(json.contains(r#""protocol":"ip6","field":"saddr"}},"right":"@ban6_g3""#));
}

#[test]
fn a_new_set_carries_its_elements_inline() {
    let json = to_json(vec![add_set::<u128>(
        "t",
        "ban6_g2",
        true,
        piece_elems(
            &[Piece {
                first: v6("2001:db8::"),
                last: v6("2001:db8::ffff:ffff:ffff:ffff"),
                expiry: Expiry::At(NOW + 5),
            }],
            NOW,
        ),
    )])
    .unwrap();
    let json = String::from_utf8(json).unwrap();
    assert!(json.contains(r#""type":"ipv6_addr""#), "{json}");
    assert!(
        json.contains(
            r#""elem":[{"elem":{"val":{"prefix":{"addr":"2001:db8::","len":64}},"timeout":5"#
        ),
        "{json}"
    );
    let empty =
        String::from_utf8(to_json(vec![add_set::<u32>("t", "allow4_g2", false, vec![])]).unwrap())
            .unwrap();
    assert!(!empty.contains("elem"), "{empty}");
}
