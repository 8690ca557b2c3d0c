#!/usr/bin/env python3
"""Time from the offending log line to the kernel blocking the attacker, for Bolwerk's guard
and, in the same run, fail2ban (the peer).

For each peer, makes two network namespaces (server, attacker) joined by a veth pair, runs a
TCP listener on port 7 and the peer in the server namespace, and for each trial: appends the
threshold's worth of Dovecot failed-login lines for a fresh attacker address, then probes
from that address every 2 ms until a connect is not answered. The time from writing the last
line to the first blocked probe is the line-to-block latency (it includes the peer's poll
interval, the filter, the ban, the nft call, and one probe timeout at most). Prints the
median, p90, p99 and max over the trials, per peer, and the ratio of the medians.

- bolwerk: `bolwerk guard` (firewall on, one dovecot file watch, `--poll-ms`). Its table
  drops: the blocked probe times out (20 ms).
- fail2ban: `fail2ban-server -xf start` with a copy of /etc/fail2ban (Debian's filter.d/
  dovecot.conf and action.d/nftables-allports.conf; no *.local files) plus a jail.local:
  [dovecot] on the bench log, backend = auto (`--f2b-backend`), maxretry = threshold,
  findtime = bantime = 10m, banaction = nftables-allports; socket, pidfile and log in the
  temp dir, dbfile = :memory:. Its action REJECTS (blocktype = reject: ICMP port unreachable),
  so the blocked probe is refused at once rather than timed out; both count as blocked (the
  listener never refuses). The backend fail2ban picked is printed.

A warm-up trial (its own address, not counted; its time is printed) goes first: fail2ban
creates its nftables table on the first ban (actionstart on demand).

Trials run back to back by default, so each one starts right after the previous ban: that
locks onto a poller's schedule. fail2ban's poller backs off (it looks at the file after 0.2,
0.6, 1.2 and 2 s, then again), and its action thread waits the same way, so back to back its
times fall in two modes (about 210 and 610 ms) and the median flips between them from run to
run. `--gap-ms G` waits a random 0..G ms (seeded) before each trial, so the lines arrive at an
arbitrary point of either peer's schedule, as an attacker's do; the mean is printed too.

    sudo python3 bench/guard/latency.py --bolwerk target/release/bolwerk --trials 100
    sudo python3 bench/guard/latency.py --bolwerk target/release/bolwerk --trials 100 --peers bolwerk,fail2ban
    sudo python3 bench/guard/latency.py --bolwerk target/release/bolwerk --trials 100 --peers bolwerk,fail2ban --gap-ms 3000

Run as root; deletes its namespaces at the end. Only the namespaces it makes are touched.
"""

import argparse
import errno
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

NS_SRV, NS_ATK = f"bwlat-srv-{os.getpid()}", f"bwlat-atk-{os.getpid()}"
PEERS = ("bolwerk", "fail2ban")
# Probe window per trial (s): fail2ban's poller sleeps up to 2 s between looks at the file.
WINDOW_S = {"bolwerk": 5, "fail2ban": 30}
WARMUP_IP = "10.210.254.254"


def sh(*args, check=True):
    return subprocess.run(args, check=check, capture_output=True, text=True)


def trial_ip(i):
    return f"10.210.{1 + i // 250}.{1 + i % 250}"


def setup(trials):
    for ns in (NS_SRV, NS_ATK):
        sh("ip", "netns", "add", ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")
    sh("ip", "link", "add", "bwl-s", "netns", NS_SRV, "type", "veth", "peer", "name", "bwl-a", "netns", NS_ATK)
    sh("ip", "-n", NS_SRV, "addr", "add", "10.210.0.1/16", "dev", "bwl-s")
    sh("ip", "-n", NS_SRV, "link", "set", "bwl-s", "up")
    sh("ip", "-n", NS_ATK, "link", "set", "bwl-a", "up")
    for ip in [WARMUP_IP] + [trial_ip(i) for i in range(trials)]:
        sh("ip", "-n", NS_ATK, "addr", "add", f"{ip}/16", "dev", "bwl-a")


def teardown():
    for ns in (NS_SRV, NS_ATK):
        sh("ip", "netns", "del", ns, check=False)


def line(ip, n):
    # Dovecot 2.3's own log_path shape; matched by Bolwerk's dovecot filter (auth-failed) and by
    # fail2ban's filter.d/dovecot.conf (checked with fail2ban-regex). The date is the current
    # local time: fail2ban ignores lines older than findtime.
    stamp = time.strftime("%b %d %H:%M:%S")
    return (f"{stamp} imap-login: Info: Disconnected: Connection closed (auth failed, 1 attempts in 2 secs): "
            f"user=<admin{n}>, method=PLAIN, rip={ip}, lip=10.210.0.1, session=<bench{n}>\n")


def probe_until_blocked(ip, deadline):
    """Connects from ip every 2 ms; returns (time, how) of the first probe that got no answer
    ("dropped") or was refused by the firewall ("rejected": the listener itself never refuses)."""
    while time.monotonic() < deadline:
        s = socket.socket()
        s.settimeout(0.02)
        s.bind((ip, 0))
        started = time.monotonic()
        try:
            s.connect(("10.210.0.1", 7))
            s.close()
        except (socket.timeout, TimeoutError):
            return started, "dropped"
        except OSError as e:
            if e.errno in (errno.ECONNREFUSED, errno.EHOSTUNREACH):
                return started, "rejected"
        finally:
            s.close()
        time.sleep(0.002)
    return None, None


def wait_for(cond, seconds, what, out):
    for _ in range(int(seconds / 0.05)):
        if cond():
            return
        time.sleep(0.05)
    sys.exit(f"{what} did not start:\n" + open(out).read())


def start_bolwerk(a, d, log):
    with open(os.path.join(d, "bolwerk.toml"), "w") as f:
        f.write(f"""data_dir = "{d}/data"
[server]
http = "127.0.0.1:8080"
[[site]]
name = "bench"
hosts = ["localhost"]
[guard]
state_dir = "{d}/state"
poll_ms = {a.poll_ms}
[[guard.watch]]
filter = "dovecot"
file = "{log}"
threshold = {a.threshold}
""")
    out = f"{d}/guard.out"
    guard = subprocess.Popen(["ip", "netns", "exec", NS_SRV, a.bolwerk, "guard", "--config", f"{d}/bolwerk.toml"],
                             stdout=open(out, "w"), stderr=subprocess.STDOUT)

    def stop():
        guard.terminate()
        guard.wait()
        sh("ip", "netns", "exec", NS_SRV, a.bolwerk, "guard", "--uninstall", "--config", f"{d}/bolwerk.toml", check=False)

    try:
        wait_for(lambda: "the guard is running" in open(out).read(), 10, "the guard", out)
    except SystemExit:
        stop()
        raise
    return stop, f"poll {a.poll_ms} ms"


def start_fail2ban(a, d, log):
    conf, sock, pid, flog = f"{d}/f2b", f"{d}/fail2ban.sock", f"{d}/fail2ban.pid", f"{d}/fail2ban.log"
    shutil.copytree(a.f2b_etc, conf, ignore=shutil.ignore_patterns("*.local"))
    with open(f"{conf}/fail2ban.local", "w") as f:
        f.write(f"[Definition]\nloglevel = INFO\nlogtarget = {flog}\nsocket = {sock}\npidfile = {pid}\n"
                f"dbfile = :memory:\n")
    with open(f"{conf}/jail.local", "w") as f:
        # jail.d/defaults-debian.conf enables sshd, whose log is not ours.
        f.write(f"""[sshd]
enabled = false

[dovecot]
enabled = true
logpath = {log}
backend = {a.f2b_backend}
maxretry = {a.threshold}
findtime = 10m
bantime = 10m
banaction = nftables-allports
""")
    out = f"{d}/fail2ban.out"
    srv = subprocess.Popen(["ip", "netns", "exec", NS_SRV, a.fail2ban_server, "-c", conf, "-s", sock, "-p", pid,
                            "-xf", "start"], stdout=open(out, "w"), stderr=subprocess.STDOUT)
    client = lambda *c: sh("fail2ban-client", "-c", conf, "-s", sock, *c, check=False)

    def stop():
        client("stop")
        try:
            srv.wait(timeout=30)
        except subprocess.TimeoutExpired:
            srv.terminate()
            srv.wait()
        left = sh("ip", "netns", "exec", NS_SRV, "nft", "list", "tables", check=False).stdout
        if "f2b-table" in left:
            print("fail2ban: its table inet f2b-table was left after stop (the namespace goes anyway)")

    try:
        wait_for(lambda: srv.poll() is None and client("status", "dovecot").returncode == 0, 30, "fail2ban", out)
        m = re.search(r"Jail 'dovecot' uses (\w+)", open(flog).read())
    except SystemExit:
        stop()
        raise
    return stop, f"backend {a.f2b_backend} -> {m.group(1) if m else '?'}"


def run_peer(a, peer):
    teardown()
    setup(a.trials)
    d = tempfile.mkdtemp(prefix=f"bwlat-{peer}-")
    log = os.path.join(d, "mail.log")
    open(log, "w").close()
    listener = subprocess.Popen(["ip", "netns", "exec", NS_SRV, "python3", "-c",
                                 "import socket\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
                                 "s.bind(('0.0.0.0',7))\ns.listen(1024)\nwhile True:\n c,_=s.accept()\n c.close()"])
    stop = None
    try:
        stop, info = {"bolwerk": start_bolwerk, "fail2ban": start_fail2ban}[peer](a, d, log)
        window = a.window if a.window is not None else WINDOW_S[peer]
        r = subprocess.run(["ip", "netns", "exec", NS_ATK, sys.executable, os.path.abspath(__file__), "--inside",
                            "--dir", d, "--trials", str(a.trials), "--threshold", str(a.threshold),
                            "--window", str(window), "--gap-ms", str(a.gap_ms)])
        if r.returncode != 0:
            sys.exit(f"{peer}: the attacker side failed ({r.returncode})")
        res = json.load(open(os.path.join(d, "result.json")))
        res.update(info=info, window=window)
        return res
    finally:
        if stop:
            stop()
        listener.terminate()
        listener.wait()
        teardown()


def report(peer, r):
    t = sorted(r["times"])
    head = (f"{peer:9} ({r['info']}): trials {r['trials']}, blocked {len(t)} "
            f"(dropped {r['how'].get('dropped', 0)}, rejected {r['how'].get('rejected', 0)}), "
            f"missed {r['missed']} (window {r['window']} s); warm-up ")
    head += f"{r['warmup'] * 1000:.0f} ms" if r["warmup"] is not None else "missed"
    print(head)
    if not t:
        print(f"{peer:9} no trial was blocked within {r['window']} s")
        return None
    q = lambda p: t[min(len(t) - 1, int(p * len(t)))]
    print(f"{peer:9} line to block: median {statistics.median(t) * 1000:.0f} ms, p90 {q(0.9) * 1000:.0f} ms, "
          f"p99 {q(0.99) * 1000:.0f} ms, max {t[-1] * 1000:.0f} ms, mean {statistics.mean(t) * 1000:.0f} ms")
    return statistics.median(t), statistics.mean(t)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bolwerk", default="target/release/bolwerk")
    ap.add_argument("--peers", default="bolwerk", help="comma-separated, run in this order: bolwerk,fail2ban")
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--threshold", type=int, default=5)
    ap.add_argument("--poll-ms", type=int, default=100)
    ap.add_argument("--window", type=float, help="probe window per trial, s (default: bolwerk 5, fail2ban 30)")
    ap.add_argument("--gap-ms", type=int, default=0, help="wait a random 0..GAP ms before each trial (seeded)")
    ap.add_argument("--fail2ban-server", default="fail2ban-server")
    ap.add_argument("--f2b-etc", default="/etc/fail2ban", help="copied to the temp dir (without *.local)")
    ap.add_argument("--f2b-backend", default="auto")
    ap.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--dir", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.inside:
        return attacker_side(a)
    peers = [p.strip() for p in a.peers.split(",") if p.strip()]
    if not peers or any(p not in PEERS for p in peers):
        ap.error(f"--peers: a comma-separated list of {', '.join(PEERS)}")
    stats = {}
    for peer in peers:
        stats[peer] = report(peer, run_peer(a, peer))
        sys.stdout.flush()
    if len(peers) > 1 and all(stats.values()):
        (m0, a0) = stats[peers[0]]
        for p in peers[1:]:
            m, av = stats[p]
            print(f"ratio {p}/{peers[0]}: medians {m / m0:.1f}, means {av / a0:.1f}")
    return 0 if all(stats.values()) else 1


def attacker_side(a):
    log = os.path.join(a.dir, "mail.log")
    times, how, missed, warmup = [], {}, 0, None
    rng = random.Random(14)
    for i in range(-1, a.trials):
        if i >= 0 and a.gap_ms:
            time.sleep(rng.uniform(0, a.gap_ms / 1000))
        ip = WARMUP_IP if i < 0 else trial_ip(i)
        with open(log, "a") as f:
            for n in range(a.threshold):
                f.write(line(ip, n))
            f.flush()
            os.fsync(f.fileno())
        written = time.monotonic()
        blocked, kind = probe_until_blocked(ip, written + a.window)
        took = None if blocked is None else max(0.0, blocked - written)
        if i < 0:
            warmup = took
        elif took is None:
            missed += 1
        else:
            times.append(took)
            how[kind] = how.get(kind, 0) + 1
    with open(os.path.join(a.dir, "result.json"), "w") as f:
        json.dump({"trials": a.trials, "times": times, "how": how, "missed": missed, "warmup": warmup}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
