//! The web server never runs as root, yet listens on ports 80 and 443: an unprivileged user
//! holding only `CAP_NET_BIND_SERVICE` (what `dist/bolwerk.service` grants) serves both, and
//! without the capability the start fails with an error that says what is missing. Each test
//! runs the server in a network namespace of its own, so the machine's real ports 80 and 443
//! (and its `net.ipv4.ip_unprivileged_port_start`) are never touched. Needs root and
//! iproute2, as the nftables tests do; it fails, never skips, without them.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use crate::path;

/// `CAP_NET_BIND_SERVICE` (bit 10) as `/proc/PID/status` shows a capability set.
const NET_BIND_SERVICE: &str = "0000000000000400";

/// A network namespace with only `lo`, up; deleted on drop.
struct Netns(String);

impl Netns {
    fn create(tag: &str) -> Netns {
        let name = format!("bw-ports-{}-{tag}", std::process::id());
        // Left over from an earlier run that was killed with this same pid.
        let _ = Command::new("ip").args(["netns", "del", &name]).output();
        let out = run(Command::new("ip").args(["netns", "add", &name]));
        assert!(
            out.status.success(),
            "cannot create the network namespace {name} (this test needs root and iproute2 \
             to prove the web server binds 80 and 443 unprivileged): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let ns = Netns(name);
        let out = run(Command::new("ip").args(["-n", &ns.0, "link", "set", "lo", "up"]));
        assert!(
            out.status.success(),
            "cannot bring up lo in {}: {}",
            ns.0,
            String::from_utf8_lossy(&out.stderr)
        );
        // A new namespace starts at 1024 whatever the host says; set it anyway, so the test
        // proves the capability and not a lowered sysctl.
        let out = run(ns.exec("sh").args([
            "-c",
            "echo 1024 > /proc/sys/net/ipv4/ip_unprivileged_port_start",
        ]));
        assert!(
            out.status.success(),
            "cannot set ip_unprivileged_port_start in {}: {}",
            ns.0,
            String::from_utf8_lossy(&out.stderr)
        );
        ns
    }

    /// `program` run inside the namespace (still as root).
    fn exec(&self, program: &str) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.0, program]);
        cmd
    }

    /// `bolwerk demo` on 127.0.0.1:80 and :443 inside the namespace, as `nobody`, with the
    /// ambient capabilities given (`+net_bind_service`, or `-all` for none).
    fn bolwerk_as_nobody(&self, caps: &str, data: &Path) -> Command {
        let (uid, gid) = nobody();
        let mut cmd = self.exec("setpriv");
        cmd.args([
            &format!("--reuid={uid}"),
            &format!("--regid={gid}"),
            "--clear-groups",
            &format!("--inh-caps={caps}"),
            &format!("--ambient-caps={caps}"),
            "--",
            env!("CARGO_BIN_EXE_bolwerk"),
            "demo",
            "--http",
            "127.0.0.1:80",
            "--https",
            "127.0.0.1:443",
            "--data-dir",
            path(data),
        ]);
        cmd
    }

    /// curl inside the namespace: the status code and where a redirect points.
    fn curl(&self, url: &str) -> String {
        let out = run(self.exec("curl").args([
            "-sk",
            "--max-time",
            "10",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{redirect_url}",
            url,
        ]));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).output();
    }
}

/// The server process, killed on drop if a check failed while it ran.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// The uid and gid of `nobody`.
fn nobody() -> (u32, u32) {
    let id = |flag: &str| {
        let out = run(Command::new("id").args([flag, "nobody"]));
        assert!(out.status.success(), "there is no user nobody");
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
    };
    (id("-u"), id("-g"))
}

/// A data directory that `nobody` owns (inside a temporary directory it owns too, so it can
/// reach it).
fn data_dir_for_nobody(dir: &Path) -> std::path::PathBuf {
    let (uid, gid) = nobody();
    let data = dir.join("data");
    std::fs::create_dir(&data).unwrap();
    for p in [dir, &data] {
        std::os::unix::fs::chown(p, Some(uid), Some(gid)).unwrap();
    }
    data
}

/// A line of `/proc/PID/status`, without its name.
fn status_field(pid: u32, name: &str) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .unwrap_or_else(|| panic!("no {name} in /proc/{pid}/status"))
        .trim()
        .to_string()
}

#[test]
fn an_unprivileged_user_with_only_net_bind_service_serves_80_and_443() {
    let ns = Netns::create("cap");
    let dir = tempfile::tempdir().unwrap();
    let data = data_dir_for_nobody(dir.path());
    let log = dir.path().join("stderr.log");
    let child = ns
        .bolwerk_as_nobody("+net_bind_service", &data)
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut server = Running(child);
    let stdout = server.0.stdout.take().unwrap();
    let mut printed = String::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if line.contains("Stop with Ctrl-C") {
            break;
        }
    }
    let stderr = || std::fs::read_to_string(&log).unwrap();
    assert!(
        printed.contains("https://localhost:443/") && printed.contains("http://localhost:80/"),
        "the demo started on 80 and 443; printed: {printed}; stderr: {}",
        stderr()
    );

    assert_eq!(ns.curl("https://127.0.0.1/"), "200", "stderr: {}", stderr());
    assert_eq!(
        ns.curl("http://127.0.0.1/about"),
        "301 https://127.0.0.1/about",
        "plain HTTP on 80 sends visitors on to HTTPS on 443"
    );

    // `ip netns exec` and `setpriv` exec in place: the child is the server itself.
    let pid = server.0.id();
    let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap();
    assert!(exe.ends_with("bolwerk"), "{exe:?}");
    let (nobody_uid, _) = nobody();
    let uids = status_field(pid, "Uid");
    assert!(
        uids.split_whitespace()
            .all(|u| u != "0" && u == nobody_uid.to_string()),
        "real, effective, saved and file-system uid are nobody's: {uids}"
    );
    assert_eq!(
        status_field(pid, "Gid").split_whitespace().next(),
        Some(nobody().1.to_string().as_str())
    );
    assert_eq!(status_field(pid, "Groups"), "", "no supplementary groups");
    assert_eq!(status_field(pid, "CapEff"), NET_BIND_SERVICE, "CapEff");
    assert_eq!(
        status_field(pid, "CapPrm"),
        NET_BIND_SERVICE,
        "nothing else it could raise"
    );

    // SIGTERM, as systemd stops it.
    assert!(
        run(Command::new("kill").args(["-TERM", &pid.to_string()]))
            .status
            .success()
    );
    let status = server.0.wait().unwrap();
    assert!(status.success(), "clean exit on SIGTERM: {status:?}");
}

#[test]
fn without_the_capability_the_error_names_it() {
    let ns = Netns::create("nocap");
    let dir = tempfile::tempdir().unwrap();
    let data = data_dir_for_nobody(dir.path());
    let out = run(&mut ns.bolwerk_as_nobody("-all", &data));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(
            "cannot listen for HTTP on 127.0.0.1:80: permission denied: ports below 1024 \
             need CAP_NET_BIND_SERVICE (see dist/bolwerk.service) or a lower \
             net.ipv4.ip_unprivileged_port_start"
        ),
        "{err}"
    );
}
