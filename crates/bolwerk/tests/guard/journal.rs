//! A journal followed through `journalctl`: a real systemd-journald, run in a mount namespace
//! of the test's own (its sockets and files on a tmpfs there, so the host's journal is never
//! touched), receives Dovecot's lines as a syslog client sends them; the guard bans.

use std::process::Command;

use crate::lab::bolwerk;

#[test]
fn a_journal_followed_by_syslog_identifier_bans() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = d.join("bolwerk.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = \"{data}\"\n[server]\nhttp = \"127.0.0.1:8080\"\n[[site]]\nname = \"x\"\nhosts = [\"localhost\"]\n\
             [guard]\nfirewall = false\nstate_dir = \"{state}\"\n\
             [[guard.watch]]\nfilter = \"dovecot\"\njournal_tag = \"dovecot\"\n",
            data = d.join("data").display(),
            state = d.join("state").display(),
        ),
    )
    .unwrap();
    let line = "imap-login: Disconnected: Aborted login by logging out (auth failed, 1 attempts in 2 secs): user=<bob>, method=PLAIN, rip=203.0.113.9, lip=192.0.2.1, secured, session=<s>";
    let script = format!(
        r#"set -e
JPID= GPID=
trap 'kill $GPID $JPID 2>/dev/null || true' EXIT
mount --make-rprivate /
mkdir -p /run/systemd/journal /run/log
mount -t tmpfs tmpfs /run/systemd/journal
mount -t tmpfs tmpfs /run/log
/lib/systemd/systemd-journald > "{d}/journald.out" 2>&1 & JPID=$!
for i in $(seq 100); do [ -S /run/systemd/journal/socket ] && break; sleep 0.1; done
# As on a running system: the journal's files are there before anyone follows them.
printf 'MESSAGE=journald is up\n' | logger --journald
for i in $(seq 100); do ls /run/log/journal/*/system.journal >/dev/null 2>&1 && break; sleep 0.1; done
"{bolwerk}" guard --config "{config}" > "{d}/guard.out" 2>&1 & GPID=$!
for i in $(seq 200); do grep -q "the guard is running" "{d}/guard.out" && break; sleep 0.1; done
sleep 1
for i in 1 2 3 4 5 6; do printf 'MESSAGE={line}\nSYSLOG_IDENTIFIER=dovecot\n' | logger --journald; done
printf 'MESSAGE={line}\nSYSLOG_IDENTIFIER=not-dovecot\n' | logger --journald
for i in $(seq 100); do "{bolwerk}" ban list --config "{config}" | grep -q 203.0.113.9 && break; sleep 0.1; done || true
"#,
        d = d.display(),
        bolwerk = bolwerk(),
        config = config.display(),
    );
    let out = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c", &script])
        .output()
        .unwrap();
    let logs = format!(
        "{}{}\n--- guard\n{}\n--- journald\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(d.join("guard.out")).unwrap_or_default(),
        std::fs::read_to_string(d.join("journald.out")).unwrap_or_default(),
    );
    assert!(
        out.status.success(),
        "the journal lab needs unshare and systemd-journald: {logs}"
    );
    let list = Command::new(bolwerk())
        .args(["ban", "list", "--json", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(
        list.contains("\"subject\":\"203.0.113.9\"") && list.contains("\"source\":\"dovecot\""),
        "no ban from the journal: {list}{logs}"
    );
    assert!(logs.contains("journal-tag:dovecot"), "{logs}");
}
