use std::io::Write;
use std::process::{Command, Stdio};

use crate::{bolwerk, path};

/// Runs `bolwerk user ...` with `stdin` piped in (not a terminal: the password is read from it).
fn user_cmd(data: &std::path::Path, args: &[&str], stdin: &str) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bolwerk"))
        .args(["user", "--data-dir", path(data)])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[test]
fn add_passwd_disable_list() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (ok, text) = user_cmd(
        &data,
        &["add", "anneke", "--role", "editor"],
        "linden tree 1987\n",
    );
    assert!(ok, "{text}");
    let (ok, text) = user_cmd(
        &data,
        &["add", "anneke", "--role", "editor"],
        "linden tree 1987\n",
    );
    assert!(!ok && text.contains("already exists"), "{text}");
    let (ok, text) = user_cmd(&data, &["add", "joost", "--role", "admin"], "short\n");
    assert!(!ok && text.contains("at least 12 characters"), "{text}");
    let (ok, text) = user_cmd(
        &data,
        &["add", "bad name", "--role", "admin"],
        "linden tree 1987\n",
    );
    assert!(!ok && text.contains("user name"), "{text}");
    let (ok, text) = user_cmd(&data, &["add", "x", "--role", "root"], "linden tree 1987\n");
    assert!(!ok && text.contains("root"), "{text}");

    let (ok, text) = user_cmd(&data, &["passwd", "anneke"], "another good one\n");
    assert!(ok, "{text}");
    let (ok, _) = user_cmd(&data, &["disable", "anneke"], "");
    assert!(ok);
    let (ok, list) = user_cmd(&data, &["list"], "");
    assert!(ok);
    assert!(
        list.contains("anneke") && list.contains("editor") && list.contains("disabled"),
        "{list}"
    );
    let (ok, text) = user_cmd(&data, &["disable", "nobody"], "");
    assert!(!ok && text.contains("no user named"), "{text}");

    // Every change is in the audit log.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let actions = rt.block_on(async {
        let store = store::Store::open(&store::DatabaseConfig::default(), &data)
            .await
            .unwrap();
        store
            .recorder
            .recent_audit(10)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect::<Vec<_>>()
    });
    for a in ["user.add", "user.passwd", "user.disable"] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
}

#[test]
fn passwords_are_never_taken_from_the_command_line() {
    let out = bolwerk(&[
        "user",
        "add",
        "anneke",
        "--role",
        "editor",
        "--password",
        "linden tree 1987",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unexpected argument"));
}

#[test]
fn reset_links_go_to_the_address_set_here() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert!(
        user_cmd(
            &data,
            &["add", "anneke", "--role", "admin"],
            "linden tree 1987\n"
        )
        .0
    );
    let (ok, text) = user_cmd(&data, &["email", "anneke", "anneke@delinde.example"], "");
    assert!(ok, "{text}");
    assert!(text.contains("go to anneke@delinde.example"), "{text}");
    let (ok, text) = user_cmd(
        &data,
        &["email", "anneke", "not an address\r\nBcc: x@y.z"],
        "",
    );
    assert!(!ok);
    assert!(text.contains("the address"), "{text}");
    let (ok, text) = user_cmd(&data, &["email", "anneke"], "");
    assert!(ok, "{text}");
    assert!(text.contains("no password-reset links"), "{text}");
    let (ok, text) = user_cmd(&data, &["email", "nobody", "x@example.org"], "");
    assert!(!ok, "{text}");
}

#[test]
fn editors_are_given_their_sites() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // The sites the server would have added from its config at its start.
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = store::Store::open(&store::DatabaseConfig::default(), &data)
            .await
            .unwrap();
        for (name, title) in [("linde", "De Linde"), ("bakery", "Bakkerij Jansen")] {
            store.editor.ensure_site(name, title, "").await.unwrap();
        }
        store.close().await;
    });
    let pw = "linden tree 1987\n";
    let (ok, text) = user_cmd(
        &data,
        &["add", "anneke", "--role", "editor", "--site", "linde"],
        pw,
    );
    assert!(ok && text.contains("anneke may edit: linde"), "{text}");
    // Several sites and none named: no site, said how to give one.
    let (ok, text) = user_cmd(&data, &["add", "joost", "--role", "editor"], pw);
    assert!(ok && text.contains("may edit no site yet"), "{text}");
    let (ok, text) = user_cmd(
        &data,
        &["add", "x", "--role", "editor", "--site", "shop"],
        pw,
    );
    assert!(
        !ok && text.contains("no site named \"shop\"") && text.contains("bakery, linde"),
        "{text}"
    );
    let (ok, text) = user_cmd(
        &data,
        &["add", "root", "--role", "admin", "--site", "linde"],
        pw,
    );
    assert!(!ok && text.contains("every site"), "{text}");
    let (ok, text) = user_cmd(&data, &["sites", "joost", "bakery", "linde"], "");
    assert!(
        ok && text.contains("joost may edit: bakery, linde"),
        "{text}"
    );
    let (ok, list) = user_cmd(&data, &["list"], "");
    assert!(ok);
    let line = |n: &str| {
        list.lines()
            .find(|l| l.starts_with(n))
            .unwrap_or_default()
            .to_string()
    };
    assert!(line("anneke").ends_with("linde"), "{list}");
    assert!(line("joost").ends_with("bakery, linde"), "{list}");
    let (ok, text) = user_cmd(&data, &["sites", "joost"], "");
    assert!(ok && text.contains("joost may edit no site now"), "{text}");
}
