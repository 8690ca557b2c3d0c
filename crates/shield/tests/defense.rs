//! Every rule of the defence policy, against the pure engine with a clock the test moves.

#![allow(clippy::unwrap_used)] // a test fails loudly on a broken setup

use std::net::IpAddr;

use shield::bans::{BanPolicy, Subject};
use shield::blocklist::Blocklist;
use shield::defense::{
    Admission, Consequence, Defense, Limit, Mode, Observation, Policy, Rate, Refusal, RouteClass,
    Time, Verdict,
};
use shield::net::Cidr;
use shield::{Facts, InspectConfig, Profile, Shield};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn engine(policy: Policy) -> Defense {
    Defense::new(policy, Shield::new(InspectConfig::default()).unwrap())
}

fn t(secs: i64) -> Time {
    Time::from_unix_secs(1_800_000_000 + secs)
}

fn page(d: &Defense, client: &str, now: Time) -> Admission {
    d.admit(ip(client), RouteClass::Page, "GET", now)
}

/// A GET with `query`.
fn facts(query: &str) -> Facts<'_> {
    Facts {
        method: "GET",
        path: "/",
        query: Some(query),
        headers: &[("host", b"example.nl")],
        body: None,
        profile: Profile::Public,
        host_in_authority: false,
    }
}

const XSS: &str = "q=%3Cscript%3Ealert(1)%3C/script%3E";

/// Sends attacks until one is banned or `n` were sent; the ban, if any.
fn attack(d: &Defense, client: &str, n: usize, now: Time) -> Option<shield::bans::Ban> {
    for _ in 0..n {
        match d.inspect(ip(client), &facts(XSS), now) {
            Verdict::Blocked { ban: Some(b), .. } => return Some(b),
            Verdict::Blocked { ban: None, .. } => {}
            other => panic!("not blocked: {other:?}"),
        }
    }
    None
}

#[test]
fn an_honest_request_is_inspected_and_passes() {
    let d = engine(Policy::default());
    assert_eq!(
        page(&d, "192.0.2.1", t(0)),
        Admission::Inspect(Profile::Public)
    );
    assert_eq!(
        d.inspect(ip("192.0.2.1"), &facts("q=tulpen"), t(0)),
        Verdict::Pass
    );
}

#[test]
fn the_allowlist_always_wins() {
    let d = engine(Policy::default());
    assert!(d.set_allowlist(vec![Cidr::parse("192.0.2.0/24").unwrap()]));
    assert!(
        !d.set_allowlist(vec![Cidr::parse("192.0.2.0/24").unwrap()]),
        "unchanged"
    );
    d.set_blocklist(Blocklist::parse("192.0.2.0/24\n").unwrap());
    d.insert_ban(
        shield::bans::Ban {
            subject: Subject::of(ip("192.0.2.7")),
            until: None,
            reason: "by hand".into(),
            count: 1,
            at: t(0).secs(),
        },
        t(0),
    );
    let me = "192.0.2.7";
    for i in 0..1000 {
        assert_eq!(page(&d, me, t(0)), Admission::Trusted);
        let miss = format!("/wp-{i}.php");
        let seen = [
            Observation::NotFound {
                path: &miss,
                claims_crawler: false,
            },
            Observation::FailedSignIn,
            Observation::Stalled,
        ];
        for o in seen {
            assert_eq!(d.observe(ip(me), o, t(0)), Consequence::None);
        }
    }
    assert_eq!(d.refusal(ip(me), t(0)), None);
    // Outside the allowlist the blocklist applies.
    assert_eq!(
        page(&d, "198.51.100.1", t(0)),
        Admission::Inspect(Profile::Public)
    );
}

#[test]
fn blocklisted_clients_are_refused_before_their_budget_is_touched() {
    let d = engine(Policy::default());
    d.set_blocklist(Blocklist::parse("203.0.113.0/24\n2001:db8::/32\n").unwrap());
    assert_eq!(
        page(&d, "203.0.113.9", t(0)),
        Admission::Refused(Refusal::Blocklisted)
    );
    assert_eq!(
        page(&d, "2001:db8::1", t(0)),
        Admission::Refused(Refusal::Blocklisted)
    );
    assert_eq!(d.blocklist_len(), 2);
    assert_eq!(d.tracked_clients().0, 0, "nothing kept for refused clients");
}

#[test]
fn bans_escalate_and_expire_as_time_moves() {
    let d = engine(Policy::default());
    let first = attack(&d, "192.0.2.2", 3, t(0)).expect("third attack bans");
    assert_eq!(first.until, Some(t(600).secs()), "ten minutes");
    assert_eq!(
        page(&d, "192.0.2.2", t(599)),
        Admission::Refused(Refusal::Banned)
    );
    assert_eq!(
        page(&d, "192.0.2.2", t(600)),
        Admission::Inspect(Profile::Public)
    );
    // The counts started again at the ban: two more attacks do not ban, a third does.
    assert_eq!(attack(&d, "192.0.2.2", 2, t(700)), None);
    let second = attack(&d, "192.0.2.2", 1, t(701)).expect("banned again");
    assert_eq!(
        (second.count, second.until),
        (2, Some(t(701 + 3600).secs())),
        "an hour"
    );
    d.expire(t(701 + 3600));
    assert!(d.bans(t(701 + 3600)).is_empty(), "expired bans are dropped");
}

#[test]
fn attack_counts_have_a_window() {
    let d = engine(Policy::default());
    assert_eq!(attack(&d, "192.0.2.3", 2, t(0)), None);
    assert_eq!(attack(&d, "192.0.2.3", 2, t(60)), None, "a new window");
    assert!(attack(&d, "192.0.2.3", 1, t(61)).is_some());
}

#[test]
fn ipv6_clients_are_banned_by_64_and_repeat_offences_widen_the_ban() {
    let d = engine(Policy::default());
    let ban = attack(&d, "2001:db8:1:100::1", 3, t(0)).unwrap();
    assert_eq!(ban.subject.to_string(), "2001:db8:1:100::/64");
    assert_eq!(
        page(&d, "2001:db8:1:100::ffff", t(1)),
        Admission::Refused(Refusal::Banned)
    );
    attack(&d, "2001:db8:1:101::1", 3, t(2)).unwrap();
    let third = attack(&d, "2001:db8:1:102::1", 3, t(3)).unwrap();
    assert_eq!(third.subject.to_string(), "2001:db8:1:100::/56", "widened");
    assert_eq!(
        page(&d, "2001:db8:1:1ff::1", t(4)),
        Admission::Refused(Refusal::Banned)
    );
    assert_eq!(
        page(&d, "2001:db8:1:200::1", t(4)),
        Admission::Inspect(Profile::Public)
    );
}

#[test]
fn distinct_unknown_pages_ban_retries_and_expected_misses_do_not() {
    let d = engine(Policy::default());
    let miss = |client: &str, path: &str, now| {
        d.observe(
            ip(client),
            Observation::NotFound {
                path,
                claims_crawler: false,
            },
            now,
        )
    };
    for _ in 0..50 {
        assert_eq!(
            miss("192.0.2.4", "/missing.png", t(0)),
            Consequence::None,
            "one file retried"
        );
    }
    for p in [
        "/favicon.ico",
        "/robots.txt",
        "/.well-known/security.txt",
        "/apple-touch-icon.png",
    ] {
        for _ in 0..20 {
            assert_eq!(
                miss("192.0.2.5", p, t(0)),
                Consequence::None,
                "{p} never counts"
            );
        }
    }
    for i in 0..20 {
        let p = format!("/slow{i}");
        assert_eq!(
            miss("192.0.2.6", &p, t(i * 61)),
            Consequence::None,
            "spread over hours"
        );
    }
    for i in 0..9 {
        assert_eq!(
            miss("192.0.2.7", &format!("/p{i}"), t(0)),
            Consequence::None
        );
    }
    let Consequence::Banned(b) = miss("192.0.2.7", "/p9", t(0)) else {
        panic!("the tenth distinct path bans");
    };
    assert!(b.reason.contains("404"));
}

#[test]
fn a_claimed_crawler_is_verified_before_a_404_ban() {
    let d = engine(Policy::default());
    let c = ip("66.249.66.1");
    for i in 0..9 {
        let p = format!("/old/{i}");
        d.observe(
            c,
            Observation::NotFound {
                path: &p,
                claims_crawler: true,
            },
            t(0),
        );
    }
    let last = Observation::NotFound {
        path: "/old/9",
        claims_crawler: true,
    };
    assert_eq!(d.observe(c, last, t(0)), Consequence::VerifyCrawler);
    assert_eq!(d.refusal(c, t(0)), None, "not banned while unconfirmed");
    d.forgive_misses(c);
    let again = Observation::NotFound {
        path: "/old/10",
        claims_crawler: true,
    };
    assert_eq!(
        d.observe(c, again, t(1)),
        Consequence::None,
        "confirmed: counts start over"
    );
    let b = d.ban(
        c,
        "claims to be Googlebot but DNS does not confirm it",
        t(2),
    );
    assert_eq!(d.refusal(c, t(3)), Some(Refusal::Banned));
    assert!(d.lift(b.subject, t(3)));
    assert_eq!(d.refusal(c, t(3)), None);
}

#[test]
fn a_flood_is_throttled_with_retry_after_and_then_banned() {
    let policy = Policy {
        pages: Rate::per_second(10, 20),
        floods: Limit::new(5, 600),
        ..Policy::default()
    };
    let d = engine(policy);
    let me = "192.0.2.8";
    for _ in 0..20 {
        assert_eq!(
            page(&d, me, t(0)),
            Admission::Inspect(Profile::Public),
            "the burst"
        );
    }
    for _ in 0..4 {
        assert_eq!(
            page(&d, me, t(0)),
            Admission::Throttled {
                retry_after_s: 1,
                ban: None
            }
        );
    }
    // A second later ten more fit (ten a second); the budget refills with time.
    let later = Time::from_unix_ms(t(1).secs() * 1000);
    for _ in 0..10 {
        assert_eq!(page(&d, me, later), Admission::Inspect(Profile::Public));
    }
    match page(&d, me, later) {
        Admission::Throttled { ban: Some(b), .. } => assert_eq!(b.reason, "request flood"),
        other => panic!("fifth throttled request bans: {other:?}"),
    }
    assert_eq!(page(&d, me, later), Admission::Refused(Refusal::Banned));
}

#[test]
fn each_kind_of_request_has_its_own_budget() {
    let policy = Policy {
        pages: Rate::per_second(1, 1),
        sign_in: Rate::per_minute(2, 2),
        ..Policy::default()
    };
    let d = engine(policy);
    let me = ip("192.0.2.9");
    assert!(matches!(
        d.admit(me, RouteClass::Page, "GET", t(0)),
        Admission::Inspect(_)
    ));
    assert!(matches!(
        d.admit(me, RouteClass::Page, "GET", t(0)),
        Admission::Throttled { .. }
    ));
    assert!(matches!(
        d.admit(me, RouteClass::Static, "GET", t(0)),
        Admission::Inspect(_)
    ));
    let sign_in = d.admit(me, RouteClass::SignIn, "POST", t(0));
    assert_eq!(
        sign_in,
        Admission::Inspect(Profile::EditorContent),
        "passwords are not judged"
    );
    assert!(matches!(
        d.admit(me, RouteClass::SignIn, "POST", t(0)),
        Admission::Inspect(_)
    ));
    match d.admit(me, RouteClass::SignIn, "POST", t(0)) {
        Admission::Throttled { retry_after_s, .. } => assert_eq!(retry_after_s, 30),
        other => panic!("two sign-ins a minute: {other:?}"),
    }
    // A post to a page path draws from the forms budget, not the pages one.
    assert!(matches!(
        d.admit(me, RouteClass::Page, "POST", t(0)),
        Admission::Inspect(_)
    ));
    assert_eq!(
        d.admit(me, RouteClass::AdminWrite, "POST", t(5)),
        Admission::Inspect(Profile::EditorContent)
    );
    assert_eq!(
        d.admit(me, RouteClass::Form, "POST", t(5)),
        Admission::Inspect(Profile::Public)
    );
}

#[test]
fn failed_sign_ins_ban_the_address_whichever_names_it_tries() {
    let d = engine(Policy::default());
    let me = ip("192.0.2.10");
    for _ in 0..9 {
        assert_eq!(
            d.observe(me, Observation::FailedSignIn, t(0)),
            Consequence::None
        );
    }
    let Consequence::Banned(b) = d.observe(me, Observation::FailedSignIn, t(1)) else {
        panic!("the tenth failure bans");
    };
    assert!(b.reason.contains("sign-ins"));
}

#[test]
fn stalls_ban_but_a_banned_clients_own_stalls_do_not_escalate() {
    let d = engine(Policy::default());
    let me = ip("192.0.2.11");
    for _ in 0..19 {
        assert_eq!(d.observe(me, Observation::Stalled, t(0)), Consequence::None);
    }
    let Consequence::Banned(b) = d.observe(me, Observation::Stalled, t(0)) else {
        panic!("twentieth stall bans");
    };
    assert_eq!(b.count, 1);
    for _ in 0..100 {
        assert_eq!(d.observe(me, Observation::Stalled, t(1)), Consequence::None);
    }
    assert_eq!(
        d.ban_of(me, t(1)).map(|b| b.count),
        Some(1),
        "not escalated"
    );
}

#[test]
fn detect_mode_reports_attacks_without_refusing_or_banning() {
    let d = engine(Policy {
        mode: Mode::Detect,
        ..Policy::default()
    });
    for _ in 0..10 {
        assert!(matches!(
            d.inspect(ip("192.0.2.12"), &facts(XSS), t(0)),
            Verdict::Detected(_)
        ));
    }
    assert_eq!(d.refusal(ip("192.0.2.12"), t(0)), None);
}

#[test]
fn off_checks_and_counts_nothing() {
    let d = engine(Policy {
        mode: Mode::Off,
        ..Policy::default()
    });
    d.set_blocklist(Blocklist::parse("192.0.2.0/24\n").unwrap());
    for _ in 0..1000 {
        assert_eq!(page(&d, "192.0.2.13", t(0)), Admission::Trusted);
        assert_eq!(
            d.observe(ip("192.0.2.13"), Observation::FailedSignIn, t(0)),
            Consequence::None
        );
    }
}

#[test]
fn editor_content_is_not_judged_but_a_public_body_is() {
    let d = engine(Policy::default());
    let body = b"text=%3Cscript%3Ealert(1)%3C%2Fscript%3E";
    let post = |profile| Facts {
        method: "POST",
        path: "/admin/pages/save",
        query: None,
        headers: &[
            ("host", b"example.nl"),
            ("content-type", b"application/x-www-form-urlencoded"),
        ],
        body: Some(body),
        profile,
        host_in_authority: false,
    };
    assert_eq!(
        d.inspect(ip("192.0.2.14"), &post(Profile::EditorContent), t(0)),
        Verdict::Pass
    );
    assert!(matches!(
        d.inspect(ip("192.0.2.14"), &post(Profile::Public), t(0)),
        Verdict::Blocked { .. }
    ));
}

#[test]
fn bans_made_elsewhere_arrive_by_sync_and_lifted_ones_go() {
    let d = engine(Policy::default());
    let stored = |s: &str| shield::bans::Ban {
        subject: Subject::parse(s).unwrap(),
        until: Some(t(3600).secs()),
        reason: "by hand".into(),
        count: 1,
        at: t(0).secs(),
    };
    let mark = d.save_mark();
    d.sync_bans(vec![stored("198.51.100.0/24")], t(0), 5, mark);
    assert_eq!(
        page(&d, "198.51.100.77", t(1)),
        Admission::Refused(Refusal::Banned)
    );
    // A ban made here is kept until storage has it, even through syncs that miss it.
    let here = attack(&d, "192.0.2.15", 3, t(10)).unwrap();
    for i in 0..10 {
        let mark = d.save_mark();
        d.sync_bans(vec![], t(100 + i), 5, mark);
        assert_eq!(
            d.refusal(ip("192.0.2.15"), t(100 + i)),
            Some(Refusal::Banned)
        );
    }
    assert_eq!(
        d.refusal(ip("198.51.100.77"), t(200)),
        None,
        "lifted elsewhere"
    );
    d.saved(&here);
    let mark = d.save_mark();
    d.sync_bans(vec![], t(200), 5, mark);
    assert_eq!(
        d.refusal(ip("192.0.2.15"), t(200)),
        None,
        "stored, then lifted elsewhere"
    );
}

#[test]
fn memory_is_bounded_and_bans_and_offenders_survive_a_churn_of_addresses() {
    let d = engine(Policy {
        max_clients: 10_000,
        ..Policy::default()
    });
    let (_, cap) = d.tracked_clients();
    assert!((5_000..=10_000).contains(&cap), "capacity {cap}");
    let banned = attack(&d, "192.0.2.16", 3, t(0)).unwrap();
    assert_eq!(
        attack(&d, "192.0.2.17", 2, t(0)),
        None,
        "two attacks on record"
    );
    // 200,000 fresh addresses (IPv4 and IPv6 /64s), each once, in the same second.
    for i in 0..100_000u32 {
        let v4 = IpAddr::V4((0x0a00_0000 + i).into());
        let v6 = IpAddr::V6(
            (0x2001_0db8_0000_0000_0000_0000_0000_0000u128 + (u128::from(i) << 64)).into(),
        );
        assert!(matches!(
            d.admit(v4, RouteClass::Page, "GET", t(1)),
            Admission::Inspect(_)
        ));
        assert!(matches!(
            d.admit(v6, RouteClass::Page, "GET", t(1)),
            Admission::Inspect(_)
        ));
    }
    let (now, cap) = d.tracked_clients();
    assert!(now <= cap, "{now} tracked, {cap} at most");
    assert!(
        d.evicted_clients() >= 190_000,
        "evicted {}",
        d.evicted_clients()
    );
    assert_eq!(
        d.refusal(ip("192.0.2.16"), t(2)),
        Some(Refusal::Banned),
        "{banned:?} kept"
    );
    assert!(
        attack(&d, "192.0.2.17", 1, t(2)).is_some(),
        "the offender's count was kept"
    );
    // Once their budgets are full again, the idle ones go at the next expiry.
    d.expire(t(700));
    assert!(d.tracked_clients().0 < 100, "{:?}", d.tracked_clients());
}

#[test]
fn a_ban_lasts_as_the_policy_says() {
    let d = engine(Policy {
        bans: BanPolicy {
            durations: vec![60],
            memory: 86_400,
        },
        ..Policy::default()
    });
    let b = attack(&d, "192.0.2.18", 3, t(0)).unwrap();
    assert_eq!(b.until, Some(t(60).secs()));
    let b = attack(&d, "192.0.2.18", 3, t(61)).unwrap();
    assert_eq!(
        (b.count, b.until),
        (2, Some(t(121).secs())),
        "the last duration repeats"
    );
}

#[test]
fn a_clock_stepping_back_neither_throttles_nor_bans_honest_clients() {
    let d = engine(Policy::default());
    let me = "192.0.2.19";
    for _ in 0..100 {
        assert!(matches!(page(&d, me, t(600)), Admission::Inspect(_)));
    }
    // The wall clock steps back ten minutes (a late NTP step, a restored snapshot).
    for _ in 0..50 {
        assert_eq!(page(&d, me, t(0)), Admission::Inspect(Profile::Public));
    }
    assert_eq!(attack(&d, me, 2, t(600)), None);
    assert_eq!(
        attack(&d, me, 2, t(0)),
        None,
        "a window in the future starts again"
    );
}

#[test]
fn a_churn_of_one_offence_addresses_does_not_flush_an_offender_half_way_to_a_ban() {
    let d = engine(Policy {
        max_clients: 10_000,
        ..Policy::default()
    });
    assert_eq!(
        attack(&d, "192.0.2.20", 2, t(0)),
        None,
        "two of three attacks"
    );
    // 100,000 addresses with one unknown page each: each has something on record.
    for i in 0..100_000u32 {
        let v4 = IpAddr::V4((0x0b00_0000 + i).into());
        d.admit(v4, RouteClass::Page, "GET", t(1));
        let seen = Observation::NotFound {
            path: "/x",
            claims_crawler: false,
        };
        d.observe(v4, seen, t(1));
    }
    assert!(d.evicted_clients() > 80_000);
    assert!(
        attack(&d, "192.0.2.20", 1, t(2)).is_some(),
        "the offender's count was kept"
    );
}

#[test]
fn a_ban_for_something_else_does_not_reset_the_failed_sign_ins() {
    let d = engine(Policy {
        bans: BanPolicy {
            durations: vec![60],
            memory: 86_400,
        },
        ..Policy::default()
    });
    let me = ip("192.0.2.21");
    for _ in 0..9 {
        assert_eq!(
            d.observe(me, Observation::FailedSignIn, t(0)),
            Consequence::None
        );
    }
    attack(&d, "192.0.2.21", 3, t(1)).expect("banned for attacks");
    // The ban ends; one more wrong password is the tenth in ten minutes.
    assert!(matches!(
        d.observe(me, Observation::FailedSignIn, t(62)),
        Consequence::Banned(_)
    ));
}

#[test]
fn storing_an_older_ban_does_not_mark_a_newer_one_stored() {
    let d = engine(Policy::default());
    let me = ip("192.0.2.22");
    let first = attack(&d, "192.0.2.22", 3, t(0)).unwrap();
    // Escalated while the first was being written.
    let second = d.ban(me, "by hand", t(1));
    d.saved(&first);
    assert!(d.ban_unsaved(me, t(2)), "the newer ban is not stored yet");
    d.saved(&second);
    assert!(!d.ban_unsaved(me, t(2)));
}
