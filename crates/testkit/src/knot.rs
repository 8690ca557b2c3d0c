//! A real Knot DNS server (Debian's knotd) on a loopback port, serving a whole test hierarchy
//! the test makes: a test root `.`, a TLD `test.` and customer zones, every signed zone signed
//! by Knot's automatic DNSSEC, with the DS records put into the parents. Dropping it stops it.
//!
//! | zone            | signing                         | at the parent                        |
//! |-----------------|---------------------------------|--------------------------------------|
//! | `.`             | automatic (ECDSA P-256)          | its KSK is the trust anchor          |
//! | `test.`         | automatic, NSEC3 with opt-out     | DS in `.`                            |
//! | `good.test.`    | automatic; TSIG updates allowed  | DS in `test.`                        |
//! | `nods.test.`    | automatic                        | delegation only, no DS               |
//! | `wrongds.test.` | automatic                        | a DS whose digest matches no key     |
//! | `short.test.`   | automatic, signatures last 600 s | DS in `test.`                        |
//! | `unsigned.test.`| none                             | delegation only                      |
//!
//! The customer zones hold `@ A`, `www A`, and a TXT record `operator` that "the operator added
//! by hand". Bench version with `delv` verdicts: `bench/dns/knot-lab.sh`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

const KNOTD: &str = "/usr/sbin/knotd";
const KNOTC: &str = "/usr/sbin/knotc";
const KEYMGR: &str = "/usr/sbin/keymgr";
const KJOURNALPRINT: &str = "/usr/sbin/kjournalprint";

/// The customer zones.
pub const CUSTOMERS: [&str; 5] = ["good", "nods", "wrongds", "short", "unsigned"];

/// The running server.
pub struct KnotLab {
    /// UDP and TCP on 127.0.0.1.
    pub addr: SocketAddr,
    /// The TSIG key `good.test.` accepts updates from, as `keymgr -t` prints it.
    pub key_file_text: String,
    /// Its name.
    pub key_name: String,
    /// Another secret under the same key name (the server refuses it).
    pub wrong_key_file_text: String,
    /// The root's KSK as a zone-file line, for a validator's trust anchor.
    pub anchor: String,
    conf: PathBuf,
    sock: PathBuf,
    dir: TempDir,
    child: Child,
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("{cmd:?}: {e} (scripts/test.sh installs knot and knot-dnsutils)")
    });
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn soa(serial: u32) -> String {
    format!("$TTL 60\n@ SOA ns.test. hostmaster.test. {serial} 60 60 3600 60\n")
}

impl KnotLab {
    /// Starts knotd, waits until every signed zone serves signed keys, links the DS records into
    /// the parents and waits until they are served. Fails loudly without Knot.
    ///
    /// The port is picked free a moment before knotd binds it; a server another test starts on
    /// port 0 can take it in between, and knotd then answers on no port. So a knotd that does
    /// not answer on its port is started again on another.
    pub fn start() -> KnotLab {
        for _ in 0..4 {
            if let Some(lab) = KnotLab::try_start() {
                return lab;
            }
        }
        panic!("knotd did not answer on four ports in a row");
    }

    fn try_start() -> Option<KnotLab> {
        assert!(
            Path::new(KNOTD).exists(),
            "{KNOTD} is missing: scripts/test.sh installs Debian's knot"
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        for sub in ["zones", "db", "run"] {
            std::fs::create_dir_all(d.join(sub)).expect("dirs");
        }
        let key_file_text = run(Command::new(KEYMGR).args(["-t", "bolwerk-key", "hmac-sha256"]));
        let wrong_key_file_text =
            run(Command::new(KEYMGR).args(["-t", "bolwerk-key", "hmac-sha256"]));
        let key_yaml: String = key_file_text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| format!("{l}\n"))
            .collect();
        let port = crate::free_port();
        let conf = d.join("knot.conf");
        let sock = d.join("run/knot.sock");
        std::fs::write(
            &conf,
            format!(
                r#"server:
    rundir: "{d}/run"
    listen: 127.0.0.1@{port}
log:
  - target: "{d}/knotd.log"
    any: info
database:
    storage: "{d}/db"
{key_yaml}
acl:
  - id: bolwerk-update
    key: bolwerk-key
    action: update
    update-type: [ A, AAAA, TXT, CAA ]
policy:
  - id: auto
    algorithm: ecdsap256sha256
  - id: nsec3
    algorithm: ecdsap256sha256
    nsec3: on
    nsec3-opt-out: on
    nsec3-iterations: 0
    nsec3-salt-length: 0
  - id: short
    algorithm: ecdsap256sha256
    rrsig-lifetime: 600s
    rrsig-refresh: 2s
    rrsig-pre-refresh: 0
    propagation-delay: 0
    dnskey-ttl: 1
    zone-max-ttl: 1
template:
  - id: default
    storage: "{d}/zones"
    dnssec-signing: on
    dnssec-policy: auto
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: changes
    semantic-checks: off
zone:
  - domain: .
    file: root.zone
  - domain: test.
    file: test.zone
    dnssec-policy: nsec3
  - domain: good.test.
    file: good.test.zone
    acl: bolwerk-update
  - domain: nods.test.
    file: nods.test.zone
  - domain: wrongds.test.
    file: wrongds.test.zone
  - domain: short.test.
    file: short.test.zone
    dnssec-policy: short
  - domain: unsigned.test.
    file: unsigned.test.zone
    dnssec-signing: off
"#,
                d = d.display()
            ),
        )
        .expect("knot.conf");
        for z in CUSTOMERS {
            std::fs::write(
                d.join(format!("zones/{z}.test.zone")),
                format!(
                    "{}@ NS ns.test.\n@ A 192.0.2.10\nwww A 192.0.2.10\noperator TXT \"added by the operator by hand\"\n",
                    soa(1)
                ),
            )
            .expect("zone");
        }
        write_test(d, 1, &[]);
        write_root(d, 1, &[]);
        let child = Command::new(KNOTD)
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start knotd");
        let mut lab = KnotLab {
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            key_file_text,
            key_name: "bolwerk-key".into(),
            wrong_key_file_text,
            anchor: String::new(),
            conf,
            sock,
            dir,
            child,
        };
        lab.wait("knotd running", || lab.try_knotc(&["status"]).is_some());
        let start = Instant::now();
        while !lab
            .dig(&["+short", "+norec", "+time=1", "+retry=0", ".", "SOA"])
            .contains("hostmaster")
        {
            if start.elapsed() > Duration::from_secs(5) {
                return None;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        for z in [
            "good.test",
            "nods.test",
            "wrongds.test",
            "short.test",
            "test",
            ".",
        ] {
            lab.wait(&format!("{z} signed"), || {
                lab.dig(&["+dnssec", "+norec", z, "DNSKEY"])
                    .contains("RRSIG")
            });
        }
        let good = lab.ds("good.test.");
        let short = lab.ds("short.test.");
        let tld = lab.ds("test.");
        // A DS for wrongds.test. whose digest matches none of its keys: good.test.'s digest
        // with the last hex digit changed.
        let wrong = {
            let mut w = lab.ds("wrongds.test.");
            let last = w.pop().expect("digest");
            w.push(if last == '0' { '1' } else { '0' });
            w
        };
        write_test(lab.dir.path(), 2, &[&good, &short, &wrong]);
        write_root(lab.dir.path(), 2, &[&tld]);
        lab.knotc(&["zone-reload", "test."]);
        lab.knotc(&["zone-reload", "."]);
        lab.wait("DS records served", || {
            lab.dig(&["+short", "+norec", "good.test", "DS"])
                .trim()
                .len()
                > 10
                && lab.dig(&["+short", "+norec", "test", "DS"]).trim().len() > 10
        });
        let ksk = lab
            .dig(&["+short", "+norec", ".", "DNSKEY"])
            .lines()
            .find(|l| l.starts_with("257 "))
            .map(str::to_string)
            .expect("the root's KSK");
        lab.anchor = format!(". 3600 IN DNSKEY {ksk}\n");
        Some(lab)
    }

    /// The folder knotd works in (its log is `knotd.log`).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn wait(&self, what: &str, mut ok: impl FnMut() -> bool) {
        let start = Instant::now();
        while !ok() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "Knot lab: timed out waiting for {what}; log:\n{}",
                std::fs::read_to_string(self.dir.path().join("knotd.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn try_knotc(&self, args: &[&str]) -> Option<String> {
        let out = Command::new(KNOTC)
            .arg("-c")
            .arg(&self.conf)
            .arg("-s")
            .arg(&self.sock)
            .args(args)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Runs knotc against this server.
    pub fn knotc(&self, args: &[&str]) -> String {
        self.try_knotc(args)
            .unwrap_or_else(|| panic!("knotc {args:?} failed"))
    }

    /// Asks this server with kdig.
    pub fn dig(&self, args: &[&str]) -> String {
        let out = Command::new("kdig")
            .arg(format!("@{}", self.addr.ip()))
            .arg("-p")
            .arg(self.addr.port().to_string())
            .args(args)
            .output()
            .expect("kdig (scripts/test.sh installs knot-dnsutils)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Every change `zone` went through since it was loaded, oldest first, as kjournalprint
    /// prints it (`;; Removed` / `;; Added` per version): proof of a record that was there only
    /// for a moment.
    pub fn journal(&self, zone: &str) -> String {
        run(Command::new(KJOURNALPRINT)
            .arg("-c")
            .arg(&self.conf)
            .arg("-x")
            .arg(zone))
    }

    /// The SHA-256 DS line of `zone`'s KSK, as `keymgr ZONE ds` prints it.
    pub fn ds(&self, zone: &str) -> String {
        run(Command::new(KEYMGR)
            .arg("-c")
            .arg(&self.conf)
            .args([zone, "ds"]))
        .lines()
        .find(|l| l.split_whitespace().nth(4) == Some("2"))
        .map(str::to_string)
        .unwrap_or_else(|| panic!("no SHA-256 DS for {zone}"))
    }
}

fn write_test(d: &Path, serial: u32, ds: &[&str]) {
    let mut z = soa(serial);
    z.push_str("@ NS ns.test.\nns A 127.0.0.1\n");
    for c in CUSTOMERS {
        z.push_str(&format!("{c} NS ns.test.\n"));
    }
    for l in ds {
        z.push_str(l);
        z.push('\n');
    }
    std::fs::write(d.join("zones/test.zone"), z).expect("test.zone");
}

fn write_root(d: &Path, serial: u32, ds: &[&str]) {
    let mut z = soa(serial);
    z.push_str("@ NS ns.test.\ntest. NS ns.test.\nns.test. A 127.0.0.1\n");
    for l in ds {
        z.push_str(l);
        z.push('\n');
    }
    std::fs::write(d.join("zones/root.zone"), z).expect("root.zone");
}

impl Drop for KnotLab {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
