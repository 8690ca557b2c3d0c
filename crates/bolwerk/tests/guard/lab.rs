//! The guard's lab: three network namespaces the test makes — a server running real Dovecot
//! (IMAP and POP3), real Knot DNS, Bolwerk's web server and the guard with nftables; an
//! attacker; an honest client — joined by veth pairs. Everything runs inside the
//! namespaces; the host's own network and firewall are never touched. Dropped with the test.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The server's address as the attacker sees it.
pub const SERVER_FROM_ATTACKER: &str = "10.201.1.1";
/// The server's address as the honest client sees it.
pub const SERVER_FROM_HONEST: &str = "10.201.2.1";
/// Attacker addresses (all on the attacker's side).
pub const ATTACKERS: [&str; 7] = [
    "10.201.1.2",
    "10.201.1.3",
    "10.201.1.4",
    "10.201.1.5",
    "10.201.1.6",
    "10.201.1.7",
    "10.201.1.8",
];
/// The honest client.
pub const HONEST: &str = "10.201.2.2";
/// An honest address that is on the allowlist, and makes mistakes.
pub const ALLOWLISTED: &str = "10.201.2.3";

/// The mail account.
pub const USER: &str = "alice";
/// Its password.
pub const PASSWORD: &str = "correct horse battery";

static SEQ: AtomicUsize = AtomicUsize::new(0);

/// Which namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ns {
    Server,
    Attacker,
    Honest,
}

/// One lab.
pub struct Lab {
    id: String,
    pub dir: tempfile::TempDir,
    children: Vec<(String, Child)>,
    /// The config file of the web server and the guard.
    pub config: PathBuf,
}

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("running {cmd:?}: {e}"))
}

fn must(cmd: &mut Command) {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn bolwerk() -> &'static str {
    env!("CARGO_BIN_EXE_bolwerk")
}

impl Lab {
    /// Makes the namespaces and links; fails the test with the reason when it cannot.
    pub fn new() -> Lab {
        let id = format!(
            "{}{}",
            std::process::id() % 100_000,
            SEQ.fetch_add(1, Ordering::SeqCst)
        );
        let dir = tempfile::tempdir().unwrap();
        let lab = Lab {
            config: dir.path().join("bolwerk.toml"),
            id,
            dir,
            children: Vec::new(),
        };
        for ns in [Ns::Server, Ns::Attacker, Ns::Honest] {
            let out = run(Command::new("ip").args(["netns", "add", &lab.ns(ns)]));
            assert!(
                out.status.success(),
                "the guard's tests need network namespaces (root, iproute2): `ip netns add` said {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            must(Command::new("ip").args(["-n", &lab.ns(ns), "link", "set", "lo", "up"]));
        }
        for (peer, net) in [(Ns::Attacker, 1), (Ns::Honest, 2)] {
            let (a, b) = (format!("bs{}{net}", lab.id), format!("bp{}{net}", lab.id));
            must(Command::new("ip").args([
                "link",
                "add",
                &a,
                "netns",
                &lab.ns(Ns::Server),
                "type",
                "veth",
                "peer",
                "name",
                &b,
                "netns",
                &lab.ns(peer),
            ]));
            must(Command::new("ip").args([
                "-n",
                &lab.ns(Ns::Server),
                "addr",
                "add",
                &format!("10.201.{net}.1/24"),
                "dev",
                &a,
            ]));
            must(Command::new("ip").args(["-n", &lab.ns(Ns::Server), "link", "set", &a, "up"]));
            let addrs: Vec<&str> = if peer == Ns::Attacker {
                ATTACKERS.to_vec()
            } else {
                vec![HONEST, ALLOWLISTED]
            };
            for addr in addrs {
                must(Command::new("ip").args([
                    "-n",
                    &lab.ns(peer),
                    "addr",
                    "add",
                    &format!("{addr}/24"),
                    "dev",
                    &b,
                ]));
            }
            must(Command::new("ip").args(["-n", &lab.ns(peer), "link", "set", &b, "up"]));
        }
        lab
    }

    /// The namespace's name.
    pub fn ns(&self, ns: Ns) -> String {
        let role = match ns {
            Ns::Server => "srv",
            Ns::Attacker => "atk",
            Ns::Honest => "hon",
        };
        format!("bw-{role}-{}", self.id)
    }

    /// A command inside a namespace.
    pub fn cmd(&self, ns: Ns, program: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.ns(ns), program]);
        c
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn spawn(&mut self, what: &str, mut cmd: Command, log: &Path) {
        let out = std::fs::File::create(log).unwrap();
        let err = out.try_clone().unwrap();
        let child = cmd
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()
            .unwrap_or_else(|e| panic!("starting {what}: {e}"));
        self.children.push((what.to_string(), child));
    }

    /// Stops one of the started processes.
    pub fn stop(&mut self, what: &str) {
        if let Some(i) = self.children.iter().position(|(w, _)| w == what) {
            let (_, mut child) = self.children.remove(i);
            let _ = Command::new("kill").arg(child.id().to_string()).status();
            let _ = child.wait();
        }
    }

    /// Waits until something listens on the server's TCP `port`.
    pub fn wait_listening(&self, what: &str, port: u16) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let out = run(self.cmd(Ns::Server, "python3").args([
                "-c",
                &format!(
                    "import socket; socket.create_connection(('127.0.0.1', {port}), 1).close()"
                ),
            ]));
            if out.status.success() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{what} did not listen on {port}: {}",
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Dovecot with IMAP on 143 and POP3 on 110, logging to `dovecot.log`.
    pub fn start_dovecot(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        let d = self.dir.path().to_path_buf();
        for sub in ["run", "state", "mail", "home"] {
            std::fs::create_dir_all(d.join(sub)).unwrap();
        }
        for p in [d.clone(), d.join("mail"), d.join("home")] {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o777)).unwrap();
        }
        let id = |args: &[&str]| {
            let out = Command::new("id").args(args).output().unwrap();
            String::from_utf8_lossy(&out.stdout).trim().to_string()
        };
        let (uid, gid) = (id(&["-u", "dovecot"]), id(&["-g", "dovecot"]));
        let p = |s: &str| d.join(s).display().to_string();
        let conf = format!(
            "base_dir = {run}\nstate_dir = {state}\nlog_path = {log}\ninstance_name = bolwerk-lab-{id}\n\
             protocols = imap pop3\nlisten = *\nssl = no\n\
             disable_plaintext_auth = no\nauth_mechanisms = plain login\nauth_verbose = yes\n\
             mail_location = maildir:{mail}/%u\n\
             first_valid_uid = 1\nfirst_valid_gid = 1\ndefault_internal_user = dovecot\n\
             default_internal_group = dovecot\ndefault_login_user = dovenull\n\
             passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {passwd}\n}}\n\
             userdb {{\n  driver = static\n  args = uid={uid} gid={gid} home={home}/%u\n}}\n\
             service imap-login {{\n  inet_listener imap {{\n    port = 143\n  }}\n  inet_listener imaps {{\n    port = 0\n  }}\n}}\n\
             service pop3-login {{\n  inet_listener pop3 {{\n    port = 110\n  }}\n  inet_listener pop3s {{\n    port = 0\n  }}\n}}\n",
            run = p("run"),
            state = p("state"),
            log = p("dovecot.log"),
            id = self.id,
            mail = p("mail"),
            passwd = p("passwd"),
            home = p("home"),
        );
        std::fs::write(d.join("dovecot.conf"), conf).unwrap();
        std::fs::write(d.join("passwd"), format!("{USER}:{{PLAIN}}{PASSWORD}\n")).unwrap();
        std::fs::set_permissions(d.join("passwd"), std::fs::Permissions::from_mode(0o644)).unwrap();
        let mut cmd = self.cmd(Ns::Server, "/usr/sbin/dovecot");
        cmd.arg("-F").arg("-c").arg(d.join("dovecot.conf"));
        self.spawn("dovecot", cmd, &d.join("dovecot.out"));
        self.wait_listening("Dovecot IMAP", 143);
        self.wait_listening("Dovecot POP3", 110);
    }

    /// Rotates Dovecot's log as logrotate does: rename, then tell Dovecot to reopen it.
    pub fn rotate_dovecot_log(&self) {
        std::fs::rename(self.path("dovecot.log"), self.path("dovecot.log.1")).unwrap();
        must(Command::new("/usr/bin/doveadm").args([
            "-c",
            &self.path("dovecot.conf").display().to_string(),
            "log",
            "reopen",
        ]));
    }

    /// Knot DNS on port 53 (UDP and TCP) serving `example.test`, transfers denied to all,
    /// logging to `knot.log`.
    pub fn start_knot(&mut self) {
        let d = self.dir.path().to_path_buf();
        for sub in ["knot-run", "knot-db", "knot-zones"] {
            std::fs::create_dir_all(d.join(sub)).unwrap();
        }
        std::fs::write(
            d.join("knot-zones/example.test.zone"),
            "$ORIGIN example.test.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 900 604800 300\n@ NS ns1\nns1 A 10.201.2.1\nwww A 192.0.2.80\n",
        )
        .unwrap();
        let conf = format!(
            "server:\n    rundir: \"{run}\"\n    listen: [ 0.0.0.0@53 ]\n\
             log:\n  - target: \"{log}\"\n    any: debug\n\
             database:\n    storage: \"{db}\"\n\
             template:\n  - id: default\n    storage: \"{zones}\"\n\
             zone:\n  - domain: example.test\n    file: example.test.zone\n",
            run = d.join("knot-run").display(),
            log = d.join("knot.log").display(),
            db = d.join("knot-db").display(),
            zones = d.join("knot-zones").display(),
        );
        std::fs::write(d.join("knot.conf"), conf).unwrap();
        let mut cmd = self.cmd(Ns::Server, "/usr/sbin/knotd");
        cmd.arg("-c").arg(d.join("knot.conf"));
        self.spawn("knot", cmd, &d.join("knot.out"));
        self.wait_listening("Knot", 53);
    }

    /// Writes the config file the web server and the guard share: the site (a self-signed
    /// certificate for `localhost`), the allowlist and the guard's watches.
    pub fn write_config(&self, extra: &str) {
        let d = self.dir.path();
        let (cert, key) = (d.join("cert.pem"), d.join("key.pem"));
        must(
            Command::new("openssl")
                .args([
                    "req",
                    "-x509",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:prime256v1",
                    "-nodes",
                    "-days",
                    "2",
                    "-subj",
                    "/CN=localhost",
                    "-addext",
                    "subjectAltName=DNS:localhost",
                ])
                .arg("-keyout")
                .arg(&key)
                .arg("-out")
                .arg(&cert),
        );
        let text = format!(
            "data_dir = \"{data}\"\n\n[server]\nhttp = \"0.0.0.0:8080\"\nhttps = \"0.0.0.0:8443\"\n\n\
             [admin]\nlang = \"en\"\n\n\
             [shield]\nallowlist = [\"{ALLOWLISTED}\"]\n\n\
             [[site]]\nname = \"lab\"\nhosts = [\"localhost\"]\ntls_cert_file = \"{cert}\"\ntls_key_file = \"{key}\"\n\n\
             [guard]\nstate_dir = \"{state}\"\nmetrics = \"127.0.0.1:9899\"\npoll_ms = 50\n{extra}\n\n\
             [[guard.watch]]\nfilter = \"dovecot\"\nfile = \"{dovecot}\"\n\n\
             [[guard.watch]]\nfilter = \"knot\"\nfile = \"{knot}\"\n",
            data = d.join("data").display(),
            cert = cert.display(),
            key = key.display(),
            state = d.join("guard-state").display(),
            dovecot = d.join("dovecot.log").display(),
            knot = d.join("knot.log").display(),
        );
        std::fs::write(&self.config, text).unwrap();
    }

    /// The web server on the server's ports 8080 and 8443.
    pub fn start_web(&mut self) {
        let mut cmd = self.cmd(Ns::Server, bolwerk());
        cmd.args(["serve", "--config"]).arg(&self.config);
        self.spawn("web", cmd, &self.path("web.out"));
        self.wait_listening("the web server", 8443);
    }

    /// The guard.
    pub fn start_guard(&mut self) {
        let mut cmd = self.cmd(Ns::Server, bolwerk());
        cmd.args(["guard", "--config"]).arg(&self.config);
        self.spawn("guard", cmd, &self.path("guard.out"));
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.guard_log().contains("the guard is running") {
            assert!(
                Instant::now() < deadline,
                "the guard did not start: {}",
                self.guard_log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn guard_log(&self) -> String {
        std::fs::read_to_string(self.path("guard.out")).unwrap_or_default()
    }

    /// Everything the services wrote, for failure messages.
    pub fn logs(&self) -> String {
        let mut out = String::new();
        for name in [
            "guard.out",
            "web.out",
            "dovecot.log",
            "dovecot.out",
            "knot.log",
            "knot.out",
        ] {
            let text = std::fs::read_to_string(self.path(name)).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(40).collect();
            out.push_str(&format!("\n--- {name} (last lines)\n"));
            for l in tail.iter().rev() {
                out.push_str(l);
                out.push('\n');
            }
        }
        out
    }

    /// Runs the lab client: `kind` is tcp, imap or pop3; one word per attempt.
    pub fn client(
        &self,
        ns: Ns,
        kind: &str,
        src: &str,
        port: u16,
        count: usize,
        password: &str,
    ) -> Vec<String> {
        let server = if ns == Ns::Attacker {
            SERVER_FROM_ATTACKER
        } else {
            SERVER_FROM_HONEST
        };
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/guard/client.py");
        let out = run(self.cmd(ns, "python3").args([
            script,
            kind,
            server,
            &port.to_string(),
            src,
            "1.5",
            &count.to_string(),
            USER,
            password,
        ]));
        assert!(
            out.status.success(),
            "client: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// `n` login attempts at once, each its own connection (Dovecot delays each failure by
    /// two seconds; at once, an attack takes two seconds, not ten).
    pub fn logins_at_once(
        &self,
        kind: &str,
        src: &str,
        port: u16,
        n: usize,
        password: &str,
    ) -> Vec<String> {
        self.logins_at_once_from(Ns::Attacker, kind, src, port, n, password)
    }

    /// The same from either side (Dovecot slows down an address's later failures, up to
    /// fifteen seconds each: hence the long timeout).
    pub fn logins_at_once_from(
        &self,
        ns: Ns,
        kind: &str,
        src: &str,
        port: u16,
        n: usize,
        password: &str,
    ) -> Vec<String> {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/guard/client.py");
        let children: Vec<Child> = (0..n)
            .map(|_| {
                self.cmd(ns, "python3")
                    .args([
                        script,
                        kind,
                        if ns == Ns::Attacker {
                            SERVER_FROM_ATTACKER
                        } else {
                            SERVER_FROM_HONEST
                        },
                        &port.to_string(),
                        src,
                        "20",
                        "1",
                        USER,
                        password,
                    ])
                    .stdout(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        children
            .into_iter()
            .map(|c| {
                String::from_utf8_lossy(&c.wait_with_output().unwrap().stdout)
                    .trim()
                    .to_string()
            })
            .collect()
    }

    /// Whether `src` can open a TCP connection to the server's `port`.
    pub fn reaches(&self, ns: Ns, src: &str, port: u16) -> bool {
        self.client(ns, "tcp", src, port, 1, "") == ["ok"]
    }

    /// Asks Knot for a zone transfer from `src` (the attacker's side): `AXFR` (over TCP), or
    /// `IXFR=1` with `+notcp` (over UDP, where the source could be forged).
    pub fn transfer(&self, src: &str, args: &[&str]) -> String {
        let server = format!("@{SERVER_FROM_ATTACKER}");
        let out = run(self
            .cmd(Ns::Attacker, "kdig")
            .args(["-b", src, &server, "example.test", "+time=1", "+retry=0"])
            .args(args));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Resolves a name from the honest side, over UDP.
    pub fn resolve(&self, src: &str) -> String {
        let out = run(self.cmd(Ns::Honest, "kdig").args([
            "-b",
            src,
            &format!("@{SERVER_FROM_HONEST}"),
            "www.example.test",
            "A",
            "+short",
            "+time=1",
            "+retry=0",
        ]));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// The guard's metrics, fetched inside the server namespace.
    pub fn metrics(&self) -> String {
        let out = run(self.cmd(Ns::Server, "curl").args([
            "-s",
            "--max-time",
            "3",
            "http://127.0.0.1:9899/metrics",
        ]));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `nft list table inet bolwerk` in the server namespace.
    pub fn ruleset(&self) -> String {
        let out = run(self.cmd(Ns::Server, "nft").args(["list", "ruleset"]));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs `bolwerk ARGS --config CONFIG` on the host (the CLI needs no namespace: it
    /// talks to the database).
    pub fn cli(&self, args: &[&str]) -> Output {
        run(Command::new(bolwerk())
            .args(args)
            .arg("--config")
            .arg(&self.config))
    }

    /// Lifts a ban the way an administrator does: signs in to the admin interface from the
    /// honest side (a new admin account made with the CLI) and presses Unban on the Security
    /// page.
    pub fn admin_unban(&self, subject: &str) {
        use std::io::Write;
        let password = "lindeboom zomer 2026 beheer";
        let mut add = Command::new(bolwerk())
            .args(["user", "add", "warden", "--role", "admin", "--config"])
            .arg(&self.config)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        add.stdin
            .take()
            .unwrap()
            .write_all(format!("{password}\n").as_bytes())
            .unwrap();
        assert!(add.wait().unwrap().success(), "user add");
        let jar = self.path("cookies.txt");
        let curl = |args: &[&str]| -> String {
            let out = run(self
                .cmd(Ns::Honest, "curl")
                .args(["-sk", "--max-time", "10", "--interface", HONEST, "-c"])
                .arg(&jar)
                .arg("-b")
                .arg(&jar)
                .args(["--resolve", &format!("localhost:8443:{SERVER_FROM_HONEST}")])
                .args([
                    "-H",
                    "Origin: https://localhost:8443",
                    "-H",
                    "Sec-Fetch-Site: same-origin",
                ])
                .args(args));
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        curl(&[
            "-d",
            "user=warden",
            "--data-urlencode",
            &format!("password={password}"),
            "https://localhost:8443/_admin/login",
        ]);
        let page = curl(&["https://localhost:8443/_admin/security"]);
        let marker = "name=\"csrf\" value=\"";
        let at = page
            .find(marker)
            .unwrap_or_else(|| panic!("signed in? {page}"))
            + marker.len();
        let csrf = &page[at..at + page[at..].find('"').unwrap()];
        let done = curl(&[
            "-d",
            &format!("csrf={csrf}"),
            "--data-urlencode",
            &format!("subject={subject}"),
            "https://localhost:8443/_admin/security/unban",
        ]);
        assert!(done.contains("Lifted the ban on"), "{done}");
    }

    /// Appends to the Dovecot log directly (damaged lines a service could write).
    pub fn append_dovecot_log(&self, bytes: &[u8]) {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(self.path("dovecot.log"))
            .unwrap();
        f.write_all(bytes).unwrap();
    }
}

/// Polls `f` until it is true or `secs` have passed; returns how long it took.
pub fn within(secs: u64, what: &str, lab: &Lab, mut f: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    let deadline = start + Duration::from_secs(secs);
    loop {
        if f() {
            return start.elapsed();
        }
        assert!(
            Instant::now() < deadline,
            "{what}: not within {secs} s{}",
            lab.logs()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for (_, child) in self.children.iter_mut().rev() {
            let _ = Command::new("kill").arg(child.id().to_string()).status();
            let _ = child.wait();
        }
        for ns in [Ns::Server, Ns::Attacker, Ns::Honest] {
            // Whatever is left in the namespace (Dovecot's login processes outlive their
            // master for a moment) goes with it.
            if let Ok(out) = Command::new("ip")
                .args(["netns", "pids", &self.ns(ns)])
                .output()
            {
                for pid in String::from_utf8_lossy(&out.stdout).split_whitespace() {
                    let _ = Command::new("kill").args(["-9", pid]).status();
                }
            }
            let _ = Command::new("ip")
                .args(["netns", "del", &self.ns(ns)])
                .status();
        }
    }
}
