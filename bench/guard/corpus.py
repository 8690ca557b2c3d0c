#!/usr/bin/env python3
"""Writes a realistic mixed service log for the guard's speed bench (python3, stdlib only).

    python3 bench/guard/corpus.py --service dovecot --lines 1000000 --attack-share 0.05 OUT
    python3 bench/guard/corpus.py --service postfix|sshd|knot ... [--seed N] [--format syslog|journal]

Every line has the shape of a line captured from the real service (Debian bookworm: Dovecot
2.3.19, Postfix 3.7.11, OpenSSH 9.2p1, Knot 3.2.6; see crates/guard/filters/*.toml), in the
syslog file form ("Dec  6 08:29:32 mail dovecot: imap-login: ..."), or with --format journal
just the journal MESSAGE. Honest traffic (logins, logouts, deliveries, transfers) comes from a
large pool of client addresses and never matches a filter; a share of --attack-share lines
are attack lines (every kind the filter counts) from a small pool of attacker addresses, so
that some of them cross a threshold. The same seed gives the same file. At the end it prints
how many lines of each kind it wrote (stderr), so a bench can check its match counts:
every attack line matches exactly one pattern of the service's filter, no honest line does.
"""
import argparse
import base64
import random
import sys
import time

MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
         "mallory.k", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter"]
PROBE_USERS = ["admin", "test", "info", "root", "support", "user", "oracle", "postgres",
               "webmaster", "sales", "guest", "ubuntu", "contact", "office", "mail"]


class Gen:
    def __init__(self, seed, attack_share, fmt):
        self.r = random.Random(seed)
        self.share = attack_share
        self.fmt = fmt
        self.t = time.mktime((2026, 12, 6, 0, 0, 0, 0, 0, -1))
        self.pid = 20000
        # Honest clients: many addresses; attackers: few (so that some cross a threshold).
        self.clients = [self.addr() for _ in range(20000)]
        self.attackers = [self.addr() for _ in range(300)]
        self.counts = {}

    def addr(self):
        r = self.r
        if r.random() < 0.15:
            return "2001:db8:%x:%x::%x" % (r.randrange(1, 0xffff), r.randrange(0xffff), r.randrange(1, 0xffff))
        while True:
            a = r.randrange(1, 224)
            if a not in (10, 127):
                return "%d.%d.%d.%d" % (a, r.randrange(256), r.randrange(256), r.randrange(1, 255))

    def session(self):
        return base64.b64encode(self.r.randbytes(12)).decode()

    def qid(self):
        return "%011X" % self.r.randrange(16 ** 11)

    def prefix(self, ident):
        self.t += self.r.expovariate(12.0)  # ~12 lines a second
        if self.fmt == "journal":
            return ""
        tm = time.localtime(self.t)
        return "%s %2d %02d:%02d:%02d mail %s: " % (MONTHS[tm.tm_mon - 1], tm.tm_mday, tm.tm_hour,
                                                   tm.tm_min, tm.tm_sec, ident)

    def emit(self, out, kind, ident, msg):
        out.append((kind, self.prefix(ident) + msg))

    def next_pid(self):
        self.pid = self.pid + self.r.randrange(1, 40)
        if self.pid > 4000000:
            self.pid = 20000
        return self.pid


# --- Dovecot -----------------------------------------------------------------------------

def dovecot_honest(g, out):
    r, ip, user, pid, s = g.r, g.r.choice(g.clients), g.r.choice(USERS), g.next_pid(), g.session()
    lip = "192.0.2.1" if ":" not in ip else "2001:db8::1"
    proto = "imap" if r.random() < 0.8 else "pop3"
    tls = r.choice(["TLS", "TLS", "TLS", "secured"])
    g.emit(out, "honest", "dovecot", f"{proto}-login: Login: user=<{user}>, method=PLAIN, rip={ip}, lip={lip}, mpid={pid}, {tls}, session=<{s}>")
    if proto == "pop3":
        g.emit(out, "honest", "dovecot", f"{proto}({user})<{pid}><{s}>: Disconnected: Logged out top=0/0, retr={r.randrange(5)}/{r.randrange(90000)}, del=0/{r.randrange(50)}, size={r.randrange(10**6)}")
    elif r.random() < 0.85:
        g.emit(out, "honest", "dovecot", f"{proto}({user})<{pid}><{s}>: Disconnected: Logged out in={r.randrange(20, 900)} out={r.randrange(400, 90000)} deleted=0 expunged=0 trashed=0 hdr_count=0 hdr_bytes=0 body_count={r.randrange(9)} body_bytes={r.randrange(200000)}")
    else:
        g.emit(out, "honest", "dovecot", f"{proto}({user})<{pid}><{s}>: Disconnected: Connection closed (No commands sent) in=0 out=409 deleted=0 expunged=0 trashed=0 hdr_count=0 hdr_bytes=0 body_count=0 body_bytes=0")


def dovecot_attack(g, out):
    r, ip, s = g.r, g.r.choice(g.attackers), g.session()
    lip = "192.0.2.1" if ":" not in ip else "2001:db8::1"
    proto = r.choice(["imap", "imap", "pop3"])
    k = r.random()
    if k < 0.35:
        user = r.choice(USERS)
        g.emit(out, "password-mismatch", "dovecot", f"auth: passwd-file({user},{ip},<{s}>): Password mismatch")
        g.emit(out, "auth-failed", "dovecot", f"{proto}-login: Disconnected: Aborted login by logging out (auth failed, 1 attempts in 2 secs): user=<{user}>, method=PLAIN, rip={ip}, lip={lip}, TLS, session=<{s}>")
    elif k < 0.65:
        user = r.choice(PROBE_USERS)
        g.emit(out, "unknown-user", "dovecot", f"auth: passwd-file({user},{ip},<{s}>): unknown user")
        g.emit(out, "auth-failed", "dovecot", f"{proto}-login: Disconnected: Connection closed (auth failed, 1 attempts in 2 secs): user=<{user}>, method=PLAIN, rip={ip}, lip={lip}, TLS, session=<{s}>")
    elif k < 0.85:
        reason = r.choice(["Aborted login by logging out", "Connection closed"])
        g.emit(out, "no-auth", "dovecot", f"{proto}-login: Disconnected: {reason} (no auth attempts in {r.randrange(3)} secs): user=<>, rip={ip}, lip={lip}, TLS, session=<{s}>")
    else:
        err = r.choice(["error:0A00009C:SSL routines::http request", "error:0A00010B:SSL routines::wrong version number",
                        "error:0A0000F4:SSL routines::unexpected message"])
        g.emit(out, "tls-failed", "dovecot", f"{proto}-login: Disconnected: Connection closed: SSL_accept() failed: {err} (no auth attempts in 0 secs): user=<>, rip={ip}, lip={lip}, TLS handshaking: SSL_accept() failed: {err}, session=<{s}>")


# --- Postfix -----------------------------------------------------------------------------

def pf_client(ip):
    return f"unknown[{ip}]"


def postfix_honest(g, out):
    r, ip, user = g.r, g.r.choice(g.clients), g.r.choice(USERS)
    ident = f"postfix/submission/smtpd[{g.next_pid()}]"
    c, q = pf_client(ip), g.qid()
    g.emit(out, "honest", ident, f"connect from {c}")
    if r.random() < 0.6:
        g.emit(out, "honest", ident, f"{q}: client={c}, sasl_method=PLAIN, sasl_username={user}")
        g.emit(out, "honest", f"postfix/cleanup[{g.next_pid()}]", f"{q}: message-id=<{time.strftime('%Y%m%d%H%M%S', time.localtime(g.t))}.{q}@example.test>")
        g.emit(out, "honest", "postfix/qmgr[1201]", f"{q}: from=<{user}@example.test>, size={r.randrange(600, 90000)}, nrcpt=1 (queue active)")
        g.emit(out, "honest", ident, f"disconnect from {c} ehlo=2 starttls=1 auth=1 mail=1 rcpt=1 data=1 quit=1 commands=8")
        g.emit(out, "honest", f"postfix/smtp[{g.next_pid()}]", f"{q}: to=<{r.choice(USERS)}@example.org>, relay=mx.example.org[198.51.100.25]:25, delay=0.4, delays=0.04/0/0.2/0.16, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued)")
        g.emit(out, "honest", "postfix/qmgr[1201]", f"{q}: removed")
    else:
        g.emit(out, "honest", ident, f"disconnect from {c} ehlo=2 starttls=1 auth=1 quit=1 commands=5")


def postfix_attack(g, out):
    r, ip = g.r, g.r.choice(g.attackers)
    ident = f"postfix/submission/smtpd[{g.next_pid()}]"
    c, mech = pf_client(ip), r.choice(["LOGIN", "LOGIN", "PLAIN"])
    k = r.random()
    if k < 0.6:
        g.emit(out, "sasl-failed", ident, f"warning: {c}: SASL {mech} authentication failed: (reason unavailable), sasl_username={r.choice(PROBE_USERS)}@example.test")
        if r.random() < 0.5:
            g.emit(out, "lost-after-auth", ident, f"lost connection after AUTH from {c}")
            g.emit(out, "auth-zero", ident, f"disconnect from {c} ehlo=1 auth=0/1 commands=1/2")
        else:
            g.emit(out, "auth-zero", ident, f"disconnect from {c} ehlo=1 auth=0/1 quit=1 commands=2/3")
    elif k < 0.85:
        g.emit(out, "auth-zero", f"postfix/smtpd[{g.next_pid()}]", f"disconnect from {c} ehlo=1 auth=0/1 quit=1 commands=2/3")
    else:
        g.emit(out, "tls-failed", f"postfix/smtps/smtpd[{g.next_pid()}]", f"SSL_accept error from {c}: -1")


# --- sshd --------------------------------------------------------------------------------

def sshd_honest(g, out):
    r, ip, pid = g.r, g.r.choice(g.clients), g.next_pid()
    port, user = r.randrange(32768, 61000), r.choice(USERS)
    ident = f"sshd[{pid}]"
    g.emit(out, "honest", ident, f"Accepted publickey for {user} from {ip} port {port} ssh2: ED25519 SHA256:{base64.b64encode(r.randbytes(32)).decode().rstrip('=')}")
    g.emit(out, "honest", ident, f"pam_unix(sshd:session): session opened for user {user}(uid={1000 + USERS.index(user)}) by (uid=0)")
    g.emit(out, "honest", ident, f"Received disconnect from {ip} port {port}:11: disconnected by user")
    g.emit(out, "honest", ident, f"Disconnected from user {user} {ip} port {port}")
    g.emit(out, "honest", ident, f"pam_unix(sshd:session): session closed for user {user}")


def sshd_attack(g, out):
    r, ip, pid = g.r, g.r.choice(g.attackers), g.next_pid()
    port, ident = r.randrange(32768, 61000), f"sshd[{pid}]"
    k = r.random()
    if k < 0.5:
        user = r.choice(PROBE_USERS)
        g.emit(out, "invalid-user", ident, f"Invalid user {user} from {ip} port {port}")
        g.emit(out, "failed-password", ident, f"Failed password for invalid user {user} from {ip} port {port} ssh2")
        g.emit(out, "preauth-end", ident, f"Connection closed by invalid user {user} {ip} port {port} [preauth]")
    elif k < 0.8:
        g.emit(out, "failed-password", ident, f"Failed password for root from {ip} port {port} ssh2")
        g.emit(out, "preauth-end", ident, f"Connection closed by authenticating user root {ip} port {port} [preauth]")
    else:
        g.emit(out, "probe", ident, r.choice([f"Connection closed by {ip} port {port} [preauth]",
                                              f"banner exchange: Connection from {ip} port {port}: invalid format",
                                              f"Connection reset by {ip} port {port} [preauth]"]))


# --- Knot --------------------------------------------------------------------------------

ZONES = ["example.test.", "example.org.", "example.net.", "mail.example.test."]


def knot_honest(g, out):
    r, z = g.r, g.r.choice(ZONES)
    secondary = r.choice(["192.0.2.2", "192.0.2.3", "2001:db8::2"])
    port, serial, ident = r.randrange(32768, 61000), 2026120600 + r.randrange(99), "knot[812]"
    if r.random() < 0.5:
        g.emit(out, "honest", ident, f"debug: [{z}] ACL, allowed, action transfer, remote {secondary}@{port}, key none")
        g.emit(out, "honest", ident, f"info: [{z}] IXFR, outgoing, remote {secondary}@{port}, zone is up-to-date, serial {serial}")
    else:
        g.emit(out, "honest", ident, f"debug: [{z}] ACL, allowed, action transfer, remote {secondary}@{port}, key none")
        g.emit(out, "honest", ident, f"info: [{z}] AXFR, outgoing, remote {secondary}@{port}, started, serial {serial}")
        g.emit(out, "honest", ident, f"info: [{z}] AXFR, outgoing, remote {secondary}@{port}, finished, 0.00 seconds, 1 messages, {r.randrange(200, 90000)} bytes")


def knot_attack(g, out):
    r, ip, z, ident = g.r, g.r.choice(g.attackers), g.r.choice(ZONES), "knot[812]"
    port = r.randrange(1024, 65536)
    k = r.random()
    if k < 0.6:
        g.emit(out, "transfer-denied", ident, f"debug: [{z}] ACL, denied, action transfer, remote {ip}@{port}, key none")
    elif k < 0.75:
        g.emit(out, "acl-denied", ident, f"debug: [{z}] ACL, denied, action {r.choice(['notify', 'update'])}, remote {ip}@{port}, key none")
    else:
        plen = 56 if ":" in ip else 24
        cls = r.choice(["POSITIVE", "NXDOMAIN", "ANY"])
        g.emit(out, "rrl-any" if cls == "ANY" else "rrl", ident,
               f"notice: module 'mod-rrl/default', address/subnet {ip}/{plen}, class {cls}, qname {z}, enters limiting")


SERVICES = {
    "dovecot": (dovecot_honest, dovecot_attack),
    "postfix": (postfix_honest, postfix_attack),
    "sshd": (sshd_honest, sshd_attack),
    "knot": (knot_honest, knot_attack),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--service", required=True, choices=sorted(SERVICES))
    ap.add_argument("--lines", type=int, default=1000000)
    ap.add_argument("--attack-share", type=float, default=0.05, help="share of lines that are attack lines (0..1)")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--format", choices=["syslog", "journal"], default="syslog")
    ap.add_argument("out")
    a = ap.parse_args()
    if not 0 <= a.attack_share <= 1:
        ap.error("--attack-share must be within 0..1")
    honest, attack = SERVICES[a.service]
    g = Gen(a.seed, a.attack_share, a.format)
    counts, written, attack_lines, buf = {}, 0, 0, []
    with open(a.out, "w", encoding="utf-8") as f:
        while written < a.lines:
            # Keep the share of attack LINES (an event writes one to six lines).
            want_attack = a.attack_share > 0 and attack_lines <= a.attack_share * written
            event = []
            (attack if want_attack else honest)(g, event)
            event = event[:a.lines - written]
            for kind, _ in event:
                counts[kind] = counts.get(kind, 0) + 1
            attack_lines += sum(1 for kind, _ in event if kind != "honest")
            written += len(event)
            buf.extend(line for _, line in event)
            if len(buf) >= 10000 or written >= a.lines:
                f.write("\n".join(buf) + "\n")
                buf = []
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    print(f"{a.out}: {written} lines ({a.service}, {a.format}), {attack_lines} attack lines "
          f"({attack_lines / max(written, 1):.1%}): {kinds}", file=sys.stderr)


if __name__ == "__main__":
    main()
