//! The guard's commands as an operator meets them: `guard test`, `guard filters`, and the
//! clear errors of a guard that cannot start.

use std::process::Command;

use crate::lab::bolwerk;

fn run(args: &[&str]) -> (bool, String) {
    let out = Command::new(bolwerk()).args(args).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn guard_test_shows_what_a_filter_matches_in_a_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("mail.log");
    let mut text = String::new();
    for i in 0..3 {
        text.push_str(&format!("Dec  6 08:20:0{i} mail dovecot: imap-login: Disconnected: Connection closed (auth failed, 1 attempts in 2 secs): user=<bob>, method=PLAIN, rip=203.0.113.7, lip=10.0.0.1, TLS, session=<a{i}>\n"));
    }
    text.push_str("Dec  6 08:20:05 mail dovecot: imap-login: Login: user=<alice>, method=PLAIN, rip=198.51.100.4, lip=10.0.0.1, mpid=1, TLS, session=<b>\n");
    text.push_str(&"x".repeat(20_000));
    text.push('\n');
    std::fs::write(&log, text).unwrap();
    let (ok, out) = run(&[
        "guard",
        "test",
        "dovecot",
        log.to_str().unwrap(),
        "--show",
        "matched",
    ]);
    assert!(ok, "{out}");
    assert!(out.contains("5 lines"), "{out}");
    assert!(out.contains("Matched:  3 lines"), "{out}");
    assert!(out.contains("1 too long"), "{out}");
    assert!(
        out.contains("203.0.113.7") && !out.contains("198.51.100.4"),
        "{out}"
    );

    // Without a log: the filter's own examples.
    let (ok, out) = run(&["guard", "test", "knot"]);
    assert!(ok && out.contains("0 wrong"), "{out}");
    let (ok, out) = run(&["guard", "filters"]);
    assert!(
        ok && out.contains("spoofable") && out.contains("postfix"),
        "{out}"
    );
    let (ok, out) = run(&["guard", "test", "nosuch", log.to_str().unwrap()]);
    assert!(
        !ok && out.contains("no filter \"nosuch\"") && out.contains("dovecot"),
        "{out}"
    );
}

#[test]
fn a_guard_that_cannot_start_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bolwerk.toml");
    let write = |guard: &str| {
        std::fs::write(
            &config,
            format!(
                "data_dir = \"{}\"\n[server]\nhttp = \"127.0.0.1:8080\"\n[[site]]\nname = \"x\"\nhosts = [\"localhost\"]\n[guard]\nstate_dir = \"{}\"\n{guard}",
                dir.path().join("data").display(),
                dir.path().join("state").display()
            ),
        )
        .unwrap();
    };
    let (ok, out) = run(&["guard"]);
    assert!(!ok && out.contains("give the config file"), "{out}");

    write("[[guard.watch]]\nfilter = \"dovcot\"\nfile = \"/var/log/mail.log\"\n");
    let (ok, out) = run(&["guard", "--config", config.to_str().unwrap()]);
    assert!(
        !ok && out.contains("there is no filter \"dovcot\""),
        "{out}"
    );

    write("[[guard.watch]]\nfilter = \"dovecot\"\n");
    let (ok, out) = run(&["guard", "--config", config.to_str().unwrap()]);
    assert!(
        !ok && out.contains("guard.watch[0]: give one of file, journal or journal_tag"),
        "{out}"
    );

    // No nft: a clear error, and the advice that the web server blocks on its own.
    write("nft = \"/nonexistent/nft\"\n");
    let (ok, out) = run(&["guard", "--config", config.to_str().unwrap()]);
    assert!(!ok, "{out}");
    assert!(out.contains("nftables"), "{out}");
    assert!(
        out.contains("the web server's own blocking works without it"),
        "{out}"
    );
}
