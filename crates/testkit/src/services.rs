//! Debian's real services the tests talk to on loopback: an SMTP server (Python's aiosmtpd),
//! a small DNS server (dnslib) and Dovecot for IMAP.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use crate::free_port;

/// A real SMTP server on loopback (aiosmtpd, run by Debian's Python) that keeps every message
/// in a directory. Dropping it stops the server.
pub struct SmtpSink {
    /// Where it listens (127.0.0.1).
    pub port: u16,
    /// Certificate (PEM) the server shows for STARTTLS, when it requires TLS; trust it as
    /// `mail.ca_file`.
    pub cert: Option<PathBuf>,
    dir: TempDir,
    child: std::process::Child,
}

/// How an [`SmtpSink`] behaves.
#[derive(Clone, Debug, Default)]
pub struct SmtpOptions {
    /// Listen here (0: a free port).
    pub port: u16,
    /// Require STARTTLS with a certificate for `localhost`.
    pub starttls: bool,
    /// Require AUTH with this user and password.
    pub auth: Option<(String, String)>,
    /// Answer every recipient with 550 (a permanent failure).
    pub reject: bool,
    /// Answer these recipients with 550.
    pub reject_to: Vec<String>,
}

/// A self-signed P-256 certificate for `localhost` (an end-entity one, so rustls accepts it
/// as its own trust anchor), written to `cert` and `key`.
fn localhost_certificate(cert: &Path, key: &Path) {
    let ok = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args(["-nodes", "-days", "2", "-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=DNS:localhost"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(key)
        .arg("-out")
        .arg(cert)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl")
        .success();
    assert!(ok, "openssl req failed");
}

impl SmtpSink {
    /// Starts the server and waits until it listens. Fails loudly without aiosmtpd
    /// (`scripts/test.sh` installs python3-aiosmtpd).
    pub fn start(opts: SmtpOptions) -> SmtpSink {
        use std::io::BufRead;
        let dir = tempfile::tempdir().expect("temp dir");
        let port = if opts.port == 0 {
            free_port()
        } else {
            opts.port
        };
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/smtp_sink.py");
        let mut cmd = std::process::Command::new("/usr/bin/python3");
        cmd.arg(script)
            .arg("--port")
            .arg(port.to_string())
            .arg("--dir")
            .arg(dir.path().join("mail"));
        let mut cert = None;
        if opts.starttls {
            let (c, k) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
            localhost_certificate(&c, &k);
            cmd.arg("--cert").arg(&c).arg("--key").arg(&k);
            cert = Some(c);
        }
        if let Some((u, p)) = &opts.auth {
            cmd.arg("--user").arg(u).arg("--password").arg(p);
        }
        if opts.reject {
            cmd.arg("--reject");
        }
        for a in &opts.reject_to {
            cmd.arg("--reject-to").arg(a);
        }
        let mut child = cmd
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("start /usr/bin/python3 smtp_sink.py");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        let _ = std::io::BufReader::new(stdout).read_line(&mut line);
        assert_eq!(
            line.trim(),
            "ready",
            "the SMTP sink did not start (needs python3-aiosmtpd)"
        );
        SmtpSink {
            port,
            cert,
            dir,
            child,
        }
    }

    /// The messages received so far, in order: the raw message and the envelope
    /// (`mail_from`, `rcpt_tos`, `tls`, `auth`).
    pub fn messages(&self) -> Vec<(String, serde_json::Value)> {
        let dir = self.dir.path().join("mail");
        let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| {
                let msg = std::fs::read_to_string(p).expect("message");
                let env = std::fs::read(p.with_extension("json"))
                    .ok()
                    .and_then(|b| serde_json::from_slice(&b).ok())
                    .unwrap_or_default();
                (msg, env)
            })
            .collect()
    }

    /// Waits up to `secs` for at least `n` messages.
    pub async fn wait_for(&self, n: usize, secs: u64) -> Vec<(String, serde_json::Value)> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            let m = self.messages();
            if m.len() >= n || std::time::Instant::now() > deadline {
                return m;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A DNS server on loopback (dnslib, run by Debian's Python) answering TXT questions from
/// records the test publishes, changes and removes while it runs. Dropping it stops it.
pub struct DnsServer {
    /// Where it listens (UDP and TCP on 127.0.0.1).
    pub addr: SocketAddr,
    zone: PathBuf,
    records: std::collections::BTreeMap<String, serde_json::Value>,
    _dir: TempDir,
    child: std::process::Child,
}

impl DnsServer {
    /// Starts the server with no records and waits until it listens.
    pub fn start() -> DnsServer {
        use std::io::BufRead;
        let dir = tempfile::tempdir().expect("temp dir");
        let zone = dir.path().join("zone.json");
        std::fs::write(&zone, "{}").expect("zone");
        let port = free_port();
        let mut child = std::process::Command::new("/usr/bin/python3")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/dns_server.py"))
            .arg("--port")
            .arg(port.to_string())
            .arg("--zone")
            .arg(&zone)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("start /usr/bin/python3 dns_server.py");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        let _ = std::io::BufReader::new(stdout).read_line(&mut line);
        assert_eq!(
            line.trim(),
            "ready",
            "the DNS server did not start (needs python3-dnslib)"
        );
        DnsServer {
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            zone,
            records: Default::default(),
            _dir: dir,
            child,
        }
    }

    /// Publishes TXT `values` at `name` (replacing what was there; none removes the name).
    pub fn publish(&mut self, name: &str, values: &[&str]) {
        if values.is_empty() {
            self.records.remove(name);
        } else {
            self.records
                .insert(name.to_string(), serde_json::json!(values));
        }
        self.write();
    }

    /// Publishes records of any type at `name`: `{"MX": [[10, "mx.example"]], "A":
    /// ["127.0.0.1"], "TXT": ["..."]}` (replacing what was there).
    pub fn publish_records(&mut self, name: &str, records: serde_json::Value) {
        self.records.insert(name.to_string(), records);
        self.write();
    }

    fn write(&self) {
        let tmp = self.zone.with_extension("tmp");
        std::fs::write(&tmp, serde_json::to_vec(&self.records).expect("json")).expect("zone");
        std::fs::rename(&tmp, &self.zone).expect("zone");
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A real IMAP server on loopback (Debian's Dovecot, run in the foreground with its own
/// config in a temp dir) with one account and a Maildir the test delivers into. Plain IMAP
/// on `port`, IMAPS with a certificate for `localhost` (`cert`) on `tls_port`.
pub struct ImapServer {
    /// Plain IMAP.
    pub port: u16,
    /// IMAPS.
    pub tls_port: u16,
    /// Certificate of the IMAPS listener (trust it as the CA).
    pub cert: PathBuf,
    /// The account.
    pub user: String,
    /// Its password, in a file as `password_file` wants it.
    pub password_file: PathBuf,
    dir: TempDir,
    child: std::process::Child,
    delivered: std::sync::atomic::AtomicUsize,
}

impl ImapServer {
    /// Starts Dovecot and waits until it answers. Fails loudly without it (`scripts/test.sh`
    /// installs dovecot-imapd).
    pub fn start() -> ImapServer {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        for sub in ["run", "state", "mail", "home"] {
            std::fs::create_dir_all(d.join(sub)).expect("dir");
        }
        // Dovecot's own processes run as other users and must reach these.
        for p in [d.to_path_buf(), d.join("mail"), d.join("home")] {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        }
        let (cert, key) = (d.join("cert.pem"), d.join("key.pem"));
        localhost_certificate(&cert, &key);
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let id = |args: &[&str]| {
            let out = std::process::Command::new("id")
                .args(args)
                .output()
                .expect("id");
            String::from_utf8_lossy(&out.stdout).trim().to_string()
        };
        let root = id(&["-u"]) == "0";
        // As root, Dovecot's login and mail processes must run as its own users; otherwise
        // everything runs as the current user.
        let (internal, internal_group, login, uid, gid) = if root {
            (
                "dovecot".to_string(),
                "dovecot".to_string(),
                "dovenull".to_string(),
                id(&["-u", "dovecot"]),
                id(&["-g", "dovecot"]),
            )
        } else {
            (
                id(&["-un"]),
                id(&["-gn"]),
                id(&["-un"]),
                id(&["-u"]),
                id(&["-g"]),
            )
        };
        let (port, tls_port) = (free_port(), free_port());
        let p = |s: &str| d.join(s).display().to_string();
        let conf = format!(
            "base_dir = {run}\nstate_dir = {state}\nlog_path = {log}\ninstance_name = bolwerk-test-{port}\n\
             protocols = imap\nlisten = 127.0.0.1\nssl = yes\nssl_cert = <{cert}\nssl_key = <{key}\n\
             disable_plaintext_auth = no\nauth_mechanisms = plain login\nmail_location = maildir:{mail}/%u\n\
             first_valid_uid = 1\nfirst_valid_gid = 1\ndefault_internal_user = {internal}\n\
             default_internal_group = {internal_group}\ndefault_login_user = {login}\n\
             passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {passwd}\n}}\n\
             userdb {{\n  driver = static\n  args = uid={uid} gid={gid} home={home}/%u\n}}\n\
             service imap-login {{\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n\
             inet_listener imaps {{\n    address = 127.0.0.1\n    port = {tls_port}\n  }}\n}}\n",
            run = p("run"),
            state = p("state"),
            log = p("dovecot.log"),
            cert = cert.display(),
            key = key.display(),
            mail = p("mail"),
            passwd = p("passwd"),
            home = p("home"),
        );
        std::fs::write(d.join("dovecot.conf"), conf).expect("conf");
        let user = "dmarc-reports".to_string();
        std::fs::write(
            d.join("passwd"),
            format!("{user}:{{PLAIN}}linden 1987 reports\n"),
        )
        .expect("passwd");
        std::fs::set_permissions(d.join("passwd"), std::fs::Permissions::from_mode(0o644))
            .expect("chmod");
        let password_file = d.join("password");
        std::fs::write(&password_file, "linden 1987 reports\n").expect("password");
        let child = std::process::Command::new("/usr/sbin/dovecot")
            .arg("-F")
            .arg("-c")
            .arg(d.join("dovecot.conf"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start /usr/sbin/dovecot (package dovecot-imapd)");
        let server = ImapServer {
            port,
            tls_port,
            cert,
            user,
            password_file,
            dir,
            child,
            delivered: Default::default(),
        };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
                && std::net::TcpStream::connect(("127.0.0.1", tls_port)).is_ok()
            {
                return server;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!(
            "Dovecot did not start: {}",
            std::fs::read_to_string(server.dir.path().join("dovecot.log")).unwrap_or_default()
        );
    }

    /// Puts a message into the account's inbox (as a mail server would).
    pub fn deliver(&self, message: &[u8]) {
        use std::os::unix::fs::PermissionsExt;
        let maildir = self.dir.path().join("mail").join(&self.user);
        for sub in ["cur", "new", "tmp"] {
            let p = maildir.join(sub);
            std::fs::create_dir_all(&p).expect("maildir");
            let _ = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o777));
        }
        let _ = std::fs::set_permissions(&maildir, std::fs::Permissions::from_mode(0o777));
        let n = self
            .delivered
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let name = format!("{}.M{n}P{}.bolwerk-test", store::now(), std::process::id());
        let tmp = maildir.join("tmp").join(&name);
        std::fs::write(&tmp, message).expect("deliver");
        let _ = std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o666));
        std::fs::rename(&tmp, maildir.join("new").join(&name)).expect("deliver");
    }

    /// Messages in the inbox marked as seen (`S` in the Maildir flags).
    pub fn seen(&self) -> usize {
        let cur = self.dir.path().join("mail").join(&self.user).join("cur");
        std::fs::read_dir(cur)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .rsplit_once(":2,")
                    .is_some_and(|(_, flags)| flags.contains('S'))
            })
            .count()
    }
}

impl Drop for ImapServer {
    fn drop(&mut self) {
        // SIGTERM lets Dovecot stop its child processes too.
        let _ = std::process::Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}
