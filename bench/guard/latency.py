#!/usr/bin/env python3
"""Time from the offending log line to the kernel dropping the attacker.

Makes two network namespaces (server, attacker) joined by a veth pair, runs a TCP listener
and `bolwerk guard` (firewall on, one dovecot file watch) in the server namespace, and for
each trial: appends the threshold's worth of Dovecot failed-login lines for a fresh attacker
address, then probes from that address every 2 ms until a connect times out. The time from
writing the last line to the first dropped probe is the ban-to-drop latency (it includes the
guard's poll interval, the filter, the ban, the nft transaction, and one probe timeout at
most). Prints the median, p90, p99 and max over the trials.

    sudo python3 bench/guard/latency.py --bolwerk target/release/bolwerk --trials 100

Run as root; deletes its namespaces at the end. Only the namespaces it makes are touched.
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

NS_SRV, NS_ATK = f"bwlat-srv-{os.getpid()}", f"bwlat-atk-{os.getpid()}"


def sh(*args, check=True):
    return subprocess.run(args, check=check, capture_output=True, text=True)


def setup(trials):
    for ns in (NS_SRV, NS_ATK):
        sh("ip", "netns", "add", ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")
    sh("ip", "link", "add", "bwl-s", "netns", NS_SRV, "type", "veth", "peer", "name", "bwl-a", "netns", NS_ATK)
    sh("ip", "-n", NS_SRV, "addr", "add", "10.210.0.1/16", "dev", "bwl-s")
    sh("ip", "-n", NS_SRV, "link", "set", "bwl-s", "up")
    sh("ip", "-n", NS_ATK, "link", "set", "bwl-a", "up")
    for i in range(trials):
        sh("ip", "-n", NS_ATK, "addr", "add", f"10.210.{1 + i // 250}.{1 + i % 250}/16", "dev", "bwl-a")


def teardown():
    for ns in (NS_SRV, NS_ATK):
        sh("ip", "netns", "del", ns, check=False)


def line(ip, n):
    stamp = time.strftime("%b %d %H:%M:%S")
    return (f"{stamp} imap-login: Info: Disconnected: Connection closed (auth failed, 1 attempts in 2 secs): "
            f"user=<admin{n}>, method=PLAIN, rip={ip}, lip=10.210.0.1, session=<bench{n}>\n")


def probe_until_dropped(ip, deadline):
    """Connects from ip every 2 ms; returns the time of the first probe that got no answer."""
    while time.monotonic() < deadline:
        s = socket.socket()
        s.settimeout(0.02)
        s.bind((ip, 0))
        started = time.monotonic()
        try:
            s.connect(("10.210.0.1", 7))
            s.close()
        except (socket.timeout, TimeoutError):
            return started
        except OSError:
            pass
        finally:
            s.close()
        time.sleep(0.002)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bolwerk", default="target/release/bolwerk")
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--threshold", type=int, default=5)
    ap.add_argument("--poll-ms", type=int, default=100)
    ap.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--dir", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.inside:
        return attacker_side(a)
    teardown()
    setup(a.trials)
    d = tempfile.mkdtemp(prefix="bwlat-")
    log = os.path.join(d, "mail.log")
    open(log, "w").close()
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
    listener = subprocess.Popen(["ip", "netns", "exec", NS_SRV, "python3", "-c",
                                 "import socket\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
                                 "s.bind(('0.0.0.0',7))\ns.listen(1024)\nwhile True:\n c,_=s.accept()\n c.close()"])
    guard = subprocess.Popen(["ip", "netns", "exec", NS_SRV, a.bolwerk, "guard", "--config", f"{d}/bolwerk.toml"],
                             stdout=open(f"{d}/guard.out", "w"), stderr=subprocess.STDOUT)
    try:
        for _ in range(200):
            if "the guard is running" in open(f"{d}/guard.out").read():
                break
            time.sleep(0.05)
        else:
            sys.exit("the guard did not start:\n" + open(f"{d}/guard.out").read())
        r = subprocess.run(["ip", "netns", "exec", NS_ATK, sys.executable, __file__, "--inside", "--dir", d,
                            "--trials", str(a.trials), "--threshold", str(a.threshold)])
        return r.returncode
    finally:
        guard.terminate()
        listener.terminate()
        guard.wait()
        listener.wait()
        sh("ip", "netns", "exec", NS_SRV, a.bolwerk, "guard", "--uninstall", "--config", f"{d}/bolwerk.toml", check=False)
        teardown()


def attacker_side(a):
    log = os.path.join(a.dir, "mail.log")
    times, missed = [], 0
    for i in range(a.trials):
        ip = f"10.210.{1 + i // 250}.{1 + i % 250}"
        with open(log, "a") as f:
            for n in range(a.threshold):
                f.write(line(ip, n))
            f.flush()
            os.fsync(f.fileno())
        written = time.monotonic()
        dropped = probe_until_dropped(ip, written + 5)
        if dropped is None:
            missed += 1
        else:
            times.append(max(0.0, dropped - written))
    if not times:
        sys.exit(f"no trial was dropped within 5 s ({missed} missed)")
    times.sort()
    q = lambda p: times[min(len(times) - 1, int(p * len(times)))]
    print(f"trials {a.trials}, dropped {len(times)}, missed {missed}")
    print(f"line to drop: median {statistics.median(times) * 1000:.0f} ms, p90 {q(0.9) * 1000:.0f} ms, "
          f"p99 {q(0.99) * 1000:.0f} ms, max {times[-1] * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
