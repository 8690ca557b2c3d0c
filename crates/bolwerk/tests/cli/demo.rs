use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{bolwerk, path};

struct Demo {
    child: Child,
    http_port: u16,
    https_port: u16,
}

impl Demo {
    /// Starts `bolwerk demo` on free ports and waits for it to print its URLs.
    fn start(data_dir: &std::path::Path, extra: &[&str], stderr: &std::path::Path) -> Demo {
        Self::start_capturing(data_dir, extra, stderr).0
    }

    /// Also returns what it printed.
    fn start_capturing(
        data_dir: &std::path::Path,
        extra: &[&str],
        stderr: &std::path::Path,
    ) -> (Demo, String) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_bolwerk"))
            .args([
                "demo",
                "--data-dir",
                path(data_dir),
                "--http",
                "127.0.0.1:0",
                "--https",
                "127.0.0.1:0",
            ])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(stderr).unwrap())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (mut http_port, mut https_port) = (0, 0);
        let mut printed = String::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            printed.push_str(&line);
            printed.push('\n');
            let port = |l: &str| {
                l.trim()
                    .trim_end_matches('/')
                    .rsplit(':')
                    .next()
                    .unwrap()
                    .parse::<u16>()
                    .unwrap()
            };
            if line.trim().starts_with("http://") {
                http_port = port(&line);
            } else if line.trim().starts_with("https://") {
                https_port = port(&line);
            } else if line.contains("Stop with Ctrl-C") {
                break;
            }
        }
        assert!(
            http_port > 0 && https_port > 0,
            "demo printed its URLs; stderr: {}",
            std::fs::read_to_string(stderr).unwrap()
        );
        (
            Demo {
                child,
                http_port,
                https_port,
            },
            printed,
        )
    }

    /// The raw answer of plain HTTP (the demo redirects everything to HTTPS).
    fn get_http(&self, path: &str) -> String {
        let mut tcp = TcpStream::connect(("127.0.0.1", self.http_port)).unwrap();
        write!(
            tcp,
            "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut out = String::new();
        tcp.read_to_string(&mut out).unwrap();
        out
    }

    /// Status line, headers and body of a page over HTTPS (the demo's certificate is
    /// self-signed, so curl is told not to check it).
    fn get(&self, path: &str) -> String {
        https(self.https_port, None, path)
    }

    /// SIGTERM, as systemd sends it; the demo must exit cleanly.
    fn stop(mut self) {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let status = self.child.wait().unwrap();
        assert!(status.success(), "clean exit on SIGTERM: {status:?}");
    }
}

#[test]
fn demo_serves_reuses_its_data_and_sees_cli_edits() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let log = dir.path().join("stderr.log");
    let demo = Demo::start(&data, &["--log-format", "json"], &log);
    assert!(data.join("bolwerk.db").is_file() && data.join("tls/self-signed-cert.pem").is_file());
    // Plain HTTP only sends visitors to HTTPS, same host and path.
    let redirect = demo.get_http("/about?from=flyer");
    assert!(redirect.starts_with("HTTP/1.1 301"), "{redirect}");
    assert!(
        redirect.to_lowercase().contains(&format!(
            "location: https://localhost:{}/about?from=flyer",
            demo.https_port
        )),
        "{redirect}"
    );
    let home = demo.get("/");
    assert!(home.starts_with("HTTP/1.1 200"), "{home}");
    assert!(
        home.to_lowercase()
            .contains("strict-transport-security: max-age=31536000"),
        "{home}"
    );
    assert!(home.contains("Stichting De Linde"));
    assert!(!home.to_lowercase().contains("set-cookie"));
    assert!(TcpStream::connect(("127.0.0.1", demo.https_port)).is_ok());

    // An edit from the CLI while the server runs shows up without a restart.
    let body = dir.path().join("about.md");
    std::fs::write(&body, "We moved to a new building.").unwrap();
    let out = bolwerk(&[
        "page",
        "put",
        "--data-dir",
        path(&data),
        "/about",
        "--title",
        "About the new De Linde",
        "--file",
        path(&body),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while !demo.get("/about").contains("About the new De Linde") {
        assert!(
            Instant::now() < deadline,
            "edit never showed: {}",
            demo.get("/about")
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    demo.stop();

    // JSON logs: one object per line, with the request fields.
    let logs = std::fs::read_to_string(&log).unwrap();
    let access = logs
        .lines()
        .find(|l| l.contains("\"http.status\":200") && l.contains("\"http.path\":\"/\""))
        .expect("an access log line for the home page");
    assert!(
        access.starts_with('{')
            && access.contains("\"http.version\":\"HTTP/1.1\"")
            && access.contains("\"client.ip\":\"127.0.0.1\""),
        "{access}"
    );

    // Second run: same data, nothing reset.
    let demo = Demo::start(&data, &[], &log);
    assert!(demo.get("/about").contains("About the new De Linde"));
    let list = bolwerk(&["page", "list", "--data-dir", path(&data)]);
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(
        list.contains("/draft-plans") && list.contains("draft"),
        "{list}"
    );
    demo.stop();
}

#[test]
fn a_crash_keeps_committed_content() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let log = dir.path().join("stderr.log");
    let mut demo = Demo::start(&data, &[], &log);
    let body = dir.path().join("hours.md");
    std::fs::write(&body, "Open every day.").unwrap();
    let out = bolwerk(&[
        "page",
        "put",
        "--data-dir",
        path(&data),
        "/hours",
        "--title",
        "Hours",
        "--file",
        path(&body),
    ]);
    assert!(out.status.success());
    // SIGKILL: no shutdown code runs at all.
    demo.child.kill().unwrap();
    demo.child.wait().unwrap();
    let demo = Demo::start(&data, &[], &log);
    let page = demo.get("/hours");
    assert!(
        page.starts_with("HTTP/1.1 200") && page.contains("Open every day."),
        "{page}"
    );
    assert!(
        demo.get("/about").contains("About us"),
        "demo content intact"
    );
    demo.stop();
}

#[test]
fn demo_config_file_overrides_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let cfg = dir.path().join("demo.toml");
    // Only HTTP on a free port: the file drops the HTTPS listener of the demo defaults.
    std::fs::write(
        &cfg,
        "[server]\nheader_read_timeout_s = 3\n[log]\nlevel = \"warn\"\n",
    )
    .unwrap();
    let log = dir.path().join("stderr.log");
    let demo = Demo::start(&data, &["--config", path(&cfg)], &log);
    assert!(demo.get("/news").contains("Spring market"));
    demo.stop();
    let logs = std::fs::read_to_string(&log).unwrap();
    assert!(
        !logs.contains("GET"),
        "level warn from the file hides access lines: {logs}"
    );
}

#[test]
fn port_in_use_is_a_clear_error() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_bolwerk"))
        .args([
            "demo",
            "--data-dir",
            path(dir.path()),
            "--http",
            &format!("127.0.0.1:{port}"),
            "--https",
            "127.0.0.1:0",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("cannot listen for HTTP on 127.0.0.1:{port}")),
        "{err}"
    );
}

#[test]
fn demo_prints_a_one_time_admin_password_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let log = dir.path().join("stderr.log");
    let (demo, printed) = Demo::start_capturing(&data, &[], &log);
    assert!(printed.contains("/_admin/"), "{printed}");
    let line = printed
        .lines()
        .find(|l| l.contains("one-time password"))
        .expect("admin line");
    let password = line
        .split("one-time password:")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    assert_eq!(password.len(), 20);
    demo.stop();
    let (demo, printed) = Demo::start_capturing(&data, &[], &log);
    assert!(
        !printed.contains("one-time password"),
        "shown once only: {printed}"
    );
    demo.stop();
    let list = bolwerk(&["user", "list", "--data-dir", path(&data)]);
    assert!(String::from_utf8_lossy(&list.stdout).contains("admin"));
}

/// GET over HTTPS with curl, from a chosen loopback source address if given: the status
/// line, headers and body as received ("" when the connection was refused or closed).
fn https(port: u16, from: Option<&str>, path: &str) -> String {
    let mut cmd = Command::new("curl");
    cmd.args(["-sk", "-i", "--http1.1", "--max-time", "10"])
        .args(["--resolve", &format!("localhost:{port}:127.0.0.1")]);
    if let Some(from) = from {
        cmd.args(["--interface", from]);
    }
    let out = cmd
        .arg(format!("https://localhost:{port}{path}"))
        .output()
        .expect("curl (scripts/test.sh installs it)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// GET over HTTPS from a chosen loopback source address; the status code (0: no answer).
fn status_from(port: u16, from: &str, path: &str) -> u16 {
    https(port, Some(from), path)
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

#[test]
fn operator_bans_reach_the_running_server() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let log = dir.path().join("stderr.log");
    let demo = Demo::start(&data, &[], &log);
    assert_eq!(status_from(demo.https_port, "127.0.11.11", "/about"), 200);

    let out = bolwerk(&[
        "ban",
        "add",
        "--data-dir",
        path(&data),
        "127.0.11.11",
        "--for",
        "1h",
        "--reason",
        "seen in our logs",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = bolwerk(&["ban", "list", "--data-dir", path(&data), "--json"]);
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(
        list.contains("\"subject\":\"127.0.11.11\"")
            && list.contains("seen in our logs")
            && list.contains("\"source\":\"cli\""),
        "{list}"
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while status_from(demo.https_port, "127.0.11.11", "/about") != 403 {
        assert!(
            Instant::now() < deadline,
            "the running server never took the ban in"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    assert_eq!(
        status_from(demo.https_port, "127.0.12.12", "/about"),
        200,
        "only that address"
    );

    let out = bolwerk(&["ban", "remove", "--data-dir", path(&data), "127.0.11.11"]);
    assert!(out.status.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    while status_from(demo.https_port, "127.0.11.11", "/about") != 200 {
        assert!(Instant::now() < deadline, "the lifted ban stayed");
        std::thread::sleep(Duration::from_millis(250));
    }
    let bad = bolwerk(&["ban", "add", "--data-dir", path(&data), "not-an-ip"]);
    assert!(
        !bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("not an IP address")
    );
    demo.stop();
}

fn wait_for_status(port: u16, from: &str, path: &str, want: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while status_from(port, from, path) != want {
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn operators_keep_the_allowlist_and_ban_networks_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let log = dir.path().join("stderr.log");
    let demo = Demo::start(&data, &[], &log);
    let attack = "/about?q=1%27%20union%20select%20password%20from%20users--";
    assert_eq!(status_from(demo.https_port, "127.0.13.13", attack), 403);

    let out = bolwerk(&[
        "allow",
        "add",
        "--data-dir",
        path(&data),
        "127.0.13.0/24",
        "--note",
        "office",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again = bolwerk(&["allow", "add", "--data-dir", path(&data), "127.0.13.0/24"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already on the allowlist"));
    let list = bolwerk(&["allow", "list", "--data-dir", path(&data), "--json"]);
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(
        list.contains("\"cidr\":\"127.0.13.0/24\"") && list.contains("office"),
        "{list}"
    );
    wait_for_status(
        demo.https_port,
        "127.0.13.13",
        attack,
        200,
        "allowlist never applied",
    );

    let out = bolwerk(&[
        "allow",
        "remove",
        "--data-dir",
        path(&data),
        "127.0.13.0/24",
    ]);
    assert!(out.status.success());
    wait_for_status(
        demo.https_port,
        "127.0.13.13",
        attack,
        403,
        "allowlist entry stayed",
    );
    let bad = bolwerk(&["allow", "add", "--data-dir", path(&data), "10.0.0.0/99"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not an IP address or network"));

    // A network banned by hand covers every address in it.
    let out = bolwerk(&[
        "ban",
        "add",
        "--data-dir",
        path(&data),
        "127.0.14.0/24",
        "--for",
        "1h",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    wait_for_status(
        demo.https_port,
        "127.0.14.77",
        "/about",
        403,
        "network ban never applied",
    );
    assert_eq!(status_from(demo.https_port, "127.0.15.77", "/about"), 200);
    let out = bolwerk(&["ban", "remove", "--data-dir", path(&data), "127.0.14.0/24"]);
    assert!(out.status.success());
    wait_for_status(
        demo.https_port,
        "127.0.14.77",
        "/about",
        200,
        "network ban stayed",
    );
    demo.stop();
}

/// Serves `body` with `status` to every request, on loopback, from a thread.
fn serve_list(answer: std::sync::Arc<std::sync::Mutex<(u16, String)>>) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut sock in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf);
            let (code, body) = answer.lock().unwrap().clone();
            let _ = write!(
                sock,
                "HTTP/1.1 {code} X\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{addr}/firehol_level1.netset")
}

#[test]
fn blocklist_update_downloads_checks_and_keeps_the_last_good_copy() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let answer = std::sync::Arc::new(std::sync::Mutex::new((
        200,
        "# FireHOL level 1\n198.51.100.0/24\n203.0.113.0/24\n".to_string(),
    )));
    let url = serve_list(answer.clone());
    let cfg = dir.path().join("bolwerk.toml");
    std::fs::write(
        &cfg,
        format!(
            "data_dir = {:?}\n[server]\nhttp = \"127.0.0.1:0\"\n[shield]\nblocklists = [{url:?}]\n[[site]]\nname = \"a\"\nhosts = [\"a.example\"]\n",
            path(&data)
        ),
    )
    .unwrap();
    let out = bolwerk(&["blocklist", "update", "--config", path(&cfg)]);
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(printed.contains("2 ranges"), "{printed}");
    let cached = data
        .join("blocklists/127.0.0.1_")
        .to_string_lossy()
        .to_string();
    let file = std::fs::read_dir(data.join("blocklists"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().starts_with(&cached))
        .expect("cached list");
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("203.0.113.0/24")
    );

    // An error page instead of a list: refused, the old copy stays.
    *answer.lock().unwrap() = (200, "<html>Service unavailable</html>".into());
    let out = bolwerk(&["blocklist", "update", "--config", path(&cfg)]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("last good copy stays"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("203.0.113.0/24")
    );
    *answer.lock().unwrap() = (404, "not found".into());
    let out = bolwerk(&["blocklist", "update", "--config", path(&cfg)]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("404"));

    let none = bolwerk(&["blocklist", "update", "--data-dir", path(&data)]);
    assert!(String::from_utf8_lossy(&none.stderr).contains("no blocklists configured"));
}

/// `root` and everything below it, with each path's permission bits.
fn modes(root: &std::path::Path) -> Vec<(String, bool, u32)> {
    use std::os::unix::fs::PermissionsExt;
    let mut todo = vec![root.to_path_buf()];
    let mut out = Vec::new();
    while let Some(p) = todo.pop() {
        let meta = std::fs::symlink_metadata(&p).unwrap();
        if meta.is_dir() {
            todo.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        }
        let name = p.strip_prefix(root).unwrap().display().to_string();
        out.push((name, meta.is_dir(), meta.permissions().mode() & 0o7777));
    }
    out.sort();
    out
}

fn assert_private(root: &std::path::Path) -> Vec<String> {
    let mut names = Vec::new();
    for (name, dir, mode) in modes(root) {
        assert_eq!(
            mode,
            if dir { 0o700 } else { 0o600 },
            "{name:?} is {mode:o}"
        );
        names.push(name);
    }
    names
}

/// The binary's umask keeps everything it makes to itself, and a start narrows what was left
/// readable, naming each path it fixed (issue 12, item 10).
#[test]
fn the_data_directory_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let log = dir.path().join("stderr.log");
    let demo = Demo::start(&data, &[], &log);
    let names = assert_private(&data);
    for wanted in [
        "",
        "bolwerk.db",
        "bolwerk.db-wal",
        "bolwerk.db-shm",
        "tls/self-signed-key.pem",
        "tls/self-signed-cert.pem",
        "dkim",
    ] {
        assert!(names.iter().any(|n| n == wanted), "{wanted} in {names:?}");
    }
    demo.stop();

    // As an older version left it: the directory 0755, the files 0644.
    for (name, dir, _) in modes(&data) {
        let mode = if dir { 0o755 } else { 0o644 };
        std::fs::set_permissions(data.join(name), std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let demo = Demo::start(&data, &[], &log);
    let names = assert_private(&data);
    assert!(names.iter().any(|n| n == "bolwerk.db-wal"), "{names:?}");
    demo.stop();
    let text = std::fs::read_to_string(&log).unwrap();
    let db = data.join("bolwerk.db");
    assert!(
        text.lines()
            .any(|l| l.contains("was readable by other users")
                && l.contains(&format!("path={}", db.display()))
                && l.contains("mode.before=\"644\"")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("was readable by other users")
                && l.contains(&format!("path={} ", data.display()))
                && l.contains("mode.before=\"755\"")),
        "{text}"
    );
}

/// Visitors' values (here a user name at sign-in) cannot forge log lines or reach the
/// terminal, in either log format (issue 12, item 11).
#[test]
fn a_user_name_cannot_forge_log_lines() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    const FORGED: &str = "x\r\n2026-01-01T00:00:00Z  INFO admin signed in user=admin";
    for format in ["human", "json"] {
        let log = dir.path().join(format!("{format}.log"));
        let demo = Demo::start(&data, &["--log-format", format], &log);
        for name in [FORGED, "\x1b[2J\x1b[1;1Hclear", "a\u{9b}31mred\u{2028}next"] {
            let port = demo.https_port;
            let out = Command::new("curl")
                .args(["-sk", "-o", "/dev/null", "-w", "%{http_code}"])
                .args(["--resolve", &format!("localhost:{port}:127.0.0.1")])
                .args(["-H", &format!("Origin: https://localhost:{port}")])
                .args(["--data-urlencode", &format!("user={name}")])
                .args(["--data-urlencode", "password=not the password"])
                .arg(format!("https://localhost:{port}/_admin/login"))
                .output()
                .expect("curl");
            assert_eq!(String::from_utf8_lossy(&out.stdout), "401", "{format}");
        }
        demo.stop();
        let bytes = std::fs::read(&log).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(!text.contains('\r'), "{format}: raw CR in {text:?}");
        assert!(!text.contains('\x1b'), "{format}: raw ESC in {text:?}");
        assert!(
            !text.contains('\u{9b}') && !text.contains('\u{2028}'),
            "{text:?}"
        );
        let failed: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("admin sign-in failed"))
            .collect();
        assert_eq!(failed.len(), 3, "{format}: one line per attempt: {text}");
        assert!(
            !text.lines().any(|l| l.starts_with("2026-01-01")),
            "{format}: a forged line: {text}"
        );
        match format {
            "human" => {
                assert!(
                    failed[0].contains(r"user=x\r\n2026-01-01T00:00:00Z  INFO admin signed in"),
                    "{}",
                    failed[0]
                );
                assert!(failed[1].contains(r"user=\u{1b}[2J"), "{}", failed[1]);
            }
            _ => {
                for (line, name) in failed.iter().zip([FORGED, "\x1b[2J\x1b[1;1Hclear"]) {
                    let event: serde_json::Value = serde_json::from_str(line).unwrap();
                    assert_eq!(event["user"], name, "{line}");
                }
            }
        }
    }
}
