//! The guard end to end, in network namespaces the tests make: real Dovecot (IMAP, POP3),
//! real Knot DNS, Bolwerk's web server, and `bolwerk guard` keeping nftables. Attackers'
//! packets must be dropped on every port while honest clients go on.

#![allow(clippy::unwrap_used)]

mod cli;
mod journal;
mod lab;

use lab::{ALLOWLISTED, ATTACKERS, HONEST, Lab, Ns, PASSWORD, within};

/// Every port the server offers: IMAP, POP3, DNS over TCP, the website.
const PORTS: [u16; 4] = [143, 110, 53, 8080];

fn dropped_everywhere(lab: &Lab, src: &str) -> bool {
    PORTS.iter().all(|p| !lab.reaches(Ns::Attacker, src, *p))
}

fn honest_clients_go_on(lab: &Lab) {
    assert_eq!(
        lab.client(Ns::Honest, "imap", HONEST, 143, 1, PASSWORD),
        ["ok"],
        "honest IMAP{}",
        lab.logs()
    );
    assert_eq!(
        lab.client(Ns::Honest, "pop3", HONEST, 110, 1, PASSWORD),
        ["ok"],
        "honest POP3{}",
        lab.logs()
    );
    assert_eq!(
        lab.resolve(HONEST),
        "192.0.2.80",
        "honest DNS{}",
        lab.logs()
    );
}

fn lab_with_everything() -> Lab {
    let mut lab = Lab::new();
    lab.start_dovecot();
    lab.start_knot();
    lab.write_config(&std::env::var("LAB_EXTRA").unwrap_or_default());
    lab.start_web();
    lab.start_guard();
    lab
}

fn ban_list(lab: &Lab) -> Vec<serde_json::Value> {
    let out = lab.cli(&["ban", "list", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn imap_and_pop3_attackers_are_dropped_on_every_port_and_unbanning_restores_them() {
    let lab = lab_with_everything();
    let (imap_attacker, pop_attacker) = (ATTACKERS[0], ATTACKERS[1]);
    assert!(lab.reaches(Ns::Attacker, imap_attacker, 143));
    honest_clients_go_on(&lab);

    let answers = lab.logins_at_once("imap", imap_attacker, 143, 6, "guess");
    assert!(answers.iter().any(|a| a == "failed"), "{answers:?}");
    let took = within(10, "the IMAP attacker dropped on every port", &lab, || {
        dropped_everywhere(&lab, imap_attacker)
    });
    eprintln!("IMAP attacker dropped everywhere after {took:?} (probing included)");
    honest_clients_go_on(&lab);
    assert!(
        lab.reaches(Ns::Attacker, pop_attacker, 110),
        "only the attacker"
    );

    lab.logins_at_once("pop3", pop_attacker, 110, 6, "guess");
    within(10, "the POP3 attacker dropped on every port", &lab, || {
        dropped_everywhere(&lab, pop_attacker)
    });
    honest_clients_go_on(&lab);

    // One ban list: the bans are there with their source and the log line.
    let bans = ban_list(&lab);
    for ip in [imap_attacker, pop_attacker] {
        let b = bans
            .iter()
            .find(|b| b["subject"] == ip)
            .unwrap_or_else(|| panic!("{ip} in {bans:?}"));
        assert_eq!(b["source"], "dovecot", "{b}");
        assert!(b["evidence"].as_str().unwrap().contains(ip), "{b}");
    }
    assert!(lab.ruleset().contains(imap_attacker), "{}", lab.ruleset());

    // Lifting the ban by hand opens every port again.
    let out = lab.cli(&["ban", "remove", imap_attacker]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    within(
        10,
        "the lifted IMAP attacker reaches the server again",
        &lab,
        || {
            PORTS
                .iter()
                .all(|p| lab.reaches(Ns::Attacker, imap_attacker, *p))
        },
    );
    assert!(
        !lab.reaches(Ns::Attacker, pop_attacker, 110),
        "the other ban stands"
    );

    // And in the admin interface: the Security page's Unban.
    lab.admin_unban(pop_attacker);
    within(
        10,
        "the POP3 attacker unbanned in the admin reaches the server again",
        &lab,
        || {
            PORTS
                .iter()
                .all(|p| lab.reaches(Ns::Attacker, pop_attacker, *p))
        },
    );

    let metrics = lab.metrics();
    assert!(
        metrics.contains("guard_bans_total{service=\"dovecot\"} 2")
            && metrics.contains("guard_matches_total{filter=\"dovecot\",pattern=\"auth-failed\"}"),
        "{metrics}"
    );
}

#[test]
fn denied_zone_transfers_over_tcp_ban_but_the_same_denial_over_udp_never_does() {
    let lab = lab_with_everything();
    let (tcp, udp) = (ATTACKERS[2], ATTACKERS[3]);
    // Knot writes the same "ACL, denied, action transfer" line for an IXFR over UDP, where
    // the source address could be anyone's: never banned, however often.
    for _ in 0..10 {
        lab.transfer(udp, &["IXFR=1", "+notcp"]);
    }
    let knot_log = || std::fs::read_to_string(lab.dir.path().join("knot.log")).unwrap_or_default();
    let udp_denials = knot_log().matches(&format!("remote {udp}@")).count();
    assert!(
        udp_denials >= 10,
        "Knot must log the UDP denials{}",
        lab.logs()
    );
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert!(
        PORTS.iter().all(|p| lab.reaches(Ns::Attacker, udp, *p)),
        "UDP evidence banned {udp}{}",
        lab.logs()
    );
    assert!(
        lab.metrics().contains("reason=\"spoofable\""),
        "{}",
        lab.metrics()
    );

    // AXFR over TCP: the kernel saw the handshake, so the denials count.
    let answer = lab.transfer(tcp, &["AXFR"]);
    assert!(
        !answer.contains("hostmaster"),
        "Knot must deny the transfer: {answer}"
    );
    within(
        15,
        "the zone-transfer attacker dropped on every port",
        &lab,
        || {
            if dropped_everywhere(&lab, tcp) {
                return true;
            }
            lab.transfer(tcp, &["AXFR"]);
            false
        },
    );
    honest_clients_go_on(&lab);
    let bans = ban_list(&lab);
    assert_eq!(
        bans.iter().find(|b| b["subject"] == tcp).unwrap()["source"],
        "knot"
    );
    assert!(!bans.iter().any(|b| b["subject"] == udp), "{bans:?}");
}

#[test]
fn rotation_damaged_lines_web_bans_and_the_allowlist() {
    let lab = lab_with_everything();
    let (rotating, scanner) = (ATTACKERS[4], ATTACKERS[5]);
    let lines_at = |path: &str| {
        let bytes = std::fs::read(lab.dir.path().join(path)).unwrap_or_default();
        bytes.iter().filter(|b| **b == b'\n').count()
    };
    let before = lines_at("dovecot.log");

    // A huge line and a line that is not UTF-8: skipped or read with a counter; nothing breaks.
    let mut huge = vec![b'x'; 100_000];
    huge.push(b'\n');
    lab.append_dovecot_log(&huge);
    lab.append_dovecot_log(b"Dec  6 08:20:01 imap-login: Info: \xff\xfe broken bytes\n");

    // An attack that goes on across the rotation of the log is seen whole.
    lab.logins_at_once("imap", rotating, 143, 2, "guess");
    lab.rotate_dovecot_log();
    lab.logins_at_once("imap", rotating, 143, 4, "guess");
    within(10, "the attacker across the rotation dropped", &lab, || {
        dropped_everywhere(&lab, rotating)
    });
    // Every line written since the guard started was read: the old file's and the new one's.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let written = lines_at("dovecot.log.1") - before + lines_at("dovecot.log");
    let metrics = lab.metrics();
    let read: usize = metrics
        .lines()
        .find(|l| l.starts_with("guard_lines_total{") && l.contains("dovecot:"))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{metrics}"));
    assert_eq!(
        read + 1,
        written,
        "lines read (the huge one is skipped, not read){metrics}"
    );
    assert!(metrics.contains("reason=\"too_long\"} 1"), "{metrics}");
    assert!(metrics.contains("reason=\"not_utf8\"} 1"), "{metrics}");

    // A web ban (scanning for pages that are not there) is dropped by the kernel too, on
    // every port.
    for i in 0..15 {
        let _ = lab
            .cmd(Ns::Attacker, "curl")
            .args([
                "-sk",
                "--max-time",
                "2",
                "--interface",
                scanner,
                "--resolve",
                &format!("localhost:8443:{}", lab::SERVER_FROM_ATTACKER),
            ])
            .arg(format!("https://localhost:8443/wp-admin/missing-{i}.php"))
            .output();
    }
    within(10, "the web scanner dropped on every port", &lab, || {
        [143u16, 110, 53]
            .iter()
            .all(|p| !lab.reaches(Ns::Attacker, scanner, *p))
    });
    let bans = ban_list(&lab);
    assert_eq!(
        bans.iter().find(|b| b["subject"] == scanner).unwrap()["source"],
        "web"
    );

    // An allowlisted address is never dropped, however many mistakes it makes.
    let answers = lab.logins_at_once_from(Ns::Honest, "imap", ALLOWLISTED, 143, 9, "typo");
    assert!(answers.iter().all(|a| a == "failed"), "{answers:?}");
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert!(lab.reaches(Ns::Honest, ALLOWLISTED, 143));
    assert!(!ban_list(&lab).iter().any(|b| b["subject"] == ALLOWLISTED));
    assert!(
        lab.metrics().contains("reason=\"allowlisted\""),
        "{}",
        lab.metrics()
    );

    // A network banned by hand that holds the allowlisted address: the kernel still lets
    // the allowlisted one through (the config file's allowlist reaches the kernel too).
    let out = lab.cli(&["ban", "add", "10.201.2.0/24", "--for", "1h"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    within(
        10,
        "the honest network banned by hand is dropped",
        &lab,
        || !lab.reaches(Ns::Honest, HONEST, 143),
    );
    assert!(
        lab.reaches(Ns::Honest, ALLOWLISTED, 143),
        "the allowlist wins in the kernel{}",
        lab.ruleset()
    );
    assert!(
        lab.cli(&["ban", "remove", "10.201.2.0/24"])
            .status
            .success()
    );

    // Lines naming addresses that must never be dropped (a webmail reporting 127.0.0.1, a
    // router's link-local address, the server's own) never ban, however many.
    for ip in ["127.0.0.1", "fe80::1", lab::SERVER_FROM_ATTACKER] {
        let line = format!(
            "Dec 06 08:20:01 imap-login: Info: Disconnected: Connection closed (auth failed, 1 attempts in 2 secs): user=<bob>, method=PLAIN, rip={ip}, lip=10.201.1.1, session=<x>\n"
        );
        lab.append_dovecot_log(line.repeat(12).as_bytes());
    }
    within(5, "the never-banned lines are read", &lab, || {
        lab.metrics().contains("reason=\"never_banned\"} 36")
    });
    let bans = ban_list(&lab);
    assert!(
        !bans.iter().any(|b| b["subject"] == "127.0.0.1"
            || b["subject"] == "fe80::/64"
            || b["subject"] == lab::SERVER_FROM_ATTACKER),
        "{bans:?}"
    );
}

#[test]
fn lines_written_while_the_guard_is_down_are_read_when_it_is_back() {
    let mut lab = lab_with_everything();
    let attacker = ATTACKERS[6];
    // Let the guard note how far it read, then stop it.
    std::thread::sleep(std::time::Duration::from_secs(6));
    lab.stop("guard");
    lab.logins_at_once("imap", attacker, 143, 6, "guess");
    assert!(
        lab.reaches(Ns::Attacker, attacker, 53),
        "nobody drops it while the guard is down"
    );
    lab.start_guard();
    within(
        10,
        "the attack made while the guard was down is banned",
        &lab,
        || dropped_everywhere(&lab, attacker),
    );

    // Uninstalling removes the guard's table, and with it the kernel's drops; nothing else.
    lab.stop("guard");
    let foreign = lab
        .cmd(Ns::Server, "nft")
        .args(["add", "table", "inet", "someone_else"])
        .status()
        .unwrap();
    assert!(foreign.success());
    let out = lab
        .cmd(Ns::Server, lab::bolwerk())
        .args(["guard", "--uninstall", "--config"])
        .arg(&lab.config)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tables = lab.ruleset();
    assert!(
        !tables.contains("table inet bolwerk") && tables.contains("table inet someone_else"),
        "{tables}"
    );
    assert!(
        lab.reaches(Ns::Attacker, attacker, 143),
        "no table, no drop"
    );
}
