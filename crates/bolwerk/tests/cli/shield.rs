use std::io::Write;
use std::process::{Command, Stdio};

fn judge(raw: &str, extra: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bolwerk"))
        .args(["shield", "test"])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child.stdin.take().unwrap().write_all(raw.as_bytes());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn shield_test_explains_its_verdict() {
    let (code, text) = judge(
        "GET /search?q=1%27%20UNION%20SELECT%20password%20FROM%20users-- HTTP/1.1\r\nHost: x\r\n\r\n",
        &[],
    );
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("verdict: BLOCK")
            && text.contains("rule  1002")
            && text.contains("UNION SELECT"),
        "{text}"
    );

    let (code, text) = judge(
        "POST /contact HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nname=O%27Brien&msg=Hello",
        &[],
    );
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("verdict: allow"));

    // Per-rule switches from a config file are honoured.
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("b.toml");
    std::fs::write(&cfg, "[server]\nhttp = \"127.0.0.1:80\"\n[shield]\ndisabled_rules = [8103]\n[[site]]\nname = \"a\"\nhosts = [\"a.example\"]\n").unwrap();
    let (code, _) = judge("GET /wp-admin/ HTTP/1.1\r\nHost: x\r\n\r\n", &[]);
    assert_eq!(code, Some(1));
    let (code, text) = judge(
        "GET /wp-admin/ HTTP/1.1\r\nHost: x\r\n\r\n",
        &["--config", cfg.to_str().unwrap()],
    );
    assert_eq!(code, Some(0), "{text}");

    let (code, text) = judge("", &[]);
    assert_eq!(code, Some(1));
    assert!(text.contains("empty request"), "{text}");
}
