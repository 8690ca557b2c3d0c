//! The record of TCP clients (`Firewall::tcp_seen`) against the real kernel: real
//! connections are recorded, forged ones, UDP and other ports are not, and a take-over keeps
//! the record and its rule.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use guard::nft::{Firewall, Installed};

use super::{A, A6, B, Lab, Prober, SERVER, SERVER6, python};

/// An address of the client namespace whose resets are dropped there, so that hand-made
/// packets from it can pretend to be a client the namespace knows nothing about.
const H: &str = "10.200.0.9";

/// Hand-made TCP from H (raw sockets): `syn2 DST DPORT SPORT` sends two SYNs and never
/// answers our SYN-ACK; `hs DST DPORT SPORT DELTA` answers it with an ACK whose number is
/// off by DELTA (0: a real handshake) and then sends a query. Prints `ok`.
const FORGE: &str = r#"
import socket, struct, sys, time
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
def tcp(src, dst, sport, dport, seq, ack, flags, data=b""):
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 64240, 0, 0)
    ph = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, 20 + len(data))
    h = h[:16] + struct.pack("!H", csum(ph + h + data)) + h[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40 + len(data), 1, 0, 64, 6, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + h + data
src = "10.200.0.9"
mode, dst, dport, sport = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
out = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
rx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
rx.settimeout(3)
send = lambda *a: out.sendto(tcp(src, dst, sport, dport, *a), (dst, 0))
send(1000, 0, 0x02)
if mode == "syn2":
    time.sleep(0.3)
    send(1000, 0, 0x02)
else:
    while True:
        d = rx.recv(2000)
        ihl = (d[0] & 15) * 4
        sp, dp, isn, _, _, fl = struct.unpack("!HHIIBB", d[ihl:ihl + 14])
        if sp == dport and dp == sport and fl & 0x12 == 0x12:
            break
    ack = (isn + 1 + int(sys.argv[5])) % 2**32
    send(1001, ack, 0x10)
    time.sleep(0.1)
    send(1001, ack, 0x18, b"\x00\x05query")
time.sleep(0.3)
print("ok")
"#;

/// Starts another echo server in the server namespace on `port` and waits for it.
fn serve(lab: &mut Lab, p: &mut Prober, port: u16) {
    lab.more.push(
        Command::new("ip")
            .args(["netns", "exec", &lab.server, python(), "-c", super::ECHO])
            .arg(port.to_string())
            .stdin(Stdio::null())
            .spawn()
            .expect("start an echo server (python3)"),
    );
    let start = Instant::now();
    while p
        .ask_for(&format!("open up{port} {B} {SERVER} {port}"))
        .is_none()
    {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no server on {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(p.ask(&format!("close up{port}")));
}

fn forge(lab: &Lab, args: &[&str]) {
    let out = Command::new("ip")
        .args(["netns", "exec", &lab.client, python(), "-c", FORGE])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == "ok",
        "forge {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn seen(fw: &Firewall, addr: &str, port: u16) -> bool {
    fw.tcp_seen(addr.parse().unwrap(), port).unwrap()
}

#[test]
fn tcp_clients_we_sent_data_to_are_recorded_and_nothing_forged() {
    let mut lab = Lab::new("seen");
    let mut p = lab.prober();
    serve(&mut lab, &mut p, 7001);
    let mut fw = lab.firewall();
    fw.set_confirm_ports(vec![7000, 7002]);
    assert_eq!(fw.install().unwrap(), Installed::Created);

    // A real connection: recorded while open, and still after it closed.
    let pa = p.open("a", A, SERVER, 7000);
    assert!(seen(&fw, A, pa), "an open TCP connection from {A}:{pa}");
    assert!(
        seen(&fw, &format!("::ffff:{A}"), pa),
        "mapped: the IPv4 record"
    );
    assert!(!seen(&fw, B, pa), "another address");
    assert!(p.ask("close a"));
    std::thread::sleep(Duration::from_millis(300));
    assert!(seen(&fw, A, pa), "closed, within the timeout");
    let pa6 = p.open("a6", A6, SERVER6, 7000);
    assert!(seen(&fw, A6, pa6) && !seen(&fw, A6, pa6 ^ 1));

    // UDP from a port to a confirm port adds nothing.
    assert!(p.ask(&format!("udp {A} 41000 {SERVER} 7000")));
    assert!(p.ask(&format!("udp {A6} 41000 {SERVER6} 7000")));
    std::thread::sleep(Duration::from_millis(200));
    assert!(!seen(&fw, A, 41000) && !seen(&fw, A6, 41000));
    // A SYN to a confirm port nobody listens on: refused, nothing recorded.
    assert!(p.ask(&format!("syn {A} 41001 {SERVER} 7002")));
    assert!(!seen(&fw, A, 41001));
    // A real connection to a port that is not a confirm port.
    let pb = p.open("b", B, SERVER, 7001);
    assert!(!seen(&fw, B, pb), "7001 is not a confirm port");

    // Forged: two SYNs (conntrack already calls that established), and a handshake whose
    // ACK is inside conntrack's window but not the one our TCP stack wants (conntrack even
    // calls that assured). Neither ever gets data from us.
    must_forge_setup(&lab);
    forge(&lab, &["syn2", SERVER, "7000", "42001"]);
    assert!(!seen(&fw, H, 42001), "two forged SYNs were recorded");
    forge(&lab, &["hs", SERVER, "7000", "42002", "-1000"]);
    assert!(
        !seen(&fw, H, 42002),
        "a blind ACK in conntrack's window was recorded"
    );
    // The same rig with the right ACK is a real client, and is recorded.
    forge(&lab, &["hs", SERVER, "7000", "42003", "0"]);
    assert!(seen(&fw, H, 42003), "a real handshake by hand");

    // A new run takes the table over: the record keeps what it had, and still records.
    let mut fw = lab.firewall();
    fw.set_confirm_ports(vec![7000, 7002]);
    assert_eq!(fw.install().unwrap(), Installed::TookOver);
    assert!(seen(&fw, A, pa), "the record survives a take-over");
    let pc = p.open("c", B, SERVER, 7000);
    assert!(seen(&fw, B, pc), "the rule survives a take-over");
    // Ban changes rewrite the input chain only; the record still works.
    fw.sync_bans(
        &[(shield::bans::Subject::parse("192.0.2.1").unwrap(), None)],
        super::now(),
    )
    .unwrap();
    let pd = p.open("d", B, SERVER, 7000);
    assert!(seen(&fw, B, pd));

    // Recreated (a stranger chain): a fresh record that works.
    assert!(
        lab.nft_raw(&["add", "chain", "inet", "bolwerk", "stranger"])
            .status
            .success()
    );
    let mut fw = lab.firewall();
    fw.set_confirm_ports(vec![7000]);
    assert_eq!(fw.install().unwrap(), Installed::Recreated);
    assert!(!seen(&fw, B, pd), "a recreated table starts empty");
    let pe = p.open("e", A, SERVER, 7000);
    assert!(seen(&fw, A, pe));

    // No confirm ports: the record and its chain go.
    let mut fw = lab.firewall();
    fw.set_confirm_ports(Vec::new());
    assert_eq!(fw.install().unwrap(), Installed::TookOver);
    let listed = String::from_utf8_lossy(
        &lab.nft_raw(&["-t", "list", "table", "inet", "bolwerk"])
            .stdout,
    )
    .into_owned();
    assert!(
        !listed.contains("tcp4") && !listed.contains("hook output"),
        "{listed}"
    );
    assert!(!fw.tcp_seen(A.parse().unwrap(), pe).unwrap());
    // And back, with the default port.
    let mut fw = lab.firewall();
    assert_eq!(fw.install().unwrap(), Installed::TookOver);
    let listed =
        String::from_utf8_lossy(&lab.nft_raw(&["list", "table", "inet", "bolwerk"]).stdout)
            .into_owned();
    // nft prints `tcp flags & (syn | rst | psh) == psh` in its short form.
    assert!(
        listed.contains(
            "tcp sport 53 tcp flags psh / syn,rst,psh update @tcp4 { ip daddr . tcp dport }"
        ) && listed.contains("update @tcp6 { ip6 daddr . tcp dport }"),
        "{listed}"
    );
    assert!(
        listed.contains("size 8192\n\t\tflags dynamic,timeout\n\t\ttimeout 2m"),
        "{listed}"
    );
}

/// Gives the client namespace H, and drops the resets its kernel would send for the
/// connections it does not know (the forged ones).
fn must_forge_setup(lab: &Lab) {
    super::must(&[
        "ip",
        "-n",
        &lab.client,
        "addr",
        "add",
        "10.200.0.9/24",
        "dev",
        "vc",
    ]);
    let rules = "table inet forge {\n chain out { type filter hook output priority 0; policy accept; ip saddr 10.200.0.9 tcp flags rst drop; }\n}\n";
    let mut c = Command::new("ip")
        .args(["netns", "exec", &lab.client, "nft", "-f", "-"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut c.stdin.take().unwrap(), rules.as_bytes()).unwrap();
    assert!(c.wait().unwrap().success());
}

/// The median wall time of `f` over `n` runs.
fn median(n: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[n / 2]
}

/// `tcp_seen` answers right with a full record and a blocklist loaded, and what a question
/// costs then, against `nft get element` (printed, never asserted). CI loads 20,000 prefixes;
/// the figures in BENCHMARKS.md are from a million (a minute, 300 MB in nft):
/// `BOLWERK_COST_PREFIXES=1000000 cargo test -p guard --test nft -- --nocapture tcp_seen_cost`.
#[test]
fn tcp_seen_cost() {
    let prefixes: u32 = std::env::var("BOLWERK_COST_PREFIXES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000);
    let lab = Lab::new("cost");
    let mut p = lab.prober();
    let mut fw = lab.firewall();
    fw.set_confirm_ports(vec![7000]);
    fw.install().unwrap();
    let pa = p.open("a", A, SERVER, 7000);
    let ask = |fw: &Firewall| assert!(seen(fw, A, pa));
    let get = || {
        let out = lab.nft_raw(&[
            "get",
            "element",
            "inet",
            "bolwerk",
            "tcp4",
            &format!("{{ {A} . {pa} }}"),
        ]);
        assert!(out.status.success());
    };
    let fill = |n: u32| {
        let elems: Vec<String> = (0..n)
            .map(|i| {
                format!(
                    "10.{}.{}.{} . {}",
                    i >> 16,
                    (i >> 8) & 255,
                    i & 255,
                    1024 + i
                )
            })
            .collect();
        let cmd = format!("add element inet bolwerk tcp4 {{ {} }}\n", elems.join(", "));
        let mut c = Command::new("ip")
            .args(["netns", "exec", &lab.server, "nft", "-f", "-"])
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut c.stdin.take().unwrap(), cmd.as_bytes()).unwrap();
        assert!(c.wait().unwrap().success());
    };
    let report = |what: &str, fw: &Firewall| {
        eprintln!(
            "{what}: tcp_seen {:?}, get element {:?}",
            median(9, || ask(fw)),
            median(3, get)
        );
    };
    report("record of 1, no blocklist", &fw);
    fill(seen_size() - 1);
    report("full record, no blocklist", &fw);
    let v4: Vec<(u32, u32)> = (0..prefixes)
        .map(|i| {
            let a = (i << 12).wrapping_add(1 << 28);
            (a, a + 255)
        })
        .collect();
    let t = Instant::now();
    fw.load_blocklist(&v4, &[]).unwrap();
    eprintln!("{prefixes} prefixes loaded in {:?}", t.elapsed());
    report("full record, blocklist loaded", &fw);
    lab.nft_raw(&["flush", "set", "inet", "bolwerk", "tcp4"]);
    fill(1);
    let pb = p.open("b", A, SERVER, 7000);
    assert!(seen(&fw, A, pb));
    eprintln!(
        "record of 2, blocklist loaded: tcp_seen {:?}",
        median(9, || assert!(seen(&fw, A, pb)))
    );
}

fn seen_size() -> u32 {
    guard::nft::seen::SEEN_SIZE
}
