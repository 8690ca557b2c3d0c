#!/usr/bin/python3
"""Crash safety: kills `bolwerk demo` with SIGKILL at random moments under write load and
checks, after every kill, that the database is intact and that no acknowledged write is lost.

Run through bench/crash.sh (which picks the binary). Per database (SQLite, MariaDB or both):

  1. A fresh database (SQLite: a new data directory; MariaDB: a new database and its three
     users made with `bolwerk db init`), the demo started on two ephemeral loopback ports, the
     demo admin's one-time password replaced through the admin's own form, and accounts for
     the sign-in clients added on the admin's Users page.
  2. Four kinds of writers run all the time, each client on its own 127.x.y.z address:
       page   editors signed in to the admin save their own pages (and now and then make a
              new one) with a unique marker in the title and body; acknowledged by the 303
              to `.../pages/edit?...&saved=1`
       form   the demo's contact form (/contact) posted with a token fetched at least
              min_fill_s earlier and a unique marker in the message; acknowledged by the 200
              thank-you page
       ban    an address sends `/?q=<script>alert(1)</script>` until ban_attack_threshold
              (over plain HTTP, judged before the redirect) or scans distinct unknown pages
              until ban_404_threshold (over HTTPS); acknowledged when a harmless GET / from it
              then gets the ban's 403
       signin sign-ins to accounts made for it in the admin, right password (303) and wrong
              password or unknown name (401), each with a unique User-Agent; acknowledged by
              that answer (the login history is written before it is sent)
  3. KILLS times: the server runs for a random 0.2-3 s (one kill in ten instead lands at a
     random moment of the start-up itself), gets SIGKILL, and while it is down the database
     is checked: SQLite `PRAGMA integrity_check` and `foreign_key_check` on a copy of the
     files the dead server left (so the server's own next start still meets them as they
     were), MariaDB `CHECK TABLE` on every table. Then every write acknowledged so far is
     looked up in the database directly:
       page   a revision with the marker on the acknowledged page id, the `page.save` audit
              line, and the page's current title is the last acknowledged save or one sent
              after it (a later save may have committed without its answer arriving)
       form   a `form_submissions` row with the token's nonce and the marker, and its
              notification in `mail_messages`
       ban    a `bans` row for the address
       signin a `login_attempts` row with the User-Agent and the expected result
     then the server is started again on the same data; it must be serving within 60 s.
  4. After the last kill and restart the writers stop, the server gets two seconds and a
     SIGTERM (how long it takes to stop is reported), and everything is checked once more.

Times: an acknowledgement is timed when the client reads it, so a missing ban is reported
with roughly how long before its kill the ban was in force.

Prints a summary per database (with, per kind of write, the answers of 500 and above as the
clients got them and as the server's access log has them); exits 1 if a write is missing,
a check fails or a restart fails.
Everything is loopback: the server listens on 127.0.0.1, the clients are 127.x.y.z.
"""
import argparse
import asyncio
import html
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse

UA = "Mozilla/5.0 (X11; Linux x86_64) crash-bench"
SITE = "demo"
ATTACK = "/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E"
ATTACK_THRESHOLD = 3   # shield.ban_attack_threshold (the default)
SCAN_THRESHOLD = 10    # shield.ban_404_threshold (the default)
MIN_FILL_S = 3         # the demo form's min_fill_s (the default)
READY_TIMEOUT_S = 60

# The shield keeps its defaults except the per-client page budget: the editors save as fast
# as they can from one address each and must not be throttled (or banned for flooding).
# Every other writer uses a new address per attempt.
CONFIG = """
[server]
shutdown_grace_s = 1

[log]
level = "info"

[shield]
rate_pages_per_s = 200
rate_pages_burst = 400
"""


# --------------------------------------------------------------------------------------------
# HTTP/1.1 on its own connection per request (a kill must never leave a client hanging)

class Resp:
    def __init__(self, status, headers, body, sent=False):
        # sent: the request reached a live server (connected, and written in full)
        self.status, self.headers, self.body, self.sent = status, headers, body, sent

    def header(self, name):
        for k, v in self.headers:
            if k == name:
                return v
        return None

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")


def parse(raw):
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    try:
        status = int(lines[0].split(b" ")[1]) if lines[0].startswith(b"HTTP/1.") else 0
    except (IndexError, ValueError):
        status = 0
    headers = []
    for line in lines[1:]:
        k, _, v = line.partition(b":")
        headers.append((k.strip().lower().decode("latin-1"), v.strip().decode("latin-1")))
    if any(k == "transfer-encoding" and "chunked" in v for k, v in headers):
        out, i = b"", 0
        while i < len(body):
            j = body.find(b"\r\n", i)
            if j < 0:
                break
            try:
                size = int(body[i:j].split(b";")[0] or b"0", 16)
            except ValueError:
                break
            if size == 0:
                break
            out += body[j + 2:j + 2 + size]
            i = j + 2 + size + 2
        body = out
    return Resp(status, headers, body)


TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
TLS.check_hostname = False
TLS.verify_mode = ssl.CERT_NONE
TLS.set_alpn_protocols(["http/1.1"])

PORTS = {}


async def h1(src, method, path, headers=(), body=None, tls=True, ua=UA, timeout=15):
    """One request; status 0 when there was no answer (refused, reset, killed mid-way)."""
    port = PORTS["https"] if tls else PORTS["http"]
    try:
        kw = {"ssl": TLS, "server_hostname": "localhost"} if tls else {}
        r, w = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port, local_addr=(src, 0), **kw), timeout)
    except (OSError, asyncio.TimeoutError, ssl.SSLError):
        return Resp(0, [], b"")
    hs = [("Host", f"localhost:{port}"), *headers, ("User-Agent", ua), ("Connection", "close")]
    if body is not None:
        hs.append(("Content-Length", str(len(body))))
    req = f"{method} {path} HTTP/1.1\r\n".encode() + b"".join(
        f"{k}: {v}\r\n".encode("latin-1") for k, v in hs) + b"\r\n" + (body or b"")
    raw = b""
    sent = False
    t0 = time.monotonic()
    try:
        w.write(req)
        await w.drain()
        sent = True
        while len(raw) < 8 << 20:
            chunk = await asyncio.wait_for(r.read(65536), max(0.1, timeout - (time.monotonic() - t0)))
            if not chunk:
                break
            raw += chunk
    except (OSError, asyncio.TimeoutError, ssl.SSLError, asyncio.IncompleteReadError):
        pass
    finally:
        w.close()
    r = parse(raw)
    r.sent = sent
    return r


FORM_CT = ("Content-Type", "application/x-www-form-urlencoded")


def enc(fields):
    return "&".join(f"{urllib.parse.quote(k, safe='')}={urllib.parse.quote(str(v), safe='')}"
                    for k, v in fields).encode()


class Admin:
    """A browser at one address and with one User-Agent, signed in to the admin over HTTPS."""

    def __init__(self, src, ua):
        self.src, self.ua, self.cookie, self.csrf = src, ua, None, None

    def headers(self, post=False):
        hs = [("Cookie", f"__Host-sid={self.cookie}")] if self.cookie else []
        if post:
            hs += [("Origin", f"https://localhost:{PORTS['https']}"), ("Sec-Fetch-Site", "same-origin"), FORM_CT]
        return hs

    def remember(self, r):
        for k, v in r.headers:
            if k == "set-cookie" and v.startswith("__Host-sid="):
                val = v.split(";")[0].split("=", 1)[1]
                self.cookie = None if (not val or "Max-Age=0" in v) else val

    async def get(self, path):
        r = await h1(self.src, "GET", "/_admin" + path, self.headers(), ua=self.ua)
        self.remember(r)
        return r

    async def post(self, path, fields):
        if self.csrf:
            fields = [("csrf", self.csrf), *fields]
        r = await h1(self.src, "POST", "/_admin" + path, self.headers(True), enc(fields), ua=self.ua)
        self.remember(r)
        return r

    async def fetch_csrf(self, path="/pages"):
        r = await self.get(path)
        m = re.search(r'name="csrf" value="([^"]+)"', r.text)
        self.csrf = m.group(1) if m else None
        return r


# --------------------------------------------------------------------------------------------
# The server


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary, run_dir, config_text):
        self.binary = os.path.abspath(binary)
        self.dir = run_dir
        self.data = os.path.join(run_dir, "data")
        self.cfg = os.path.join(run_dir, "bolwerk.toml")
        with open(self.cfg, "w") as f:
            f.write(config_text)
        self.logs = os.path.join(run_dir, "logs")
        os.makedirs(self.logs, exist_ok=True)
        self.proc = None
        self.starts = 0
        self.ready_times = []

    def spawn(self):
        self.starts += 1
        n = self.starts
        self.out_path = os.path.join(self.logs, f"start-{n:03d}.out")
        self.err_path = os.path.join(self.logs, f"start-{n:03d}.err")
        self.t_spawn = time.monotonic()
        self.proc = subprocess.Popen(
            [self.binary, "demo", "--data-dir", self.data, "--config", self.cfg,
             "--http", f"127.0.0.1:{PORTS['http']}", "--https", f"127.0.0.1:{PORTS['https']}"],
            stdin=subprocess.DEVNULL, stdout=open(self.out_path, "wb"), stderr=open(self.err_path, "wb"))

    def ready(self):
        with open(self.out_path, errors="replace") as f:
            return "Stop with Ctrl-C." in f.read()

    async def wait_ready(self, timeout=READY_TIMEOUT_S):
        """True once the server says it is serving; False if it exits or takes too long."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ready():
                self.ready_times.append(time.monotonic() - self.t_spawn)
                return True
            if self.proc.poll() is not None:
                return False
            await asyncio.sleep(0.02)
        return False

    def one_time_password(self):
        with open(self.out_path, errors="replace") as f:
            m = re.search(r"one-time password: (\S+)", f.read())
        return m.group(1) if m else None

    def kill(self):
        """SIGKILL to the server this script started (by its pid), and reap it."""
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        if self.proc:
            self.proc.wait(30)
        return self.proc.returncode if self.proc else None

    def stderr_tail(self, n=4000):
        try:
            with open(self.err_path, errors="replace") as f:
                return f.read()[-n:]
        except OSError:
            return ""


# --------------------------------------------------------------------------------------------
# The databases, read directly


class SqliteDb:
    kind = "sqlite"

    def __init__(self, data_dir, scratch):
        self.path = os.path.join(data_dir, "bolwerk.db")
        self.scratch = scratch
        self.conn = None

    def snapshot(self):
        """Copies the database files the dead server left and opens the copy: the checks see
        exactly what the next start will, and change nothing it will see."""
        if self.conn:
            self.conn.close()
        shutil.rmtree(self.scratch, ignore_errors=True)
        os.makedirs(self.scratch)
        copy = os.path.join(self.scratch, "bolwerk.db")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(self.path + suffix):
                shutil.copyfile(self.path + suffix, copy + suffix)
        self.conn = sqlite3.connect(copy, timeout=10)

    def integrity(self):
        problems = []
        rows = self.conn.execute("PRAGMA integrity_check").fetchall()
        if rows != [("ok",)]:
            problems += [f"integrity_check: {r[0]}" for r in rows[:20]]
        fk = self.conn.execute("PRAGMA foreign_key_check").fetchall()
        problems += [f"foreign_key_check: {r}" for r in fk[:20]]
        return problems

    def rows(self, sql):
        return [tuple("" if v is None else str(v) for v in r) for r in self.conn.execute(sql).fetchall()]

    def close(self):
        if self.conn:
            self.conn.close()
            self.conn = None


class MysqlDb:
    kind = "mysql"

    def __init__(self, admin_url, database):
        u = urllib.parse.urlsplit(admin_url)
        self.args = ["mariadb", "--protocol=tcp", "-h", u.hostname or "127.0.0.1", "-P", str(u.port or 3306),
                     "-u", urllib.parse.unquote(u.username or "root"), "-N", "-B"]
        self.env = dict(os.environ)
        if u.password:
            self.env["MYSQL_PWD"] = urllib.parse.unquote(u.password)
        self.database = database

    def run(self, sql, database=None):
        p = subprocess.run(self.args + ["-e", sql] + ([database] if database else []),
                           capture_output=True, text=True, env=self.env, timeout=120)
        if p.returncode != 0:
            raise RuntimeError(f"mariadb: {p.stderr.strip()}")
        return [tuple(line.split("\t")) for line in p.stdout.splitlines()]

    def snapshot(self):
        pass

    def integrity(self):
        tables = [r[0] for r in self.run(
            "SELECT table_name FROM information_schema.tables "
            f"WHERE table_schema = '{self.database}' AND table_type = 'BASE TABLE' ORDER BY table_name")]
        if not tables:
            return ["no tables"]
        out = self.run("CHECK TABLE " + ", ".join(f"`{self.database}`.`{t}`" for t in tables))
        checked = {r[0].split(".", 1)[-1] for r in out}
        problems = [f"CHECK TABLE {' '.join(r)}" for r in out
                    if len(r) < 4 or not (r[2] == "status" and r[3] == "OK")]
        problems += [f"CHECK TABLE gave no row for {t}" for t in tables if t not in checked]
        return problems

    def rows(self, sql):
        return self.run(sql, self.database)

    def close(self):
        pass


# --------------------------------------------------------------------------------------------
# What was written, and what came back


class Ledger:
    """Every write attempt: its key, whether an answer acknowledged it, when."""

    def __init__(self, path):
        self.acked = {"page": [], "form": [], "ban": [], "signin": []}
        self.unanswered = {"page": [], "form": [], "ban": [], "signin": []}
        self.statuses = {k: {} for k in self.acked}
        self.pages = {}  # page id -> markers sent, in order, and the index of the last acknowledged
        self.events = {}  # things worth a look (unexpected answers, sessions lost): key -> (count, first)
        self.log = open(path, "a")
        self.start = 0  # which server start the writes went to

    def status(self, kind, status):
        d = self.statuses[kind]
        d[status] = d.get(status, 0) + 1

    def ack(self, kind, **entry):
        entry.update(kind=kind, at=time.time(), start=self.start)
        self.acked[kind].append(entry)
        self.log.write(json.dumps(entry) + "\n")

    def lost(self, kind, **entry):
        entry.update(kind=kind, at=time.time(), start=self.start, unanswered=True)
        self.unanswered[kind].append(entry)
        self.log.write(json.dumps(entry) + "\n")

    def note(self, text):
        """Something worth a look; counted by its text with numbers and quoted parts taken out."""
        key = re.sub(r"'.*'|\d+", "#", text)
        n, first = self.events.get(key, (0, f"start {self.start}: {text}"))
        self.events[key] = (n + 1, first)


class Addresses:
    """Fresh loopback addresses 127.<base..>.x.y, one per attempt."""

    def __init__(self, base):
        self.base, self.n = base, 0

    def next(self):
        n = self.n
        self.n += 1
        return f"127.{self.base + n // (256 * 254)}.{(n // 254) % 256}.{n % 254 + 1}"


def marker():
    return secrets.token_hex(6)


def filler():
    """Page bodies of varied size, so commits span from one page to many."""
    words = ["linde", "tuin", "vrijwilliger", "compost", "zaaien", "oogst", "bijen", "wilg", "snoeien"]
    return " ".join(random.choice(words) for _ in range(random.choice([5, 50, 500, 3000])))


# --------------------------------------------------------------------------------------------
# The writers


async def pause_if_down(r):
    if r.status == 0:
        await asyncio.sleep(0.1 + random.random() * 0.1)


async def editor(i, creds, L, stop):
    adm = Admin(f"127.1.{i}.1", f"{UA} editor-{i}")
    page_id = None
    saves = 0
    while not stop.is_set():
        if not adm.cookie:
            adm.csrf = None
            r = await h1(adm.src, "POST", "/_admin/login", adm.headers(True),
                         enc([("user", creds["user"]), ("password", creds["password"])]), ua=adm.ua)
            adm.remember(r)
            if r.status != 303 or not adm.cookie:
                if r.status not in (0, 503):
                    L.note(f"editor {i}: sign-in answered {r.status}")
                await pause_if_down(r)
                await asyncio.sleep(0.05)
                continue
        if not adm.csrf:
            r = await adm.fetch_csrf()
            if not adm.csrf:
                if r.status == 303 and "/login" in (r.header("location") or ""):
                    L.note(f"editor {i}: session gone (GET /pages sent to sign-in)")
                    adm.cookie = None
                elif r.status != 0:
                    L.note(f"editor {i}: no CSRF token on /pages ({r.status})")
                await pause_if_down(r)
                continue
        new = page_id is None or saves % 10 == 9
        saves += 1
        m = marker()
        slug = f"/crash-e{i}-{m}" if new else L.pages[page_id]["path"]
        fields = [("site", SITE), ("kind", "page")] + ([] if new else [("id", page_id)]) + [
            ("title", f"crash {m}"), ("slug", slug),
            ("summary", f"saved by bench/crash.py {m}"), ("body", f"# crash {m}\n\n{filler()}\n"),
            ("published", "on"), ("action", "save")]
        if not new:
            L.pages[page_id]["sent"].append(m)
        r = await adm.post("/pages/save", fields)
        L.status("page", r.status)
        loc = r.header("location") or ""
        if r.status == 303 and "saved=1" in loc:
            got = re.search(r"[?&]id=(\d+)", loc)
            pid = int(got.group(1)) if got else None
            if new:
                page_id = pid
                L.pages[pid] = {"path": slug, "sent": [m], "acked": 0}
            else:
                L.pages[page_id]["acked"] = len(L.pages[page_id]["sent"]) - 1
            L.ack("page", marker=m, page=pid, new=new, editor=i)
        elif r.status == 0:
            if r.sent:
                L.lost("page", marker=m, page=None if new else page_id, new=new, editor=i)
            await pause_if_down(r)
        elif r.status == 303 and "/login" in loc:
            L.note(f"editor {i}: session gone (save sent to sign-in)")
            adm.cookie = None
        elif r.status == 403:
            L.note(f"editor {i}: save refused 403 ({r.text[:80]!r}); fetching the CSRF token again")
            adm.csrf = None
        else:
            L.note(f"editor {i}: save answered {r.status} {r.text[:120]!r}")
            await asyncio.sleep(0.05)


async def former(i, L, stop, addrs):
    waiting = []  # (token, fetched at)
    while not stop.is_set():
        r = await h1(addrs.next(), "GET", "/contact")
        m = re.search(r'name="_token" value="([^"]+)"', r.text)
        if m:
            waiting.append((m.group(1), time.monotonic()))
        else:
            await pause_if_down(r)
        while waiting and time.monotonic() - waiting[0][1] > MIN_FILL_S + 0.3:
            token, _ = waiting.pop(0)
            nonce = token.split(".")[1]
            mk = marker()
            body = enc([("_token", token), ("name", "Crash Tester"), ("email", "crash@example.org"),
                        ("message", f"Crash bench message {mk}.\nWhen is the next volunteer day?"),
                        ("website", "")])
            r = await h1(addrs.next(), "POST", "/contact", [FORM_CT], body)
            L.status("form", r.status)
            if r.status == 200 and "Thank you" in r.text:
                L.ack("form", nonce=nonce, marker=mk)
            elif r.status == 0:
                if r.sent:
                    L.lost("form", nonce=nonce, marker=mk)
                await pause_if_down(r)
            elif r.status != 200:
                L.note(f"form: post answered {r.status} {r.text[-200:]!r}")
        await asyncio.sleep(0.1 + random.random() * 0.2)


async def banner(i, L, stop, addrs):
    n = 0
    while not stop.is_set():
        n += 1
        ip = addrs.next()
        scan = n % 3 == 0
        statuses = []
        last_sent = False
        for k in range(SCAN_THRESHOLD if scan else ATTACK_THRESHOLD):
            if scan:
                r = await h1(ip, "GET", f"/crash-missing-{k}-{secrets.token_hex(3)}")
            else:
                r = await h1(ip, "GET", f"{ATTACK}&n={k}", tls=False)
            statuses.append(r.status)
            last_sent = r.sent
            if r.status != (404 if scan else 403):
                break
        if statuses[-1] != (404 if scan else 403):
            if statuses[-1] == 0 and last_sent and len(statuses) == (SCAN_THRESHOLD if scan else ATTACK_THRESHOLD):
                L.lost("ban", ip=ip, how="scan" if scan else "attack")
            elif statuses[-1] != 0:
                L.note(f"ban: {'scan' if scan else 'attack'} from {ip} answered {statuses}")
            await pause_if_down(Resp(statuses[-1], [], b""))
            continue
        probe = await h1(ip, "GET", "/", tls=scan)
        L.status("ban", probe.status)
        if probe.status == 403:
            L.ack("ban", ip=ip, how="scan" if scan else "attack")
        elif probe.status == 0:
            # The threshold request was answered, so the ban was made; unknown only whether
            # it was in force yet.
            L.lost("ban", ip=ip, how="scan" if scan else "attack")
            await pause_if_down(probe)
        else:
            # The counters live in memory: a kill between the requests starts them afresh.
            L.note(f"ban: {ip} not banned after {statuses}: GET / answered {probe.status}")


async def signer(i, accounts, L, stop, addrs):
    """Sign-ins to accounts of its own, a wrong password for an account always followed by its
    right one (an answered success resets the account's failure count, so the lockout's
    growing delay never sets in), and unknown names in between."""
    turn = 0
    while not stop.is_set():
        ua = f"{UA} signin-{marker()}"
        if random.random() < 0.3:
            acct = None
            user, pw, want, expect = "nobody-" + secrets.token_hex(3), "wrong-" + secrets.token_hex(6), "unknown_user", 401
        else:
            acct = accounts[turn % len(accounts)]
            turn += 1
            if acct["owed"]:
                user, pw, want, expect = acct["user"], acct["password"], "success", 303
            else:
                user, pw, want, expect = acct["user"], "wrong-" + secrets.token_hex(6), "wrong_password", 401
                acct["owed"] = True
        r = await h1(addrs.next(), "POST", "/_admin/login",
                     [("Origin", f"https://localhost:{PORTS['https']}"), ("Sec-Fetch-Site", "same-origin"), FORM_CT],
                     enc([("user", user), ("password", pw)]), ua=ua)
        L.status("signin", r.status)
        if r.status == expect:
            L.ack("signin", ua=ua, result=want)
            if want == "success":
                acct["owed"] = False
        elif r.status == 0:
            if r.sent:
                L.lost("signin", ua=ua, result=want)
            await pause_if_down(r)
        elif r.status != 503:  # 503: every Argon2 slot busy, nothing recorded
            L.note(f"signin ({want}): answered {r.status}")
        await asyncio.sleep(random.random() * 0.1)


# --------------------------------------------------------------------------------------------
# The checks


def check(db, L):
    """Integrity problems, and the acknowledged writes the database does not hold. Also counts
    the unanswered writes that did commit (the kill fell between commit and answer)."""
    db.snapshot()
    problems = db.integrity()
    missing = []
    committed_unanswered = {}

    revs = {}
    for pid, title in db.rows("SELECT page_id, title FROM page_revisions WHERE title LIKE 'crash %'"):
        revs[title[6:]] = pid
    current = {pid: title[6:] for pid, title in db.rows("SELECT id, title FROM pages WHERE title LIKE 'crash %'")}
    audited = set()
    for (detail,) in db.rows("SELECT detail FROM audit_log WHERE action = 'page.save'"):
        audited.update(re.findall(r"crash ([0-9a-f]{12})", detail))
    for a in L.acked["page"]:
        if revs.get(a["marker"]) != str(a["page"]):
            missing.append(("page", f"save {a['marker']} of page {a['page']} (start {a['start']}): "
                            f"no revision ({'on page ' + revs[a['marker']] if a['marker'] in revs else 'none'})"))
        elif a["marker"] not in audited:
            missing.append(("page", f"save {a['marker']} of page {a['page']} (start {a['start']}): no audit line"))
    for pid, p in L.pages.items():
        now = current.get(str(pid))
        if now not in p["sent"][p["acked"]:]:
            missing.append(("page", f"page {pid}: current title 'crash {now}' is older than the last "
                            f"acknowledged save {p['sent'][p['acked']]} ({len(p['sent']) - p['acked'] - 1} sent after it)"))
    committed_unanswered["page"] = sum(1 for a in L.unanswered["page"] if a["marker"] in revs)

    subs = {nonce: (fields, mail) for nonce, fields, mail in db.rows(
        "SELECT token_nonce, fields, mail_id FROM form_submissions")}
    mails = {r[0] for r in db.rows("SELECT id FROM mail_messages")}
    for a in L.acked["form"]:
        s = subs.get(a["nonce"])
        if s is None:
            missing.append(("form", f"contact form {a['nonce']} ({a['marker']}, start {a['start']}): no submission"))
        elif a["marker"] not in s[0]:
            missing.append(("form", f"contact form {a['nonce']}: submission without its message {a['marker']}"))
        elif s[1] not in mails:
            missing.append(("form", f"contact form {a['nonce']}: notification mail {s[1] or 'NULL'} missing"))
    committed_unanswered["form"] = sum(1 for a in L.unanswered["form"] if a["nonce"] in subs)

    banned = {r[0] for r in db.rows("SELECT subject FROM bans")}
    for a in L.acked["ban"]:
        if a["ip"] not in banned:
            missing.append(("ban", f"ban of {a['ip']} ({a['how']}, acknowledged {time.strftime('%H:%M:%S', time.localtime(a['at']))}"
                            f".{int(a['at'] % 1 * 1000):03d}, start {a['start']}, killed "
                            f"{(L.kill_at.get(a['start'], 0) - a['at']) * 1000:.0f} ms later): no row in bans"))
    committed_unanswered["ban"] = sum(1 for a in L.unanswered["ban"] if a["ip"] in banned)

    attempts = {}
    for ua, result in db.rows("SELECT user_agent, result FROM login_attempts WHERE user_agent LIKE '%crash-bench signin-%'"):
        attempts.setdefault(ua, []).append(result)
    for a in L.acked["signin"]:
        got = attempts.get(a["ua"], [])
        if a["result"] not in got:
            missing.append(("signin", f"sign-in {a['ua'][-19:]} ({a['result']}, start {a['start']}): "
                            f"login history has {got or 'nothing'}"))
    committed_unanswered["signin"] = sum(1 for a in L.unanswered["signin"] if a["ua"] in attempts)
    return problems, missing, committed_unanswered


# --------------------------------------------------------------------------------------------


def server_errors(logs):
    """The servers' ERROR and WARN lines over all starts, counted by their text without the
    time stamp and numbers."""
    counts = {}
    for name in sorted(os.listdir(logs)):
        if not name.endswith(".err"):
            continue
        with open(os.path.join(logs, name), errors="replace") as f:
            for line in f:
                line = re.sub(r"\x1b\[[0-9;]*m", "", line).strip()
                m = re.match(r"\S+\s+(ERROR|WARN)\s+(.*)", line)
                if m:
                    key = re.sub(r"\d+", "#", f"{m.group(1)} {m.group(2)}")
                    counts[key] = counts.get(key, 0) + 1
    return sorted(((n, k) for k, n in counts.items()), reverse=True)


# The writes as the server's access log names them (method and path; the ban's probe and the
# attack requests are both `GET /`, the scans' unknown pages are counted under "other").
ACCESS_KINDS = {("POST", "/_admin/pages/save"): "page", ("POST", "/contact"): "form",
                ("POST", "/_admin/login"): "signin", ("GET", "/"): "ban"}


def server_5xx(logs):
    """Answers of 500 and above in the servers' access lines over all starts, per kind of
    write: {kind: {status: count}} (kinds as ACCESS_KINDS, else "other")."""
    out = {}
    line_re = re.compile(r"\S+\s+INFO\s+(GET|POST|HEAD|PUT|DELETE) [^/\s]*(/\S*) (5\d\d) ")
    for name in sorted(os.listdir(logs)):
        if not name.endswith(".err"):
            continue
        with open(os.path.join(logs, name), errors="replace") as f:
            for line in f:
                m = line_re.match(re.sub(r"\x1b\[[0-9;]*m", "", line))
                if m:
                    kind = ACCESS_KINDS.get((m.group(1), m.group(2)), "other")
                    d = out.setdefault(kind, {})
                    d[m.group(3)] = d.get(m.group(3), 0) + 1
    return out


async def first_start(server, n_accounts):
    server.spawn()
    if not await server.wait_ready():
        sys.stderr.write(server.stderr_tail())
        raise SystemExit(f"the demo did not start; logs in {server.logs}")
    otp = server.one_time_password()
    if not otp:
        raise SystemExit("no one-time admin password in the demo's output")
    adm = Admin("127.0.0.2", f"{UA} setup")
    r = await h1(adm.src, "POST", "/_admin/login", adm.headers(True), enc([("user", "admin"), ("password", otp)]), ua=adm.ua)
    adm.remember(r)
    if r.status != 303:
        raise SystemExit(f"sign-in with the one-time password answered {r.status}")
    await adm.fetch_csrf("/password")
    password = "Crash-bench-" + secrets.token_urlsafe(12)
    r = await adm.post("/password", [("current", otp), ("new", password), ("confirm", password)])
    if r.status != 303:
        raise SystemExit(f"changing the one-time password answered {r.status}: {r.text[:300]}")
    # Accounts for the sign-in clients, made in the admin (each gets a one-time password).
    accounts = []
    for k in range(n_accounts):
        await adm.fetch_csrf("/users")
        name = f"crash-signin-{k}"
        r = await adm.post("/users/add", [("name", name), ("role", "editor")])
        m = re.search(r"One-time password for.*?<code>([^<]+)</code>", r.text, re.S)
        if r.status != 200 or not m:
            raise SystemExit(f"adding the account {name} answered {r.status}: {r.text[:300]}")
        accounts.append({"user": name, "password": html.unescape(m.group(1)), "owed": False})
    return {"user": "admin", "password": password}, accounts


async def run(args, kind):
    base = tempfile.mkdtemp(prefix=f"bolwerk-crash-{kind}.")
    os.chmod(base, 0o700)
    PORTS["http"], PORTS["https"] = free_port(), free_port()
    config = CONFIG
    mysql_db = None
    if kind == "mysql":
        name = "bolwerk_crash_" + secrets.token_hex(4)
        p = subprocess.run([os.path.abspath(args.bolwerk), "db", "init", "--admin-url", args.mysql_admin_url,
                            "--database", name, "--user-prefix", name, "--secrets-dir", os.path.join(base, "secrets")],
                           capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            raise SystemExit(f"bolwerk db init failed: {p.stderr.strip()}")
        section = p.stdout[p.stdout.index("[database]"):]
        config += "\n" + section
        mysql_db = name
        db = MysqlDb(args.mysql_admin_url, name)
    server = Server(args.bolwerk, base, config)
    if kind == "sqlite":
        db = SqliteDb(server.data, os.path.join(base, "check"))
    L = Ledger(os.path.join(base, "writes.jsonl"))
    L.kill_at = {}
    print(f"# {kind}: data {base}" + (f", MariaDB database {mysql_db}" if mysql_db else "")
          + f", ports http {PORTS['http']} https {PORTS['https']}", flush=True)

    failed = False
    integrity_failures = 0
    missing_all = {}
    restart_failures = 0
    kills_in_startup = 0
    kills = 0
    sigterm = "not reached"
    uptimes = []
    stop = asyncio.Event()
    tasks = []
    t_run = time.monotonic()
    try:
        L.start = 1
        creds, accounts = await first_start(server, 4 * args.signers)
        tasks += [asyncio.ensure_future(editor(i, creds, L, stop)) for i in range(1, args.editors + 1)]
        tasks += [asyncio.ensure_future(former(i, L, stop, Addresses(200 + 20 * i))) for i in range(args.formers)]
        tasks += [asyncio.ensure_future(banner(i, L, stop, Addresses(100 + 20 * i))) for i in range(args.banners)]
        tasks += [asyncio.ensure_future(signer(i, accounts[4 * i:4 * i + 4], L, stop, Addresses(150 + 20 * i)))
                  for i in range(args.signers)]
        up_at = time.monotonic()
        for k in range(1, args.kills + 1):
            in_startup = k > 1 and random.random() < 0.1
            if in_startup:
                # Server.spawn() happened at the end of the previous round; kill it mid-start.
                typical = sorted(server.ready_times)[len(server.ready_times) // 2]
                await asyncio.sleep(random.uniform(0, typical) - (time.monotonic() - server.t_spawn))
                kills_in_startup += not server.ready()
            else:
                if k > 1:
                    if not await server.wait_ready():
                        restart_failures += 1
                        print(f"  start {server.starts} FAILED (exit {server.proc.poll()}); stderr:\n{server.stderr_tail()}", flush=True)
                        failed = True
                        break
                    up_at = time.monotonic()
                await asyncio.sleep(random.uniform(0.2, 3.0))
            L.kill_at[L.start] = time.time()
            rc = server.kill()
            kills += 1
            L.log.write(json.dumps({"kind": "kill", "start": L.start, "at": L.kill_at[L.start],
                                    "ready": server.ready()}) + "\n")
            if not in_startup:
                uptimes.append(time.monotonic() - up_at)
            if rc != -signal.SIGKILL:
                restart_failures += 1
                failed = True
                print(f"  start {server.starts} exited by itself ({rc}) before its kill; stderr:\n{server.stderr_tail()}", flush=True)
            await asyncio.sleep(0.05)  # answers already in the clients' buffers are read
            problems, missing, committed = check(db, L)
            if problems:
                integrity_failures += 1
                failed = True
                print(f"  kill {k}: INTEGRITY: " + "; ".join(problems[:10]), flush=True)
            for kind_, text in missing:
                if text not in missing_all:
                    missing_all[text] = kind_
                    if len(missing_all) <= 20:
                        print(f"  kill {k}: MISSING {kind_}: {text}", flush=True)
                    elif len(missing_all) == 21:
                        print("  (further missing writes are counted, not shown)", flush=True)
            if missing:
                failed = True
            if k % 10 == 0 or k == args.kills:
                acked = {x: len(v) for x, v in L.acked.items()}
                print(f"  kill {k}/{args.kills} ({time.monotonic() - t_run:.0f} s): acknowledged {acked}, "
                      f"unanswered and yet committed {committed}, missing {len(missing_all)}", flush=True)
            L.start += 1
            server.spawn()
        else:
            # The last start must come up too; then the writers stop and everything is checked once more.
            if not await server.wait_ready():
                restart_failures += 1
                failed = True
                print(f"  final start FAILED; stderr:\n{server.stderr_tail()}", flush=True)
            else:
                # The writers stop, the server gets two seconds to store what it holds and is
                # stopped gracefully (SIGTERM); what it acknowledged must be there too.
                stop.set()
                for t in tasks:
                    t.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                await asyncio.sleep(2)
                L.kill_at[L.start] = time.time()
                server.proc.send_signal(signal.SIGTERM)
                t_term = time.monotonic()
                try:
                    server.proc.wait(20)
                    sigterm = f"stopped {time.monotonic() - t_term:.1f} s after SIGTERM"
                except subprocess.TimeoutExpired:
                    sigterm = "still running 20 s after SIGTERM (then killed)"
                    if shutil.which("gdb"):
                        where = os.path.join(server.logs, "sigterm-hang-threads.txt")
                        with open(where, "w") as f:
                            subprocess.run(["gdb", "-p", str(server.proc.pid), "-batch", "-ex", "thread apply all bt"],
                                           stdout=f, stderr=subprocess.STDOUT, timeout=120)
                        sigterm += f"; its threads: {where}"
                print(f"  final start: {sigterm}", flush=True)
    finally:
        stop.set()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        server.kill()
    problems, missing, committed = check(db, L)
    if problems:
        integrity_failures += 1
        failed = True
    for kind_, text in missing:
        if text not in missing_all:
            missing_all[text] = kind_
            print(f"  final check: MISSING {kind_}: {text}", flush=True)
    db.close()
    L.log.close()

    by_kind = {x: sum(1 for k in missing_all.values() if k == x) for x in L.acked}
    acked = {x: len(v) for x, v in L.acked.items()}
    unanswered = {x: len(v) for x, v in L.unanswered.items()}
    pages_new = sum(1 for a in L.acked["page"] if a["new"])
    bans_scan = sum(1 for a in L.acked["ban"] if a["how"] == "scan")
    sign_ok = sum(1 for a in L.acked["signin"] if a["result"] == "success")
    starts_ms = sorted(server.ready_times[1:])  # restarts only (the first start makes keys)
    summary = {
        "db": kind, "kills": kills, "kills_during_startup": kills_in_startup,
        "restarts_failed": restart_failures,
        "start_ms_median": round(1000 * starts_ms[len(starts_ms) // 2]) if starts_ms else None,
        "start_ms_max": round(1000 * starts_ms[-1]) if starts_ms else None,
        "acknowledged": acked, "missing": by_kind, "missing_total": len(missing_all),
        "integrity_failures": integrity_failures, "final_stop": sigterm,
        "unanswered": unanswered, "unanswered_committed": committed,
        "seconds": round(time.monotonic() - t_run),
        "answers": {x: {str(k): n for k, n in sorted(v.items())} for x, v in L.statuses.items()},
    }
    print(f"# {kind}: {kills} kills ({kills_in_startup} during start-up), {restart_failures} failed restarts, "
          f"restart to serving: median {summary['start_ms_median']} ms (max {summary['start_ms_max']} ms), "
          f"up {sum(uptimes) / max(1, len(uptimes)):.1f} s on average before a kill, {summary['seconds']} s in all; "
          f"final stop: {sigterm}")
    print(f"#   acknowledged writes: page saves {acked['page']} ({pages_new} new pages), contact forms {acked['form']}, "
          f"bans {acked['ban']} ({acked['ban'] - bans_scan} attack, {bans_scan} 404 scan), sign-ins {acked['signin']} "
          f"({sign_ok} right, {acked['signin'] - sign_ok} wrong)")
    print(f"#   missing: {len(missing_all)} {by_kind}; integrity failures: {integrity_failures}")
    lost_bans = [a for a in L.acked["ban"] if any(f"ban of {a['ip']} (" in t for t in missing_all)]
    if lost_bans:
        before = sorted((L.kill_at.get(a["start"], a["at"]) - a["at"]) * 1000 for a in lost_bans)
        kills_hit = len({a["start"] for a in lost_bans})
        print(f"#   missing bans: {len(lost_bans)}, lost in {kills_hit} of {kills} kills; acknowledged "
              f"{before[0]:.0f} to {before[-1]:.0f} ms (median {before[len(before) // 2]:.0f} ms) before the kill")
        summary["missing_bans_ms_before_kill"] = [round(before[0]), round(before[len(before) // 2]), round(before[-1])]
        summary["kills_losing_bans"] = kills_hit
    print(f"#   writes cut off by a kill (no answer): {unanswered}; of those committed anyway: {committed}")
    print("#   answers: " + "; ".join(f"{x} {dict(sorted(v.items()))}" for x, v in L.statuses.items()))
    # Server errors per kind of write: what the clients got (their attempts answered 500 or
    # more, of all their attempts that got an answer) and what the server's access log says.
    answered = {x: sum(n for k, n in v.items() if k != 0) for x, v in L.statuses.items()}
    client_5xx = {x: sum(n for k, n in v.items() if k >= 500) for x, v in L.statuses.items()}
    logged_5xx = server_5xx(server.logs)
    summary["answers_5xx"] = {x: {"client": client_5xx[x], "answered": answered[x],
                                  "server_log": logged_5xx.get(x, {})} for x in L.statuses}
    if logged_5xx.get("other"):
        summary["answers_5xx"]["other"] = {"server_log": logged_5xx["other"]}
    print("#   answers 5xx (clients: of the answered attempts; server's access log by status): " + "; ".join(
        f"{x} {client_5xx[x]} of {answered[x]} (log {dict(sorted(logged_5xx.get(x, {}).items())) or 0})"
        for x in L.statuses) + (f"; other (log {logged_5xx['other']})" if logged_5xx.get("other") else ""))
    if L.events:
        print("#   unexpected answers:")
        for n, first in sorted(L.events.values(), key=lambda v: -v[0])[:12]:
            print(f"#     {n} x {first[:240]}")
    errors = server_errors(server.logs)
    if errors:
        print("#   the server's own ERROR/WARN lines:")
        for n, line in errors[:12]:
            print(f"#     {n} x {line[:240]}")
    print(json.dumps(summary), flush=True)

    keep = args.keep or failed
    if mysql_db and not keep:
        MysqlDb(args.mysql_admin_url, mysql_db).run(
            f"DROP DATABASE `{mysql_db}`; " + " ".join(
                f"DROP USER IF EXISTS '{mysql_db}_{r}'@'%';" for r in ("reader", "recorder", "editor")))
    if keep:
        print(f"# kept {base}" + (f" and MariaDB database {mysql_db}" if mysql_db else ""), flush=True)
    else:
        shutil.rmtree(base, ignore_errors=True)
    return not failed


async def main(args):
    kinds = ["sqlite", "mysql"] if args.db == "both" else [args.db]
    out = subprocess.run([args.bolwerk, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"# {out} ({args.bolwerk}); {args.kills} kills per database; {args.editors} editors, "
          f"{args.formers} form posters, {args.banners} attackers, {args.signers} sign-in clients", flush=True)
    ok = True
    for kind in kinds:
        ok = await run(args, kind) and ok
    print("# crash safety: " + ("held" if ok else "BROKEN"), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bolwerk", required=True)
    p.add_argument("--kills", type=int, default=100)
    p.add_argument("--db", choices=["sqlite", "mysql", "both"], default="both")
    p.add_argument("--mysql-admin-url", default="mysql://root@127.0.0.1:3306/")
    p.add_argument("--editors", type=int, default=2)
    p.add_argument("--formers", type=int, default=2)
    p.add_argument("--banners", type=int, default=2)
    p.add_argument("--signers", type=int, default=2)
    p.add_argument("--keep", action="store_true", help="keep the data directory, logs and MariaDB database")
    args = p.parse_args()
    sys.exit(asyncio.run(main(args)))
