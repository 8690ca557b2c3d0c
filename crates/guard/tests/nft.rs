//! The firewall against the real kernel: nft runs only inside network namespaces these tests
//! make (`bw-<pid>-<test>-s` for the server, `-c` for the attackers, joined by a veth pair),
//! never on the host's own ruleset. Needs root, iproute2, nft (Debian package `nftables`) and
//! python3 (a tiny echo server and a prober). A missing piece fails the test with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "nft/seen.rs"]
mod seen;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use guard::nft::{Firewall, Installed, NftError};
use shield::bans::Subject;
use shield::net::Cidr;

const SERVER: &str = "10.200.0.1";
const SERVER6: &str = "fd00:bb::1";
/// Two attackers' IPv4 addresses and two IPv6 addresses in different /64s.
const A: &str = "10.200.0.2";
const B: &str = "10.200.0.3";
const A6: &str = "fd00:bc::2";
const B6: &str = "fd00:bb::2";

/// An echo server on TCP port 7000, or the port given as its argument.
const ECHO: &str = r#"
import socket, sys, threading
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1]) if len(sys.argv) > 1 else 7000))
s.listen(1024)
def serve(c):
    with c:
        while True:
            d = c.recv(100)
            if not d:
                return
            c.sendall(d)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"#;

/// Reads commands on stdin, answers `ok` (`ok PORT` after `open`) or `fail` on stdout:
/// `probe SRC DST SECS` connects from SRC and exchanges a byte; `open ID SRC DST [DPORT]`
/// keeps such a connection open; `send ID` exchanges another byte on it (1 s); `close ID`;
/// `udp SRC SPORT DST DPORT` sends a datagram; `syn SRC SPORT DST DPORT` connects where
/// nothing listens (refused).
const PROBER: &str = r#"
import socket, sys
conns = {}
def connect(src, dst, t, dport=7000, sport=0):
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    c = socket.socket(fam, socket.SOCK_STREAM)
    c.settimeout(t)
    c.bind((src, sport))
    c.connect((dst, dport))
    c.sendall(b"x")
    if c.recv(10) != b"x":
        raise Exception("echo")
    return c
for line in sys.stdin:
    p = line.split()
    try:
        out = "ok"
        if p[0] == "probe":
            connect(p[1], p[2], float(p[3])).close()
        elif p[0] == "open":
            c = connect(p[2], p[3], 1.0, int(p[4]) if len(p) > 4 else 7000)
            conns[p[1]] = c
            out = "ok %d" % c.getsockname()[1]
        elif p[0] == "close":
            conns.pop(p[1]).close()
        elif p[0] == "udp":
            fam = socket.AF_INET6 if ":" in p[3] else socket.AF_INET
            u = socket.socket(fam, socket.SOCK_DGRAM)
            u.bind((p[1], int(p[2])))
            u.sendto(b"forged?", (p[3], int(p[4])))
            u.close()
        elif p[0] == "syn":
            try:
                connect(p[1], p[3], 1.0, int(p[4]), int(p[2]))
                out = "fail"
            except ConnectionRefusedError:
                pass
        elif p[0] == "send":
            c = conns[p[1]]
            c.settimeout(1.0)
            c.sendall(b"y")
            if c.recv(10) != b"y":
                raise Exception("echo")
        print(out, flush=True)
    except Exception:
        print("fail", flush=True)
"#;

fn python() -> &'static str {
    if std::path::Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Runs a command; panics with its error output when it fails.
fn must(args: &[&str]) -> String {
    let out = Command::new(args[0])
        .args(&args[1..])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {args:?}: {e}"));
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Two namespaces joined by a veth pair, an echo server in the server namespace. Everything is
/// removed on drop.
struct Lab {
    server: String,
    client: String,
    echo: Option<Child>,
    /// More servers started in the server namespace, stopped on drop.
    more: Vec<Child>,
}

impl Lab {
    fn new(tag: &str) -> Lab {
        let pid = std::process::id();
        let server = format!("bw-{pid}-{tag}-s");
        let client = format!("bw-{pid}-{tag}-c");
        let out = Command::new("ip").args(["netns", "add", &server]).output();
        match out {
            Ok(o) if o.status.success() => {}
            Ok(o) => panic!(
                "`ip netns add {server}` failed (these tests need root): {}",
                String::from_utf8_lossy(&o.stderr)
            ),
            Err(e) => panic!("cannot run `ip` (install iproute2): {e}"),
        }
        // From here on Drop cleans up, also when a step below panics.
        let mut lab = Lab {
            server,
            client,
            echo: None,
            more: Vec::new(),
        };
        let (s, c) = (lab.server.clone(), lab.client.clone());
        must(&["ip", "netns", "add", &c]);
        must(&[
            "ip", "-n", &s, "link", "add", "vs", "type", "veth", "peer", "name", "vc", "netns", &c,
        ]);
        for (ns, dev, addrs) in [
            (&s, "vs", vec!["10.200.0.1/24", "fd00:bb::1/64"]),
            (
                &c,
                "vc",
                vec![
                    "10.200.0.2/24",
                    "10.200.0.3/24",
                    "fd00:bb::2/64",
                    "fd00:bc::2/64",
                ],
            ),
        ] {
            for a in addrs {
                let mut args = vec!["ip", "-n", ns, "addr", "add", a, "dev", dev];
                if a.contains(':') {
                    args.push("nodad");
                }
                must(&args);
            }
            must(&["ip", "-n", ns, "link", "set", dev, "up"]);
            must(&["ip", "-n", ns, "link", "set", "lo", "up"]);
        }
        must(&[
            "ip",
            "-n",
            &s,
            "-6",
            "route",
            "add",
            "fd00:bc::/64",
            "dev",
            "vs",
        ]);
        lab.echo = Some(
            Command::new("ip")
                .args(["netns", "exec", &s, python(), "-c", ECHO])
                .stdin(Stdio::null())
                .spawn()
                .expect("start the echo server (python3)"),
        );
        let mut p = lab.prober();
        let start = Instant::now();
        // IPv6 on a fresh veth can take a moment longer than IPv4.
        while !(p.probe(B, SERVER) && p.probe(B6, SERVER6) && p.probe(A6, SERVER6)) {
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "the echo server did not come up"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        lab
    }

    /// The argv that runs nft in the server namespace.
    fn nft(&self) -> Vec<String> {
        ["ip", "netns", "exec", &self.server, "nft"]
            .map(String::from)
            .to_vec()
    }

    fn firewall(&self) -> Firewall {
        Firewall::new("bolwerk", self.nft()).unwrap()
    }

    /// nft in the server namespace, by hand.
    fn nft_raw(&self, args: &[&str]) -> std::process::Output {
        Command::new("ip")
            .args(["netns", "exec", &self.server, "nft"])
            .args(args)
            .output()
            .unwrap()
    }

    fn prober(&self) -> Prober {
        let mut child = Command::new("ip")
            .args(["netns", "exec", &self.client, python(), "-c", PROBER])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the prober (python3)");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Prober {
            child,
            stdin,
            stdout,
        }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for mut child in self.echo.take().into_iter().chain(self.more.drain(..)) {
            let _ = child.kill();
            let _ = child.wait();
        }
        for ns in [&self.server, &self.client] {
            let _ = Command::new("ip").args(["netns", "del", ns]).output();
        }
    }
}

struct Prober {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Prober {
    fn ask(&mut self, line: &str) -> bool {
        self.ask_for(line).is_some()
    }

    /// The answer after `ok` (empty for a plain `ok`), `None` for `fail`.
    fn ask_for(&mut self, line: &str) -> Option<String> {
        writeln!(self.stdin, "{line}").unwrap();
        let mut answer = String::new();
        self.stdout.read_line(&mut answer).unwrap();
        match answer.trim() {
            "fail" => None,
            a if a.starts_with("ok") => Some(a[2..].trim().to_owned()),
            other => panic!("prober said {other:?}"),
        }
    }

    /// Opens connection `id` from `src` to `dst`:`dport` (one byte each way); its source port.
    fn open(&mut self, id: &str, src: &str, dst: &str, dport: u16) -> u16 {
        self.ask_for(&format!("open {id} {src} {dst} {dport}"))
            .unwrap_or_else(|| panic!("could not connect {src} -> {dst}:{dport}"))
            .parse()
            .unwrap()
    }

    /// Whether `src` can connect to `dst` within 1 s.
    fn probe(&mut self, src: &str, dst: &str) -> bool {
        self.ask(&format!("probe {src} {dst} 1"))
    }
}

impl Drop for Prober {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn subject(s: &str) -> Subject {
    Subject::parse(s).unwrap()
}

fn v4(a: &str) -> u32 {
    u32::from(a.parse::<std::net::Ipv4Addr>().unwrap())
}

#[test]
fn a_ban_drops_the_address_on_every_connection_and_only_it() {
    let lab = Lab::new("ban");
    let mut fw = lab.firewall();
    let mut p = lab.prober();
    assert_eq!(fw.install().unwrap(), Installed::Created);
    assert!(p.probe(A, SERVER) && p.probe(A6, SERVER6) && p.probe(B6, SERVER6));
    // An open session from A, like an IMAP login in progress.
    assert!(p.ask(&format!("open imap {A} {SERVER}")));
    assert!(p.ask("send imap"));

    let t = now();
    let bans = vec![(subject(A), Some(t + 600)), (subject(A6), None)];
    let st = fw.sync_bans(&bans, t).unwrap();
    assert_eq!((st.added, st.elements, st.transactions), (2, 2, 1));
    assert!(!p.probe(A, SERVER), "the banned address still connects");
    assert!(p.probe(B, SERVER), "its neighbour must still connect");
    assert!(
        !p.ask("send imap"),
        "the open session of the banned address was not cut"
    );
    assert!(!p.probe(A6, SERVER6), "the banned /64 still connects");
    assert!(p.probe(B6, SERVER6), "another /64 must still connect");

    // Nothing changed: no nft call. Escalation: one, and still dropped.
    assert_eq!(fw.sync_bans(&bans, t + 1).unwrap().transactions, 0);
    let escalated = vec![(subject(A), Some(t + 7200)), (subject(A6), None)];
    let st = fw.sync_bans(&escalated, t + 2).unwrap();
    assert_eq!((st.changed, st.transactions), (1, 1));
    let listed =
        String::from_utf8_lossy(&lab.nft_raw(&["list", "table", "inet", "bolwerk"]).stdout)
            .into_owned();
    assert!(listed.contains("10.200.0.2 timeout 1h59m58s"), "{listed}");
    assert!(!p.probe(A, SERVER));

    // A hand-banned /24 around a longer /32 ban: both hold, nft does not refuse the overlap.
    let mut overlapping = escalated.clone();
    overlapping.push((subject("10.200.0.0/24"), Some(t + 60)));
    fw.sync_bans(&overlapping, t + 3).unwrap();
    assert!(!p.probe(B, SERVER));

    // Lifted: everyone connects again.
    let st = fw.sync_bans(&[], t + 4).unwrap();
    assert_eq!((st.removed, st.elements), (3, 0));
    assert!(p.probe(A, SERVER) && p.probe(B, SERVER) && p.probe(A6, SERVER6));
}

#[test]
fn an_allowlisted_address_is_never_dropped() {
    let lab = Lab::new("allow");
    let mut fw = lab.firewall();
    let mut p = lab.prober();
    let t = now();
    fw.sync_bans(&[(subject(A), None), (subject(A6), None)], t)
        .unwrap();
    fw.load_blocklist(&[(v4(A), v4(B))], &[]).unwrap();
    assert!(!p.probe(A, SERVER) && !p.probe(B, SERVER) && !p.probe(A6, SERVER6));
    let allow = [
        Cidr::parse(A).unwrap(),
        Cidr::parse("fd00:bc::/48").unwrap(),
    ];
    assert!(fw.set_allowlist(&allow).unwrap());
    assert!(
        p.probe(A, SERVER),
        "banned and blocklisted, but allowlisted"
    );
    assert!(p.probe(A6, SERVER6));
    assert!(!p.probe(B, SERVER), "the allowlist is only A");
    assert!(!fw.set_allowlist(&allow).unwrap(), "unchanged: no nft call");
    fw.set_allowlist(&[]).unwrap();
    assert!(!p.probe(A, SERVER));
}

#[test]
fn a_short_ban_runs_out_in_the_kernel_by_itself() {
    let lab = Lab::new("expiry");
    let mut fw = lab.firewall();
    let mut p = lab.prober();
    let t = now();
    let bans = vec![(subject(A), Some(t + 2)), (subject(B), Some(t + 600))];
    fw.sync_bans(&bans, t).unwrap();
    assert!(!p.probe(A, SERVER));
    // The guard does nothing now (as if it had died); the kernel lets the element go.
    std::thread::sleep(Duration::from_millis(2500));
    assert!(p.probe(A, SERVER), "the 2 s ban did not run out");
    assert!(!p.probe(B, SERVER));
    let st = fw.sync_bans(&bans, now()).unwrap();
    assert_eq!(
        (st.expired, st.transactions),
        (1, 0),
        "ran out: nothing to do: {st:?}"
    );
}

/// A few thousand ranges that always include A, different each time.
fn blocklist(round: u32) -> Vec<(u32, u32)> {
    let mut v: Vec<(u32, u32)> = (0..4000u32)
        .map(|i| {
            let base = v4("100.64.0.0") + (i << 8) + round % 7;
            (base, base + (round % 3))
        })
        .collect();
    v.push((v4(A), v4(A)));
    v.sort_unstable();
    v
}

#[test]
fn a_blocklist_reload_leaves_no_gap() {
    let lab = Lab::new("reload");
    let mut fw = lab.firewall();
    let st = fw
        .load_blocklist(
            &blocklist(0),
            &[(
                0xfd00_00bc << 96,
                (0xfd00_00bc << 96) | u128::from(u64::MAX),
            )],
        )
        .unwrap();
    assert_eq!((st.sets, st.transactions), (2, 3));
    let mut p = lab.prober();
    assert!(!p.probe(A, SERVER) && !p.probe(A6, SERVER6));
    assert!(p.probe(B, SERVER));

    let stop = Arc::new(AtomicBool::new(false));
    let prober = {
        let stop = stop.clone();
        let mut p = lab.prober();
        std::thread::spawn(move || {
            let (mut tries, mut through) = (0, 0);
            while !stop.load(Ordering::Relaxed) {
                tries += 1;
                if p.ask(&format!("probe {A} {SERVER} 0.05")) {
                    through += 1;
                }
            }
            (tries, through)
        })
    };
    let started = Instant::now();
    let mut reloads = 0;
    while started.elapsed() < Duration::from_secs(4) || reloads < 5 {
        reloads += 1;
        fw.load_blocklist(&blocklist(reloads), &[]).unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    let (tries, through) = prober.join().unwrap();
    assert_eq!(
        through, 0,
        "{through} of {tries} connections from a blocklisted address got through during {reloads} reloads"
    );
    assert!(tries >= 20, "too few probes to mean anything: {tries}");
    assert!(p.probe(A6, SERVER6), "the last list had no IPv6 ranges");
    // Only the last generation's sets are left.
    let listed = String::from_utf8_lossy(
        &lab.nft_raw(&["-t", "list", "table", "inet", "bolwerk"])
            .stdout,
    )
    .into_owned();
    assert_eq!(listed.matches("set bl").count(), 1, "{listed}");
    eprintln!("{reloads} reloads, {tries} probes, none through");
}

#[test]
fn install_takes_over_a_previous_run_and_uninstall_leaves_other_tables() {
    let lab = Lab::new("takeover");
    let foreign = "table inet other {\n set keep { type ipv4_addr; elements = { 192.0.2.1 } }\n chain c { type filter hook input priority 10; policy accept; }\n}\n";
    let out = Command::new("ip")
        .args(["netns", "exec", &lab.server, "nft", "-f", "-"])
        .stdin(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().unwrap().write_all(foreign.as_bytes())?;
            c.wait()
        })
        .unwrap();
    assert!(out.success());
    let mut p = lab.prober();
    {
        let mut fw = lab.firewall();
        assert_eq!(fw.install().unwrap(), Installed::Created);
        fw.sync_bans(&[(subject(A), None)], now()).unwrap();
        fw.load_blocklist(&[(v4(B), v4(B))], &[]).unwrap();
        assert_eq!(
            fw.install().unwrap(),
            Installed::TookOver,
            "install is idempotent"
        );
    }
    // A new run: the bans and the blocklist keep dropping without a gap.
    let mut fw = lab.firewall();
    assert_eq!(fw.install().unwrap(), Installed::TookOver);
    assert!(!p.probe(A, SERVER) && !p.probe(B, SERVER));
    let st = fw.sync_bans(&[], now()).unwrap();
    assert_eq!(
        st.transactions, 1,
        "after a take-over the first sync rewrites the bans"
    );
    assert!(p.probe(A, SERVER) && !p.probe(B, SERVER));

    // A table of our name that is not plainly ours is replaced.
    assert!(
        lab.nft_raw(&["add", "chain", "inet", "bolwerk", "stranger"])
            .status
            .success()
    );
    let mut fw = lab.firewall();
    assert_eq!(fw.install().unwrap(), Installed::Recreated);
    assert!(p.probe(B, SERVER));

    assert!(Firewall::uninstall("bolwerk", &lab.nft()).unwrap());
    assert!(
        !lab.nft_raw(&["list", "table", "inet", "bolwerk"])
            .status
            .success()
    );
    assert!(
        !Firewall::uninstall("bolwerk", &lab.nft()).unwrap(),
        "absent is fine"
    );
    let other = String::from_utf8_lossy(&lab.nft_raw(&["list", "table", "inet", "other"]).stdout)
        .into_owned();
    assert!(
        other.contains("192.0.2.1") && other.contains("chain c"),
        "the foreign table was touched: {other}"
    );
}

#[test]
fn without_cap_net_admin_the_error_says_so() {
    let lab = Lab::new("eperm");
    let command = [
        "ip",
        "netns",
        "exec",
        &lab.server,
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--inh-caps=-all",
        "nft",
    ]
    .map(String::from)
    .to_vec();
    let mut fw = Firewall::new("bolwerk", command).unwrap();
    let e = fw.install().unwrap_err();
    assert!(matches!(e, NftError::PermissionDenied), "{e:?}");
    assert!(e.to_string().contains("CAP_NET_ADMIN"));
}
